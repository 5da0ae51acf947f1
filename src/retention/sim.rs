//! Simulated cohorts of job seekers oriented to employers, with known retention.
//!
//! **Input.** `pipeline` passes a slice of [`PlacementEmployer`] built from the
//! generator's truth table (latent traits, never shown to the estimators) and the scores
//! (label), plus the validated [`RetentionDesign`] and a seed (use [`stream_seed`] on the
//! experiment seed so this stream is independent of the other stages).
//!
//! **Persons** (cohort sizes from the design; calibration block E):
//! - IAE exits (E2): age 22–60, 10% BOETH, unemployment before entry ~ Exp(mean 8 months);
//! - long-term unemployed (E1: ≥ 12 months by definition): age 25–62, 12% BOETH,
//!   12 + Exp(mean 18) months, 15% with an IAE history;
//! - under-26s without qualification: age 16–25, 3% BOETH, Exp(mean 6) months, 5% IAE history.
//!
//! Shares of women (45%) and BOETH are assumptions (U; D4 gives 5.3% of headcount in firms).
//!
//! **Employability** (observed by the estimators through its ingredients):
//! `s = c_cohort − 0.015 (age − 40) − 0.03 (months − 12) − 0.4 boeth + 0.3 iae_history`,
//! centred on the cohort mean, with `c` = 0 (IAE), −0.3 (long-term), −0.2 (young).
//!
//! **Orientation.** Each person targets a zone and sector (drawn ∝ vacancies). The class of
//! employer (labelled or not) is chosen with `p_sq = σ(logit(L) + γ s)` under the status quo,
//! where L is the labelled share of vacancies and γ = `selection_strength` (stronger
//! candidates reach labelled employers more often: **selection**), and with
//! `p_lp = c + (1 − c) p_sq` under label priority (c = `priority_compliance`). Under the
//! encouragement design a random half of counsellors apply label priority. The employer is
//! then drawn ∝ vacancies in the class within the zone and sector (else zone, else anywhere).
//!
//! **Hiring** with probability `σ(0.4 + s) · σ(1.5 + 0.5 incl_e)` (≈ 45–50% hired within a
//! year, calibration E3/E5), after Exp(mean 60·e^{−0.3 s}) days, within 365 days.
//! **Contract**: CDI with probability `σ(−0.6 + 0.6 incl_e + 0.3 s)`, else a CDD of 6 or 12
//! months renewed or converted at term with probability `σ(0.8 incl_e)`.
//! **Retention**: Weibull separation, shape 0.7, scale 953 days (S(182) ≈ 0.73,
//! S(365) ≈ 0.60 for a reference person, calibration E8 and B6), hazard multiplied by
//! `e^{−0.4 s} · sep_mult_e · 1.2^{CDD}`; an unrenewed CDD ends at its term.
//!
//! **Truth.** Every person has one set of uniform draws (common random numbers), reused under
//! each policy and for the potential outcomes at a labelled and at an other employer (drawn
//! ∝ vacancies × hiring propensity in the class, i.e. the employer mix among hires). Truth
//! needs no censoring; the observed table is censored at the extraction date.

use super::compare::{self, Estimate, HorizonDifference, Proportion};
use super::cox::CoxFit;
use super::design::{Policy, RetentionDesign};
use super::{estimate_retention, PersonTable, RetentionError, RetentionOptions};
use crate::date::Date;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Stream constant of the retention simulation ("retent" in ASCII).
pub const STREAM: u64 = 0x7265_7465_6e74;

/// Seed of the retention stream derived from the experiment seed.
pub fn stream_seed(experiment_seed: u64) -> u64 {
    experiment_seed ^ STREAM.rotate_left(17)
}

/// An establishment that counsellors can orient job seekers to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlacementEmployer {
    /// SIRET.
    pub siret: u64,
    /// Employment zone.
    pub zone: String,
    /// Sector (e.g. NAF section).
    pub sector: String,
    /// Labelled by the score at the time of the cohort.
    pub labelled: bool,
    /// Label level (0 = none); informational.
    pub label_level: u8,
    /// TRUE latent inclusiveness, standard-normal scale (0 = average); hidden from estimators.
    pub true_inclusiveness: f64,
    /// TRUE multiplier of the separation hazard (1 = average, < 1 keeps people longer).
    pub true_separation_multiplier: f64,
    /// Relative number of vacancies (orientation weight), > 0.
    pub vacancies: f64,
}

