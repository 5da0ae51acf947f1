//! Peer-normalised engagement score, graduated label and explanations.
//!
//! [`run`] turns a [`Dataset`] into a [`ScoreOutput`]: indicators per establishment and
//! period ([`crate::indicators`]), then for each period and establishment:
//! 1. a peer group (sector × size band × employment zone, with the fallback ladder of
//!    [`peers`]);
//! 2. per criterion, a value standardised by occupation and shrunk toward the peers
//!    (empirical Bayes, [`engine`]), ranked against the peers into a 0–100 sub-score
//!    (direction + for hiring and contract criteria, − for turnover, early ruptures and
//!    accidents);
//! 3. a composite 0–100 = Σ w_c s_c / Σ w_c over calculable criteria, with an interval;
//! 4. calculability as Egapro does it: below `min_hires` hires or `min_headcount` employees,
//!    or when calculable criteria carry less than `min_weight_share` of the weight, the score
//!    is "non calculable" (`None` with a reason, never 0);
//! 5. a label from the composite's percentile within the peer group and the gates;
//! 6. label changes between consecutive periods, and on demand an explanation per criterion
//!    ([`ScoreOutput::explain`]).
//!
//! Outputs are written by [`io::write_outputs`] (research tables, not for publication) and
//! [`io::write_published`] (aggregates under statistical secrecy, [`summary`]); the published
//! view of one employer is [`publish::EmployerRecord`], which the counsellors' [`list`] and
//! the employer sheets use; the secrecy rules are in [`privacy`].

pub mod bench;
pub mod engine;
pub mod io;
pub mod list;
mod params;
pub mod peers;
pub mod privacy;
pub mod publish;
pub mod sensitivity;
pub mod summary;
pub mod summary_tables;

pub use params::{
    validate_weights, Gate, RawGate, RawScoreParams, ScoreParams, SectorLevel, SubscoreMethod,
    DEFAULT_WEIGHTS,
};

use crate::indicators::{self, Criterion, IndicatorError, Indicators, Period, CRITERIA, N_OCC};
use crate::model::{Dataset, Establishment};
use crate::reference::Reference;
use engine::PlacementIds;
use peers::{Rung, SectorRung, SizeBand};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Errors of the scoring stage.
#[derive(Debug, thiserror::Error)]
pub enum ScoreError {
    #[error(transparent)]
    Indicators(#[from] IndicatorError),
    #[error(transparent)]
    Table(#[from] crate::tables::TableError),
    #[error(transparent)]
    Write(#[from] crate::output::OutputError),
    #[error("{path}: {message}")]
    Output {
        path: std::path::PathBuf,
        message: String,
    },
    #[error("unknown period {got:?}; available periods: {available}")]
    UnknownPeriod { got: String, available: String },
    #[error("no score for SIRET {siret} in period {period}")]
    UnknownSiret { siret: String, period: String },
    #[error("the two score outputs share no period: {a} vs {b}")]
    NoCommonPeriod { a: String, b: String },
}

/// What a list or report shows about an establishment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EstablishmentInfo {
    /// SIRET.
    pub siret: u64,
    /// Display name.
    pub name: String,
    /// APET code (NAF sub-class, no dot).
    pub naf: String,
    /// NAF section letter, `?` when the code is unknown.
    pub section: String,
    /// Commune INSEE code.
    pub commune: String,
    /// Commune name from the reference data (the code when unknown).
    pub commune_name: String,
    /// Employment zone.
    pub zone: String,
    /// Département code.
    pub departement: String,
    /// Région code.
    pub region: String,
}

/// Why a score is not calculable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NonCalculable {
    /// Average headcount below `min_headcount`.
    SmallHeadcount,
    /// Fewer than `min_hires` hires in the window.
    FewHires,
    /// Calculable criteria carry less than `min_weight_share` of the weight.
    FewCriteria,
}

/// Statistics of one criterion in one peer group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CritStats {
    /// Members for which the criterion is calculable.
    pub n_calculable: u32,
    /// Pooled rate (shares: Σ numerators / Σ denominators; rates: events per employee-year).
    pub rate: Option<f64>,
    /// Pooled share by occupation group (shares only).
    pub occ_rate: [Option<f64>; N_OCC],
    /// Prior strength κ used for shrinkage.
    pub kappa: Option<f64>,
    /// Median raw value among calculable members (natural units).
    pub median_value: Option<f64>,
    /// Median direction-adjusted position value.
    pub median_dv: Option<f64>,
    /// Robust scale (1.4826 MAD, or 1.2533 × mean absolute deviation when MAD is 0).
    pub scale_dv: Option<f64>,
}

