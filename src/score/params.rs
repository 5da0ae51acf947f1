//! `[score]`: scoring weights, peer groups, calculability rules and label thresholds.

use crate::config::ConfigError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawScoreParams {}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ScoreParams {}

impl RawScoreParams {
    pub fn validate(&self) -> Result<ScoreParams, ConfigError> {
        Ok(ScoreParams {})
    }
}
