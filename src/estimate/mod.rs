//! Difference-in-differences, event studies, staggered adoption, matching and randomisation
//! inference (issue #5).
//!
//! Every estimator works on a [`Panel`] built from plain slices, validates its input (clear
//! errors, never a silent NaN) and names the convention it follows, so that its numbers can be
//! compared with fixest/pyfixest and R `did`/csdid (see `tests/reference/estimate/`).

pub mod event_study;
pub mod panel;
pub mod twfe;

pub use panel::Panel;

use crate::stats::linalg::LinalgError;
use crate::stats::logit::LogitError;

/// Errors of the estimators.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EstimateError {
    /// The input panel or options are unusable.
    #[error("{0}")]
    Input(String),
    /// Perfectly collinear regressors or covariates (named).
    #[error("perfectly collinear: {0}")]
    Collinear(String),
    /// A numerical step failed.
    #[error("numerical failure: {0}")]
    Numerical(String),
    #[error(transparent)]
    Linalg(#[from] LinalgError),
    #[error(transparent)]
    Logit(#[from] LogitError),
}
