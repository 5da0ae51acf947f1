//! What happened to a linked cohort: return to work, and retention in the job found.
//!
//! **Linking.** A person's contracts are those of the DSN tables with the same pseudonym.
//! Their *first hire* is the first employment contract (not an internship, nature 29, nor a
//! PMSMP immersion, scheme 93) starting on or after the orientation date and on or before
//! the extraction date (ties: lowest SIRET, then contract id).
//!
//! **Return to work** at 3, 6 and 12 months (91, 182, 365 days) is the cumulative incidence
//! of that first hire, `F(t) = 1 − S(t)` from a Kaplan–Meier fit of the days from orientation
//! to first hire, with people not hired censored at the extraction date. The DSN shows no
//! competing event (death, moving out of the territory, self-employment or public
//! employment are invisible in it), so the Aalen–Johansen estimator reduces to this one;
//! `F` is the share back in salaried private employment in the covered territory. The interval
//! is the log(−log) interval of `S`, flipped.
//!
//! **Retention** is measured on first hires within `hire_window_days` of orientation: days
//! from the hire to the end of that contract (start and end days counted, as
//! [`crate::model::Contract::duration_days`]), an event when it ended by a real exit on or
//! before the extraction date, censored at the extraction date otherwise (administrative ends
//! are censored at their date). Hires are grouped by the label of the hiring employer on the
//! hire date, awarded or computed ([`LabelSource`]); everything [`estimate_retention`] does
//! follows (Kaplan–Meier, log-rank, Cox, IPW on the cohort's covariates).
//!
//! **Randomised orientation** (`arm` given): intention-to-treat and Wald estimates as in the
//! encouragement design of the simulation. At horizon `h`, among people oriented at least
//! `hire_window_days + h` days before the extraction date, the outcome is "hired within the
//! window and still in that job at `h`", the take-up "hired within the window by a labelled
//! employer", standard errors clustered on `cluster` (each person its own cluster without it).

use super::cohort::Cohort;
use super::register::Arm;
use crate::date::Date;
use crate::model::{end_reason, nature, scheme, Contract, Dataset};
use crate::retention::compare::{self, EncouragementEstimate};
use crate::retention::km::KaplanMeier;
use crate::retention::sim::{LABELLED, OTHER};
use crate::retention::RetentionResult;
use crate::retention::{estimate_retention, PersonTable, RetentionError, RetentionOptions};
use crate::score::ScoreOutput;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Which labels group the hiring employers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelSource {
    /// Labels actually awarded (`[score] awarded`).
    Awarded,
    /// Labels computed by the score (last period ending before the hire).
    Computed,
}

/// Options of [`follow_up`].
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUpOptions {
    /// Last day observed.
    pub extraction: Date,
    /// Hires counted for retention: at most this many days after orientation.
    pub hire_window_days: i32,
    /// Return-to-work horizons (days).
    pub return_horizons: Vec<f64>,
    /// Retention horizons (days).
    pub retention_horizons: Vec<f64>,
    /// Bootstrap replicates of the IPW standard error.
    pub ipw_bootstrap: usize,
    /// Seed of the IPW bootstrap.
    pub seed: u64,
}

/// The first hire of one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirstHire {
    pub siret: u64,
    pub start: Date,
    /// Days from orientation to the hire.
    pub delay: i32,
    /// Days in the job (start and end counted), up to the extraction date.
    pub duration: i32,
    /// The job ended by a real exit on or before the extraction date.
    pub ended: bool,
}

/// Linking result per person (aligned with the cohort).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Linked {
    /// The person has at least one contract in the DSN, at any date.
    pub in_dsn: bool,
    pub first_hire: Option<FirstHire>,
}

fn is_employment(c: &Contract) -> bool {
    c.nature != nature::STAGE && c.scheme != scheme::PMSMP
}

