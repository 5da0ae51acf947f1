//! Column names of the workbench tables, in one place (see `data/SCHEMA.md`).

pub mod establishments {
    pub const SIRET: &str = "siret";
    pub const SIREN: &str = "siren";
    pub const NAME: &str = "name";
    pub const NAF: &str = "naf";
    pub const COMMUNE: &str = "commune";
    pub const DEPARTEMENT: &str = "departement";
    pub const REGION: &str = "region";
    pub const ZONE: &str = "zone";
    pub const CREATION_DATE: &str = "creation_date";
}

pub mod persons {
    pub const PERSON_ID: &str = "person_id";
    pub const SEX: &str = "sex";
    pub const BIRTH_DATE: &str = "birth_date";
    pub const BOETH: &str = "boeth";
}

pub mod contracts {
    pub const CONTRACT_ID: &str = "contract_id";
    pub const PERSON_ID: &str = "person_id";
    pub const SIRET: &str = "siret";
    pub const START: &str = "start";
    pub const PLANNED_END: &str = "planned_end";
    pub const ACTUAL_END: &str = "actual_end";
    pub const END_REASON: &str = "end_reason";
    pub const NATURE: &str = "nature";
    pub const SCHEME: &str = "scheme";
    pub const IAE: &str = "iae";
    pub const WORKING_TIME: &str = "working_time";
    pub const PCS: &str = "pcs";
    pub const CDD_REASON: &str = "cdd_reason";
    pub const BOETH: &str = "boeth";
    pub const CONVERTED_TO_CDI: &str = "converted_to_cdi";
    pub const NO_PRIOR_EMPLOYMENT: &str = "no_prior_employment";
    pub const MONTHS_SINCE_PREV: &str = "months_since_prev";
    pub const PRIOR_LONG_SICK_LEAVE: &str = "prior_long_sick_leave";
    pub const PRIOR_IAE_OR_SUBSIDISED: &str = "prior_iae_or_subsidised";

    /// Every column of the contracts table, in table order.
    pub const ALL: [&str; 19] = [
        CONTRACT_ID,
        PERSON_ID,
        SIRET,
        START,
        PLANNED_END,
        ACTUAL_END,
        END_REASON,
        NATURE,
        SCHEME,
        IAE,
        WORKING_TIME,
        PCS,
        CDD_REASON,
        BOETH,
        CONVERTED_TO_CDI,
        NO_PRIOR_EMPLOYMENT,
        MONTHS_SINCE_PREV,
        PRIOR_LONG_SICK_LEAVE,
        PRIOR_IAE_OR_SUBSIDISED,
    ];
}

pub mod stoppages {
    pub const PERSON_ID: &str = "person_id";
    pub const SIRET: &str = "siret";
    pub const CONTRACT_ID: &str = "contract_id";
    pub const START: &str = "start";
    pub const END: &str = "end";
    pub const REASON: &str = "reason";
}

/// File stems of the four tables.
pub mod files {
    pub const ESTABLISHMENTS: &str = "establishments";
    pub const PERSONS: &str = "persons";
    pub const CONTRACTS: &str = "contracts";
    pub const STOPPAGES: &str = "stoppages";
    pub const COVERAGE: &str = "coverage.json";
}
