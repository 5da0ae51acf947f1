//! The generator on the default experiment: calibration targets (and a corrupted generator
//! that fails them), determinism, and a ground truth with structure.

use engagement::config::Experiment;
use engagement::reference::Reference;
use engagement::score::ScoreOutput;
use engagement::stats::describe::spearman;
use engagement::synth::{self, Synthetic};
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

fn baseline() -> (Experiment, Reference) {
    let r = Reference::load();
    let e = Experiment::from_file(Path::new("experiments/baseline.toml"), &r).unwrap();
    (e, r)
}

/// The default experiment's data and scores, generated once for every test that reads them.
pub(crate) fn baseline_world() -> &'static (Experiment, Reference, Synthetic, ScoreOutput) {
    static WORLD: OnceLock<(Experiment, Reference, Synthetic, ScoreOutput)> = OnceLock::new();
    WORLD.get_or_init(|| {
        let (e, r) = baseline();
        let s = synth::generate(&e, &r, false).unwrap();
        let scores = engagement::score::run(&s.dataset, &e.score, &r).unwrap();
        (e, r, s, scores)
    })
}

#[test]
fn default_experiment_meets_calibration_targets() {
    let (e, r, s, _) = baseline_world();
    let cal = synth::calibration::check(&s.dataset, &e.generator, r);
    assert!(
        cal.all_within_tolerance(),
        "outside tolerance: {:?}\n{}",
        cal.failures(),
        cal.table()
    );
    assert_eq!(cal.rows.len(), 25);
    // Retention by contract type is among the targets (B6 by reason, sector and age; E6).
    for key in [
        "cdi_trial_end_within_year",
        "cdi_ended_within_year_hotels",
        "cdi_ended_within_year_under_25",
        "apprenticeship_broken",
    ] {
        assert!(cal.rows.iter().any(|r| r.key == key), "{key}");
    }
}

/// The generator with one parameter zeroed (no establishment of 250+, no BOETH) must fail
/// exactly the targets those parameters feed, which a tolerance of ±0.04 on a 0.5% share
/// would have let pass.
#[test]
fn a_corrupted_generator_fails_calibration() {
    let (mut e, r) = baseline();
    e.generator.size_band_shares = [0.795, 0.17, 0.035, 0.0];
    e.generator.boeth_share = 0.0;
    let s = synth::generate(&e, &r, false).unwrap();
    let cal = synth::calibration::check(&s.dataset, &e.generator, &r);
    let failed = cal.failures();
    eprintln!("corrupted generator, rows outside tolerance: {failed:?}");
    assert!(failed.contains(&"size_band_250+"), "{}", cal.table());
    assert!(failed.contains(&"boeth_share_20plus"), "{}", cal.table());
    let row = |k: &str| cal.rows.iter().find(|x| x.key == k).unwrap().realised;
    // A few establishments of 50–249 positions may average 250 with their short CDDs.
    assert!(row("size_band_250+") < 0.001);
    assert!(row("boeth_share_20plus") < 0.01);
}

#[test]
fn tables_are_consistent_and_truth_is_separate() {
    let (e, r, s, _) = baseline_world();
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
    // The latent traits are standard normal on average.
    for (name, f) in [
        (
            "openness",
            (|t| t.openness) as fn(&synth::EstablishmentTruth) -> f64,
        ),
        ("job quality", |t| t.job_quality),
        ("working conditions", |t| t.working_conditions),
    ] {
        let m: f64 = s.truth.iter().map(f).sum::<f64>() / 5000.0;
        assert!(m.abs() < 0.1, "mean {name} {m}");
    }
}

fn mean_of(v: impl Iterator<Item = f64>) -> f64 {
    let (s, n) = v.fold((0.0, 0.0), |(s, n), x| (s + x, n + 1.0));
    s / n
}

