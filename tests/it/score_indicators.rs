//! Indicator definitions on a hand-built establishment with known answers: every criterion,
//! part-time exclusion, window boundaries (first and last day), rehires, ties at age 50.
//!
//! One window: 2023-01-01 .. 2023-12-31 ("2023T4"); history from 2022 (another
//! establishment, SIRET 2) is derived by `history::derive_history`, as for real data.

use engagement::date::Date;
use engagement::history::derive_history;
use engagement::indicators::{self, Criterion, Denom};
use engagement::model::*;

fn d(y: i32, m: u32, dd: u32) -> Date {
    Date::from_ymd(y, m, dd).unwrap()
}

struct C {
    id: u64,
    person: u64,
    siret: u64,
    start: Date,
    end: Option<Date>,
    reason: Option<u16>,
    nature: u8,
    scheme: u8,
    part: bool,
    pcs: &'static str,
}

fn base(id: u64, person: u64, siret: u64, start: Date, end: Option<Date>) -> C {
    C {
        id,
        person,
        siret,
        start,
        end,
        reason: end.map(|_| end_reason::FIN_CDD),
        nature: nature::CDD,
        scheme: scheme::NONE,
        part: false,
        pcs: "561b",
    }
}

fn contract(c: C) -> Contract {
    Contract {
        contract_id: c.id,
        person_id: c.person,
        siret: c.siret,
        start: c.start,
        planned_end: None,
        actual_end: c.end,
        end_reason: c.reason,
        nature: c.nature,
        scheme: c.scheme,
        iae: None,
        working_time: if c.part {
            working_time::PART_TIME
        } else {
            working_time::FULL_TIME
        },
        pcs: Pcs::new(c.pcs).unwrap(),
        cdd_reason: None,
        boeth: None,
        converted_to_cdi: None,
        no_prior_employment: false,
        months_since_prev: None,
        prior_long_sick_leave: false,
        prior_iae_or_subsidised: false,
    }
}

fn person(id: u64, sex: u8, birth: Date) -> Person {
    Person {
        person_id: id,
        sex,
        birth_date: birth,
        boeth: false,
    }
}

pub fn fixture() -> Dataset {
    let f = sex::FEMALE;
    let m = sex::MALE;
    let persons = vec![
        person(1, f, d(1999, 3, 1)),
        person(2, m, d(1970, 1, 1)),
        person(3, f, d(1985, 7, 7)),
        person(4, m, d(1990, 2, 2)),
        person(5, f, d(2000, 5, 5)),
        person(6, m, d(1973, 4, 1)), // exactly 50 at hire
        person(7, f, d(2004, 1, 1)),
        person(8, m, d(2003, 1, 1)),
        person(9, m, d(1975, 6, 1)),
        person(10, f, d(2002, 1, 1)),
    ];
    let mut cs = vec![
        // History in establishment 2 (2022).
        contract(base(101, 2, 2, d(2022, 1, 1), Some(d(2022, 11, 30)))),
        contract(C {
            scheme: scheme::CDDI,
            ..base(102, 3, 2, d(2022, 1, 3), Some(d(2022, 12, 31)))
        }),
        contract(base(103, 6, 2, d(2022, 1, 1), Some(d(2022, 3, 31)))),
        contract(base(104, 9, 2, d(2022, 1, 1), Some(d(2022, 6, 30)))),
        // Establishment 1.
        contract(C {
            nature: nature::CDI,
            ..base(1, 1, 1, d(2023, 1, 1), None) // first day of the window
        }),
        contract(base(2, 2, 1, d(2023, 12, 31), None)), // last day of the window
        contract(C {
            part: true,
            ..base(3, 3, 1, d(2023, 3, 1), Some(d(2023, 3, 31)))
        }),
        contract(base(4, 4, 1, d(2022, 12, 31), Some(d(2023, 2, 27)))), // day before the window
        contract(C {
            scheme: scheme::APPRENTISSAGE_PRIVE,
            ..base(5, 5, 1, d(2023, 2, 1), None)
        }),
        contract(C {
            nature: nature::CDI,
            reason: Some(end_reason::TRIAL_EMPLOYER),
            ..base(6, 6, 1, d(2023, 4, 1), Some(d(2023, 5, 15)))
        }),
        contract(C {
            nature: nature::STAGE,
            ..base(7, 7, 1, d(2023, 6, 1), Some(d(2023, 6, 30)))
        }),
        contract(C {
            scheme: scheme::PMSMP,
            part: true,
            ..base(8, 8, 1, d(2023, 6, 5), Some(d(2023, 6, 9)))
        }),
        contract(C {
            scheme: scheme::PMSMP,
            ..base(9, 10, 1, d(2023, 7, 3), Some(d(2023, 7, 7)))
        }),
        contract(base(10, 4, 1, d(2023, 5, 1), Some(d(2023, 5, 31)))), // rehire of person 4
        contract(C {
            nature: nature::CDI,
            pcs: "621a", // first job as a worker (category 6) after an employee job
            ..base(11, 9, 1, d(2023, 9, 1), None)
        }),
    ];
    cs[5].boeth = Some(1); // contract 2
    cs[8].converted_to_cdi = Some(d(2023, 8, 1)); // contract 5
    let st = |person, start, reason| Stoppage {
        person_id: person,
        siret: 1,
        contract_id: 1,
        start,
        end: Some(start.add_days(10)),
        reason,
    };
    let mut ds = Dataset {
        coverage: Coverage {
            start: d(2022, 1, 1),
            end: d(2023, 12, 31),
            source: Source::Synthetic,
        },
        establishments: vec![],
        persons,
        contracts: cs,
        stoppages: vec![
            st(1, d(2023, 6, 10), stoppage_reason::ACCIDENT_TRAVAIL),
            st(5, d(2023, 11, 1), stoppage_reason::MALADIE_PRO),
            st(1, d(2023, 7, 1), stoppage_reason::MALADIE),
            st(1, d(2022, 12, 20), stoppage_reason::ACCIDENT_TRAVAIL),
        ],
    };
    derive_history(&mut ds);
    ds.sort();
    ds
}

