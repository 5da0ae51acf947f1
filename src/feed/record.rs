//! The published record of one employer, as the feed and the API publish it.
//!
//! This module is the single seam between the score stage and what leaves the workbench:
//! [`record`] builds an [`EmployerRecord`] from a scoring run, with statistical secrecy
//! applied here (positions only, never a count; a sensitive criterion — BOETH, long
//! unemployment, IAE — cited only with at least 11 persons in its numerator and its
//! denominator, see [`privacy::can_cite`]; the "publics far from employment" block pooled
//! only when every member may be cited). Everything downstream (the flat feed, the index of
//! `serve`, the JSON API) carries these records and nothing else, so secrecy holds by
//! construction. The types mirror the score stage's published view one for one, so that
//! switching to it is a change of this module only.

use crate::indicators::{Criterion, CRITERIA};
use crate::model::siret_string;
use crate::score::peers::{Rung, SizeBand};
use crate::score::Trend;
use crate::score::{privacy, NonCalculable, ScoreError, ScoreOutput};
use serde::{Deserialize, Serialize};

/// Version of the record layout.
pub const RECORD_VERSION: u32 = 1;

pub use crate::score::Position;

/// The positions a record may publish for a criterion, worst first: the five bands of
/// [`Position`] (its other two values are said by [`Citation`]).
pub const BANDS: [Position; 5] = [
    Position::WellBelow,
    Position::Below,
    Position::Near,
    Position::Above,
    Position::WellAbove,
];

/// The band of an oriented sub-score (0–100, 50 = peer median, higher = better).
pub fn band_of(sub: f64) -> Position {
    match Position::of(Some(sub)) {
        Position::NotCalculable | Position::Withheld => Position::Near,
        p => p,
    }
}

/// The index of a band in [`BANDS`].
pub fn band_index(p: Position) -> Option<u8> {
    BANDS.iter().position(|&b| b == p).map(|i| i as u8)
}

/// The band of a key (`well_above`); `None` for any other key.
pub fn band_from_key(s: &str) -> Option<Position> {
    BANDS.into_iter().find(|b| b.key() == s)
}

/// What a record says about one criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "standing")]
pub enum Citation {
    /// The standing may be published.
    Shown(Position),
    /// Calculable, but a sensitive criterion on fewer than 11 persons: not published.
    Withheld,
    /// Not calculable (too few hires, employees or completed CDDs): never a silent zero.
    NotCalculable,
}

impl Citation {
    pub fn standing(self) -> Option<Position> {
        match self {
            Citation::Shown(s) => Some(s),
            _ => None,
        }
    }
}

/// A criterion key, serialised as in the configuration (`under_26`, `cdd_cdi_conversions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key(pub Criterion);

impl Serialize for Key {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.name())
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Criterion::from_name(&s)
            .map(Key)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown criterion {s:?}")))
    }
}

/// One weighted criterion of a record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriterionView {
    pub criterion: Key,
    /// Weight in the composite, share of the total weight (0–1).
    pub weight: f64,
    pub citation: Citation,
}

/// The "publics far from employment" block: the sensitive criteria pooled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "standing")]
pub enum FarStatus {
    /// The pooled standing (weighted mean of the members' sub-scores) may be published.
    Shown(Position),
    /// Some members are cited one by one and the others are too small; pooling them would
    /// reveal the others by difference, so nothing more is shown.
    PartlyShown,
    /// Fewer than 11 persons: nothing can be shown.
    TooFewPersons,
    /// No member is calculable.
    NotCalculable,
}

/// The pooled block and the criteria it pools (the calculable sensitive ones).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FarFromEmployment {
    pub status: FarStatus,
    pub members: Vec<Key>,
}

/// Why an employer is listed: a strength criterion, or the pooled block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    Criterion(Criterion),
    FarFromEmployment,
}

/// Key of the pooled block among the reasons.
pub const FAR_FROM_EMPLOYMENT: &str = "far_from_employment";

