//! The scoring engine for one period: peer assignment, occupation-standardised and shrunk
//! criterion values, sub-scores, composite with its interval, and labels.
//!
//! **Indirect standardisation** (share criteria): for establishment *i* with `n_ik` persons in
//! occupation group *k*, the expected count is `E_i = Σ_k n_ik · p_gk`, where `p_gk` is the
//! pooled rate of the peer group *g* in occupation *k*; the expected share is `e_i = E_i / n_i`.
//!
//! **Empirical-Bayes shrinkage.** Shares: beta-binomial posterior mean
//! `ŝ_i = (O_i + κ e_i) / (n_i + κ)`, shrinking toward the establishment's own expectation;
//! κ is estimated in each peer group by the method of moments (Kleinman 1973): with
//! `r_i = O_i/n_i − e_i`, the between-establishment variance is
//! `τ² = mean(r_i²) − mean(e_i(1 − e_i)/n_i)` and `κ = ē(1 − ē)/τ² − 1` (capped at
//! [`KAPPA_MAX`] when τ² ≤ 0: no detectable between-establishment variation). Rates:
//! gamma-Poisson posterior mean `(x_i + κ m)/(T_i + κ)` with `κ = m/τ²`,
//! `τ² = var(x_i/T_i) − mean(m/T_i)` (Clayton & Kaldor 1987). CDD lengths are not shrunk.
//!
//! **Position value** `v`: for shares the excess over expectation `ŝ − e` (for women's
//! balance, the gain in closeness to parity `|e − ½| − |ŝ − ½|`); for rates the shrunk rate;
//! for lengths the mean or median. Multiplied by the criterion's direction, it is ranked
//! against the calculable members of the peer group: the sub-score is the mid-rank
//! percentile (or Φ of a median/MAD z-score).
//!
//! **Interval.** Each sub-score's standard deviation is carried through the peers'
//! distribution: `sd_c = (S(dv + z·se) − S(dv − z·se)) / 2z`, with `se` the posterior standard
//! deviation of `v`; the composite's is `√Σ (w_c sd_c)² / Σ w_c` (criteria treated as
//! independent), and the interval is `composite ± z·sd`, clipped to [0, 100].

use super::params::{ScoreParams, SubscoreMethod};
use super::peers::{Rung, SizeBand};
use super::{CritStats, NonCalculable, PeerGroup, ScoreRow};
use crate::indicators::{Criterion, IndicatorRow, Kind, CRITERIA, N_OCC};
use rayon::prelude::*;
use std::collections::HashMap;

/// Cap of the prior strength κ (pseudo-persons or pseudo-employee-years).
pub const KAPPA_MAX: f64 = 1e4;

/// Interned peer-group coordinates of one establishment.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PlacementIds {
    /// Sector ids at group, division, section level (0 = unknown), and 0 for "all".
    pub sector: [u32; 4],
    /// Geography ids: zone, département, région, and 0 for national (in [`super::peers::GeoRung`] order).
    pub geo: [u32; 4],
}

fn pack(rung_idx: usize, rung: Rung, ids: &PlacementIds, band: SizeBand) -> u64 {
    let s = ids.sector[rung.sector as usize] as u64;
    let g = ids.geo[rung.geo as usize] as u64;
    ((rung_idx as u64) << 56) | (s << 28) | (g << 4) | band as u64
}

/// A criterion's adjusted value for one establishment against one group.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Adjusted {
    /// Raw value (natural units).
    pub value: f64,
    /// Expected value from the peers' occupation-specific rates (shares) or pooled rate.
    pub expected: Option<f64>,
    /// Shrunk value (natural units).
    pub adjusted: f64,
    /// Position value times direction: larger is better.
    pub dv: f64,
    /// Posterior standard deviation of `dv`.
    pub se: f64,
}

/// Whether a criterion is calculable for a row.
pub fn criterion_calculable(
    row: &IndicatorRow,
    c: Criterion,
    p: &ScoreParams,
    window_months: u32,
) -> bool {
    match c.kind() {
        Kind::Share(_) | Kind::Days => row.counts(c, window_months).1 >= p.min_hires as f64,
        Kind::Rate { .. } => row.headcount >= p.min_headcount && row.headcount > 0.0,
    }
}

