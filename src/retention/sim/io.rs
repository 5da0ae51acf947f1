//! The simulated cohort as data: the observed hires as the estimators' [`PersonTable`], and
//! the observed person table as a polars `DataFrame`.

use super::{Cohort, ContractKind, SimPerson};
use crate::retention::{PersonTable, RetentionError};

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