impl Reason {
    pub fn key(self) -> &'static str {
        match self {
            Reason::Criterion(c) => c.name(),
            Reason::FarFromEmployment => FAR_FROM_EMPLOYMENT,
        }
    }
    pub fn from_key(s: &str) -> Option<Reason> {
        if s == FAR_FROM_EMPLOYMENT {
            return Some(Reason::FarFromEmployment);
        }
        Criterion::from_name(s).map(Reason::Criterion)
    }
}

impl Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.key())
    }
}

impl<'de> Deserialize<'de> for Reason {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Reason::from_key(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown reason {s:?}")))
    }
}

/// One period of the label history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub period: String,
    /// Label level; `None` when not calculable.
    pub label: Option<u8>,
}

/// Activity, as codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sector {
    /// APET code (NAF sub-class, no dot).
    pub naf: String,
    /// NAF division (2 digits).
    pub division: String,
    /// NAF section letter (`?` when unknown).
    pub section: String,
}

/// Location, as codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    pub commune: String,
    pub zone: String,
    pub departement: String,
    pub region: String,
}

/// The peer group the employer is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerInfo {
    pub rung: Rung,
    /// Establishments in the group.
    pub members: u32,
}

/// The published view of one employer in one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmployerRecord {
    /// [`RECORD_VERSION`].
    pub version: u32,
    /// SIRET, 14 digits.
    pub siret: String,
    /// Name, when the establishment has one.
    pub name: Option<String>,
    /// Period label, e.g. `2025T4`.
    pub period: String,
    /// Label level 0–3; `None` when the score is not calculable.
    pub label: Option<u8>,
    /// Why the score is not calculable.
    pub non_calculable: Option<NonCalculable>,
    /// The gate that capped the label, if any.
    pub gated_by: Option<Key>,
    /// Composite rounded to the unit.
    pub score: Option<u32>,
    /// Its interval, rounded.
    pub score_interval: Option<[u32; 2]>,
    /// Label trend over a year.
    pub trend: Trend,
    /// Label in every period up to this one, oldest first.
    pub history: Vec<HistoryEntry>,
    pub sector: Sector,
    pub place: Place,
    pub size_band: SizeBand,
    pub peers: PeerInfo,
    /// Weighted criteria, in the score's order.
    pub criteria: Vec<CriterionView>,
    pub far_from_employment: FarFromEmployment,
    /// Why the employer is listed: strengths best first, then the pooled block if better.
    pub reasons: Vec<Reason>,
}

impl EmployerRecord {
    /// The citation of one criterion (`None` when it has no weight).
    pub fn citation(&self, c: Criterion) -> Option<Citation> {
        self.criteria
            .iter()
            .find(|v| v.criterion.0 == c)
            .map(|v| v.citation)
    }
}

fn citation(out: &ScoreOutput, i: usize, c: Criterion) -> Citation {
    let row = &out.indicators.rows[i];
    match out.scores[i].subscores[c as usize] {
        None => Citation::NotCalculable,
        Some(_) if c.is_sensitive() && !privacy::can_cite(row, c, out.indicators.window_months) => {
            Citation::Withheld
        }
        Some(s) => Citation::Shown(band_of(s as f64)),
    }
}

/// The pooled block: shown only when every calculable member may be cited (so pooling can
/// never reveal a withheld member by difference).
fn far_from_employment(out: &ScoreOutput, i: usize) -> FarFromEmployment {
    let members: Vec<Criterion> = CRITERIA
        .iter()
        .copied()
        .filter(|c| c.is_sensitive() && out.scores[i].subscores[*c as usize].is_some())
        .collect();
    let withheld = members
        .iter()
        .filter(|&&c| citation(out, i, c) == Citation::Withheld)
        .count();
    let status = if members.is_empty() {
        FarStatus::NotCalculable
    } else if withheld == members.len() {
        FarStatus::TooFewPersons
    } else if withheld > 0 {
        FarStatus::PartlyShown
    } else {
        let w = |c: Criterion| out.params.weight(c).max(1e-12);
        let sub = |c: Criterion| out.scores[i].subscores[c as usize].unwrap_or(0.0) as f64;
        let wsum: f64 = members.iter().map(|&c| w(c)).sum();
        let mean = members.iter().map(|&c| w(c) * sub(c)).sum::<f64>() / wsum;
        FarStatus::Shown(band_of(mean))
    };
    FarFromEmployment {
        status,
        members: members.into_iter().map(Key).collect(),
    }
}

