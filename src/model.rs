//! The workbench tables: establishments, persons, contracts and work stoppages.
//!
//! Both the synthetic generator (`synth`) and the DSN reader (`dsn`) produce a [`Dataset`];
//! every downstream stage reads only this. Column meanings and the DSN rubric behind each
//! field are documented in `data/SCHEMA.md`. Codes keep their DSN numeric value (nature `02`
//! is stored as `2`) so rows stay small and `Copy`; the table writer renders them back as
//! zero-padded DSN strings.

use crate::date::Date;
use serde::{Deserialize, Serialize};

/// Contract nature, S21.G00.40.007.
pub mod nature {
    pub const CDI: u8 = 1;
    pub const CDD: u8 = 2;
    pub const INTERIM: u8 = 3;
    pub const CDI_INTERMITTENT: u8 = 7;
    pub const STAGE: u8 = 29;
    pub const CDI_CHANTIER: u8 = 82;
    /// Natures counted as open-ended (CDI) in the contract criteria.
    pub fn is_cdi(n: u8) -> bool {
        matches!(n, CDI | CDI_INTERMITTENT | CDI_CHANTIER | 8 | 91)
    }
    /// Natures counted as fixed-term (CDD) in the contract criteria.
    pub fn is_cdd(n: u8) -> bool {
        matches!(n, CDD | 92)
    }
}

/// Public-policy scheme, S21.G00.40.008. `99` = not concerned.
pub mod scheme {
    pub const CUI_CIE: u8 = 21;
    pub const PEC_CUI_CAE: u8 = 41;
    pub const CUI_CAE_DOM: u8 = 42;
    pub const PROFESSIONNALISATION: u8 = 61;
    pub const APPRENTISSAGE_PRIVE: u8 = 64;
    pub const APPRENTISSAGE_PUBLIC: u8 = 65;
    pub const CDDI: u8 = 71;
    pub const PMSMP: u8 = 93;
    pub const NONE: u8 = 99;
    /// Subsidised employment contracts (PEC/CUI) and CDDI (IAE).
    pub fn is_subsidised(s: u8) -> bool {
        matches!(s, CUI_CIE | PEC_CUI_CAE | CUI_CAE_DOM | CDDI)
    }
    /// Work-study contracts: apprenticeship and professionalisation.
    pub fn is_work_study(s: u8) -> bool {
        matches!(
            s,
            PROFESSIONNALISATION | APPRENTISSAGE_PRIVE | APPRENTISSAGE_PUBLIC
        )
    }
}

/// Working-time arrangement, S21.G00.40.014.
pub mod working_time {
    pub const FULL_TIME: u8 = 10;
    pub const PART_TIME: u8 = 20;
    pub fn is_part_time(w: u8) -> bool {
        matches!(w, 20 | 41 | 42)
    }
}

/// Contract end reason, S21.G00.62.002 (three digits).
pub mod end_reason {
    pub const FIN_CDD: u16 = 31;
    pub const FIN_MISSION: u16 = 32;
    pub const TRIAL_EMPLOYER: u16 = 34;
    pub const TRIAL_EMPLOYEE: u16 = 35;
    pub const CDD_EARLY_EMPLOYER: u16 = 36;
    pub const CDD_EARLY_EMPLOYEE: u16 = 37;
    pub const RETIREMENT_EMPLOYER: u16 = 38;
    pub const RETIREMENT_EMPLOYEE: u16 = 39;
    pub const RUPTURE_CONVENTIONNELLE: u16 = 43;
    pub const DEMISSION: u16 = 59;
    pub const FIN_APPRENTISSAGE: u16 = 81;
    pub const CDD_EARLY_MUTUAL: u16 = 84;
    /// Licenciement pour autre motif (personal grounds).
    pub const DISMISSAL_OTHER: u16 = 20;
    /// Licenciement pour motif économique.
    pub const DISMISSAL_ECONOMIC: u16 = 14;
    pub const ANNULATION: u16 = 99;
    pub const MUTATION: u16 = 100;
    pub const TRANSFER: u16 = 998;
    /// Administrative ends (cancellation, transfer without rupture) are not exits.
    pub fn is_real_exit(r: u16) -> bool {
        !matches!(r, ANNULATION | MUTATION | TRANSFER)
    }
    pub fn is_trial_end(r: u16) -> bool {
        matches!(r, TRIAL_EMPLOYER | TRIAL_EMPLOYEE)
    }
    pub fn is_dismissal(r: u16) -> bool {
        (11..=20).contains(&r) || (86..=93).contains(&r)
    }
    pub fn is_resignation(r: u16) -> bool {
        matches!(r, DEMISSION | CDD_EARLY_EMPLOYEE)
    }
}

