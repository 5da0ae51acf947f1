//! Writing and reading a scoring run's outputs, in two kinds kept apart.
//!
//! - **Research outputs** ([`write_research`]), establishment by establishment and not for
//!   publication: `indicators`, `scores`, `explanations`, `label_changes` and `peer_groups`
//!   (Parquet and CSV), `reference_scores.json` (the latest period's score and label per
//!   SIRET, which `compare` reads), `score_output.json.gz` (the full [`ScoreOutput`] that
//!   `list`, `feedback`, `report` and the sensitivity analysis read back with
//!   [`read_outputs`], one exact round trip) and a `README.md` that says so. A run writes
//!   them to `reports/<experiment>/research/<run-id>/` ([`research_dir`]), outside the run
//!   folder that policy teams receive.
//! - **Published outputs** ([`write_published`]): the summary under statistical secrecy
//!   ([`super::summary`]) as `score_summary.json` and one Parquet and CSV table per
//!   published table (`labels_by_section`, `labels_by_zone`, `labels_by_sector_zone`,
//!   `score_histogram`, `labels_by_period`, `label_transitions`), a hidden cell being empty
//!   (null) with its reason in a `secret…` column, never 0.
//!
//! `engagement score --out DIR` writes both kinds into DIR ([`write_outputs`]): that folder is
//! a research folder.

use super::{Explanation, Label, ScoreError, ScoreOutput, ScoreRow};
use crate::indicators::{Criterion, IndicatorRow, CRITERIA};
use crate::model::siret_string;
use crate::tables::{write_df, write_text, Format};
use polars::prelude::*;
use std::io::Read;
use std::path::{Path, PathBuf};

/// File name of the full serialised output.
pub const FULL_OUTPUT: &str = "score_output.json.gz";
/// File name of the summary.
pub const SUMMARY: &str = "score_summary.json";

macro_rules! col {
    ($name:expr, $v:expr $(,)?) => {
        Column::new(PlSmallStr::from($name as &str), $v)
    };
}

fn period_labels(out: &ScoreOutput, it: impl Iterator<Item = u32>) -> Vec<String> {
    it.map(|p| out.indicators.periods[p as usize].label.clone())
        .collect()
}

/// The indicator table: counts and raw values per criterion.
pub fn indicators_df(out: &ScoreOutput) -> PolarsResult<DataFrame> {
    indicator_rows_df(out, &out.indicators.rows)
}

/// [`indicators_df`] of some of `out`'s indicator rows: a table written in batches.
pub fn indicator_rows_df(out: &ScoreOutput, rows: &[IndicatorRow]) -> PolarsResult<DataFrame> {
    let w = out.indicators.window_months;
    let mut cols = vec![
        col!(
            "siret",
            rows.iter()
                .map(|r| siret_string(r.siret))
                .collect::<Vec<_>>()
        ),
        col!("period", period_labels(out, rows.iter().map(|r| r.period))),
        col!(
            "headcount",
            rows.iter().map(|r| r.headcount).collect::<Vec<_>>()
        ),
        col!("fte", rows.iter().map(|r| r.fte).collect::<Vec<_>>()),
        col!("hires", rows.iter().map(|r| r.hires).collect::<Vec<_>>()),
        col!(
            "part_time_hires",
            rows.iter().map(|r| r.part_time_hires).collect::<Vec<_>>()
        ),
        col!("exits", rows.iter().map(|r| r.exits).collect::<Vec<_>>()),
    ];
    for c in CRITERIA {
        cols.push(col!(
            c.name(),
            rows.iter().map(|r| r.value(c, w)).collect::<Vec<_>>(),
        ));
        cols.push(col!(
            &format!("{}_n", c.name()),
            rows.iter().map(|r| r.counts(c, w).1).collect::<Vec<_>>(),
        ));
    }
    DataFrame::new_infer_height(cols)
}

/// The score table: composite, interval, label and sub-scores.
pub fn scores_df(out: &ScoreOutput) -> PolarsResult<DataFrame> {
    score_rows_df(out, &out.scores)
}

