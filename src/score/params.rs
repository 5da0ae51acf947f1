//! `[score]`: indicator window, peer groups, calculability, shrinkage, weights and labels.
//!
//! Parsed in two stages like the rest of the experiment file: [`RawScoreParams`] is what the
//! TOML says (every key optional, unknown keys rejected), [`ScoreParams`] is the validated plan.
//!
//! | key | default | meaning | range |
//! |---|---|---|---|
//! | `window_months` | 12 | length of the rolling indicator window | 1..=60 |
//! | `step_months` | 3 | one period every `step_months` (3 = quarterly, labels `2023T4`) | 1..=12 |
//! | `min_history_months` | 12 | months of corpus before a window starts, so that "12 months without contract" is observable | 0..=60 |
//! | `sector_level` | `"division"` | finest NAF level of the peer group: `group`, `division` or `section` | — |
//! | `min_peers` | 20 | minimum calculable establishments in a peer group before falling back a level | 3..=100000 |
//! | `min_hires` | 5 | hires in the window below which hire-based criteria, and the score, are non calculable | 1..=1000 |
//! | `min_headcount` | 5.0 | average monthly headcount below which the score is non calculable | 0..=100000 |
//! | `min_weight_share` | 0.75 | share of the total weight that calculable criteria must carry (Egapro: 75 of 100 points) | 0..=1 |
//! | `shrinkage` | true | empirical-Bayes shrinkage of counts toward the peer expectation | — |
//! | `prior_strength` | none (estimated) | fixed prior strength κ (pseudo-hires, or pseudo-employee-years) instead of the method-of-moments estimate | 0..=1e6 |
//! | `subscore` | `"percentile"` | `percentile` (mid-rank among peers) or `robust_z` (Φ of (v − median) / (1.4826 MAD)) | — |
//! | `interval_level` | 0.90 | coverage of the composite's uncertainty interval | 0.5..=0.999 |
//! | `weights` | see [`DEFAULT_WEIGHTS`] | relative weight per criterion; normalised to sum to 100 | 0..=1000 each, sum > 0 |
//! | `label_thresholds` | [0.70, 0.85, 0.95] | composite percentile within the peer group for levels 1, 2, 3 | strictly increasing in (0, 1) |
//! | `gates` | AT/MP worst decile → no label | `{ criterion, worst_share, max_label }`: cap the label when the criterion's sub-score lies in the peers' worst `worst_share` | worst_share 0..=0.5, max_label 0..=2 |
//! | `rotation_seed` | 1 | seed of the fair rotation of the counsellors' list | ≥ 0 |
//!
//! **Default weights** (hiring profiles 50, contracts 25, durability 25): the label rewards the
//! establishment's bets on people far from employment first. Long unemployment (10) and BOETH
//! (9) carry most because they are the publics counsellors place and 44% of job seekers are
//! long-term (calibration E1); no experience and 50+ (7 each) are the next hardest to place;
//! IAE/subsidised backgrounds (6) and under-26 (5) follow; women's balance (3) is small because
//! it is relative to the sector's mix and contested as an inclusion signal; subsidised or
//! work-study contracts (3) are partly a windfall. Contracts: the CDI share (10) and CDD→CDI
//! conversions (6) track the "sortie dynamique" definition of durable employment (E4); CDD
//! length (median 3, mean 2: the median resists one long CDD) and hosted internships and
//! immersions (4) count less. Durability criteria guard against churning: early ruptures (10),
//! turnover (8) and work accidents (7).

use crate::indicators::{Criterion, CRITERIA};
use crate::params::{check_f64, check_int, ConfigError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Default relative weights, in [`CRITERIA`] order (they sum to 100).
pub const DEFAULT_WEIGHTS: [f64; Criterion::COUNT] = [
    3.0,  // women balance
    7.0,  // no experience
    10.0, // long unemployment
    5.0,  // under 26
    7.0,  // 50 or more
    9.0,  // BOETH
    6.0,  // from IAE / subsidised
    3.0,  // subsidised or work-study contract
    10.0, // CDI share
    2.0,  // CDD mean duration
    3.0,  // CDD median duration
    6.0,  // CDD→CDI conversions
    4.0,  // internships and immersions
    8.0,  // turnover
    10.0, // early ruptures
    7.0,  // AT/MP frequency
];

/// NAF level of the finest peer group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum SectorLevel {
    Group,
    Division,
    Section,
}

/// How a criterion value becomes a 0–100 sub-score against its peers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscoreMethod {
    /// 100 × (peers below + ½ peers tied) / peers: the mid-rank percentile.
    Percentile,
    /// 100 × Φ((v − median) / (1.4826 · MAD)), direction-adjusted.
    RobustZ,
}

/// A gate as written: `{ criterion = "at_mp_frequency", worst_share = 0.1, max_label = 0 }`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawGate {
    pub criterion: String,
    pub worst_share: f64,
    pub max_label: i64,
}

