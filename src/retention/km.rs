//! Kaplan–Meier survival curves with Greenwood variance and two pointwise intervals.
//!
//! Conventions (those of lifelines 0.30, which R `survival` shares except where noted):
//! - at-risk count at t is `n(t) = #{T ≥ t}` (weighted: Σ w over T ≥ t); a unit censored at
//!   t is still at risk at t and events precede censorings at tied times;
//! - `S(t) = Π_{s ≤ t} (1 − d(s)/n(s))` is right-continuous: S(182) includes day-182 events;
//! - Greenwood: `Var S(t) = S(t)² · Σ_{s ≤ t} d/(n(n−d))`; a term with `n = d` (the curve
//!   drops to 0) contributes 0, as in lifelines;
//! - default interval: log(−log) ("exponential Greenwood", Kalbfleisch & Prentice 1980),
//!   `S^{exp(±z·√GW / log S)}`; also R `survfit`'s default "log" interval `S·exp(±z·√GW)`,
//!   upper bound clipped at 1 as R does. At S = 1 both intervals are [1, 1]; at S = 0, [0, 0];
//! - median: first time with `S(t) ≤ 0.5` (lifelines `median_survival_time_`; R takes the
//!   midpoint when S equals 0.5 exactly on an interval); its interval inverts the pointwise
//!   log(−log) band (Brookmeyer & Crowley 1982 in the form lifelines'
//!   `median_survival_times(confidence_interval_)` computes), see [`KaplanMeier::median`].
//!   A bound that never reaches 0.5 is `None` (lifelines reports inf).
//!
//! Weighted curves (IPW) use the same formulas with weighted counts; lifelines truncates
//! weighted at-risk counts to integers in its variance, we do not.

use serde::{Deserialize, Serialize};

/// One step of a fitted curve.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Step {
    t: f64,
    at_risk: f64,
    events: f64,
    censored: f64,
    survival: f64,
    greenwood: f64,
}

/// A fitted Kaplan–Meier curve for one group.
#[derive(Debug, Clone, PartialEq)]
pub struct KaplanMeier {
    steps: Vec<Step>,
    n: f64,
    n_events: f64,
}

/// One row of the published curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KmRow {
    /// Time (same unit as the durations, days for the workbench).
    pub t: f64,
    /// Kaplan–Meier S(t), right-continuous.
    pub survival: f64,
    /// Lower bound of the log(−log) interval (default convention).
    pub ci_lower: f64,
    /// Upper bound of the log(−log) interval.
    pub ci_upper: f64,
    /// Lower bound of the "log" interval (R survfit default).
    pub ci_log_lower: f64,
    /// Upper bound of the "log" interval, clipped at 1.
    pub ci_log_upper: f64,
    /// Number (or total weight) at risk at t: #{T ≥ t}.
    pub at_risk: f64,
    /// Events at exactly t (0 on rows added for a horizon).
    pub events: f64,
    /// Censorings at exactly t.
    pub censored: f64,
    /// Greenwood standard error of S(t): S·√Σ d/(n(n−d)).
    pub std_error: f64,
}

/// Median survival time with its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Median {
    /// First time with S(t) ≤ 0.5; `None` if the curve stays above 0.5.
    pub estimate: Option<f64>,
    /// First time the pointwise lower log(−log) bound is ≤ 0.5; `None` = not reached.
    pub ci_lower: Option<f64>,
    /// First time the pointwise upper bound is ≤ 0.5; `None` = not reached (lifelines: inf).
    pub ci_upper: Option<f64>,
}

impl KaplanMeier {
    /// Fits the curve on rows `rows` of the columns (all rows if `rows` is `None`).
    ///
    /// Cost: one sort, O(n log n).
    pub fn fit(
        duration: &[f64],
        event: &[bool],
        weights: Option<&[f64]>,
        rows: Option<&[usize]>,
    ) -> KaplanMeier {
        if let Some(max) = super::table::integer_span(duration, rows) {
            return Self::fit_buckets(duration, event, weights, rows, max);
        }
        let all: Vec<usize>;
        let rows = match rows {
            Some(r) => r,
            None => {
                all = (0..duration.len()).collect();
                &all
            }
        };
        let idx = super::table::order_by_duration(duration, rows);
        let w = |i: usize| weights.map_or(1.0, |w| w[i]);
        let total: f64 = idx.iter().map(|&i| w(i)).sum();
        let mut steps = Vec::new();
        let mut removed = 0.0;
        let mut log_s = 0.0;
        let mut s = 1.0;
        let mut gw = 0.0;
        let mut n_events = 0.0;
        let mut k = 0;
        while k < idx.len() {
            let t = duration[idx[k]];
            let (mut d, mut c) = (0.0, 0.0);
            while k < idx.len() && duration[idx[k]] == t {
                if event[idx[k]] {
                    d += w(idx[k]);
                } else {
                    c += w(idx[k]);
                }
                k += 1;
            }
            let n = total - removed;
            if d > 0.0 {
                if d >= n {
                    s = 0.0;
                } else {
                    log_s += (1.0 - d / n).ln();
                    s = log_s.exp();
                    gw += d / (n * (n - d));
                }
            }
            n_events += d;
            removed += d + c;
            steps.push(Step {
                t,
                at_risk: n,
                events: d,
                censored: c,
                survival: s,
                greenwood: gw,
            });
        }
        KaplanMeier {
            steps,
            n: total,
            n_events,
        }
    }