/// The adjusted value of `c` for `row` against group statistics `st`.
pub fn adjust(
    row: &IndicatorRow,
    c: Criterion,
    st: &CritStats,
    window_months: u32,
) -> Option<Adjusted> {
    let value = row.value(c, window_months)?;
    let (x, n) = row.counts(c, window_months);
    let kappa = st.kappa.unwrap_or(0.0);
    match c.kind() {
        Kind::Share(d) => {
            let slot = c.share_slot()?;
            let den = &row.share_den[d as usize];
            let mut e_count = 0.0;
            for (k, &dk) in den.iter().enumerate().take(N_OCC) {
                if dk > 0 {
                    e_count += dk as f64 * st.occ_rate[k].or(st.rate)?;
                }
            }
            let _ = slot;
            let e = e_count / n;
            let s = (x + kappa * e) / (n + kappa);
            let v = if c == Criterion::WomenBalance {
                (e - 0.5).abs() - (s - 0.5).abs()
            } else {
                s - e
            };
            let se = (s * (1.0 - s) / (n + kappa)).max(0.0).sqrt();
            Some(Adjusted {
                value,
                expected: Some(e),
                adjusted: s,
                dv: c.direction() * v,
                se,
            })
        }
        Kind::Rate { per } => {
            let m = st.rate?;
            let s = (x + kappa * m) / (n + kappa);
            let se = per * (x + kappa * m).max(0.0).sqrt() / (n + kappa);
            Some(Adjusted {
                value,
                expected: Some(per * m),
                adjusted: per * s,
                dv: c.direction() * per * s,
                se,
            })
        }
        Kind::Days => {
            let mean = row.cdd_days_sum / n;
            let var = (row.cdd_days_sumsq / n - mean * mean).max(0.0);
            let mut se = (var / n).sqrt();
            if c == Criterion::CddMedianDays {
                se *= 1.2533;
            }
            Some(Adjusted {
                value,
                expected: None,
                adjusted: value,
                dv: c.direction() * value,
                se,
            })
        }
    }
}

/// Sub-score of a direction-adjusted value against sorted peer values.
pub fn subscore(dv: f64, sorted: &[f64], st: &CritStats, method: SubscoreMethod) -> f64 {
    if sorted.is_empty() {
        return 50.0;
    }
    match method {
        SubscoreMethod::Percentile => {
            let less = sorted.partition_point(|&x| x < dv);
            let le = sorted.partition_point(|&x| x <= dv);
            100.0 * (less as f64 + 0.5 * (le - less) as f64) / sorted.len() as f64
        }
        SubscoreMethod::RobustZ => {
            let (Some(med), Some(scale)) = (st.median_dv, st.scale_dv) else {
                return 50.0;
            };
            if scale <= 0.0 {
                return 50.0;
            }
            100.0 * normal_cdf((dv - med) / scale)
        }
    }
}

/// Mid-rank percentiles (0–100) of `lo` and `hi` in `sorted`, found by galloping outward
/// from the position of their midpoint: the bounds of an interval are usually close to it,
/// so this touches a few cache lines instead of two full binary searches.
pub fn percentile_bounds(sorted: &[f64], lo: f64, hi: f64) -> (f64, f64) {
    let n = sorted.len();
    if n == 0 {
        return (50.0, 50.0);
    }
    let mid = sorted.partition_point(|&x| x < (lo + hi) / 2.0);
    let pct = |x: f64| {
        let less = gallop(sorted, mid, |v| v < x);
        let le = less + gallop(&sorted[less..], 0, |v| v <= x);
        100.0 * (less as f64 + 0.5 * (le - less) as f64) / n as f64
    };
    (pct(lo), pct(hi))
}

