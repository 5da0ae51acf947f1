//! Calibration check: realised values of a dataset against published French targets.
//!
//! Every target cites its row of `docs/calibration.md`. Values are measured
//! on the scored window only (the burn-in is excluded), the way a statistician would
//! measure them on DSN: hires are contracts starting in the window, headcount is the
//! average of month-end headcounts, rates are per year.

use crate::config::GeneratorParams;
use crate::date::Date;
use crate::model::*;
use crate::reference::Reference;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One calibration target and its realised value.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CalibrationRow {
    /// Stable key, e.g. `cdd_share_of_hires`.
    pub key: String,
    /// What is measured.
    pub label: String,
    /// Calibration row (e.g. "B2").
    pub source: String,
    pub target: f64,
    pub realised: f64,
    /// Allowed absolute deviation.
    pub tolerance: f64,
    pub within_tolerance: bool,
}

/// The calibration table of a generated dataset.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Calibration {
    pub window_start: Date,
    pub window_end: Date,
    pub rows: Vec<CalibrationRow>,
}

impl Calibration {
    pub fn all_within_tolerance(&self) -> bool {
        self.rows.iter().all(|r| r.within_tolerance)
    }

    /// A plain-text table for the terminal and the README.
    pub fn table(&self) -> String {
        let mut s = format!(
            "{:<34} {:>6} {:>10} {:>10} {:>9}  {}\n",
            "target", "source", "target", "realised", "tolerance", "ok"
        );
        for r in &self.rows {
            s.push_str(&format!(
                "{:<34} {:>6} {:>10.3} {:>10.3} {:>9.3}  {}\n",
                r.key,
                r.source,
                r.target,
                r.realised,
                r.tolerance,
                if r.within_tolerance { "yes" } else { "NO" }
            ));
        }
        s
    }

    /// The same table in Markdown.
    pub fn markdown(&self) -> String {
        let mut s = String::from(
            "| target | source | target value | realised | tolerance | within |\n|---|---|---:|---:|---:|---|\n",
        );
        for r in &self.rows {
            s.push_str(&format!(
                "| {} | {} | {:.3} | {:.3} | ±{:.3} | {} |\n",
                r.label,
                r.source,
                r.target,
                r.realised,
                r.tolerance,
                if r.within_tolerance { "yes" } else { "no" }
            ));
        }
        s
    }
}

fn share(num: f64, den: f64) -> f64 {
    if den > 0.0 {
        num / den
    } else {
        f64::NAN
    }
}