/// Cohort of a job seeker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cohort {
    /// Leaving an IAE pathway.
    IaeExit,
    /// Unemployed one year or more.
    LongTermUnemployed,
    /// Under 26 without qualification.
    YoungUnqualified,
}

/// Contract offered at hire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContractKind {
    /// Open-ended.
    Cdi,
    /// Fixed-term of about 6 months.
    Cdd6,
    /// Fixed-term of about 12 months.
    Cdd12,
}

/// One row of the observed person table (what an evaluator would extract).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimPerson {
    /// Person id (row number).
    pub person_id: u64,
    /// Cohort.
    pub cohort: Cohort,
    /// Age at entry (years).
    pub age: f64,
    /// Woman.
    pub female: bool,
    /// Recognised disabled worker.
    pub boeth: bool,
    /// Months of unemployment at entry.
    pub unemployment_months: f64,
    /// Past IAE pathway.
    pub iae_history: bool,
    /// Target zone.
    pub zone: String,
    /// Target sector.
    pub sector: String,
    /// Counsellor id.
    pub counsellor: u32,
    /// Counsellor applies label priority (encouragement arm; false outside that design).
    pub encouraged: bool,
    /// Entry into the cohort.
    pub entry: Date,
    /// Oriented to a labelled employer.
    pub oriented_labelled: bool,
    /// SIRET of the employer oriented to.
    pub siret: u64,
    /// Hired within 365 days of entry and on or before the extraction date.
    pub hired: bool,
    /// Days from entry to hire (hired only).
    pub hire_delay: Option<f64>,
    /// Contract at hire (hired only).
    pub contract: Option<ContractKind>,
    /// Days from hire to separation or censoring (hired only).
    pub duration: Option<f64>,
    /// Separation observed before the extraction date (hired only).
    pub event: Option<bool>,
}

/// Hidden truth for one person under one policy (no censoring).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Oriented to a labelled employer.
    pub labelled: bool,
    /// Hired within 365 days.
    pub hired: bool,
    /// Days to hire (if hired).
    pub delay: f64,
    /// Job duration in days (if hired).
    pub tenure: f64,
}

/// Hidden truth for one person.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PersonTruth {
    /// Centred employability index.
    pub employability: f64,
    /// Outcome under the status quo.
    pub status_quo: Outcome,
    /// Outcome under label priority.
    pub label_priority: Outcome,
    /// Job duration if hired at a labelled employer (potential outcome).
    pub tenure_if_labelled: f64,
    /// Job duration if hired at another employer (potential outcome).
    pub tenure_if_other: f64,
}

/// Population truth under one policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyTruth {
    /// Policy name.
    pub policy: String,
    /// Share of the cohort hired within each horizon (keyed by horizon in days).
    pub hired_within: BTreeMap<String, f64>,
    /// Retention of hires at each horizon.
    pub retention: BTreeMap<String, f64>,
    /// Share of the cohort hired within 365 days and still in that job at each horizon.
    pub retained_job: BTreeMap<String, f64>,
    /// Share of hires placed in a labelled employer.
    pub labelled_share_of_hires: f64,
}

/// Output of [`simulate`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimOutput {
    /// Observed table.
    pub persons: Vec<SimPerson>,
    /// Hidden truth, row-aligned with `persons`.
    pub truth: Vec<PersonTruth>,
    /// Policy-level truth for the status quo, label priority and the design's policy.
    pub policies: Vec<PolicyTruth>,
    /// Policy simulated for the observed table.
    pub policy: Policy,
}

/// Why a simulation cannot run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimError {
    #[error("no placement employers were given")]
    NoEmployers,
    #[error("employer {siret}: {what} = {value} is invalid ({allowed})")]
    BadEmployer {
        siret: u64,
        what: &'static str,
        value: f64,
        allowed: &'static str,
    },
}

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

