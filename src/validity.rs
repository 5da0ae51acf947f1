//! Validity of a weighting: how well the composite score ranks establishments by the
//! generator's outcome truth — fragile new hires still in the job a year later, per new hire
//! ([`crate::synth::truth`]) — so that a researcher comparing weightings sees which one is
//! closer to the goal.
//!
//! **Weightings.** A weighting gives each criterion a weight; a negative weight counts the
//! criterion the wrong way round (`100 − sub-score`), which is how the deliberately bad
//! "durability reversed" weighting rewards churning. Composites are recomputed from the
//! sub-scores of one scoring run with the engine's rule — the weighted mean over the
//! calculable criteria, non calculable below `min_weight_share` of the weight — which, for the
//! experiment's own weights, reproduces the engine's composite. Labels follow from the
//! composite's mid-rank percentile in the same peer group, with the experiment's thresholds
//! and gates.
//!
//! **Agreement.** Scores are relative to peers, so the truth is too: each establishment's
//! outcome becomes its mid-rank percentile among the scored members of its peer group in that
//! period. Then:
//! - `spearman`: Spearman correlation between composite and truth percentile in the latest
//!   period, overall, by size band and by NAF section;
//! - `spearman_mean_over_periods`: the mean of the per-period correlations;
//! - `precision`: for each label level (top 30%, 15%, 5% of peers by default), the share of
//!   establishments labelled at that level or above whose truth is in that top share of their
//!   peers (random labels would score the share itself);
//! - `labelled_above_median`: the share of labelled establishments whose truth is above
//!   their peers' median.

use crate::indicators::{Criterion, CRITERIA};
use crate::score::{NonCalculable, ScoreOutput, ScoreParams, ScoreRow};
use crate::stats::describe::spearman;
use crate::synth::EstablishmentTruth;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Where a weighting comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeightingKind {
    /// The experiment's `[score.weights]`.
    Experiment,
    /// The experiment's weights with the durability criteria counted the wrong way round.
    DurabilityReversed,
    /// Every criterion weighs the same.
    Equal,
    /// A weights file given by the user.
    File,
}

/// Signed weights per criterion (negative: counted the wrong way round), summing to 100 in
/// absolute value.
#[derive(Debug, Clone, PartialEq)]
pub struct Weighting {
    pub name: String,
    pub kind: WeightingKind,
    pub weights: [f64; Criterion::COUNT],
}

fn normalised(w: [f64; Criterion::COUNT]) -> [f64; Criterion::COUNT] {
    let total: f64 = w.iter().map(|x| x.abs()).sum();
    if total > 0.0 {
        w.map(|x| 100.0 * x / total)
    } else {
        w
    }
}

impl Weighting {
    /// The experiment's own weights.
    pub fn experiment(p: &ScoreParams) -> Weighting {
        Weighting {
            name: "default".into(),
            kind: WeightingKind::Experiment,
            weights: normalised(p.weights),
        }
    }

    /// The experiment's weights, with turnover, early ruptures and accidents rewarded.
    pub fn durability_reversed(p: &ScoreParams) -> Weighting {
        let mut w = p.weights;
        for c in CRITERIA.into_iter().filter(|c| c.direction() < 0.0) {
            w[c as usize] = -w[c as usize];
        }
        Weighting {
            name: "durability_reversed".into(),
            kind: WeightingKind::DurabilityReversed,
            weights: normalised(w),
        }
    }

    /// The same weight for every criterion.
    pub fn equal() -> Weighting {
        Weighting {
            name: "equal".into(),
            kind: WeightingKind::Equal,
            weights: normalised([1.0; Criterion::COUNT]),
        }
    }

    /// A validated weight table (see [`crate::score::validate_weights`]) from a file.
    pub fn file(name: &str, weights: [f64; Criterion::COUNT]) -> Weighting {
        Weighting {
            name: name.into(),
            kind: WeightingKind::File,
            weights: normalised(weights),
        }
    }

    /// The experiment's weights, durability reversed and equal weights.
    pub fn standard(p: &ScoreParams) -> Vec<Weighting> {
        vec![
            Weighting::experiment(p),
            Weighting::durability_reversed(p),
            Weighting::equal(),
        ]
    }