    /// Same curve as the sorting path, for integer durations in `0..=max`: events and
    /// removals are summed per day in one pass over the rows, O(n + max).
    fn fit_buckets(
        duration: &[f64],
        event: &[bool],
        weights: Option<&[f64]>,
        rows: Option<&[usize]>,
        max: usize,
    ) -> KaplanMeier {
        let mut dead = vec![0.0f64; max + 1];
        let mut gone = vec![0.0f64; max + 1];
        let mut add = |i: usize| {
            let t = duration[i] as usize;
            let w = weights.map_or(1.0, |w| w[i]);
            gone[t] += w;
            if event[i] {
                dead[t] += w;
            }
        };
        match rows {
            Some(r) => r.iter().for_each(|&i| add(i)),
            None => (0..duration.len()).for_each(&mut add),
        }
        Self::from_day_counts(&dead, &gone)
    }

    /// Curve from per-day event and removal totals (`dead[t]`, `gone[t]` for day t).
    fn from_day_counts(dead: &[f64], gone: &[f64]) -> KaplanMeier {
        let total: f64 = gone.iter().sum();
        let mut steps = Vec::new();
        let (mut removed, mut log_s, mut s, mut gw, mut n_events) = (0.0, 0.0, 1.0, 0.0, 0.0);
        for (t, (&d, &g)) in dead.iter().zip(gone).enumerate() {
            if g == 0.0 {
                continue;
            }
            let n = total - removed;
            if d > 0.0 {
                if d >= n {
                    s = 0.0;
                } else {
                    log_s += (1.0 - d / n).ln();
                    s = log_s.exp();
                    gw += d / (n * (n - d));
                }
            }
            n_events += d;
            removed += g;
            steps.push(Step {
                t: t as f64,
                at_risk: n,
                events: d,
                censored: g - d,
                survival: s,
                greenwood: gw,
            });
        }
        KaplanMeier {
            steps,
            n: total,
            n_events,
        }
    }

    /// One curve per group code `0..k`, in a single pass over the rows when durations are
    /// integer days (else one sort per group). Same results as [`KaplanMeier::fit`] per group.
    pub fn fit_by_group(
        duration: &[f64],
        event: &[bool],
        weights: Option<&[f64]>,
        group: &[usize],
        k: usize,
    ) -> Vec<KaplanMeier> {
        match super::table::integer_span(duration, None).filter(|t| (t + 1) * k <= 20_000_000) {
            Some(max) => {
                let span = max + 1;
                let mut dead = vec![0.0f64; span * k];
                let mut gone = vec![0.0f64; span * k];
                for i in 0..duration.len() {
                    let c = group[i] * span + duration[i] as usize;
                    let w = weights.map_or(1.0, |w| w[i]);
                    gone[c] += w;
                    if event[i] {
                        dead[c] += w;
                    }
                }
                (0..k)
                    .map(|g| {
                        Self::from_day_counts(
                            &dead[g * span..(g + 1) * span],
                            &gone[g * span..(g + 1) * span],
                        )
                    })
                    .collect()
            }
            None => {
                let mut rows = vec![Vec::new(); k];
                for (i, &g) in group.iter().enumerate() {
                    rows[g].push(i);
                }
                rows.iter()
                    .map(|r| Self::fit(duration, event, weights, Some(r)))
                    .collect()
            }
        }
    }

    /// Number (or total weight) of observations.
    pub fn n(&self) -> f64 {
        self.n
    }

    /// Number (or total weight) of events.
    pub fn n_events(&self) -> f64 {
        self.n_events
    }

    /// Index of the last step with time ≤ t.
    fn step_at(&self, t: f64) -> Option<usize> {
        let k = self.steps.partition_point(|s| s.t <= t);
        k.checked_sub(1)
    }

