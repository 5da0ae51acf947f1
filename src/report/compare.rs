//! Comparison of two runs (e.g. two weightings of the same data): label changes, with "not
//! calculable" kept apart from "not labelled", rank correlations of the scores (Kendall τ-b
//! and Spearman ρ), the truth of each run, changes in criterion weights and in effect
//! estimates, and the per-SIRET list of label changes (`flips.csv`, research data).
//!
//! Runs are matched on SIRET through `score.reference_scores`, and estimates on their keys
//! (estimator, or contrast × method × horizon), so runs rendered in different languages pair
//! up. Runs of different experiments on different data share nothing: [`check_comparable`]
//! refuses them unless the caller allows it.

use super::doc::{self, Align, Block, Document, Section, Table};
use super::i18n::{self, Msg};
use super::results::{
    Contrast, Criterion, EstablishmentScore, Estimator, Label, Method, RunResults,
};
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
    /// Data fingerprint.
    pub data_fingerprint: String,
    /// Reference period of the scores.
    pub reference_period: String,
    /// True effect of exposure in this run (synthetic data).
    pub true_effect: Option<f64>,
}

/// Label changes within one sector.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SectorFlips {
    /// Sector code.
    pub sector: String,
    /// Establishments of the sector scored in both runs.
    pub n: u64,
    /// Level higher in B.
    pub up: u64,
    /// Level lower in B.
    pub down: u64,
}

/// What an estimate is, in any language.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EstimateKey {
    /// An exposure estimate.
    Exposure { estimator: Estimator },
    /// A retention difference.
    Retention {
        contrast: Contrast,
        method: Method,
        horizon_days: u32,
    },
}

/// A quantity present in at least one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueChange<K> {
    /// What it is.
    pub key: K,
    /// Value in A.
    pub a: Option<f64>,
    /// Value in B.
    pub b: Option<f64>,
    /// 95% interval in A.
    pub a_ci: Option<(f64, f64)>,
    /// 95% interval in B.
    pub b_ci: Option<(f64, f64)>,
}

/// One establishment whose label differs between the runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flip {
    pub siret: String,
    pub sector: String,
    pub zone: String,
    pub label_a: Label,
    pub label_b: Label,
    pub score_a: Option<f64>,
    pub score_b: Option<f64>,
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
    /// Present in both, not calculable in at least one.
    pub n_not_calculable_either: u64,
    /// Kendall τ-b of the scores (scored in both runs); `None` if < 2 pairs or constant.
    pub kendall_tau_b: Option<f64>,
    /// Spearman ρ of the scores (scored in both runs).
    pub spearman: Option<f64>,
    /// `flip_matrix[i][j]`: label `Label::ALL[i]` in A and `Label::ALL[j]` in B.
    pub flip_matrix: Vec<Vec<u64>>,
    /// Establishments scored in both runs whose label differs.
    pub n_flips: u64,
    /// Level higher in B.
    pub n_up: u64,
    /// Level lower in B.
    pub n_down: u64,
    /// Flips per sector, sorted by code.
    pub flips_by_sector: Vec<SectorFlips>,
    /// Every establishment whose label (or calculability) differs, by SIRET.
    pub flips: Vec<Flip>,
    /// Criterion weights.
    pub weights: Vec<ValueChange<Criterion>>,
    /// Effect estimates (exposure) and retention differences.
    pub estimates: Vec<ValueChange<EstimateKey>>,
}

/// Why two runs are not compared.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error("the runs are of different experiments on different data ({a} and {b}): nothing pairs up; pass --allow-different to compare them anyway")]
    Different { a: String, b: String },
}

/// Runs compare when they are of the same experiment or scored the same data.
pub fn check_comparable(a: &RunResults, b: &RunResults) -> Result<(), CompareError> {
    let (ma, mb) = (
        a.manifest.clone().unwrap_or_default(),
        b.manifest.clone().unwrap_or_default(),
    );
    let same_exp = !ma.experiment.is_empty() && ma.experiment == mb.experiment;
    let same_data = !ma.data_fingerprint.is_empty() && ma.data_fingerprint == mb.data_fingerprint;
    if same_exp || same_data {
        Ok(())
    } else {
        Err(CompareError::Different {
            a: format!("{} / {}", ma.experiment, short(&ma.data_fingerprint)),
            b: format!("{} / {}", mb.experiment, short(&mb.data_fingerprint)),
        })
    }
}