/// A peer group in one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeerGroup {
    /// Index in [`ScoreOutput::peer_groups`].
    pub index: u32,
    /// Period index.
    pub period: u32,
    /// Key, e.g. `division×zone:56|35|10-49`.
    pub key: String,
    /// Ladder rung.
    pub rung: Rung,
    /// Establishments meeting the hires and headcount minimums in the group.
    pub members: u32,
    /// Members with a calculable composite.
    pub scored_members: u32,
    /// Per-criterion statistics, in [`CRITERIA`] order.
    pub criteria: Vec<CritStats>,
}

/// The score of one establishment in one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreRow {
    /// SIRET.
    pub siret: u64,
    /// Period index.
    pub period: u32,
    /// Size band on the average headcount.
    pub size_band: SizeBand,
    /// Index of the establishment's peer group in [`ScoreOutput::peer_groups`].
    pub peer_group: u32,
    /// `Some(reason)` when the score is not calculable.
    pub non_calculable: Option<NonCalculable>,
    /// Composite 0–100 (`None` when not calculable).
    pub composite: Option<f64>,
    /// Lower bound of the interval.
    pub lower: Option<f64>,
    /// Upper bound of the interval.
    pub upper: Option<f64>,
    /// Percentile of the composite among the peer group's scored members (0–1).
    pub peer_percentile: Option<f64>,
    /// Label level 0–3 (`None` when not calculable).
    pub label: Option<u8>,
    /// The gate that capped the label, if any.
    pub gated_by: Option<Criterion>,
    /// Sub-scores 0–100 in [`CRITERIA`] order (`None` when not calculable).
    pub subscores: [Option<f32>; Criterion::COUNT],
}

/// Position of an establishment against its peers on one criterion, shown instead of raw
/// values or counts. It is *oriented*: "above" always means better (for turnover, early
/// ruptures or accidents, a low rate is "above"); `report::i18n` phrases it in the reader's
/// terms for each criterion. Bands of the 0–100 sub-score (50 = peer median): top quarter
/// `[75, 100]`, above `(55, 75)`, near the median `[45, 55]`, below `[25, 45)`, bottom quarter
/// `[0, 25)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    /// Criterion not calculable (too few hires or employees): never a silent zero.
    NotCalculable,
    /// Calculable but not shown: a sensitive criterion on too few persons (privacy).
    Withheld,
    /// Bottom quarter of the peers.
    WellBelow,
    /// Below the peer median.
    Below,
    /// Close to the peer median.
    Near,
    /// Above the peer median.
    Above,
    /// Top quarter of the peers.
    WellAbove,
}

impl Position {
    /// Every position, for catalogs and tests.
    pub const ALL: [Position; 7] = [
        Position::WellAbove,
        Position::Above,
        Position::Near,
        Position::Below,
        Position::WellBelow,
        Position::NotCalculable,
        Position::Withheld,
    ];

    /// From an oriented sub-score (0–100, 50 = peer median); `None` = not calculable.
    pub fn of(sub: Option<f64>) -> Position {
        match sub {
            Some(s) if s.is_finite() => {
                if s >= 75.0 {
                    Position::WellAbove
                } else if s > 55.0 {
                    Position::Above
                } else if s >= 45.0 {
                    Position::Near
                } else if s >= 25.0 {
                    Position::Below
                } else {
                    Position::WellBelow
                }
            }
            _ => Position::NotCalculable,
        }
    }

    /// True when the position is better than the peer median.
    pub fn is_favourable(self) -> bool {
        matches!(self, Position::Above | Position::WellAbove)
    }

