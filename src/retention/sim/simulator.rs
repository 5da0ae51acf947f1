//! Drawing the cohort: persons of the three cohorts, their orientation under each policy,
//! hire, contract and job duration, and the truth under every policy and potential outcome
//! (the model is described in [`super`]).

use super::{
    Cohort, ContractKind, Outcome, PersonTruth, PlacementEmployer, PolicyTruth, SimError,
    SimOutput, SimPerson,
};
use crate::date::Date;
use crate::retention::design::{Policy, RetentionDesign};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Employers of one class in one cell, with cumulative orientation and hire weights.
#[derive(Default)]
struct Pool {
    idx: Vec<usize>,
    cum_orient: Vec<f64>,
    cum_hire: Vec<f64>,
}

impl Pool {
    fn push(&mut self, i: usize, w: f64, q: f64) {
        let a = self.cum_orient.last().copied().unwrap_or(0.0) + w;
        let b = self.cum_hire.last().copied().unwrap_or(0.0) + w * q;
        self.idx.push(i);
        self.cum_orient.push(a);
        self.cum_hire.push(b);
    }
    fn pick(&self, u: f64, hire_weighted: bool) -> usize {
        let cum = if hire_weighted {
            &self.cum_hire
        } else {
            &self.cum_orient
        };
        let target = u * cum.last().copied().unwrap_or(0.0);
        let k = cum
            .partition_point(|&c| c <= target)
            .min(self.idx.len() - 1);
        self.idx[k]
    }
}

struct Pools {
    cell: BTreeMap<(String, String, bool), Pool>,
    zone: BTreeMap<(String, bool), Pool>,
    all: [Pool; 2],
    everyone: Pool,
}

impl Pools {
    fn new(emp: &[PlacementEmployer]) -> Pools {
        let mut p = Pools {
            cell: BTreeMap::new(),
            zone: BTreeMap::new(),
            all: [Pool::default(), Pool::default()],
            everyone: Pool::default(),
        };
        for (i, e) in emp.iter().enumerate() {
            let q = hire_quality(e);
            p.cell
                .entry((e.zone.clone(), e.sector.clone(), e.labelled))
                .or_default()
                .push(i, e.vacancies, q);
            p.zone
                .entry((e.zone.clone(), e.labelled))
                .or_default()
                .push(i, e.vacancies, q);
            p.all[usize::from(e.labelled)].push(i, e.vacancies, q);
            p.everyone.push(i, e.vacancies, q);
        }
        p
    }
    /// Pool of class `labelled` for a zone and sector, with the fallbacks; `None` if the
    /// class has no employer at all.
    fn class(&self, zone: &str, sector: &str, labelled: bool) -> Option<&Pool> {
        self.cell
            .get(&(zone.to_string(), sector.to_string(), labelled))
            .or_else(|| self.zone.get(&(zone.to_string(), labelled)))
            .or_else(|| Some(&self.all[usize::from(labelled)]).filter(|p| !p.idx.is_empty()))
    }
}

fn hire_quality(e: &PlacementEmployer) -> f64 {
    sigmoid(1.5 + 0.5 * e.true_inclusiveness)
}

/// Per-person uniform draws, shared by every policy and potential outcome.
struct Draws {
    target: f64,
    class: f64,
    employer: f64,
    employer_hire: f64,
    hire: f64,
    delay: f64,
    contract: f64,
    term: f64,
    renewal: f64,
    separation: f64,
}

struct Job {
    contract: ContractKind,
    tenure: f64,
}

/// Job duration at employer `e` (days, ≥ 1) and contract, from the person's draws.
fn job(e: &PlacementEmployer, s: f64, d: &Draws) -> Job {
    let incl = e.true_inclusiveness;
    let contract = if d.contract < sigmoid(-0.6 + 0.6 * incl + 0.3 * s) {
        ContractKind::Cdi
    } else if d.term < 0.5 {
        ContractKind::Cdd6
    } else {
        ContractKind::Cdd12
    };
    let cdd = contract != ContractKind::Cdi;
    let m = (-0.4 * s).exp() * e.true_separation_multiplier * if cdd { 1.2 } else { 1.0 };
    let weibull = 953.0 * (-(1.0 - d.separation).ln() / m).powf(1.0 / 0.7);
    let tenure = match contract {
        ContractKind::Cdi => weibull,
        ContractKind::Cdd6 | ContractKind::Cdd12 => {
            let term = if contract == ContractKind::Cdd6 {
                182.0
            } else {
                365.0
            };
            if d.renewal < sigmoid(0.8 * incl) {
                weibull
            } else {
                weibull.min(term)
            }
        }
    };
    Job {
        contract,
        tenure: tenure.ceil().max(1.0),
    }
}