/// Partition point of a predicate true on a prefix of `s`, searching outward from `from`.
fn gallop(s: &[f64], from: usize, pred: impl Fn(f64) -> bool) -> usize {
    let n = s.len();
    let from = from.min(n);
    if from < n && pred(s[from]) {
        // Boundary is to the right of `from`.
        let mut step = 1;
        let mut lo = from + 1;
        while lo + step <= n && pred(s[lo + step - 1]) {
            lo += step;
            step *= 2;
        }
        let hi = (lo + step).min(n);
        lo + s[lo..hi].partition_point(|&v| pred(v))
    } else {
        // Boundary is at or to the left of `from`.
        let mut step = 1;
        let mut hi = from;
        while hi >= step && !pred(s[hi - step]) {
            hi -= step;
            step *= 2;
        }
        let lo = hi.saturating_sub(step);
        lo + s[lo..hi].partition_point(|&v| pred(v))
    }
}

/// Standard normal CDF (the shared [`crate::stats::describe::normal_cdf`]).
pub fn normal_cdf(z: f64) -> f64 {
    crate::stats::describe::normal_cdf(z)
}

/// Standard normal quantile, with Φ⁻¹(0) = −∞ and Φ⁻¹(1) = +∞ at the bounds.
pub fn normal_quantile(p: f64) -> f64 {
    crate::stats::describe::normal_quantile(p).unwrap_or(if p <= 0.0 {
        f64::NEG_INFINITY
    } else if p >= 1.0 {
        f64::INFINITY
    } else {
        f64::NAN
    })
}

fn median_sorted(v: &[f64]) -> Option<f64> {
    let n = v.len();
    if n == 0 {
        None
    } else if n % 2 == 1 {
        Some(v[n / 2])
    } else {
        Some((v[n / 2 - 1] + v[n / 2]) / 2.0)
    }
}

/// Method-of-moments prior strength for shares (see the module docs).
fn kappa_share(obs: &[(f64, f64, f64)]) -> f64 {
    // (observed share, expected share, n)
    if obs.len() < 3 {
        return KAPPA_MAX;
    }
    let k = obs.len() as f64;
    let s2 = obs.iter().map(|(o, e, _)| (o - e).powi(2)).sum::<f64>() / k;
    let noise = obs.iter().map(|(_, e, n)| e * (1.0 - e) / n).sum::<f64>() / k;
    let ebar = obs.iter().map(|(_, e, _)| e).sum::<f64>() / k;
    let tau2 = s2 - noise;
    if tau2 <= 1e-12 {
        return KAPPA_MAX;
    }
    (ebar * (1.0 - ebar) / tau2 - 1.0).clamp(0.0, KAPPA_MAX)
}

/// Method-of-moments prior strength for rates (in exposure units).
fn kappa_rate(obs: &[(f64, f64)], m: f64) -> f64 {
    // (x, T)
    if obs.len() < 3 || m <= 0.0 {
        return KAPPA_MAX;
    }
    let k = obs.len() as f64;
    let s2 = obs.iter().map(|(x, t)| (x / t - m).powi(2)).sum::<f64>() / k;
    let noise = obs.iter().map(|(_, t)| m / t).sum::<f64>() / k;
    let tau2 = s2 - noise;
    if tau2 <= 1e-12 {
        return KAPPA_MAX;
    }
    (m / tau2).clamp(0.0, KAPPA_MAX)
}

