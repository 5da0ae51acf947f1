//! Conversions from the scoring stage's outputs ([`crate::score::ScoreOutput`]) into the
//! report's plain rows: the counsellors' page rows and the employer sheet.
//!
//! Privacy (issue #4): criteria are shown as positions only; a sensitive criterion (BOETH,
//! long unemployment, IAE) that [`privacy::can_cite`] does not allow is shown as withheld,
//! and "what peers at the next level do" is a median over at least
//! [`MIN_NEXT_LEVEL_PEERS`] establishments, never one establishment's value.

use super::counsellor::{CounsellorRow, CriterionPosition, Position, Trend};
use super::feedback::{FeedbackCriterion, FeedbackData, HistoryPoint};
use crate::config::Lang;
use crate::indicators::{Criterion, Kind, CRITERIA};
use crate::model::siret_string;
use crate::reference::Reference;
use crate::score::list::{ListRow, Trend as ListTrend};
use crate::score::peers::{GeoRung, Rung, SectorRung};
use crate::score::{privacy, Position as ScorePosition, ScoreError, ScoreOutput};

/// Fewest next-level peers whose median may be shown on a sheet (business statistics secrecy:
/// at least 3 units per published cell).
pub const MIN_NEXT_LEVEL_PEERS: usize = 3;

/// Why a sheet cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    #[error(transparent)]
    Score(#[from] ScoreError),
    #[error("no score for SIRET {siret} in period {period}")]
    UnknownSiret { siret: String, period: String },
}

/// The score stage's seven positions mapped onto the report's five.
pub fn position_of(p: ScorePosition) -> Position {
    match p {
        ScorePosition::TopDecile | ScorePosition::TopQuartile => Position::WellAbove,
        ScorePosition::AboveMedian => Position::Above,
        ScorePosition::AtMedian => Position::Near,
        ScorePosition::BelowMedian => Position::Below,
        ScorePosition::BottomQuartile => Position::WellBelow,
        ScorePosition::NonCalculable => Position::NotCalculable,
    }
}

/// The list's trend as the report's trend.
pub fn trend_of(t: ListTrend) -> Trend {
    match t {
        ListTrend::Up => Trend::Up,
        ListTrend::Down => Trend::Down,
        ListTrend::Stable => Trend::Stable,
        ListTrend::New => Trend::New,
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Positions of score row `i` on every weighted criterion, withholding what privacy forbids.
fn positions(out: &ScoreOutput, i: usize, lang: Lang) -> Vec<CriterionPosition> {
    let s = &out.scores[i];
    let ind = &out.indicators.rows[i];
    let w = out.indicators.window_months;
    CRITERIA
        .iter()
        .filter(|&&c| out.params.weight(c) > 0.0)
        .map(|&c| {
            let sub = s.subscores[c as usize].map(f64::from);
            let position = if sub.is_some() && c.is_sensitive() && !privacy::can_cite(ind, c, w) {
                Position::Withheld
            } else {
                position_of(ScorePosition::of(sub))
            };
            CriterionPosition {
                key: c.name().to_string(),
                label: capitalised(c.label(lang)),
                position,
            }
        })
        .collect()
}

/// Counsellors' page rows from the list builder's rows (same order), adding the zone, the
/// sector code and every criterion's position.
pub fn counsellor_rows(
    out: &ScoreOutput,
    reference: &Reference,
    rows: &[ListRow],
    period: Option<&str>,
    lang: Lang,
) -> Result<Vec<CounsellorRow>, ScoreError> {
    let p = out.period_index(period)?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let siret: u64 = r.siret.parse().ok()?;
            let e = out.establishment(siret)?;
            let i = out.row_index(siret, p)?;
            let s = &out.scores[i];
            let zone_name = reference
                .departements
                .get(&e.zone)
                .map(|d| d.name.clone())
                .unwrap_or_else(|| e.zone.clone());
            Some(CounsellorRow {
                name: (!r.name.is_empty() && r.name != r.siret).then(|| r.name.clone()),
                siret: r.siret.clone(),
                commune: r.commune.clone(),
                zone_code: e.zone.clone(),
                zone_name,
                sector_code: e.naf.get(..2).unwrap_or(&e.naf).to_string(),
                sector_label: r.sector.clone(),
                size_band: s.size_band.as_str().replace('-', "–"),
                level: r.label,
                score: s.composite,
                score_lower: s.lower,
                score_upper: s.upper,
                trend: trend_of(r.trend),
                criteria: positions(out, i, lang),
                stands_out: r.strengths.iter().map(|x| capitalised(&x.label)).collect(),
            })
        })
        .collect())
}

