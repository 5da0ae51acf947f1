//! Monte Carlo of the exposure evaluation on the full pipeline (`engagement simulate`).
//!
//! Each replication regenerates the territory with its own seed, scores it, assigns
//! exposure, generates the exposed world with common random numbers, scores it again and
//! builds the evaluation panel with its true effect; the estimators then run on the panel
//! ([`crate::estimate::montecarlo::replicate`]). Over R replications this gives each
//! estimator's bias, RMSE, coverage of the 95% interval and rejection rate (size under a
//! null effect, power otherwise), and the pre-trend test's rejection rate. A power and
//! minimum-detectable-effect table over sample sizes and effect sizes, using the outcome
//! variance and serial correlation measured on the first replication, plans a real trial.

use super::study::{self, StudyError};
use crate::config::Experiment;
use crate::estimate::montecarlo::{replicate_with_progress, McSummary, Replication};
use crate::estimate::power::{self, PowerParams, PowerTable};
use crate::estimate::EstimateError;
use crate::reference::Reference;
use crate::score;
use crate::synth;
use serde::{Deserialize, Serialize};

/// Monte Carlo results of the exposure evaluation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExposureMonteCarlo {
    pub establishments: u32,
    pub effect_size: f64,
    pub summary: McSummary,
    /// Power and MDE of a difference-in-differences trial, in score points.
    pub power: PowerTable,
}

fn replication(
    exp: &Experiment,
    reference: &Reference,
    r: usize,
) -> Result<study::ExposureStudy, StudyError> {
    let mut e = exp.clone();
    e.seed = exp.seed.wrapping_add(1_000_003 * (r as u64 + 1));
    let base = synth::generate(&e, reference, false)?;
    let scores = score::run(&base.dataset, &e.score, reference)?;
    study::run_with(&e, reference, &base, &scores, 0)
}

/// Runs `replications` replications of the experiment's exposure evaluation.
pub fn run(
    exp: &Experiment,
    reference: &Reference,
    replications: usize,
    done: &(dyn Fn() + Sync),
) -> Result<ExposureMonteCarlo, StudyError> {
    // The power inputs (outcome SD, serial correlation, pre and post periods) are read from
    // replication 0 while it runs, rather than by simulating it a second time.
    let design_inputs = std::sync::Mutex::new(None);
    let summary = replicate_with_progress(
        replications,
        |r| {
            let s =
                replication(exp, reference, r).map_err(|e| EstimateError::Input(e.to_string()))?;
            let panel = s
                .panel
                .ok_or_else(|| EstimateError::Input("no panel".into()))?;
            if r == 0 {
                let (sd, rho) = sd_and_rho(&panel);
                let pre = s
                    .periods
                    .iter()
                    .position(|p| *p == s.baseline_period)
                    .map_or(1, |i| i + 1);
                if let Ok(mut d) = design_inputs.lock() {
                    *d = Some((sd, rho, pre, panel.n_periods()));
                }
            }
            Ok(Replication {
                panel,
                true_att: s.true_effect,
                true_att_cs: Some(s.true_effect_cs),
                did: Some(s.did),
            })
        },
        done,
    )?;
    let (sd, rho, pre, n_periods) = design_inputs
        .into_inner()
        .ok()
        .flatten()
        .ok_or_else(|| EstimateError::Input("replication 0 produced no panel".into()))?;
    let params = PowerParams {
        sd,
        rho,
        pre_periods: pre.max(1),
        post_periods: n_periods.saturating_sub(pre).max(1),
        share_treated: exp.exposure.share,
        ..PowerParams::default()
    };
    let power = power::power_table(
        &params,
        &[250, 500, 1000, 2000, 5000, 10000],
        &[0.25, 0.5, 1.0, 2.0, 4.0],
        power::Design::Did,
    )?;
    Ok(ExposureMonteCarlo {
        establishments: exp.generator.establishments,
        effect_size: exp.exposure.effect_size,
        summary,
        power,
    })
}

/// Pooled within-period SD of the outcome and the mean correlation of a unit's outcomes
/// between consecutive periods.
fn sd_and_rho(p: &crate::estimate::Panel) -> (f64, f64) {
    let t = p.n_periods();
    let mut by_period = vec![Vec::new(); t];
    let mut cell = std::collections::HashMap::new();
    for i in 0..p.n_rows() {
        by_period[p.period[i]].push(p.y[i]);
        cell.insert((p.unit[i], p.period[i]), p.y[i]);
    }
    let (mut ss, mut n) = (0.0, 0.0);
    for v in &by_period {
        if v.len() > 1 {
            let m = v.iter().sum::<f64>() / v.len() as f64;
            ss += v.iter().map(|x| (x - m).powi(2)).sum::<f64>();
            n += (v.len() - 1) as f64;
        }
    }
    let sd = if n > 0.0 { (ss / n).sqrt() } else { 1.0 };
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for (&(u, k), &y) in &cell {
        if let Some(&y2) = cell.get(&(u, k + 4)) {
            xs.push(y);
            ys.push(y2);
        }
    }
    let rho = crate::stats::describe::pearson(&xs, &ys)
        .unwrap_or(0.5)
        .clamp(0.0, 0.99);
    (sd, rho)
}
