//! The exposure evaluation on a real assignment gives the synthetic study's numbers when fed
//! the synthetic world's scores and its assignment as a register: one estimator code path.

use engagement::config::Experiment;
use engagement::exposure::study;
use engagement::model::siret_string;
use engagement::pilot::evaluate::{evaluate, EvaluationOptions};
use engagement::pilot::input::InputFile;
use engagement::pilot::panel::{self, Eligibility};
use engagement::pilot::register::{self, Window};
use engagement::reference::Reference;
use engagement::{score, synth};
use std::path::Path;

fn small(design: &str) -> (Experiment, Reference) {
    let r = Reference::load();
    let text = format!(
        "[experiment]\nname = \"t\"\nseed = 11\n[territory]\ndepartements = [\"35\", \"56\"]\n\
         [generator]\nestablishments = 1200\nyears = 4\n[exposure]\n{design}\n"
    );
    (
        Experiment::from_toml(&text, Path::new("t.toml"), &r).unwrap(),
        r,
    )
}

/// The study's assignment as a register file: exposed rows with their date and, for a
/// randomised design, control rows and the randomisation stratum.
fn register_of(s: &study::ExposureStudy, randomised: bool) -> InputFile {
    let rows: Vec<_> = s
        .assignments
        .iter()
        .filter(|a| a.eligible && (randomised || a.exposed_from.is_some()))
        .collect();
    let col = |f: &dyn Fn(&engagement::exposure::Assignment) -> Option<String>| {
        rows.iter().map(|a| f(a)).collect::<Vec<_>>()
    };
    let mut cols = vec![
        ("siret".to_string(), col(&|a| Some(siret_string(a.siret)))),
        (
            "exposed_on".to_string(),
            col(&|a| a.exposed_from.map(|d| d.to_string())),
        ),
    ];
    if randomised {
        cols.push((
            "arm".into(),
            col(&|a| {
                Some(
                    if a.exposed_from.is_some() {
                        "treatment"
                    } else {
                        "control"
                    }
                    .into(),
                )
            }),
        ));
        cols.push(("stratum".into(), col(&|a| Some(a.stratum.clone()))));
    }
    InputFile::from_columns(Path::new("register.csv"), cols)
}

fn same_numbers(design: &str, randomised: bool) {
    let (exp, r) = small(design);
    let base = synth::generate(&exp, &r, false).unwrap();
    let scores = score::run(&base.dataset, &exp.score, &r).unwrap();
    let s = study::run(&exp, &r, &base, &scores).unwrap();
    let observed = s.exposed_scores.as_ref().unwrap();
    let periods = observed.periods();
    let window = Window {
        after: periods[0].end,
        until: periods.last().unwrap().end,
    };
    let known: std::collections::HashSet<u64> = base
        .dataset
        .establishments
        .iter()
        .map(|e| e.siret)
        .collect();
    let reg =
        register::parse(&register_of(&s, randomised), |x| known.contains(&x), window).unwrap();
    assert!(reg.reconciliation.balances() && reg.rejects.is_empty());
    let p = panel::build(observed, &reg, Eligibility::Unlabelled).unwrap();
    assert_eq!(p.baseline_label(), s.baseline_period);
    assert_eq!((p.units.len(), p.exposed()), (s.eligible, s.exposed));
    let ev = evaluate(
        &p,
        randomised,
        EvaluationOptions {
            draws: 499,
            seed: exp.seed,
        },
    )
    .unwrap();
    assert_eq!(ev.estimates.len(), s.estimates.len(), "{:?}", ev.warnings);
    for (a, b) in ev.estimates.iter().zip(&s.estimates) {
        assert_eq!(a.estimator, b.estimator);
        assert!(
            (a.estimate - b.estimate).abs() < 1e-9 && (a.se - b.se.unwrap()).abs() < 1e-9,
            "{a:?} vs {b:?}"
        );
    }
    assert_eq!(ev.randomisation_p_value, s.randomisation_p_value);
    assert_eq!(ev.did.event_study, s.did.event_study);
    assert_eq!(ev.did.cs.simple, s.did.cs.simple);
    assert_eq!(ev.trajectories, s.trajectories);
}

#[test]
fn randomised_register_reproduces_the_synthetic_study() {
    same_numbers("", true);
}

#[test]
fn observational_register_reproduces_the_synthetic_study() {
    same_numbers("design = \"observational\"", false);
}