fn row_of(ds: &Dataset) -> (Vec<indicators::Period>, indicators::IndicatorRow) {
    let periods = indicators::periods(&ds.coverage, 12, 3, 12).unwrap();
    let ind = indicators::compute(ds, periods.clone(), 12);
    assert_eq!(ind.rows.len(), 1, "establishment 2 has no activity in 2023");
    (periods, ind.rows[0].clone())
}

#[track_caller]
fn close(a: Option<f64>, b: f64) {
    let a = a.expect("value present");
    assert!((a - b).abs() < 1e-9, "{a} vs {b}");
}

#[test]
fn window_and_context() {
    let ds = fixture();
    let (periods, r) = row_of(&ds);
    assert_eq!(periods.len(), 1);
    assert_eq!(periods[0].label, "2023T4");
    assert_eq!(r.siret, 1);
    // Hires: contracts 1, 2, 3, 5, 6, 10, 11 (4 started the day before the window; 7, 8, 9
    // are an internship and immersions). Contract 10 is a rehire.
    assert_eq!(r.hires, 7);
    assert_eq!(r.new_hires, 6);
    assert_eq!(r.part_time_hires, 1);
    assert_eq!(r.exits, 4);
    // Month-end headcounts sum to 32 over 12 months; contract 3 is part-time (0.5).
    assert!((r.headcount - 32.0 / 12.0).abs() < 1e-12, "{}", r.headcount);
    assert!((r.fte - 31.5 / 12.0).abs() < 1e-12, "{}", r.fte);
    assert_eq!(r.den_total(Denom::NewHires), 6);
    assert_eq!(r.den_total(Denom::FullTimeNewHires), 5);
}

#[test]
fn hiring_profiles() {
    let ds = fixture();
    let (_, r) = row_of(&ds);
    let v = |c| r.value(c, 12);
    close(v(Criterion::WomenBalance), 3.0 / 6.0);
    // Persons 1 and 5 had no prior job; person 9 takes a first job as a worker.
    close(v(Criterion::NoExperience), 3.0 / 6.0);
    // Persons 2 (13 months), 6 (exactly 12: 2022-03-31 → 2023-04-01) and 9 (14 months)
    // without contract.
    close(v(Criterion::LongUnemployed), 3.0 / 6.0);
    close(v(Criterion::Under26), 2.0 / 6.0);
    // Person 2 (53) and person 6, hired on his 50th birthday.
    close(v(Criterion::Over50), 2.0 / 6.0);
    close(v(Criterion::Boeth), 1.0 / 6.0);
    close(v(Criterion::FromIae), 1.0 / 6.0);
    close(v(Criterion::SubsidisedContract), 1.0 / 6.0);
}

#[test]
fn contract_criteria_exclude_part_time() {
    let ds = fixture();
    let (_, r) = row_of(&ds);
    let v = |c| r.value(c, 12);
    // Full-time new hires 1, 2, 5, 6, 11; CDI: 1, 6, 11.
    close(v(Criterion::CdiShare), 3.0 / 5.0);
    // Completed full-time CDDs: 4 (59 days, started before the window) and 10 (31 days);
    // the part-time contract 3 is excluded.
    assert_eq!(r.cdd_completed, 2);
    close(v(Criterion::CddMeanDays), 45.0);
    close(v(Criterion::CddMedianDays), 45.0);
    // Outcomes: ends of 4 and 10, conversion of 5.
    close(v(Criterion::Conversions), 1.0 / 3.0);
    // Internship 7 and full-time immersion 9; the part-time immersion 8 is excluded.
    assert_eq!(r.internships, 2);
    close(v(Criterion::Internships), 100.0 * 2.0 / (32.0 / 12.0));
}

#[test]
fn durability() {
    let ds = fixture();
    let (_, r) = row_of(&ds);
    let v = |c| r.value(c, 12);
    let hc = 32.0 / 12.0;
    close(v(Criterion::Turnover), (7.0 + 4.0) / 2.0 / hc);
    // Cohort with follow-up ending in 2023: new hires 1, 3, 4, 5, 6; rupture: 6 (trial).
    assert_eq!(r.den_total(Denom::EarlyHires), 5);
    close(v(Criterion::EarlyRuptures), 1.0 / 5.0);
    // AT (06) and MP (05) in the window; sickness and the 2022 accident do not count.
    assert_eq!(r.at_mp, 2);
    close(v(Criterion::AtMpFrequency), 1000.0 * 2.0 / hc);
}

#[test]
fn rehire_and_first_occupation_flags() {
    let ds = fixture();
    let re = indicators::rehires(&ds.contracts);
    let first = indicators::first_in_occupation(&ds.contracts);
    let by = |id: u64| {
        ds.contracts
            .iter()
            .position(|c| c.contract_id == id)
            .unwrap()
    };
    assert!(re[by(10)], "person 4 back within 12 months");
    assert!(!re[by(4)] && !re[by(1)]);
    assert!(first[by(11)], "first contract in PCS category 6");
    assert!(!first[by(6)], "same category as the 2022 job");
    // Two contracts of one person starting the same day are both first.
    let mut cs = vec![ds.contracts[by(1)], ds.contracts[by(1)]];
    cs[1].contract_id = 999;
    assert_eq!(indicators::first_in_occupation(&cs), vec![true, true]);
    assert_eq!(indicators::rehires(&cs), vec![false, false]);
}