/// Measures the calibration targets on `ds` over the generator's scored window.
pub fn check(ds: &Dataset, p: &GeneratorParams, reference: &Reference) -> Calibration {
    let w0 = p.window_start();
    let w1 = ds.coverage.end;
    let years = (w0.days_until(w1) + 1) as f64 / 365.25;
    let m0 = w0.month_index();
    let n_months = (w1.month_index() - m0 + 1).max(1) as usize;
    let est_index: HashMap<u64, usize> = ds
        .establishments
        .iter()
        .enumerate()
        .map(|(i, e)| (e.siret, i))
        .collect();
    let section: Vec<String> = ds
        .establishments
        .iter()
        .map(|e| reference.naf_section(&e.naf).unwrap_or("").to_string())
        .collect();
    let person_sex: HashMap<u64, u8> = ds.persons.iter().map(|p| (p.person_id, p.sex)).collect();

    // Month-end headcount per establishment (difference arrays), plus women, part-time and
    // BOETH counts; FTE counts a part-time contract as one half.
    let ne = ds.establishments.len();
    let mut head = vec![0.0f64; ne * (n_months + 1)];
    let (mut tot, mut fte, mut fte_w, mut pt) = (0.0, 0.0, 0.0, 0.0);
    let mut fte_sec: HashMap<&str, (f64, f64)> = HashMap::new();
    let mut boeth_by_est = vec![0.0f64; ne];
    let (mut hires, mut hires_cdd, mut exits) = (0.0, 0.0, 0.0);
    let mut cdd_durations = Vec::new();
    let (mut cdi_hires_1y, mut cdi_ended_1y) = (0.0, 0.0);
    for c in &ds.contracts {
        if c.nature == nature::STAGE {
            continue;
        }
        let Some(&ei) = est_index.get(&c.siret) else {
            continue;
        };
        let first = c.start.month_index().max(m0);
        let last_day = c.actual_end.unwrap_or(w1).min(w1);
        // The contract counts at a month end if it runs on that day.
        let mut last = last_day.month_index();
        if last_day < last_day.last_of_month() {
            last -= 1;
        }
        if c.start <= w1 && first <= last {
            let (a, b) = ((first - m0) as usize, (last - m0) as usize + 1);
            head[ei * (n_months + 1) + a] += 1.0;
            head[ei * (n_months + 1) + b] -= 1.0;
            let k = (b - a) as f64;
            let f = if c.is_part_time() { 0.5 } else { 1.0 };
            tot += k;
            fte += k * f;
            if c.is_part_time() {
                pt += k;
            }
            let female = person_sex.get(&c.person_id) == Some(&sex::FEMALE);
            if female {
                fte_w += k * f;
            }
            let e = fte_sec.entry(section[ei].as_str()).or_default();
            e.0 += k * f;
            if female {
                e.1 += k * f;
            }
            if c.boeth.is_some() {
                boeth_by_est[ei] += k;
            }
        }
        if c.start >= w0 && c.start <= w1 {
            hires += 1.0;
            if nature::is_cdd(c.nature) {
                hires_cdd += 1.0;
                if c.converted_to_cdi.is_none() {
                    if let Some(d) = c.duration_days() {
                        cdd_durations.push(d as f64);
                    }
                }
            }
            if nature::is_cdi(c.nature) && c.start.add_days(365) <= w1 {
                cdi_hires_1y += 1.0;
                if c.actual_end.is_some_and(|e| e < c.start.add_days(365)) {
                    cdi_ended_1y += 1.0;
                }
            }
        }
        if let (Some(e), Some(r)) = (c.actual_end, c.end_reason) {
            if e >= w0 && e <= w1 && end_reason::is_real_exit(r) {
                exits += 1.0;
            }
        }
    }
    // Average headcount per establishment.
    let mut avg = vec![0.0f64; ne];
    for (ei, a) in avg.iter_mut().enumerate() {
        let row = &head[ei * (n_months + 1)..(ei + 1) * (n_months + 1)];
        let mut run = 0.0;
        let mut sum = 0.0;
        for v in &row[..n_months] {
            run += v;
            sum += run;
        }
        *a = sum / n_months as f64;
    }
    let avg_total: f64 = avg.iter().sum();
    let (mut at, mut at_con, mut con_head) = (0.0, 0.0, 0.0);
    for (ei, a) in avg.iter().enumerate() {
        if section[ei] == "F" {
            con_head += a;
        }
    }
    for s in &ds.stoppages {
        if s.reason == stoppage_reason::ACCIDENT_TRAVAIL && s.start >= w0 && s.start <= w1 {
            at += 1.0;
            if est_index.get(&s.siret).is_some_and(|&i| section[i] == "F") {
                at_con += 1.0;
            }
        }
    }
    let (mut boeth20, mut head20) = (0.0, 0.0);
    let mut bands = [0.0f64; 4];
    let mut n_active = 0.0;
    for (ei, a) in avg.iter().enumerate() {
        if *a >= 20.0 {
            boeth20 += boeth_by_est[ei] / n_months as f64;
            head20 += a;
        }
        if *a >= 0.5 {
            n_active += 1.0;
            let b = match a.round() as u64 {
                0..=9 => 0,
                10..=49 => 1,
                50..=249 => 2,
                _ => 3,
            };
            bands[b] += 1.0;
        }
    }
    cdd_durations.sort_by(|a, b| a.total_cmp(b));
    let median = if cdd_durations.is_empty() {
        f64::NAN
    } else {
        let n = cdd_durations.len();
        if n % 2 == 1 {
            cdd_durations[n / 2]
        } else {
            (cdd_durations[n / 2 - 1] + cdd_durations[n / 2]) / 2.0
        }
    };
    let mean_cdd = share(cdd_durations.iter().sum(), cdd_durations.len() as f64);
    let under_month = share(
        cdd_durations.iter().filter(|&&d| d <= 31.0).count() as f64,
        cdd_durations.len() as f64,
    );
    let sec_share = |s: &str| fte_sec.get(s).map_or(f64::NAN, |(f, w)| share(*w, *f));
    let per_year_head = avg_total * years;

    let mut rows = Vec::new();
    let mut row = |key: &str, label: &str, source: &str, target: f64, realised: f64, tol: f64| {
        rows.push(CalibrationRow {
            key: key.into(),
            label: label.into(),
            source: source.into(),
            target,
            realised,
            tolerance: tol,
            within_tolerance: (realised - target).abs() <= tol,
        })
    };
    row(
        "cdd_share_of_hires",
        "CDD share of hires (excl. temp work)",
        "B2",
        p.cdd_share,
        share(hires_cdd, hires),
        0.04,
    );
    row(
        "cdd_under_one_month",
        "CDD under one month, share of CDD",
        "B3",
        p.short_cdd_share,
        under_month,
        0.05,
    );
    row(
        "cdd_median_days",
        "Median CDD duration (days)",
        "B4",
        5.0,
        median,
        3.0,
    );
    row(
        "cdd_mean_days",
        "Mean CDD duration (days)",
        "B4",
        46.0,
        mean_cdd,
        12.0,
    );
    row(
        "cdi_ended_within_year",
        "CDI ended within their first year",
        "B6",
        p.cdi_first_year_exit,
        share(cdi_ended_1y, cdi_hires_1y),
        0.05,
    );
    row(
        "entry_rate",
        "Entry rate (hires per employee-year)",
        "B8",
        p.entry_rate,
        share(hires, per_year_head),
        0.25,
    );
    row(
        "turnover_rate",
        "Turnover rate (mean of entry and exit rates)",
        "B9",
        2.5 * 0.502,
        share((hires + exits) / 2.0, per_year_head),
        0.25,
    );
    row(
        "accidents_per_1000",
        "Work accidents per 1,000 employees",
        "C1",
        p.accidents_per_1000,
        1000.0 * share(at, per_year_head),
        6.0,
    );
    row(
        "accidents_per_1000_construction",
        "Work accidents per 1,000, construction",
        "C2",
        47.7,
        1000.0 * share(at_con, con_head * years),
        10.0,
    );
    row(
        "women_share",
        "Women's share of FTE",
        "D1",
        p.women_share,
        share(fte_w, fte),
        0.05,
    );
    row(
        "women_share_construction",
        "Women's share, construction",
        "D1",
        0.10,
        sec_share("F"),
        0.05,
    );
    row(
        "women_share_health",
        "Women's share, health and social work",
        "D1",
        0.75,
        sec_share("Q"),
        0.08,
    );
    row(
        "part_time_share",
        "Part-time share of employees",
        "D2",
        0.174,
        share(pt, tot),
        0.04,
    );
    row(
        "boeth_share_20plus",
        "BOETH share of headcount, establishments of 20+",
        "D4",
        p.boeth_share,
        share(boeth20, head20),
        0.015,
    );
    for (b, label) in ["1-9", "10-49", "50-249", "250+"].iter().enumerate() {
        row(
            &format!("size_band_{label}"),
            &format!("Establishments with {label} employees"),
            "A4",
            p.size_band_shares[b],
            share(bands[b], n_active),
            0.04,
        );
    }
    Calibration {
        window_start: w0,
        window_end: w1,
        rows,
    }
}