/// The truth is an outcome with trade-offs, not a latent factor in disguise.
#[test]
fn the_outcome_truth_has_structure() {
    let (e, _, s, _) = baseline_world();
    let t = &s.truth;
    for x in t {
        assert!((0.0..=1.0).contains(&x.fragile_hire_share), "{x:?}");
        assert!(
            x.fragile_retention_12m <= x.fragile_retention_6m + 1e-12,
            "{x:?}"
        );
        assert!((x.outcome - x.fragile_hire_share * x.fragile_retention_12m).abs() < 1e-12);
    }
    let col = |f: fn(&synth::EstablishmentTruth) -> f64| t.iter().map(f).collect::<Vec<_>>();
    let rho = |a, b| spearman(&col(a), &col(b)).unwrap();
    // Openness drives the fragile share, but the outcome also depends on retention.
    assert!(rho(|x| x.openness, |x| x.fragile_hire_share) > 0.8);
    let r_open = rho(|x| x.openness, |x| x.outcome);
    assert!((0.4..0.9).contains(&r_open), "outcome ~ openness {r_open}");
    assert!(rho(|x| x.job_quality, |x| x.fragile_retention_12m) > 0.3);
    assert!(rho(|x| x.working_conditions, |x| x.fragile_retention_12m) > 0.15);
    assert!(rho(|x| x.seasonality, |x| x.fragile_retention_12m) < -0.1);
    // Gamers hire more fragile people and keep far fewer of them.
    let gamers = t.iter().filter(|x| x.gamer).count() as f64 / t.len() as f64;
    assert!((gamers - e.generator.gamer_share).abs() < 0.015, "{gamers}");
    let by = |g: bool, f: fn(&synth::EstablishmentTruth) -> f64| {
        mean_of(t.iter().filter(|x| x.gamer == g).map(f))
    };
    assert!(by(true, |x| x.fragile_hire_share) > by(false, |x| x.fragile_hire_share) + 0.1);
    assert!(by(true, |x| x.fragile_retention_12m) < 0.7 * by(false, |x| x.fragile_retention_12m));
    // OETH churners exist only from 20 positions and keep fewer of their fragile hires.
    assert!(t.iter().all(|x| !x.oeth_churner || x.slots >= 20));
    let churn = |c: bool| {
        mean_of(
            t.iter()
                .filter(|x| x.slots >= 20 && !x.gamer && x.oeth_churner == c)
                .map(|x| x.fragile_retention_12m),
        )
    };
    assert!(
        churn(true) < churn(false),
        "{} vs {}",
        churn(true),
        churn(false)
    );
}

#[test]
fn gamers_cut_fragile_hires_just_after_six_months() {
    let (e, _, s, _) = baseline_world();
    let gamer: std::collections::HashSet<u64> = s
        .truth
        .iter()
        .filter(|t| t.gamer)
        .map(|t| t.siret)
        .collect();
    let w0 = e.generator.window_start();
    let share_cut = |g: bool| {
        let hires: Vec<_> = s
            .dataset
            .contracts
            .iter()
            .filter(|c| c.start >= w0 && c.nature == 1 && gamer.contains(&c.siret) == g)
            .filter(|c| c.start.add_days(365) <= s.dataset.coverage.end)
            .collect();
        let cut = hires
            .iter()
            .filter(|c| {
                c.actual_end.is_some_and(|d| {
                    let k = c.start.days_until(d);
                    (183..335).contains(&k)
                })
            })
            .count();
        cut as f64 / hires.len() as f64
    };
    assert!(
        share_cut(true) > 2.0 * share_cut(false),
        "{} vs {}",
        share_cut(true),
        share_cut(false)
    );
}

#[test]
fn history_flags_come_from_the_corpus() {
    let (e, _, s, _) = baseline_world();
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
    let tmp = tempfile::tempdir().unwrap();
    let mut df = synth::truth_df(&s.truth).unwrap();
    let path = tmp.path().join("establishments_truth.parquet");
    engagement::tables::write_df(&mut df, &path, engagement::tables::Format::Parquet).unwrap();
    assert_eq!(synth::read_truth(tmp.path()).unwrap(), s.truth);
}