/// Work-stoppage reason, S21.G00.60.001.
pub mod stoppage_reason {
    pub const MALADIE: u8 = 1;
    pub const MATERNITE: u8 = 2;
    pub const PATERNITE: u8 = 3;
    pub const TRAJET: u8 = 4;
    pub const MALADIE_PRO: u8 = 5;
    pub const ACCIDENT_TRAVAIL: u8 = 6;
    /// Stoppages counted in the AT/MP frequency criterion.
    pub fn is_at_mp(r: u8) -> bool {
        matches!(r, ACCIDENT_TRAVAIL | MALADIE_PRO)
    }
}

/// IAE / adapted-enterprise complement, S21.G00.40.073.
pub mod iae {
    pub const EA: u8 = 1;
    pub const ACI: u8 = 2;
    pub const AI: u8 = 3;
    pub const EI: u8 = 4;
    pub const ETTI: u8 = 5;
    pub fn is_iae(c: u8) -> bool {
        (2..=7).contains(&c)
    }
}

/// Sex as coded by the NIR's first digit and S21.G00.30.005: 1 man, 2 woman.
pub mod sex {
    pub const MALE: u8 = 1;
    pub const FEMALE: u8 = 2;
}

/// PCS-ESE occupation code (S21.G00.40.004), four ASCII characters such as `561b`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct Pcs(pub [u8; 4]);

impl Pcs {
    pub fn new(s: &str) -> Option<Pcs> {
        let b = s.as_bytes();
        if b.len() != 4 || !b.iter().all(u8::is_ascii_alphanumeric) {
            return None;
        }
        Some(Pcs([b[0], b[1], b[2], b[3].to_ascii_lowercase()]))
    }
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("????")
    }
    /// The PCS-ESE category (first digit): 2 artisans, 3 cadres, 4 intermediate, 5 employees, 6 workers.
    pub fn category(&self) -> u8 {
        self.0[0].wrapping_sub(b'0')
    }
}

impl Serialize for Pcs {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Pcs {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Pcs::new(&s).ok_or_else(|| serde::de::Error::custom(format!("invalid PCS-ESE code {s:?}")))
    }
}

/// An establishment (one SIRET), S21.G00.06 and S21.G00.11.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Establishment {
    /// SIRET, 14 digits (SIREN 06.001 + NIC 11.001).
    pub siret: u64,
    /// Display name (synthetic, or the enseigne when known).
    pub name: String,
    /// APET code, NAF rév. 2 sub-class without the dot, e.g. `5610C` (11.002).
    pub naf: String,
    /// Commune INSEE code of the establishment (11.004 postal address → commune).
    pub commune: String,
    pub departement: String,
    pub region: String,
    /// Employment zone: the commune's INSEE ZE2020 zone (`5315`), or the département outside
    /// the zonage, unless `territory.zone_file` supplies another commune→zone mapping.
    pub zone: String,
    pub creation_date: Date,
}

impl Establishment {
    /// SIREN: the first nine digits of the SIRET.
    pub fn siren(&self) -> u64 {
        self.siret / 100_000
    }
    /// NAF division (first two characters of the APET code).
    pub fn naf_division(&self) -> &str {
        self.naf.get(..2).unwrap_or("")
    }
    /// NAF group (first three characters).
    pub fn naf_group(&self) -> &str {
        self.naf.get(..3).unwrap_or("")
    }
}

/// Formats a SIRET as its 14-digit string.
pub fn siret_string(siret: u64) -> String {
    format!("{siret:014}")
}