fn short(s: &str) -> &str {
    s.get(..12).unwrap_or(s)
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
        data_fingerprint: m.data_fingerprint,
        reference_period: r
            .score
            .as_ref()
            .map(|s| s.reference_period.clone())
            .unwrap_or_default(),
        true_effect: r.exposure.as_ref().and_then(|e| e.design.true_effect),
    }
}

fn by_siret(r: &RunResults) -> BTreeMap<&str, &EstablishmentScore> {
    let mut m = BTreeMap::new();
    for e in r.score.iter().flat_map(|s| &s.reference_scores) {
        m.entry(e.siret.as_str()).or_insert(e);
    }
    m
}

fn label_index(l: Label) -> usize {
    Label::ALL.iter().position(|x| *x == l).unwrap_or(0)
}

/// Pairs the establishments of both runs: counts, flip matrix, flips, scores for τ and ρ.
fn pair(c: &mut Comparison, a: &RunResults, b: &RunResults) -> (Vec<f64>, Vec<f64>) {
    let (ma, mb) = (by_siret(a), by_siret(b));
    let n = Label::ALL.len();
    c.flip_matrix = vec![vec![0u64; n]; n];
    let mut sectors: BTreeMap<String, SectorFlips> = BTreeMap::new();
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for (siret, ea) in &ma {
        let Some(eb) = mb.get(siret) else { continue };
        c.n_common += 1;
        c.flip_matrix[label_index(ea.label)][label_index(eb.label)] += 1;
        if ea.label != eb.label {
            c.flips.push(Flip {
                siret: siret.to_string(),
                sector: ea.sector.clone(),
                zone: ea.zone.clone(),
                label_a: ea.label,
                label_b: eb.label,
                score_a: ea.score,
                score_b: eb.score,
            });
        }
        let (Some(la), Some(lb), Some(x), Some(y)) =
            (ea.label.level(), eb.label.level(), ea.score, eb.score)
        else {
            c.n_not_calculable_either += 1;
            continue;
        };
        let s = sectors
            .entry(ea.sector.clone())
            .or_insert_with(|| SectorFlips {
                sector: ea.sector.clone(),
                ..Default::default()
            });
        s.n += 1;
        s.up += u64::from(lb > la);
        s.down += u64::from(lb < la);
        xs.push(x);
        ys.push(y);
    }
    c.n_only_a = ma.len() as u64 - c.n_common;
    c.n_only_b = mb.len() as u64 - c.n_common;
    c.n_common_scored = xs.len() as u64;
    c.n_up = sectors.values().map(|s| s.up).sum();
    c.n_down = sectors.values().map(|s| s.down).sum();
    c.n_flips = c.n_up + c.n_down;
    c.flips_by_sector = sectors.into_values().collect();
    (xs, ys)
}

fn merge<K: Clone + PartialEq>(ea: Keyed<K>, eb: Keyed<K>) -> Vec<ValueChange<K>> {
    let mut out: Vec<ValueChange<K>> = ea
        .iter()
        .map(|(k, v, ci)| {
            let other = eb.iter().find(|e| &e.0 == k);
            ValueChange {
                key: k.clone(),
                a: Some(*v),
                b: other.map(|e| e.1),
                a_ci: *ci,
                b_ci: other.and_then(|e| e.2),
            }
        })
        .collect();
    for (k, v, ci) in eb {
        if !ea.iter().any(|e| e.0 == k) {
            out.push(ValueChange {
                key: k,
                a: None,
                b: Some(v),
                a_ci: None,
                b_ci: ci,
            });
        }
    }
    out
}

type Keyed<K> = Vec<(K, f64, Option<(f64, f64)>)>;

