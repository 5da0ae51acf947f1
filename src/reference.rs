//! Reference data shipped in `data/reference/` and embedded in the binary, so that a clone
//! runs anywhere: NAF rév. 2 (all levels), communes, départements, régions and INSEE's 2020
//! employment zones (zones d'emploi, ZE2020) with the zone of every commune.
//!
//! The CSVs are produced from the public sources by `data/reference/build_reference.py` and
//! `data/reference/build_zones.py` (sources and licences in `data/reference/README.md`).

use std::collections::BTreeMap;

const NAF_CSV: &str = include_str!("../data/reference/naf.csv");
const COMMUNES_CSV: &str = include_str!("../data/reference/communes.csv");
const DEPARTEMENTS_CSV: &str = include_str!("../data/reference/departements.csv");
const REGIONS_CSV: &str = include_str!("../data/reference/regions.csv");
const ZONES_CSV: &str = include_str!("../data/reference/zones_emploi_2020.csv");
const COMMUNE_ZONES_CSV: &str = include_str!("../data/reference/communes_ze2020.csv");

#[derive(Debug, Clone)]
pub struct NafEntry {
    pub level: NafLevel,
    pub code: String,
    pub label: String,
    pub section: String,
    pub division: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NafLevel {
    Section,
    Division,
    Group,
    Class,
    Subclass,
}

#[derive(Debug, Clone)]
pub struct Commune {
    pub code: String,
    pub name: String,
    pub departement: String,
    pub region: String,
    pub population: u64,
    /// ZE2020 employment zone code (`5315`); `None` outside the zonage (overseas
    /// collectivities such as Saint-Pierre-et-Miquelon or New Caledonia).
    pub zone: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Departement {
    pub code: String,
    pub name: String,
    pub region: String,
}

/// All reference tables, keyed by code.
#[derive(Debug, Clone)]
pub struct Reference {
    /// NAF entries keyed by code without dots (`A`, `56`, `561`, `5610`, `5610C`).
    pub naf: BTreeMap<String, NafEntry>,
    pub communes: BTreeMap<String, Commune>,
    pub departements: BTreeMap<String, Departement>,
    pub regions: BTreeMap<String, String>,
    /// ZE2020 employment zones: code (`5315`) → name (`Rennes`).
    pub zones: BTreeMap<String, String>,
}

/// The display name of a zone code: see [`Reference::zone`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZoneRef<'a> {
    pub code: &'a str,
    pub name: &'a str,
}

/// Splits one CSV line with optional double quotes (the shipped files are simple RFC 4180).
fn split_csv(line: &str) -> Vec<String> {
    split_csv_with(line, ',')
}

/// [`split_csv`] with another delimiter (`;` in many French exports).
pub(crate) fn split_csv_with(line: &str, delim: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (c, false) if c == delim => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

fn rows(text: &str) -> impl Iterator<Item = Vec<String>> + '_ {
    text.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(split_csv)
}

impl Reference {
    /// Loads the embedded tables. They are part of the build, so failure is a bug.
    pub fn load() -> Reference {
        let naf = rows(NAF_CSV)
            .map(|r| {
                let level = match r[0].as_str() {
                    "section" => NafLevel::Section,
                    "division" => NafLevel::Division,
                    "group" => NafLevel::Group,
                    "class" => NafLevel::Class,
                    _ => NafLevel::Subclass,
                };
                (
                    r[1].clone(),
                    NafEntry {
                        level,
                        code: r[1].clone(),
                        label: r[2].clone(),
                        section: r[3].clone(),
                        division: r[4].clone(),
                    },
                )
            })
            .collect();
        let commune_zones: BTreeMap<String, String> = rows(COMMUNE_ZONES_CSV)
            .map(|r| (r[0].clone(), r[1].clone()))
            .collect();
        let communes = rows(COMMUNES_CSV)
            .map(|r| {
                (
                    r[0].clone(),
                    Commune {
                        code: r[0].clone(),
                        name: r[1].clone(),
                        departement: r[2].clone(),
                        region: r[3].clone(),
                        population: r[4].parse().unwrap_or(0),
                        zone: commune_zones.get(&r[0]).cloned(),
                    },
                )
            })
            .collect();
        let departements = rows(DEPARTEMENTS_CSV)
            .map(|r| {
                (
                    r[0].clone(),
                    Departement {
                        code: r[0].clone(),
                        name: r[1].clone(),
                        region: r[2].clone(),
                    },
                )
            })
            .collect();
        let regions = rows(REGIONS_CSV)
            .map(|r| (r[0].clone(), r[1].clone()))
            .collect();
        let zones = rows(ZONES_CSV)
            .map(|r| (r[0].clone(), r[1].clone()))
            .collect();
        Reference {
            naf,
            communes,
            departements,
            regions,
            zones,
        }
    }