    /// The composite of a score row under this weighting (`None` when not calculable).
    pub fn composite(&self, row: &ScoreRow, min_weight_share: f64) -> Option<f64> {
        if matches!(
            row.non_calculable,
            Some(NonCalculable::SmallHeadcount | NonCalculable::FewHires)
        ) {
            return None;
        }
        let (mut acc, mut wsum) = (0.0, 0.0);
        for (ci, s) in row.subscores.iter().enumerate() {
            let (Some(s), w) = (s, self.weights[ci]) else {
                continue;
            };
            if w == 0.0 {
                continue;
            }
            let s = f64::from(*s);
            acc += w.abs() * if w > 0.0 { s } else { 100.0 - s };
            wsum += w.abs();
        }
        (wsum > 0.0 && wsum >= 100.0 * min_weight_share - 1e-9).then(|| acc / wsum)
    }
}

/// Agreement within one group of establishments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupAgreement {
    /// Size band ("1-9", …) or NAF section letter.
    pub group: String,
    pub n: usize,
    pub spearman: Option<f64>,
}

/// Precision of one label level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelPrecision {
    pub level: u8,
    /// Share of peers the level stands for (0.30, 0.15, 0.05 by default).
    pub top_share: f64,
    /// Establishments labelled at this level or above.
    pub labelled: usize,
    /// Share of them whose truth is in the same top share of their peers.
    pub precision: Option<f64>,
}

/// How one weighting agrees with the outcome truth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agreement {
    pub weighting: String,
    pub kind: WeightingKind,
    /// Criterion key → signed weight (out of 100 in absolute value).
    pub weights: BTreeMap<String, f64>,
    /// Establishments with a composite in the latest period.
    pub n: usize,
    pub spearman: Option<f64>,
    pub spearman_mean_over_periods: Option<f64>,
    /// Spearman with each part of the truth alone: the fragile share of hires, and their
    /// retention at 12 months (peer percentiles, latest period).
    pub spearman_fragile_share: Option<f64>,
    pub spearman_retention: Option<f64>,
    pub precision: Vec<LabelPrecision>,
    pub labelled_above_median: Option<f64>,
    /// Share labelled (level ≥ 1) among gamers and among the other establishments.
    pub gamers_labelled: Option<f64>,
    pub others_labelled: Option<f64>,
    pub by_size_band: Vec<GroupAgreement>,
    pub by_sector: Vec<GroupAgreement>,
}

/// The validity of several weightings on one scoring run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidityReport {
    /// Latest period (the one `spearman`, precision and groups refer to).
    pub period: String,
    /// Periods averaged in `spearman_mean_over_periods`.
    pub periods: usize,
    pub weightings: Vec<Agreement>,
}

impl ValidityReport {
    pub fn get(&self, kind: WeightingKind) -> Option<&Agreement> {
        self.weightings.iter().find(|a| a.kind == kind)
    }
}

/// One scored establishment-period under a weighting, with its truth percentiles.
#[derive(Debug, Clone)]
struct Scored {
    period: u32,
    siret: u64,
    band: &'static str,
    composite: f64,
    label: u8,
    /// Peer percentiles of outcome, fragile share, retention.
    truth: [f64; 3],
    gamer: bool,
}

/// Mid-rank percentiles of `v` among themselves.
fn mid_ranks(v: &[f64]) -> Vec<f64> {
    let mut sorted: Vec<f64> = v.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len().max(1) as f64;
    v.iter()
        .map(|x| {
            let less = sorted.partition_point(|y| y < x);
            let le = sorted.partition_point(|y| y <= x);
            (less as f64 + 0.5 * (le - less) as f64) / n
        })
        .collect()
}

/// A scored row of a peer group: the row, its composite, its truth.
type Member<'a> = (&'a ScoreRow, f64, &'a EstablishmentTruth);

