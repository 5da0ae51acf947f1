//! A synthetic pilot: the generator's world handed over as an evaluator receives a real one,
//! so that the real-data path can be checked against the known answer.
//!
//! From one experiment and seed it builds:
//! - the *observed* dataset: the exposed world of the exposure study (what the DSN of a
//!   territory where some employers were sent their results would show), plus the first job
//!   of every job seeker of the simulated cohort who was hired, as persons and contracts of
//!   their own (small person ids the generator does not use, so the DSN writer gives them
//!   synthetic NIRs);
//! - the exposure register: the study's assignment (`siret`, `exposed_on`; `arm` and
//!   `stratum` for randomised designs, `wave` for staggered ones);
//! - the awarded labels: the labels of the placement employers at the retention baseline,
//!   held from the day after that period to the end of the data;
//! - the job-seeker cohort as France Travail would export it: the NIR the DSN writer declares
//!   for each person, the orientation date and employer, the counsellor and arm under the
//!   encouragement design, and the covariates (age, sex, BOETH, months of unemployment, IAE
//!   history, cohort).
//!
//! A cohort job is written with the simulated dates: start = entry + delay, end = start +
//! tenure − 1 (start and end days counted), a CDD of 6 or 12 months with its planned end and,
//! when renewed past its term, converted to a CDI at the term; ends are resignations (CDI),
//! early ends (CDD) or the CDD's term; jobs still running at the end of the data have no end.

use crate::date::Date;
use crate::exposure::{Assignment, Design};
use crate::model::{end_reason, nature, scheme, working_time, Contract, Dataset, Pcs, Person};
use crate::retention::sim::{Cohort, ContractKind, PlacementEmployer, SimOutput};
use crate::retention::Policy;
use anyhow::Context;
use polars::prelude::*;

/// The files of a synthetic pilot, in memory.
pub struct PilotFiles {
    /// The DSN-side data: exposed world and cohort jobs.
    pub observed: Dataset,
    pub register: DataFrame,
    pub awarded: DataFrame,
    pub cohort: DataFrame,
}

/// The persons of the simulated cohort (row-aligned with `sim.persons`) and the first job of
/// those hired, added to `ds`.
pub fn add_cohort_jobs(ds: &mut Dataset, sim: &SimOutput) -> Vec<Person> {
    // Small ids, unused by the generator's (keyed 63-bit) ones, so that the DSN writer
    // declares each cohort person with a synthetic NIR.
    let used: std::collections::HashSet<u64> = ds.persons.iter().map(|p| p.person_id).collect();
    let mut free = (1u64..).filter(|id| !used.contains(id));
    let next_contract = ds
        .contracts
        .iter()
        .map(|c| c.contract_id)
        .max()
        .unwrap_or(0)
        + 1;
    let mut persons = Vec::with_capacity(sim.persons.len());
    for (k, (p, t)) in sim.persons.iter().zip(&sim.truth).enumerate() {
        let person = Person {
            person_id: free.next().unwrap_or(u64::MAX),
            sex: if p.female { 2 } else { 1 },
            birth_date: p.entry.first_of_month().add_months(-12 * p.age as i32 - 6),
            boeth: false,
        };
        persons.push(person);
        let use_lp = sim.policy == Policy::LabelPriority || p.encouraged;
        let o = if use_lp {
            t.label_priority
        } else {
            t.status_quo
        };
        if !o.hired {
            continue;
        }
        let start = p.entry.add_days(o.delay as i32);
        if start > ds.coverage.end {
            continue;
        }
        // Hires after the extraction date are not observed by the simulation, which then
        // keeps no contract kind: they are written as CDIs.
        let kind = p.contract.unwrap_or(ContractKind::Cdi);
        ds.contracts.push(cohort_job(
            next_contract + k as u64,
            person.person_id,
            p.siret,
            start,
            o.tenure as i32,
            kind,
            ds.coverage.end,
        ));
    }
    ds.persons.extend(persons.iter().copied());
    ds.sort();
    persons
}

