//! Invalid experiment files: one clear error naming the key and the allowed values.

use engagement::config::Experiment;
use engagement::reference::Reference;
use std::path::Path;
use std::process::Command;

const BASE: &str = r#"
[experiment]
name = "t"
seed = 1
[territory]
departements = ["35"]
"#;

fn err(extra: &str) -> String {
    let text = format!("{BASE}{extra}");
    Experiment::from_toml(&text, Path::new("t.toml"), &Reference::load())
        .map(|_| ())
        .unwrap_err()
        .to_string()
}

#[test]
fn valid_minimal_experiment() {
    let e = Experiment::from_toml(BASE, Path::new("t.toml"), &Reference::load()).unwrap();
    assert_eq!(e.generator.establishments, 5000);
    assert_eq!(e.hash.len(), 64);
}

#[test]
fn unknown_key() {
    let m = err("[generator]\nestablishment = 3\n");
    assert!(
        m.contains("unknown field `establishment`") && m.contains("line 8"),
        "{m}"
    );
    assert!(m.contains("establishments"), "lists the allowed keys: {m}");
}

#[test]
fn negative_count() {
    let m = err("[generator]\nestablishments = -5\n");
    assert!(
        m.contains("generator.establishments") && m.contains("got -5") && m.contains("1..=2000000"),
        "{m}"
    );
}

#[test]
fn unknown_departement() {
    let text = BASE.replace("[\"35\"]", "[\"35\", \"99\"]");
    let m = Experiment::from_toml(&text, Path::new("t.toml"), &Reference::load())
        .unwrap_err()
        .to_string();
    assert!(
        m.contains("territory.departements[1]") && m.contains("\"99\""),
        "{m}"
    );
}

#[test]
fn wrong_type() {
    let m = err("[generator]\nyears = \"five\"\n");
    assert!(
        m.contains("`generator.years`") && m.contains("expected an integer"),
        "{m}"
    );
}

#[test]
fn years_out_of_range() {
    let m = err("[generator]\nyears = 40\n");
    assert!(m.contains("generator.years") && m.contains("1..=10"), "{m}");
    let m = err("[generator]\nstart_year = 1990\n");
    assert!(
        m.contains("generator.start_year") && m.contains("2000..=2035"),
        "{m}"
    );
}

#[test]
fn cli_refuses_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let exp = tmp.path().join("bad.toml");
    std::fs::write(&exp, format!("{BASE}[generator]\nestablishments = -5\n")).unwrap();
    let out = tmp.path().join("out");
    let o = Command::new(env!("CARGO_BIN_EXE_engagement"))
        .args(["generate", "--experiment"])
        .arg(&exp)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(!o.status.success());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("generator.establishments"), "{stderr}");
    assert!(!out.exists(), "nothing written");
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        1,
        "no temporary left behind"
    );
}

#[test]
fn every_shipped_experiment_is_valid() {
    let r = Reference::load();
    let mut n = 0;
    for entry in std::fs::read_dir("experiments").unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "toml") {
            Experiment::from_file(&p, &r).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            n += 1;
        }
    }
    assert!(n >= 2);
}
