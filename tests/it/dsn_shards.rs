//! Ingest in shards gives the same outputs as one ingest; the number of SIRET partitions
//! does not change the tables; a merge refuses shards that do not belong together.

use engagement::dsn::{self, PseudoKey, ReadOptions};
use std::path::{Path, PathBuf};
use std::process::Output;

fn bin() -> std::process::Command {
    let mut c = crate::common::bin();
    c.env_remove("ENGAGEMENT_KEY");
    c
}

/// A corpus of many small files: a generated toy dataset, the bad-input files and the
/// hand-written sample (signalements, rejects, several envois per file).
fn corpus(root: &Path) -> PathBuf {
    let dir = root.join("corpus");
    let ds = dsn::bench::toy_dataset(60, 4, 6);
    let opts = dsn::WriterOptions {
        decls_per_file: 7,
        gzip: false,
    };
    dsn::write_dataset(&ds, &dir.join("toy"), &opts).unwrap();
    let bad = crate::common::fixture("dsn/bad");
    std::fs::create_dir_all(dir.join("bad")).unwrap();
    for e in std::fs::read_dir(bad).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "dsn") {
            std::fs::copy(&p, dir.join("bad").join(p.file_name().unwrap())).unwrap();
        }
    }
    std::fs::copy(
        crate::common::fixture("dsn/sample_hand.dsn"),
        dir.join("sample_hand.dsn"),
    )
    .unwrap();
    dir
}

fn run(args: &[&std::ffi::OsStr]) -> Output {
    let o = bin().args(args).output().unwrap();
    o
}

fn ok(o: &Output) {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// The files of an output folder that must not depend on how it was ingested.
fn outputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v = Vec::new();
    for f in [
        "establishments.csv",
        "persons.csv",
        "contracts.csv",
        "stoppages.csv",
        "coverage.json",
        "ingest_report.json",
        "rejects/rejects.json",
    ] {
        v.push((f.to_string(), std::fs::read(dir.join(f)).unwrap()));
    }
    let mut names: Vec<String> = std::fs::read_dir(dir.join("rejects"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for n in names {
        let b = std::fs::read(dir.join("rejects").join(&n)).unwrap();
        v.push((n, b));
    }
    v
}

#[test]
fn shards_then_merge_equal_one_ingest() {
    let tmp = tempfile::tempdir().unwrap();
    let c = corpus(tmp.path());
    let base = |out: &Path| -> Vec<std::ffi::OsString> {
        vec![
            "ingest".into(),
            "--demo-key".into(),
            "-q".into(),
            "--format".into(),
            "csv".into(),
            "--out".into(),
            out.into(),
        ]
    };
    let whole = tmp.path().join("whole");
    let mut a = base(&whole);
    a.push(c.clone().into());
    ok(&run(&a.iter().map(|s| s.as_os_str()).collect::<Vec<_>>()));
    let mut shards = Vec::new();
    for k in 1..=3 {
        let s = tmp.path().join(format!("shard-{k}"));
        let mut a = base(&s);
        a.extend(["--shard".into(), format!("{k}/3").into(), c.clone().into()]);
        ok(&run(&a.iter().map(|s| s.as_os_str()).collect::<Vec<_>>()));
        assert!(s.join("shard.json").exists() && s.join("facts").is_dir());
        shards.push(s);
    }
    let merged = tmp.path().join("merged");
    let mut a: Vec<std::ffi::OsString> = vec![
        "ingest".into(),
        "--merge".into(),
        "-q".into(),
        "--format".into(),
        "csv".into(),
        "--out".into(),
        merged.clone().into(),
    ];
    // Shards in any order.
    a.extend([&shards[2], &shards[0], &shards[1]].map(|s| s.clone().into_os_string()));
    ok(&run(&a.iter().map(|s| s.as_os_str()).collect::<Vec<_>>()));
    let (w, m) = (outputs(&whole), outputs(&merged));
    assert_eq!(w.len(), m.len());
    for ((nw, bw), (nm, bm)) in w.iter().zip(&m) {
        assert_eq!(nw, nm);
        assert!(
            bw == bm,
            "{nw} differs between one ingest and a merge of shards"
        );
    }
    // Facts on disk (the command) and in memory (`dsn::read`) give the same tables.
    let in_memory = dsn::read(
        std::slice::from_ref(&c),
        &ReadOptions::new(PseudoKey::demo()),
    )
    .unwrap();
    let pq = tmp.path().join("whole-parquet");
    ok(&bin()
        .args(["ingest", "--demo-key", "-q", "--out"])
        .arg(&pq)
        .arg(&c)
        .output()
        .unwrap());
    let mut on_disk = engagement::tables::read_dataset(&pq).unwrap();
    on_disk.sort();
    assert_eq!(in_memory.dataset, on_disk);
    let report = String::from_utf8_lossy(&w[5].1).into_owned();
    assert!(report.contains("\"declarations_rejected\": 10"), "{report}");
    // The shards are left as they were: their rejects are copied, not moved.
    assert!(
        std::fs::read_dir(shards[0].join("rejects"))
            .unwrap()
            .count()
            > 0
            || std::fs::read_dir(shards[1].join("rejects"))
                .unwrap()
                .count()
                > 0
    );

    // A missing shard, or a shard made with another key, is refused.
    let out = tmp.path().join("refused");
    let mut a: Vec<std::ffi::OsString> = vec![
        "ingest".into(),
        "--merge".into(),
        "--out".into(),
        out.clone().into(),
    ];
    a.extend([shards[0].clone().into(), shards[1].clone().into()]);
    let o = run(&a.iter().map(|s| s.as_os_str()).collect::<Vec<_>>());
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("1 to 3"));
    let other = tmp.path().join("other-key");
    let o = bin()
        .args(["ingest", "-q", "--shard", "3/3", "--out"])
        .arg(&other)
        .arg(&c)
        .env("ENGAGEMENT_KEY", "another-secret-key-0123456789")
        .output()
        .unwrap();
    ok(&o);
    let mut a: Vec<std::ffi::OsString> = vec![
        "ingest".into(),
        "--merge".into(),
        "--out".into(),
        out.clone().into(),
    ];
    a.extend([
        shards[0].clone().into(),
        shards[1].clone().into(),
        other.into(),
    ]);
    let o = run(&a.iter().map(|s| s.as_os_str()).collect::<Vec<_>>());
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("pseudonymisation key"));
    assert!(!out.exists());
}

#[test]
fn partition_count_does_not_change_the_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let c = corpus(tmp.path());
    let read = |partitions: u32| {
        let mut o = ReadOptions::new(PseudoKey::demo());
        o.partitions = partitions;
        dsn::read(std::slice::from_ref(&c), &o).unwrap()
    };
    let one = read(1);
    assert!(
        one.dataset.contracts.len() > 100,
        "{}",
        one.dataset.contracts.len()
    );
    for p in [7, 64] {
        let other = read(p);
        assert_eq!(one.dataset, other.dataset, "{p} partitions");
        assert_eq!(one.report, other.report, "{p} partitions");
    }
}