/// Finds each person's first hire after orientation in the DSN contracts.
pub fn link(cohort: &Cohort, ds: &Dataset, extraction: Date) -> Vec<Linked> {
    let index: HashMap<u64, usize> = cohort
        .persons
        .iter()
        .enumerate()
        .map(|(i, p)| (p.person, i))
        .collect();
    let mut in_dsn = vec![false; index.len()];
    let mut best: Vec<Option<&Contract>> = vec![None; index.len()];
    for c in &ds.contracts {
        let Some(&i) = index.get(&c.person_id) else {
            continue;
        };
        in_dsn[i] = true;
        if !is_employment(c) || c.start < cohort.persons[i].oriented_on || c.start > extraction {
            continue;
        }
        let key = |c: &Contract| (c.start, c.siret, c.contract_id);
        if best[i].is_none_or(|b| key(c) < key(b)) {
            best[i] = Some(c);
        }
    }
    (0..index.len())
        .map(|i| Linked {
            in_dsn: in_dsn[i],
            first_hire: best[i].map(|c| {
                let (duration, ended) = match (c.actual_end, c.end_reason) {
                    (Some(end), r) if end <= extraction => (
                        c.start.days_until(end) + 1,
                        r.is_none_or(end_reason::is_real_exit),
                    ),
                    _ => (c.start.days_until(extraction) + 1, false),
                };
                FirstHire {
                    siret: c.siret,
                    start: c.start,
                    delay: cohort.persons[i].oriented_on.days_until(c.start),
                    duration,
                    ended,
                }
            }),
        })
        .collect()
}

/// The computed label (level ≥ 1) of an establishment on a date: its label in the last
/// scored period ending before that date; `None` when not calculable or never scored.
pub fn computed_labels(scores: &ScoreOutput) -> impl Fn(u64, Date) -> Option<bool> + '_ {
    let mut by: HashMap<u64, Vec<(Date, Option<u8>)>> = HashMap::new();
    let periods = scores.periods();
    for s in &scores.scores {
        if let Some(p) = periods.get(s.period as usize) {
            by.entry(s.siret).or_default().push((p.end, s.label));
        }
    }
    for v in by.values_mut() {
        v.sort_by_key(|x| x.0);
    }
    move |siret, date| {
        let v = by.get(&siret)?;
        let k = v.partition_point(|x| x.0 < date);
        k.checked_sub(1).and_then(|k| v[k].1).map(|l| l >= 1)
    }
}

/// Cumulative incidence at one time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct IncidencePoint {
    /// Days since orientation.
    pub days: f64,
    /// F(t) = 1 − S(t).
    pub incidence: f64,
    /// Lower 95% bound (1 − upper bound of S).
    pub ci_lower: f64,
    /// Upper 95% bound.
    pub ci_upper: f64,
    /// People still not hired and followed at t.
    pub at_risk: f64,
}

/// Return to work of everyone, or of one arm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReturnToWork {
    /// `None`: the whole cohort.
    pub arm: Option<Arm>,
    pub persons: u64,
    /// First hires observed (any delay).
    pub hired: u64,
    /// F at the horizons.
    pub horizons: Vec<IncidencePoint>,
    /// Every step of the curve.
    pub curve: Vec<IncidencePoint>,
}

/// What the encouragement estimate is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItOutcome {
    /// Hired within the window and still in that job at the horizon.
    HiredAndRetained,
    /// Back to work within the horizon.
    ReturnToWork,
}

/// ITT, first stage and Wald at one horizon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncouragementRow {
    pub outcome: ItOutcome,
    pub horizon_days: u32,
    pub estimate: EncouragementEstimate,
}