fn cohort_job(
    id: u64,
    person: u64,
    siret: u64,
    start: Date,
    tenure: i32,
    kind: ContractKind,
    coverage_end: Date,
) -> Contract {
    let term = match kind {
        ContractKind::Cdi => None,
        ContractKind::Cdd6 => Some(182),
        ContractKind::Cdd12 => Some(365),
    };
    let end = start.add_days(tenure - 1);
    let ended = end <= coverage_end;
    let reason = match term {
        None => end_reason::DEMISSION,
        Some(t) if tenure == t => end_reason::FIN_CDD,
        Some(t) if tenure < t => end_reason::CDD_EARLY_EMPLOYEE,
        Some(_) => end_reason::DEMISSION,
    };
    let converted = term
        .filter(|t| tenure > *t)
        .map(|t| start.add_days(t))
        .filter(|d| *d <= coverage_end);
    Contract {
        contract_id: id,
        person_id: person,
        siret,
        start,
        planned_end: term.map(|t| start.add_days(t - 1)),
        actual_end: ended.then_some(end),
        end_reason: ended.then_some(reason),
        nature: if term.is_some() {
            nature::CDD
        } else {
            nature::CDI
        },
        scheme: scheme::NONE,
        iae: None,
        working_time: working_time::FULL_TIME,
        pcs: Pcs(*b"526a"),
        cdd_reason: term.map(|_| 1),
        boeth: None,
        converted_to_cdi: converted,
        no_prior_employment: false,
        months_since_prev: None,
        prior_long_sick_leave: false,
        prior_iae_or_subsidised: false,
    }
}

fn dates(name: &str, v: impl IntoIterator<Item = Option<Date>>) -> Column {
    let ca: Int32Chunked = v.into_iter().map(|d| d.map(|d| d.0)).collect();
    ca.into_date()
        .into_series()
        .with_name(name.into())
        .into_column()
}

/// The study's assignment as a register.
pub fn register_df(assignments: &[Assignment], design: Design) -> PolarsResult<DataFrame> {
    let randomised = design != Design::Observational;
    let rows: Vec<&Assignment> = assignments
        .iter()
        .filter(|a| a.eligible && (randomised || a.exposed_from.is_some()))
        .collect();
    let mut cols = vec![
        Column::new(
            "siret".into(),
            rows.iter()
                .map(|a| crate::model::siret_string(a.siret))
                .collect::<Vec<_>>(),
        ),
        dates("exposed_on", rows.iter().map(|a| a.exposed_from)),
    ];
    if randomised {
        cols.push(Column::new(
            "arm".into(),
            rows.iter()
                .map(|a| match a.exposed_from {
                    Some(_) => "treatment",
                    None => "control",
                })
                .collect::<Vec<_>>(),
        ));
        cols.push(Column::new(
            "stratum".into(),
            rows.iter().map(|a| a.stratum.clone()).collect::<Vec<_>>(),
        ));
    }
    if design == Design::Staggered {
        cols.push(Column::new(
            "wave".into(),
            rows.iter()
                .map(|a| a.exposed_from.map(|d| d.to_string()[..7].to_string()))
                .collect::<Vec<_>>(),
        ));
    }
    DataFrame::new_infer_height(cols)
}

/// The labels of the placement employers, held from `from` on.
pub fn awarded_df(employers: &[PlacementEmployer], from: Date) -> PolarsResult<DataFrame> {
    let rows: Vec<&PlacementEmployer> = employers.iter().filter(|e| e.label_level >= 1).collect();
    DataFrame::new_infer_height(vec![
        Column::new(
            "siret".into(),
            rows.iter()
                .map(|e| crate::model::siret_string(e.siret))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "level".into(),
            rows.iter()
                .map(|e| u32::from(e.label_level))
                .collect::<Vec<_>>(),
        ),
        dates("from", rows.iter().map(|_| Some(from))),
        dates("to", rows.iter().map(|_| None)),
    ])
}

