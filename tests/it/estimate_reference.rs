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
        // linearmodels counts every unit effect: a larger SE, matching PanelOLS.
        let lm = twfe(&p, DofConvention::Linearmodels).unwrap();
        assert!(lm.se > ours.se * 1.01);
        close(
            &format!("{name} linearmodels att"),
            lm.att,
            &r[name]["twfe_linearmodels"]["att"],
        );
        close(
            &format!("{name} linearmodels se"),
            lm.se,
            &r[name]["twfe_linearmodels"]["se"],
        );
    }
}

#[test]
fn binned_event_study_matches_pyfixest() {
    let r = reference();
    let p = fixture("balanced.csv");
    let es = event_study(
        &p,
        &EventStudyOptions {
            bin: Some((-3, 3)),
            ..Default::default()
        },
    )
    .unwrap();
    let re = r["balanced"]["event_study_binned_m3_p3"]
        .as_array()
        .unwrap();
    assert_eq!(es.coefs.len(), re.len());
    assert_eq!(es.coefs.first().unwrap().rel_time, -3);
    for (c, e) in es.coefs.iter().zip(re) {
        assert_eq!(c.rel_time, e["rel_time"].as_i64().unwrap());
        close(
            &format!("binned es {}", c.rel_time),
            c.estimate,
            &e["estimate"],
        );
        close(&format!("binned es se {}", c.rel_time), c.se, &e["se"]);
    }
    assert!(event_study(
        &p,
        &EventStudyOptions {
            bin: Some((-1, 3)),
            ..Default::default()
        }
    )
    .is_err());
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

/// The pipeline's headline pre-trend test (leads before −4 binned into −4) against pyfixest's
/// TWFE on the binned lead dummies: the statistic by hand with fixest's `wald()` convention and
/// pyfixest's own `wald_test` (χ²(q) on a subset of coefficients).
#[test]
fn binned_pretrend_matches_pyfixest() {
    use engagement::estimate::event_study::{binned_pretrend, HEADLINE_BIN_BELOW};
    let r = reference();
    for name in ["balanced", "unbalanced"] {
        let p = fixture(&format!("{name}.csv"));
        let b = binned_pretrend(&p, HEADLINE_BIN_BELOW, DofConvention::Fixest)
            .unwrap()
            .unwrap();
        let rw = &r[name]["pretrend_wald_binned_m4"];
        let ints = |v: &Value| -> Vec<i64> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_i64().unwrap())
                .collect()
        };
        assert_eq!(b.below, rw["below"].as_i64().unwrap(), "{name}");
        assert_eq!(b.binned, ints(&rw["binned"]), "{name}");
        assert_eq!(b.leads, ints(&rw["leads"]), "{name}");
        let w = &b.wald;
        close(&format!("{name} binned F"), w.statistic, &rw["statistic"]);
        close(&format!("{name} binned W"), w.chi2, &rw["chi2"]);
        close(&format!("{name} binned p"), w.p_value, &rw["p_value"]);
        close(
            &format!("{name} binned p chi2"),
            w.p_value_chi2,
            &rw["p_value_chi2"],
        );
        let pf = &rw["pyfixest_wald_test"];
        close(
            &format!("{name} binned W (pyfixest)"),
            w.chi2,
            &pf["statistic"],
        );
        close(
            &format!("{name} binned p (pyfixest)"),
            w.p_value_chi2,
            &pf["p_value"],
        );
        assert_eq!(w.df as u64, rw["df"].as_u64().unwrap());
        assert_eq!(w.df2 as u64, rw["df2"].as_u64().unwrap());
    }
}

use engagement::estimate::cs::{
    callaway_santanna, BasePeriod, Control, CsOptions, CsResult, Method,
};