/// [`scores_df`] of some of `out`'s score rows: a table written in batches.
pub fn score_rows_df(out: &ScoreOutput, s: &[ScoreRow]) -> PolarsResult<DataFrame> {
    let pg = |i: u32| &out.peer_groups[i as usize];
    let mut cols = vec![
        col!(
            "siret",
            s.iter().map(|r| siret_string(r.siret)).collect::<Vec<_>>()
        ),
        col!("period", period_labels(out, s.iter().map(|r| r.period))),
        col!(
            "size_band",
            s.iter().map(|r| r.size_band.as_str()).collect::<Vec<_>>()
        ),
        col!(
            "peer_group",
            s.iter()
                .map(|r| pg(r.peer_group).key.clone())
                .collect::<Vec<_>>()
        ),
        col!(
            "peer_level",
            s.iter()
                .map(|r| pg(r.peer_group).rung.name())
                .collect::<Vec<_>>()
        ),
        col!(
            "peers",
            s.iter()
                .map(|r| pg(r.peer_group).members)
                .collect::<Vec<_>>()
        ),
        col!(
            "non_calculable",
            s.iter()
                .map(|r| r.non_calculable.map(|n| serde_json::to_value(n)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default()))
                .collect::<Vec<_>>(),
        ),
        col!(
            "composite",
            s.iter().map(|r| r.composite).collect::<Vec<_>>()
        ),
        col!("lower", s.iter().map(|r| r.lower).collect::<Vec<_>>()),
        col!("upper", s.iter().map(|r| r.upper).collect::<Vec<_>>()),
        col!(
            "peer_percentile",
            s.iter().map(|r| r.peer_percentile).collect::<Vec<_>>()
        ),
        col!(
            "label",
            s.iter().map(|r| r.label.map(u32::from)).collect::<Vec<_>>()
        ),
        col!(
            "label_key",
            s.iter()
                .map(|r| Label::of(r.label).key())
                .collect::<Vec<_>>()
        ),
        col!(
            "gated_by",
            s.iter()
                .map(|r| r.gated_by.map(Criterion::name))
                .collect::<Vec<_>>()
        ),
    ];
    for c in CRITERIA {
        cols.push(col!(
            &format!("sub_{}", c.name()),
            s.iter()
                .map(|r| r.subscores[c as usize].map(f64::from))
                .collect::<Vec<_>>(),
        ));
    }
    DataFrame::new_infer_height(cols)
}

/// The explanation table (calculable rows only), long format.
pub fn explanations_df(out: &ScoreOutput) -> PolarsResult<DataFrame> {
    explanation_rows_df(&out.explanations())
}

/// [`explanations_df`] of some explanation rows: a table written in batches.
pub fn explanation_rows_df(e: &[Explanation]) -> PolarsResult<DataFrame> {
    DataFrame::new_infer_height(vec![
        col!(
            "siret",
            e.iter().map(|r| siret_string(r.siret)).collect::<Vec<_>>()
        ),
        col!(
            "period",
            e.iter().map(|r| r.period.clone()).collect::<Vec<_>>()
        ),
        col!(
            "criterion",
            e.iter().map(|r| r.criterion.name()).collect::<Vec<_>>()
        ),
        col!("weight", e.iter().map(|r| r.weight).collect::<Vec<_>>()),
        col!("value", e.iter().map(|r| r.value).collect::<Vec<_>>()),
        col!("expected", e.iter().map(|r| r.expected).collect::<Vec<_>>()),
        col!("adjusted", e.iter().map(|r| r.adjusted).collect::<Vec<_>>()),
        col!(
            "peer_median",
            e.iter().map(|r| r.peer_median).collect::<Vec<_>>()
        ),
        col!("subscore", e.iter().map(|r| r.subscore).collect::<Vec<_>>()),
        col!(
            "contribution",
            e.iter().map(|r| r.contribution).collect::<Vec<_>>()
        ),
        col!(
            "position",
            e.iter().map(|r| r.position.key()).collect::<Vec<_>>()
        ),
    ])
}

/// Label changes between consecutive periods.
pub fn label_changes_df(out: &ScoreOutput) -> PolarsResult<DataFrame> {
    let l = &out.label_changes;
    DataFrame::new_infer_height(vec![
        col!(
            "siret",
            l.iter().map(|r| siret_string(r.siret)).collect::<Vec<_>>()
        ),
        col!(
            "from_period",
            l.iter().map(|r| r.from_period.clone()).collect::<Vec<_>>()
        ),
        col!(
            "to_period",
            l.iter().map(|r| r.to_period.clone()).collect::<Vec<_>>()
        ),
        col!(
            "from_label",
            l.iter().map(|r| r.from.map(u32::from)).collect::<Vec<_>>()
        ),
        col!(
            "to_label",
            l.iter().map(|r| r.to.map(u32::from)).collect::<Vec<_>>()
        ),
    ])
}