fn weights(r: &RunResults) -> Keyed<Criterion> {
    r.score
        .iter()
        .flat_map(|s| &s.criteria)
        .map(|c| (c.key, c.weight, None))
        .collect()
}

fn estimates(r: &RunResults) -> Keyed<EstimateKey> {
    let mut v: Keyed<EstimateKey> = Vec::new();
    for x in r.exposure.iter().flat_map(|e| &e.estimates) {
        v.push((
            EstimateKey::Exposure { estimator: x.key },
            x.estimate,
            Some((x.ci_lower, x.ci_upper)),
        ));
    }
    for x in r.retention.iter().flat_map(|e| &e.risk_differences) {
        v.push((
            EstimateKey::Retention {
                contrast: x.comparison,
                method: x.method,
                horizon_days: x.horizon_days,
            },
            x.difference,
            Some((x.ci_lower, x.ci_upper)),
        ));
    }
    v
}

/// Compares two runs. Establishments are matched on SIRET; duplicated SIRETs keep the first.
pub fn compare_runs(label_a: &str, a: &RunResults, label_b: &str, b: &RunResults) -> Comparison {
    let mut c = Comparison {
        a: run_id(label_a, a),
        b: run_id(label_b, b),
        ..Default::default()
    };
    let (xs, ys) = pair(&mut c, a, b);
    c.kendall_tau_b = kendall_tau_b(&xs, &ys);
    c.spearman = crate::stats::describe::spearman(&xs, &ys);
    c.weights = merge(weights(a), weights(b));
    c.estimates = merge(estimates(a), estimates(b));
    c
}

/// The per-SIRET flips as CSV (research data, not for publication).
pub fn flips_csv(c: &Comparison) -> String {
    let mut s = String::from("siret,sector,zone,label_a,label_b,score_a,score_b\n");
    let f = |x: Option<f64>| x.map(|v| format!("{v:.2}")).unwrap_or_default();
    for x in &c.flips {
        s.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            x.siret,
            super::list::csv_field(&x.sector),
            super::list::csv_field(&x.zone),
            x.label_a.key(),
            x.label_b.key(),
            f(x.score_a),
            f(x.score_b)
        ));
    }
    s
}

fn t(m: Msg, lang: Lang) -> String {
    m.text(lang).to_string()
}

fn estimate_name(k: &EstimateKey, lang: Lang) -> String {
    match k {
        EstimateKey::Exposure { estimator } => i18n::estimator_name(*estimator, lang).into(),
        EstimateKey::Retention {
            contrast,
            method,
            horizon_days,
        } => format!(
            "{} ({}, {horizon_days} {})",
            i18n::contrast_name(*contrast, lang),
            i18n::method_name(*method, lang),
            Msg::Days.text(lang)
        ),
    }
}

fn runs_table(c: &Comparison, lang: Lang) -> Table {
    let eff = |x: Option<f64>| {
        x.map(|v| i18n::num(v, 2, lang))
            .unwrap_or_else(|| i18n::nc(lang).into())
    };
    Table {
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
            vec![
                t(Msg::TruthPerRun, lang),
                eff(c.a.true_effect),
                eff(c.b.true_effect),
            ],
        ],
        notes: vec![],
    }
}