/// Composites, labels and truth percentiles of every scored row, peer group by peer group.
fn score_rows(
    scores: &ScoreOutput,
    truth: &HashMap<u64, &EstablishmentTruth>,
    w: &Weighting,
) -> Vec<Scored> {
    let p = &scores.params;
    let mut groups: BTreeMap<(u32, u32), Vec<Member<'_>>> = BTreeMap::new();
    for row in &scores.scores {
        if let (Some(c), Some(t)) = (w.composite(row, p.min_weight_share), truth.get(&row.siret)) {
            groups
                .entry((row.period, row.peer_group))
                .or_default()
                .push((row, c, t));
        }
    }
    let mut out = Vec::new();
    for members in groups.values() {
        let comp: Vec<f64> = members.iter().map(|m| m.1).collect();
        let pct = mid_ranks(&comp);
        let parts: [Vec<f64>; 3] = [
            mid_ranks(&members.iter().map(|m| m.2.outcome).collect::<Vec<_>>()),
            mid_ranks(
                &members
                    .iter()
                    .map(|m| m.2.fragile_hire_share)
                    .collect::<Vec<_>>(),
            ),
            mid_ranks(
                &members
                    .iter()
                    .map(|m| m.2.fragile_retention_12m)
                    .collect::<Vec<_>>(),
            ),
        ];
        for (k, (row, c, t)) in members.iter().enumerate() {
            out.push(Scored {
                period: row.period,
                siret: row.siret,
                band: row.size_band.as_str(),
                composite: *c,
                label: label(row, pct[k], p),
                truth: [parts[0][k], parts[1][k], parts[2][k]],
                gamer: t.gamer,
            });
        }
    }
    out
}

/// Label level of a composite percentile, capped by the experiment's gates.
fn label(row: &ScoreRow, q: f64, p: &ScoreParams) -> u8 {
    let mut level = p.label_thresholds.iter().filter(|&&t| q >= t).count() as u8;
    for gate in &p.gates {
        if let Some(sc) = row.subscores[gate.criterion as usize] {
            if f64::from(sc) <= 100.0 * gate.worst_share {
                level = level.min(gate.max_label);
            }
        }
    }
    level
}

fn rho(rows: &[&Scored], part: usize) -> Option<f64> {
    if rows.len() < 3 {
        return None;
    }
    let x: Vec<f64> = rows.iter().map(|r| r.composite).collect();
    let y: Vec<f64> = rows.iter().map(|r| r.truth[part]).collect();
    spearman(&x, &y).filter(|v| v.is_finite())
}

fn share_of(rows: &[&Scored], f: impl Fn(&Scored) -> bool) -> Option<f64> {
    (!rows.is_empty()).then(|| rows.iter().filter(|r| f(r)).count() as f64 / rows.len() as f64)
}

fn by_group(rows: &[&Scored], key: impl Fn(&Scored) -> String) -> Vec<GroupAgreement> {
    let mut groups: BTreeMap<String, Vec<&Scored>> = BTreeMap::new();
    for r in rows {
        groups.entry(key(r)).or_default().push(r);
    }
    groups
        .into_iter()
        .map(|(group, v)| GroupAgreement {
            n: v.len(),
            spearman: rho(&v, 0),
            group,
        })
        .collect()
}

fn precision(latest: &[&Scored], p: &ScoreParams) -> Vec<LabelPrecision> {
    (1..=3u8)
        .map(|level| {
            let threshold = p.label_thresholds[level as usize - 1];
            let labelled: Vec<&Scored> = latest
                .iter()
                .copied()
                .filter(|r| r.label >= level)
                .collect();
            LabelPrecision {
                level,
                top_share: 1.0 - threshold,
                labelled: labelled.len(),
                precision: share_of(&labelled, |r| r.truth[0] >= threshold),
            }
        })
        .collect()
}