/// Peer groups with each criterion's peer median.
pub fn peer_groups_df(out: &ScoreOutput) -> PolarsResult<DataFrame> {
    let g = &out.peer_groups;
    let mut cols = vec![
        col!("period", period_labels(out, g.iter().map(|r| r.period))),
        col!("key", g.iter().map(|r| r.key.clone()).collect::<Vec<_>>()),
        col!("level", g.iter().map(|r| r.rung.name()).collect::<Vec<_>>()),
        col!("members", g.iter().map(|r| r.members).collect::<Vec<_>>()),
        col!(
            "scored_members",
            g.iter().map(|r| r.scored_members).collect::<Vec<_>>()
        ),
    ];
    for c in CRITERIA {
        cols.push(col!(
            &format!("median_{}", c.name()),
            g.iter()
                .map(|r| r.criteria[c as usize].median_value)
                .collect::<Vec<_>>(),
        ));
        cols.push(col!(
            &format!("kappa_{}", c.name()),
            g.iter()
                .map(|r| r.criteria[c as usize].kappa)
                .collect::<Vec<_>>(),
        ));
    }
    DataFrame::new_infer_height(cols)
}

/// File name of the per-SIRET scores of the latest period, in a research folder.
pub const RESEARCH_SCORES: &str = "reference_scores.json";
/// Name of the folder, beside a run's folder, that holds the research outputs of its runs.
pub const RESEARCH: &str = "research";

/// The notice written into every research folder.
const RESEARCH_README: &str = "# NOT FOR PUBLICATION\n\n\
These files describe establishments one by one (SIRET, counts of persons, raw shares, \
scores and sub-scores). They are research outputs: they do not respect the statistical \
secrecy rules of published outputs (at least 3 establishments and 11 persons per figure, \
no establishment above 85% of a cell, positions or rounded bands instead of shares). Do not \
send them to policy teams, employers or counsellors, and do not copy them into a published \
report folder. What may be published is in the run folder itself (`index.html`, \
`report.md`, `results.json`, `tables/`, the counsellors' page and the sheets).\n";

fn io_err(p: &Path, e: &dyn std::fmt::Display) -> ScoreError {
    ScoreError::Output {
        path: p.to_path_buf(),
        message: e.to_string(),
    }
}

/// Writes every output, research and published, into `dir` (created if needed), as
/// `engagement score` does; returns the paths written.
pub fn write_outputs(out: &ScoreOutput, dir: &Path) -> Result<Vec<PathBuf>, ScoreError> {
    let mut paths = write_research(out, dir)?;
    paths.extend(write_published(out, dir)?);
    Ok(paths)
}

/// Writes the research outputs (per establishment, not for publication) into `dir`.
pub fn write_research(out: &ScoreOutput, dir: &Path) -> Result<Vec<PathBuf>, ScoreError> {
    std::fs::create_dir_all(dir).map_err(|e| io_err(dir, &e))?;
    let mut paths = Vec::new();
    type Build = fn(&ScoreOutput) -> PolarsResult<DataFrame>;
    let tables: [(&str, Build); 5] = [
        ("indicators", indicators_df),
        ("scores", scores_df),
        ("explanations", explanations_df),
        ("label_changes", label_changes_df),
        ("peer_groups", peer_groups_df),
    ];
    for (stem, build) in tables {
        let mut df = build(out).map_err(|e| io_err(&dir.join(stem), &e))?;
        paths.extend(write_both(&mut df, dir, stem)?);
    }
    paths.extend(write_research_notes(out, dir)?);
    paths.push(write_full_output(out, dir)?);
    Ok(paths)
}

/// Writes [`RESEARCH_SCORES`] (the latest period's scores) and the folder's "not for
/// publication" README into `dir`.
pub fn write_research_notes(out: &ScoreOutput, dir: &Path) -> Result<Vec<PathBuf>, ScoreError> {
    let rp = dir.join(RESEARCH_SCORES);
    // Streamed: nationally the text is hundreds of megabytes.
    let scores = research_scores(out);
    crate::output::write_with(&rp, |w| {
        serde_json::to_writer_pretty(w, &scores).map_err(|e| io_err(&rp, &e))
    })?;
    let readme = dir.join("README.md");
    write_text(&readme, RESEARCH_README)?;
    Ok(vec![rp, readme])
}

fn write_both(df: &mut DataFrame, dir: &Path, stem: &str) -> Result<Vec<PathBuf>, ScoreError> {
    let mut paths = Vec::new();
    for f in [Format::Parquet, Format::Csv] {
        let p = dir.join(format!("{stem}.{}", f.extension()));
        write_df(df, &p, f)?;
        paths.push(p);
    }
    Ok(paths)
}

