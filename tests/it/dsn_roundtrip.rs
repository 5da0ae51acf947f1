//! Round trip: a dataset written as DSN and ingested again gives the same tables (ids
//! mapped by `dsn::map_ids`), and the written files pass the reader's strict checks with
//! every mandatory rubric of the norm.

use engagement::date::Date;
use engagement::dsn::{self, PseudoKey, ReadOptions, WriterOptions};
use engagement::model::*;

fn d(y: i32, m: u32, dd: u32) -> Date {
    Date::from_ymd(y, m, dd).unwrap()
}

fn contract(id: u64, person: u64, siret: u64, start: Date) -> Contract {
    Contract {
        contract_id: id,
        person_id: person,
        siret,
        start,
        planned_end: None,
        actual_end: None,
        end_reason: None,
        nature: nature::CDI,
        scheme: scheme::NONE,
        iae: None,
        working_time: working_time::FULL_TIME,
        pcs: Pcs::new("561b").unwrap(),
        cdd_reason: None,
        boeth: None,
        converted_to_cdi: None,
        no_prior_employment: false,
        months_since_prev: None,
        prior_long_sick_leave: false,
        prior_iae_or_subsidised: false,
    }
}

/// A small hand-made dataset exercising every field the writer carries.
fn hand_dataset() -> Dataset {
    let e1 = 123_456_789 * 100_000 + 12;
    let e2 = 987_654_321 * 100_000 + 34;
    let est = |siret, name: &str, commune: &str, dep: &str, reg: &str| Establishment {
        siret,
        name: name.into(),
        naf: "5610C".into(),
        commune: commune.into(),
        departement: dep.into(),
        region: reg.into(),
        zone: dep.into(),
        creation_date: d(2015, 3, 2),
    };
    let person = |id, sex, birth| Person {
        person_id: id,
        sex,
        birth_date: birth,
        boeth: false,
    };
    let mut c = Vec::new();
    // CDD ended by fin de CDD.
    let mut a = contract(11, 1, e1, d(2024, 1, 8));
    a.nature = nature::CDD;
    a.planned_end = Some(d(2024, 3, 31));
    a.actual_end = Some(d(2024, 3, 31));
    a.end_reason = Some(end_reason::FIN_CDD);
    a.cdd_reason = Some(2);
    c.push(a);
    // CDD converted to CDI, BOETH, part time.
    let mut b = contract(12, 2, e1, d(2023, 11, 1));
    b.nature = nature::CDD;
    b.planned_end = Some(d(2024, 4, 30));
    b.cdd_reason = Some(1);
    b.converted_to_cdi = Some(d(2024, 2, 15));
    b.boeth = Some(1);
    b.working_time = working_time::PART_TIME;
    c.push(b);
    // CDDI in an IAE structure, ended by rupture conventionnelle... and a later contract.
    let mut i = contract(13, 3, e2, d(2024, 2, 1));
    i.nature = nature::CDD;
    i.scheme = scheme::CDDI;
    i.iae = Some(iae::ACI);
    i.planned_end = Some(d(2024, 10, 31));
    i.actual_end = Some(d(2024, 4, 12));
    i.end_reason = Some(end_reason::CDD_EARLY_MUTUAL);
    i.cdd_reason = Some(9);
    c.push(i);
    let mut j = contract(14, 3, e1, d(2024, 5, 6));
    j.pcs = Pcs::new("389a").unwrap();
    c.push(j);
    // Two contracts of one person in one establishment; one resigns.
    let mut k = contract(15, 4, e2, d(2022, 6, 1));
    k.actual_end = Some(d(2024, 2, 29));
    k.end_reason = Some(end_reason::DEMISSION);
    c.push(k);
    c.push(contract(16, 4, e2, d(2024, 3, 4)));
    // A person whose id does not fit a NIR (written with an NTT).
    c.push(contract(17, 200_000_000, e2, d(2024, 1, 2)));
    let stoppages = vec![
        Stoppage {
            person_id: 4,
            siret: e2,
            contract_id: 15,
            start: d(2024, 1, 10),
            end: Some(d(2024, 2, 20)),
            reason: stoppage_reason::ACCIDENT_TRAVAIL,
        },
        Stoppage {
            person_id: 2,
            siret: e1,
            contract_id: 12,
            start: d(2024, 5, 28),
            end: None,
            reason: stoppage_reason::MALADIE,
        },
    ];
    let mut ds = Dataset {
        coverage: Coverage {
            start: d(2024, 1, 1),
            end: d(2024, 6, 30),
            source: Source::Synthetic,
        },
        establishments: vec![
            est(e1, "Boulangerie Éclair", "75056", "75", "11"),
            est(e2, "Régie de quartier", "69123", "69", "84"),
            est(
                555_555_555 * 100_000 + 11,
                "Sans salariés",
                "13055",
                "13",
                "93",
            ),
        ],
        persons: vec![
            person(1, 1, d(1990, 4, 12)),
            person(2, 2, d(1985, 12, 1)),
            person(3, 1, d(2001, 7, 30)),
            person(4, 2, d(1970, 1, 31)),
            person(200_000_000, 2, d(1999, 9, 9)),
        ],
        contracts: c,
        stoppages,
    };
    engagement::history::derive_history(&mut ds);
    ds.sort();
    ds
}

