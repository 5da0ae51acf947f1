//! The out-of-core engine path against the in-memory path: on the default experiment the
//! indicator, score, label-change, peer-group and explanation tables are identical byte for
//! byte once sorted, and so are the published summary and its tables, under a memory pool
//! small enough to make DataFusion spill; bad input is named and leaves nothing behind; the
//! person-history pass gives the generator's histories.

use engagement::config::Experiment;
use engagement::engine::{self, EngineOptions};
use engagement::reference::Reference;
use engagement::score::{self, io};
use engagement::synth;
use engagement::tables;
use polars::prelude::*;
use std::path::Path;

/// A table as sorted CSV text: the byte-for-byte comparison of two paths.
pub fn sorted_csv(mut df: DataFrame, keys: &[&str]) -> String {
    df = df
        .sort(
            keys.to_vec(),
            SortMultipleOptions::default().with_maintain_order(true),
        )
        .unwrap();
    let mut buf = Vec::new();
    CsvWriter::new(&mut buf).finish(&mut df).unwrap();
    String::from_utf8(buf).unwrap()
}

/// Sort keys of the compared tables.
pub const TABLES: [(&str, &[&str]); 5] = [
    ("indicators", &["siret", "period"]),
    ("scores", &["siret", "period"]),
    ("label_changes", &["siret", "to_period"]),
    ("peer_groups", &["period", "key"]),
    ("explanations", &["siret", "period", "criterion"]),
];

/// Asserts that the engine outputs in `engine` (partitioned by period) equal the in-memory
/// outputs in `memory` (one file per table).
pub fn assert_same_tables(memory: &Path, engine: &Path) {
    for (stem, keys) in TABLES {
        let (m, _) = tables::read_table(memory, stem).unwrap();
        let e = tables::read_partitioned(&engine.join(stem)).unwrap();
        assert_eq!(m.height(), e.height(), "{stem}: row counts");
        assert!(m.height() > 0 || stem == "label_changes", "{stem} is empty");
        let (a, b) = (sorted_csv(m, keys), sorted_csv(e, keys));
        assert!(a == b, "{stem}: the two paths differ");
    }
    let s = |d: &Path| std::fs::read_to_string(d.join(io::SUMMARY)).unwrap();
    assert_eq!(s(memory), s(engine), "score summary");
    // The published tables (statistical secrecy applied) are the same files.
    for stem in score::summary_tables::STEMS {
        let f = |d: &Path| std::fs::read(d.join(format!("{stem}.csv"))).unwrap();
        assert!(f(memory) == f(engine), "published table {stem} differs");
    }
}

/// The served feed and its index of two scores folders are the same files.
pub fn assert_same_feed(memory: &Path, other: &Path) {
    for name in ["feed.parquet", "feed.json", "feed.index"] {
        let f = |d: &Path| std::fs::read(d.join(name)).unwrap();
        assert!(f(memory) == f(other), "{name} differs");
    }
}

#[test]
fn engine_matches_memory_on_the_default_experiment() {
    let r = Reference::load();
    let exp = Experiment::from_file(Path::new("experiments/baseline.toml"), &r).unwrap();
    let s = synth::generate(&exp, &r, false).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    tables::write_dataset_partitioned(&s.dataset, &data).unwrap();
    let memory = dir.path().join("memory");
    let out = score::run(&s.dataset, &exp.score, &r).unwrap();
    io::write_outputs(&out, &memory).unwrap();
    // A 128 MiB pool (half of 256 MiB) is far below the corpus: the sorts spill.
    let mut opts = EngineOptions::new(256 << 20);
    opts.partitions = 3;
    let spill = dir.path().join("spill");
    std::fs::create_dir_all(&spill).unwrap();
    opts.spill_dir = Some(spill);
    let eng = dir.path().join("engine");
    let provenance = (Some(exp.hash.clone()), Some("fixture".to_string()));
    let r2 = engine::score::score_dataset(
        &data,
        &exp.score,
        &r,
        &eng,
        &opts,
        false,
        provenance.clone(),
    )
    .unwrap();
    assert_eq!(r2.indicator_rows, out.indicators.rows.len() as u64);
    assert_same_tables(&memory, &eng);
    // The served feed and its index: the engine keeps only the last period's scores and the
    // label rows of earlier ones, and writes the same three files.
    let (eh, df) = provenance;
    engagement::feed::write_run_feed(&out, &memory, eh, df, &r).unwrap();
    assert_same_feed(&memory, &eng);
    // `list` reads the engine's last period as it reads the in-memory output.
    let back = io::read_outputs(&eng).unwrap();
    assert_eq!(back.summary, out.summary);
    let last = out.periods().len() as u32 - 1;
    let n_last = out.scores.iter().filter(|x| x.period == last).count();
    assert_eq!(back.scores.len(), n_last);
    // Every field of the last period's indicator rows, including those no table shows.
    let want: Vec<_> = out
        .indicators
        .rows
        .iter()
        .filter(|x| x.period == last)
        .collect();
    let got: Vec<_> = back.indicators.rows.iter().collect();
    assert!(want == got, "last period's indicator rows differ");
}