/// Writes [`FULL_OUTPUT`] into `dir` atomically; returns its path.
pub fn write_full_output(out: &ScoreOutput, dir: &Path) -> Result<PathBuf, ScoreError> {
    let fp = dir.join(FULL_OUTPUT);
    crate::output::write_with(&fp, |w| {
        let mut gz = flate2::write::GzEncoder::new(w, flate2::Compression::fast());
        serde_json::to_writer(&mut gz, out).map_err(|e| io_err(&fp, &e))?;
        gz.finish().map(|_| ()).map_err(|e| io_err(&fp, &e))
    })?;
    Ok(fp)
}

/// Writes the published outputs (statistical secrecy applied) into `dir`.
pub fn write_published(out: &ScoreOutput, dir: &Path) -> Result<Vec<PathBuf>, ScoreError> {
    std::fs::create_dir_all(dir).map_err(|e| io_err(dir, &e))?;
    let sp = dir.join(SUMMARY);
    let text = serde_json::to_string_pretty(&out.summary).map_err(|e| io_err(&sp, &e))?;
    write_text(&sp, &text)?;
    let mut paths = vec![sp];
    for (stem, df) in super::summary_tables::tables(&out.summary) {
        let mut df = df.map_err(|e| io_err(&dir.join(stem), &e))?;
        paths.extend(write_both(&mut df, dir, stem)?);
    }
    Ok(paths)
}

/// Score and label of one establishment in the latest period (research data).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ResearchScore {
    /// SIRET, 14 digits.
    pub siret: String,
    /// NAF section letter.
    pub section: String,
    /// Employment zone.
    pub zone: String,
    /// Composite; `None` when not calculable.
    pub score: Option<f64>,
    /// Label level; `None` when not calculable (not folded into "no label").
    pub level: Option<u8>,
}

/// The per-SIRET scores of the latest period.
pub fn research_scores(out: &ScoreOutput) -> Vec<ResearchScore> {
    let Ok(p) = out.period_index(None) else {
        return Vec::new();
    };
    out.scores
        .iter()
        .filter(|s| s.period == p)
        .map(|s| {
            let e = out.establishment(s.siret);
            ResearchScore {
                siret: siret_string(s.siret),
                section: e.map(|e| e.section.clone()).unwrap_or_else(|| "?".into()),
                zone: e.map(|e| e.zone.clone()).unwrap_or_default(),
                score: s.composite,
                level: s.label,
            }
        })
        .collect()
}

/// The research folder of a run folder: `<experiment folder>/research/<run-id>`.
pub fn research_dir(run_dir: &Path) -> PathBuf {
    let name = run_dir.file_name().map(PathBuf::from).unwrap_or_default();
    run_dir
        .parent()
        .unwrap_or(Path::new("."))
        .join(RESEARCH)
        .join(name)
}

/// Where the score outputs of `dir` are: `dir` itself (a `score --out` folder), the research
/// folder of a run folder, or a run's `tables/` (runs written before the research split).
pub fn locate(dir: &Path) -> PathBuf {
    [dir.to_path_buf(), research_dir(dir), dir.join("tables")]
        .into_iter()
        .find(|d| d.join(FULL_OUTPUT).is_file())
        .unwrap_or_else(|| dir.to_path_buf())
}

/// The per-SIRET scores of a run's latest period, from its research folder (`None` when the
/// run has no research folder).
pub fn read_research_scores(run_dir: &Path) -> Result<Option<Vec<ResearchScore>>, ScoreError> {
    let p = research_dir(run_dir).join(RESEARCH_SCORES);
    if !p.is_file() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&p).map_err(|e| io_err(&p, &e))?;
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| io_err(&p, &e))
}

/// Reads back the full output written by [`write_research`], from a score folder or a run
/// folder ([`locate`]).
pub fn read_outputs(dir: &Path) -> Result<ScoreOutput, ScoreError> {
    let fp = locate(dir).join(FULL_OUTPUT);
    let err = |e: &dyn std::fmt::Display| ScoreError::Output {
        path: fp.clone(),
        message: e.to_string(),
    };
    let f = std::fs::File::open(&fp).map_err(|e| err(&e))?;
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::io::BufReader::new(f))
        .read_to_string(&mut text)
        .map_err(|e| err(&e))?;
    serde_json::from_str(&text).map_err(|e| err(&e))
}
