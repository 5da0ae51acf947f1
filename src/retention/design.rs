//! `[retention]`: job-seeker cohorts and orientation policies for the retention simulation.

use crate::config::ConfigError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRetentionDesign {}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RetentionDesign {}

impl RawRetentionDesign {
    pub fn validate(&self) -> Result<RetentionDesign, ConfigError> {
        Ok(RetentionDesign {})
    }
}