#[test]
fn bad_input_is_named_and_leaves_nothing() {
    let r = Reference::load();
    let exp = Experiment::from_file(Path::new("tests/fixtures/score/small.toml"), &r).unwrap();
    let s = synth::generate(&exp, &r, false).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    tables::write_dataset(&s.dataset, &data, tables::Format::Parquet).unwrap();
    // Replace the contracts table by one whose nature codes are not numbers.
    let (mut df, _) = tables::read_table(&data, "contracts").unwrap();
    let bad: StringChunked = (0..df.height())
        .map(|i| Some(if i == 7 { "CDD" } else { "02" }))
        .collect();
    df.replace("nature", bad.with_name("nature".into()).into_column())
        .unwrap();
    tables::write_df(
        &mut df,
        &data.join("contracts.parquet"),
        tables::Format::Parquet,
    )
    .unwrap();
    let out = dir.path().join("out");
    let score_error = || {
        let opts = EngineOptions::new(512 << 20);
        engine::score::score_dataset(&data, &exp.score, &r, &out, &opts, false, (None, None))
            .unwrap_err()
            .to_string()
    };
    let e = score_error();
    assert!(
        e.contains("contracts table") && e.contains("`nature`") && e.contains("CDD"),
        "{e}"
    );
    assert!(!out.exists(), "no partial output");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".out"))
        .collect();
    assert!(leftovers.is_empty(), "temporary folder left behind");
    // A missing table is named too.
    std::fs::remove_file(data.join("stoppages.parquet")).unwrap();
    let e = score_error();
    assert!(e.contains("stoppages"), "{e}");
}

#[test]
fn history_pass_gives_the_generator_histories() {
    let r = Reference::load();
    let exp = Experiment::from_file(Path::new("tests/fixtures/score/small.toml"), &r).unwrap();
    let s = synth::generate(&exp, &r, false).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    // Contracts without their history columns, as a reader would write them.
    let mut raw = s.dataset.clone();
    for c in &mut raw.contracts {
        c.no_prior_employment = false;
        c.months_since_prev = None;
        c.prior_long_sick_leave = false;
        c.prior_iae_or_subsidised = false;
    }
    for p in &mut raw.persons {
        p.boeth = false;
    }
    tables::write_dataset_partitioned(&raw, &data).unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let mut opts = EngineOptions::new(256 << 20);
    opts.partitions = 2;
    let h = engine::history::derive_history(&data, &out, &opts).unwrap();
    assert_eq!(h.contracts, s.dataset.contracts.len() as u64);
    let (got, _) = tables::read_table(&out, "contracts").unwrap();
    let want = tables::contracts_df(&s.dataset.contracts).unwrap();
    let keys = ["contract_id"];
    assert!(
        sorted_csv(got, &keys) == sorted_csv(want, &keys),
        "histories differ"
    );
    let (gp, _) = tables::read_table(&out, "persons").unwrap();
    let wp = tables::persons_df(&s.dataset.persons).unwrap();
    assert!(
        sorted_csv(gp, &["person_id"]) == sorted_csv(wp, &["person_id"]),
        "BOETH flags differ"
    );
}