    /// True when the position is worse than the peer median.
    pub fn is_unfavourable(self) -> bool {
        matches!(self, Position::Below | Position::WellBelow)
    }

    /// Filled dots on a five-dot gauge (0 when not shown).
    pub fn dots(self) -> usize {
        match self {
            Position::WellAbove => 5,
            Position::Above => 4,
            Position::Near => 3,
            Position::Below => 2,
            Position::WellBelow => 1,
            Position::NotCalculable | Position::Withheld => 0,
        }
    }

    /// Stable key, e.g. `well_above`.
    pub fn key(self) -> &'static str {
        match self {
            Position::WellAbove => "well_above",
            Position::Above => "above",
            Position::Near => "near",
            Position::Below => "below",
            Position::WellBelow => "well_below",
            Position::NotCalculable => "not_calculable",
            Position::Withheld => "withheld",
        }
    }
}

/// A label level: the one vocabulary for labels in tables, lists, sheets and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    /// Score not calculable: no label can be given (never the same as "no label").
    NotCalculable,
    /// Calculable, below the first threshold.
    None,
    /// Level 1.
    Engaged,
    /// Level 2.
    HighlyEngaged,
    /// Level 3.
    Exemplary,
}

impl Label {
    /// Every label, lowest first.
    pub const ALL: [Label; 5] = [
        Label::NotCalculable,
        Label::None,
        Label::Engaged,
        Label::HighlyEngaged,
        Label::Exemplary,
    ];

    /// From a score row's level (`None` = not calculable).
    pub fn of(level: Option<u8>) -> Label {
        match level {
            None => Label::NotCalculable,
            Some(0) => Label::None,
            Some(1) => Label::Engaged,
            Some(2) => Label::HighlyEngaged,
            Some(_) => Label::Exemplary,
        }
    }

    /// From a level 0–3.
    pub fn level_of(level: u8) -> Label {
        Label::of(Some(level))
    }

    /// Level 0–3 (`None` when not calculable).
    pub fn level(self) -> Option<u8> {
        match self {
            Label::NotCalculable => None,
            Label::None => Some(0),
            Label::Engaged => Some(1),
            Label::HighlyEngaged => Some(2),
            Label::Exemplary => Some(3),
        }
    }

    /// Stable key, e.g. `highly_engaged`.
    pub fn key(self) -> &'static str {
        match self {
            Label::NotCalculable => "not_calculable",
            Label::None => "none",
            Label::Engaged => "engaged",
            Label::HighlyEngaged => "highly_engaged",
            Label::Exemplary => "exemplary",
        }
    }
}

/// Label trend over one year: the one rule is [`ScoreOutput::label_trend`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    /// Higher level than a year earlier.
    Up,
    /// Same level.
    #[default]
    Stable,
    /// Lower level.
    Down,
    /// No calculable label a year earlier.
    New,
}

/// One criterion of one establishment's score, for the explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// SIRET.
    pub siret: u64,
    /// Period label.
    pub period: String,
    /// Criterion.
    pub criterion: Criterion,
    /// Weight out of 100.
    pub weight: f64,
    /// Raw value (share 0–1, days, or rate per 100/1/1,000 employee-years).
    pub value: Option<f64>,
    /// Expected value given the occupation mix and the peers' rates.
    pub expected: Option<f64>,
    /// Value after shrinkage toward the expectation.
    pub adjusted: Option<f64>,
    /// Median raw value among the calculable peers.
    pub peer_median: Option<f64>,
    /// Sub-score 0–100.
    pub subscore: Option<f64>,
    /// Points contributed to the composite: w_c s_c / Σ w (calculable).
    pub contribution: Option<f64>,
    /// Position against the peers.
    pub position: Position,
}

/// A change of label between two consecutive periods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelChange {
    /// SIRET.
    pub siret: u64,
    /// Previous period label.
    pub from_period: String,
    /// New period label.
    pub to_period: String,
    /// Previous level (`None`: not calculable or not present).
    pub from: Option<u8>,
    /// New level (`None`: not calculable).
    pub to: Option<u8>,
}

