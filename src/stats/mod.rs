//! Shared numerics: small dense linear algebra, logistic regression, descriptive statistics.
//!
//! Callers use e.g. [`logit::fit`], [`describe::median`], [`describe::mad`],
//! [`describe::spearman`], [`describe::kendall_tau_b`], [`linalg::inv_spd`].

pub mod describe;
pub mod design;
pub mod linalg;
pub mod logit;
pub mod memory;

pub use describe::{
    kendall_tau_b, mad, mad_raw, mean, median, percentile_rank, quantile, spearman,
};
pub use linalg::{LinalgError, Matrix};
pub use logit::{LogitError, LogitFit, LogitOptions};
