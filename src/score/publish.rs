//! The published view of an employer: the one record that the counsellors' page, `list`,
//! employer sheets, and any API or job-board feed publish, with statistical secrecy applied
//! once, here ([`super::privacy`]).
//!
//! An [`EmployerRecord`] holds language-free keys and enums only: label and its history,
//! period, rounded score, zone, sector, size band, and per criterion a [`Position`] against
//! the peers (oriented: better is "above"). It never holds a count of persons or a raw share.
//! A sensitive criterion (BOETH, long unemployment, IAE) is cited only when its numerator and
//! denominator both reach 11 persons; otherwise it is [`Position::Withheld`]. The sensitive
//! criteria are also pooled into one [`FarFromEmployment`] block ("publics far from
//! employment"), shown when the pool reaches 11 persons in numerator and denominator and
//! pooling cannot reveal a withheld member by difference; otherwise the block says plainly
//! that nothing can be shown. The reasons why an employer is listed are the list's strengths
//! ([`super::list::strengths`]), then the pooled block when it is better than the peers.
//!
//! The employer sheet adds [`SheetFigures`]: the employer's own values and its peers' median,
//! as rounded bands ([`step`]), the median being a protected median
//! ([`privacy::protected_median`]: never one competitor's value, never fewer than 3 peers or
//! 11 persons, no peer above 85% of the persons).

use super::peers::{Rung, SizeBand};
use super::privacy::{self, MedianInput, PersonRule};
use super::{Label, NonCalculable, Position, ScoreError, ScoreOutput, Trend};
use crate::indicators::{Criterion, Kind, CRITERIA};
use crate::model::siret_string;
use serde::{Deserialize, Serialize};

/// Version of the record layout.
pub const RECORD_VERSION: u32 = 3;

/// One weighted criterion of a record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriterionView {
    pub criterion: Criterion,
    /// Weight in the composite, share of the total weight (0–1).
    pub weight: f64,
    /// Position against the peers; [`Position::Withheld`] for a sensitive criterion on fewer
    /// than 11 persons, [`Position::NotCalculable`] never a silent zero.
    pub position: Position,
}

/// The "publics far from employment" block: the sensitive criteria pooled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "position")]
pub enum FarStatus {
    /// The pooled position (weighted mean of the members' sub-scores) may be published.
    Shown(Position),
    /// Some members are cited one by one and the others are too small; pooling them with the
    /// cited ones would reveal the others by difference, so nothing more is shown.
    PartlyShown,
    /// Fewer than 11 persons even pooled: nothing can be shown.
    TooFewPersons,
    /// No member is calculable.
    NotCalculable,
}

/// The pooled block and the criteria it pools (the calculable sensitive ones).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FarFromEmployment {
    pub status: FarStatus,
    pub members: Vec<Criterion>,
}

impl Default for FarFromEmployment {
    /// Nothing calculable: what a row without the block (an older file) can honestly say.
    fn default() -> Self {
        FarFromEmployment {
            status: FarStatus::NotCalculable,
            members: Vec::new(),
        }
    }
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
}

impl Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.key())
    }
}

impl<'de> Deserialize<'de> for Reason {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s == FAR_FROM_EMPLOYMENT {
            return Ok(Reason::FarFromEmployment);
        }
        Criterion::from_name(&s)
            .map(Reason::Criterion)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown reason {s:?}")))
    }
}

/// One period of the label history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub period: String,
    pub label: Label,
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
    /// Establishments in the group; `None` below [`privacy::MIN_UNITS`] (possible only at the
    /// last fallback rung), since a count of fewer than 3 establishments is never published.
    pub members: Option<u32>,
}

/// The published size of a peer group ([`PeerInfo::members`]).
pub fn peer_members(members: u32) -> Option<u32> {
    (u64::from(members) >= privacy::MIN_UNITS).then_some(members)
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
    /// Label (`not_calculable` when the score is not).
    pub label: Label,
    /// Why the score is not calculable.
    pub non_calculable: Option<NonCalculable>,
    /// The gate that capped the label, if any.
    pub gated_by: Option<Criterion>,
    /// Composite rounded to the unit.
    pub score: Option<u32>,
    /// Its interval, rounded.
    pub score_interval: Option<[u32; 2]>,
    /// Label trend over a year ([`ScoreOutput::label_trend`]).
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
    /// The position on one criterion (`None` when it has no weight).
    pub fn position(&self, c: Criterion) -> Option<Position> {
        self.criteria
            .iter()
            .find(|v| v.criterion == c)
            .map(|v| v.position)
    }
    /// The strength criteria, best first.
    pub fn strengths(&self) -> impl Iterator<Item = Criterion> + '_ {
        self.reasons.iter().filter_map(|r| match r {
            Reason::Criterion(c) => Some(*c),
            Reason::FarFromEmployment => None,
        })
    }
}

