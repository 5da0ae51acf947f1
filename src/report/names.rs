//! Proper names from the reference data, the same in every language: places (with what kind
//! of place they are) and NAF sector labels at a chosen level.

use crate::reference::Reference;
use serde::{Deserialize, Serialize};

/// What kind of place a zone code is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    /// An INSEE employment zone.
    EmploymentZone,
    /// A département (used as the zone when no employment-zone file is given).
    Departement,
}

/// A place: kind, code and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Place {
    pub kind: PlaceKind,
    pub code: String,
    pub name: String,
}

/// The place an establishment's zone code stands for: an employment zone (ZE2020) when the
/// reference knows it, else a département (the zone of communes outside the zonage), else a
/// user-supplied zone shown by its code.
pub fn zone_place(r: &Reference, code: &str) -> Place {
    let (kind, name) = match (r.zones.get(code), r.departements.get(code)) {
        (Some(n), _) => (PlaceKind::EmploymentZone, n.clone()),
        (None, Some(d)) => (PlaceKind::Departement, d.name.clone()),
        (None, None) => (PlaceKind::EmploymentZone, code.to_string()),
    };
    Place {
        kind,
        code: code.to_string(),
        name,
    }
}

/// The NAF label of `naf` cut to `len` characters of code (2 = division), falling back to
/// coarser levels, then to the code itself.
pub fn sector_name(r: &Reference, code: &str) -> String {
    let mut c = code;
    while !c.is_empty() {
        if let Some(l) = r.naf_label(c) {
            return l.to_string();
        }
        c = &c[..c.len() - 1];
    }
    code.to_string()
}
