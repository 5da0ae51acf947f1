//! Reference data shipped in `data/reference/` and embedded in the binary, so that a clone
//! runs anywhere: NAF rév. 2 (all levels), communes, départements and régions.
//!
//! The CSVs are produced from the public sources by `data/reference/build_reference.py`.

use std::collections::BTreeMap;

const NAF_CSV: &str = include_str!("../data/reference/naf.csv");
const COMMUNES_CSV: &str = include_str!("../data/reference/communes.csv");
const DEPARTEMENTS_CSV: &str = include_str!("../data/reference/departements.csv");
const REGIONS_CSV: &str = include_str!("../data/reference/regions.csv");

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
}

/// Splits one CSV line with optional double quotes (the shipped files are simple RFC 4180).
fn split_csv(line: &str) -> Vec<String> {
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
            (',', false) => out.push(std::mem::take(&mut cur)),
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
        Reference {
            naf,
            communes,
            departements,
            regions,
        }
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
}
