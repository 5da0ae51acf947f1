//! Conversions from the scoring stage's outputs ([`crate::score::ScoreOutput`]) into the
//! report's language-free rows: the counsellors' page rows, the employer sheet and the run
//! report's score section.
//!
//! Privacy: criteria are shown as positions from the employer's published record
//! ([`crate::score::publish`]); a sensitive criterion (BOETH, long unemployment, IAE) on
//! fewer than 11 persons is withheld. On a sheet, values are rounded bands
//! ([`crate::score::publish::sheet_figures`]): the employer's own only where its counts allow
//! ([`privacy::can_cite`]), the peers' a protected median (never one competitor's value, at
//! least 3 peers and 11 persons, no peer above 85%), quoted only when the peer group also has
//! at least [`MIN_PEERS_FOR_MEDIAN`] calculable members. The run report's label tables come
//! from the score summary, with secrecy applied cell by cell; it lists no establishment.

use super::counsellor::{CounsellorRow, CriterionPosition};
use super::feedback::{
    Calculability, FeedbackCriterion, FeedbackData, GateInfo, HistoryPoint, PeerInfo, SheetCase,
};
use super::names::{sector_name, zone_place};
use super::results::{
    CriterionWeight, Distribution, Explanation, ExplanationRow, GateDef, GroupLevels, Histogram,
    LevelDef, PeerGroupRules, ScoreSection, Transition,
};
use crate::indicators::{Criterion, CRITERIA};
use crate::model::siret_string;
use crate::reference::Reference;
use crate::score::list::ListRow;
use crate::score::publish::{sheet_figures, PeerComparison};
use crate::score::summary::LevelRow;
use crate::score::{Label, Position, ScoreError, ScoreOutput};

/// Fewest calculable peers whose median may be shown on a sheet.
pub const MIN_PEERS_FOR_MEDIAN: u32 = 20;

/// Why a sheet cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    #[error(transparent)]
    Score(#[from] ScoreError),
    #[error("no score for SIRET {siret} in period {period}")]
    UnknownSiret { siret: String, period: String },
}

/// Position of score row `i` on criterion `c`, as the published record gives it.
fn position(out: &ScoreOutput, i: usize, c: Criterion) -> Position {
    crate::score::publish::position(out, i, c)
}

fn weighted(out: &ScoreOutput) -> impl Iterator<Item = Criterion> + '_ {
    CRITERIA.into_iter().filter(|&c| out.params.weight(c) > 0.0)
}

/// Counsellors' page rows from the list builder's rows (same order), adding the zone and
/// every criterion's position.
pub fn counsellor_rows(
    out: &ScoreOutput,
    reference: &Reference,
    rows: &[ListRow],
    period: Option<&str>,
) -> Result<Vec<CounsellorRow>, ScoreError> {
    let p = out.period_index(period)?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let siret: u64 = r.siret.parse().ok()?;
            let e = out.establishment(siret)?;
            let i = out.row_index(siret, p)?;
            let s = &out.scores[i];
            Some(CounsellorRow {
                name: (!r.name.is_empty() && r.name != r.siret).then(|| r.name.clone()),
                siret: r.siret.clone(),
                commune: r.commune.clone(),
                zone: zone_place(reference, &e.zone),
                sector_code: r.sector_code.clone(),
                sector_name: sector_name(reference, &r.sector_code),
                size_band: s.size_band,
                label: r.label,
                score: s.composite,
                score_lower: s.lower,
                score_upper: s.upper,
                trend: r.trend,
                criteria: weighted(out)
                    .map(|c| CriterionPosition {
                        key: c,
                        position: position(out, i, c),
                    })
                    .collect(),
                strengths: r.strengths.iter().map(|x| x.criterion).collect(),
                withheld: r.withheld.clone(),
                far: crate::score::publish::far_from_employment(out, i),
            })
        })
        .collect())
}

/// Level the score alone would give (before gates), from the peer percentile.
fn level_before_gates(out: &ScoreOutput, i: usize) -> Option<u8> {
    let q = out.scores[i].peer_percentile?;
    let t = out.params.label_thresholds;
    Some(t.iter().filter(|&&x| q >= x).count() as u8)
}