/// How one weighting agrees with the truth (see the module docs).
fn agreement(
    scores: &ScoreOutput,
    truth: &HashMap<u64, &EstablishmentTruth>,
    w: &Weighting,
) -> Agreement {
    let rows = score_rows(scores, truth, w);
    let last = rows.iter().map(|r| r.period).max().unwrap_or(0);
    let latest: Vec<&Scored> = rows.iter().filter(|r| r.period == last).collect();
    let per_period: Vec<f64> = (0..=last)
        .filter_map(|p| {
            rho(
                &rows.iter().filter(|r| r.period == p).collect::<Vec<_>>(),
                0,
            )
        })
        .collect();
    let labelled: Vec<&Scored> = latest.iter().copied().filter(|r| r.label >= 1).collect();
    let section = |r: &Scored| {
        scores
            .establishment(r.siret)
            .map_or_else(|| "?".to_string(), |e| e.section.clone())
    };
    let gamers: Vec<&Scored> = latest.iter().copied().filter(|r| r.gamer).collect();
    let others: Vec<&Scored> = latest.iter().copied().filter(|r| !r.gamer).collect();
    Agreement {
        weighting: w.name.clone(),
        kind: w.kind,
        weights: CRITERIA
            .iter()
            .map(|c| (c.name().to_string(), w.weights[*c as usize]))
            .collect(),
        n: latest.len(),
        spearman: rho(&latest, 0),
        spearman_mean_over_periods: (!per_period.is_empty())
            .then(|| per_period.iter().sum::<f64>() / per_period.len() as f64),
        spearman_fragile_share: rho(&latest, 1),
        spearman_retention: rho(&latest, 2),
        precision: precision(&latest, &scores.params),
        labelled_above_median: share_of(&labelled, |r| r.truth[0] > 0.5),
        gamers_labelled: share_of(&gamers, |r| r.label >= 1),
        others_labelled: share_of(&others, |r| r.label >= 1),
        by_size_band: by_group(&latest, |r| r.band.to_string()),
        by_sector: by_group(&latest, section),
    }
}

/// The agreement of each weighting with the outcome truth, on one scoring run.
pub fn validate(
    scores: &ScoreOutput,
    truth: &[EstablishmentTruth],
    weightings: &[Weighting],
) -> ValidityReport {
    let by_siret: HashMap<u64, &EstablishmentTruth> = truth.iter().map(|t| (t.siret, t)).collect();
    let periods = scores.periods();
    ValidityReport {
        period: periods.last().map(|p| p.label.clone()).unwrap_or_default(),
        periods: periods.len(),
        weightings: weightings
            .iter()
            .map(|w| agreement(scores, &by_siret, w))
            .collect(),
    }
}

/// The agreement table by size band, in Markdown (one row per weighting).
pub fn markdown(report: &ValidityReport) -> String {
    let bands = ["1-9", "10-49", "50-249", "250+"];
    let mut s = String::from(
        "| weighting | Spearman, all | 1-9 | 10-49 | 50-249 | 250+ | mean over periods | precision top 30% | top 15% | top 5% |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let f = |x: Option<f64>| x.map_or_else(|| "–".to_string(), |v| format!("{v:.2}"));
    for a in &report.weightings {
        let band = |b: &str| {
            f(a.by_size_band
                .iter()
                .find(|g| g.group == b)
                .and_then(|g| g.spearman))
        };
        let prec = |k: usize| f(a.precision.get(k).and_then(|p| p.precision));
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            a.weighting,
            f(a.spearman),
            band(bands[0]),
            band(bands[1]),
            band(bands[2]),
            band(bands[3]),
            f(a.spearman_mean_over_periods),
            prec(0),
            prec(1),
            prec(2)
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reversed_flips_only_durability_and_keeps_the_total() {
        let p = ScoreParams::default();
        let w = Weighting::durability_reversed(&p);
        assert!((w.weights.iter().map(|x| x.abs()).sum::<f64>() - 100.0).abs() < 1e-9);
        for c in CRITERIA {
            let (a, b) = (w.weights[c as usize], p.weights[c as usize]);
            assert_eq!(a.abs(), b.abs());
            assert_eq!(a < 0.0, c.direction() < 0.0, "{c:?}");
        }
    }

    #[test]
    fn mid_ranks_handle_ties() {
        assert_eq!(
            mid_ranks(&[1.0, 2.0, 2.0, 3.0]),
            vec![0.125, 0.5, 0.5, 0.875]
        );
    }
}
