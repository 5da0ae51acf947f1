//! `[generator]`: parameters of the synthetic DSN generator, with their calibration sources.
//!
//! | key | default | meaning | range | source |
//! |---|---|---|---|---|
//! | `establishments` | 5000 | number of establishments | 1..=2,000,000 | — (France: about 1.5 million, calibration A4) |
//! | `start_year` | 2021 | first year of the scored window | 2000..=2035 | — |
//! | `years` | 5 | scored years | 1..=10 | — |
//! | `burn_in_months` | 24 | months simulated and declared before the window, so that history flags (12 months without contract) are observable | 12..=60 | assumption |
//! | `size_band_shares` | [0.79, 0.17, 0.035, 0.005] | establishments by 1–9 / 10–49 / 50–249 / 250+ | shares summing to 1 | calibration A4 |
//! | `entry_rate` | 1.31 | CDD+CDI hires per employee per year | 0.2..=5 | calibration B8 |
//! | `cdd_share` | 0.827 | CDD share of hires excluding temp work | 0..=1 | calibration B2 |
//! | `short_cdd_share` | 0.83 | CDD under one month among CDD | 0..=0.99 | calibration B3 |
//! | `one_day_cdd_share` | 0.30 | one-day CDD among all CDD | 0..=short_cdd_share | calibration B4 |
//! | `long_cdd_mean_days` | 220 | mean length of CDD over one month | 32..=730 | tuned to B4 mean 46 days |
//! | `rehire_share` | 0.84 | short CDD going to a former employee of the same establishment | 0..=1 | calibration B5 |
//! | `cdi_first_year_exit` | 0.361 | share of CDI ended within their first year | 0..=0.9 | calibration B6 |
//! | `accidents_per_1000` | 30.1 | accidents with time off per 1,000 employees per year | 0..=200 | calibration C1 |
//! | `women_share` | 0.418 | women's share of employees (sector shares scale to it) | 0.05..=0.95 | calibration D1 |
//! | `part_time_women` / `part_time_men` | 0.28 / 0.08 | part-time share by sex | 0..=1 | calibration D2 |
//! | `boeth_share` | 0.053 | BOETH share of headcount | 0..=0.3 | calibration D4 |
//! | `under26_hire_share` / `over50_hire_share` | 0.35 / 0.12 | age mix of hires | 0..=1 | calibration D5 (assumption) |
//! | `iae_structure_share` | 0.01 | share of establishments that are IAE structures (ACI, EI, AI) | 0..=0.2 | assumption, E2 |
//! | `trait_loading` | 0.8 | how strongly each latent trait drives the criteria it governs (log-odds per sd) | 0..=3 | assumption |
//! | `trait_noise_sd` | 0.35 | idiosyncratic noise on each criterion's propensity (log-odds) | 0..=3 | assumption |
//! | `trait_correlations` | [0.3, 0.2, 0.4] | correlations of the latent traits openness–job quality, openness–working conditions, job quality–working conditions | each -0.9..=0.9, jointly positive definite | assumption |
//! | `seasonality_strength` | 1.0 | spread of seasonality within seasonal sectors (more young hires, more very short CDDs, fewer CDI, more separations) | 0..=3 | assumption |
//! | `oeth_churner_share` | 0.3 | share of establishments of 20+ that hire BOETH to meet the 6% obligation without keeping them | 0..=1 | assumption, near D4 (29% meet the quota directly) |
//! | `gamer_share` | 0.08 | share of establishments whose indicators look good while their fragile hires are let go just after six months | 0..=0.5 | assumption |
//!
//! `years` may be 1 for `generate` and `score`; the exposure study needs at least 2 scored
//! years (a year of scores before the first exposure and a quarter after), so an experiment
//! that keeps the default `[exposure]` is refused below 2 with an error naming `generator.years`.