fn history(out: &ScoreOutput, siret: u64, p: u32) -> Vec<HistoryEntry> {
    (0..=p)
        .filter_map(|q| {
            let k = out.row_index(siret, q)?;
            Some(HistoryEntry {
                period: out.periods()[q as usize].label.clone(),
                label: out.scores[k].label,
            })
        })
        .collect()
}

fn reasons(
    out: &ScoreOutput,
    i: usize,
    criteria: &[CriterionView],
    far: &FarFromEmployment,
) -> Vec<Reason> {
    let s = &out.scores[i];
    let mut strong: Vec<(Position, f32, Criterion)> = criteria
        .iter()
        .filter_map(|v| {
            let st = v.citation.standing().filter(|st| st.is_favourable())?;
            Some((st, s.subscores[v.criterion.0 as usize]?, v.criterion.0))
        })
        .collect();
    strong.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)).then(a.2.cmp(&b.2)));
    let mut out: Vec<Reason> = strong.iter().map(|x| Reason::Criterion(x.2)).collect();
    if matches!(far.status, FarStatus::Shown(st) if st.is_favourable()) {
        out.push(Reason::FarFromEmployment);
    }
    out
}

/// The published record of score row `i`.
pub fn record(out: &ScoreOutput, i: usize) -> EmployerRecord {
    let s = &out.scores[i];
    let e = out.establishment(s.siret);
    let wsum: f64 = CRITERIA.iter().map(|&c| out.params.weight(c)).sum();
    let criteria: Vec<CriterionView> = CRITERIA
        .iter()
        .filter(|&&c| out.params.weight(c) > 0.0)
        .map(|&c| CriterionView {
            criterion: Key(c),
            weight: out.params.weight(c) / wsum,
            citation: citation(out, i, c),
        })
        .collect();
    let far = far_from_employment(out, i);
    let reasons = reasons(out, i, &criteria, &far);
    let g = &out.peer_groups[s.peer_group as usize];
    let code = |f: fn(&crate::score::EstablishmentInfo) -> &String| e.map(|e| f(e).clone());
    let naf = code(|e| &e.naf).unwrap_or_default();
    EmployerRecord {
        version: RECORD_VERSION,
        siret: siret_string(s.siret),
        name: e
            .map(|e| e.name.trim().to_string())
            .filter(|n| !n.is_empty()),
        period: out.periods()[s.period as usize].label.clone(),
        label: s.label,
        non_calculable: s.non_calculable,
        gated_by: s.gated_by.map(Key),
        score: s.composite.map(|v| v.round() as u32),
        score_interval: s
            .composite
            .map(|v| [s.lower.unwrap_or(v), s.upper.unwrap_or(v)].map(|x| x.round() as u32)),
        trend: out.label_trend(s.siret, s.period),
        history: history(out, s.siret, s.period),
        sector: Sector {
            division: naf.get(..2).unwrap_or(&naf).to_string(),
            naf,
            section: code(|e| &e.section).unwrap_or_else(|| "?".into()),
        },
        place: Place {
            commune: code(|e| &e.commune).unwrap_or_default(),
            zone: code(|e| &e.zone).unwrap_or_default(),
            departement: code(|e| &e.departement).unwrap_or_default(),
            region: code(|e| &e.region).unwrap_or_default(),
        },
        size_band: s.size_band,
        peers: PeerInfo {
            rung: g.rung,
            members: g.members,
        },
        criteria,
        far_from_employment: far,
        reasons,
    }
}

/// Records of every establishment scored in `period` (latest when `None`), by SIRET.
pub fn records(out: &ScoreOutput, period: Option<&str>) -> Result<Vec<EmployerRecord>, ScoreError> {
    let p = out.period_index(period)?;
    Ok((0..out.scores.len())
        .filter(|&i| out.scores[i].period == p)
        .map(|i| record(out, i))
        .collect())
}