fn check_cs(case: &str, ours: &CsResult, re: &Value) {
    let gt = re["group_time"].as_array().unwrap();
    assert_eq!(ours.group_time.len(), gt.len(), "{case}: number of cells");
    for (c, e) in ours.group_time.iter().zip(gt) {
        assert_eq!(c.group, e["group"].as_i64().unwrap());
        assert_eq!(c.time, e["time"].as_i64().unwrap());
        let what = format!("{case} ATT({},{})", c.group, c.time);
        close(&what, c.att, &e["att"]);
        match (c.se, e["se"].as_f64()) {
            (Some(a), Some(_)) => close(&format!("{what} se"), a, &e["se"]),
            (None, None) => {}
            (a, b) => panic!("{what} se: ours {a:?} vs reference {b:?}"),
        }
    }
    close(
        &format!("{case} simple"),
        ours.simple.att,
        &re["simple"]["att"],
    );
    close(
        &format!("{case} simple se"),
        ours.simple.se,
        &re["simple"]["se"],
    );
    close(
        &format!("{case} group"),
        ours.group.att,
        &re["group"]["att"],
    );
    close(
        &format!("{case} group se"),
        ours.group.se,
        &re["group"]["se"],
    );
    for (b, e) in ours
        .group
        .by_group
        .iter()
        .zip(re["group"]["by"].as_array().unwrap())
    {
        assert_eq!(b.group, e["group"].as_i64().unwrap());
        close(&format!("{case} θ(g={})", b.group), b.att, &e["att"]);
        close(&format!("{case} θ(g={}) se", b.group), b.se, &e["se"]);
    }
    close(
        &format!("{case} dynamic"),
        ours.dynamic.att,
        &re["dynamic"]["att"],
    );
    close(
        &format!("{case} dynamic se"),
        ours.dynamic.se,
        &re["dynamic"]["se"],
    );
    let by_e = re["dynamic"]["by"].as_array().unwrap();
    assert_eq!(ours.dynamic.by_event_time.len(), by_e.len());
    for (b, e) in ours.dynamic.by_event_time.iter().zip(by_e) {
        assert_eq!(b.event_time, e["event_time"].as_i64().unwrap());
        close(&format!("{case} θ(e={})", b.event_time), b.att, &e["att"]);
        match (b.se, e["se"].as_f64()) {
            (Some(a), Some(_)) => close(&format!("{case} θ(e={}) se", b.event_time), a, &e["se"]),
            (None, None) => {}
            (a, r) => panic!(
                "{case} θ(e={}) se: ours {a:?} vs reference {r:?}",
                b.event_time
            ),
        }
    }
    close(
        &format!("{case} calendar"),
        ours.calendar.att,
        &re["calendar"]["att"],
    );
    close(
        &format!("{case} calendar se"),
        ours.calendar.se,
        &re["calendar"]["se"],
    );
    for (b, e) in ours
        .calendar
        .by_time
        .iter()
        .zip(re["calendar"]["by"].as_array().unwrap())
    {
        assert_eq!(b.time, e["time"].as_i64().unwrap());
        close(&format!("{case} θ(t={})", b.time), b.att, &e["att"]);
        close(&format!("{case} θ(t={}) se", b.time), b.se, &e["se"]);
    }
}

#[test]
fn callaway_santanna_matches_csdid() {
    let r = reference();
    let bal = fixture("balanced.csv");
    let cases = [
        (
            "cs_never_varying",
            Control::Never,
            BasePeriod::Varying,
            false,
        ),
        (
            "cs_notyet_varying",
            Control::NotYet,
            BasePeriod::Varying,
            false,
        ),
        (
            "cs_never_universal",
            Control::Never,
            BasePeriod::Universal,
            false,
        ),
        (
            "cs_never_varying_dr_x1_x2",
            Control::Never,
            BasePeriod::Varying,
            true,
        ),
        (
            "cs_notyet_varying_dr_x1_x2",
            Control::NotYet,
            BasePeriod::Varying,
            true,
        ),
    ];
    for (case, control, base, cov) in cases {
        let opts = CsOptions {
            control,
            base,
            use_covariates: cov,
            ..Default::default()
        };
        let ours = callaway_santanna(&bal, &opts).unwrap();
        check_cs(case, &ours, &r["balanced"][case]);
    }
    let opts = CsOptions {
        method: Method::Ipw,
        use_covariates: true,
        ..Default::default()
    };
    let ours = callaway_santanna(&bal, &opts).unwrap();
    check_cs(
        "cs_never_varying_ipw_x1_x2",
        &ours,
        &r["balanced"]["cs_never_varying_ipw_x1_x2"],
    );
    // No never-treated unit, not-yet-treated controls: the last cohort is only a control.
    let treated_only = treated_only_panel();
    let opts = CsOptions {
        control: Control::NotYet,
        ..Default::default()
    };
    let ours = callaway_santanna(&treated_only, &opts).unwrap();
    assert!(ours.warnings.iter().any(|w| w.contains("no never-treated")));
    check_cs(
        "cs_notyet_no_never",
        &ours,
        &r["balanced"]["cs_notyet_no_never"],
    );
    assert!(callaway_santanna(&treated_only, &CsOptions::default()).is_err());

    let unb = fixture("unbalanced.csv");
    let ours = callaway_santanna(&unb, &CsOptions::default()).unwrap();
    assert_eq!(
        ours.n_units as u64,
        r["unbalanced"]["cs_balanced_units"].as_u64().unwrap()
    );
    assert!(ours.warnings.iter().any(|w| w.contains("unbalanced")));
    check_cs(
        "unbalanced cs_never_varying",
        &ours,
        &r["unbalanced"]["cs_never_varying"],
    );
}