/// Simulates the cohort under `design.policy`, with the truth under every policy.
///
/// # Errors
/// No employers, or an employer with non-finite traits or non-positive vacancies.
pub fn simulate(
    employers: &[PlacementEmployer],
    design: &RetentionDesign,
    seed: u64,
) -> Result<SimOutput, SimError> {
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
    let pools = Pools::new(employers);
    let total_v: f64 = employers.iter().map(|e| e.vacancies).sum();
    let lab_v: f64 = employers
        .iter()
        .filter(|e| e.labelled)
        .map(|e| e.vacancies)
        .sum();
    let base = {
        let l = (lab_v / total_v).clamp(0.02, 0.98);
        (l / (1.0 - l)).ln()
    };
    // counsellors: a random half apply label priority (own stream)
    let mut crng = ChaCha8Rng::seed_from_u64(seed);
    crng.set_stream(1);
    let mut order: Vec<u32> = (0..design.counsellors as u32).collect();
    order.shuffle(&mut crng);
    let mut encouraged_c = vec![false; design.counsellors];
    for &c in &order[..design.counsellors / 2] {
        encouraged_c[c as usize] = true;
    }
    let cohorts = [
        (Cohort::IaeExit, design.iae_exits),
        (Cohort::LongTermUnemployed, design.long_term_unemployed),
        (Cohort::YoungUnqualified, design.young_unqualified),
    ];
    struct Raw {
        cohort: Cohort,
        age: f64,
        female: bool,
        boeth: bool,
        months: f64,
        iae: bool,
        counsellor: u32,
        entry: Date,
        s: f64,
        d: Draws,
    }
    let mut raws = Vec::new();
    let mut id = 0u64;
    for (cohort, n) in cohorts {
        for _ in 0..n {
            let mut r = ChaCha8Rng::seed_from_u64(seed);
            r.set_stream(1000 + id);
            let exp = |r: &mut ChaCha8Rng, mean: f64| -mean * (1.0 - r.random::<f64>()).ln();
            let (age, boeth, months, iae, c): (f64, bool, f64, bool, f64) = match cohort {
                Cohort::IaeExit => (
                    r.random_range(22.0..60.0),
                    r.random::<f64>() < 0.10,
                    exp(&mut r, 8.0),
                    true,
                    0.0,
                ),
                Cohort::LongTermUnemployed => (
                    r.random_range(25.0..62.0),
                    r.random::<f64>() < 0.12,
                    12.0 + exp(&mut r, 18.0),
                    r.random::<f64>() < 0.15,
                    -0.3,
                ),
                Cohort::YoungUnqualified => (
                    r.random_range(16.0..26.0),
                    r.random::<f64>() < 0.03,
                    exp(&mut r, 6.0),
                    r.random::<f64>() < 0.05,
                    -0.2,
                ),
            };
            let age = age.floor();
            let months = (months * 10.0).round() / 10.0;
            let female = r.random::<f64>() < 0.45;
            let s = c
                - 0.015 * (age - 40.0)
                - 0.03 * (months - 12.0)
                - 0.4 * f64::from(u8::from(boeth))
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
            raws.push(Raw {
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
            });
            id += 1;
        }
    }
    let s_mean = raws.iter().map(|r| r.s).sum::<f64>() / raws.len().max(1) as f64;
    let gamma = design.selection_strength;
    let c = design.priority_compliance;
    let mut persons = Vec::with_capacity(raws.len());
    let mut truth = Vec::with_capacity(raws.len());
    for (k, r) in raws.iter().enumerate() {
        let s = r.s - s_mean;
        let target = &employers[pools.everyone.pick(r.d.target, false)];
        let (zone, sector) = (target.zone.as_str(), target.sector.as_str());
        let p_sq = sigmoid(base + gamma * s);
        let p_lp = c + (1.0 - c) * p_sq;
        let outcome = |p_lab: f64| -> (Outcome, usize, Option<ContractKind>) {
            let mut lab = r.d.class < p_lab;
            let pool = match pools.class(zone, sector, lab) {
                Some(p) => p,
                None => {
                    lab = !lab;
                    pools.class(zone, sector, lab).unwrap_or(&pools.everyone)
                }
            };
            let ei = pool.pick(r.d.employer, false);
            let e = &employers[ei];
            let p_hire = sigmoid(0.4 + s) * hire_quality(e);
            let delay = (-(60.0 * (-0.3 * s).exp()) * (1.0 - r.d.delay).ln())
                .ceil()
                .max(1.0);
            let hired = r.d.hire < p_hire && delay <= 365.0;
            let j = job(e, s, &r.d);
            (
                Outcome {
                    labelled: lab,
                    hired,
                    delay,
                    tenure: j.tenure,
                },
                ei,
                hired.then_some(j.contract),
            )
        };
        let (sq, ei_sq, ct_sq) = outcome(p_sq);
        let (lp, ei_lp, ct_lp) = outcome(p_lp);
        let potential = |lab: bool| {
            let pool = pools.class(zone, sector, lab).unwrap_or(&pools.everyone);
            job(&employers[pool.pick(r.d.employer_hire, true)], s, &r.d).tenure
        };
        let encouraged =
            design.policy == Policy::Encouragement && encouraged_c[r.counsellor as usize];
        let use_lp = design.policy == Policy::LabelPriority || encouraged;
        let (o, ei, ct) = if use_lp {
            (lp, ei_lp, ct_lp)
        } else {
            (sq, ei_sq, ct_sq)
        };
        let hire_date = r.entry.add_days(o.delay as i32);
        let hired_obs = o.hired && hire_date <= design.extraction_date;
        let (duration, event) = if hired_obs {
            let follow = f64::from(hire_date.days_until(design.extraction_date));
            (Some(o.tenure.min(follow)), Some(o.tenure <= follow))
        } else {
            (None, None)
        };
        persons.push(SimPerson {
            person_id: k as u64,
            cohort: r.cohort,
            age: r.age,
            female: r.female,
            boeth: r.boeth,
            unemployment_months: r.months,
            iae_history: r.iae,
            zone: zone.to_string(),
            sector: sector.to_string(),
            counsellor: r.counsellor,
            encouraged,
            entry: r.entry,
            oriented_labelled: o.labelled,
            siret: employers[ei].siret,
            hired: hired_obs,
            hire_delay: hired_obs.then_some(o.delay),
            contract: if hired_obs { ct } else { None },
            duration,
            event,
        });
        truth.push(PersonTruth {
            employability: s,
            status_quo: sq,
            label_priority: lp,
            tenure_if_labelled: potential(true),
            tenure_if_other: potential(false),
        });
    }
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

/// Group label of hires at labelled employers in the study table.
pub const LABELLED: &str = "labelled";
/// Group label of hires at other employers (the reference).
pub const OTHER: &str = "other";
/// Covariates given to the Cox and propensity models.
pub const COVARIATES: [&str; 7] = [
    "age",
    "female",
    "boeth",
    "unemployment_months",
    "iae_history",
    "cohort_long_term",
    "cohort_young",
];

/// Observed hires as a [`PersonTable`] (group `labelled`/`other`, covariates [`COVARIATES`]).
pub fn hires_table(persons: &[SimPerson]) -> Result<PersonTable, RetentionError> {
    let hires: Vec<&SimPerson> = persons.iter().filter(|p| p.hired).collect();
    let b = |v: bool| f64::from(u8::from(v));
    let t = PersonTable::new(
        hires.iter().map(|p| p.duration.unwrap_or(0.0)).collect(),
        hires.iter().map(|p| p.event.unwrap_or(false)).collect(),
        hires
            .iter()
            .map(|p| if p.oriented_labelled { LABELLED } else { OTHER }.to_string())
            .collect(),
    )?;
    let cols: [Vec<f64>; 7] = [
        hires.iter().map(|p| p.age).collect(),
        hires.iter().map(|p| b(p.female)).collect(),
        hires.iter().map(|p| b(p.boeth)).collect(),
        hires.iter().map(|p| p.unemployment_months).collect(),
        hires.iter().map(|p| b(p.iae_history)).collect(),
        hires
            .iter()
            .map(|p| b(p.cohort == Cohort::LongTermUnemployed))
            .collect(),
        hires
            .iter()
            .map(|p| b(p.cohort == Cohort::YoungUnqualified))
            .collect(),
    ];
    let mut t = t;
    for (name, col) in COVARIATES.iter().zip(cols) {
        t = t.with_covariate(name, col)?;
    }
    Ok(t)
}

/// Estimated vs true effect of a labelled employer on retention at one horizon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EffectCheck {
    /// Horizon (days).
    pub t: f64,
    /// True average effect among observed hires: mean of 1{T(1) > t} − 1{T(0) > t}.
    pub truth: f64,
    /// Naive KM difference labelled − other.
    pub naive: HorizonDifference,
    /// IPW-adjusted difference (None if it could not be computed).
    pub adjusted: Option<Estimate>,
    /// naive − truth.
    pub naive_bias: f64,
    /// adjusted − truth.
    pub adjusted_bias: Option<f64>,
}

