//! A synthetic pilot evaluated as a real one gives the synthetic run's numbers.
//!
//! One experiment and seed feed both paths:
//! - `engagement run` on the synthetic experiment (scores, exposure study, simulated cohort);
//! - `generate --format dsn --pilot` on the same experiment: the DSN of the exposed world
//!   the run evaluates, with the simulated cohort's jobs; the exposure register (the run's
//!   assignment); the awarded labels (the placement employers' labels); the cohort with NIRs.
//!   Then `ingest` and `pseudonymise` with one key, and `run` on `[data] source = "tables"`.
//!
//! Both paths compute from the same rows, so the figures must be equal, not close:
//! - **Return to work and retention**: the cohort's jobs in the DSN are the simulated ones
//!   (start = entry + delay, end = start + tenure − 1), the awarded labels group them as the
//!   simulation groups its hires, and both paths share the estimators (Kaplan–Meier,
//!   log-rank, Cox, IPW with the same bootstrap stream) on the same covariates in the same
//!   order. Compared bit for bit.
//! - **Exposure and scores**: the DSN also carries the cohort's jobs, which the synthetic
//!   run does not score (its cohort is simulated on top of the world, from the labels the
//!   world gives), so the scores of the full DSN are not those of the run's exposed world.
//!   Removing the cohort's persons (their pseudonyms are in the pseudonymised cohort) from
//!   the ingested tables leaves the exposed world as it went through DSN and ingest: its
//!   score tables must be byte for byte the run's `research/<run>/exposed/` tables, and the
//!   exposure evaluation on the register (every estimate, standard error, interval,
//!   p-value, event-study and Callaway–Sant'Anna point, trajectory) must equal the run's.
//!
//! No tolerance is used: nothing here is Monte Carlo noise between the paths, since the
//! bootstrap and randomisation draws use the same seeds on the same data.

use engagement::report::results::{self as r, RunResults};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    let mut c = crate::common::bin();
    c.env_remove("ENGAGEMENT_KEY");
    c
}

fn ok(c: &mut Command, what: &str) {
    let t = std::time::Instant::now();
    let o = c.output().unwrap();
    assert!(
        o.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    eprintln!("{what}: {:.2} s", t.elapsed().as_secs_f64());
}

/// The synthetic experiment: small, with every stage. `ipw_bootstrap` is small to keep the
/// test fast; the real experiment uses the same, with the same extraction date.
const SYNTHETIC: &str = "[experiment]\nname = \"synthetic\"\nseed = 5\n\
[territory]\ndepartements = [\"35\"]\n\
[generator]\nestablishments = 150\nstart_year = 2022\nyears = 3\nburn_in_months = 12\n\
[retention]\niae_exits = 150\nlong_term_unemployed = 200\nyoung_unqualified = 150\n\
cohort_start = \"2023-01-01\"\nextraction_date = \"2024-12-31\"\nipw_bootstrap = 20\n";

/// A real-data experiment on `tables`, with the files given (relative to `dir`).
fn real_experiment(dir: &Path, name: &str, tables: &str, cohort: bool) -> PathBuf {
    let mut text = format!(
        "[experiment]\nname = \"{name}\"\nseed = 5\n[data]\nsource = \"tables\"\n\
         path = \"{tables}\"\n[exposure]\nregister = \"gen/pilot/register.csv\"\n"
    );
    if cohort {
        text.push_str(
            "[score]\nawarded = \"gen/pilot/awarded.csv\"\n[retention]\n\
             cohort = \"cohort.csv\"\nextraction_date = \"2024-12-31\"\nipw_bootstrap = 20\n",
        );
    }
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs an experiment; returns its report folder and its research folder.
fn run(exp: &Path, reports: &Path, id: &str) -> (PathBuf, PathBuf) {
    ok(
        bin()
            .arg("run")
            .arg(exp)
            .arg("--reports")
            .arg(reports)
            .args(["--no-cache", "-q", "--run-id", id]),
        &format!("run {}", exp.display()),
    );
    let name = exp.file_stem().unwrap().to_str().unwrap();
    (
        reports.join(name).join(id),
        reports.join(name).join("research").join(id),
    )
}

fn results(dir: &Path) -> RunResults {
    RunResults::parse(&std::fs::read_to_string(dir.join("results.json")).unwrap()).unwrap()
}

/// The pseudonyms of the pseudonymised cohort (its first column, `person_id`).
fn cohort_pseudonyms(path: &Path) -> HashSet<u64> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("person_id,"));
    lines
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect()
}