    /// S(t) (right-continuous step function; 1 before the first time).
    pub fn survival_at(&self, t: f64) -> f64 {
        self.step_at(t).map_or(1.0, |k| self.steps[k].survival)
    }

    /// Greenwood sum Σ_{s ≤ t} d/(n(n−d)), so that Var S(t) = S(t)² · this.
    pub fn greenwood_at(&self, t: f64) -> f64 {
        self.step_at(t).map_or(0.0, |k| self.steps[k].greenwood)
    }

    /// Greenwood variance of S(t).
    pub fn variance_at(&self, t: f64) -> f64 {
        let s = self.survival_at(t);
        s * s * self.greenwood_at(t)
    }

    /// Number (weight) at risk at t: Σ w over T ≥ t.
    pub fn at_risk_at(&self, t: f64) -> f64 {
        let k = self.steps.partition_point(|s| s.t < t);
        self.steps.get(k).map_or(0.0, |s| s.at_risk)
    }

    /// Row of the published curve at time t.
    pub fn row_at(&self, t: f64, z: f64) -> KmRow {
        let s = self.survival_at(t);
        let gw = self.greenwood_at(t);
        let (lo, hi) = loglog_interval(s, gw, z);
        let (llo, lhi) = log_interval(s, gw, z);
        let (events, censored) = match self.step_at(t) {
            Some(k) if self.steps[k].t == t => (self.steps[k].events, self.steps[k].censored),
            _ => (0.0, 0.0),
        };
        KmRow {
            t,
            survival: s,
            ci_lower: lo,
            ci_upper: hi,
            ci_log_lower: llo,
            ci_log_upper: lhi,
            at_risk: self.at_risk_at(t),
            events,
            censored,
            std_error: s * gw.sqrt(),
        }
    }

    /// Rows at 0, at every distinct observed time (events and censorings, as lifelines'
    /// timeline) and at each horizon, sorted by time without duplicates.
    pub fn rows(&self, horizons: &[f64], z: f64) -> Vec<KmRow> {
        let mut times: Vec<f64> = std::iter::once(0.0)
            .chain(self.steps.iter().map(|s| s.t))
            .chain(horizons.iter().copied())
            .collect();
        times.sort_by(f64::total_cmp);
        times.dedup();
        times.into_iter().map(|t| self.row_at(t, z)).collect()
    }

    /// Time of the q-quantile of survival: first observed time with `S(t) ≤ q`.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        self.first_time_at_or_below(q, |st| st.survival)
    }

    fn first_time_at_or_below(&self, q: f64, f: impl Fn(&Step) -> f64) -> Option<f64> {
        if q >= 1.0 {
            return Some(0.0);
        }
        self.steps.iter().find(|st| f(st) <= q).map(|st| st.t)
    }

    /// Median with interval as lifelines computes it: the lower end is the first time the
    /// pointwise *lower* log(−log) bound falls to 0.5 or below, the upper end the first time
    /// the *upper* bound does (Brookmeyer & Crowley 1982's test-inversion idea applied to the
    /// transformed band).
    pub fn median(&self, z: f64) -> Median {
        Median {
            estimate: self.quantile(0.5),
            ci_lower: self
                .first_time_at_or_below(0.5, |st| loglog_interval(st.survival, st.greenwood, z).0),
            ci_upper: self
                .first_time_at_or_below(0.5, |st| loglog_interval(st.survival, st.greenwood, z).1),
        }
    }
}

/// log(−log) interval `S^{exp(±z·√gw / log S)}` (lifelines, SAS, Stata default).
pub fn loglog_interval(s: f64, gw: f64, z: f64) -> (f64, f64) {
    if s >= 1.0 {
        return (1.0, 1.0);
    }
    if s <= 0.0 {
        return (0.0, 0.0);
    }
    let v = s.ln();
    let a = z * gw.sqrt() / v; // negative
    let lo = (-((-v).ln() - a).exp()).exp();
    let hi = (-((-v).ln() + a).exp()).exp();
    (lo, hi)
}