/// A validated gate: the label is capped at `max_label` when the criterion's sub-score is at
/// or below `100 × worst_share` (the peers' worst `worst_share`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Gate {
    pub criterion: Criterion,
    pub worst_share: f64,
    pub max_label: u8,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawScoreParams {
    pub window_months: Option<i64>,
    pub step_months: Option<i64>,
    pub min_history_months: Option<i64>,
    pub sector_level: Option<SectorLevel>,
    pub min_peers: Option<i64>,
    pub min_hires: Option<i64>,
    pub min_headcount: Option<f64>,
    pub min_weight_share: Option<f64>,
    pub shrinkage: Option<bool>,
    pub prior_strength: Option<f64>,
    pub subscore: Option<SubscoreMethod>,
    pub interval_level: Option<f64>,
    /// Criterion name → relative weight; missing criteria keep their default.
    pub weights: Option<BTreeMap<String, f64>>,
    pub label_thresholds: Option<Vec<f64>>,
    pub gates: Option<Vec<RawGate>>,
    pub rotation_seed: Option<i64>,
    /// Labels actually awarded (CSV or Parquet), compared with the computed ones; read by
    /// `pilot::awarded` with `data.source = "tables"` (validated in `config`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub awarded: Option<std::path::PathBuf>,
}

/// Validated `[score]` parameters (see the module table).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ScoreParams {
    pub window_months: u32,
    pub step_months: u32,
    pub min_history_months: u32,
    pub sector_level: SectorLevel,
    pub min_peers: usize,
    pub min_hires: u32,
    pub min_headcount: f64,
    pub min_weight_share: f64,
    pub shrinkage: bool,
    pub prior_strength: Option<f64>,
    pub subscore: SubscoreMethod,
    pub interval_level: f64,
    /// Weights in [`CRITERIA`] order, normalised to sum to 100.
    pub weights: [f64; Criterion::COUNT],
    pub label_thresholds: [f64; 3],
    pub gates: Vec<Gate>,
    pub rotation_seed: u64,
}

impl Default for ScoreParams {
    fn default() -> Self {
        RawScoreParams::default()
            .validate()
            .expect("default score parameters are valid")
    }
}

impl ScoreParams {
    /// Weight of one criterion (out of 100).
    pub fn weight(&self, c: Criterion) -> f64 {
        self.weights[c as usize]
    }

    /// The same parameters with other weights (validated like the `weights` key).
    pub fn with_weights(&self, raw: &BTreeMap<String, f64>) -> Result<ScoreParams, ConfigError> {
        let mut p = self.clone();
        p.weights = validate_weights(Some(raw), "score.weights")?;
        Ok(p)
    }
}

/// Validates a weight table: known criterion names, each in 0..=1000, positive total;
/// returns the weights normalised to sum to 100, in [`CRITERIA`] order.
pub fn validate_weights(
    raw: Option<&BTreeMap<String, f64>>,
    key: &str,
) -> Result<[f64; Criterion::COUNT], ConfigError> {
    let mut w = DEFAULT_WEIGHTS;
    if let Some(raw) = raw {
        for (name, &v) in raw {
            let c = Criterion::from_name(name).ok_or_else(|| {
                ConfigError::invalid(
                    format!("{key}.{name}"),
                    format!(
                        "unknown criterion {name:?}; allowed: {}",
                        CRITERIA.map(|c| c.name()).join(", ")
                    ),
                )
            })?;
            w[c as usize] = check_f64(&format!("{key}.{name}"), v, 0.0, 1000.0)?;
        }
    }
    let total: f64 = w.iter().sum();
    if total <= 0.0 {
        return Err(ConfigError::invalid(
            key,
            "got weights summing to 0, allowed: at least one positive weight",
        ));
    }
    Ok(w.map(|x| 100.0 * x / total))
}

