//! Peer-normalised engagement score, graduated label and explanations (issue #4).

mod params;
pub use params::{RawScoreParams, ScoreParams};
