//! Exposure designs (randomised, staggered, observational) and the response model (issue #5).

use crate::config::{ConfigError, GeneratorParams};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawExposureDesign {}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ExposureDesign {}

impl RawExposureDesign {
    pub fn validate(&self, _generator: &GeneratorParams) -> Result<ExposureDesign, ConfigError> {
        Ok(ExposureDesign {})
    }
}
