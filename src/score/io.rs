//! Writing and reading a scoring run's outputs.
//!
//! `write_outputs(dir)` writes, each as Parquet and CSV: `indicators`, `scores`,
//! `explanations`, `label_changes` and `peer_groups`; plus `score_summary.json` (published
//! aggregates) and `score_output.json.gz`, the full [`ScoreOutput`] that `list`, `report` and
//! the sensitivity analysis read back with [`read_outputs`] (one exact round trip, no
//! re-parsing of tables).

use super::{Label, ScoreError, ScoreOutput};
use crate::indicators::{Criterion, CRITERIA};
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
    let rows = &out.indicators.rows;
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
    let s = &out.scores;
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
    let e = out.explanations();
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

/// Writes every output into `dir` (created if needed); returns the paths written.
pub fn write_outputs(out: &ScoreOutput, dir: &Path) -> Result<Vec<PathBuf>, ScoreError> {
    let io_err = |p: &Path, e: &dyn std::fmt::Display| ScoreError::Output {
        path: p.to_path_buf(),
        message: e.to_string(),
    };
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
        for f in [Format::Parquet, Format::Csv] {
            let p = dir.join(format!("{stem}.{}", f.extension()));
            write_df(&mut df, &p, f)?;
            paths.push(p);
        }
    }
    let sp = dir.join(SUMMARY);
    let text = serde_json::to_string_pretty(&out.summary).map_err(|e| io_err(&sp, &e))?;
    write_text(&sp, &text)?;
    paths.push(sp);
    let fp = dir.join(FULL_OUTPUT);
    crate::output::write_with(&fp, |w| {
        let mut gz = flate2::write::GzEncoder::new(w, flate2::Compression::fast());
        serde_json::to_writer(&mut gz, out).map_err(|e| io_err(&fp, &e))?;
        gz.finish().map(|_| ()).map_err(|e| io_err(&fp, &e))
    })?;
    paths.push(fp);
    Ok(paths)
}

/// Reads back the full output written by [`write_outputs`].
pub fn read_outputs(dir: &Path) -> Result<ScoreOutput, ScoreError> {
    let fp = dir.join(FULL_OUTPUT);
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