/// Everything the scoring stage produces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreOutput {
    /// Parameters used.
    pub params: ScoreParams,
    /// Establishments, sorted by SIRET.
    pub establishments: Vec<EstablishmentInfo>,
    /// Indicators (periods and rows).
    pub indicators: Indicators,
    /// Peer groups of every period.
    pub peer_groups: Vec<PeerGroup>,
    /// Scores, one per indicator row (same order: SIRET, then period).
    pub scores: Vec<ScoreRow>,
    /// Label changes between consecutive periods, by SIRET then period.
    pub label_changes: Vec<LabelChange>,
    /// Published summary (statistical secrecy applied).
    pub summary: summary::ScoreSummary,
}

impl ScoreOutput {
    pub fn periods(&self) -> &[Period] {
        &self.indicators.periods
    }

    /// Index of a period by label; the latest when `None`.
    pub fn period_index(&self, label: Option<&str>) -> Result<u32, ScoreError> {
        let ps = self.periods();
        match label {
            None => Ok(ps.len().saturating_sub(1) as u32),
            Some(l) => ps
                .iter()
                .position(|p| normalise_period(&p.label) == normalise_period(l))
                .map(|i| i as u32)
                .ok_or_else(|| ScoreError::UnknownPeriod {
                    got: l.to_string(),
                    available: ps
                        .iter()
                        .map(|p| p.label.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                }),
        }
    }

    /// The establishment info of a SIRET.
    pub fn establishment(&self, siret: u64) -> Option<&EstablishmentInfo> {
        self.establishments
            .binary_search_by_key(&siret, |e| e.siret)
            .ok()
            .map(|i| &self.establishments[i])
    }

    /// Index of the score row of (SIRET, period).
    pub fn row_index(&self, siret: u64, period: u32) -> Option<usize> {
        self.scores
            .binary_search_by_key(&(siret, period), |s| (s.siret, s.period))
            .ok()
    }

    /// The explanation of score row `i`: each criterion's value, peer median, sub-score and
    /// contribution. Contributions sum to the composite.
    pub fn explain(&self, i: usize) -> Vec<Explanation> {
        let s = &self.scores[i];
        let row = &self.indicators.rows[i];
        let g = &self.peer_groups[s.peer_group as usize];
        let w = self.indicators.window_months;
        let wsum: f64 = CRITERIA
            .iter()
            .filter(|c| s.subscores[**c as usize].is_some())
            .map(|&c| self.params.weight(c))
            .sum();
        let period = self.indicators.periods[s.period as usize].label.clone();
        CRITERIA
            .iter()
            .map(|&c| {
                let ci = c as usize;
                let sub = s.subscores[ci].map(f64::from);
                let a = sub.and_then(|_| engine::adjust(row, c, &g.criteria[ci], w));
                let weight = self.params.weight(c);
                Explanation {
                    siret: s.siret,
                    period: period.clone(),
                    criterion: c,
                    weight,
                    value: sub.and(row.value(c, w)),
                    expected: a.and_then(|a| a.expected),
                    adjusted: a.map(|a| a.adjusted),
                    peer_median: g.criteria[ci].median_value,
                    subscore: sub,
                    contribution: match (sub, s.composite) {
                        (Some(v), Some(_)) if wsum > 0.0 => Some(weight * v / wsum),
                        _ => None,
                    },
                    position: Position::of(sub),
                }
            })
            .collect()
    }

    /// Label trend of `siret` at period `p`: its level against its level a year earlier
    /// (`New` when it had no calculable label then). The one rule used by the list, the
    /// counsellors' page and the employer sheet.
    pub fn label_trend(&self, siret: u64, p: u32) -> Trend {
        trend_of(self.params.step_months, p, &|q| self.past_label(siret, q))
    }

    /// The label row of `siret` in period `q`: `None` when it has no row then, `Some(None)`
    /// when it was not labelled.
    pub fn past_label(&self, siret: u64, q: u32) -> Option<Option<u8>> {
        self.row_index(siret, q).map(|k| self.scores[k].label)
    }

    /// Explanations of every calculable score row.
    pub fn explanations(&self) -> Vec<Explanation> {
        (0..self.scores.len())
            .filter(|&i| self.scores[i].composite.is_some())
            .flat_map(|i| self.explain(i))
            .collect()
    }
}

/// [`ScoreOutput::label_trend`] from an establishment's label rows (`past(q)` as in
/// [`ScoreOutput::past_label`]): an out-of-core run keeps only these of earlier periods.
pub fn trend_of(step_months: u32, p: u32, past: &dyn Fn(u32) -> Option<Option<u8>>) -> Trend {
    let year_back = (12 / step_months.max(1)).max(1);
    let now = past(p).flatten();
    let before = p.checked_sub(year_back).and_then(past).flatten();
    match (before, now) {
        (None, _) | (_, None) => Trend::New,
        (Some(b), Some(l)) if b < l => Trend::Up,
        (Some(b), Some(l)) if b > l => Trend::Down,
        _ => Trend::Stable,
    }
}

/// A period label in one canonical form, so that `2025T4`, `2025-T4`, `2025-t4` and
/// `2025-Q4` all name the same quarter.
pub fn normalise_period(s: &str) -> String {
    s.trim()
        .to_uppercase()
        .replace(['-', ' ', '_'], "")
        .replace('Q', "T")
}

/// Establishment infos, sorted by SIRET.
pub fn establishment_infos(
    ests: &[Establishment],
    reference: &Reference,
) -> Vec<EstablishmentInfo> {
    let mut out: Vec<EstablishmentInfo> = ests
        .iter()
        .map(|e| EstablishmentInfo {
            siret: e.siret,
            name: e.name.clone(),
            naf: e.naf.clone(),
            section: reference.naf_section(&e.naf).unwrap_or("?").to_string(),
            commune: e.commune.clone(),
            commune_name: reference
                .communes
                .get(&e.commune)
                .map(|c| c.name.clone())
                .unwrap_or_else(|| e.commune.clone()),
            zone: e.zone.clone(),
            departement: e.departement.clone(),
            region: e.region.clone(),
        })
        .collect();
    out.sort_by_key(|e| e.siret);
    out.dedup_by_key(|e| e.siret);
    out
}

/// Scores a dataset: indicators over every period, then [`score_indicators`].
pub fn run(
    ds: &Dataset,
    params: &ScoreParams,
    reference: &Reference,
) -> Result<ScoreOutput, ScoreError> {
    let periods = indicators::periods(
        &ds.coverage,
        params.window_months,
        params.step_months,
        params.min_history_months,
    )?;
    let ind = indicators::compute(ds, periods, params.window_months);
    Ok(score_indicators(
        ind,
        establishment_infos(&ds.establishments, reference),
        params,
    ))
}

#[derive(Default)]
struct Interner {
    map: HashMap<String, u32>,
    names: Vec<String>,
}

impl Interner {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.map.get(s) {
            return i;
        }
        self.names.push(s.to_string());
        let i = self.names.len() as u32; // 0 is reserved for "all"
        self.map.insert(s.to_string(), i);
        i
    }
    fn name(&self, i: u32) -> &str {
        if i == 0 {
            "*"
        } else {
            &self.names[i as usize - 1]
        }
    }
}