/// A peer median that may be shown (see the module docs): the protected median of `fig`.
fn publishable_median(out: &ScoreOutput, i: usize, fig: &PeerComparison) -> Option<f64> {
    let g = &out.peer_groups[out.scores[i].peer_group as usize];
    let st = &g.criteria[fig.criterion as usize];
    fig.peer_median
        .filter(|_| st.n_calculable >= MIN_PEERS_FOR_MEDIAN)
}

/// Every weighted criterion of row `i` on the sheet: position, own value, peer median and
/// the points that reaching the peer median would add.
fn sheet_criteria(out: &ScoreOutput, i: usize) -> Vec<FeedbackCriterion> {
    let s = &out.scores[i];
    let figures = sheet_figures(out, i);
    let wsum_all: f64 = weighted(out).map(|c| out.params.weight(c)).sum();
    let wsum_calc: f64 = weighted(out)
        .filter(|&c| s.subscores[c as usize].is_some())
        .map(|c| out.params.weight(c))
        .sum();
    weighted(out)
        .zip(&figures.criteria)
        .map(|(c, fig)| {
            let sub = s.subscores[c as usize].map(f64::from);
            let wt = out.params.weight(c);
            // A withheld criterion is not discussed on the sheet either.
            let pos = position(out, i, c);
            FeedbackCriterion {
                key: c,
                position: pos,
                weight: if wsum_all > 0.0 { wt / wsum_all } else { 0.0 },
                gain_points: match sub {
                    Some(v)
                        if wsum_calc > 0.0
                            && s.composite.is_some()
                            && pos != Position::Withheld =>
                    {
                        Some((wt / wsum_calc * (50.0 - v)).max(0.0))
                    }
                    _ => None,
                },
                own_value: fig.own,
                peer_median: publishable_median(out, i, fig),
            }
        })
        .collect()
}

fn calculability(out: &ScoreOutput, i: usize) -> Option<Calculability> {
    let reason = out.scores[i].non_calculable?;
    let ind = &out.indicators.rows[i];
    Some(Calculability {
        reason,
        headcount: ind.headcount,
        hires: u64::from(ind.hires),
        min_headcount: out.params.min_headcount,
        min_hires: u64::from(out.params.min_hires),
    })
}

fn gate(out: &ScoreOutput, i: usize) -> Option<GateInfo> {
    let c = out.scores[i].gated_by?;
    let figures = sheet_figures(out, i);
    let fig = figures.criteria.iter().find(|f| f.criterion == c);
    Some(GateInfo {
        criterion: c,
        level_without_gate: level_before_gates(out, i).unwrap_or(0),
        own_value: fig.and_then(|f| f.own),
        peer_median: fig.and_then(|f| publishable_median(out, i, f)),
    })
}

/// The employer sheet of `siret` in `period` (latest when `None`); `contact` is the
/// experiment's contact line.
pub fn feedback_data(
    out: &ScoreOutput,
    reference: &Reference,
    siret: u64,
    period: Option<&str>,
    contact: Option<&str>,
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
    let g = &out.peer_groups[s.peer_group as usize];
    let label = Label::of(s.label);
    let gate = gate(out, i);
    let case = match (label, &gate) {
        (Label::NotCalculable, _) => SheetCase::NotCalculable,
        (_, Some(_)) => SheetCase::Gated,
        (Label::Exemplary, _) => SheetCase::TopLevel,
        _ => SheetCase::Calculable,
    };
    Ok(FeedbackData {
        case,
        name: if e.name.trim().is_empty() {
            siret_string(siret)
        } else {
            e.name.clone()
        },
        siret: siret_string(siret),
        commune: e.commune_name.clone(),
        sector_name: sector_name(reference, &e.naf),
        size_band: s.size_band,
        zone: zone_place(reference, &e.zone),
        period: out.periods()[p as usize].label.clone(),
        peers: PeerInfo {
            members: crate::score::publish::peer_members(g.members),
            rung: g.rung,
        },
        label,
        score: s.composite,
        score_lower: s.lower,
        score_upper: s.upper,
        trend: out.label_trend(siret, p),
        calculability: calculability(out, i),
        gate,
        history: history(out, siret, p),
        criteria: sheet_criteria(out, i),
        contact: contact.map(str::to_string),
    })
}

