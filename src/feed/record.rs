//! The published record of one employer, as the feed and the API publish it.
//!
//! The record is the score stage's published view ([`publish::record`]), which alone
//! applies statistical secrecy (positions only, never a count; a sensitive criterion — BOETH,
//! long unemployment, IAE — cited only with at least 11 persons in its numerator and its
//! denominator; the "publics far from employment" block pooled only on at least 11 persons
//! and when pooling cannot reveal a withheld member). This module only changes its shape for
//! the feed (label as a level, citations tagged by status), so the counsellors' list, the
//! employer sheet, the feed, the index of `serve` and the JSON API share one secrecy rule.

use crate::indicators::Criterion;
use crate::score::peers::{Rung, SizeBand};
use crate::score::Trend;
use crate::score::{publish, NonCalculable, ScoreError, ScoreOutput};
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
    /// Establishments in the group; `None` below 3 (see [`publish::PeerInfo`]).
    pub members: Option<u32>,
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

/// The feed's citation of a published position.
fn citation(p: Position) -> Citation {
    match p {
        Position::Withheld => Citation::Withheld,
        Position::NotCalculable => Citation::NotCalculable,
        p => Citation::Shown(p),
    }
}

fn far_status(s: publish::FarStatus) -> FarStatus {
    match s {
        publish::FarStatus::Shown(p) => FarStatus::Shown(p),
        publish::FarStatus::PartlyShown => FarStatus::PartlyShown,
        publish::FarStatus::TooFewPersons => FarStatus::TooFewPersons,
        publish::FarStatus::NotCalculable => FarStatus::NotCalculable,
    }
}

fn reason(r: publish::Reason) -> Reason {
    match r {
        publish::Reason::Criterion(c) => Reason::Criterion(c),
        publish::Reason::FarFromEmployment => Reason::FarFromEmployment,
    }
}

/// The feed's layout of a published record: the same content, every secrecy decision taken
/// by [`publish::record`]; only the shape changes (label as a level, citations tagged).
pub fn from_published(p: publish::EmployerRecord) -> EmployerRecord {
    EmployerRecord {
        version: RECORD_VERSION,
        siret: p.siret,
        name: p.name,
        period: p.period,
        label: p.label.level(),
        non_calculable: p.non_calculable,
        gated_by: p.gated_by.map(Key),
        score: p.score,
        score_interval: p.score_interval,
        trend: p.trend,
        history: p
            .history
            .into_iter()
            .map(|h| HistoryEntry {
                period: h.period,
                label: h.label.level(),
            })
            .collect(),
        sector: Sector {
            naf: p.sector.naf,
            division: p.sector.division,
            section: p.sector.section,
        },
        place: Place {
            commune: p.place.commune,
            zone: p.place.zone,
            departement: p.place.departement,
            region: p.place.region,
        },
        size_band: p.size_band,
        peers: PeerInfo {
            rung: p.peers.rung,
            members: p.peers.members,
        },
        criteria: p
            .criteria
            .into_iter()
            .map(|v| CriterionView {
                criterion: Key(v.criterion),
                weight: v.weight,
                citation: citation(v.position),
            })
            .collect(),
        far_from_employment: FarFromEmployment {
            status: far_status(p.far_from_employment.status),
            members: p.far_from_employment.members.into_iter().map(Key).collect(),
        },
        reasons: p.reasons.into_iter().map(reason).collect(),
    }
}

/// The published record of score row `i` ([`publish::record`] in the feed's layout).
pub fn record(out: &ScoreOutput, i: usize) -> EmployerRecord {
    from_published(publish::record(out, i))
}

/// Records of every establishment scored in `period` (latest when `None`), by SIRET.
pub fn records(out: &ScoreOutput, period: Option<&str>) -> Result<Vec<EmployerRecord>, ScoreError> {
    records_with(out, period, &|siret, q| out.past_label(siret, q))
}

/// [`records`], with earlier periods' label rows from `past` ([`publish::record_with`]).
pub fn records_with(
    out: &ScoreOutput,
    period: Option<&str>,
    past: &dyn Fn(u64, u32) -> Option<Option<u8>>,
) -> Result<Vec<EmployerRecord>, ScoreError> {
    let p = out.period_index(period)?;
    Ok((0..out.scores.len())
        .filter(|&i| out.scores[i].period == p)
        .map(|i| record_at(out, i, past))
        .collect())
}

/// The record of score row `i`, as [`records_with`] builds it.
pub fn record_at(
    out: &ScoreOutput,
    i: usize,
    past: &dyn Fn(u64, u32) -> Option<Option<u8>>,
) -> EmployerRecord {
    from_published(publish::record_with(out, i, past))
}