/// Everything measured on a linked cohort.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohortStudy {
    pub label_source: LabelSource,
    /// Persons kept from the cohort file.
    pub persons: u64,
    /// Of whom with at least one contract in the DSN.
    pub in_dsn: u64,
    /// First hires observed after orientation.
    pub hired: u64,
    /// Of which within the hire window (the retention sample).
    pub hired_in_window: u64,
    /// Of the latter, hired by the employer they were oriented to (when `oriented_to` given).
    pub hired_where_oriented: Option<u64>,
    /// Retention-sample hires by an employer whose computed label is unknown on the hire
    /// date (grouped with `other`).
    pub hires_unscored: u64,
    /// Retention-sample hires by labelled employers.
    pub hires_labelled: u64,
    /// Covariates left out of the retention models because constant among hires.
    pub dropped_constant: Vec<String>,
    /// Everyone first, then each arm.
    pub return_to_work: Vec<ReturnToWork>,
    /// Retention by label group of the hiring employer.
    pub retention: Option<RetentionResult>,
    /// Randomised orientation only.
    pub encouragement: Vec<EncouragementRow>,
    /// Parts not computed, and why.
    pub warnings: Vec<String>,
}

/// Links the cohort and runs every estimate (see the module docs).
pub fn follow_up(
    cohort: &Cohort,
    ds: &Dataset,
    labelled_at: impl Fn(u64, Date) -> Option<bool>,
    source: LabelSource,
    opts: &FollowUpOptions,
) -> CohortStudy {
    let linked = link(cohort, ds, opts.extraction);
    let mut warnings = Vec::new();
    let in_window = |l: &Linked| l.first_hire.filter(|h| h.delay <= opts.hire_window_days);
    let label: Vec<Option<Option<bool>>> = linked
        .iter()
        .map(|l| in_window(l).map(|h| labelled_at(h.siret, h.start)))
        .collect();
    let mut returns = vec![return_to_work(cohort, &linked, None, opts)];
    if cohort.has_arm {
        for arm in [Arm::Treatment, Arm::Control] {
            returns.push(return_to_work(cohort, &linked, Some(arm), opts));
        }
    }
    let (retention, dropped_constant) = match retention(cohort, &linked, &label, opts) {
        Ok((r, d)) => (Some(r), d),
        Err(e) => {
            warnings.push(format!("retention by label group not estimated: {e}"));
            (None, Vec::new())
        }
    };
    let encouragement = if cohort.has_arm {
        encouragement(cohort, &linked, &label, opts, &mut warnings)
    } else {
        Vec::new()
    };
    let hires: Vec<(usize, FirstHire)> = linked
        .iter()
        .enumerate()
        .filter_map(|(i, l)| in_window(l).map(|h| (i, h)))
        .collect();
    let any_oriented = cohort.persons.iter().any(|p| p.oriented_to.is_some());
    CohortStudy {
        label_source: source,
        persons: cohort.persons.len() as u64,
        in_dsn: linked.iter().filter(|l| l.in_dsn).count() as u64,
        hired: linked.iter().filter(|l| l.first_hire.is_some()).count() as u64,
        hired_in_window: hires.len() as u64,
        hired_where_oriented: any_oriented.then(|| {
            hires
                .iter()
                .filter(|(i, h)| cohort.persons[*i].oriented_to == Some(h.siret))
                .count() as u64
        }),
        hires_unscored: label.iter().filter(|l| matches!(l, Some(None))).count() as u64,
        hires_labelled: label
            .iter()
            .filter(|l| matches!(l, Some(Some(true))))
            .count() as u64,
        dropped_constant,
        return_to_work: returns,
        retention,
        encouragement,
        warnings,
    }
}

fn return_to_work(
    cohort: &Cohort,
    linked: &[Linked],
    arm: Option<Arm>,
    opts: &FollowUpOptions,
) -> ReturnToWork {
    let rows: Vec<usize> = (0..linked.len())
        .filter(|&i| arm.is_none() || cohort.persons[i].arm == arm)
        .collect();
    let delays: Vec<Result<f64, f64>> = rows
        .iter()
        .map(|&i| match linked[i].first_hire {
            Some(h) => Ok(f64::from(h.delay)),
            None => Err(f64::from(
                cohort.persons[i].oriented_on.days_until(opts.extraction),
            )),
        })
        .collect();
    incidence(arm, &delays, &opts.return_horizons)
}