/// "log" interval `S·exp(±z·√gw)`, upper bound clipped at 1 (R survfit default).
pub fn log_interval(s: f64, gw: f64, z: f64) -> (f64, f64) {
    if s >= 1.0 {
        return (1.0, 1.0);
    }
    if s <= 0.0 {
        return (0.0, 0.0);
    }
    let e = (z * gw.sqrt()).exp();
    (s / e, (s * e).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fit(d: &[f64], e: &[u8]) -> KaplanMeier {
        let ev: Vec<bool> = e.iter().map(|&x| x == 1).collect();
        KaplanMeier::fit(d, &ev, None, None)
    }

    #[test]
    fn hand_computed_curve_with_tie_between_event_and_censoring() {
        // times 1,2,2(c),3,4(c): n(2)=4 includes the unit censored at 2.
        let km = fit(&[1.0, 2.0, 2.0, 3.0, 4.0], &[1, 1, 0, 1, 0]);
        let s1 = 4.0 / 5.0;
        let s2 = s1 * 3.0 / 4.0;
        let s3 = s2 * (1.0 - 1.0 / 2.0);
        assert!((km.survival_at(1.0) - s1).abs() < 1e-15);
        assert!((km.survival_at(2.5) - s2).abs() < 1e-15);
        assert!((km.survival_at(3.0) - s3).abs() < 1e-15);
        assert_eq!(km.at_risk_at(2.0), 4.0);
        assert_eq!(km.at_risk_at(3.0), 2.0);
        let gw = 1.0 / 20.0 + 1.0 / 12.0 + 1.0 / 2.0;
        assert!((km.greenwood_at(3.0) - gw).abs() < 1e-15);
        assert_eq!(km.quantile(0.5), Some(3.0));
    }

    #[test]
    fn curve_drops_to_zero_without_nan() {
        let km = fit(&[1.0, 2.0], &[1, 1]);
        let r = km.row_at(2.0, 1.96);
        assert_eq!(r.survival, 0.0);
        assert_eq!((r.ci_lower, r.ci_upper), (0.0, 0.0));
        assert!(r.std_error.is_finite());
    }

    #[test]
    fn horizon_rows_are_added_and_sorted() {
        let km = fit(&[10.0, 400.0], &[1, 0]);
        let rows = km.rows(&[182.0, 365.0], 1.96);
        let t: Vec<f64> = rows.iter().map(|r| r.t).collect();
        assert_eq!(t, vec![0.0, 10.0, 182.0, 365.0, 400.0]);
        assert_eq!(rows[2].survival, 0.5);
        assert_eq!(rows[2].at_risk, 1.0);
    }

    #[test]
    fn bucket_and_sort_paths_agree() {
        let d = [5.0, 1.0, 3.0, 3.0, 8.0, 1.0, 2.0];
        let e = [true, false, true, false, true, true, false];
        let a = KaplanMeier::fit(&d, &e, None, None);
        let shifted: Vec<f64> = d.iter().map(|v| v + 0.5).collect();
        let b = KaplanMeier::fit(&shifted, &e, None, None);
        for (x, y) in a.steps.iter().zip(&b.steps) {
            assert_eq!(x.t + 0.5, y.t);
            assert!(
                (x.survival - y.survival).abs() < 1e-15
                    && (x.greenwood - y.greenwood).abs() < 1e-15
            );
            assert_eq!(
                (x.at_risk, x.events, x.censored),
                (y.at_risk, y.events, y.censored)
            );
        }
    }

    #[test]
    fn fit_by_group_equals_fit_per_group() {
        let d = [5.0, 1.0, 3.0, 3.0, 8.0, 1.0, 2.0, 4.0];
        let e = [true, false, true, false, true, true, false, true];
        let g = [0, 1, 0, 1, 0, 1, 1, 0];
        for dd in [d.to_vec(), d.iter().map(|v| v * 1.5).collect()] {
            let by = KaplanMeier::fit_by_group(&dd, &e, None, &g, 2);
            for (k, c) in by.iter().enumerate() {
                let rows: Vec<usize> = (0..8).filter(|&i| g[i] == k).collect();
                let single = KaplanMeier::fit(&dd, &e, None, Some(&rows));
                assert_eq!(c.steps.len(), single.steps.len());
                for (a, b) in c.steps.iter().zip(&single.steps) {
                    assert!((a.survival - b.survival).abs() < 1e-15 && a.t == b.t);
                }
            }
        }
    }

    #[test]
    fn weights_equal_to_replication() {
        let d = [1.0, 2.0, 3.0];
        let e = [true, false, true];
        let w = KaplanMeier::fit(&d, &e, Some(&[2.0, 1.0, 3.0]), None);
        let rep = fit(&[1.0, 1.0, 2.0, 3.0, 3.0, 3.0], &[1, 1, 0, 1, 1, 1]);
        for t in [1.0, 2.0, 3.0] {
            assert!((w.survival_at(t) - rep.survival_at(t)).abs() < 1e-15);
        }
    }
}