/// ITT and Wald at one horizon with their true values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncouragementCheck {
    /// Horizon (days).
    pub t: f64,
    /// Persons with complete follow-up (entry + 365 + t ≤ extraction).
    pub n: usize,
    /// Estimated ITT, first stage and Wald.
    pub estimate: compare::EncouragementEstimate,
    /// True ITT on the same persons: mean of Y(priority) − Y(status quo).
    pub true_itt: f64,
    /// True Wald: Σ [Y(priority) − Y(status quo)] / Σ [D(priority) − D(status quo)].
    pub true_wald: Option<f64>,
}

/// Back in a job within t days, by arm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReturnToEmployment {
    /// Horizon (days).
    pub t: f64,
    /// Arm: "all", or "encouraged"/"not_encouraged" under the encouragement design.
    pub arm: String,
    /// Proportion among persons with entry + t ≤ extraction.
    pub proportion: Proportion,
}

/// Selects the persons of one arm.
type ArmFilter = Box<dyn Fn(&SimPerson) -> bool>;

/// What the estimators find on a simulated cohort, next to the truth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetentionStudy {
    /// Policy simulated.
    pub policy: Policy,
    /// Persons in the cohort.
    pub persons: usize,
    /// Hires observed by the extraction date.
    pub hires: usize,
    /// Population truth per policy.
    pub policies: Vec<PolicyTruth>,
    /// Naive and IPW-adjusted differences vs the true effect, per horizon.
    pub labelled_effect: Vec<EffectCheck>,
    /// Cox model of separation on the labelled indicator and covariates.
    pub cox: Option<CoxFit>,
    /// ITT and Wald (encouragement design only).
    pub encouragement: Vec<EncouragementCheck>,
    /// Return to employment within each horizon.
    pub return_to_employment: Vec<ReturnToEmployment>,
    /// Warnings of the estimators.
    pub warnings: Vec<String>,
}