fn flip_blocks(c: &Comparison, lang: Lang) -> Vec<Block> {
    let int = |x: u64| i18n::int(x, lang);
    let opt = |x: Option<f64>| {
        x.map(|v| i18n::num(v, 3, lang))
            .unwrap_or_else(|| i18n::nc(lang).into())
    };
    let mut b = vec![Block::KeyFigures(vec![
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
            label: t(Msg::ScoredBoth, lang),
            value: int(c.n_common_scored),
            detail: Some(i18n::kv(
                &t(Msg::NotCalculableEither, lang),
                &int(c.n_not_calculable_either),
                lang,
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
            value: opt(c.kendall_tau_b),
            detail: Some(format!("{} {}", t(Msg::Spearman, lang), opt(c.spearman))),
        },
    ])];
    if c.n_common == 0 {
        b.push(Block::warning("!", t(Msg::NoScores, lang)));
    }
    let mut cols = vec![(
        t(Msg::RunA, lang) + " \\ " + &t(Msg::RunB, lang),
        Align::Left,
    )];
    cols.extend(
        Label::ALL
            .iter()
            .map(|l| (i18n::label_name(*l, lang).to_string(), Align::Right)),
    );
    b.push(Block::Table(Table {
        caption: Some(t(Msg::FlipMatrix, lang)),
        columns: cols,
        rows: c
            .flip_matrix
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let mut r = vec![i18n::label_name(Label::ALL[i], lang).to_string()];
                r.extend(row.iter().map(|v| int(*v)));
                r
            })
            .collect(),
        notes: vec![t(Msg::FlipList, lang)],
    }));
    if !c.flips_by_sector.is_empty() {
        b.push(Block::Table(Table {
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
    b
}

fn weights_table(c: &Comparison, lang: Lang) -> Table {
    Table {
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
                    i18n::criterion_name(w.key, lang).into(),
                    w.a.map(|v| i18n::pct(v, 1, lang)).unwrap_or_default(),
                    w.b.map(|v| i18n::pct(v, 1, lang)).unwrap_or_default(),
                    match (w.a, w.b) {
                        (Some(a), Some(b)) => {
                            format!("{} pts", i18n::num(100.0 * (b - a), 1, lang))
                        }
                        _ => String::new(),
                    },
                ]
            })
            .collect(),
        notes: vec![],
    }
}

fn estimates_table(c: &Comparison, lang: Lang) -> Table {
    let n = |x: Option<f64>| x.map(|v| i18n::num(v, 3, lang)).unwrap_or_default();
    let ci = |x: Option<(f64, f64)>| {
        x.map(|(l, h)| i18n::interval(l, h, 3, lang))
            .unwrap_or_default()
    };
    Table {
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
                    estimate_name(&e.key, lang),
                    n(e.a),
                    ci(e.a_ci),
                    n(e.b),
                    ci(e.b_ci),
                    match (e.a, e.b) {
                        (Some(a), Some(b)) => i18n::num(b - a, 3, lang),
                        _ => String::new(),
                    },
                ]
            })
            .collect(),
        notes: vec![],
    }
}

fn sec(id: &str, heading: String, blocks: Vec<Block>) -> Section {
    Section {
        id: id.into(),
        heading,
        blocks,
        page_break: false,
    }
}

/// Builds the comparison document.
pub fn build_comparison_document(c: &Comparison, lang: Lang) -> Document {
    let opt = |x: Option<f64>| {
        x.map(|v| i18n::num(v, 3, lang))
            .unwrap_or_else(|| i18n::nc(lang).into())
    };
    let rank = vec![
        Block::para(t(Msg::KendallNote, lang)),
        Block::para(format!(
            "τ-b = {} ; ρ = {} (n = {})",
            opt(c.kendall_tau_b),
            opt(c.spearman),
            i18n::int(c.n_common_scored, lang)
        )),
    ];
    Document {
        lang,
        title: t(Msg::CompareTitle, lang),
        subtitle: Some(format!("A = {} · B = {}", c.a.label, c.b.label)),
        sections: vec![
            sec(
                "runs",
                t(Msg::SecCompareRuns, lang),
                vec![Block::Table(runs_table(c, lang))],
            ),
            sec("flips", t(Msg::SecFlips, lang), flip_blocks(c, lang)),
            sec("rank", t(Msg::SecRank, lang), rank),
            sec(
                "weights",
                t(Msg::SecWeights, lang),
                vec![Block::Table(weights_table(c, lang))],
            ),
            sec(
                "estimates",
                t(Msg::SecEstimateChanges, lang),
                vec![Block::Table(estimates_table(c, lang))],
            ),
        ],
    }
}

/// Renders a comparison to `index.html`, `report.md`, `comparison.json` and `flips.csv`.
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
        (PathBuf::from("flips.csv"), flips_csv(c).into_bytes()),
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
