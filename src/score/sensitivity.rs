//! Sensitivity of the ranking and labels to the weighting (or to any change between two runs).
//!
//! Two score outputs are compared on the latest period of the first that the second also
//! has, over establishments with a calculable composite in both: Kendall's τ-b between the
//! composites (Knight's O(n log n) algorithm, [`crate::stats::describe::kendall_tau_b`]),
//! Spearman's ρ, and label flips, overall and by NAF section.

use super::{ScoreError, ScoreOutput};
use crate::stats::describe::{kendall_tau_b, spearman};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Flips within one NAF section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectorFlips {
    /// Establishments scored in both runs.
    pub establishments: u64,
    /// Establishments whose label changed.
    pub flips: u64,
    /// Of which to a higher level.
    pub up: u64,
    /// Of which to a lower level.
    pub down: u64,
}

/// The comparison of two runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sensitivity {
    /// Name of the baseline run.
    pub baseline: String,
    /// Name of the alternative run.
    pub alternative: String,
    /// Period compared.
    pub period: String,
    /// Establishments with a calculable composite in both runs.
    pub common: u64,
    /// Kendall's τ-b between the composites.
    pub kendall_tau: Option<f64>,
    /// Spearman's ρ between the composites.
    pub spearman: Option<f64>,
    /// Establishments whose label changed.
    pub label_flips: u64,
    /// Of which up.
    pub up: u64,
    /// Of which down.
    pub down: u64,
    /// Flips by NAF section.
    pub by_sector: BTreeMap<String, SectorFlips>,
    /// Label transitions `"from->to"` with their counts.
    pub transitions: BTreeMap<String, u64>,
}

/// Compares `alt` with `base` (see the module docs).
pub fn compare(
    base: &ScoreOutput,
    alt: &ScoreOutput,
    base_name: &str,
    alt_name: &str,
) -> Result<Sensitivity, ScoreError> {
    let period = base
        .periods()
        .iter()
        .rev()
        .find(|p| alt.periods().iter().any(|q| q.label == p.label))
        .ok_or_else(|| ScoreError::NoCommonPeriod {
            a: base
                .periods()
                .last()
                .map(|p| p.label.clone())
                .unwrap_or_default(),
            b: alt
                .periods()
                .last()
                .map(|p| p.label.clone())
                .unwrap_or_default(),
        })?
        .clone();
    let pa = period.index;
    let pb = alt.period_index(Some(&period.label))?;
    let (mut xa, mut xb) = (Vec::new(), Vec::new());
    let mut s = Sensitivity {
        baseline: base_name.to_string(),
        alternative: alt_name.to_string(),
        period: period.label.clone(),
        common: 0,
        kendall_tau: None,
        spearman: None,
        label_flips: 0,
        up: 0,
        down: 0,
        by_sector: BTreeMap::new(),
        transitions: BTreeMap::new(),
    };
    for a in base.scores.iter().filter(|r| r.period == pa) {
        let Some(k) = alt.row_index(a.siret, pb) else {
            continue;
        };
        let b = &alt.scores[k];
        let (Some(ca), Some(cb), Some(la), Some(lb)) = (a.composite, b.composite, a.label, b.label)
        else {
            continue;
        };
        xa.push(ca);
        xb.push(cb);
        let section = base
            .establishment(a.siret)
            .map(|e| e.section.clone())
            .unwrap_or_else(|| "?".into());
        let sf = s.by_sector.entry(section).or_default();
        sf.establishments += 1;
        if la != lb {
            s.label_flips += 1;
            sf.flips += 1;
            if lb > la {
                s.up += 1;
                sf.up += 1;
            } else {
                s.down += 1;
                sf.down += 1;
            }
            *s.transitions.entry(format!("{la}->{lb}")).or_default() += 1;
        }
    }
    s.common = xa.len() as u64;
    s.kendall_tau = kendall_tau_b(&xa, &xb);
    s.spearman = spearman(&xa, &xb);
    Ok(s)
}
