//! The ground truth of each establishment: its latent traits, and the outcome the score is
//! meant to rank by — what happens to the fragile people it hires.
//!
//! A counsellor's list should point to employers where people far from employment get a job
//! *and keep it*. The truth is therefore an outcome simulated from the establishment's own
//! behaviour, not a latent factor:
//! - `fragile_hire_share`: the expected share of fragile persons among its new hires — long
//!   unemployment or long sick leave, no prior employment, leaving IAE, BOETH or aged 50+ —
//!   from its hiring propensities (the return-to-work channel);
//! - `fragile_retention_6m` / `_12m`: the probability that a fragile new hire is still in the
//!   job 182 / 365 days after hire (a CDD converted to CDI counts as the same job), from
//!   [`TRUTH_HIRES`] simulated fragile hires drawn through the same contract-course functions
//!   as the data ([`super::courses`]), and counting the establishment's flow of very short
//!   CDDs to new persons, which never last that long;
//! - `outcome = fragile_hire_share × fragile_retention_12m`: fragile new hires still in the
//!   job a year later, per new hire.
//!
//! It is computed on the unexposed traits at the start of the scored window, from its own
//! random stream ([`super::rng::TRUTH`]), so it is the same in every world of an experiment.

use super::courses::{self, HireCtx};
use super::engine::{draw_band, draw_pcs, hire_propensities, is_fragile};
use super::pool::{draw_birth, HireSource, PersonRec};
use super::population::{Estab, Latent};
use super::rng::{self, cell, CellRng};
use crate::config::Experiment;
use crate::model::sex;
use rand::Rng;
use serde::{Deserialize, Serialize};

/// Simulated fragile hires per establishment for its retention truth.
pub const TRUTH_HIRES: usize = 300;
/// Simulated hires of any profile per establishment for its mean job spell.
pub const TRUTH_SPELLS: usize = 100;
/// Mean vacancy between two core hires of a slot (days), as in the simulation.
const VACANCY_DAYS: f64 = 21.0;

/// The ground truth of one establishment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EstablishmentTruth {
    pub siret: u64,
    /// Index of the establishment in generation order.
    pub index: u32,
    /// Latent openness to people far from employment (standard normal).
    pub openness: f64,
    /// Latent quality of the jobs offered (standard normal).
    pub job_quality: f64,
    /// Latent working conditions (standard normal; higher keeps people longer).
    pub working_conditions: f64,
    /// Seasonality within its sector (0 on average; higher hires more of the young on
    /// very short CDDs).
    pub seasonality: f64,
    /// Hires BOETH to meet the 6% obligation without keeping them.
    pub oeth_churner: bool,
    /// Indicators look good while fragile hires are let go after six months.
    pub gamer: bool,
    /// Number of job slots (target headcount).
    pub slots: u32,
    /// Drawn size band: 0 = 1–9, 1 = 10–49, 2 = 50–249, 3 = 250+.
    pub size_band: u8,
    /// IAE structure (ACI or EI).
    pub iae_structure: bool,
    /// Log-odds shifts of hiring propensities (without exposure).
    pub women_shift: f64,
    pub no_experience_shift: f64,
    pub long_unemployed_shift: f64,
    pub young_shift: f64,
    pub senior_shift: f64,
    pub boeth_shift: f64,
    pub iae_shift: f64,
    pub work_study_shift: f64,
    pub cdi_shift: f64,
    pub conversion_shift: f64,
    /// Multipliers on separations, accidents, internships, CDD length and short-CDD use.
    pub separation_multiplier: f64,
    pub accident_multiplier: f64,
    pub internship_multiplier: f64,
    pub cdd_length_multiplier: f64,
    pub short_cdd_multiplier: f64,
    /// Expected share of fragile persons among new hires.
    pub fragile_hire_share: f64,
    /// Probability that a fragile new hire is still in the job after 182 days.
    pub fragile_retention_6m: f64,
    /// Probability that a fragile new hire is still in the job after 365 days.
    pub fragile_retention_12m: f64,
    /// Fragile new hires still in the job a year later, per new hire: what the score should
    /// rank by.
    pub outcome: f64,
}