/// Statistics of one criterion over a group's members, and the sorted position values.
fn crit_stats(
    rows: &[IndicatorRow],
    members: &[usize],
    c: Criterion,
    p: &ScoreParams,
    w: u32,
) -> (CritStats, Vec<f64>) {
    let calc: Vec<usize> = members
        .iter()
        .copied()
        .filter(|&i| criterion_calculable(&rows[i], c, p, w))
        .collect();
    let mut st = CritStats {
        n_calculable: calc.len() as u32,
        rate: None,
        occ_rate: [None; N_OCC],
        kappa: None,
        median_value: None,
        median_dv: None,
        scale_dv: None,
    };
    match c.kind() {
        Kind::Share(d) => {
            let slot = c.share_slot().unwrap_or(0);
            let mut num = [0u64; N_OCC];
            let mut den = [0u64; N_OCC];
            for &i in members {
                for k in 0..N_OCC {
                    num[k] += rows[i].share_num[slot][k] as u64;
                    den[k] += rows[i].share_den[d as usize][k] as u64;
                }
            }
            let (tn, td): (u64, u64) = (num.iter().sum(), den.iter().sum());
            st.rate = (td > 0).then(|| tn as f64 / td as f64);
            for k in 0..N_OCC {
                st.occ_rate[k] = (den[k] > 0).then(|| num[k] as f64 / den[k] as f64);
            }
        }
        Kind::Rate { .. } => {
            let (mut x, mut t) = (0.0, 0.0);
            for &i in members {
                let (xi, ti) = rows[i].counts(c, w);
                x += xi;
                t += ti;
            }
            st.rate = (t > 0.0).then(|| x / t);
        }
        Kind::Days => {}
    }
    st.kappa = Some(if !p.shrinkage {
        0.0
    } else if let Some(k) = p.prior_strength {
        k
    } else {
        match c.kind() {
            Kind::Share(_) => {
                let mut obs = Vec::with_capacity(calc.len());
                let st0 = CritStats {
                    kappa: Some(0.0),
                    ..st.clone()
                };
                for &i in &calc {
                    if let Some(a) = adjust(&rows[i], c, &st0, w) {
                        let (_, n) = rows[i].counts(c, w);
                        obs.push((a.value, a.expected.unwrap_or(0.0), n));
                    }
                }
                kappa_share(&obs)
            }
            Kind::Rate { .. } => {
                let obs: Vec<(f64, f64)> = calc.iter().map(|&i| rows[i].counts(c, w)).collect();
                kappa_rate(&obs, st.rate.unwrap_or(0.0))
            }
            Kind::Days => 0.0,
        }
    });
    let mut dvs = Vec::with_capacity(calc.len());
    let mut vals = Vec::with_capacity(calc.len());
    for &i in &calc {
        if let Some(a) = adjust(&rows[i], c, &st, w) {
            dvs.push(a.dv);
            vals.push(a.value);
        }
    }
    dvs.sort_unstable_by(f64::total_cmp);
    vals.sort_unstable_by(f64::total_cmp);
    st.median_value = median_sorted(&vals);
    st.median_dv = median_sorted(&dvs);
    if let Some(med) = st.median_dv {
        let mut dev: Vec<f64> = dvs.iter().map(|x| (x - med).abs()).collect();
        dev.sort_unstable_by(f64::total_cmp);
        let mad = median_sorted(&dev).unwrap_or(0.0) * 1.4826;
        st.scale_dv = Some(if mad > 0.0 {
            mad
        } else {
            1.2533 * dev.iter().sum::<f64>() / dev.len() as f64
        });
    }
    (st, dvs)
}

/// Why an eligible row's composite may still be missing, and the composite itself.
pub(crate) struct PeriodInput<'a> {
    pub period: u32,
    pub rows: &'a [IndicatorRow],
    /// Indices into `rows` of this period.
    pub idx: &'a [usize],
    /// Placement of each row (same order as `idx`); `None` when the SIRET is unknown.
    pub ids: Vec<PlacementIds>,
    pub ladder: &'a [Rung],
    pub window: u32,
}

/// How a period's rows fall into peer groups: each row's assigned group, and each group's
/// packed key, rung, representative row and eligible members.
struct Grouping {
    bands: Vec<SizeBand>,
    eligible: Vec<bool>,
    /// Group of each local row.
    row_group: Vec<usize>,
    /// (packed key, rung, representative local row) per group, in first-seen order.
    gkeys: Vec<(u64, usize, usize)>,
    /// Eligible members of each group, as indices into `rows`.
    members: Vec<Vec<usize>>,
    /// The same members as local row indices.
    members_j: Vec<Vec<usize>>,
}

