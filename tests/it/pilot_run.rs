//! A real pilot end to end, on a synthetic one: `generate --format dsn --pilot` writes the
//! DSN files, the exposure register, the awarded labels and the job-seeker cohort with NIRs;
//! `ingest` and `pseudonymise` share a key; `run` on `[data] source = "tables"` writes the
//! whole report with no truth and no simulated policy. Bad rows added to each evaluator
//! file are set aside with their reason and every count reconciles.

use engagement::report::results::{self as r, RunResults};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

fn bin() -> Command {
    let mut c = crate::common::bin();
    c.env_remove("ENGAGEMENT_KEY");
    c
}

fn ok(c: &mut Command, what: &str) -> f64 {
    let t = Instant::now();
    let o = c.output().unwrap();
    assert!(
        o.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let s = t.elapsed().as_secs_f64();
    eprintln!("{what}: {s:.2} s");
    s
}

const GENERATOR: &str = "[experiment]\nname = \"pilot-gen\"\nseed = 5\n\
[territory]\ndepartements = [\"35\"]\n\
[generator]\nestablishments = 150\nstart_year = 2022\nyears = 3\nburn_in_months = 12\n\
[retention]\niae_exits = 150\nlong_term_unemployed = 200\nyoung_unqualified = 150\n\
cohort_start = \"2023-01-01\"\nextraction_date = \"2024-12-31\"\n";

/// Appends lines to a CSV file.
fn append(path: &Path, lines: &[String]) {
    let mut text = std::fs::read_to_string(path).unwrap();
    for l in lines {
        text.push_str(l);
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

/// The first data row of a CSV file, split on commas.
fn first_row(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let line = text.lines().nth(1).unwrap();
    line.split(',').map(str::to_string).collect()
}

fn rows(path: &Path) -> usize {
    std::fs::read_to_string(path).unwrap().lines().count() - 1
}

/// Reasons of a rejects file (its `reason` column).
fn reasons(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let k = head.iter().position(|h| *h == "reason").unwrap();
    lines
        .map(|l| l.split(',').nth(k).unwrap().to_string())
        .collect()
}

fn experiment(dir: &Path, name: &str, register: &str) -> std::path::PathBuf {
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(
        &path,
        format!(
            "[experiment]\nname = \"{name}\"\nseed = 5\n[data]\nsource = \"tables\"\n\
             path = \"ingested\"\n[exposure]\nregister = \"{register}\"\n\
             [score]\nawarded = \"awarded.csv\"\n[retention]\ncohort = \"cohort.csv\"\n"
        ),
    )
    .unwrap();
    path
}

fn run(exp: &Path, reports: &Path) -> std::path::PathBuf {
    ok(
        bin()
            .arg("run")
            .arg(exp)
            .arg("--reports")
            .arg(reports)
            .args(["--run-id", "t", "-q"]),
        "run",
    );
    let name = exp.file_stem().unwrap().to_str().unwrap();
    reports.join(name).join("t")
}

fn results(dir: &Path) -> RunResults {
    RunResults::parse(&std::fs::read_to_string(dir.join("results.json")).unwrap()).unwrap()
}

/// The evaluator's files of the synthetic pilot, with bad rows added; returns the number
/// of rows each file had before.
fn prepare(tmp: &Path) -> [usize; 3] {
    std::fs::write(tmp.join("gen.toml"), GENERATOR).unwrap();
    let gen = tmp.join("gen");
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
            .arg(tmp.join("gen.toml"))
            .arg("--out")
            .arg(&gen),
        "generate --format dsn --pilot",
    );
    let key = tmp.join("key");
    std::fs::write(&key, "pilot-territory-shared-key-0001\n").unwrap();
    ok(
        bin()
            .args(["ingest", "-q", "--key-file"])
            .arg(&key)
            .arg("--out")
            .arg(tmp.join("ingested"))
            .arg(&gen),
        "ingest",
    );
    let (reg, awd, coh) = (
        tmp.join("register.csv"),
        tmp.join("awarded.csv"),
        gen.join("pilot/cohort.csv"),
    );
    std::fs::copy(gen.join("pilot/register.csv"), &reg).unwrap();
    std::fs::copy(gen.join("pilot/awarded.csv"), &awd).unwrap();
    let before = [rows(&reg), rows(&awd), rows(&coh)];
    // Register: an unknown SIRET, a duplicate, a date after the data, an impossible date.
    let r0 = first_row(&reg);
    let outside = unregistered_siret(&reg, &awd);
    let rest = r0[2..].join(",");
    append(
        &reg,
        &[
            format!("99999999999999,{},{rest}", r0[1]),
            r0.join(","),
            format!("{outside},2031-01-01,{rest}"),
            format!("{},2024-02-30,{rest}", r0[0]),
        ],
    );
    // Awarded labels: an unknown SIRET.
    let a0 = first_row(&awd);
    append(&awd, &[format!("99999999999999,{}", a0[1..].join(","))]);
    // Cohort (with NIRs): a duplicate person, an orientation after the extraction and a
    // malformed orientation date.
    let c0 = first_row(&coh);
    let mut late = c0.clone();
    late[1] = "2030-01-01".into();
    let mut malformed = c0.clone();
    malformed[1] = "2024-1-5x".into();
    append(&coh, &[c0.join(","), late.join(","), malformed.join(",")]);
    ok(
        bin()
            .args(["pseudonymise", "--key-file"])
            .arg(&key)
            .arg("--in")
            .arg(&coh)
            .args(["--id", "nir", "--out"])
            .arg(tmp.join("cohort.csv")),
        "pseudonymise",
    );
    before
}

/// A SIRET of the data that is not in the register: an awarded employer's.
fn unregistered_siret(reg: &Path, awd: &Path) -> String {
    let text = std::fs::read_to_string(reg).unwrap();
    let registered: Vec<&str> = text.lines().map(|l| l.split(',').next().unwrap()).collect();
    std::fs::read_to_string(awd)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .find(|s| !registered.contains(&s.as_str()))
        .expect("an awarded employer outside the register")
}

fn count(x: &r::DataSection, input: r::PilotInput) -> &r::InputCount {
    x.inputs.iter().find(|c| c.input == input).unwrap()
}

#[test]
fn a_synthetic_pilot_runs_from_dsn_files_to_the_report() {
    let t0 = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let [reg_rows, awd_rows, coh_rows] = prepare(tmp.path());
    let dir = run(
        &experiment(tmp.path(), "pilot", "register.csv"),
        &tmp.path().join("reports"),
    );
    let res = results(&dir);

    // Counts reconcile; every bad row is in its rejects file with a reason.
    let data = res.data.as_ref().unwrap();
    assert_eq!(data.source, r::DataSource::Dsn);
    for (input, rows, bad, file) in [
        (r::PilotInput::Register, reg_rows, 4, "register"),
        (r::PilotInput::Awarded, awd_rows, 1, "awarded"),
        (r::PilotInput::Cohort, coh_rows, 3, "cohort"),
    ] {
        let c = count(data, input);
        assert_eq!(c.read, c.kept + c.rejected, "{file}");
        assert_eq!(
            (c.read, c.rejected),
            ((rows + bad) as u64, bad as u64),
            "{file}"
        );
        assert_eq!(
            reasons(&dir.join("rejects").join(format!("{file}.csv"))).len(),
            bad
        );
    }
    let reg = reasons(&dir.join("rejects/register.csv"));
    assert!(reg.contains(&"unknown_siret".to_string()), "{reg:?}");
    assert!(reg.contains(&"duplicate".to_string()), "{reg:?}");
    assert!(reg.contains(&"outside_window".to_string()), "{reg:?}");
    assert!(reg.contains(&"malformed_date".to_string()), "{reg:?}");
    assert_eq!(reasons(&dir.join("rejects/awarded.csv")), ["unknown_siret"]);
    let coh = reasons(&dir.join("rejects/cohort.csv"));
    assert!(coh.contains(&"duplicate".to_string()), "{coh:?}");
    assert!(coh.contains(&"after_extraction".to_string()), "{coh:?}");
    assert!(coh.contains(&"malformed_date".to_string()), "{coh:?}");

    // Exposure on the register's randomised assignment: every estimator, no truth.
    let e = res.exposure.as_ref().unwrap();
    assert_eq!(e.design.kind, r::Design::Randomised);
    assert_eq!(e.design.true_effect, None);
    assert!(e.monte_carlo.is_empty());
    assert_eq!(e.trajectories.len(), 2);
    assert!(!e.event_study.is_empty() && !e.cs_dynamic.is_empty());
    let est = |k| e.estimates.iter().find(|x| x.key == k);
    for k in [
        r::Estimator::Twfe,
        r::Estimator::CsSimple,
        r::Estimator::MatchedDid,
    ] {
        assert!(est(k).is_some_and(|x| x.estimate.is_finite()), "{k:?}");
    }
    let ri = est(r::Estimator::DifferenceInMeansChange).unwrap();
    assert!(ri.p_value.is_some_and(|p| (0.0..=1.0).contains(&p)));
    assert_eq!(
        e.design.n_exposed + e.design.n_comparison,
        e.design.n_eligible
    );

    // Awarded against computed labels.
    let s = res.score.as_ref().unwrap();
    assert!(!s.awarded.is_empty());

    // Linked cohort: return to work at 3, 6, 12 months and retention at 6 and 12 months.
    let x = res.retention.as_ref().unwrap();
    let l = x.linked.as_ref().unwrap();
    assert_eq!(l.persons, count(data, r::PilotInput::Cohort).kept);
    assert!(l.hired > 0 && l.hired <= l.in_dsn && l.in_dsn <= l.persons);
    let horizons: Vec<u32> = x.return_to_work.iter().map(|w| w.horizon_days).collect();
    assert_eq!(horizons, [91, 182, 365]);
    assert!(x
        .return_to_work
        .windows(2)
        .all(|w| w[0].incidence <= w[1].incidence));
    assert!(x
        .by_policy
        .iter()
        .all(|h| matches!(h.arm, r::Arm::Labelled | r::Arm::Other) && h.truth.is_none()));
    assert!(x.by_policy.iter().any(|h| h.horizon_days == 182));
    assert!(x.by_policy.iter().any(|h| h.horizon_days == 365));
    assert!(x.risk_differences.iter().all(|d| d.truth.is_none()));
    assert!(x.km_by_policy.is_empty() && x.cohorts.is_empty());

    // As a synthetic run: example employer sheets (one of an exposed employer) and the
    // counsellors' page.
    assert!(!e.example_sheets.is_empty());
    assert!(dir.join("counsellors.html").is_file());
    assert!(dir.join("sheets/example-1.html").is_file());

    // No truth column, in French and in English; no NIR anywhere in the run folder. The
    // summary's retention rows are by hiring employer (no orientation policy was simulated),
    // and return to work at 6 and 12 months is a headline figure.
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(
        !md.contains("Vérité") && !md.contains("Effet vrai"),
        "truth in the report"
    );
    assert!(!md.contains("Politique") && !md.contains("politique d'orientation"));
    assert!(md.contains("Employeur qui embauche"));
    assert!(
        md.contains("Retour à l'emploi à 6 mois") && md.contains("Retour à l'emploi à 12 mois")
    );
    ok(
        bin().arg("report").arg(&dir).args(["--lang", "en"]),
        "report --lang en",
    );
    let en = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(en.contains("Return to work") && !en.contains("| Truth"));
    assert!(en.contains("Back to work at 6 months") && en.contains("Back to work at 12 months"));
    assert!(en.contains("Hiring employer") && !en.contains("| Policy"));
    let nirs: Vec<String> = std::fs::read_to_string(tmp.path().join("gen/pilot/cohort.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .take(50)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    for f in walk(&dir) {
        let bytes = std::fs::read(&f).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            nirs.iter().all(|n| !text.contains(n.as_str())),
            "a NIR in {}",
            f.display()
        );
    }

    // An observational register (exposed rows only, no arm): matched comparison, no
    // randomisation inference.
    let obs = tmp.path().join("register_obs.csv");
    let text = std::fs::read_to_string(tmp.path().join("gen/pilot/register.csv")).unwrap();
    let mut lines = vec!["siret,exposed_on".to_string()];
    lines.extend(text.lines().skip(1).filter_map(|l| {
        let f: Vec<&str> = l.split(',').collect();
        (!f[1].is_empty()).then(|| format!("{},{}", f[0], f[1]))
    }));
    std::fs::write(&obs, lines.join("\n") + "\n").unwrap();
    let dir = run(
        &experiment(tmp.path(), "observational", "register_obs.csv"),
        &tmp.path().join("reports"),
    );
    let e = results(&dir).exposure.unwrap();
    assert_eq!(e.design.kind, r::Design::Observational);
    assert!(e
        .estimates
        .iter()
        .any(|x| x.key == r::Estimator::MatchedDid));
    assert!(!e
        .estimates
        .iter()
        .any(|x| x.key == r::Estimator::DifferenceInMeansChange));

    // `compare` on two real-data runs (two experiments on the same tables).
    let o = bin()
        .arg("compare")
        .arg(tmp.path().join("reports/pilot/t"))
        .arg(&dir)
        .arg("--allow-different")
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "compare: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    eprintln!("whole chain: {:.2} s", t0.elapsed().as_secs_f64());
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