/// Checks the employers before any draw.
fn check_employers(employers: &[PlacementEmployer]) -> Result<(), SimError> {
    if employers.is_empty() {
        return Err(SimError::NoEmployers);
    }
    for e in employers {
        let bad = |what, value, allowed| SimError::BadEmployer {
            siret: e.siret,
            what,
            value,
            allowed,
        };
        if !(e.vacancies.is_finite() && e.vacancies > 0.0) {
            return Err(bad("vacancies", e.vacancies, "finite and > 0"));
        }
        if !e.true_inclusiveness.is_finite() {
            return Err(bad("true_inclusiveness", e.true_inclusiveness, "finite"));
        }
        if !(e.true_separation_multiplier.is_finite() && e.true_separation_multiplier > 0.0) {
            return Err(bad(
                "true_separation_multiplier",
                e.true_separation_multiplier,
                "finite and > 0",
            ));
        }
    }
    Ok(())
}

/// Log-odds of the labelled share of vacancies (bounded away from 0 and 1).
fn labelled_log_odds(employers: &[PlacementEmployer]) -> f64 {
    let total_v: f64 = employers.iter().map(|e| e.vacancies).sum();
    let lab_v: f64 = employers
        .iter()
        .filter(|e| e.labelled)
        .map(|e| e.vacancies)
        .sum();
    let l = (lab_v / total_v).clamp(0.02, 0.98);
    (l / (1.0 - l)).ln()
}

/// Counsellors applying label priority under the encouragement design: a random half, from
/// their own stream.
fn encouraged_counsellors(design: &RetentionDesign, seed: u64) -> Vec<bool> {
    let mut crng = ChaCha8Rng::seed_from_u64(seed);
    crng.set_stream(1);
    let mut order: Vec<u32> = (0..design.counsellors as u32).collect();
    order.shuffle(&mut crng);
    let mut encouraged = vec![false; design.counsellors];
    for &c in &order[..design.counsellors / 2] {
        encouraged[c as usize] = true;
    }
    encouraged
}

/// A person as drawn, before orientation.
struct Raw {
    cohort: Cohort,
    age: f64,
    female: bool,
    boeth: bool,
    months: f64,
    iae: bool,
    counsellor: u32,
    entry: Date,
    /// Employability index (not yet centred).
    s: f64,
    d: Draws,
}

/// Age, BOETH, months of unemployment, IAE history and cohort constant of one cohort.
fn cohort_profile(cohort: Cohort, r: &mut ChaCha8Rng) -> (f64, bool, f64, bool, f64) {
    let exp = |r: &mut ChaCha8Rng, mean: f64| -mean * (1.0 - r.random::<f64>()).ln();
    match cohort {
        Cohort::IaeExit => (
            r.random_range(22.0..60.0),
            r.random::<f64>() < 0.10,
            exp(r, 8.0),
            true,
            0.0,
        ),
        Cohort::LongTermUnemployed => (
            r.random_range(25.0..62.0),
            r.random::<f64>() < 0.12,
            12.0 + exp(r, 18.0),
            r.random::<f64>() < 0.15,
            -0.3,
        ),
        Cohort::YoungUnqualified => (
            r.random_range(16.0..26.0),
            r.random::<f64>() < 0.03,
            exp(r, 6.0),
            r.random::<f64>() < 0.05,
            -0.2,
        ),
    }
}