/// The balanced fixture without its never-treated units.
fn treated_only_panel() -> Panel {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/estimate/balanced.csv"),
    )
    .unwrap();
    let (mut u, mut t, mut y, mut g) = (vec![], vec![], vec![], vec![]);
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let c: i64 = f[3].parse().unwrap();
        if c == 0 {
            continue;
        }
        u.push(f[0].to_string());
        t.push(f[1].parse::<i64>().unwrap());
        y.push(f[2].parse::<f64>().unwrap());
        g.push(Some(c));
    }
    Panel::new(&u, &t, &y, &g, vec![]).unwrap()
}

#[test]
fn event_study_without_never_treated_drops_collinear_lags_like_pyfixest() {
    let r = reference();
    let es = event_study(&treated_only_panel(), &EventStudyOptions::default()).unwrap();
    let re = r["balanced"]["event_study_no_never"].as_array().unwrap();
    assert_eq!(es.dropped, vec![3, 4]);
    assert_eq!(es.coefs.len(), re.len());
    for (c, e) in es.coefs.iter().zip(re) {
        assert_eq!(c.rel_time, e["rel_time"].as_i64().unwrap());
        close(
            &format!("no-never es {}", c.rel_time),
            c.estimate,
            &e["estimate"],
        );
        close(&format!("no-never es se {}", c.rel_time), c.se, &e["se"]);
    }
}

/// Reads `categorical.csv` (unit,time,y,cohort,size_class,sector,region as text), expanding the
/// text covariates into indicators as R model.matrix / patsy.
fn categorical_panel(references: &[(&str, &str)]) -> Panel {
    use engagement::stats::design::{expand, RawColumn};
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/estimate/categorical.csv");
    let text = std::fs::read_to_string(path).unwrap();
    let (mut u, mut t, mut y, mut g) = (vec![], vec![], vec![], vec![]);
    let mut cols: Vec<Vec<String>> = vec![vec![]; 3];
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        u.push(f[0].to_string());
        t.push(f[1].parse::<i64>().unwrap());
        y.push(f[2].parse::<f64>().unwrap());
        let c: i64 = f[3].parse().unwrap();
        g.push((c != 0).then_some(c));
        for (k, col) in cols.iter_mut().enumerate() {
            col.push(f[4 + k].to_string());
        }
    }
    let names = ["size_class", "sector", "region"];
    let raw = names
        .iter()
        .zip(cols)
        .map(|(n, c)| (n.to_string(), RawColumn::Categorical(c)))
        .collect();
    let refs = references
        .iter()
        .map(|(c, l)| (c.to_string(), l.to_string()))
        .collect();
    Panel::with_design(&u, &t, &y, &g, expand(raw, &refs).unwrap()).unwrap()
}