/// The cohort as an external file with NIRs.
pub fn cohort_df(sim: &SimOutput, persons: &[Person]) -> anyhow::Result<DataFrame> {
    let nirs = persons
        .iter()
        .map(|p| crate::dsn::synthetic_nir(p).context("a cohort person without a synthetic NIR"))
        .collect::<anyhow::Result<Vec<String>>>()?;
    let ps = &sim.persons;
    let b = |f: fn(&crate::retention::sim::SimPerson) -> bool| ps.iter().map(f).collect::<Vec<_>>();
    let mut cols = vec![
        Column::new("nir".into(), nirs),
        dates("oriented_on", ps.iter().map(|p| Some(p.entry))),
        Column::new(
            "oriented_to".into(),
            ps.iter()
                .map(|p| crate::model::siret_string(p.siret))
                .collect::<Vec<_>>(),
        ),
    ];
    if sim.policy == Policy::Encouragement {
        cols.push(Column::new(
            "arm".into(),
            ps.iter()
                .map(|p| if p.encouraged { "treatment" } else { "control" })
                .collect::<Vec<_>>(),
        ));
        cols.push(Column::new(
            "cluster".into(),
            ps.iter()
                .map(|p| format!("c{:04}", p.counsellor))
                .collect::<Vec<_>>(),
        ));
    }
    cols.extend([
        Column::new("age".into(), ps.iter().map(|p| p.age).collect::<Vec<_>>()),
        Column::new("female".into(), b(|p| p.female)),
        Column::new("boeth".into(), b(|p| p.boeth)),
        Column::new(
            "unemployment_months".into(),
            ps.iter().map(|p| p.unemployment_months).collect::<Vec<_>>(),
        ),
        Column::new("iae_history".into(), b(|p| p.iae_history)),
        Column::new(
            "cohort".into(),
            ps.iter()
                .map(|p| match p.cohort {
                    Cohort::IaeExit => "iae_exit",
                    Cohort::LongTermUnemployed => "long_term_unemployed",
                    Cohort::YoungUnqualified => "young_unqualified",
                })
                .collect::<Vec<_>>(),
        ),
    ]);
    Ok(DataFrame::new_infer_height(cols)?)
}

/// Builds the files of a synthetic pilot from a generated (unexposed) world: the score, the
/// exposure study's assignment and exposed world, and the simulated cohort under the
/// experiment's orientation policy.
///
/// The DSN side is the exposed world that `engagement run` evaluates on the same experiment
/// and seed: the establishments the design assigned respond from their exposure date, so the
/// register's true effect on these declarations is the synthetic study's. The cohort's jobs,
/// added to it, are those of the simulation the retention stage runs (placement employers
/// from the unexposed world's labels at the cohort start, as in `run`).
pub fn build(
    exp: &crate::config::Experiment,
    reference: &crate::reference::Reference,
    s: &crate::synth::Synthetic,
) -> anyhow::Result<PilotFiles> {
    let scores = crate::score::run(&s.dataset, &exp.score, reference)?;
    let (study, exposed) = crate::exposure::study::run_with_world(exp, reference, s, &scores, 0)?;
    let (employers, baseline) = super::retention::placement_employers(exp, reference, s, &scores)?;
    let from = scores
        .periods()
        .iter()
        .find(|p| p.label == baseline)
        .map(|p| p.end.add_days(1))
        .context("the retention baseline period is not scored")?;
    let seed = crate::retention::sim::stream_seed(exp.seed);
    let sim = crate::retention::sim::simulate(&employers, &exp.retention, seed)?;
    let mut observed = exposed.dataset;
    let persons = add_cohort_jobs(&mut observed, &sim);
    Ok(PilotFiles {
        observed,
        register: register_df(&study.assignments, study.design.design)?,
        awarded: awarded_df(&employers, from)?,
        cohort: cohort_df(&sim, &persons)?,
    })
}

/// Writes the register, awarded labels and cohort as CSV (`register.csv`, `awarded.csv`,
/// `cohort.csv`) into `dir`.
pub fn write_files(files: &mut PilotFiles, dir: &std::path::Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("{}", dir.display()))?;
    for (name, df) in [
        ("register.csv", &mut files.register),
        ("awarded.csv", &mut files.awarded),
        ("cohort.csv", &mut files.cohort),
    ] {
        crate::tables::write_df(df, &dir.join(name), crate::tables::Format::Csv)?;
    }
    Ok(())
}