fn history(out: &ScoreOutput, siret: u64, p: u32) -> Vec<HistoryPoint> {
    (0..=p)
        .filter_map(|q| {
            let k = out.row_index(siret, q)?;
            Some(HistoryPoint {
                period: out.periods()[q as usize].label.clone(),
                score: out.scores[k].composite,
                label: Label::of(out.scores[k].label),
            })
        })
        .collect()
}

/// Nearest-rank-free percentile by linear interpolation (numpy's default) of sorted values.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    crate::stats::describe::quantile_sorted(sorted, q).unwrap_or(f64::NAN)
}

fn criteria_weights(out: &ScoreOutput) -> Vec<CriterionWeight> {
    let wsum: f64 = weighted(out)
        .map(|c| out.params.weight(c))
        .sum::<f64>()
        .max(1e-12);
    weighted(out)
        .map(|c| CriterionWeight {
            key: c,
            direction: if c.direction() < 0.0 { -1 } else { 1 },
            weight: out.params.weight(c) / wsum,
        })
        .collect()
}

fn peer_rules(out: &ScoreOutput, latest: &[usize]) -> PeerGroupRules {
    let ladder = crate::score::peers::ladder(out.params.sector_level);
    let in_base = latest
        .iter()
        .filter(|&&i| {
            Some(&out.peer_groups[out.scores[i].peer_group as usize].rung) == ladder.first()
        })
        .count();
    PeerGroupRules {
        base: ladder.first().copied(),
        min_size: out.params.min_peers as u64,
        fallback: ladder.iter().skip(1).copied().collect(),
        share_in_base_group: (!latest.is_empty()).then(|| in_base as f64 / latest.len() as f64),
    }
}

fn level_defs(out: &ScoreOutput) -> Vec<LevelDef> {
    let t = out.params.label_thresholds;
    let gates: Vec<GateDef> = out
        .params
        .gates
        .iter()
        .map(|g| GateDef {
            criterion: g.criterion,
            worst_share: g.worst_share,
            max_level: g.max_label,
        })
        .collect();
    let mut levels = vec![LevelDef {
        label: Label::None,
        percentile: t[0],
        gates: vec![],
    }];
    for (k, &th) in t.iter().enumerate() {
        levels.push(LevelDef {
            label: Label::level_of(k as u8 + 1),
            percentile: th,
            gates: gates
                .iter()
                .filter(|g| g.max_level < k as u8 + 1)
                .cloned()
                .collect(),
        });
    }
    levels
}

fn distribution(comps: &[f64]) -> Option<Distribution> {
    (!comps.is_empty()).then(|| Distribution {
        n: comps.len() as u64,
        mean: comps.iter().sum::<f64>() / comps.len() as f64,
        p10: percentile(comps, 0.10),
        p25: percentile(comps, 0.25),
        median: percentile(comps, 0.5),
        p75: percentile(comps, 0.75),
        p90: percentile(comps, 0.90),
    })
}

fn histogram(out: &ScoreOutput) -> Option<Histogram> {
    let d = &out.summary.distribution;
    (!d.is_empty()).then(|| Histogram {
        edges: d
            .iter()
            .map(|b| b.from)
            .chain(d.last().map(|b| b.to))
            .collect(),
        counts: d.iter().map(|b| b.count).collect(),
    })
}

/// Label counts by section and by zone, with secrecy applied cell by cell by the score
/// summary (a hidden count stays `None`, never 0).
fn margins(out: &ScoreOutput, reference: &Reference) -> (Vec<GroupLevels>, Vec<GroupLevels>) {
    let group = |rows: &[LevelRow], name: &dyn Fn(&str) -> String| -> Vec<GroupLevels> {
        rows.iter()
            .map(|row| GroupLevels {
                name: name(&row.code),
                code: row.code.clone(),
                counts: row.counts.to_vec(),
                total: row.total,
                suppressed: row.any_secret(),
            })
            .collect()
    };
    let sum = &out.summary;
    let sectors = group(&sum.by_section, &|c| sector_name(reference, c));
    let zones = group(&sum.by_zone, &|c| zone_place(reference, c).name);
    (sectors, zones)
}