/// The ingested tables without the cohort's persons: the exposed world after DSN and ingest.
fn without_cohort(ingested: &Path, cohort: &HashSet<u64>, out: &Path) -> usize {
    let mut ds = engagement::tables::read_dataset(ingested).unwrap();
    let before = ds.persons.len();
    ds.persons.retain(|p| !cohort.contains(&p.person_id));
    ds.contracts.retain(|c| !cohort.contains(&c.person_id));
    ds.stoppages.retain(|s| !cohort.contains(&s.person_id));
    std::fs::create_dir_all(out).unwrap();
    engagement::tables::write_dataset(&ds, out, engagement::tables::Format::Parquet).unwrap();
    before - ds.persons.len()
}

/// A CSV file's lines, sorted (the header first).
fn sorted_lines(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[1..].sort();
    lines
}

/// What both paths report of an estimate (not the truth, known only to the synthetic run).
fn estimate(e: &r::NamedEstimate) -> (r::Estimator, [f64; 4], Option<f64>) {
    (e.key, [e.estimate, e.se, e.ci_lower, e.ci_upper], e.p_value)
}

fn exposure_figures(e: &r::ExposureSection) -> String {
    e.estimates
        .iter()
        .map(|x| format!("{:?} {:.6} (SE {:.6})", x.key, x.estimate, x.se))
        .collect::<Vec<_>>()
        .join("; ")
}

fn assert_same_exposure(syn: &r::ExposureSection, real: &r::ExposureSection) {
    let (a, b) = (&syn.design, &real.design);
    assert_eq!(
        (
            a.kind,
            &a.baseline_period,
            a.n_eligible,
            a.n_exposed,
            a.n_comparison
        ),
        (
            b.kind,
            &b.baseline_period,
            b.n_eligible,
            b.n_exposed,
            b.n_comparison
        )
    );
    let syn_est: Vec<_> = syn.estimates.iter().map(estimate).collect();
    let real_est: Vec<_> = real.estimates.iter().map(estimate).collect();
    assert_eq!(syn_est, real_est);
    assert_eq!(syn.event_study, real.event_study);
    assert_eq!(syn.pretrend, real.pretrend);
    assert_eq!(syn.cs_dynamic, real.cs_dynamic);
    assert_eq!(syn.trajectories, real.trajectories);
    assert_eq!(syn.balance, real.balance);
}

/// Retention by label group of the simulated cohort and of the linked one.
fn assert_same_retention(syn: &r::RetentionSection, real: &r::RetentionSection) {
    // Return to work at 3, 6 and 12 months of everyone.
    assert_eq!(syn.return_to_work.len(), 3);
    assert_eq!(syn.return_to_work, real.return_to_work);
    // Kaplan–Meier by label group of the hiring employer, and the log-rank test.
    assert!(syn.km_by_group.len() == 2);
    assert_eq!(syn.km_by_group, real.km_by_group);
    assert_eq!(syn.logrank, real.logrank);
    // Naive and IPW differences labelled − other at 6 and 12 months.
    let diffs = |x: &r::RetentionSection, c: r::Contrast| {
        let mut v = x
            .risk_differences
            .iter()
            .filter(|d| d.comparison == c)
            .map(|d| {
                (
                    format!("{:?}", d.method),
                    d.horizon_days,
                    [d.difference, d.se, d.ci_lower, d.ci_upper],
                )
            })
            .collect::<Vec<_>>();
        v.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        v
    };
    let s = diffs(syn, r::Contrast::LabelledVsOther);
    assert_eq!(s.len(), 4, "naive and IPW at 182 and 365 days: {s:?}");
    assert_eq!(s, diffs(real, r::Contrast::CohortLabelledVsOther));
    // Cox on the label group and the cohort's covariates (named differently: the simulation
    // names its indicators, the cohort file's `cohort` column is expanded by level).
    let (sc, rc) = (syn.cox.as_ref().unwrap(), real.cox.as_ref().unwrap());
    assert_eq!((sc.n, sc.events), (rc.n, rc.events));
    let coefs = |c: &r::CoxTable| {
        c.terms
            .iter()
            .map(|t| [t.coef, t.se, t.p_value])
            .collect::<Vec<_>>()
    };
    assert_eq!(coefs(sc), coefs(rc));
}