/// Assigns every row of the period to the first rung of the ladder where its group has at
/// least `min_peers` eligible establishments (the last rung otherwise).
fn group_rows(inp: &PeriodInput<'_>, p: &ScoreParams) -> Grouping {
    let rows = inp.rows;
    let n = inp.idx.len();
    let bands: Vec<SizeBand> = inp
        .idx
        .iter()
        .map(|&i| SizeBand::of(rows[i].headcount))
        .collect();
    let eligible: Vec<bool> = inp
        .idx
        .iter()
        .map(|&i| {
            rows[i].headcount >= p.min_headcount
                && rows[i].headcount > 0.0
                && rows[i].hires >= p.min_hires
        })
        .collect();
    let rungs = inp.ladder.len();
    let keys = |j: usize, r: usize| pack(r, inp.ladder[r], &inp.ids[j], bands[j]);
    let mut counts: HashMap<u64, u32> = HashMap::new();
    for j in (0..n).filter(|&j| eligible[j]) {
        for r in 0..rungs {
            *counts.entry(keys(j, r)).or_default() += 1;
        }
    }
    let assigned: Vec<usize> = (0..n)
        .map(|j| {
            (0..rungs)
                .find(|&r| counts.get(&keys(j, r)).copied().unwrap_or(0) as usize >= p.min_peers)
                .unwrap_or(rungs - 1)
        })
        .collect();
    // Groups in use, in first-seen order (rows are sorted by SIRET: deterministic).
    let mut gindex: HashMap<u64, usize> = HashMap::new();
    let mut gkeys: Vec<(u64, usize, usize)> = Vec::new();
    let mut row_group = vec![0usize; n];
    for j in 0..n {
        let k = keys(j, assigned[j]);
        row_group[j] = *gindex.entry(k).or_insert_with(|| {
            gkeys.push((k, assigned[j], j));
            gkeys.len() - 1
        });
    }
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); gkeys.len()];
    let mut members_j: Vec<Vec<usize>> = vec![Vec::new(); gkeys.len()];
    for j in (0..n).filter(|&j| eligible[j]) {
        for r in 0..rungs {
            if let Some(&g) = gindex.get(&keys(j, r)) {
                if gkeys[g].1 == r {
                    members[g].push(inp.idx[j]);
                    members_j[g].push(j);
                }
            }
        }
    }
    Grouping {
        bands,
        eligible,
        row_group,
        gkeys,
        members,
        members_j,
    }
}

/// Each group's per-criterion statistics, and its members' sorted adjusted values.
fn group_stats(
    inp: &PeriodInput<'_>,
    p: &ScoreParams,
    gr: &Grouping,
    key_name: &dyn Fn(Rung, &PlacementIds, SizeBand) -> String,
) -> (Vec<PeerGroup>, Vec<Vec<Vec<f64>>>) {
    // Groups are independent: their statistics are computed in parallel, in group order.
    let stats: Vec<(Vec<CritStats>, Vec<Vec<f64>>)> = (0..gr.gkeys.len())
        .into_par_iter()
        .map(|g| {
            CRITERIA
                .iter()
                .map(|&c| crit_stats(inp.rows, &gr.members[g], c, p, inp.window))
                .unzip()
        })
        .collect();
    let mut groups = Vec::with_capacity(gr.gkeys.len());
    let mut sorted: Vec<Vec<Vec<f64>>> = Vec::with_capacity(gr.gkeys.len());
    for (g, (&(_, r, rep), (crit, srt))) in gr.gkeys.iter().zip(stats).enumerate() {
        groups.push(PeerGroup {
            index: 0,
            period: inp.period,
            key: key_name(inp.ladder[r], &inp.ids[rep], gr.bands[rep]),
            rung: inp.ladder[r],
            members: gr.members[g].len() as u32,
            scored_members: 0,
            criteria: crit,
        });
        sorted.push(srt);
    }
    (groups, sorted)
}

/// The weighted sub-scores of one row: (sub-scores, weight sum, weighted sum, variance of
/// the weighted sum from each sub-score's interval).
fn weighted_subscores(
    row: &IndicatorRow,
    group: &PeerGroup,
    sorted: &[Vec<f64>],
    p: &ScoreParams,
    window: u32,
    z: f64,
) -> ([Option<f32>; Criterion::COUNT], f64, f64, f64) {
    let mut subs = [None; Criterion::COUNT];
    let (mut wsum, mut acc, mut var) = (0.0, 0.0, 0.0);
    for (ci, c) in CRITERIA.into_iter().enumerate() {
        if !criterion_calculable(row, c, p, window) {
            continue;
        }
        let st = &group.criteria[ci];
        let Some(a) = adjust(row, c, st, window) else {
            continue;
        };
        let srt = &sorted[ci];
        let s = subscore(a.dv, srt, st, p.subscore);
        subs[ci] = Some(s as f32);
        let w = p.weights[ci];
        if w > 0.0 {
            let (lo, hi) = match p.subscore {
                SubscoreMethod::Percentile => {
                    percentile_bounds(srt, a.dv - z * a.se, a.dv + z * a.se)
                }
                SubscoreMethod::RobustZ => (
                    subscore(a.dv - z * a.se, srt, st, p.subscore),
                    subscore(a.dv + z * a.se, srt, st, p.subscore),
                ),
            };
            let sd = (hi - lo) / (2.0 * z);
            wsum += w;
            acc += w * s;
            var += (w * sd).powi(2);
        }
    }
    (subs, wsum, acc, var)
}