/// Scores precomputed indicators (used directly by the sensitivity analysis, which only
/// changes weights).
pub fn score_indicators(
    ind: Indicators,
    establishments: Vec<EstablishmentInfo>,
    params: &ScoreParams,
) -> ScoreOutput {
    let (peer_groups, scores) = score_rows(&ind, &establishments, params);
    let label_changes = label_changes(&scores, &ind.periods);
    let summary = summary::summarise(&scores, &ind, &establishments, &label_changes);
    ScoreOutput {
        params: params.clone(),
        establishments,
        indicators: ind,
        peer_groups,
        scores,
        label_changes,
        summary,
    }
}

/// Peer groups and score rows of indicator rows (sorted by SIRET then period), every
/// period on its own; `establishments` sorted by SIRET. The out-of-core path calls this
/// one period at a time.
pub fn score_rows(
    ind: &Indicators,
    establishments: &[EstablishmentInfo],
    params: &ScoreParams,
) -> (Vec<PeerGroup>, Vec<ScoreRow>) {
    let ladder = peers::ladder(params.sector_level);
    let mut sect: [Interner; 3] = Default::default();
    let mut geo: [Interner; 3] = Default::default();
    let unknown = PlacementIds {
        sector: [0; 4],
        geo: [0; 4],
    };
    let est_ids: Vec<PlacementIds> = establishments
        .iter()
        .map(|e| PlacementIds {
            sector: [
                sect[0].id(e.naf.get(..3).unwrap_or(&e.naf)),
                sect[1].id(e.naf.get(..2).unwrap_or(&e.naf)),
                sect[2].id(&e.section),
                0,
            ],
            geo: [
                geo[0].id(&e.zone),
                geo[1].id(&e.departement),
                geo[2].id(&e.region),
                0,
            ],
        })
        .collect();
    let np = ind.periods.len();
    let mut by_period: Vec<Vec<usize>> = vec![Vec::new(); np];
    for (i, r) in ind.rows.iter().enumerate() {
        by_period[r.period as usize].push(i);
    }
    let key_name = |r: Rung, ids: &PlacementIds, band: SizeBand| {
        let s = match r.sector {
            SectorRung::Group => sect[0].name(ids.sector[0]),
            SectorRung::Division => sect[1].name(ids.sector[1]),
            SectorRung::Section => sect[2].name(ids.sector[2]),
            SectorRung::All => "*",
        };
        let g = match r.geo {
            peers::GeoRung::Zone => geo[0].name(ids.geo[0]),
            peers::GeoRung::Departement => geo[1].name(ids.geo[1]),
            peers::GeoRung::Region => geo[2].name(ids.geo[2]),
            peers::GeoRung::National => "*",
        };
        format!("{}:{s}|{g}|{}", r.name(), band.as_str())
    };
    let results: Vec<(Vec<PeerGroup>, Vec<ScoreRow>)> = by_period
        .par_iter()
        .enumerate()
        .map(|(p, idx)| {
            let ids = idx
                .iter()
                .map(|&i| {
                    establishments
                        .binary_search_by_key(&ind.rows[i].siret, |e| e.siret)
                        .map(|k| est_ids[k])
                        .unwrap_or(unknown)
                })
                .collect();
            let inp = engine::PeriodInput {
                period: p as u32,
                rows: &ind.rows,
                idx,
                ids,
                ladder: &ladder,
                window: ind.window_months,
            };
            engine::score_period(&inp, params, &key_name)
        })
        .collect();
    let mut peer_groups = Vec::new();
    let mut slots: Vec<Option<ScoreRow>> = vec![None; ind.rows.len()];
    for (p, (groups, rows)) in results.into_iter().enumerate() {
        let offset = peer_groups.len() as u32;
        for mut g in groups {
            g.index = peer_groups.len() as u32;
            peer_groups.push(g);
        }
        for (k, mut r) in rows.into_iter().enumerate() {
            r.peer_group += offset;
            slots[by_period[p][k]] = Some(r);
        }
    }
    let scores: Vec<ScoreRow> = slots.into_iter().flatten().collect();
    (peer_groups, scores)
}

/// Label changes between consecutive periods (a missing period counts as "not present").
pub fn label_changes(scores: &[ScoreRow], periods: &[Period]) -> Vec<LabelChange> {
    scores
        .windows(2)
        .filter(|w| w[0].siret == w[1].siret)
        .filter_map(|w| label_change((w[0].period, w[0].label), &w[1], periods))
        .collect()
}

/// The change into row `b` from the same establishment's previous row `(period, label)`,
/// if its label changed (a previous row of an earlier period than the last counts as no
/// label). The one rule of the in-memory and the out-of-core paths.
pub fn label_change(
    (period, label): (u32, Option<u8>),
    b: &ScoreRow,
    periods: &[Period],
) -> Option<LabelChange> {
    let from = if b.period == period + 1 { label } else { None };
    (from != b.label).then(|| LabelChange {
        siret: b.siret,
        from_period: periods[b.period as usize - 1].label.clone(),
        to_period: periods[b.period as usize].label.clone(),
        from,
        to: b.label,
    })
}
