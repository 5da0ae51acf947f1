//! Evaluating a real pilot: the evaluator's own files, checked against the DSN, and the
//! evaluations they allow without a planted truth.
//!
//! - [`input`]: reading CSV or Parquet files as text, rejects with position, field and
//!   reason, counts that reconcile;
//! - [`register`]: who was sent their results, and when (`[exposure] register`);
//! - [`awarded`]: labels actually awarded (`[score] awarded`) and how they compare with the
//!   computed ones;
//! - [`cohort`]: a pseudonymised cohort of job seekers (`[retention] cohort`);
//! - [`followup`]: its return to work and retention, linked to the DSN contracts;
//! - [`panel`]: the establishment × period panel with cohorts from the register
//!   (`engagement panel`);
//! - [`evaluate`]: the exposure estimators on that panel.

pub mod awarded;
pub mod cohort;
pub mod evaluate;
pub mod followup;
pub mod input;
pub mod panel;
pub mod register;

pub use input::{InputError, Reconciliation, Reject, RejectReason};