/// A person, identified by a keyed pseudonym (never the NIR).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Pseudonymous identifier: synthetic sequence, or the first 8 bytes of HMAC-SHA256(NIR).
    pub person_id: u64,
    /// 1 man, 2 woman (NIR first digit or 30.005).
    pub sex: u8,
    /// 30.006.
    pub birth_date: Date,
    /// Recognised disabled worker (BOETH) at any contract (40.072 present).
    pub boeth: bool,
}

/// A contract (S21.G00.40), with its end (S21.G00.62) and the person's history at hire.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Contract {
    /// Unique contract identifier in the dataset.
    pub contract_id: u64,
    pub person_id: u64,
    pub siret: u64,
    /// 40.001.
    pub start: Date,
    /// 40.010, mandatory for natures 02, 03 and 29.
    pub planned_end: Option<Date>,
    /// 62.001, real exits only; `None` while the contract is running at the extraction date.
    pub actual_end: Option<Date>,
    /// 62.002 (three-digit code as a number).
    pub end_reason: Option<u16>,
    /// 40.007 nature at hire.
    pub nature: u8,
    /// 40.008 public-policy scheme (99 not concerned).
    pub scheme: u8,
    /// 40.073 IAE / adapted-enterprise complement, when present.
    pub iae: Option<u8>,
    /// 40.014 working-time arrangement.
    pub working_time: u8,
    /// 40.004 PCS-ESE.
    pub pcs: Pcs,
    /// 40.021 reason for a CDD, when present.
    pub cdd_reason: Option<u8>,
    /// 40.072 BOETH code on this contract, when present.
    pub boeth: Option<u8>,
    /// Date a fixed-term contract became open-ended (block 41 change of nature to CDI).
    pub converted_to_cdi: Option<Date>,
    /// History at hire: no contract of any kind before this one.
    pub no_prior_employment: bool,
    /// History at hire: whole months since the end of the previous contract (`None` if none).
    pub months_since_prev: Option<u16>,
    /// History at hire: a sick-leave stoppage of 6 months or more before this hire.
    pub prior_long_sick_leave: bool,
    /// History at hire: a previous IAE contract or subsidised (PEC/CUI/CDDI) contract.
    pub prior_iae_or_subsidised: bool,
}

impl Contract {
    /// Duration in days, counting both the start and end days; `None` while running.
    pub fn duration_days(&self) -> Option<i32> {
        self.actual_end.map(|e| self.start.days_until(e) + 1)
    }
    pub fn is_part_time(&self) -> bool {
        working_time::is_part_time(self.working_time)
    }
}

/// A work stoppage (S21.G00.60).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stoppage {
    pub person_id: u64,
    pub siret: u64,
    pub contract_id: u64,
    /// First day off (day after 60.002, the last day worked).
    pub start: Date,
    /// Return date (60.010) or planned end (60.003).
    pub end: Option<Date>,
    /// 60.001 reason code.
    pub reason: u8,
}

/// Where a dataset came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Synthetic,
    Ingested,
}

/// The observation window of a dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// First day observed (first declared month).
    pub start: Date,
    /// Extraction date: last day observed. Anything after it is censored.
    pub end: Date,
    pub source: Source,
}

/// The four workbench tables.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    pub coverage: Coverage,
    pub establishments: Vec<Establishment>,
    pub persons: Vec<Person>,
    pub contracts: Vec<Contract>,
    pub stoppages: Vec<Stoppage>,
}

impl Dataset {
    /// Puts every table in its canonical order so that outputs are byte-stable.
    pub fn sort(&mut self) {
        // Unstable sorts work in place (no extra buffer for tens of millions of rows); the
        // keys end with unique ids, so the order is still fully determined.
        self.establishments.sort_unstable_by_key(|e| e.siret);
        self.persons.sort_unstable_by_key(|p| p.person_id);
        self.contracts
            .sort_unstable_by_key(|c| (c.siret, c.start, c.person_id, c.contract_id));
        self.stoppages.sort_unstable_by_key(|s| {
            (
                s.siret,
                s.start,
                s.person_id,
                s.contract_id,
                s.reason,
                s.end,
            )
        });
    }
}
