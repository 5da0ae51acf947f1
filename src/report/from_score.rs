//! Conversions from the scoring stage's outputs ([`crate::score::ScoreOutput`]) into the
//! report's plain rows: the counsellors' page rows and the employer sheet.
//!
//! Privacy: positions and peer figures come from the employer's published record
//! ([`crate::score::publish`]): criteria are shown as positions only, a sensitive criterion
//! (BOETH, long unemployment, IAE) on fewer than 11 persons is shown as withheld, and "what
//! peers at the next level do" is a protected median (at least [`MIN_NEXT_LEVEL_PEERS`]
//! establishments and 11 persons, never one establishment's value) rounded to a band.

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
pub const MIN_NEXT_LEVEL_PEERS: usize = privacy::MIN_UNITS as usize;

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

/// Positions of score row `i` on every weighted criterion, from the published record
/// (withheld where privacy forbids).
fn positions(out: &ScoreOutput, i: usize, lang: Lang) -> Vec<CriterionPosition> {
    use crate::score::publish::Citation;
    crate::score::publish::record(out, i)
        .criteria
        .iter()
        .map(|v| CriterionPosition {
            key: v.criterion.0.name().to_string(),
            label: capitalised(v.criterion.0.label(lang)),
            position: match v.citation {
                Citation::Shown(st) => position_of(st.position()),
                Citation::Withheld => Position::Withheld,
                Citation::NotCalculable => Position::NotCalculable,
            },
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
            let zone_name = reference.zone_name(&e.zone).to_string();
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
        (GeoRung::Departement, _) => "département",
        (GeoRung::Region, true) => "région",
        (GeoRung::Region, false) => "region",
        (GeoRung::National, true) => "France entière",
        (GeoRung::National, false) => "all of France",
    };
    format!("{sector} × {geo}")
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
/// establishment's peer group whose label is one level up; the possible gain is
/// `w_c / Σ_calc w · max(0, m_c − s_c)` score points, with `s_c` the establishment's sub-score
/// and `m_c` the next-level peers' protected median sub-score, and the sheet quotes their
/// protected median value rounded to a band ([`crate::score::publish::sheet_figures`]).
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
    // Peer figures under statistical secrecy: protected medians, rounded bands.
    let figures = crate::score::publish::sheet_figures(out, i);
    let positions = positions(out, i, lang);
    let criteria = expl
        .iter()
        .filter(|x| x.weight > 0.0)
        .zip(&figures.criteria)
        .map(|(x, f)| {
            let c = x.criterion;
            let (shown, unit) = match f.next_level_median {
                Some(v) => {
                    let (d, u) = display(c, v, lang);
                    (Some((d * 1e6).round() / 1e6), u)
                }
                None => (None, display(c, 0.0, lang).1),
            };
            let position = positions
                .iter()
                .find(|q| q.key == c.name())
                .map(|q| q.position)
                .unwrap_or(Position::NotCalculable);
            let withheld = position == Position::Withheld;
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
                gain_points: f.gain_points.filter(|_| !withheld),
                next_level_median: shown.filter(|_| !withheld),
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
    let zone_name = reference.zone_name(&e.zone).to_string();
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

/// Nearest-rank-free percentile by linear interpolation (numpy's default) of sorted values.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

fn section_label(reference: &Reference, code: &str) -> String {
    reference
        .naf_label(code)
        .map(str::to_string)
        .unwrap_or_else(|| code.to_string())
}

/// The report's score section from the score outputs, for the latest period:
/// criteria and weights, peer-group rules, level rules, the score distribution, labels by
/// NAF section and zone (secrecy applied cell by cell by the score summary), up to `n_examples` anonymised explanations and
/// label transitions. No per-establishment list: `compare` reads those from the run's research
/// folder. In the examples values are rounded bands, the establishment's own only where
/// [`privacy::can_cite`] allows it (11 persons), the peers' a protected median.
pub fn score_section(
    out: &ScoreOutput,
    reference: &Reference,
    n_examples: usize,
    lang: Lang,
) -> super::results::ScoreSection {
    use super::results::{
        Criterion as RCriterion, Distribution, Explanation, ExplanationRow, GroupLevels, Histogram,
        LevelDef, PeerGroupRules, ScoreSection, Transition,
    };
    let fr = lang == Lang::Fr;
    let sum = &out.summary;
    let Ok(p) = out.period_index(None) else {
        return ScoreSection::default();
    };
    let params = &out.params;
    let wsum: f64 = CRITERIA
        .iter()
        .map(|&c| params.weight(c))
        .sum::<f64>()
        .max(1e-12);
    let criteria = CRITERIA
        .iter()
        .filter(|&&c| params.weight(c) > 0.0)
        .map(|&c| RCriterion {
            key: c.name().into(),
            label: capitalised(c.label(lang)),
            direction: if c.direction() < 0.0 { -1 } else { 1 },
            weight: params.weight(c) / wsum,
        })
        .collect();
    let ladder = crate::score::peers::ladder(params.sector_level);
    let latest: Vec<usize> = (0..out.scores.len())
        .filter(|&i| out.scores[i].period == p && out.scores[i].composite.is_some())
        .collect();
    let in_base = latest
        .iter()
        .filter(|&&i| {
            Some(&out.peer_groups[out.scores[i].peer_group as usize].rung) == ladder.first()
        })
        .count();
    let peer_groups = PeerGroupRules {
        definition: ladder
            .first()
            .map(|r| {
                format!(
                    "{} × {}",
                    rung_words(*r, lang),
                    if fr { "tranche de taille" } else { "size band" }
                )
            })
            .unwrap_or_default(),
        min_size: params.min_peers as u64,
        fallback: ladder
            .iter()
            .skip(1)
            .map(|r| rung_words(*r, lang))
            .collect(),
        share_in_base_group: (!latest.is_empty()).then(|| in_base as f64 / latest.len() as f64),
    };
    let t = params.label_thresholds;
    let gates = params
        .gates
        .iter()
        .map(|g| {
            if fr {
                format!(
                    "niveau {} au plus si {} dans les {} % les moins bons des pairs",
                    g.max_label,
                    g.criterion.label(lang),
                    super::i18n::num(100.0 * g.worst_share, 0, lang)
                )
            } else {
                format!(
                    "level {} at most if {} is in the peers' worst {}%",
                    g.max_label,
                    g.criterion.label(lang),
                    super::i18n::num(100.0 * g.worst_share, 0, lang)
                )
            }
        })
        .collect::<Vec<_>>()
        .join("; ");
    let rule = |k: usize| {
        let pc = super::i18n::num(100.0 * t[k], 0, lang);
        if fr {
            format!("score ≥ {pc}e percentile des pairs")
        } else {
            format!("score ≥ peers' {pc}th percentile")
        }
    };
    let mut levels = vec![LevelDef {
        level: 0,
        name: super::i18n::level_name(0, lang).into(),
        rule: if fr {
            format!(
                "score < {}e percentile des pairs",
                super::i18n::num(100.0 * t[0], 0, lang)
            )
        } else {
            format!(
                "score < peers' {}th percentile",
                super::i18n::num(100.0 * t[0], 0, lang)
            )
        },
    }];
    for k in 0..3 {
        levels.push(LevelDef {
            level: k as u8 + 1,
            name: super::i18n::level_name(k as u8 + 1, lang).into(),
            rule: if gates.is_empty() || k < 2 {
                rule(k)
            } else {
                format!("{} ; {gates}", rule(k))
            },
        });
    }
    let mut comps: Vec<f64> = latest
        .iter()
        .filter_map(|&i| out.scores[i].composite)
        .collect();
    comps.sort_by(f64::total_cmp);
    let summary = (!comps.is_empty()).then(|| Distribution {
        n: comps.len() as u64,
        mean: comps.iter().sum::<f64>() / comps.len() as f64,
        p10: percentile(&comps, 0.10),
        p25: percentile(&comps, 0.25),
        median: percentile(&comps, 0.5),
        p75: percentile(&comps, 0.75),
        p90: percentile(&comps, 0.90),
    });
    let histogram = (!sum.distribution.is_empty()).then(|| Histogram {
        edges: sum
            .distribution
            .iter()
            .map(|b| b.from)
            .chain(sum.distribution.last().map(|b| b.to))
            .collect(),
        // Bins hidden by statistical secrecy stay hidden (`None`), never drawn as 0.
        counts: sum.distribution.iter().map(|b| b.count).collect(),
    });
    let labels_by_level = (0..4)
        .map(|l| sum.labels.get(&l.to_string()).copied().flatten())
        .collect();
    // Label tables with secrecy applied cell by cell by the score summary.
    let group = |rows: &[crate::score::summary::LevelRow], zone: bool| -> Vec<GroupLevels> {
        rows.iter()
            .map(|row| GroupLevels {
                label: if zone {
                    reference.zone_name(&row.code).to_string()
                } else {
                    section_label(reference, &row.code)
                },
                code: row.code.clone(),
                counts: row.counts.to_vec(),
                total: row.total,
                suppressed: row.any_secret(),
            })
            .collect()
    };
    let labels_by_sector = group(&sum.by_section, false);
    let labels_by_zone = group(&sum.by_zone, true);
    // Examples: for levels 3, 2, 1, 0, the establishment closest to its level's median score.
    let mut examples = Vec::new();
    for level in [3u8, 2, 1, 0] {
        if examples.len() >= n_examples {
            break;
        }
        let mut at: Vec<usize> = latest
            .iter()
            .copied()
            .filter(|&i| out.scores[i].label == Some(level))
            .collect();
        // Prefer establishments of at least 11 employees, whose values can be shown.
        let big: Vec<usize> = at
            .iter()
            .copied()
            .filter(|&i| out.indicators.rows[i].headcount >= 11.0)
            .collect();
        if !big.is_empty() {
            at = big;
        }
        if at.is_empty() {
            continue;
        }
        at.sort_by(|&a, &b| {
            out.scores[a]
                .composite
                .unwrap_or(0.0)
                .total_cmp(&out.scores[b].composite.unwrap_or(0.0))
                .then(out.scores[a].siret.cmp(&out.scores[b].siret))
        });
        let i = at[at.len() / 2];
        let s = &out.scores[i];
        let ind = &out.indicators.rows[i];
        let w = out.indicators.window_months;
        let e = out.establishment(s.siret);
        let letter = (b'A' + examples.len() as u8) as char;
        examples.push(Explanation {
            name: if fr {
                format!("Établissement {letter}")
            } else {
                format!("Establishment {letter}")
            },
            sector: e
                .map(|e| {
                    reference
                        .naf_label(&e.naf)
                        .or_else(|| reference.naf_label(e.naf.get(..2).unwrap_or("")))
                        .unwrap_or(&e.naf)
                        .to_string()
                })
                .unwrap_or_default(),
            size_band: s.size_band.as_str().replace('-', "–"),
            zone: e
                .and_then(|e| reference.zone(&e.zone).map(|z| z.name.to_string()))
                .unwrap_or_default(),
            score: s.composite,
            score_lower: s.lower,
            score_upper: s.upper,
            level,
            criteria: {
                // Privacy: values are rounded bands, the establishment's only where its counts
                // allow, the peers' a protected median; a sensitive criterion on few persons
                // is not shown at all.
                let figures = crate::score::publish::sheet_figures(out, i);
                out.explain(i)
                    .into_iter()
                    .filter(|x| x.weight > 0.0)
                    .zip(figures.criteria)
                    .map(|(x, f)| {
                        let hide =
                            x.criterion.is_sensitive() && !privacy::can_cite(ind, x.criterion, w);
                        ExplanationRow {
                            key: x.criterion.name().into(),
                            label: capitalised(x.criterion.label(lang)),
                            value: f.own,
                            peer_median: f.peer_median,
                            sub_score: if hide { None } else { x.subscore },
                            contribution: if hide { None } else { x.contribution },
                        }
                    })
                    .collect()
            },
        });
    }
    ScoreSection {
        reference_period: sum.period.clone(),
        criteria,
        peer_groups,
        levels,
        n_scored: sum.calculable,
        n_not_calculable: sum.establishments - sum.calculable,
        summary,
        histogram,
        labels_by_level,
        labels_by_sector,
        labels_by_zone,
        examples,
        reference_scores: Vec::new(),
        label_transitions: sum
            .transitions
            .iter()
            .map(|t| Transition {
                from: t.from,
                to: t.to,
                count: t.count,
            })
            .collect(),
    }
}
