//! Peer groups: sector × size band × employment zone, with a documented fallback ladder.
//!
//! The finest group is (NAF `sector_level`, employment zone, size band). The employment zone
//! is INSEE's 2020 zone d'emploi (ZE2020) of the establishment's commune, or the département
//! outside the zonage, unless `territory.zone_file` overrides it. When a group holds fewer
//! than `min_peers` calculable establishments in the period, the establishment is compared
//! with a coarser group, trying geography first and then sector:
//!
//! ```text
//! (group,    zone) → (group,    département) → (group,    région) → (group,    national)
//! (division, zone) → (division, département) → (division, région) → (division, national)
//! (section,  zone) → (section,  département) → (section,  région) → (section,  national)
//! (all sectors, national)
//! ```
//!
//! starting at the configured `sector_level` (default division). Sector comes before
//! geography because hiring and turnover practices differ far more across sectors than across
//! places (calibration B6, B9). Zones are living areas built on commuting, so they come
//! before the administrative département; where the zone is the département the two rungs
//! are the same group. The size band (1–9, 10–49, 50–249, 250+ employees of average
//! monthly headcount, as in Insee's tables) is kept at every level; the last rung is used
//! whatever its size.

use super::params::SectorLevel;
use serde::{Deserialize, Serialize};

/// Establishment size band on the average monthly headcount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum SizeBand {
    #[serde(rename = "1-9")]
    Micro,
    #[serde(rename = "10-49")]
    Small,
    #[serde(rename = "50-249")]
    Medium,
    #[serde(rename = "250+")]
    Large,
}

impl SizeBand {
    /// Band of an average headcount (below 10 → 1–9, including fractional headcounts).
    pub fn of(headcount: f64) -> SizeBand {
        if headcount < 10.0 {
            SizeBand::Micro
        } else if headcount < 50.0 {
            SizeBand::Small
        } else if headcount < 250.0 {
            SizeBand::Medium
        } else {
            SizeBand::Large
        }
    }
    /// Every band, smallest first.
    pub const ALL: [SizeBand; 4] = [
        SizeBand::Micro,
        SizeBand::Small,
        SizeBand::Medium,
        SizeBand::Large,
    ];

    /// Stable key, e.g. `10-49`.
    pub fn as_str(self) -> &'static str {
        match self {
            SizeBand::Micro => "1-9",
            SizeBand::Small => "10-49",
            SizeBand::Medium => "50-249",
            SizeBand::Large => "250+",
        }
    }

    /// Parses a band key (`1-9`, `10-49`, `50-249`, `250+`; an en dash is accepted).
    pub fn from_key(s: &str) -> Option<SizeBand> {
        let k = s.trim().replace('–', "-");
        SizeBand::ALL.into_iter().find(|b| b.as_str() == k)
    }
}

/// Sector granularity of a ladder rung (`All` = every sector).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SectorRung {
    Group,
    Division,
    Section,
    All,
}

/// Geographic granularity of a ladder rung.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GeoRung {
    Zone,
    Departement,
    Region,
    National,
}

/// One rung of the fallback ladder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Rung {
    pub sector: SectorRung,
    pub geo: GeoRung,
}

impl Rung {
    /// `division×zone`, `all×national`...
    pub fn name(self) -> String {
        let s = match self.sector {
            SectorRung::Group => "group",
            SectorRung::Division => "division",
            SectorRung::Section => "section",
            SectorRung::All => "all",
        };
        let g = match self.geo {
            GeoRung::Zone => "zone",
            GeoRung::Departement => "departement",
            GeoRung::Region => "region",
            GeoRung::National => "national",
        };
        format!("{s}×{g}")
    }
}

/// The fallback ladder starting at `start` (see the module docs).
pub fn ladder(start: SectorLevel) -> Vec<Rung> {
    let sectors: &[SectorRung] = match start {
        SectorLevel::Group => &[SectorRung::Group, SectorRung::Division, SectorRung::Section],
        SectorLevel::Division => &[SectorRung::Division, SectorRung::Section],
        SectorLevel::Section => &[SectorRung::Section],
    };
    let mut out = Vec::new();
    for &sector in sectors {
        for geo in [
            GeoRung::Zone,
            GeoRung::Departement,
            GeoRung::Region,
            GeoRung::National,
        ] {
            out.push(Rung { sector, geo });
        }
    }
    out.push(Rung {
        sector: SectorRung::All,
        geo: GeoRung::National,
    });
    out
}

/// The attributes that place an establishment in peer groups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    /// NAF sub-class without dot (`5610C`).
    pub naf: String,
    /// NAF section letter (`I`), `?` when unknown.
    pub section: String,
    pub zone: String,
    pub departement: String,
    pub region: String,
}

/// The peer-group key of a placement at a rung, e.g. `division×zone:56|35|10-49`.
pub fn key(p: &Placement, rung: Rung, band: SizeBand) -> String {
    let sector = match rung.sector {
        SectorRung::Group => p.naf.get(..3).unwrap_or(&p.naf),
        SectorRung::Division => p.naf.get(..2).unwrap_or(&p.naf),
        SectorRung::Section => p.section.as_str(),
        SectorRung::All => "*",
    };
    let geo = match rung.geo {
        GeoRung::Zone => p.zone.as_str(),
        GeoRung::Departement => p.departement.as_str(),
        GeoRung::Region => p.region.as_str(),
        GeoRung::National => "*",
    };
    format!("{}:{sector}|{geo}|{}", rung.name(), band.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ladder_order_and_keys() {
        let l = ladder(SectorLevel::Division);
        assert_eq!(l.len(), 9);
        assert_eq!(l[0].name(), "division×zone");
        assert_eq!(l[1].name(), "division×departement");
        assert_eq!(l[2].name(), "division×region");
        assert_eq!(l[3].name(), "division×national");
        assert_eq!(l[4].name(), "section×zone");
        assert_eq!(l[8].name(), "all×national");
        assert_eq!(ladder(SectorLevel::Group).len(), 13);
        let p = Placement {
            naf: "5610C".into(),
            section: "I".into(),
            zone: "5315".into(),
            departement: "35".into(),
            region: "53".into(),
        };
        assert_eq!(
            key(&p, l[0], SizeBand::of(12.0)),
            "division×zone:56|5315|10-49"
        );
        assert_eq!(
            key(&p, l[1], SizeBand::of(12.0)),
            "division×departement:56|35|10-49"
        );
        assert_eq!(key(&p, l[8], SizeBand::of(3.0)), "all×national:*|*|1-9");
        assert_eq!(SizeBand::of(9.99), SizeBand::Micro);
        assert_eq!(SizeBand::of(250.0), SizeBand::Large);
    }
}