/// A peer-group rung in words: "division NAF × zone d'emploi".
fn rung_words(r: Rung, lang: Lang) -> String {
    let fr = lang == Lang::Fr;
    let sector = match (r.sector, fr) {
        (SectorRung::Group, true) => "groupe NAF",
        (SectorRung::Group, false) => "NAF group",
        (SectorRung::Division, true) => "division NAF",
        (SectorRung::Division, false) => "NAF division",
        (SectorRung::Section, true) => "section NAF",
        (SectorRung::Section, false) => "NAF section",
        (SectorRung::All, true) => "tous secteurs",
        (SectorRung::All, false) => "all sectors",
    };
    let geo = match (r.geo, fr) {
        (GeoRung::Zone, true) => "zone d'emploi",
        (GeoRung::Zone, false) => "employment zone",
        (GeoRung::Region, true) => "région",
        (GeoRung::Region, false) => "region",
        (GeoRung::National, true) => "France entière",
        (GeoRung::National, false) => "all of France",
    };
    format!("{sector} × {geo}")
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    })
}

/// Display value and unit of a criterion's natural value: shares and turnover in percent,
/// days, or a rate per 100 or 1,000 employees.
fn display(c: Criterion, v: f64, lang: Lang) -> (f64, String) {
    let fr = lang == Lang::Fr;
    match c.kind() {
        Kind::Share(_) => (100.0 * v, "%".into()),
        Kind::Days => (v, if fr { "jours" } else { "days" }.into()),
        Kind::Rate { per: 1.0 } => (100.0 * v, "%".into()),
        Kind::Rate { per } => (
            v,
            if fr {
                format!("pour {} salariés", super::i18n::num(per, 0, lang))
            } else {
                format!("per {} employees", super::i18n::num(per, 0, lang))
            },
        ),
    }
}