use super::{check_f64, check_int, ConfigError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawGenerator {
    pub establishments: Option<i64>,
    pub start_year: Option<i64>,
    pub years: Option<i64>,
    pub burn_in_months: Option<i64>,
    pub size_band_shares: Option<Vec<f64>>,
    pub entry_rate: Option<f64>,
    pub cdd_share: Option<f64>,
    pub short_cdd_share: Option<f64>,
    pub one_day_cdd_share: Option<f64>,
    pub long_cdd_mean_days: Option<f64>,
    pub rehire_share: Option<f64>,
    pub cdi_first_year_exit: Option<f64>,
    pub accidents_per_1000: Option<f64>,
    pub women_share: Option<f64>,
    pub part_time_women: Option<f64>,
    pub part_time_men: Option<f64>,
    pub boeth_share: Option<f64>,
    pub under26_hire_share: Option<f64>,
    pub over50_hire_share: Option<f64>,
    pub iae_structure_share: Option<f64>,
    pub trait_loading: Option<f64>,
    pub trait_noise_sd: Option<f64>,
    pub trait_correlations: Option<Vec<f64>>,
    pub seasonality_strength: Option<f64>,
    pub oeth_churner_share: Option<f64>,
    pub gamer_share: Option<f64>,
}

/// Validated generator parameters (see the module table for meanings and sources).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GeneratorParams {
    pub establishments: u32,
    pub start_year: i32,
    pub years: u32,
    pub burn_in_months: u32,
    pub size_band_shares: [f64; 4],
    pub entry_rate: f64,
    pub cdd_share: f64,
    pub short_cdd_share: f64,
    pub one_day_cdd_share: f64,
    pub long_cdd_mean_days: f64,
    pub rehire_share: f64,
    pub cdi_first_year_exit: f64,
    pub accidents_per_1000: f64,
    pub women_share: f64,
    pub part_time_women: f64,
    pub part_time_men: f64,
    pub boeth_share: f64,
    pub under26_hire_share: f64,
    pub over50_hire_share: f64,
    pub iae_structure_share: f64,
    pub trait_loading: f64,
    pub trait_noise_sd: f64,
    /// Openness–quality, openness–conditions, quality–conditions.
    pub trait_correlations: [f64; 3],
    pub seasonality_strength: f64,
    pub oeth_churner_share: f64,
    pub gamer_share: f64,
}

impl Default for GeneratorParams {
    fn default() -> Self {
        RawGenerator::default()
            .validate()
            .expect("defaults are valid")
    }
}

impl GeneratorParams {
    /// Total simulated months: burn-in plus the scored years.
    pub fn total_months(&self) -> u32 {
        self.burn_in_months + 12 * self.years
    }
    /// First simulated (and declared) day.
    pub fn coverage_start(&self) -> crate::date::Date {
        crate::date::Date::from_ymd(self.start_year, 1, 1)
            .expect("valid year")
            .add_months(-(self.burn_in_months as i32))
    }
    /// First day of the scored window.
    pub fn window_start(&self) -> crate::date::Date {
        crate::date::Date::from_ymd(self.start_year, 1, 1).expect("valid year")
    }
    /// Extraction date: the last simulated day.
    pub fn coverage_end(&self) -> crate::date::Date {
        crate::date::Date::from_ymd(self.start_year + self.years as i32, 1, 1)
            .expect("valid year")
            .add_days(-1)
    }
}

impl RawGenerator {
    /// The three trait correlations, checked one by one and as a positive-definite matrix.
    fn correlations(&self) -> Result<[f64; 3], ConfigError> {
        let key = "generator.trait_correlations";
        let v = self
            .trait_correlations
            .clone()
            .unwrap_or_else(|| vec![0.3, 0.2, 0.4]);
        if v.len() != 3 {
            return Err(ConfigError::invalid(
                key,
                format!(
                    "got {} values, allowed exactly 3 (openness–quality, openness–conditions, quality–conditions)",
                    v.len()
                ),
            ));
        }
        for (k, r) in v.iter().enumerate() {
            check_f64(&format!("{key}[{k}]"), *r, -0.9, 0.9)?;
        }
        let (a, b, c) = (v[0], v[1], v[2]);
        let det = 1.0 + 2.0 * a * b * c - a * a - b * b - c * c;
        if det <= 1e-6 {
            return Err(ConfigError::invalid(
                key,
                format!("got {v:?}, allowed correlations forming a positive-definite matrix"),
            ));
        }
        Ok([a, b, c])
    }

