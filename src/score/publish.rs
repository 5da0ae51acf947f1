//! The published view of an employer: the one record that the counsellors' page, `list`,
//! employer sheets, and any API or job-board feed publish, with statistical secrecy applied
//! once, here ([`super::privacy`]).
//!
//! An [`EmployerRecord`] holds language-free keys and enums only: label level and its
//! history, period, rounded score, zone, sector, size band, and per criterion a
//! [`Standing`] against the peers in the reader's sense (better is better: a *lower*
//! turnover, fewer early ruptures or fewer accidents than the peers is *better*). It never
//! holds a count of persons or a raw share. A sensitive criterion (BOETH, long unemployment,
//! IAE) is cited only when its numerator and denominator both reach 11 persons; otherwise it
//! is [`Citation::Withheld`]. The sensitive criteria are also pooled into one
//! [`FarFromEmployment`] block ("publics far from employment"), shown when the pool reaches 11
//! persons in numerator and denominator and pooling cannot reveal a withheld member by
//! difference; otherwise the block says plainly that nothing can be shown. The strengths —
//! why an employer is listed — are the cited criteria where it is better than its peers'
//! median, best first.
//!
//! The employer sheet adds [`SheetFigures`]: the employer's own values, its peers' median and
//! the median of the peers one label level up, all as rounded bands ([`step`]), the medians
//! being protected medians ([`privacy::protected_median`]: never one competitor's value,
//! never fewer than 3 peers or 11 persons), and the score points each criterion could add.

use super::list::Trend;
use super::peers::{Rung, SizeBand};
use super::privacy::{self, MedianInput, PersonRule};
use super::{NonCalculable, Position, ScoreError, ScoreOutput};
use crate::indicators::{Criterion, Kind, CRITERIA};
use crate::model::siret_string;
use serde::{Deserialize, Serialize};

/// Version of the record layout.
pub const RECORD_VERSION: u32 = 1;

/// Position of an employer against its peers on one criterion, in the reader's sense (the
/// sub-score's percentile, already oriented so that better is higher). Ordered worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    WorstQuarter,
    WorseThanMedian,
    AtMedian,
    BetterThanMedian,
    BestQuarter,
    BestTenth,
}

/// Which side of the peers' median the raw value lies on (to phrase "lower turnover").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueSide {
    Higher,
    Same,
    Lower,
}

impl Standing {
    /// From a sub-score (0–100, 50 = peer median, higher = better).
    pub fn of(sub: f64) -> Standing {
        match sub {
            s if s >= 90.0 => Standing::BestTenth,
            s if s >= 75.0 => Standing::BestQuarter,
            s if s > 50.0 => Standing::BetterThanMedian,
            s if s >= 50.0 => Standing::AtMedian,
            s if s >= 25.0 => Standing::WorseThanMedian,
            _ => Standing::WorstQuarter,
        }
    }
    /// Better than the peers' median.
    pub fn is_better(self) -> bool {
        self > Standing::AtMedian
    }
    /// Where the raw value lies against the median: for a criterion where less is better
    /// (turnover, early ruptures, accidents), better means lower.
    pub fn value_side(self, c: Criterion) -> ValueSide {
        let better = match self {
            Standing::AtMedian => return ValueSide::Same,
            s => s.is_better(),
        };
        if better == (c.direction() > 0.0) {
            ValueSide::Higher
        } else {
            ValueSide::Lower
        }
    }
    /// The score stage's position of the same band.
    pub fn position(self) -> Position {
        match self {
            Standing::BestTenth => Position::TopDecile,
            Standing::BestQuarter => Position::TopQuartile,
            Standing::BetterThanMedian => Position::AboveMedian,
            Standing::AtMedian => Position::AtMedian,
            Standing::WorseThanMedian => Position::BelowMedian,
            Standing::WorstQuarter => Position::BottomQuartile,
        }
    }
}

/// What a record says about one criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "standing")]
pub enum Citation {
    /// The standing may be published.
    Shown(Standing),
    /// Calculable, but a sensitive criterion on fewer than 11 persons: not published.
    Withheld,
    /// Not calculable (too few hires, employees or completed CDDs): never a silent zero.
    NotCalculable,
}

impl Citation {
    pub fn standing(self) -> Option<Standing> {
        match self {
            Citation::Shown(s) => Some(s),
            _ => None,
        }
    }
}