/// Person `id` of a cohort, from its own stream.
fn draw_person(cohort: Cohort, id: u64, design: &RetentionDesign, seed: u64) -> Raw {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(1000 + id);
    let (age, boeth, months, iae, c) = cohort_profile(cohort, &mut r);
    let age = age.floor();
    let months = (months * 10.0).round() / 10.0;
    let female = r.random::<f64>() < 0.45;
    let s = c - 0.015 * (age - 40.0) - 0.03 * (months - 12.0) - 0.4 * f64::from(u8::from(boeth))
        + 0.3 * f64::from(u8::from(iae));
    let counsellor = r.random_range(0..design.counsellors as u32);
    let entry = design
        .cohort_start
        .add_days(r.random_range(0..design.entry_window_days));
    let d = Draws {
        target: r.random(),
        class: r.random(),
        employer: r.random(),
        employer_hire: r.random(),
        hire: r.random(),
        delay: r.random(),
        contract: r.random(),
        term: r.random(),
        renewal: r.random(),
        separation: r.random(),
    };
    Raw {
        cohort,
        age,
        female,
        boeth,
        months,
        iae,
        counsellor,
        entry,
        s,
        d,
    }
}

/// Every person of the three cohorts, in cohort order.
fn draw_persons(design: &RetentionDesign, seed: u64) -> Vec<Raw> {
    let cohorts = [
        (Cohort::IaeExit, design.iae_exits),
        (Cohort::LongTermUnemployed, design.long_term_unemployed),
        (Cohort::YoungUnqualified, design.young_unqualified),
    ];
    let mut raws = Vec::new();
    let mut id = 0u64;
    for (cohort, n) in cohorts {
        for _ in 0..n {
            raws.push(draw_person(cohort, id, design, seed));
            id += 1;
        }
    }
    raws
}

/// What every person's outcomes are drawn against.
struct Ctx<'a> {
    employers: &'a [PlacementEmployer],
    pools: Pools,
    /// Log-odds of the labelled share of vacancies.
    base: f64,
    design: &'a RetentionDesign,
    encouraged: Vec<bool>,
}

/// Orientation, hire and job of a person sent to a labelled employer with probability
/// `p_lab`: the outcome, the employer and the contract (if hired).
fn orient(
    cx: &Ctx<'_>,
    r: &Raw,
    s: f64,
    cell: (&str, &str),
    p_lab: f64,
) -> (Outcome, usize, Option<ContractKind>) {
    let (zone, sector) = cell;
    let mut lab = r.d.class < p_lab;
    let pool = match cx.pools.class(zone, sector, lab) {
        Some(p) => p,
        None => {
            lab = !lab;
            cx.pools
                .class(zone, sector, lab)
                .unwrap_or(&cx.pools.everyone)
        }
    };
    let ei = pool.pick(r.d.employer, false);
    let e = &cx.employers[ei];
    let p_hire = sigmoid(0.4 + s) * hire_quality(e);
    let delay = (-(60.0 * (-0.3 * s).exp()) * (1.0 - r.d.delay).ln())
        .ceil()
        .max(1.0);
    let hired = r.d.hire < p_hire && delay <= 365.0;
    let j = job(e, s, &r.d);
    let outcome = Outcome {
        labelled: lab,
        hired,
        delay,
        tenure: j.tenure,
    };
    (outcome, ei, hired.then_some(j.contract))
}

