//! The generator on the default experiment: calibration targets, determinism, ground truth.

use engagement::config::Experiment;
use engagement::reference::Reference;
use engagement::synth;
use std::path::Path;
use std::process::Command;

fn baseline() -> (Experiment, Reference) {
    let r = Reference::load();
    let e = Experiment::from_file(Path::new("experiments/baseline.toml"), &r).unwrap();
    (e, r)
}

#[test]
fn default_experiment_meets_calibration_targets() {
    let (e, r) = baseline();
    let s = synth::generate(&e, &r, false).unwrap();
    let cal = synth::calibration::check(&s.dataset, &e.generator, &r);
    let failed: Vec<_> = cal.rows.iter().filter(|r| !r.within_tolerance).collect();
    assert!(
        failed.is_empty(),
        "outside tolerance: {failed:#?}\n{}",
        cal.table()
    );
    assert_eq!(cal.rows.len(), 18);
}

#[test]
fn tables_are_consistent_and_truth_is_separate() {
    let (e, r) = baseline();
    let s = synth::generate(&e, &r, false).unwrap();
    let ds = &s.dataset;
    assert_eq!(ds.establishments.len(), 5000);
    assert_eq!(s.truth.len(), 5000);
    let sirets: std::collections::HashSet<u64> =
        ds.establishments.iter().map(|e| e.siret).collect();
    let persons: std::collections::HashSet<u64> = ds.persons.iter().map(|p| p.person_id).collect();
    assert_eq!(persons.len(), ds.persons.len(), "person ids are unique");
    for c in &ds.contracts {
        assert!(sirets.contains(&c.siret) && persons.contains(&c.person_id));
        if let Some(end) = c.actual_end {
            assert!(end >= c.start, "{c:?}");
            assert!(end <= ds.coverage.end);
            assert!(c.end_reason.is_some());
        }
        if matches!(c.nature, 2 | 29) {
            assert!(
                c.planned_end.is_some(),
                "planned end mandatory for natures 02 and 29"
            );
        }
    }
    // Every establishment is in a territory département, in its commune's ZE2020 zone.
    let mut zones = std::collections::BTreeSet::new();
    for est in &ds.establishments {
        assert!(e.territory.departements.contains(&est.departement));
        assert_eq!(Some(est.zone.as_str()), r.default_zone(&est.commune));
        assert!(r.zones.contains_key(&est.zone), "{}", est.zone);
        assert_eq!(est.naf.len(), 5);
        zones.insert(est.zone.as_str());
    }
    // Bretagne: its 19 zones plus Redon, shared with Pays de la Loire.
    assert_eq!(zones.len(), 20, "{zones:?}");
    // The latent factor is standard normal on average.
    let m: f64 = s.truth.iter().map(|t| t.inclusiveness).sum::<f64>() / 5000.0;
    assert!(m.abs() < 0.1, "mean inclusiveness {m}");
}

#[test]
fn history_flags_come_from_the_corpus() {
    let (e, r) = baseline();
    let s = synth::generate(&e, &r, false).unwrap();
    let w0 = e.generator.window_start();
    let hires: Vec<_> = s
        .dataset
        .contracts
        .iter()
        .filter(|c| c.start >= w0 && c.nature != 29)
        .collect();
    let share = |f: &dyn Fn(&&engagement::model::Contract) -> bool| {
        hires.iter().filter(|c| f(c)).count() as f64 / hires.len() as f64
    };
    let noexp = share(&|c| c.no_prior_employment);
    let ltu = share(&|c| c.months_since_prev.is_some_and(|m| m >= 12));
    let iae = share(&|c| c.prior_iae_or_subsidised);
    assert!((0.03..0.40).contains(&noexp), "no experience {noexp}");
    assert!((0.01..0.30).contains(&ltu), "long unemployment {ltu}");
    assert!(iae > 0.002, "prior IAE {iae}");
}

fn run_generate(out: &Path, threads: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_engagement"))
        .args(["--quiet", "generate", "--out"])
        .arg(out)
        .env("POLARS_MAX_THREADS", threads)
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .unwrap()
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().display().to_string();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn same_seed_gives_identical_bytes_whatever_the_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    assert!(run_generate(&a, "1").status.success());
    assert!(run_generate(&b, "2").status.success());
    let (fa, fb) = (files(&a), files(&b));
    assert!(
        fa.len() >= 7,
        "{:?}",
        fa.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    assert_eq!(fa.len(), fb.len());
    for ((na, ba), (nb, bb)) in fa.iter().zip(&fb) {
        assert_eq!(na, nb);
        assert!(ba == bb, "{na} differs between runs");
    }
    // A refused overwrite leaves the first dataset untouched.
    let again = run_generate(&a, "1");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    assert_eq!(files(&a), fa);
}

#[test]
fn tables_round_trip_through_parquet_and_csv() {
    let (mut e, r) = baseline();
    e.generator.establishments = 200;
    let s = synth::generate(&e, &r, false).unwrap();
    for format in [
        engagement::tables::Format::Parquet,
        engagement::tables::Format::Csv,
    ] {
        let tmp = tempfile::tempdir().unwrap();
        engagement::tables::write_dataset(&s.dataset, tmp.path(), format).unwrap();
        let back = engagement::tables::read_dataset(tmp.path()).unwrap();
        assert_eq!(back, s.dataset, "{format:?}");
    }
}