impl RetentionStudy {
    /// Runs the estimators on the simulated cohort and sets them against the truth.
    ///
    /// # Errors
    /// Estimator errors (e.g. no hire observed, all hires censored).
    pub fn run(
        sim: &SimOutput,
        design: &RetentionDesign,
        seed: u64,
    ) -> Result<RetentionStudy, RetentionError> {
        let table = hires_table(&sim.persons)?;
        let opts = RetentionOptions {
            horizons: design.horizons.clone(),
            reference: table
                .group_levels()
                .contains(&OTHER.to_string())
                .then(|| OTHER.to_string()),
            ipw: compare::IpwOptions {
                bootstrap: design.ipw_bootstrap,
                seed,
                ..Default::default()
            },
            ..Default::default()
        };
        let res = estimate_retention(&table, &opts)?;
        let hired_truth: Vec<&PersonTruth> = sim
            .persons
            .iter()
            .zip(&sim.truth)
            .filter(|(p, _)| p.hired)
            .map(|(_, t)| t)
            .collect();
        let nh = hired_truth.len().max(1) as f64;
        let mut labelled_effect = Vec::new();
        for (k, &h) in res.horizons.iter().enumerate() {
            let truth = hired_truth
                .iter()
                .map(|t| {
                    f64::from(u8::from(t.tenure_if_labelled > h))
                        - f64::from(u8::from(t.tenure_if_other > h))
                })
                .sum::<f64>()
                / nh;
            let Some(naive) = res
                .risk_difference
                .iter()
                .find(|r| r.t == h && r.group == LABELLED)
                .cloned()
            else {
                continue;
            };
            let adjusted = res.adjusted.as_ref().map(|a| a.horizons[k].difference);
            labelled_effect.push(EffectCheck {
                t: h,
                truth,
                naive_bias: naive.difference - truth,
                adjusted_bias: adjusted.map(|a| a.estimate - truth),
                naive,
                adjusted,
            });
        }
        let z = super::critical_value(0.95);
        let mut encouragement = Vec::new();
        let mut return_to_employment = Vec::new();
        let arms: Vec<(&str, ArmFilter)> = if sim.policy == Policy::Encouragement {
            vec![
                ("encouraged", Box::new(|p: &SimPerson| p.encouraged)),
                ("not_encouraged", Box::new(|p: &SimPerson| !p.encouraged)),
            ]
        } else {
            vec![("all", Box::new(|_: &SimPerson| true))]
        };
        for &h in &res.horizons {
            for (arm, keep) in &arms {
                let eligible: Vec<&SimPerson> = sim
                    .persons
                    .iter()
                    .filter(|p| {
                        keep(p) && f64::from(p.entry.days_until(design.extraction_date)) >= h
                    })
                    .collect();
                let k = eligible
                    .iter()
                    .filter(|p| p.hired && p.hire_delay.is_some_and(|d| d <= h))
                    .count();
                return_to_employment.push(ReturnToEmployment {
                    t: h,
                    arm: arm.to_string(),
                    proportion: compare::proportion(k, eligible.len(), z),
                });
            }
            if sim.policy != Policy::Encouragement {
                continue;
            }
            let rows: Vec<usize> = (0..sim.persons.len())
                .filter(|&i| {
                    f64::from(sim.persons[i].entry.days_until(design.extraction_date)) >= 365.0 + h
                })
                .collect();
            let y_of = |o: &Outcome| f64::from(u8::from(o.hired && o.tenure > h));
            let d_of = |o: &Outcome| f64::from(u8::from(o.hired && o.labelled));
            let mut y = Vec::new();
            let mut d = Vec::new();
            let mut zs = Vec::new();
            let mut cl = Vec::new();
            let (mut dy, mut dd) = (0.0, 0.0);
            for &i in &rows {
                let p = &sim.persons[i];
                let t = &sim.truth[i];
                let o = if p.encouraged {
                    t.label_priority
                } else {
                    t.status_quo
                };
                y.push(y_of(&o));
                d.push(d_of(&o));
                zs.push(p.encouraged);
                cl.push(u64::from(p.counsellor));
                dy += y_of(&t.label_priority) - y_of(&t.status_quo);
                dd += d_of(&t.label_priority) - d_of(&t.status_quo);
            }
            if let Ok(estimate) = compare::encouragement(&y, &d, &zs, &cl, z) {
                encouragement.push(EncouragementCheck {
                    t: h,
                    n: rows.len(),
                    estimate,
                    true_itt: dy / rows.len().max(1) as f64,
                    true_wald: (dd != 0.0).then(|| dy / dd),
                });
            }
        }
        Ok(RetentionStudy {
            policy: sim.policy,
            persons: sim.persons.len(),
            hires: table.len(),
            policies: sim.policies.clone(),
            labelled_effect,
            cox: res.cox,
            encouragement,
            return_to_employment,
            warnings: res.warnings,
        })
    }
}

