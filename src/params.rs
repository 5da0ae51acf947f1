//! Parameter checks shared by the experiment file and every stage's parameters: the error
//! type that names a key and its allowed values, and range checks. A leaf module, so that
//! stages validate their own sections without depending on `config`.

use std::path::PathBuf;

/// A configuration error: which key, what was wrong, what is allowed.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read experiment file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid experiment file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("invalid value for `{key}`: {message}")]
    Invalid { key: String, message: String },
}

impl ConfigError {
    pub fn invalid(key: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError::Invalid {
            key: key.into(),
            message: message.into(),
        }
    }
}

/// Checks an integer range, naming the key and the allowed range in the error.
pub fn check_int(key: &str, v: i64, lo: i64, hi: i64) -> Result<i64, ConfigError> {
    if v < lo || v > hi {
        return Err(ConfigError::invalid(
            key,
            format!("got {v}, allowed {lo}..={hi}"),
        ));
    }
    Ok(v)
}

/// Checks a real range (inclusive), rejecting NaN.
pub fn check_f64(key: &str, v: f64, lo: f64, hi: f64) -> Result<f64, ConfigError> {
    if !(v >= lo && v <= hi) {
        return Err(ConfigError::invalid(
            key,
            format!("got {v}, allowed {lo}..={hi}"),
        ));
    }
    Ok(v)
}