#[test]
fn a_synthetic_pilot_evaluated_from_its_dsn_gives_the_synthetic_run() {
    let t0 = std::time::Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let reports = dir.join("reports");
    std::fs::write(dir.join("synthetic.toml"), SYNTHETIC).unwrap();
    let (syn_dir, syn_research) = run(&dir.join("synthetic.toml"), &reports, "syn");

    // The pilot's files, as an evaluator receives them.
    let gen = dir.join("gen");
    ok(
        bin()
            .args([
                "generate",
                "-q",
                "--format",
                "dsn",
                "--pilot",
                "--experiment",
            ])
            .arg(dir.join("synthetic.toml"))
            .arg("--out")
            .arg(&gen),
        "generate --pilot",
    );
    let key = dir.join("key");
    std::fs::write(&key, "pilot-crosscheck-key-0001\n").unwrap();
    ok(
        bin()
            .args(["ingest", "-q", "--key-file"])
            .arg(&key)
            .arg("--out")
            .arg(dir.join("ingested"))
            .arg(&gen),
        "ingest",
    );
    ok(
        bin()
            .args(["pseudonymise", "-q", "--key-file"])
            .arg(&key)
            .arg("--in")
            .arg(gen.join("pilot/cohort.csv"))
            .args(["--id", "nir", "--out"])
            .arg(dir.join("cohort.csv")),
        "pseudonymise",
    );

    // Return to work and retention, from the whole DSN.
    let (real_dir, _) = run(
        &real_experiment(dir, "pilot", "ingested", true),
        &reports,
        "real",
    );
    let (syn, real) = (results(&syn_dir), results(&real_dir));
    let data = real.data.as_ref().unwrap();
    assert!(
        data.inputs.iter().all(|c| c.rejected == 0),
        "{:?}",
        data.inputs
    );
    let (sx, rx) = (syn.retention.unwrap(), real.retention.unwrap());
    assert_same_retention(&sx, &rx);
    let hired: u64 = sx.cohorts.iter().map(|c| c.n_hired).sum();
    let linked = rx.linked.as_ref().unwrap();
    assert_eq!(
        (linked.hired, linked.hired_in_window, linked.in_dsn),
        (hired, hired, hired)
    );

    // Exposure and scores, from the exposed world as it went through DSN and ingest.
    let cohort = cohort_pseudonyms(&dir.join("cohort.csv"));
    let removed = without_cohort(&dir.join("ingested"), &cohort, &dir.join("exposed"));
    assert_eq!(
        removed as u64, hired,
        "the cohort's persons in the DSN are its hires"
    );
    let (exp_dir, exp_research) = run(
        &real_experiment(dir, "exposure", "exposed", false),
        &reports,
        "real",
    );
    for table in ["scores.csv", "indicators.csv"] {
        assert_eq!(
            sorted_lines(&syn_research.join("exposed").join(table)),
            sorted_lines(&exp_research.join(table)),
            "{table}"
        );
    }
    let syn_e = syn.exposure.as_ref().unwrap();
    let exp_e = results(&exp_dir).exposure.unwrap();
    assert_same_exposure(syn_e, &exp_e);
    // On the whole DSN the cohort's hires enter the scores: the same design, other numbers.
    let full_e = real.exposure.as_ref().unwrap();
    assert_eq!(syn_e.design.n_exposed, full_e.design.n_exposed);

    eprintln!("synthetic run:          {}", exposure_figures(syn_e));
    eprintln!("pilot, exposed world:   {}", exposure_figures(&exp_e));
    eprintln!("pilot, with the cohort: {}", exposure_figures(full_e));
    for (s, r) in sx.return_to_work.iter().zip(&rx.return_to_work) {
        eprintln!(
            "return to work {} d: synthetic {:.6}, pilot {:.6}",
            s.horizon_days, s.incidence, r.incidence
        );
    }
    for (s, r) in sx.km_by_group.iter().zip(&rx.km_by_group) {
        for h in [182.0, 365.0] {
            let at = |c: &r::KmCurve| c.points.iter().find(|p| p.t == h).map(|p| p.survival);
            eprintln!(
                "retention {:?} {h} d: synthetic {:?}, pilot {:?}",
                s.arm,
                at(s),
                at(r)
            );
        }
    }
    eprintln!("whole cross-check: {:.2} s", t0.elapsed().as_secs_f64());
}