/// The observed person table as a polars `DataFrame` (one row per person; job columns are
/// null for persons not hired), for writing next to the other tables.
pub fn persons_df(rows: &[SimPerson]) -> polars::prelude::PolarsResult<polars::prelude::DataFrame> {
    use polars::prelude::*;
    let cohort = |c: Cohort| match c {
        Cohort::IaeExit => "iae_exit",
        Cohort::LongTermUnemployed => "long_term_unemployed",
        Cohort::YoungUnqualified => "young_unqualified",
    };
    let contract = |c: ContractKind| match c {
        ContractKind::Cdi => "cdi",
        ContractKind::Cdd6 => "cdd_6m",
        ContractKind::Cdd12 => "cdd_12m",
    };
    let entry: Int32Chunked = rows.iter().map(|p| Some(p.entry.0)).collect();
    df!(
        "person_id" => rows.iter().map(|p| p.person_id).collect::<Vec<_>>(),
        "cohort" => rows.iter().map(|p| cohort(p.cohort)).collect::<Vec<_>>(),
        "age" => rows.iter().map(|p| p.age).collect::<Vec<_>>(),
        "female" => rows.iter().map(|p| p.female).collect::<Vec<_>>(),
        "boeth" => rows.iter().map(|p| p.boeth).collect::<Vec<_>>(),
        "unemployment_months" => rows.iter().map(|p| p.unemployment_months).collect::<Vec<_>>(),
        "iae_history" => rows.iter().map(|p| p.iae_history).collect::<Vec<_>>(),
        "zone" => rows.iter().map(|p| p.zone.as_str()).collect::<Vec<_>>(),
        "sector" => rows.iter().map(|p| p.sector.as_str()).collect::<Vec<_>>(),
        "counsellor" => rows.iter().map(|p| p.counsellor).collect::<Vec<_>>(),
        "encouraged" => rows.iter().map(|p| p.encouraged).collect::<Vec<_>>(),
        "entry" => entry.into_date().into_series(),
        "oriented_labelled" => rows.iter().map(|p| p.oriented_labelled).collect::<Vec<_>>(),
        "siret" => rows.iter().map(|p| crate::model::siret_string(p.siret)).collect::<Vec<_>>(),
        "hired" => rows.iter().map(|p| p.hired).collect::<Vec<_>>(),
        "hire_delay" => rows.iter().map(|p| p.hire_delay).collect::<Vec<_>>(),
        "contract" => rows.iter().map(|p| p.contract.map(contract)).collect::<Vec<_>>(),
        "duration" => rows.iter().map(|p| p.duration).collect::<Vec<_>>(),
        "event" => rows.iter().map(|p| p.event.map(i32::from)).collect::<Vec<_>>(),
    )
}