/// Return to work from each person's days to the first hire (`Ok`) or, never hired, days
/// followed until the extraction date (`Err`, censored): shared by the linked cohort and
/// the simulated one, so that both report the same estimator.
pub fn incidence(arm: Option<Arm>, delays: &[Result<f64, f64>], horizons: &[f64]) -> ReturnToWork {
    let t: Vec<f64> = delays.iter().map(|d| d.unwrap_or_else(|c| c)).collect();
    let e: Vec<bool> = delays.iter().map(Result::is_ok).collect();
    let z = crate::retention::critical_value(0.95);
    let point = |r: crate::retention::km::KmRow| IncidencePoint {
        days: r.t,
        incidence: 1.0 - r.survival,
        ci_lower: 1.0 - r.ci_upper,
        ci_upper: 1.0 - r.ci_lower,
        at_risk: r.at_risk,
    };
    let (at, curve) = if t.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        let km = KaplanMeier::fit(&t, &e, None, None);
        (
            horizons.iter().map(|&h| point(km.row_at(h, z))).collect(),
            km.rows(horizons, z).into_iter().map(point).collect(),
        )
    };
    ReturnToWork {
        arm,
        persons: t.len() as u64,
        hired: e.iter().filter(|&&x| x).count() as u64,
        horizons: at,
        curve,
    }
}

/// The retention sample as a person table, by label group, with the cohort's covariates
/// (those constant among hires dropped and returned).
fn retention(
    cohort: &Cohort,
    linked: &[Linked],
    label: &[Option<Option<bool>>],
    opts: &FollowUpOptions,
) -> Result<(RetentionResult, Vec<String>), RetentionError> {
    let rows: Vec<usize> = (0..linked.len()).filter(|&i| label[i].is_some()).collect();
    let hire = |i: usize| linked[i].first_hire.expect("retention rows are hires");
    let group = |i: usize| {
        if label[i] == Some(Some(true)) {
            LABELLED
        } else {
            OTHER
        }
    };
    let mut table = PersonTable::new(
        rows.iter().map(|&i| f64::from(hire(i).duration)).collect(),
        rows.iter().map(|&i| hire(i).ended).collect(),
        rows.iter().map(|&i| group(i).to_string()).collect(),
    )?;
    let mut dropped = Vec::new();
    for (name, values) in &cohort.covariates {
        let v: Vec<f64> = rows.iter().map(|&i| values[i]).collect();
        if v.iter().all(|x| *x == v[0]) {
            dropped.push(name.clone());
        } else {
            table = table.with_covariate(name, v)?;
        }
    }
    let opts = RetentionOptions {
        horizons: opts.retention_horizons.clone(),
        reference: table
            .group_levels()
            .contains(&OTHER.to_string())
            .then(|| OTHER.to_string()),
        ipw: compare::IpwOptions {
            bootstrap: opts.ipw_bootstrap,
            seed: opts.seed,
            ..Default::default()
        },
        ..Default::default()
    };
    Ok((estimate_retention(&table, &opts)?, dropped))
}