impl EstablishmentTruth {
    pub(crate) fn new(siret: u64, index: u32, lat: &Latent) -> EstablishmentTruth {
        EstablishmentTruth {
            siret,
            index,
            openness: lat.openness,
            job_quality: lat.quality,
            working_conditions: lat.conditions,
            seasonality: lat.seasonality,
            oeth_churner: lat.oeth_churner,
            gamer: lat.gamer,
            slots: 0,
            size_band: 0,
            iae_structure: false,
            women_shift: 0.0,
            no_experience_shift: 0.0,
            long_unemployed_shift: 0.0,
            young_shift: 0.0,
            senior_shift: 0.0,
            boeth_shift: 0.0,
            iae_shift: 0.0,
            work_study_shift: 0.0,
            cdi_shift: 0.0,
            conversion_shift: 0.0,
            separation_multiplier: 1.0,
            accident_multiplier: 1.0,
            internship_multiplier: 1.0,
            cdd_length_multiplier: 1.0,
            short_cdd_multiplier: 1.0,
            fragile_hire_share: f64::NAN,
            fragile_retention_6m: f64::NAN,
            fragile_retention_12m: f64::NAN,
            outcome: f64::NAN,
        }
    }
}

/// Probability that a hire is fragile, and the probability of each way of being fragile:
/// [IAE leaver, no experience, long unemployed, recent job seeker who is BOETH or 50+].
fn fragile_paths(pr: &[f64; 6]) -> (f64, [f64; 4]) {
    let [iae, noexp, ltu, young, senior, boeth] = *pr;
    let senior = senior.min(1.0 - young);
    let paths = [
        iae,
        (1.0 - iae) * noexp,
        (1.0 - iae) * (1.0 - noexp) * ltu,
        (1.0 - iae) * (1.0 - noexp) * (1.0 - ltu) * (1.0 - (1.0 - boeth) * (1.0 - senior)),
    ];
    (paths.iter().sum(), paths)
}

/// One simulated fragile hire: source, then age band and BOETH given that source.
fn fragile_profile(
    rng: &mut CellRng,
    pr: &[f64; 6],
    paths: &[f64; 4],
) -> (HireSource, usize, bool) {
    let [_, _, _, young, senior, boeth] = *pr;
    let total: f64 = paths.iter().sum();
    let mut u = rng.random::<f64>() * total;
    let mut k = 0;
    while k < 3 && u >= paths[k] {
        u -= paths[k];
        k += 1;
    }
    if k < 3 {
        let source = [
            HireSource::IaeLeaver,
            HireSource::New,
            HireSource::LongUnemployed,
        ][k];
        let band = draw_band(rng, source, young, senior);
        return (source, band, rng.random::<f64>() < boeth);
    }
    // A recent job seeker who is BOETH, 50+, or both.
    let senior = senior.min(1.0 - young);
    let cases = [
        boeth * (1.0 - senior),
        (1.0 - boeth) * senior,
        boeth * senior,
    ];
    let mut v = rng.random::<f64>() * cases.iter().sum::<f64>();
    let mut c = 0;
    while c < 2 && v >= cases[c] {
        v -= cases[c];
        c += 1;
    }
    let band = if c == 0 {
        let p_young = young / (1.0 - senior).max(1e-9);
        usize::from(rng.random::<f64>() >= p_young)
    } else {
        2
    };
    (HireSource::Recent, band, c != 1)
}

/// Unconditional profile of a simulated hire (for the mean job spell).
fn any_profile(rng: &mut CellRng, pr: &[f64; 6]) -> (HireSource, usize, bool) {
    let [iae, noexp, ltu, young, senior, boeth] = *pr;
    let u: f64 = rng.random();
    let source = if u < iae {
        HireSource::IaeLeaver
    } else if u < iae + (1.0 - iae) * noexp {
        HireSource::New
    } else if rng.random::<f64>() < ltu {
        HireSource::LongUnemployed
    } else {
        HireSource::Recent
    };
    let band = draw_band(rng, source, young, senior);
    (source, band, rng.random::<f64>() < boeth)
}