/// The published position of criterion `c` for score row `i`: withheld where a sensitive
/// criterion rests on fewer than 11 persons.
pub fn position(out: &ScoreOutput, i: usize, c: Criterion) -> Position {
    let sub = out.scores[i].subscores[c as usize].map(f64::from);
    let row = &out.indicators.rows[i];
    if sub.is_some() && !privacy::can_cite_position(row, c, out.indicators.window_months) {
        Position::Withheld
    } else {
        Position::of(sub)
    }
}

/// The pooled block of score row `i` (see the module docs).
pub fn far_from_employment(out: &ScoreOutput, i: usize) -> FarFromEmployment {
    let members: Vec<Criterion> = CRITERIA
        .iter()
        .copied()
        .filter(|c| c.is_sensitive() && out.scores[i].subscores[*c as usize].is_some())
        .collect();
    let withheld = members
        .iter()
        .filter(|&&c| position(out, i, c) == Position::Withheld)
        .count();
    let row = &out.indicators.rows[i];
    let min = privacy::MIN_PERSONS;
    let pooled_ok = row.sensitive_any as u64 >= min && row.new_hires as u64 >= min;
    let status = if members.is_empty() {
        FarStatus::NotCalculable
    } else if withheld > 0 && withheld < members.len() {
        FarStatus::PartlyShown
    } else if !pooled_ok {
        FarStatus::TooFewPersons
    } else {
        let w = |c: Criterion| out.params.weight(c).max(1e-12);
        let sub = |c: Criterion| out.scores[i].subscores[c as usize].unwrap_or(0.0) as f64;
        let wsum: f64 = members.iter().map(|&c| w(c)).sum();
        let mean = members.iter().map(|&c| w(c) * sub(c)).sum::<f64>() / wsum;
        FarStatus::Shown(Position::of(Some(mean)))
    };
    FarFromEmployment { status, members }
}

/// The published record of score row `i`.
pub fn record(out: &ScoreOutput, i: usize) -> EmployerRecord {
    record_with(out, i, &|siret, q| out.past_label(siret, q))
}

/// [`record`], with the label rows of earlier periods from `past(siret, q)` (as
/// [`ScoreOutput::past_label`]) rather than from `out`, which then needs to hold only the
/// period of row `i` (an out-of-core run scores one period at a time).
pub fn record_with(
    out: &ScoreOutput,
    i: usize,
    past: &dyn Fn(u64, u32) -> Option<Option<u8>>,
) -> EmployerRecord {
    let s = &out.scores[i];
    let e = out.establishment(s.siret);
    let wsum: f64 = CRITERIA.iter().map(|&c| out.params.weight(c)).sum();
    let criteria: Vec<CriterionView> = CRITERIA
        .iter()
        .filter(|&&c| out.params.weight(c) > 0.0)
        .map(|&c| CriterionView {
            criterion: c,
            weight: if wsum > 0.0 {
                out.params.weight(c) / wsum
            } else {
                0.0
            },
            position: position(out, i, c),
        })
        .collect();
    let far = far_from_employment(out, i);
    let (strengths, _) = super::list::strengths(out, i);
    let mut reasons: Vec<Reason> = strengths
        .iter()
        .map(|x| Reason::Criterion(x.criterion))
        .collect();
    if matches!(far.status, FarStatus::Shown(p) if p.is_favourable()) {
        reasons.push(Reason::FarFromEmployment);
    }
    let g = &out.peer_groups[s.peer_group as usize];
    let code = |f: fn(&super::EstablishmentInfo) -> &String| e.map(|e| f(e).clone());
    let naf = code(|e| &e.naf).unwrap_or_default();
    EmployerRecord {
        version: RECORD_VERSION,
        siret: siret_string(s.siret),
        name: e
            .map(|e| e.name.trim().to_string())
            .filter(|n| !n.is_empty()),
        period: out.periods()[s.period as usize].label.clone(),
        label: Label::of(s.label),
        non_calculable: s.non_calculable,
        gated_by: s.gated_by,
        score: s.composite.map(|v| v.round() as u32),
        score_interval: s
            .composite
            .map(|v| [s.lower.unwrap_or(v), s.upper.unwrap_or(v)].map(|x| x.round() as u32)),
        trend: super::trend_of(out.params.step_months, s.period, &|q| past(s.siret, q)),
        history: history(out, s.period, &|q| past(s.siret, q)),
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
            members: peer_members(g.members),
        },
        criteria,
        far_from_employment: far,
        reasons,
    }
}

fn history(
    out: &ScoreOutput,
    p: u32,
    past: &dyn Fn(u32) -> Option<Option<u8>>,
) -> Vec<HistoryEntry> {
    (0..=p)
        .filter_map(|q| {
            Some(HistoryEntry {
                label: Label::of(past(q)?),
                period: out.periods()[q as usize].label.clone(),
            })
        })
        .collect()
}