    /// Code and name of a zone: a ZE2020 zone (`5315` → Rennes), or a département code, which
    /// is the zone of communes outside the zonage and of data read without a commune
    /// (`35` → Ille-et-Vilaine). `None` for any other code (a user-supplied zoning).
    pub fn zone(&self, code: &str) -> Option<ZoneRef<'_>> {
        let (code, name) = match self.zones.get_key_value(code) {
            Some((c, n)) => (c.as_str(), n.as_str()),
            None => self
                .departements
                .get_key_value(code)
                .map(|(c, d)| (c.as_str(), d.name.as_str()))?,
        };
        Some(ZoneRef { code, name })
    }

    /// Name of a zone code ([`Reference::zone`]), or the code itself when unknown.
    pub fn zone_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.zone(code).map_or(code, |z| z.name)
    }

    /// The default employment zone of a commune: its ZE2020 zone, else its département;
    /// `None` for a commune code that is not in the reference.
    pub fn default_zone(&self, commune: &str) -> Option<&str> {
        let c = self.communes.get(commune)?;
        Some(c.zone.as_deref().unwrap_or(&c.departement))
    }

    /// The NAF section letter of an APET code (`5610C` → `I`).
    pub fn naf_section(&self, naf: &str) -> Option<&str> {
        self.naf.get(naf.get(..2)?).map(|e| e.section.as_str())
    }

    /// Label of a NAF code at any level.
    pub fn naf_label(&self, code: &str) -> Option<&str> {
        self.naf.get(code).map(|e| e.label.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_all_levels() {
        let r = Reference::load();
        assert_eq!(r.naf_section("5610C"), Some("I"));
        assert_eq!(r.naf_section("4120A"), Some("F"));
        assert_eq!(r.naf_section("8710A"), Some("Q"));
        assert_eq!(r.naf["I"].level, NafLevel::Section);
        assert_eq!(r.naf["561"].level, NafLevel::Group);
        assert_eq!(r.naf["5610C"].level, NafLevel::Subclass);
        assert!(
            r.naf
                .values()
                .filter(|e| e.level == NafLevel::Section)
                .count()
                == 21
        );
        assert_eq!(r.communes["35238"].name, "Rennes");
        assert_eq!(r.departements["35"].region, "53");
        assert_eq!(r.regions["53"], "Bretagne");
    }

    #[test]
    fn employment_zones_load_with_names() {
        let r = Reference::load();
        let overseas = |z: &str| z.starts_with('0') && z.as_bytes()[1] != b'0';
        let metro = r.zones.keys().filter(|z| !overseas(z)).count();
        assert_eq!((metro, r.zones.len() - metro), (287, 19));
        assert_eq!(r.communes["35238"].zone.as_deref(), Some("5315"));
        assert_eq!(
            r.zone("5315"),
            Some(ZoneRef {
                code: "5315",
                name: "Rennes"
            })
        );
        assert_eq!(r.zone_name("0062"), "Redon");
        // Département codes name the département; unknown codes are their own name.
        assert_eq!(r.zone_name("35"), "Ille-et-Vilaine");
        assert_eq!(r.zone("X1"), None);
        assert_eq!(r.zone_name("X1"), "X1");
    }

    #[test]
    fn every_commune_of_the_zonage_maps_to_a_known_zone() {
        let r = Reference::load();
        // Only the overseas collectivities (975, 977, 978, 98x) are outside the zonage.
        let outside = |c: &Commune| {
            ["975", "977", "978", "98"]
                .iter()
                .any(|p| c.code.starts_with(p))
        };
        let mut missing = Vec::new();
        for c in r.communes.values() {
            match &c.zone {
                Some(z) => assert!(r.zones.contains_key(z), "{}: unknown zone {z}", c.code),
                None if outside(c) => {}
                None => missing.push(c.code.clone()),
            }
        }
        assert!(missing.is_empty(), "communes without a zone: {missing:?}");
        assert_eq!(r.communes.values().filter(|c| c.zone.is_none()).count(), 94);
        assert_eq!(r.default_zone("98801"), Some("988"));
        assert_eq!(r.default_zone("29019"), Some("5302"));
        assert_eq!(r.default_zone("00000"), None);
    }

    #[test]
    fn bretagne_has_twenty_employment_zones() {
        let r = Reference::load();
        let zones: std::collections::BTreeSet<&str> = r
            .communes
            .values()
            .filter(|c| c.region == "53")
            .filter_map(|c| c.zone.as_deref())
            .collect();
        // 19 zones of the région plus Redon (0062), which spans Bretagne and Pays de la Loire.
        assert_eq!(zones.len(), 20);
        assert!(zones.contains("0062") && zones.contains("5302"));
        assert_eq!(zones.iter().filter(|z| z.starts_with("53")).count(), 19);
    }
}