/// Why a row is not calculable, if it is not (Egapro's rule: too small, too few hires, or
/// too little of the weight computable).
fn non_calculable(row: &IndicatorRow, wsum: f64, p: &ScoreParams) -> Option<NonCalculable> {
    if row.headcount < p.min_headcount || row.headcount <= 0.0 {
        Some(NonCalculable::SmallHeadcount)
    } else if row.hires < p.min_hires {
        Some(NonCalculable::FewHires)
    } else if wsum <= 0.0 || wsum < 100.0 * p.min_weight_share - 1e-9 {
        Some(NonCalculable::FewCriteria)
    } else {
        None
    }
}

/// Labels: each composite's percentile among its group's scored members, then the gates.
fn label_rows(out: &mut [ScoreRow], groups: &mut [PeerGroup], gr: &Grouping, p: &ScoreParams) {
    let mut comps: Vec<Vec<f64>> = Vec::with_capacity(groups.len());
    for (g, group) in groups.iter_mut().enumerate() {
        let mut comp: Vec<f64> = gr.members_j[g]
            .iter()
            .filter_map(|&j| out[j].composite)
            .collect();
        comp.sort_unstable_by(f64::total_cmp);
        group.scored_members = comp.len() as u32;
        comps.push(comp);
    }
    for s in out.iter_mut() {
        let Some(c) = s.composite else { continue };
        let comp = &comps[s.peer_group as usize];
        let less = comp.partition_point(|&x| x < c);
        let le = comp.partition_point(|&x| x <= c);
        let q = if comp.is_empty() {
            0.5
        } else {
            (less as f64 + 0.5 * (le - less) as f64) / comp.len() as f64
        };
        s.peer_percentile = Some(q);
        let mut level = p.label_thresholds.iter().filter(|&&t| q >= t).count() as u8;
        for gate in &p.gates {
            if let Some(sc) = s.subscores[gate.criterion as usize] {
                if (sc as f64) <= 100.0 * gate.worst_share && level > gate.max_label {
                    level = gate.max_label;
                    s.gated_by = Some(gate.criterion);
                }
            }
        }
        s.label = Some(level);
    }
}

/// The score row of input row `j`, before its percentile and label.
fn score_row(
    inp: &PeriodInput<'_>,
    p: &ScoreParams,
    gr: &Grouping,
    groups: &[PeerGroup],
    sorted: &[Vec<Vec<f64>>],
    j: usize,
    z: f64,
) -> ScoreRow {
    let row = &inp.rows[inp.idx[j]];
    let g = gr.row_group[j];
    let (subs, wsum, acc, var) = if gr.eligible[j] {
        weighted_subscores(row, &groups[g], &sorted[g], p, inp.window, z)
    } else {
        ([None; Criterion::COUNT], 0.0, 0.0, 0.0)
    };
    let status = non_calculable(row, wsum, p);
    let (composite, lower, upper) = if status.is_none() {
        let c = acc / wsum;
        let sd = var.sqrt() / wsum;
        (
            Some(c),
            Some((c - z * sd).clamp(0.0, 100.0)),
            Some((c + z * sd).clamp(0.0, 100.0)),
        )
    } else {
        (None, None, None)
    };
    ScoreRow {
        siret: row.siret,
        period: inp.period,
        size_band: gr.bands[j],
        peer_group: g as u32,
        non_calculable: status,
        composite,
        lower,
        upper,
        peer_percentile: None,
        label: None,
        gated_by: None,
        subscores: subs,
    }
}