impl RawScoreParams {
    pub fn validate(&self) -> Result<ScoreParams, ConfigError> {
        let i = |key: &str, v: Option<i64>, def: i64, lo: i64, hi: i64| {
            check_int(&format!("score.{key}"), v.unwrap_or(def), lo, hi)
        };
        let f = |key: &str, v: Option<f64>, def: f64, lo: f64, hi: f64| {
            check_f64(&format!("score.{key}"), v.unwrap_or(def), lo, hi)
        };
        let window_months = i("window_months", self.window_months, 12, 1, 60)? as u32;
        let step_months = i("step_months", self.step_months, 3, 1, 12)? as u32;
        let min_history_months =
            i("min_history_months", self.min_history_months, 12, 0, 60)? as u32;
        let min_peers = i("min_peers", self.min_peers, 20, 3, 100_000)? as usize;
        let min_hires = i("min_hires", self.min_hires, 5, 1, 1000)? as u32;
        let min_headcount = f("min_headcount", self.min_headcount, 5.0, 0.0, 100_000.0)?;
        let min_weight_share = f("min_weight_share", self.min_weight_share, 0.75, 0.0, 1.0)?;
        let prior_strength = match self.prior_strength {
            None => None,
            Some(v) => Some(check_f64("score.prior_strength", v, 0.0, 1e6)?),
        };
        let interval_level = f("interval_level", self.interval_level, 0.90, 0.5, 0.999)?;
        let weights = validate_weights(self.weights.as_ref(), "score.weights")?;
        let th = self
            .label_thresholds
            .clone()
            .unwrap_or_else(|| vec![0.70, 0.85, 0.95]);
        if th.len() != 3 {
            return Err(ConfigError::invalid(
                "score.label_thresholds",
                format!(
                    "got {} values, allowed exactly 3 (levels 1, 2, 3)",
                    th.len()
                ),
            ));
        }
        for (k, &t) in th.iter().enumerate() {
            check_f64(&format!("score.label_thresholds[{k}]"), t, 0.0, 1.0)?;
            if t <= 0.0 || t >= 1.0 || (k > 0 && t <= th[k - 1]) {
                return Err(ConfigError::invalid(
                    format!("score.label_thresholds[{k}]"),
                    format!("got {t}, allowed strictly increasing percentiles in (0, 1)"),
                ));
            }
        }
        let raw_gates = self.gates.clone().unwrap_or_else(|| {
            vec![RawGate {
                criterion: Criterion::AtMpFrequency.name().to_string(),
                worst_share: 0.10,
                max_label: 0,
            }]
        });
        let mut gates = Vec::new();
        for (k, g) in raw_gates.iter().enumerate() {
            let key = format!("score.gates[{k}]");
            let criterion = Criterion::from_name(&g.criterion).ok_or_else(|| {
                ConfigError::invalid(
                    format!("{key}.criterion"),
                    format!(
                        "unknown criterion {:?}; allowed: {}",
                        g.criterion,
                        CRITERIA.map(|c| c.name()).join(", ")
                    ),
                )
            })?;
            let worst_share = check_f64(&format!("{key}.worst_share"), g.worst_share, 0.0, 0.5)?;
            let max_label = check_int(&format!("{key}.max_label"), g.max_label, 0, 2)? as u8;
            gates.push(Gate {
                criterion,
                worst_share,
                max_label,
            });
        }
        let rotation_seed = i("rotation_seed", self.rotation_seed, 1, 0, i64::MAX)? as u64;
        Ok(ScoreParams {
            window_months,
            step_months,
            min_history_months,
            sector_level: self.sector_level.unwrap_or(SectorLevel::Division),
            min_peers,
            min_hires,
            min_headcount,
            min_weight_share,
            shrinkage: self.shrinkage.unwrap_or(true),
            prior_strength,
            subscore: self.subscore.unwrap_or(SubscoreMethod::Percentile),
            interval_level,
            weights,
            label_thresholds: [th[0], th[1], th[2]],
            gates,
            rotation_seed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<ScoreParams, ConfigError> {
        let raw: RawScoreParams = toml::from_str(s).map_err(|e| ConfigError::Parse {
            path: "t.toml".into(),
            message: e.to_string(),
        })?;
        raw.validate()
    }

    #[test]
    fn defaults_sum_to_100_and_validate() {
        assert!((DEFAULT_WEIGHTS.iter().sum::<f64>() - 100.0).abs() < 1e-9);
        let p = ScoreParams::default();
        assert_eq!(p.window_months, 12);
        assert_eq!(p.gates.len(), 1);
        assert_eq!(p.gates[0].criterion, Criterion::AtMpFrequency);
        assert!((p.weights.iter().sum::<f64>() - 100.0).abs() < 1e-9);
    }

    #[test]
    fn errors_name_the_key_and_range() {
        let e = parse("window_months = 0").unwrap_err().to_string();
        assert!(
            e.contains("score.window_months") && e.contains("1..=60"),
            "{e}"
        );
        let e = parse("weights = { boeth = -1.0 }").unwrap_err().to_string();
        assert!(e.contains("score.weights.boeth"), "{e}");
        let e = parse("weights = { nope = 1.0 }").unwrap_err().to_string();
        assert!(e.contains("unknown criterion"), "{e}");
        let e = parse("label_thresholds = [0.9, 0.8, 0.95]")
            .unwrap_err()
            .to_string();
        assert!(e.contains("label_thresholds[1]"), "{e}");
        let e = parse("gates = [{ criterion = \"turnover\", worst_share = 0.7, max_label = 0 }]")
            .unwrap_err()
            .to_string();
        assert!(e.contains("gates[0].worst_share"), "{e}");
        assert!(parse("typo = 1").is_err());
        let all_zero = CRITERIA
            .iter()
            .map(|c| format!("{} = 0.0", c.name()))
            .collect::<Vec<_>>()
            .join(", ");
        let e = parse(&format!("weights = {{ {all_zero} }}"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("summing to 0"), "{e}");
    }

    #[test]
    fn weights_are_normalised() {
        let p = parse("weights = { boeth = 109.0 }").unwrap();
        // 109 + 91 = 200 → boeth gets half.
        assert!((p.weight(Criterion::Boeth) - 54.5).abs() < 1e-9);
    }
}