/// Doubly robust and IPW Callaway–Sant'Anna with text covariates agree with csdid
/// `xformla = "~ size_class + sector + region"` to 1e-6.
#[test]
fn categorical_covariates_match_csdid() {
    let r = reference();
    let p = categorical_panel(&[]);
    assert_eq!(
        p.covariate_names,
        [
            "size_class[T.medium]",
            "size_class[T.small]",
            "sector[T.F]",
            "sector[T.G]",
            "sector[T.Q]",
            "region[T.NOR]",
            "region[T.PDL]"
        ]
    );
    for (case, control, method) in [
        ("cs_never_varying_dr", Control::Never, Method::Dr),
        ("cs_notyet_varying_dr", Control::NotYet, Method::Dr),
        ("cs_never_varying_ipw", Control::Never, Method::Ipw),
    ] {
        let opts = CsOptions {
            control,
            method,
            use_covariates: true,
            ..Default::default()
        };
        let ours = callaway_santanna(&p, &opts).unwrap();
        check_cs(case, &ours, &r["categorical"][case]);
    }
    // Another reference level changes the indicators, not the estimates.
    let other = categorical_panel(&[("sector", "Q"), ("size_class", "small")]);
    let opts = CsOptions {
        use_covariates: true,
        ..Default::default()
    };
    let a = callaway_santanna(&p, &opts).unwrap();
    let b = callaway_santanna(&other, &opts).unwrap();
    assert!((a.simple.att - b.simple.att).abs() < 1e-9);
    assert!((a.simple.se - b.simple.se).abs() < 1e-9);
}

/// A level seen only among the treated units of a cell is named, with its column.
#[test]
fn categorical_level_in_one_group_is_an_error() {
    use engagement::stats::design::{expand, RawColumn};
    let p = fixture("balanced.csv");
    // A sector "Z" held only by units of cohort 4.
    let sector: Vec<String> = (0..p.n_rows())
        .map(|r| {
            let u = p.unit[r];
            match p.cohort[u] {
                Some(4) if u % 2 == 0 => "Z".into(),
                _ if u % 3 == 0 => "B".into(),
                _ => "A".into(),
            }
        })
        .collect();
    let units: Vec<&str> = p.unit.iter().map(|&u| p.unit_labels[u].as_str()).collect();
    let times: Vec<i64> = p.period.iter().map(|&t| p.periods[t]).collect();
    let cohorts: Vec<Option<i64>> = p.unit.iter().map(|&u| p.cohort[u]).collect();
    let design = expand(
        vec![("sector".into(), RawColumn::Categorical(sector))],
        &Default::default(),
    )
    .unwrap();
    let q = Panel::with_design(&units, &times, &p.y, &cohorts, design).unwrap();
    let opts = CsOptions {
        use_covariates: true,
        ..Default::default()
    };
    let err = callaway_santanna(&q, &opts).unwrap_err().to_string();
    assert!(
        err.contains("`sector`") && err.contains("`Z`") && err.contains("treated"),
        "{err}"
    );
}

/// Sizes that would not fit in memory are refused before anything is allocated, naming the
/// size and the option to change.
#[test]
fn oversized_event_study_is_refused_before_allocating() {
    // 60,000 units seen twice (period 1 and period u + 2): 60,001 event times × 120,000 rows.
    let n = 60_000usize;
    let units: Vec<usize> = (0..n).flat_map(|u| [u, u]).collect();
    let times: Vec<i64> = (0..n as i64).flat_map(|u| [1, u + 2]).collect();
    let y: Vec<f64> = (0..2 * n).map(|i| (i % 7) as f64).collect();
    let cohort: Vec<Option<i64>> = (0..n)
        .flat_map(|u| [Some(2), Some(2)].map(|c| c.filter(|_| u % 2 == 0)))
        .collect();
    let p = Panel::new(&units, &times, &y, &cohort, vec![]).unwrap();
    let err = event_study(&p, &EventStudyOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("--bin-event-time") && err.contains("GB"),
        "{err}"
    );
    // The multiplier bootstrap checks its draw matrix the same way.
    let inf = vec![vec![0.5; 10]; 4];
    let refs: Vec<&Vec<f64>> = inf.iter().collect();
    let err = engagement::estimate::cs::multiplier_bootstrap(&refs, 1_000_000_000_000, 1, 0.05)
        .unwrap_err()
        .to_string();
    assert!(err.contains("--bootstrap-iterations"), "{err}");
}
