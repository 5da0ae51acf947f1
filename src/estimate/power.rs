//! Analytic power and minimum detectable effect (MDE) for a planned two-arm exposure trial,
//! over a grid of sample sizes and effect sizes.
//!
//! Units are randomised with share `p` treated; the outcome has SD `σ` in every period and a
//! constant within-unit correlation `ρ` between periods; `m` pre- and `r` post-periods are
//! averaged (McKenzie 2012, "Beyond baseline and follow-up", J. Dev. Econ.). With
//! `f = 1/(n p) + 1/(n (1 − p))`:
//! * difference in means (post only): `Var = σ² f (1 + (r − 1)ρ) / r`;
//! * DiD: `Var = σ² f [(1 + (r − 1)ρ)/r + (1 + (m − 1)ρ)/m − 2ρ]`;
//! * ANCOVA: `Var = σ² f [(1 + (r − 1)ρ)/r − m ρ² / (1 + (m − 1)ρ)]`.
//!
//! Power of a two-sided level-α z-test against effect δ:
//! `Φ(|δ|/SE − z_{1−α/2}) + Φ(−|δ|/SE − z_{1−α/2})`; MDE `= (z_{1−α/2} + z_{power}) · SE`.
//! Stratified randomisation can only reduce the variance, so these figures are conservative
//! for a stratified design.

use super::EstimateError;
use crate::stats::describe;
use serde::{Deserialize, Serialize};

/// Estimator the trial will use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Design {
    DiffInMeans,
    Did,
    Ancova,
}

/// Design parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PowerParams {
    /// Outcome SD `σ` (per period).
    pub sd: f64,
    /// Within-unit correlation `ρ` between periods, in [0, 1).
    pub rho: f64,
    /// Pre-periods `m ≥ 1`.
    pub pre_periods: usize,
    /// Post-periods `r ≥ 1`.
    pub post_periods: usize,
    /// Share treated `p ∈ (0, 1)`.
    pub share_treated: f64,
    /// Test level α.
    pub alpha: f64,
    /// Target power for the MDE.
    pub power: f64,
}

impl Default for PowerParams {
    fn default() -> Self {
        PowerParams {
            sd: 1.0,
            rho: 0.5,
            pre_periods: 1,
            post_periods: 1,
            share_treated: 0.5,
            alpha: 0.05,
            power: 0.8,
        }
    }
}

impl PowerParams {
    fn validate(&self) -> Result<(), EstimateError> {
        let bad = |m: String| Err(EstimateError::Input(m));
        if !(self.sd > 0.0 && self.sd.is_finite()) {
            return bad(format!("power: sd must be positive, got {}", self.sd));
        }
        if !(0.0..1.0).contains(&self.rho) {
            return bad(format!("power: rho must be in [0, 1), got {}", self.rho));
        }
        if self.pre_periods == 0 || self.post_periods == 0 {
            return bad("power: pre_periods and post_periods must be ≥ 1".into());
        }
        if !(self.share_treated > 0.0 && self.share_treated < 1.0) {
            return bad(format!(
                "power: share_treated must be in (0, 1), got {}",
                self.share_treated
            ));
        }
        if !(self.alpha > 0.0 && self.alpha < 1.0 && self.power > 0.0 && self.power < 1.0) {
            return bad(format!(
                "power: alpha and power must be in (0, 1), got {} and {}",
                self.alpha, self.power
            ));
        }
        Ok(())
    }
}

/// Standard error of the effect estimate with `n` units.
pub fn se(p: &PowerParams, n: usize, design: Design) -> Result<f64, EstimateError> {
    p.validate()?;
    let n1 = n as f64 * p.share_treated;
    let n0 = n as f64 - n1;
    if n1 < 1.0 || n0 < 1.0 {
        return Err(EstimateError::Input(format!(
            "power: {n} units leave an empty arm at share {}",
            p.share_treated
        )));
    }
    let f = 1.0 / n1 + 1.0 / n0;
    let (m, r, rho) = (p.pre_periods as f64, p.post_periods as f64, p.rho);
    let post = (1.0 + (r - 1.0) * rho) / r;
    let pre = (1.0 + (m - 1.0) * rho) / m;
    let factor = match design {
        Design::DiffInMeans => post,
        Design::Did => post + pre - 2.0 * rho,
        Design::Ancova => post - m * rho * rho / (1.0 + (m - 1.0) * rho),
    };
    Ok((p.sd * p.sd * f * factor.max(0.0)).sqrt())
}

