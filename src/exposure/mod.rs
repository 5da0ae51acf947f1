//! Exposing non-labelled employers to their score: designs and response model.
//!
//! The evaluation question is whether employers shown their results improve faster than
//! comparable employers who were not. This module decides *who* is exposed *when*
//! (randomised, staggered waves, or an observational rule correlated with traits) and
//! *how* exposed establishments respond: after a lag and a ramp, their latent
//! inclusiveness rises by a configurable amount, with optional non-responders,
//! heterogeneity by size, decay and spillover to peers in the same zone × sector (besides the
//! spillover through the shared job-seeker pool, see [`study`]). The
//! response enters the generator through [`crate::synth::TraitShift`], so the run without
//! exposure reuses the same random numbers and the true effect is known exactly.
//!
//! | key | default | meaning | range |
//! |---|---|---|---|
//! | `design` | "randomised" | "randomised", "staggered" or "observational" | — |
//! | `start` | window start + 2 years | first exposure month, "AAAA-MM" (randomised, observational) | inside the scored window |
//! | `waves` | start, +6, +12 months | exposure months of the staggered design | inside the window, increasing |
//! | `share` | 0.5 | share of eligible (non-labelled) establishments exposed (per wave for staggered: split evenly) | 0.05..=0.95 |
//! | `effect_size` | 0.075 | targeted relative improvement of hiring shares (calibration F4: 5–10%) | 0..=0.5 |
//! | `lag_months` | 3 | months before the response starts | 0..=24 |
//! | `ramp_months` | 6 | months to reach the full response | 0..=36 |
//! | `nonresponder_share` | 0.3 | exposed establishments that do not respond (F4: mass at zero) | 0..=1 |
//! | `size_heterogeneity` | 0.0 | response multiplier slope per log(slots) around its mean | -1..=1 |
//! | `decay_per_year` | 0.0 | yearly relative decay of the response after the ramp | 0..=1 |
//! | `spillover` | 0.0 | share of the mean response reaching non-exposed peers in the same zone × sector | 0..=1 |
//! | `shared_pool` | true | exposed and comparison establishments hire from one job-seeker pool (the exposed, hiring more people far from employment, leave fewer for the others); `false` gives the exposed arm its own pool in both worlds, which switches that spillover off | — |
//! | `observational_size_coef` | 0.8 | observational rule: log-odds per log(slots) | -5..=5 |
//! | `observational_trait_coef` | 1.0 | observational rule: log-odds per sd of latent inclusiveness ("asked for their result") | -5..=5 |
//! | `min_units` | 20 | minimum number of eligible establishments to run the design | 2..=1,000,000 |

pub mod montecarlo;
pub mod study;

use crate::config::GeneratorParams;
use crate::date::Date;
use crate::params::{check_f64, check_int, ConfigError};
use crate::synth::{rng, TraitShift};
use rand::seq::SliceRandom;
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Exposure design.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Design {
    Randomised,
    Staggered,
    Observational,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawExposureDesign {
    pub design: Option<String>,
    pub start: Option<String>,
    pub waves: Option<Vec<String>>,
    pub share: Option<f64>,
    pub effect_size: Option<f64>,
    pub lag_months: Option<i64>,
    pub ramp_months: Option<i64>,
    pub nonresponder_share: Option<f64>,
    pub size_heterogeneity: Option<f64>,
    pub decay_per_year: Option<f64>,
    pub spillover: Option<f64>,
    pub observational_size_coef: Option<f64>,
    pub observational_trait_coef: Option<f64>,
    pub min_units: Option<i64>,
    /// The real exposure register (CSV or Parquet); with `data.source = "tables"` only
    /// (validated in `config`, read by `pilot::register`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub register: Option<std::path::PathBuf>,
    /// Who may enter the real evaluation: "unlabelled" (default) or "scored".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eligible: Option<String>,
    pub shared_pool: Option<bool>,
}

/// Validated exposure design (see the module table).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ExposureDesign {
    pub design: Design,
    /// Exposure months (first day of month): one for randomised and observational designs.
    pub waves: Vec<Date>,
    pub share: f64,
    pub effect_size: f64,
    pub lag_months: u32,
    pub ramp_months: u32,
    pub nonresponder_share: f64,
    pub size_heterogeneity: f64,
    pub decay_per_year: f64,
    pub spillover: f64,
    pub observational_size_coef: f64,
    pub observational_trait_coef: f64,
    pub min_units: u32,
    pub shared_pool: bool,
}

