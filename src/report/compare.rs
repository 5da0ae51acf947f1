//! Comparison of two runs (e.g. two weightings): label flips, rank correlation of scores,
//! changes in criterion weights and in effect estimates.
//!
//! Runs are matched on SIRET through `score.reference_scores` in each `results.json`. The
//! comparison is itself a serde struct (`comparison.json`) rendered like a run report.

use super::doc::{self, Align, Block, Document, Section, Table};
use super::i18n::{self, level_name, Msg};
use super::results::{EstablishmentScore, RunResults};
use super::{ReportError, ReportFile};
use crate::config::Lang;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Identification of a compared run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunId {
    /// Path or label given on the command line.
    pub label: String,
    /// Run id from the manifest.
    pub run_id: String,
    /// Experiment name.
    pub experiment: String,
    /// Experiment SHA-256.
    pub experiment_sha256: String,
    /// Reference period of the scores.
    pub reference_period: String,
}

/// Label flips within one sector.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SectorFlips {
    /// Sector code.
    pub sector: String,
    /// Establishments of the sector in both runs.
    pub n: u64,
    /// Level higher in B.
    pub up: u64,
    /// Level lower in B.
    pub down: u64,
}

/// A quantity present in both runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ValueChange {
    /// Stable key.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Value in A.
    pub a: Option<f64>,
    /// Value in B.
    pub b: Option<f64>,
    /// 95% interval in A.
    pub a_ci: Option<(f64, f64)>,
    /// 95% interval in B.
    pub b_ci: Option<(f64, f64)>,
}

/// Result of comparing run A with run B.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Run A.
    pub a: RunId,
    /// Run B.
    pub b: RunId,
    /// Establishments present in both runs.
    pub n_common: u64,
    /// Only in A.
    pub n_only_a: u64,
    /// Only in B.
    pub n_only_b: u64,
    /// Establishments with a calculable score in both runs.
    pub n_common_scored: u64,
    /// Kendall τ-b of the scores (establishments scored in both runs); `None` if < 2 pairs
    /// or a constant score.
    pub kendall_tau_b: Option<f64>,
    /// `flip_matrix[i][j]`: level i in A and level j in B.
    pub flip_matrix: Vec<Vec<u64>>,
    /// Establishments whose level differs.
    pub n_flips: u64,
    /// Level higher in B.
    pub n_up: u64,
    /// Level lower in B.
    pub n_down: u64,
    /// Flips per sector, sorted by code.
    pub flips_by_sector: Vec<SectorFlips>,
    /// Criterion weights.
    pub weights: Vec<ValueChange>,
    /// Effect estimates (exposure) and retention differences.
    pub estimates: Vec<ValueChange>,
}

/// Kendall's τ-b of the paired scores: the workbench's shared O(n log n) implementation
/// ([`crate::stats::describe::kendall_tau_b`], Knight 1966); `None` for fewer than two pairs
/// or a constant variable.
pub fn kendall_tau_b(x: &[f64], y: &[f64]) -> Option<f64> {
    crate::stats::describe::kendall_tau_b(x, y)
}

fn run_id(label: &str, r: &RunResults) -> RunId {
    let m = r.manifest.clone().unwrap_or_default();
    RunId {
        label: label.to_string(),
        run_id: m.run_id,
        experiment: m.experiment,
        experiment_sha256: m.experiment_sha256,
        reference_period: r
            .score
            .as_ref()
            .map(|s| s.reference_period.clone())
            .unwrap_or_default(),
    }
}