/// Power against effect `effect` with `n` units.
pub fn power(p: &PowerParams, n: usize, effect: f64, design: Design) -> Result<f64, EstimateError> {
    let s = se(p, n, design)?;
    let z = describe::normal_quantile(1.0 - p.alpha / 2.0).unwrap_or(1.96);
    let d = effect.abs() / s;
    Ok(describe::normal_cdf(d - z) + describe::normal_cdf(-d - z))
}

/// Minimum detectable effect at the target power with `n` units.
pub fn mde(p: &PowerParams, n: usize, design: Design) -> Result<f64, EstimateError> {
    let s = se(p, n, design)?;
    let z = describe::normal_quantile(1.0 - p.alpha / 2.0).unwrap_or(1.96);
    let zb = describe::normal_quantile(p.power).unwrap_or(0.84);
    Ok((z + zb) * s)
}

/// One row of the power table.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PowerRow {
    /// Units.
    pub n: usize,
    /// Standard error of the effect.
    pub se: f64,
    /// Minimum detectable effect at the target power.
    pub mde: f64,
    /// Power for each effect size of the table, in order.
    pub power: Vec<f64>,
}

/// Power and MDE over sample sizes × effect sizes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PowerTable {
    pub design: Design,
    pub params: PowerParamsEcho,
    /// Effect sizes (columns of `power`).
    pub effects: Vec<f64>,
    pub rows: Vec<PowerRow>,
}

/// The parameters, echoed in the table.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PowerParamsEcho {
    pub sd: f64,
    pub rho: f64,
    pub pre_periods: usize,
    pub post_periods: usize,
    pub share_treated: f64,
    pub alpha: f64,
    pub power: f64,
}

pub fn power_table(
    p: &PowerParams,
    sizes: &[usize],
    effects: &[f64],
    design: Design,
) -> Result<PowerTable, EstimateError> {
    let rows = sizes
        .iter()
        .map(|&n| {
            Ok(PowerRow {
                n,
                se: se(p, n, design)?,
                mde: mde(p, n, design)?,
                power: effects
                    .iter()
                    .map(|&e| power(p, n, e, design))
                    .collect::<Result<_, _>>()?,
            })
        })
        .collect::<Result<_, EstimateError>>()?;
    Ok(PowerTable {
        design,
        params: PowerParamsEcho {
            sd: p.sd,
            rho: p.rho,
            pre_periods: p.pre_periods,
            post_periods: p.post_periods,
            share_treated: p.share_treated,
            alpha: p.alpha,
            power: p.power,
        },
        effects: effects.to_vec(),
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textbook_values() {
        // Two arms of 100 units, σ = 1, post only: SE = sqrt(2/100); MDE = 2.8016 · SE.
        let p = PowerParams::default();
        let s = se(&p, 200, Design::DiffInMeans).unwrap();
        assert!((s - 0.02f64.sqrt()).abs() < 1e-15);
        let m = mde(&p, 200, Design::DiffInMeans).unwrap();
        assert!((m - (1.959963984540054 + 0.8416212335729143) * s).abs() < 1e-9);
        // Power at the MDE is the target power.
        let pw = power(&p, 200, m, Design::DiffInMeans).unwrap();
        assert!((pw - 0.8).abs() < 1e-6, "{pw}");
        // ρ = 0.5, m = r = 1: DiD variance equals post-only (2 − 2ρ = 1); ANCOVA 1 − ρ².
        let did = se(&p, 200, Design::Did).unwrap();
        assert!((did - s).abs() < 1e-15);
        let anc = se(&p, 200, Design::Ancova).unwrap();
        assert!((anc - s * 0.75f64.sqrt()).abs() < 1e-15);
        let t = power_table(&p, &[100, 400], &[0.1, 0.3], Design::Did).unwrap();
        assert!(t.rows[1].power[1] > t.rows[0].power[1] && t.rows[0].power[1] > t.rows[0].power[0]);
        assert!(se(&PowerParams { rho: 1.0, ..p }, 10, Design::Did).is_err());
    }
}