fn parse_month(key: &str, s: &str) -> Result<Date, ConfigError> {
    let bad = || ConfigError::invalid(key, format!("got {s:?}, allowed a month \"AAAA-MM\""));
    let (y, m) = s.split_once('-').ok_or_else(bad)?;
    let y: i32 = y.parse().map_err(|_| bad())?;
    let m: u32 = m.parse().map_err(|_| bad())?;
    Date::from_ymd(y, m, 1).ok_or_else(bad)
}

impl RawExposureDesign {
    pub fn validate(&self, g: &GeneratorParams) -> Result<ExposureDesign, ConfigError> {
        let design = match self.design.as_deref().unwrap_or("randomised") {
            "randomised" => Design::Randomised,
            "staggered" => Design::Staggered,
            "observational" => Design::Observational,
            other => {
                return Err(ConfigError::invalid(
                    "exposure.design",
                    format!(
                        "got {other:?}, allowed \"randomised\", \"staggered\" or \"observational\""
                    ),
                ))
            }
        };
        let (w0, w1) = (g.window_start(), g.coverage_end());
        if w0.add_months(12) > w1.add_months(-3) {
            // Even a well-chosen start cannot fit: name the key the user can change.
            return Err(ConfigError::invalid(
                "generator.years",
                format!(
                    "got {}, allowed 2 or more with an exposure study (it needs a year of scores before the first exposure and a quarter after)",
                    g.years
                ),
            ));
        }
        let default_start = w0.add_months(12 * (g.years as i32 / 2).max(1));
        let start = match &self.start {
            Some(s) => parse_month("exposure.start", s)?,
            None => default_start,
        };
        let waves = match (design, &self.waves) {
            (Design::Staggered, Some(ws)) => ws
                .iter()
                .enumerate()
                .map(|(i, s)| parse_month(&format!("exposure.waves[{i}]"), s))
                .collect::<Result<Vec<_>, _>>()?,
            (Design::Staggered, None) => vec![start, start.add_months(6), start.add_months(12)],
            (_, Some(_)) => {
                return Err(ConfigError::invalid(
                    "exposure.waves",
                    "waves apply to the \"staggered\" design only; use `start` otherwise",
                ))
            }
            (_, None) => vec![start],
        };
        for (i, w) in waves.iter().enumerate() {
            // At least one year of scores before the first wave, and one quarter after.
            if *w < w0.add_months(12) || *w > w1.add_months(-3) {
                return Err(ConfigError::invalid(
                    if design == Design::Staggered { format!("exposure.waves[{i}]") } else { "exposure.start".into() },
                    format!(
                        "got {}, allowed months from {} to {} (a year of scores before, a quarter after)",
                        &w.to_string()[..7],
                        &w0.add_months(12).to_string()[..7],
                        &w1.add_months(-3).to_string()[..7]
                    ),
                ));
            }
            if i > 0 && *w <= waves[i - 1] {
                return Err(ConfigError::invalid(
                    format!("exposure.waves[{i}]"),
                    "waves must be strictly increasing",
                ));
            }
        }
        let f = |k: &str, v: Option<f64>, d: f64, lo: f64, hi: f64| {
            check_f64(&format!("exposure.{k}"), v.unwrap_or(d), lo, hi)
        };
        let i = |k: &str, v: Option<i64>, d: i64, lo: i64, hi: i64| {
            check_int(&format!("exposure.{k}"), v.unwrap_or(d), lo, hi)
        };
        Ok(ExposureDesign {
            design,
            waves,
            share: f("share", self.share, 0.5, 0.05, 0.95)?,
            effect_size: f("effect_size", self.effect_size, 0.075, 0.0, 0.5)?,
            lag_months: i("lag_months", self.lag_months, 3, 0, 24)? as u32,
            ramp_months: i("ramp_months", self.ramp_months, 6, 0, 36)? as u32,
            nonresponder_share: f("nonresponder_share", self.nonresponder_share, 0.3, 0.0, 1.0)?,
            size_heterogeneity: f(
                "size_heterogeneity",
                self.size_heterogeneity,
                0.0,
                -1.0,
                1.0,
            )?,
            decay_per_year: f("decay_per_year", self.decay_per_year, 0.0, 0.0, 1.0)?,
            spillover: f("spillover", self.spillover, 0.0, 0.0, 1.0)?,
            observational_size_coef: f(
                "observational_size_coef",
                self.observational_size_coef,
                0.8,
                -5.0,
                5.0,
            )?,
            observational_trait_coef: f(
                "observational_trait_coef",
                self.observational_trait_coef,
                1.0,
                -5.0,
                5.0,
            )?,
            min_units: i("min_units", self.min_units, 20, 2, 1_000_000)? as u32,
            shared_pool: self.shared_pool.unwrap_or(true),
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExposureError {
    #[error("only {eligible} establishments are eligible for exposure (not labelled and scored at {t0}); the design needs at least {min}")]
    TooFewEligible {
        eligible: usize,
        min: u32,
        t0: String,
    },
}

/// What the design needs to know about one establishment.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Index of the establishment in generation order (the generator's `TraitShift` index).
    pub index: usize,
    pub siret: u64,
    /// Eligible: scored and not labelled at the first exposure date.
    pub eligible: bool,
    /// Randomisation stratum (the peer group).
    pub stratum: String,
    /// Spillover group (zone × sector).
    pub spill_group: String,
    pub slots: u32,
    /// Latent openness to people far from employment: used only by the observational rule
    /// (self-selection).
    pub inclusiveness: f64,
}

/// The exposure of one establishment.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Assignment {
    pub siret: u64,
    pub index: usize,
    /// First exposure month, or `None` for never exposed.
    pub exposed_from: Option<Date>,
    /// Responds to exposure (false for non-responders and the never exposed).
    pub responder: bool,
    /// Response multiplier (heterogeneity by size), 0 when not responding.
    pub response: f64,
    pub stratum: String,
    pub eligible: bool,
}

/// Assigns exposure according to the design. Seeded by its own stream (`rng::EXPOSURE`),
/// so the data draws do not change with the assignment.
pub fn assign(
    design: &ExposureDesign,
    candidates: &[Candidate],
    seed: u64,
) -> Result<Vec<Assignment>, ExposureError> {
    let eligible: Vec<&Candidate> = candidates.iter().filter(|c| c.eligible).collect();
    if eligible.len() < design.min_units as usize {
        return Err(ExposureError::TooFewEligible {
            eligible: eligible.len(),
            min: design.min_units,
            t0: design.waves[0].to_string(),
        });
    }
    let mut rng = rng::stream(seed, rng::EXPOSURE, 0, 0);
    let mut wave_of: BTreeMap<usize, usize> = BTreeMap::new();
    match design.design {
        Design::Randomised | Design::Staggered => {
            // Stratified: within each stratum, shuffle and expose round(share × n), with the
            // rounding remainder carried across strata so the overall share is exact.
            let mut strata: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
            for c in &eligible {
                strata.entry(c.stratum.as_str()).or_default().push(c.index);
            }
            let n_waves = design.waves.len();
            let mut carry = 0.0;
            for (_, mut units) in strata {
                units.shuffle(&mut rng);
                let exact = design.share * units.len() as f64 + carry;
                let k = exact.floor() as usize;
                carry = exact - k as f64;
                for (j, &u) in units.iter().take(k.min(units.len())).enumerate() {
                    wave_of.insert(u, j % n_waves);
                }
            }
        }
        Design::Observational => {
            let mean_log =
                eligible.iter().map(|c| (c.slots as f64).ln()).sum::<f64>() / eligible.len() as f64;
            // Intercept solved so that the expected share matches `share`.
            let score = |c: &Candidate, a: f64| {
                a + design.observational_size_coef * ((c.slots as f64).ln() - mean_log)
                    + design.observational_trait_coef * c.inclusiveness
            };
            let (mut lo, mut hi) = (-20.0, 20.0);
            for _ in 0..100 {
                let mid = (lo + hi) / 2.0;
                let m = eligible
                    .iter()
                    .map(|c| 1.0 / (1.0 + (-score(c, mid)).exp()))
                    .sum::<f64>()
                    / eligible.len() as f64;
                if m < design.share {
                    lo = mid
                } else {
                    hi = mid
                }
            }
            for c in &eligible {
                let p = 1.0 / (1.0 + (-score(c, lo)).exp());
                if rng.random::<f64>() < p {
                    wave_of.insert(c.index, 0);
                }
            }
        }
    }
    let mean_log_all = candidates
        .iter()
        .map(|c| (c.slots.max(1) as f64).ln())
        .sum::<f64>()
        / candidates.len().max(1) as f64;
    Ok(candidates
        .iter()
        .map(|c| {
            let exposed_from = wave_of.get(&c.index).map(|&w| design.waves[w]);
            let responder =
                exposed_from.is_some() && rng.random::<f64>() >= design.nonresponder_share;
            let het = (1.0
                + design.size_heterogeneity * ((c.slots.max(1) as f64).ln() - mean_log_all))
                .max(0.0);
            Assignment {
                siret: c.siret,
                index: c.index,
                exposed_from,
                responder,
                response: if responder { het } else { 0.0 },
                stratum: c.stratum.clone(),
                eligible: c.eligible,
            }
        })
        .collect())
}

/// The response model as a generator shift: Δθ(e, m) for establishment e in month m.
pub struct Response {
    /// Per establishment: (first response month index, multiplier).
    own: Vec<Option<(u32, f64)>>,
    /// Per establishment: spillover multiplier and the month it starts.
    spill: Vec<Option<(u32, f64)>>,
    full: f64,
    ramp: u32,
    decay: f64,
    /// Job-seeker pool per establishment: 1 for the exposed when pools are separate.
    arms: Vec<u8>,
}

impl Response {
    /// Builds the response for a dataset whose first simulated month is `coverage_start`.
    ///
    /// The latent shift at full response is `effect_size / (loading × 0.85)`: with hiring
    /// propensities around 15%, a log-odds shift δ raises a share by about δ × 0.85 in
    /// relative terms, so this targets the configured relative improvement (F4).
    pub fn new(
        design: &ExposureDesign,
        assignments: &[Assignment],
        candidates: &[Candidate],
        coverage_start: Date,
        loading: f64,
    ) -> Response {
        let n = candidates.iter().map(|c| c.index + 1).max().unwrap_or(0);
        let month0 = coverage_start.month_index();
        let mut own = vec![None; n];
        for a in assignments {
            if let (Some(from), true) = (a.exposed_from, a.responder) {
                let m = (from.month_index() - month0) as u32 + design.lag_months;
                own[a.index] = Some((m, a.response));
            }
        }
        let mut spill = vec![None; n];
        if design.spillover > 0.0 {
            // Peers share the mean response of the exposed members of their group.
            let mut groups: BTreeMap<&str, (u32, f64, usize)> = BTreeMap::new();
            for (c, a) in candidates.iter().zip(assignments) {
                if let Some((m, r)) = own[a.index] {
                    let g = groups
                        .entry(c.spill_group.as_str())
                        .or_insert((u32::MAX, 0.0, 0));
                    g.0 = g.0.min(m);
                    g.1 += r;
                    g.2 += 1;
                }
            }
            let size: BTreeMap<&str, usize> =
                candidates.iter().fold(BTreeMap::new(), |mut acc, c| {
                    *acc.entry(c.spill_group.as_str()).or_default() += 1;
                    acc
                });
            for (c, a) in candidates.iter().zip(assignments) {
                if a.exposed_from.is_none() {
                    if let Some(&(m, tot, k)) = groups.get(c.spill_group.as_str()) {
                        let frac = k as f64 / size[c.spill_group.as_str()] as f64;
                        spill[c.index] = Some((m, design.spillover * frac * tot / k as f64));
                    }
                }
            }
        }
        let mut arms = vec![0; n];
        if !design.shared_pool {
            for a in assignments.iter().filter(|a| a.exposed_from.is_some()) {
                arms[a.index] = 1;
            }
        }
        Response {
            own,
            spill,
            full: design.effect_size / (loading.max(1e-6) * 0.85),
            ramp: design.ramp_months,
            decay: design.decay_per_year,
            arms,
        }
    }

    /// The same assignment and pools without any response: the counterfactual world when
    /// the exposed arm has its own pool.
    pub fn without_effect(&self) -> Response {
        Response {
            own: self.own.clone(),
            spill: self.spill.clone(),
            full: 0.0,
            ramp: self.ramp,
            decay: self.decay,
            arms: self.arms.clone(),
        }
    }

    fn profile(&self, start: u32, month: u32) -> f64 {
        if month < start {
            return 0.0;
        }
        let t = month - start;
        let ramp = if self.ramp == 0 {
            1.0
        } else {
            ((t + 1) as f64 / self.ramp as f64).min(1.0)
        };
        // Decay runs from the month the full response is reached.
        let after = t.saturating_sub(self.ramp.saturating_sub(1)) as f64 / 12.0;
        ramp * (1.0 - self.decay).powf(after)
    }
}

impl TraitShift for Response {
    fn shift(&self, e: usize, month: u32) -> f64 {
        let own = self
            .own
            .get(e)
            .copied()
            .flatten()
            .map_or(0.0, |(s, r)| r * self.profile(s, month));
        let spill = self
            .spill
            .get(e)
            .copied()
            .flatten()
            .map_or(0.0, |(s, r)| r * self.profile(s, month));
        self.full * (own + spill)
    }

    fn pool_arm(&self, e: usize) -> u8 {
        self.arms.get(e).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RawGenerator;

    fn design(extra: &str) -> ExposureDesign {
        let raw: RawExposureDesign = toml::from_str(extra).unwrap();
        raw.validate(&GeneratorParams::default()).unwrap()
    }

    fn candidates(n: usize) -> Vec<Candidate> {
        (0..n)
            .map(|i| Candidate {
                index: i,
                siret: 1000 + i as u64,
                eligible: i % 10 != 0,
                stratum: format!("s{}", i % 7),
                spill_group: format!("g{}", i % 3),
                slots: 1 + (i % 50) as u32,
                inclusiveness: ((i * 37 % 100) as f64 - 50.0) / 25.0,
            })
            .collect()
    }

    #[test]
    fn randomised_is_stratified_and_seeded() {
        let d = design("");
        let c = candidates(700);
        let a = assign(&d, &c, 7).unwrap();
        let exposed: Vec<_> = a.iter().filter(|x| x.exposed_from.is_some()).collect();
        assert!(
            exposed.iter().all(|x| x.eligible),
            "only non-labelled units are exposed"
        );
        assert_eq!(exposed.len(), (0.5f64 * 630.0).round() as usize);
        for s in 0..7 {
            let stratum = format!("s{s}");
            let n = a
                .iter()
                .filter(|x| x.eligible && x.stratum == stratum)
                .count();
            let k = exposed.iter().filter(|x| x.stratum == stratum).count();
            assert!(
                (k as f64 - n as f64 / 2.0).abs() <= 1.0,
                "stratum {s}: {k}/{n}"
            );
        }
        assert_eq!(a, assign(&d, &c, 7).unwrap());
        assert_ne!(a, assign(&d, &c, 8).unwrap());
        let responders =
            exposed.iter().filter(|x| x.responder).count() as f64 / exposed.len() as f64;
        assert!((responders - 0.7).abs() < 0.07, "{responders}");
    }

    #[test]
    fn staggered_waves_and_observational_selection() {
        let d = design("design = \"staggered\"");
        assert_eq!(d.waves.len(), 3);
        let a = assign(&d, &candidates(700), 1).unwrap();
        for w in &d.waves {
            let k = a.iter().filter(|x| x.exposed_from == Some(*w)).count();
            assert!((100..=112).contains(&k), "wave {w}: {k}");
        }
        let d = design("design = \"observational\"");
        let c = candidates(2000);
        let a = assign(&d, &c, 1).unwrap();
        let mean = |f: &dyn Fn(&Assignment) -> bool| {
            let v: Vec<f64> = a
                .iter()
                .zip(&c)
                .filter(|(x, _)| x.eligible && f(x))
                .map(|(_, c)| c.inclusiveness)
                .collect();
            v.iter().sum::<f64>() / v.len() as f64
        };
        assert!(
            mean(&|x| x.exposed_from.is_some()) > mean(&|x| x.exposed_from.is_none()) + 0.3,
            "self-selection on traits"
        );
    }

    #[test]
    fn response_follows_lag_ramp_and_decay() {
        let d = design("effect_size = 0.085\nlag_months = 2\nramp_months = 4\nnonresponder_share = 0.0\ndecay_per_year = 0.5");
        let c = candidates(30);
        let a = assign(&d, &c, 3).unwrap();
        let r = Response::new(&d, &a, &c, GeneratorParams::default().coverage_start(), 0.8);
        let i = a.iter().find(|x| x.exposed_from.is_some()).unwrap().index;
        let m0 = (d.waves[0].month_index()
            - GeneratorParams::default().coverage_start().month_index()) as u32;
        let full = 0.085 / (0.8 * 0.85);
        assert_eq!(r.shift(i, m0 + 1), 0.0);
        assert!((r.shift(i, m0 + 2) - full * 0.25).abs() < 1e-12);
        assert!((r.shift(i, m0 + 5) - full).abs() < 1e-12);
        assert!((r.shift(i, m0 + 5 + 12) - full * 0.5).abs() < 1e-12);
        let never = a.iter().find(|x| x.exposed_from.is_none()).unwrap().index;
        assert_eq!(r.shift(never, m0 + 10), 0.0, "no spillover by default");
    }

    #[test]
    fn invalid_designs_are_named() {
        let g = GeneratorParams::default();
        let e = |t: &str| {
            toml::from_str::<RawExposureDesign>(t)
                .unwrap()
                .validate(&g)
                .unwrap_err()
                .to_string()
        };
        assert!(e("design = \"cluster\"").contains("exposure.design"));
        assert!(e("start = \"2019-01\"").contains("exposure.start"));
        assert!(
            e("design = \"staggered\"\nwaves = [\"2023-06\", \"2023-01\"]")
                .contains("exposure.waves[1]")
        );
        assert!(e("share = 1.5").contains("exposure.share"));
        // One scored year cannot hold a year of scores before exposure and a quarter after:
        // the error names the key the user set, not the default exposure start.
        let one_year = RawGenerator {
            years: Some(1),
            ..RawGenerator::default()
        }
        .validate()
        .unwrap();
        let err = RawExposureDesign::default()
            .validate(&one_year)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("generator.years") && err.contains("got 1"),
            "{err}"
        );
        assert!(!err.contains("exposure.start"), "{err}");
        let two_years = RawGenerator {
            years: Some(2),
            ..RawGenerator::default()
        }
        .validate()
        .unwrap();
        assert!(RawExposureDesign::default().validate(&two_years).is_ok());
    }
}