fn encouragement(
    cohort: &Cohort,
    linked: &[Linked],
    label: &[Option<Option<bool>>],
    opts: &FollowUpOptions,
    warnings: &mut Vec<String>,
) -> Vec<EncouragementRow> {
    let clusters: BTreeMap<&str, u64> = cohort
        .persons
        .iter()
        .filter_map(|p| p.cluster.as_deref())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .enumerate()
        .map(|(k, c)| (c, k as u64))
        .collect();
    let cluster = |i: usize| match &cohort.persons[i].cluster {
        Some(c) => clusters[c.as_str()],
        None => clusters.len() as u64 + i as u64,
    };
    let z = crate::retention::critical_value(0.95);
    let follow = |i: usize| f64::from(cohort.persons[i].oriented_on.days_until(opts.extraction));
    let mut out = Vec::new();
    let cases = opts
        .retention_horizons
        .iter()
        .map(|&h| (ItOutcome::HiredAndRetained, h))
        .chain(
            opts.return_horizons
                .iter()
                .map(|&h| (ItOutcome::ReturnToWork, h)),
        );
    for (outcome, h) in cases {
        let window = f64::from(opts.hire_window_days);
        let need = match outcome {
            ItOutcome::HiredAndRetained => window + h,
            ItOutcome::ReturnToWork => h,
        };
        let rows: Vec<usize> = (0..linked.len()).filter(|&i| follow(i) >= need).collect();
        let b = |v: bool| f64::from(u8::from(v));
        let y: Vec<f64> = rows
            .iter()
            .map(|&i| match (outcome, linked[i].first_hire) {
                (ItOutcome::HiredAndRetained, Some(x)) => {
                    b(label[i].is_some() && f64::from(x.duration) > h)
                }
                (ItOutcome::ReturnToWork, Some(x)) => b(f64::from(x.delay) <= h),
                (_, None) => 0.0,
            })
            .collect();
        let d: Vec<f64> = rows
            .iter()
            .map(|&i| b(label[i] == Some(Some(true))))
            .collect();
        let zs: Vec<bool> = rows
            .iter()
            .map(|&i| cohort.persons[i].arm == Some(Arm::Treatment))
            .collect();
        let cl: Vec<u64> = rows.iter().map(|&i| cluster(i)).collect();
        match compare::encouragement(&y, &d, &zs, &cl, z) {
            Ok(estimate) => out.push(EncouragementRow {
                outcome,
                horizon_days: h as u32,
                estimate,
            }),
            Err(e) => warnings.push(format!(
                "randomised orientation, {outcome:?} at {h} days: not estimated ({e})"
            )),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;
    use crate::pilot::cohort::CohortPerson;
    use crate::pilot::input::Location;

    fn d(y: i32, m: u32, dd: u32) -> Date {
        Date::from_ymd(y, m, dd).unwrap()
    }

    fn contract(
        id: u64,
        person: u64,
        siret: u64,
        start: Date,
        end: Option<(Date, u16)>,
    ) -> Contract {
        Contract {
            contract_id: id,
            person_id: person,
            siret,
            start,
            planned_end: None,
            actual_end: end.map(|e| e.0),
            end_reason: end.map(|e| e.1),
            nature: nature::CDI,
            scheme: scheme::NONE,
            iae: None,
            working_time: working_time::FULL_TIME,
            pcs: Pcs(*b"526a"),
            cdd_reason: None,
            boeth: None,
            converted_to_cdi: None,
            no_prior_employment: false,
            months_since_prev: None,
            prior_long_sick_leave: false,
            prior_iae_or_subsidised: false,
        }
    }

    fn person(p: u64, on: Date, arm: Option<Arm>) -> CohortPerson {
        CohortPerson {
            person: p,
            oriented_on: on,
            oriented_to: None,
            arm,
            cluster: None,
            location: Location::Line(p + 1),
        }
    }

    fn setup() -> (Cohort, Dataset, Date) {
        let ext = d(2025, 12, 31);
        let o = d(2024, 1, 1);
        let mut stage = contract(9, 1, 11, d(2024, 1, 5), None);
        stage.nature = nature::STAGE;
        let contracts = vec![
            contract(
                1,
                1,
                11,
                d(2023, 6, 1),
                Some((d(2023, 12, 1), end_reason::DEMISSION)),
            ), // before orientation
            stage, // not employment
            contract(
                2,
                1,
                22,
                d(2024, 2, 1),
                Some((d(2024, 4, 30), end_reason::DEMISSION)),
            ), // first hire
            contract(3, 1, 11, d(2024, 5, 1), None),
            contract(4, 2, 11, d(2024, 3, 1), None), // censored at extraction
            contract(
                5,
                3,
                22,
                d(2024, 3, 1),
                Some((d(2024, 6, 30), end_reason::TRANSFER)),
            ),
            contract(6, 4, 22, d(2026, 1, 5), None), // after extraction
        ];
        let ds = Dataset {
            coverage: Coverage {
                start: d(2021, 1, 1),
                end: ext,
                source: Source::Ingested,
            },
            establishments: vec![],
            persons: vec![],
            contracts,
            stoppages: vec![],
        };
        let persons = (1..=5)
            .map(|p| {
                person(
                    p,
                    o,
                    Some(if p % 2 == 1 {
                        Arm::Treatment
                    } else {
                        Arm::Control
                    }),
                )
            })
            .collect();
        let cohort = Cohort {
            persons,
            covariates: vec![("age".into(), vec![30.0, 40.0, 50.0, 35.0, 45.0])],
            has_arm: true,
            rejects: vec![],
            reconciliation: Default::default(),
        };
        (cohort, ds, ext)
    }

    #[test]
    fn first_hire_after_orientation_with_durations_and_censoring() {
        let (cohort, ds, ext) = setup();
        let l = link(&cohort, &ds, ext);
        let h = l[0].first_hire.unwrap();
        assert_eq!((h.siret, h.delay, h.duration, h.ended), (22, 31, 90, true));
        let h = l[1].first_hire.unwrap();
        assert_eq!(
            (h.duration, h.ended),
            (d(2024, 3, 1).days_until(ext) + 1, false)
        );
        let h = l[2].first_hire.unwrap();
        assert_eq!(
            (h.duration, h.ended),
            (122, false),
            "a transfer is censored at its date"
        );
        assert!(
            l[3].in_dsn && l[3].first_hire.is_none(),
            "hired after the extraction"
        );
        assert!(!l[4].in_dsn && l[4].first_hire.is_none());
    }

    #[test]
    fn return_to_work_is_one_minus_km_and_arms_and_groups_follow() {
        let (cohort, ds, ext) = setup();
        let opts = FollowUpOptions {
            extraction: ext,
            hire_window_days: 365,
            return_horizons: vec![31.0, 91.0, 182.0],
            retention_horizons: vec![60.0, 182.0],
            ipw_bootstrap: 0,
            seed: 1,
        };
        let s = follow_up(
            &cohort,
            &ds,
            |siret, _| Some(siret == 22),
            LabelSource::Awarded,
            &opts,
        );
        assert_eq!(
            (s.persons, s.in_dsn, s.hired, s.hired_in_window),
            (5, 4, 3, 3)
        );
        assert_eq!(s.hires_labelled, 2);
        let all = &s.return_to_work[0];
        // No censoring before 182 days: F is the share hired by then.
        let f: Vec<f64> = all.horizons.iter().map(|h| h.incidence).collect();
        assert!(
            (f[0] - 0.2).abs() < 1e-12 && (f[1] - 0.6).abs() < 1e-12 && (f[2] - 0.6).abs() < 1e-12,
            "{f:?}"
        );
        assert_eq!(s.return_to_work.len(), 3);
        assert_eq!(s.return_to_work[1].persons, 3);
        let r = s.retention.as_ref().unwrap();
        assert_eq!(r.n, 3);
        assert!(s.dropped_constant.is_empty());
        // Everyone oriented 2024-01-01 has a year + 182 days of follow-up: ITT rows exist.
        let itt: Vec<_> = s
            .encouragement
            .iter()
            .map(|e| (e.outcome, e.horizon_days))
            .collect();
        assert!(itt.contains(&(ItOutcome::HiredAndRetained, 60)));
        assert!(itt.contains(&(ItOutcome::ReturnToWork, 91)));
        let e = s
            .encouragement
            .iter()
            .find(|e| e.outcome == ItOutcome::ReturnToWork && e.horizon_days == 91)
            .unwrap();
        // Treatment = persons 1, 3, 5: hired by 91 days 1 and 3 (2/3); control 2, 4: 1/2.
        assert!((e.estimate.itt.estimate - (2.0 / 3.0 - 0.5)).abs() < 1e-12);
    }
}