/// Puts `v` in place where `v[k]` belongs at `to[k]` (`to` a permutation), following each
/// cycle: a national period's rows are not copied twice.
fn unpermute<T>(v: &mut [T], to: &[usize]) {
    let mut done = vec![false; v.len()];
    for s in 0..v.len() {
        if done[s] {
            continue;
        }
        done[s] = true;
        let mut k = to[s];
        while k != s {
            v.swap(s, k);
            done[k] = true;
            k = to[k];
        }
    }
}

/// Scores one period. Returns the peer groups used (with local indices) and one score row
/// per input row (same order as `idx`); `key_name` renders a packed key for the output.
pub(crate) fn score_period(
    inp: &PeriodInput<'_>,
    p: &ScoreParams,
    key_name: &dyn Fn(Rung, &PlacementIds, SizeBand) -> String,
) -> (Vec<PeerGroup>, Vec<ScoreRow>) {
    let n = inp.idx.len();
    let gr = group_rows(inp, p);
    let (mut groups, sorted) = group_stats(inp, p, &gr, key_name);
    let z = normal_quantile(0.5 + p.interval_level / 2.0);
    // Rows are visited group by group so that each group's sorted values stay in cache,
    // in parallel; then put back in input order.
    let mut visit: Vec<usize> = (0..n).collect();
    visit.sort_by_key(|&j| (gr.row_group[j], j));
    let mut out: Vec<ScoreRow> = visit
        .par_iter()
        .map(|&j| score_row(inp, p, &gr, &groups, &sorted, j, z))
        .collect();
    unpermute(&mut out, &visit);
    label_rows(&mut out, &mut groups, &gr, p);
    (groups, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kappa_moments() {
        // Identical observed = expected shares: no between variance → maximal shrinkage.
        let obs = vec![(0.2, 0.2, 10.0); 5];
        assert_eq!(kappa_share(&obs), KAPPA_MAX);
        // Large dispersion → small κ.
        let obs = vec![
            (0.0, 0.5, 100.0),
            (1.0, 0.5, 100.0),
            (0.0, 0.5, 100.0),
            (1.0, 0.5, 100.0),
        ];
        let k = kappa_share(&obs);
        assert!(k < 0.1, "{k}");
        assert_eq!(kappa_rate(&[(1.0, 10.0), (1.0, 10.0)], 0.1), KAPPA_MAX);
    }

    #[test]
    fn galloping_matches_binary_search() {
        let st = CritStats::default();
        let s: Vec<f64> = [0.0, 1.0, 1.0, 1.0, 2.0, 3.0, 3.0, 5.0, 8.0, 8.0, 9.0]
            .into_iter()
            .collect();
        for lo10 in -20..100 {
            for w10 in 0..40 {
                let (lo, hi) = (lo10 as f64 / 10.0, (lo10 + w10) as f64 / 10.0);
                let (a, b) = percentile_bounds(&s, lo, hi);
                assert_eq!(a, subscore(lo, &s, &st, SubscoreMethod::Percentile), "{lo}");
                assert_eq!(b, subscore(hi, &s, &st, SubscoreMethod::Percentile), "{hi}");
            }
        }
        assert_eq!(percentile_bounds(&[], 0.0, 1.0), (50.0, 50.0));
    }

    #[test]
    fn unpermute_puts_each_value_where_it_belongs() {
        let mut state = 7u64;
        for n in [0usize, 1, 2, 5, 64, 1000] {
            let mut to: Vec<usize> = (0..n).collect();
            for i in (1..n).rev() {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                to.swap(i, (state >> 33) as usize % (i + 1));
            }
            let mut v: Vec<usize> = (0..n).map(|k| to[k] * 10).collect();
            unpermute(&mut v, &to);
            assert_eq!(v, (0..n).map(|j| j * 10).collect::<Vec<_>>(), "n = {n}");
        }
    }

    #[test]
    fn percentile_mid_ranks() {
        let st = CritStats::default();
        let s = [1.0, 2.0, 2.0, 3.0];
        assert_eq!(subscore(2.0, &s, &st, SubscoreMethod::Percentile), 50.0);
        assert_eq!(subscore(3.0, &s, &st, SubscoreMethod::Percentile), 87.5);
        assert_eq!(subscore(0.0, &s, &st, SubscoreMethod::Percentile), 0.0);
    }
}
