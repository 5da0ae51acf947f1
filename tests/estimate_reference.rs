//! Agreement of the estimators with pyfixest 0.60.0 and csdid 0.4.3 (R `did` conventions) on
//! the committed fixture panels, to 1e-6. Reference values: tests/reference/estimate/
//! make_reference.py → reference.json.

use engagement::estimate::event_study::{event_study, EventStudyOptions};
use engagement::estimate::twfe::{twfe, DofConvention};
use engagement::estimate::Panel;
use serde_json::Value;
use std::path::Path;

const TOL: f64 = 1e-6;

fn reference() -> Value {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/estimate/reference.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Reads a fixture CSV (unit,time,y,cohort,x1,x2; cohort 0 = never).
pub fn fixture(name: &str) -> Panel {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/estimate")
        .join(name);
    let text = std::fs::read_to_string(path).unwrap();
    let (mut u, mut t, mut y, mut g, mut x1, mut x2) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        u.push(f[0].to_string());
        t.push(f[1].parse::<i64>().unwrap());
        y.push(f[2].parse::<f64>().unwrap());
        let c: i64 = f[3].parse().unwrap();
        g.push((c != 0).then_some(c));
        x1.push(f[4].parse::<f64>().unwrap());
        x2.push(f[5].parse::<f64>().unwrap());
    }
    Panel::new(&u, &t, &y, &g, vec![("x1".into(), x1), ("x2".into(), x2)]).unwrap()
}

fn close(what: &str, a: f64, b: &Value) {
    let b = b
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: reference {b} is not a number"));
    assert!(
        (a - b).abs() <= TOL * (1.0 + b.abs()),
        "{what}: ours {a} vs reference {b} (diff {:e})",
        a - b
    );
}

#[test]
fn twfe_matches_pyfixest() {
    let r = reference();
    for name in ["balanced", "unbalanced"] {
        let p = fixture(&format!("{name}.csv"));
        let ours = twfe(&p, DofConvention::Fixest).unwrap();
        let re = &r[name]["twfe"];
        close(&format!("{name} att"), ours.att, &re["att"]);
        close(&format!("{name} se"), ours.se, &re["se"]);
        close(&format!("{name} ci lo"), ours.ci95[0], &re["ci95"][0]);
        close(&format!("{name} ci hi"), ours.ci95[1], &re["ci95"][1]);
        close(&format!("{name} p"), ours.p_value, &re["p_value"]);
        assert_eq!(ours.n_obs as u64, re["n_obs"].as_u64().unwrap());
        assert_eq!(ours.n_clusters as u64, re["n_clusters"].as_u64().unwrap());
        // linearmodels counts every unit effect: a strictly larger SE.
        let lm = twfe(&p, DofConvention::Linearmodels).unwrap();
        assert!(lm.se > ours.se * 1.01);
    }
}

#[test]
fn event_study_and_wald_match_pyfixest() {
    let r = reference();
    for name in ["balanced", "unbalanced"] {
        let p = fixture(&format!("{name}.csv"));
        let es = event_study(&p, &EventStudyOptions::default()).unwrap();
        let re = r[name]["event_study"].as_array().unwrap();
        assert_eq!(es.coefs.len(), re.len());
        for (c, e) in es.coefs.iter().zip(re) {
            assert_eq!(c.rel_time, e["rel_time"].as_i64().unwrap());
            close(
                &format!("{name} es {}", c.rel_time),
                c.estimate,
                &e["estimate"],
            );
            close(&format!("{name} es se {}", c.rel_time), c.se, &e["se"]);
        }
        let w = es.pretrend.unwrap();
        let rw = &r[name]["pretrend_wald"];
        close("F", w.statistic, &rw["statistic"]);
        close("W", w.chi2, &rw["chi2"]);
        close("p", w.p_value, &rw["p_value"]);
        close("p chi2", w.p_value_chi2, &rw["p_value_chi2"]);
        assert_eq!(w.df as u64, rw["df"].as_u64().unwrap());
        assert_eq!(w.df2 as u64, rw["df2"].as_u64().unwrap());
    }
}