/// A criterion key serialised as in the configuration (`under_26`, `cdd_cdi_conversions`).
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
    Shown(Standing),
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
    /// The strength criteria, best first.
    pub fn strengths(&self) -> impl Iterator<Item = Criterion> + '_ {
        self.reasons.iter().filter_map(|r| match r {
            Reason::Criterion(c) => Some(*c),
            Reason::FarFromEmployment => None,
        })
    }
}

/// The citation of criterion `c` for score row `i`.
fn citation(out: &ScoreOutput, i: usize, c: Criterion) -> Citation {
    match out.scores[i].subscores[c as usize] {
        None => Citation::NotCalculable,
        Some(_)
            if !privacy::can_cite_position(
                &out.indicators.rows[i],
                c,
                out.indicators.window_months,
            ) =>
        {
            Citation::Withheld
        }
        Some(s) => Citation::Shown(Standing::of(s as f64)),
    }
}

/// The pooled block of score row `i` (see the module docs).
pub fn far_from_employment(out: &ScoreOutput, i: usize) -> FarFromEmployment {
    let members: Vec<Criterion> = CRITERIA
        .iter()
        .copied()
        .filter(|c| c.is_sensitive() && out.scores[i].subscores[*c as usize].is_some())
        .collect();
    let cites: Vec<Citation> = members.iter().map(|&c| citation(out, i, c)).collect();
    let withheld = cites.iter().filter(|c| **c == Citation::Withheld).count();
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
        FarStatus::Shown(Standing::of(mean))
    };
    FarFromEmployment {
        status,
        members: members.into_iter().map(Key).collect(),
    }
}

/// The label trend of `siret` at period `p`, against a year earlier.
pub fn trend(out: &ScoreOutput, siret: u64, p: u32) -> Trend {
    let year_back = (12 / out.params.step_months.max(1)).max(1);
    let now = out.row_index(siret, p).and_then(|k| out.scores[k].label);
    let before = p
        .checked_sub(year_back)
        .and_then(|pb| out.row_index(siret, pb))
        .and_then(|k| out.scores[k].label);
    match (before, now) {
        (None, _) => Trend::New,
        (Some(b), Some(l)) if b < l => Trend::Up,
        (Some(b), Some(l)) if b > l => Trend::Down,
        (Some(_), None) => Trend::Down,
        _ => Trend::Stable,
    }
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
            weight: if wsum > 0.0 {
                out.params.weight(c) / wsum
            } else {
                0.0
            },
            citation: citation(out, i, c),
        })
        .collect();
    let far = far_from_employment(out, i);
    let mut strong: Vec<(Standing, f32, Criterion)> = criteria
        .iter()
        .filter_map(|v| {
            let st = v.citation.standing().filter(|st| st.is_better())?;
            Some((st, s.subscores[v.criterion.0 as usize]?, v.criterion.0))
        })
        .collect();
    strong.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)).then(a.2.cmp(&b.2)));
    let mut reasons: Vec<Reason> = strong.iter().map(|x| Reason::Criterion(x.2)).collect();
    if matches!(far.status, FarStatus::Shown(st) if st.is_better()) {
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
        label: s.label,
        non_calculable: s.non_calculable,
        gated_by: s.gated_by.map(Key),
        score: s.composite.map(|v| v.round() as u32),
        score_interval: s
            .composite
            .map(|v| [s.lower.unwrap_or(v), s.upper.unwrap_or(v)].map(|x| x.round() as u32)),
        trend: trend(out, s.siret, s.period),
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

/// One criterion of the employer sheet, beside its [`Citation`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeerComparison {
    pub criterion: Key,
    /// The employer's own value, rounded; only where its counts allow citing it
    /// ([`privacy::can_cite`]).
    pub own: Option<f64>,
    /// Protected median of the peer group, rounded.
    pub peer_median: Option<f64>,
    /// Protected median of the peers one label level up, rounded.
    pub next_level_median: Option<f64>,
    /// Score points gained if the sub-score reached the next level's protected median.
    pub gain_points: Option<f64>,
    /// The rounding step, natural units ([`step`]).
    pub step: f64,
}

/// What an employer sheet may quote besides the record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SheetFigures {
    /// The next label level (`None` at the top level or when not calculable).
    pub next_level: Option<u8>,
    /// Weighted criteria, in the record's order.
    pub criteria: Vec<PeerComparison>,
}