/// The record of `siret` in `period` (latest when `None`).
pub fn record_of(
    out: &ScoreOutput,
    siret: u64,
    period: Option<&str>,
) -> Result<EmployerRecord, ScoreError> {
    let p = out.period_index(period)?;
    let i = out
        .row_index(siret, p)
        .ok_or_else(|| ScoreError::UnknownSiret {
            siret: siret_string(siret),
            period: out.periods()[p as usize].label.clone(),
        })?;
    Ok(record(out, i))
}

/// Records of every establishment scored in `period` (latest when `None`), by SIRET.
pub fn records(out: &ScoreOutput, period: Option<&str>) -> Result<Vec<EmployerRecord>, ScoreError> {
    let p = out.period_index(period)?;
    Ok((0..out.scores.len())
        .filter(|&i| out.scores[i].period == p)
        .map(|i| record(out, i))
        .collect())
}

/// Rounding step of a criterion's published values, in natural units: 5 percentage points
/// for shares and turnover, 1 per 100 employees for internships, 5 per 1,000 for accidents,
/// 5 days for CDD lengths.
pub fn step(c: Criterion) -> f64 {
    match c.kind() {
        Kind::Share(_) => 0.05,
        Kind::Rate { per } if per <= 1.0 => 0.05,
        Kind::Rate { per } if per <= 100.0 => 1.0,
        Kind::Rate { .. } => 5.0,
        Kind::Days => 5.0,
    }
}

/// A value of criterion `c` as published: rounded to [`step`].
pub fn rounded(c: Criterion, v: f64) -> f64 {
    privacy::round_to(v, step(c))
}

/// One criterion of the employer sheet, beside its [`Position`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeerComparison {
    pub criterion: Criterion,
    /// The employer's own value, rounded; only where its counts allow citing it
    /// ([`privacy::can_cite`]).
    pub own: Option<f64>,
    /// Protected median of the peer group, rounded.
    pub peer_median: Option<f64>,
    /// The rounding step, natural units ([`step`]).
    pub step: f64,
}

/// What an employer sheet may quote besides the record: weighted criteria, in the record's
/// order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SheetFigures {
    pub criteria: Vec<PeerComparison>,
}

/// The protected median of criterion `c`'s values over score rows `rows`.
fn peer_median(out: &ScoreOutput, rows: &[usize], c: Criterion) -> Option<f64> {
    let w = out.indicators.window_months;
    let inputs: Vec<MedianInput> = rows
        .iter()
        .filter_map(|&k| {
            out.scores[k].subscores[c as usize]?;
            let r = &out.indicators.rows[k];
            let (num, den) = r.counts(c, w);
            Some(MedianInput {
                value: r.value(c, w)?,
                num,
                den,
            })
        })
        .collect();
    privacy::protected_median(&inputs, PersonRule::of(c)).ok()
}

/// The sheet figures of score row `i` (see the module docs): the peers are the members of its
/// peer group in the same period.
pub fn sheet_figures(out: &ScoreOutput, i: usize) -> SheetFigures {
    let s = &out.scores[i];
    let row = &out.indicators.rows[i];
    let w = out.indicators.window_months;
    let group: Vec<usize> = (0..out.scores.len())
        .filter(|&k| out.scores[k].period == s.period && out.scores[k].peer_group == s.peer_group)
        .collect();
    let criteria = CRITERIA
        .iter()
        .filter(|&&c| out.params.weight(c) > 0.0)
        .map(|&c| PeerComparison {
            criterion: c,
            own: s.subscores[c as usize]
                .and(row.value(c, w))
                .filter(|_| privacy::can_cite(row, c, w))
                .map(|v| rounded(c, v)),
            peer_median: peer_median(out, &group, c).map(|v| rounded(c, v)),
            step: step(c),
        })
        .collect();
    SheetFigures { criteria }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_serialise_as_keys() {
        let r: Reason = serde_json::from_str("\"far_from_employment\"").unwrap();
        assert_eq!(r, Reason::FarFromEmployment);
        let r: Reason = serde_json::from_str("\"under_26\"").unwrap();
        assert_eq!(r, Reason::Criterion(Criterion::Under26));
        assert!(serde_json::from_str::<Reason>("\"under26\"").is_err());
        let v = serde_json::to_value(FarStatus::Shown(Position::WellAbove)).unwrap();
        assert_eq!(v["status"], "shown");
        assert_eq!(v["position"], "well_above");
    }

    #[test]
    fn steps_round_values() {
        assert_eq!(rounded(Criterion::LongUnemployed, 23.0 / 52.0), 0.45);
        assert_eq!(rounded(Criterion::Turnover, 1.6672), 1.65);
        assert_eq!(rounded(Criterion::AtMpFrequency, 43.87), 45.0);
        assert_eq!(rounded(Criterion::Internships, 2.19), 2.0);
        assert_eq!(rounded(Criterion::CddMeanDays, 37.4), 35.0);
    }
}