/// Compares two runs. Establishments are matched on SIRET; duplicated SIRETs keep the first.
pub fn compare_runs(label_a: &str, a: &RunResults, label_b: &str, b: &RunResults) -> Comparison {
    let empty = Vec::new();
    let sa = a
        .score
        .as_ref()
        .map(|s| &s.reference_scores)
        .unwrap_or(&empty);
    let sb = b
        .score
        .as_ref()
        .map(|s| &s.reference_scores)
        .unwrap_or(&empty);
    let mut ma: BTreeMap<&str, &EstablishmentScore> = BTreeMap::new();
    for e in sa {
        ma.entry(e.siret.as_str()).or_insert(e);
    }
    let mut mb: BTreeMap<&str, &EstablishmentScore> = BTreeMap::new();
    for e in sb {
        mb.entry(e.siret.as_str()).or_insert(e);
    }
    let n_levels = sa
        .iter()
        .chain(sb)
        .map(|e| e.level as usize + 1)
        .max()
        .unwrap_or(0)
        .max(4);
    let mut flip = vec![vec![0u64; n_levels]; n_levels];
    let mut sectors: BTreeMap<String, SectorFlips> = BTreeMap::new();
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    let mut n_common = 0u64;
    for (siret, ea) in &ma {
        let Some(eb) = mb.get(siret) else { continue };
        n_common += 1;
        flip[ea.level as usize][eb.level as usize] += 1;
        let s = sectors
            .entry(ea.sector.clone())
            .or_insert_with(|| SectorFlips {
                sector: ea.sector.clone(),
                ..Default::default()
            });
        s.n += 1;
        if eb.level > ea.level {
            s.up += 1;
        } else if eb.level < ea.level {
            s.down += 1;
        }
        if let (Some(x), Some(y)) = (ea.score, eb.score) {
            if x.is_finite() && y.is_finite() {
                xs.push(x);
                ys.push(y);
            }
        }
    }
    let n_up: u64 = sectors.values().map(|s| s.up).sum();
    let n_down: u64 = sectors.values().map(|s| s.down).sum();

    // Weights, by criterion key, in A's order then B-only keys.
    let crit = |r: &RunResults| -> Vec<(String, String, f64)> {
        r.score
            .as_ref()
            .map(|s| {
                s.criteria
                    .iter()
                    .map(|c| (c.key.clone(), c.label.clone(), c.weight))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (ca, cb) = (crit(a), crit(b));
    let mut weights: Vec<ValueChange> = ca
        .iter()
        .map(|(k, l, w)| ValueChange {
            key: k.clone(),
            name: l.clone(),
            a: Some(*w),
            b: cb.iter().find(|c| &c.0 == k).map(|c| c.2),
            ..Default::default()
        })
        .collect();
    for (k, l, w) in &cb {
        if !ca.iter().any(|c| &c.0 == k) {
            weights.push(ValueChange {
                key: k.clone(),
                name: l.clone(),
                a: None,
                b: Some(*w),
                ..Default::default()
            });
        }
    }

    // Estimates: exposure headline estimates and retention risk differences.
    let est = |r: &RunResults| -> Vec<(String, String, f64, (f64, f64))> {
        let mut v = Vec::new();
        if let Some(e) = &r.exposure {
            for x in &e.estimates {
                v.push((
                    x.key.clone(),
                    x.name.clone(),
                    x.estimate,
                    (x.ci_lower, x.ci_upper),
                ));
            }
        }
        if let Some(rt) = &r.retention {
            for x in &rt.risk_differences {
                let key = format!("rd:{}:{}:{}", x.comparison, x.method, x.horizon_days);
                let name = format!("{} ({}, {} j)", x.comparison, x.method, x.horizon_days);
                v.push((key, name, x.difference, (x.ci_lower, x.ci_upper)));
            }
        }
        v
    };
    let (ea, eb) = (est(a), est(b));
    let mut estimates: Vec<ValueChange> = ea
        .iter()
        .map(|(k, n, v, ci)| {
            let other = eb.iter().find(|e| &e.0 == k);
            ValueChange {
                key: k.clone(),
                name: n.clone(),
                a: Some(*v),
                b: other.map(|e| e.2),
                a_ci: Some(*ci),
                b_ci: other.map(|e| e.3),
            }
        })
        .collect();
    for (k, n, v, ci) in &eb {
        if !ea.iter().any(|e| &e.0 == k) {
            estimates.push(ValueChange {
                key: k.clone(),
                name: n.clone(),
                a: None,
                b: Some(*v),
                a_ci: None,
                b_ci: Some(*ci),
            });
        }
    }

    Comparison {
        a: run_id(label_a, a),
        b: run_id(label_b, b),
        n_common,
        n_only_a: ma.len() as u64 - n_common,
        n_only_b: mb.len() as u64 - n_common,
        n_common_scored: xs.len() as u64,
        kendall_tau_b: kendall_tau_b(&xs, &ys),
        flip_matrix: flip,
        n_flips: n_up + n_down,
        n_up,
        n_down,
        flips_by_sector: sectors.into_values().collect(),
        weights,
        estimates,
    }
}

fn t(m: Msg, lang: Lang) -> String {
    m.text(lang).to_string()
}

/// Builds the comparison document.
pub fn build_comparison_document(c: &Comparison, lang: Lang) -> Document {
    let n = |x: f64, d: usize| i18n::num(x, d, lang);
    let int = |x: u64| i18n::int(x, lang);
    let opt = |x: Option<f64>, d: usize| x.map(|v| n(v, d)).unwrap_or_default();
    let diff = |a: Option<f64>, b: Option<f64>, d: usize| match (a, b) {
        (Some(a), Some(b)) => n(b - a, d),
        _ => String::new(),
    };
    let runs = Table {
        caption: None,
        columns: vec![
            (String::new(), Align::Left),
            (t(Msg::RunA, lang), Align::Left),
            (t(Msg::RunB, lang), Align::Left),
        ],
        rows: vec![
            vec![t(Msg::ColFile, lang), c.a.label.clone(), c.b.label.clone()],
            vec![t(Msg::RunId, lang), c.a.run_id.clone(), c.b.run_id.clone()],
            vec![
                t(Msg::Experiment, lang),
                c.a.experiment.clone(),
                c.b.experiment.clone(),
            ],
            vec![
                t(Msg::Sha, lang),
                c.a.experiment_sha256.clone(),
                c.b.experiment_sha256.clone(),
            ],
            vec![
                t(Msg::ReferencePeriod, lang),
                c.a.reference_period.clone(),
                c.b.reference_period.clone(),
            ],
        ],
        notes: vec![],
    };
    let mut flips = vec![Block::KeyFigures(vec![
        doc::KeyFigure {
            label: t(Msg::InBoth, lang),
            value: int(c.n_common),
            detail: Some(format!(
                "{} {} · {} {}",
                t(Msg::OnlyA, lang),
                int(c.n_only_a),
                t(Msg::OnlyB, lang),
                int(c.n_only_b)
            )),
        },
        doc::KeyFigure {
            label: t(Msg::Flips, lang),
            value: int(c.n_flips),
            detail: Some(format!(
                "{} {} · {} {}",
                t(Msg::Up, lang),
                int(c.n_up),
                t(Msg::Down, lang),
                int(c.n_down)
            )),
        },
        doc::KeyFigure {
            label: t(Msg::KendallTau, lang),
            value: c
                .kendall_tau_b
                .map(|v| n(v, 3))
                .unwrap_or_else(|| i18n::nc(lang).into()),
            detail: Some(format!("n = {}", int(c.n_common_scored))),
        },
    ])];
    if c.n_common == 0 {
        flips.push(Block::warning("!", t(Msg::NoScores, lang)));
    }
    let nl = c.flip_matrix.len();
    let mut cols = vec![(
        t(Msg::RunA, lang) + " \\ " + &t(Msg::RunB, lang),
        Align::Left,
    )];
    cols.extend((0..nl).map(|j| (level_name(j as u8, lang).to_string(), Align::Right)));
    flips.push(Block::Table(Table {
        caption: Some(t(Msg::FlipMatrix, lang)),
        columns: cols,
        rows: c
            .flip_matrix
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let mut r = vec![level_name(i as u8, lang).to_string()];
                r.extend(row.iter().map(|v| int(*v)));
                r
            })
            .collect(),
        notes: vec![],
    }));
    if !c.flips_by_sector.is_empty() {
        flips.push(Block::Table(Table {
            caption: Some(t(Msg::FlipsBySector, lang)),
            columns: vec![
                (t(Msg::Sector, lang), Align::Left),
                (t(Msg::ColN, lang), Align::Right),
                (t(Msg::Up, lang), Align::Right),
                (t(Msg::Down, lang), Align::Right),
            ],
            rows: c
                .flips_by_sector
                .iter()
                .map(|s| vec![s.sector.clone(), int(s.n), int(s.up), int(s.down)])
                .collect(),
            notes: vec![],
        }));
    }
    let weights = Table {
        caption: None,
        columns: vec![
            (t(Msg::ColCriterion, lang), Align::Left),
            (t(Msg::RunA, lang), Align::Right),
            (t(Msg::RunB, lang), Align::Right),
            (t(Msg::Change, lang), Align::Right),
        ],
        rows: c
            .weights
            .iter()
            .map(|w| {
                vec![
                    w.name.clone(),
                    w.a.map(|v| i18n::pct(v, 1, lang)).unwrap_or_default(),
                    w.b.map(|v| i18n::pct(v, 1, lang)).unwrap_or_default(),
                    match (w.a, w.b) {
                        (Some(a), Some(b)) => format!("{} pts", n(100.0 * (b - a), 1)),
                        _ => String::new(),
                    },
                ]
            })
            .collect(),
        notes: vec![],
    };
    let ci = |x: Option<(f64, f64)>| {
        x.map(|(l, h)| i18n::interval(l, h, 3, lang))
            .unwrap_or_default()
    };
    let estimates = Table {
        caption: None,
        columns: vec![
            (t(Msg::ColEstimator, lang), Align::Left),
            (t(Msg::RunA, lang), Align::Right),
            (t(Msg::ColCi, lang) + " A", Align::Right),
            (t(Msg::RunB, lang), Align::Right),
            (t(Msg::ColCi, lang) + " B", Align::Right),
            (t(Msg::Change, lang), Align::Right),
        ],
        rows: c
            .estimates
            .iter()
            .map(|e| {
                vec![
                    e.name.clone(),
                    opt(e.a, 3),
                    ci(e.a_ci),
                    opt(e.b, 3),
                    ci(e.b_ci),
                    diff(e.a, e.b, 3),
                ]
            })
            .collect(),
        notes: vec![],
    };
    let mut rank = vec![Block::para(t(Msg::KendallNote, lang))];
    rank.push(Block::para(format!(
        "τ-b = {} (n = {})",
        c.kendall_tau_b
            .map(|v| n(v, 3))
            .unwrap_or_else(|| i18n::nc(lang).into()),
        int(c.n_common_scored)
    )));
    Document {
        lang,
        title: t(Msg::CompareTitle, lang),
        subtitle: Some(format!("A = {} · B = {}", c.a.label, c.b.label)),
        sections: vec![
            Section {
                id: "runs".into(),
                heading: t(Msg::SecCompareRuns, lang),
                blocks: vec![Block::Table(runs)],
                page_break: false,
            },
            Section {
                id: "flips".into(),
                heading: t(Msg::SecFlips, lang),
                blocks: flips,
                page_break: false,
            },
            Section {
                id: "rank".into(),
                heading: t(Msg::SecRank, lang),
                blocks: rank,
                page_break: false,
            },
            Section {
                id: "weights".into(),
                heading: t(Msg::SecWeights, lang),
                blocks: vec![Block::Table(weights)],
                page_break: false,
            },
            Section {
                id: "estimates".into(),
                heading: t(Msg::SecEstimateChanges, lang),
                blocks: vec![Block::Table(estimates)],
                page_break: false,
            },
        ],
    }
}

/// Renders a comparison to `index.html`, `report.md` and `comparison.json`.
pub fn render_comparison_files(c: &Comparison, lang: Lang) -> Result<Vec<ReportFile>, ReportError> {
    let d = build_comparison_document(c, lang);
    let mut json = serde_json::to_string_pretty(c).map_err(ReportError::Serialise)?;
    json.push('\n');
    Ok(vec![
        (PathBuf::from("index.html"), doc::to_html(&d).into_bytes()),
        (
            PathBuf::from("report.md"),
            doc::to_markdown(&d).into_bytes(),
        ),
        (PathBuf::from("comparison.json"), json.into_bytes()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Direct O(n²) definition, for checking the fast version.
    fn tau_b_naive(x: &[f64], y: &[f64]) -> Option<f64> {
        let n = x.len();
        let (mut c, mut d, mut tx, mut ty) = (0.0, 0.0, 0.0, 0.0);
        for i in 0..n {
            for j in i + 1..n {
                let a = (x[i] - x[j]).signum() * if x[i] == x[j] { 0.0 } else { 1.0 };
                let b = (y[i] - y[j]).signum() * if y[i] == y[j] { 0.0 } else { 1.0 };
                if a == 0.0 && b == 0.0 {
                } else if a == 0.0 {
                    tx += 1.0;
                } else if b == 0.0 {
                    ty += 1.0;
                } else if a * b > 0.0 {
                    c += 1.0;
                } else {
                    d += 1.0;
                }
            }
        }
        let den: f64 = (c + d + tx) * (c + d + ty);
        (den > 0.0).then(|| (c - d) / den.sqrt())
    }

    #[test]
    fn tau_b_matches_definition_with_ties() {
        // Deterministic pseudo-random data with many ties (values on a coarse grid).
        let mut s = 12345u64;
        let mut next = || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 33) % 7) as f64
        };
        for n in [2usize, 3, 10, 57, 200] {
            let x: Vec<f64> = (0..n).map(|_| next()).collect();
            let y: Vec<f64> = x.iter().map(|v| v + next() - 3.0).collect();
            let (a, b) = (kendall_tau_b(&x, &y), tau_b_naive(&x, &y));
            match (a, b) {
                (Some(a), Some(b)) => assert!((a - b).abs() < 1e-12, "n={n}: {a} vs {b}"),
                (None, None) => {}
                other => panic!("n={n}: {other:?}"),
            }
        }
    }

    #[test]
    fn tau_b_known_values() {
        // scipy.stats.kendalltau([1,2,3,4,5],[3,4,1,2,5]) = 0.2 (no ties).
        let t = kendall_tau_b(&[1., 2., 3., 4., 5.], &[3., 4., 1., 2., 5.]).unwrap();
        assert!((t - 0.2).abs() < 1e-12);
        // scipy.stats.kendalltau([1,1,2,3],[1,2,2,3]) = 0.8 (tau-b with ties).
        let t = kendall_tau_b(&[1., 1., 2., 3.], &[1., 2., 2., 3.]).unwrap();
        assert!((t - 0.8).abs() < 1e-12, "{t}");
        assert_eq!(kendall_tau_b(&[1., 1.], &[1., 2.]), None);
        assert_eq!(kendall_tau_b(&[1.], &[1.]), None);
    }
}
