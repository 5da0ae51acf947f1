//! Job retention of people placed in labelled vs other employers (issue #6).

mod design;
pub use design::{RawRetentionDesign, RetentionDesign};