/// The employer sheet of `siret` in `period` (latest when `None`).
///
/// "Where to progress": for each criterion, the next-level peers are the members of the
/// establishment's peer group whose label is one level up; if there are at least
/// [`MIN_NEXT_LEVEL_PEERS`], the possible gain is `w_c / Σ_calc w · max(0, m_c − s_c)` score
/// points, with `s_c` the establishment's sub-score and `m_c` the next-level peers' median
/// sub-score (the same formula as each criterion's contribution), and the sheet quotes their
/// median natural value.
pub fn feedback_data(
    out: &ScoreOutput,
    reference: &Reference,
    siret: u64,
    period: Option<&str>,
    lang: Lang,
) -> Result<FeedbackData, SheetError> {
    let p = out.period_index(period)?;
    let unknown = || SheetError::UnknownSiret {
        siret: siret_string(siret),
        period: out
            .periods()
            .get(p as usize)
            .map(|x| x.label.clone())
            .unwrap_or_default(),
    };
    let e = out.establishment(siret).ok_or_else(unknown)?;
    let i = out.row_index(siret, p).ok_or_else(unknown)?;
    let s = &out.scores[i];
    let level = s.label.unwrap_or(0);
    let g = &out.peer_groups[s.peer_group as usize];
    let expl = out.explain(i);
    let wsum_all: f64 = expl.iter().map(|x| x.weight).sum();
    let wsum_calc: f64 = expl
        .iter()
        .filter(|x| x.subscore.is_some())
        .map(|x| x.weight)
        .sum();
    // Next-level peers in the same peer group and period.
    let next: Vec<usize> = out
        .scores
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r.period == p && r.peer_group == s.peer_group && r.label == Some(level + 1)
        })
        .map(|(k, _)| k)
        .collect();
    let next_expl: Vec<_> = if next.len() >= MIN_NEXT_LEVEL_PEERS {
        next.iter().map(|&k| out.explain(k)).collect()
    } else {
        Vec::new()
    };
    let positions = positions(out, i, lang);
    let criteria = expl
        .iter()
        .filter(|x| x.weight > 0.0)
        .map(|x| {
            let c = x.criterion;
            let ci = c as usize;
            let subs: Vec<f64> = next_expl.iter().filter_map(|v| v[ci].subscore).collect();
            let vals: Vec<f64> = next_expl.iter().filter_map(|v| v[ci].value).collect();
            let enough = |n: usize| n >= MIN_NEXT_LEVEL_PEERS;
            let med_sub = if enough(subs.len()) {
                median(subs)
            } else {
                None
            };
            let med_val = if enough(vals.len()) {
                median(vals)
            } else {
                None
            };
            let gain = match (x.subscore, med_sub) {
                (Some(own), Some(m)) if wsum_calc > 0.0 => {
                    Some((x.weight / wsum_calc * (m - own)).max(0.0))
                }
                _ => None,
            };
            let (shown, unit) = match med_val {
                Some(v) => {
                    let (d, u) = display(c, v, lang);
                    (Some(d), u)
                }
                None => (None, display(c, 0.0, lang).1),
            };
            let position = positions
                .iter()
                .find(|q| q.key == c.name())
                .map(|q| q.position)
                .unwrap_or(Position::NotCalculable);
            FeedbackCriterion {
                key: c.name().to_string(),
                label: capitalised(c.label(lang)),
                position,
                weight: if wsum_all > 0.0 {
                    x.weight / wsum_all
                } else {
                    0.0
                },
                // A withheld criterion is not discussed on the sheet either.
                gain_points: if position == Position::Withheld {
                    None
                } else {
                    gain
                },
                next_level_median: if position == Position::Withheld {
                    None
                } else {
                    shown
                },
                unit,
            }
        })
        .collect();
    let step = out.params.step_months.max(1);
    let year_back = (12 / step).max(1);
    let before = p
        .checked_sub(year_back)
        .and_then(|pb| out.row_index(siret, pb))
        .and_then(|k| out.scores[k].label);
    let trend = match before {
        None => Trend::New,
        Some(b) if b < level => Trend::Up,
        Some(b) if b > level => Trend::Down,
        Some(_) => Trend::Stable,
    };
    let history = (0..=p)
        .filter_map(|q| {
            let k = out.row_index(siret, q)?;
            Some(HistoryPoint {
                period: out.periods()[q as usize].label.clone(),
                score: out.scores[k].composite,
                level: out.scores[k].label.unwrap_or(0),
            })
        })
        .collect();
    let sector_label = reference
        .naf_label(&e.naf)
        .or_else(|| reference.naf_label(e.naf.get(..2).unwrap_or("")))
        .unwrap_or(&e.naf)
        .to_string();
    let zone_name = reference
        .departements
        .get(&e.zone)
        .map(|d| d.name.clone())
        .unwrap_or_else(|| e.zone.clone());
    let peer_group = match lang {
        Lang::Fr => format!(
            "{} établissements comparables ({}, {} ; comparés au niveau {})",
            g.members,
            sector_label,
            s.size_band.label(lang),
            rung_words(g.rung, lang)
        ),
        Lang::En => format!(
            "{} comparable establishments ({}, {}; compared at the level of {})",
            g.members,
            sector_label,
            s.size_band.label(lang),
            rung_words(g.rung, lang)
        ),
    };
    Ok(FeedbackData {
        name: if e.name.trim().is_empty() {
            siret_string(siret)
        } else {
            e.name.clone()
        },
        siret: siret_string(siret),
        commune: e.commune_name.clone(),
        sector_label,
        size_band: s.size_band.as_str().replace('-', "–"),
        zone_name,
        period: out.periods()[p as usize].label.clone(),
        peer_group,
        level,
        max_level: 3,
        score: s.composite,
        score_lower: s.lower,
        score_upper: s.upper,
        trend,
        history,
        criteria,
    })
}