/// One person's observed row and hidden truth.
fn person(cx: &Ctx<'_>, k: usize, r: &Raw, s_mean: f64) -> (SimPerson, PersonTruth) {
    let s = r.s - s_mean;
    let target = &cx.employers[cx.pools.everyone.pick(r.d.target, false)];
    let cell = (target.zone.as_str(), target.sector.as_str());
    let p_sq = sigmoid(cx.base + cx.design.selection_strength * s);
    let c = cx.design.priority_compliance;
    let p_lp = c + (1.0 - c) * p_sq;
    let (sq, ei_sq, ct_sq) = orient(cx, r, s, cell, p_sq);
    let (lp, ei_lp, ct_lp) = orient(cx, r, s, cell, p_lp);
    let potential = |lab: bool| {
        let pool = cx
            .pools
            .class(cell.0, cell.1, lab)
            .unwrap_or(&cx.pools.everyone);
        job(&cx.employers[pool.pick(r.d.employer_hire, true)], s, &r.d).tenure
    };
    let policy = cx.design.policy;
    let encouraged = policy == Policy::Encouragement && cx.encouraged[r.counsellor as usize];
    let use_lp = policy == Policy::LabelPriority || encouraged;
    let (o, ei, ct) = if use_lp {
        (lp, ei_lp, ct_lp)
    } else {
        (sq, ei_sq, ct_sq)
    };
    let hire_date = r.entry.add_days(o.delay as i32);
    let hired_obs = o.hired && hire_date <= cx.design.extraction_date;
    let (duration, event) = if hired_obs {
        // Days in the job up to the extraction date, both days counted (as a contract's
        // duration in the DSN): a job of `tenure` days ends on day hire + tenure − 1, seen
        // when that day is on or before the extraction date.
        let follow = f64::from(hire_date.days_until(cx.design.extraction_date) + 1);
        (Some(o.tenure.min(follow)), Some(o.tenure <= follow))
    } else {
        (None, None)
    };
    let row = SimPerson {
        person_id: k as u64,
        cohort: r.cohort,
        age: r.age,
        female: r.female,
        boeth: r.boeth,
        unemployment_months: r.months,
        iae_history: r.iae,
        zone: cell.0.to_string(),
        sector: cell.1.to_string(),
        counsellor: r.counsellor,
        encouraged,
        entry: r.entry,
        oriented_labelled: o.labelled,
        siret: cx.employers[ei].siret,
        hired: hired_obs,
        hire_delay: hired_obs.then_some(o.delay),
        contract: if hired_obs { ct } else { None },
        duration,
        event,
    };
    let truth = PersonTruth {
        employability: s,
        status_quo: sq,
        label_priority: lp,
        tenure_if_labelled: potential(true),
        tenure_if_other: potential(false),
    };
    (row, truth)
}

/// Simulates the cohort under `design.policy`, with the truth under every policy.
///
/// # Errors
/// No employers, or an employer with non-finite traits or non-positive vacancies.
pub fn simulate(
    employers: &[PlacementEmployer],
    design: &RetentionDesign,
    seed: u64,
) -> Result<SimOutput, SimError> {
    check_employers(employers)?;
    let cx = Ctx {
        employers,
        pools: Pools::new(employers),
        base: labelled_log_odds(employers),
        design,
        encouraged: encouraged_counsellors(design, seed),
    };
    let raws = draw_persons(design, seed);
    let s_mean = raws.iter().map(|r| r.s).sum::<f64>() / raws.len().max(1) as f64;
    let (persons, truth): (Vec<SimPerson>, Vec<PersonTruth>) = raws
        .iter()
        .enumerate()
        .map(|(k, r)| person(&cx, k, r, s_mean))
        .unzip();
    let mut policies = vec![
        policy_truth("status_quo", &truth, &design.horizons, |t, _| t.status_quo),
        policy_truth("label_priority", &truth, &design.horizons, |t, _| {
            t.label_priority
        }),
    ];
    if design.policy == Policy::Encouragement {
        policies.push(policy_truth(
            "encouragement",
            &truth,
            &design.horizons,
            |t, k| {
                if persons[k].encouraged {
                    t.label_priority
                } else {
                    t.status_quo
                }
            },
        ));
    }
    Ok(SimOutput {
        persons,
        truth,
        policies,
        policy: design.policy,
    })
}

fn key(h: f64) -> String {
    format!("{h}")
}

fn policy_truth(
    name: &str,
    truth: &[PersonTruth],
    horizons: &[f64],
    f: impl Fn(&PersonTruth, usize) -> Outcome,
) -> PolicyTruth {
    let n = truth.len().max(1) as f64;
    let outs: Vec<Outcome> = truth.iter().enumerate().map(|(k, t)| f(t, k)).collect();
    let hires: Vec<&Outcome> = outs.iter().filter(|o| o.hired).collect();
    let nh = hires.len().max(1) as f64;
    let mut hired_within = BTreeMap::new();
    let mut retention = BTreeMap::new();
    let mut retained_job = BTreeMap::new();
    for &h in horizons {
        hired_within.insert(
            key(h),
            outs.iter().filter(|o| o.hired && o.delay <= h).count() as f64 / n,
        );
        retention.insert(
            key(h),
            hires.iter().filter(|o| o.tenure > h).count() as f64 / nh,
        );
        retained_job.insert(
            key(h),
            hires.iter().filter(|o| o.tenure > h).count() as f64 / n,
        );
    }
    PolicyTruth {
        policy: name.to_string(),
        hired_within,
        retention,
        retained_job,
        labelled_share_of_hires: hires.iter().filter(|o| o.labelled).count() as f64 / nh,
    }
}