/// For levels 3, 2, 1, 0: the establishment closest to its level's median score, preferring
/// establishments of at least 11 employees.
fn example_rows(out: &ScoreOutput, latest: &[usize], n: usize) -> Vec<usize> {
    let mut picked = Vec::new();
    for level in [3u8, 2, 1, 0] {
        if picked.len() >= n {
            break;
        }
        let at: Vec<usize> = latest
            .iter()
            .copied()
            .filter(|&i| out.scores[i].label == Some(level))
            .collect();
        let big: Vec<usize> = at
            .iter()
            .copied()
            .filter(|&i| out.indicators.rows[i].headcount >= 11.0)
            .collect();
        let mut at = if big.is_empty() { at } else { big };
        if at.is_empty() {
            continue;
        }
        at.sort_by(|&a, &b| {
            let (x, y) = (&out.scores[a], &out.scores[b]);
            x.composite
                .unwrap_or(0.0)
                .total_cmp(&y.composite.unwrap_or(0.0))
                .then(x.siret.cmp(&y.siret))
        });
        picked.push(at[at.len() / 2]);
    }
    picked
}

fn example(out: &ScoreOutput, reference: &Reference, i: usize, k: usize) -> Explanation {
    let s = &out.scores[i];
    let e = out.establishment(s.siret);
    Explanation {
        letter: ((b'A' + k as u8) as char).to_string(),
        sector: e
            .map(|e| sector_name(reference, &e.naf))
            .unwrap_or_default(),
        size_band: s.size_band,
        zone: e
            .map(|e| zone_place(reference, &e.zone).name)
            .unwrap_or_default(),
        score: s.composite,
        score_lower: s.lower,
        score_upper: s.upper,
        label: Label::of(s.label),
        criteria: out
            .explain(i)
            .into_iter()
            .filter(|x| x.weight > 0.0)
            .map(|x| {
                // Positions only; a sensitive criterion on few persons is not shown at all.
                let pos = position(out, i, x.criterion);
                let hide = pos == Position::Withheld;
                ExplanationRow {
                    key: x.criterion,
                    position: pos,
                    sub_score: if hide { None } else { x.subscore },
                    contribution: if hide { None } else { x.contribution },
                }
            })
            .collect(),
    }
}

/// The report's score section for the latest period: criteria and weights, peer-group and
/// level rules, the score distribution, labels by NAF section and zone (secrecy applied cell
/// by cell by the score summary), up to `n_examples` anonymised explanations and label
/// transitions; no per-establishment list.
pub fn score_section(out: &ScoreOutput, reference: &Reference, n_examples: usize) -> ScoreSection {
    let Ok(p) = out.period_index(None) else {
        return ScoreSection::default();
    };
    let latest: Vec<usize> = (0..out.scores.len())
        .filter(|&i| out.scores[i].period == p && out.scores[i].composite.is_some())
        .collect();
    let mut comps: Vec<f64> = latest
        .iter()
        .filter_map(|&i| out.scores[i].composite)
        .collect();
    comps.sort_by(f64::total_cmp);
    let (labels_by_sector, labels_by_zone) = margins(out, reference);
    let sum = &out.summary;
    ScoreSection {
        reference_period: sum.period.clone(),
        criteria: criteria_weights(out),
        peer_groups: peer_rules(out, &latest),
        levels: level_defs(out),
        n_scored: sum.calculable,
        n_not_calculable: sum.establishments - sum.calculable,
        summary: distribution(&comps),
        histogram: histogram(out),
        labels_by_level: (0..4)
            .map(|l| sum.labels.get(&l.to_string()).copied().flatten())
            .collect(),
        labels_by_sector,
        labels_by_zone,
        examples: example_rows(out, &latest, n_examples)
            .into_iter()
            .enumerate()
            .map(|(k, i)| example(out, reference, i, k))
            .collect(),
        // No per-establishment list: `compare` reads it from the run's research folder.
        reference_scores: Vec::new(),
        label_transitions: sum
            .transitions
            .iter()
            .map(|t| Transition {
                from: Label::of(Some(t.from)),
                to: Label::of(Some(t.to)),
                count: t.count,
            })
            .collect(),
        awarded: Vec::new(),
    }
}