    pub fn validate(&self) -> Result<GeneratorParams, ConfigError> {
        let f = |key: &str, v: Option<f64>, def: f64, lo: f64, hi: f64| {
            check_f64(&format!("generator.{key}"), v.unwrap_or(def), lo, hi)
        };
        let i = |key: &str, v: Option<i64>, def: i64, lo: i64, hi: i64| {
            check_int(&format!("generator.{key}"), v.unwrap_or(def), lo, hi)
        };
        let bands = self
            .size_band_shares
            .clone()
            .unwrap_or_else(|| vec![0.79, 0.17, 0.035, 0.005]);
        if bands.len() != 4 {
            return Err(ConfigError::invalid(
                "generator.size_band_shares",
                format!(
                    "got {} values, allowed exactly 4 (1-9, 10-49, 50-249, 250+)",
                    bands.len()
                ),
            ));
        }
        for (k, b) in bands.iter().enumerate() {
            check_f64(&format!("generator.size_band_shares[{k}]"), *b, 0.0, 1.0)?;
        }
        let total: f64 = bands.iter().sum();
        if (total - 1.0).abs() > 1e-6 {
            return Err(ConfigError::invalid(
                "generator.size_band_shares",
                format!("shares sum to {total}, allowed a sum of 1"),
            ));
        }
        let short_cdd_share = f("short_cdd_share", self.short_cdd_share, 0.83, 0.0, 0.99)?;
        let p = GeneratorParams {
            establishments: i("establishments", self.establishments, 5000, 1, 2_000_000)? as u32,
            start_year: i("start_year", self.start_year, 2021, 2000, 2035)? as i32,
            years: i("years", self.years, 5, 1, 10)? as u32,
            burn_in_months: i("burn_in_months", self.burn_in_months, 24, 12, 60)? as u32,
            size_band_shares: [bands[0], bands[1], bands[2], bands[3]],
            entry_rate: f("entry_rate", self.entry_rate, 1.31, 0.2, 5.0)?,
            cdd_share: f("cdd_share", self.cdd_share, 0.827, 0.0, 1.0)?,
            short_cdd_share,
            one_day_cdd_share: f(
                "one_day_cdd_share",
                self.one_day_cdd_share,
                0.30,
                0.0,
                short_cdd_share,
            )?,
            long_cdd_mean_days: f(
                "long_cdd_mean_days",
                self.long_cdd_mean_days,
                220.0,
                32.0,
                730.0,
            )?,
            rehire_share: f("rehire_share", self.rehire_share, 0.84, 0.0, 1.0)?,
            cdi_first_year_exit: f(
                "cdi_first_year_exit",
                self.cdi_first_year_exit,
                0.361,
                0.0,
                0.9,
            )?,
            accidents_per_1000: f(
                "accidents_per_1000",
                self.accidents_per_1000,
                30.1,
                0.0,
                200.0,
            )?,
            women_share: f("women_share", self.women_share, 0.418, 0.05, 0.95)?,
            part_time_women: f("part_time_women", self.part_time_women, 0.28, 0.0, 1.0)?,
            part_time_men: f("part_time_men", self.part_time_men, 0.08, 0.0, 1.0)?,
            boeth_share: f("boeth_share", self.boeth_share, 0.053, 0.0, 0.3)?,
            under26_hire_share: f(
                "under26_hire_share",
                self.under26_hire_share,
                0.35,
                0.0,
                1.0,
            )?,
            over50_hire_share: f("over50_hire_share", self.over50_hire_share, 0.12, 0.0, 1.0)?,
            iae_structure_share: f(
                "iae_structure_share",
                self.iae_structure_share,
                0.01,
                0.0,
                0.2,
            )?,
            trait_loading: f("trait_loading", self.trait_loading, 0.8, 0.0, 3.0)?,
            trait_noise_sd: f("trait_noise_sd", self.trait_noise_sd, 0.35, 0.0, 3.0)?,
            trait_correlations: self.correlations()?,
            seasonality_strength: f(
                "seasonality_strength",
                self.seasonality_strength,
                1.0,
                0.0,
                3.0,
            )?,
            oeth_churner_share: f("oeth_churner_share", self.oeth_churner_share, 0.3, 0.0, 1.0)?,
            gamer_share: f("gamer_share", self.gamer_share, 0.08, 0.0, 0.5)?,
        };
        if p.under26_hire_share + p.over50_hire_share > 1.0 {
            return Err(ConfigError::invalid(
                "generator.over50_hire_share",
                "under26_hire_share + over50_hire_share must not exceed 1",
            ));
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<GeneratorParams, ConfigError> {
        toml::from_str::<RawGenerator>(s).unwrap().validate()
    }

    #[test]
    fn trait_correlations_are_checked_one_by_one_and_together() {
        assert_eq!(parse("").unwrap().trait_correlations, [0.3, 0.2, 0.4]);
        let e = parse("trait_correlations = [0.3, 0.2]")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("generator.trait_correlations") && e.contains("exactly 3"),
            "{e}"
        );
        let e = parse("trait_correlations = [0.3, 0.95, 0.4]")
            .unwrap_err()
            .to_string();
        assert!(e.contains("generator.trait_correlations[1]"), "{e}");
        // Each value is allowed but together they are not a correlation matrix.
        let e = parse("trait_correlations = [0.9, 0.9, -0.9]")
            .unwrap_err()
            .to_string();
        assert!(e.contains("positive-definite"), "{e}");
        let e = parse("gamer_share = 0.6").unwrap_err().to_string();
        assert!(e.contains("generator.gamer_share"), "{e}");
    }
}