fn key() -> PseudoKey {
    PseudoKey::new(b"round-trip-test-key-0123456789").unwrap()
}

fn round_trip(ds: &Dataset, opts: &WriterOptions) -> (Dataset, dsn::IngestReport) {
    let dir = tempfile::tempdir().unwrap();
    let summary = dsn::write_dataset(ds, dir.path(), opts).unwrap();
    let outside = ds
        .contracts
        .iter()
        .filter(|c| c.actual_end.is_some_and(|e| e < ds.coverage.start))
        .count();
    assert_eq!(summary.contracts_not_written as usize, outside);
    let mut ro = ReadOptions::new(key());
    ro.strict = true;
    ro.full_mandatory = true;
    let ing = dsn::read(&[dir.path().to_path_buf()], &ro).unwrap();
    assert_eq!(ing.report.declarations_read, summary.declarations);
    (ing.dataset, ing.report)
}

#[test]
fn hand_dataset_round_trips() {
    let ds = hand_dataset();
    let (got, report) = round_trip(&ds, &WriterOptions::default());
    let want = dsn::map_ids(&ds, &key());
    assert_eq!(got.coverage, want.coverage);
    assert_eq!(got.establishments, want.establishments);
    assert_eq!(got.persons, want.persons);
    for (g, w) in got.contracts.iter().zip(&want.contracts) {
        assert_eq!(g, w);
    }
    assert_eq!(got.contracts.len(), want.contracts.len());
    assert_eq!(got.stoppages, want.stoppages);
    assert!(report.reconciles());
    assert_eq!(report.declarations_read, 3 * 6);
    assert_eq!(report.rejects_by_reason.len(), 0);
    assert!(report.unknown_rubrics.contains_key("S21.G00.11.901"));
    let p = got.persons.iter().find(|p| p.boeth).unwrap();
    assert_eq!(p.sex, 2);
}

#[test]
fn gzip_and_small_files_round_trip() {
    let ds = hand_dataset();
    let opts = WriterOptions {
        decls_per_file: 1,
        gzip: true,
    };
    let (got, _) = round_trip(&ds, &opts);
    assert_eq!(got, dsn::map_ids(&ds, &key()));
}

#[test]
fn toy_corpus_round_trips() {
    let ds = dsn::bench::toy_dataset(40, 6, 12);
    let (got, report) = round_trip(&ds, &WriterOptions::default());
    let want = dsn::map_ids(&ds, &key());
    let written: Vec<&Contract> = want
        .contracts
        .iter()
        .filter(|c| c.actual_end.is_none_or(|e| e >= ds.coverage.start))
        .collect();
    assert_eq!(got.contracts.len(), written.len());
    assert_eq!(report.contracts as usize, written.len());
    assert_eq!(got.establishments, want.establishments);
    let key = |c: &Contract| (c.contract_id, c.start, c.actual_end, c.end_reason, c.nature);
    let mut a: Vec<_> = got.contracts.iter().map(key).collect();
    let mut b: Vec<_> = written.iter().map(|c| key(c)).collect();
    a.sort_unstable();
    b.sort_unstable();
    assert_eq!(a, b);
}

/// The calibrated generator's output (baseline experiment, scaled down) survives the trip.
#[test]
fn generator_output_round_trips() {
    use engagement::config::Experiment;
    use engagement::reference::Reference;
    let r = Reference::load();
    let mut e =
        Experiment::from_file(std::path::Path::new("experiments/baseline.toml"), &r).unwrap();
    e.generator.establishments = 120;
    e.generator.years = 2;
    e.generator.burn_in_months = 6;
    let ds = engagement::synth::generate(&e, &r, false).unwrap().dataset;
    let (got, report) = round_trip(&ds, &WriterOptions::default());
    assert!(report.reconciles() && report.declarations_rejected == 0);
    let want = dsn::map_ids(&ds, &key());
    assert_eq!(got.coverage, want.coverage);
    assert_eq!(got.establishments, want.establishments);
    assert_eq!(got.persons.len(), want.persons.len());
    assert_eq!(got.persons, want.persons);
    assert_eq!(got.contracts.len(), want.contracts.len());
    for (g, w) in got.contracts.iter().zip(&want.contracts) {
        assert_eq!(g, w);
    }
    if got.stoppages != want.stoppages {
        assert_eq!(got.stoppages.len(), want.stoppages.len(), "stoppage count");
        for (g, w) in got.stoppages.iter().zip(&want.stoppages) {
            assert_eq!(g, w, "first differing stoppage");
        }
    }
    assert_eq!(got, want);
    // Scores computed downstream are identical (they are per establishment, so ids drop out).
    let a = engagement::score::run(&ds, &e.score, &r).unwrap();
    let b = engagement::score::run(&got, &e.score, &r).unwrap();
    assert!(!a.scores.is_empty());
    assert_eq!(a, b);
}