/// Simulates one hire's course at `e`; returns (kept 182 days, kept 365 days, spell days).
fn simulate_hire(
    exp: &Experiment,
    e: &Estab,
    profile: (HireSource, usize, bool),
    rng: &mut CellRng,
) -> (bool, bool, f64) {
    let at = exp.generator.window_start();
    let (source, band, boeth) = profile;
    let female = rng.random::<f64>() < 0.5;
    let person = PersonRec {
        sex: if female { sex::FEMALE } else { sex::MALE },
        birth: draw_birth(rng, band, at),
        boeth,
        id: 0,
    };
    let h = HireCtx {
        p: &exp.generator,
        e,
        person,
        pcs: draw_pcs(e, rng),
        at,
        shift: 0.0,
        fragile: is_fragile(source, &person, at),
    };
    let ct = courses::contract_type(&h, rng);
    let c = courses::course(&h, ct.kind, rng);
    let spell = f64::from(at.days_until(c.end.0) + 1);
    (c.kept(at, 182), c.kept(at, 365), spell)
}

/// The outcome truth of one establishment (see the module docs).
fn outcome(exp: &Experiment, e: &Estab, index: usize) -> [f64; 4] {
    let p = &exp.generator;
    let pr = hire_propensities(e, p.trait_loading, 0.0);
    let (share, paths) = fragile_paths(&pr);
    let mut rng = cell(exp.seed, rng::TRUTH, index as u64, 0);
    let (mut k6, mut k12) = (0.0, 0.0);
    for _ in 0..TRUTH_HIRES {
        let profile = fragile_profile(&mut rng, &pr, &paths);
        let (a, b, _) = simulate_hire(exp, e, profile, &mut rng);
        k6 += f64::from(u8::from(a));
        k12 += f64::from(u8::from(b));
    }
    let mut spell = 0.0;
    for _ in 0..TRUTH_SPELLS {
        let profile = any_profile(&mut rng, &pr);
        spell += simulate_hire(exp, e, profile, &mut rng).2;
    }
    // New hires a year: core hires (a slot is refilled after each spell and vacancy) and
    // very short CDDs to persons who are not former workers; both draw the same profiles.
    let core = e.slots as f64 * 365.25 / (spell / TRUTH_SPELLS as f64 + VACANCY_DAYS);
    let short = if e.iae.is_some() {
        0.0
    } else {
        12.0 * e.short_rate * (1.0 - p.rehire_share)
    };
    let core_share = core / (core + short).max(1e-12);
    let n = TRUTH_HIRES as f64;
    let (r6, r12) = (core_share * k6 / n, core_share * k12 / n);
    [share, r6, r12, share * r12]
}

/// Fills the outcome columns of the truth, establishment by establishment.
pub(crate) fn fill_outcomes(exp: &Experiment, estabs: &[Estab], truth: &mut [EstablishmentTruth]) {
    for (i, (e, t)) in estabs.iter().zip(truth.iter_mut()).enumerate() {
        let [share, r6, r12, o] = outcome(exp, e, i);
        t.fragile_hire_share = share;
        t.fragile_retention_6m = r6;
        t.fragile_retention_12m = r12;
        t.outcome = o;
    }
}

/// Numeric columns of the truth table, in order, with their accessors.
type Getter = fn(&EstablishmentTruth) -> f64;
const NUMERIC: [(&str, Getter); 27] = [
    ("index", |t| f64::from(t.index)),
    ("openness", |t| t.openness),
    ("job_quality", |t| t.job_quality),
    ("working_conditions", |t| t.working_conditions),
    ("seasonality", |t| t.seasonality),
    ("oeth_churner", |t| f64::from(u8::from(t.oeth_churner))),
    ("gamer", |t| f64::from(u8::from(t.gamer))),
    ("slots", |t| f64::from(t.slots)),
    ("size_band", |t| f64::from(t.size_band)),
    ("iae_structure", |t| f64::from(u8::from(t.iae_structure))),
    ("women_shift", |t| t.women_shift),
    ("no_experience_shift", |t| t.no_experience_shift),
    ("long_unemployed_shift", |t| t.long_unemployed_shift),
    ("young_shift", |t| t.young_shift),
    ("senior_shift", |t| t.senior_shift),
    ("boeth_shift", |t| t.boeth_shift),
    ("iae_shift", |t| t.iae_shift),
    ("work_study_shift", |t| t.work_study_shift),
    ("cdi_shift", |t| t.cdi_shift),
    ("conversion_shift", |t| t.conversion_shift),
    ("separation_multiplier", |t| t.separation_multiplier),
    ("accident_multiplier", |t| t.accident_multiplier),
    ("internship_multiplier", |t| t.internship_multiplier),
    ("cdd_length_multiplier", |t| t.cdd_length_multiplier),
    ("short_cdd_multiplier", |t| t.short_cdd_multiplier),
    ("fragile_hire_share", |t| t.fragile_hire_share),
    ("fragile_retention_12m", |t| t.fragile_retention_12m),
];

