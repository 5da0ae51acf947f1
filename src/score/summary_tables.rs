//! The published summary ([`super::summary::ScoreSummary`]) as flat tables for `tables/`: a
//! hidden cell is null with its reason in the matching `secret…` column, never 0.

use super::privacy::SecretReason;
use super::summary::{LevelRow, ScoreSummary, LEVELS};
use polars::prelude::*;

fn reason(r: Option<SecretReason>) -> Option<String> {
    r.and_then(|r| serde_json::to_value(r).ok())
        .and_then(|v| v.as_str().map(String::from))
}

fn level_table(rows: &[LevelRow]) -> PolarsResult<DataFrame> {
    let mut cols = vec![Column::new(
        "code".into(),
        rows.iter().map(|r| r.code.clone()).collect::<Vec<_>>(),
    )];
    for l in 0..LEVELS {
        cols.push(Column::new(
            format!("level_{l}").into(),
            rows.iter().map(|r| r.counts[l]).collect::<Vec<_>>(),
        ));
    }
    cols.push(Column::new(
        "total".into(),
        rows.iter().map(|r| r.total).collect::<Vec<_>>(),
    ));
    for l in 0..LEVELS {
        cols.push(Column::new(
            format!("secret_level_{l}").into(),
            rows.iter().map(|r| reason(r.secret[l])).collect::<Vec<_>>(),
        ));
    }
    DataFrame::new_infer_height(cols)
}

fn sector_zone(s: &ScoreSummary) -> PolarsResult<DataFrame> {
    let c = &s.by_sector_zone;
    DataFrame::new_infer_height(vec![
        Column::new(
            "section".into(),
            c.iter().map(|x| x.section.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "zone".into(),
            c.iter().map(|x| x.zone.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "scored".into(),
            c.iter().map(|x| x.scored).collect::<Vec<_>>(),
        ),
        Column::new(
            "mean_score".into(),
            c.iter().map(|x| x.mean_score).collect::<Vec<_>>(),
        ),
        Column::new(
            "hires".into(),
            c.iter().map(|x| x.hires).collect::<Vec<_>>(),
        ),
        Column::new(
            "secret".into(),
            c.iter().map(|x| reason(x.secret)).collect::<Vec<_>>(),
        ),
    ])
}

fn histogram(s: &ScoreSummary) -> PolarsResult<DataFrame> {
    let b = &s.distribution;
    DataFrame::new_infer_height(vec![
        Column::new("from".into(), b.iter().map(|x| x.from).collect::<Vec<_>>()),
        Column::new("to".into(), b.iter().map(|x| x.to).collect::<Vec<_>>()),
        Column::new(
            "count".into(),
            b.iter().map(|x| x.count).collect::<Vec<_>>(),
        ),
        Column::new(
            "secret".into(),
            b.iter().map(|x| reason(x.secret)).collect::<Vec<_>>(),
        ),
    ])
}

fn by_period(s: &ScoreSummary) -> PolarsResult<DataFrame> {
    let p = &s.labels_by_period;
    let mut cols = vec![Column::new(
        "period".into(),
        p.keys().cloned().collect::<Vec<_>>(),
    )];
    let names = ["non_calculable", "level_0", "level_1", "level_2", "level_3"];
    for (k, name) in names.iter().enumerate() {
        cols.push(Column::new(
            (*name).into(),
            p.values().map(|v| v[k]).collect::<Vec<_>>(),
        ));
    }
    DataFrame::new_infer_height(cols)
}

fn transitions(s: &ScoreSummary) -> PolarsResult<DataFrame> {
    let t = &s.transitions;
    DataFrame::new_infer_height(vec![
        Column::new(
            "from_level".into(),
            t.iter().map(|x| x.from as u32).collect::<Vec<_>>(),
        ),
        Column::new(
            "to_level".into(),
            t.iter().map(|x| x.to as u32).collect::<Vec<_>>(),
        ),
        Column::new(
            "count".into(),
            t.iter().map(|x| x.count).collect::<Vec<_>>(),
        ),
    ])
}

/// The published tables, by file stem.
pub fn tables(s: &ScoreSummary) -> Vec<(&'static str, PolarsResult<DataFrame>)> {
    vec![
        ("labels_by_section", level_table(&s.by_section)),
        ("labels_by_zone", level_table(&s.by_zone)),
        ("labels_by_sector_zone", sector_zone(s)),
        ("score_histogram", histogram(s)),
        ("labels_by_period", by_period(s)),
        ("label_transitions", transitions(s)),
    ]
}

/// File stems of the published tables.
pub const STEMS: [&str; 6] = [
    "labels_by_section",
    "labels_by_zone",
    "labels_by_sector_zone",
    "score_histogram",
    "labels_by_period",
    "label_transitions",
];