/// The protected median of criterion `c` over score rows `rows`: raw values when
/// `sub` is false, sub-scores otherwise.
fn peer_median(out: &ScoreOutput, rows: &[usize], c: Criterion, sub: bool) -> Option<f64> {
    let w = out.indicators.window_months;
    let inputs: Vec<MedianInput> = rows
        .iter()
        .filter_map(|&k| {
            let s = out.scores[k].subscores[c as usize]?;
            let r = &out.indicators.rows[k];
            let (num, den) = r.counts(c, w);
            let value = if sub { s as f64 } else { r.value(c, w)? };
            Some(MedianInput { value, num, den })
        })
        .collect();
    let rule = match (sub, c.is_sensitive()) {
        (true, false) => PersonRule::None,
        _ => PersonRule::of(c),
    };
    privacy::protected_median(&inputs, rule).ok()
}

/// The sheet figures of score row `i` (see the module docs).
pub fn sheet_figures(out: &ScoreOutput, i: usize) -> SheetFigures {
    let s = &out.scores[i];
    let row = &out.indicators.rows[i];
    let w = out.indicators.window_months;
    let group: Vec<usize> = (0..out.scores.len())
        .filter(|&k| out.scores[k].period == s.period && out.scores[k].peer_group == s.peer_group)
        .collect();
    let next_level = s.label.filter(|&l| l < 3).map(|l| l + 1);
    let next: Vec<usize> = group
        .iter()
        .copied()
        .filter(|&k| next_level.is_some() && out.scores[k].label == next_level)
        .collect();
    let wsum_calc: f64 = CRITERIA
        .iter()
        .filter(|&&c| s.subscores[c as usize].is_some())
        .map(|&c| out.params.weight(c))
        .sum();
    let criteria = CRITERIA
        .iter()
        .filter(|&&c| out.params.weight(c) > 0.0)
        .map(|&c| {
            let withheld = citation(out, i, c) == Citation::Withheld;
            let own_sub = s.subscores[c as usize].map(f64::from);
            let med_sub = peer_median(out, &next, c, true);
            let gain = match (own_sub, med_sub) {
                (Some(o), Some(m)) if wsum_calc > 0.0 && !withheld => {
                    Some((out.params.weight(c) / wsum_calc * (m - o)).max(0.0))
                }
                _ => None,
            };
            let own = own_sub
                .and(row.value(c, w))
                .filter(|_| privacy::can_cite(row, c, w))
                .map(|v| rounded(c, v));
            PeerComparison {
                criterion: Key(c),
                own,
                peer_median: peer_median(out, &group, c, false).map(|v| rounded(c, v)),
                next_level_median: peer_median(out, &next, c, false)
                    .filter(|_| !withheld)
                    .map(|v| rounded(c, v)),
                gain_points: gain,
                step: step(c),
            }
        })
        .collect();
    SheetFigures {
        next_level,
        criteria,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standing_bands_and_reader_sense() {
        assert_eq!(Standing::of(95.0), Standing::BestTenth);
        assert_eq!(Standing::of(50.0), Standing::AtMedian);
        assert_eq!(Standing::of(10.0), Standing::WorstQuarter);
        assert!(Standing::of(60.0).is_better() && !Standing::of(50.0).is_better());
        // Better turnover is a lower turnover; better CDI share is a higher one.
        assert_eq!(
            Standing::BestQuarter.value_side(Criterion::Turnover),
            ValueSide::Lower
        );
        assert_eq!(
            Standing::WorstQuarter.value_side(Criterion::AtMpFrequency),
            ValueSide::Higher
        );
        assert_eq!(
            Standing::BestQuarter.value_side(Criterion::CdiShare),
            ValueSide::Higher
        );
        assert_eq!(
            Standing::AtMedian.value_side(Criterion::Turnover),
            ValueSide::Same
        );
    }

    #[test]
    fn keys_are_the_configuration_names() {
        for c in CRITERIA {
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.name()), "serde key of {c:?}");
            let key = serde_json::to_string(&Key(c)).unwrap();
            assert_eq!(key, json);
            let back: Key = serde_json::from_str(&key).unwrap();
            assert_eq!(back.0, c);
        }
        let old: Criterion = serde_json::from_str("\"under26\"").unwrap();
        assert_eq!(old, Criterion::Under26);
        let r: Reason = serde_json::from_str("\"far_from_employment\"").unwrap();
        assert_eq!(r, Reason::FarFromEmployment);
    }

    #[test]
    fn citations_serialise_as_tagged_keys() {
        let v = serde_json::to_value(Citation::Shown(Standing::BestQuarter)).unwrap();
        assert_eq!(v["status"], "shown");
        assert_eq!(v["standing"], "best_quarter");
        let v = serde_json::to_value(Citation::Withheld).unwrap();
        assert_eq!(v["status"], "withheld");
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