/// Columns added after [`NUMERIC`] (kept apart so the array above stays one screen).
const MORE: [(&str, Getter); 2] = [
    ("fragile_retention_6m", |t| t.fragile_retention_6m),
    ("outcome", |t| t.outcome),
];

fn from_columns(siret: u64, v: &[f64]) -> EstablishmentTruth {
    let b = |x: f64| x != 0.0;
    EstablishmentTruth {
        siret,
        index: v[0] as u32,
        openness: v[1],
        job_quality: v[2],
        working_conditions: v[3],
        seasonality: v[4],
        oeth_churner: b(v[5]),
        gamer: b(v[6]),
        slots: v[7] as u32,
        size_band: v[8] as u8,
        iae_structure: b(v[9]),
        women_shift: v[10],
        no_experience_shift: v[11],
        long_unemployed_shift: v[12],
        young_shift: v[13],
        senior_shift: v[14],
        boeth_shift: v[15],
        iae_shift: v[16],
        work_study_shift: v[17],
        cdi_shift: v[18],
        conversion_shift: v[19],
        separation_multiplier: v[20],
        accident_multiplier: v[21],
        internship_multiplier: v[22],
        cdd_length_multiplier: v[23],
        short_cdd_multiplier: v[24],
        fragile_hire_share: v[25],
        fragile_retention_12m: v[26],
        fragile_retention_6m: v[27],
        outcome: v[28],
    }
}

/// The truth table as a DataFrame (written under `truth/`, never read by scoring).
pub fn truth_df(
    rows: &[EstablishmentTruth],
) -> polars::prelude::PolarsResult<polars::prelude::DataFrame> {
    use polars::prelude::*;
    let mut cols = vec![Column::new(
        "siret".into(),
        rows.iter()
            .map(|t| crate::model::siret_string(t.siret))
            .collect::<Vec<_>>(),
    )];
    for (name, g) in NUMERIC.iter().chain(MORE.iter()) {
        cols.push(Column::new(
            (*name).into(),
            rows.iter().map(g).collect::<Vec<_>>(),
        ));
    }
    DataFrame::new_infer_height(cols)
}

/// Reads a truth table written by [`truth_df`] (Parquet or CSV).
pub fn read_truth(
    dir: &std::path::Path,
) -> Result<Vec<EstablishmentTruth>, crate::tables::TableError> {
    use polars::prelude::*;
    let (df, path) = crate::tables::read_table(dir, "establishments_truth")?;
    let pl = |source| crate::tables::TableError::Polars {
        path: path.clone(),
        source,
    };
    let f64col = |name: &str| -> Result<Vec<f64>, crate::tables::TableError> {
        let s = df
            .column(name)
            .map_err(pl)?
            .as_materialized_series()
            .cast(&DataType::Float64)
            .map_err(pl)?;
        Ok(s.f64()
            .map_err(pl)?
            .iter()
            .map(|v| v.unwrap_or(f64::NAN))
            .collect())
    };
    let sirets: Vec<u64> = df
        .column("siret")
        .map_err(pl)?
        .as_materialized_series()
        .cast(&DataType::String)
        .map_err(pl)?
        .str()
        .map_err(pl)?
        .iter()
        .map(|s| s.and_then(|s| s.parse().ok()).unwrap_or(0))
        .collect();
    let mut cols = Vec::with_capacity(NUMERIC.len() + MORE.len());
    for (name, _) in NUMERIC.iter().chain(MORE.iter()) {
        cols.push(f64col(name)?);
    }
    Ok((0..df.height())
        .map(|i| {
            let v: Vec<f64> = cols.iter().map(|c| c[i]).collect();
            from_columns(sirets[i], &v)
        })
        .collect())
}
