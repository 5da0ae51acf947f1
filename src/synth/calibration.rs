//! Calibration check: realised values of a dataset against published French figures.
//!
//! Every target is a published value and cites its row of `docs/calibration.md`; targets are
//! constants, not the generator's parameters, so that a generator whose parameter is set to
//! zero fails the row instead of moving the target with it. Values are measured on the scored
//! window only (the burn-in is excluded), the way a statistician would measure them on DSN:
//! hires are contracts starting in the window, headcount is the average of month-end
//! headcounts, rates are per year, and first-year exits are measured on hires whose follow-up
//! ends inside the window.
//!
//! **Tolerances have a stated basis** ([`ToleranceBasis`]): the source's own range where it
//! gives one (B4 "median ≈ 5 days"), otherwise
//! a relative tolerance, so that a small share (250+ establishments: 0.5%) cannot pass at
//! zero. Relative tolerances are wider for values the sources round heavily (D1 "≈10%") or
//! that rest on few events in a 5,000-establishment territory (large establishments, sector
//! rows).

use crate::config::GeneratorParams;
use crate::date::Date;
use crate::model::*;
use crate::reference::Reference;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Why a tolerance is what it is.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ToleranceBasis {
    /// Half the range, or the rounding, that the source itself gives.
    SourceRange,
    /// A share of the target value: an absolute tolerance would pass zero for small values.
    Relative,
}

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
    /// How the tolerance was set.
    pub basis: ToleranceBasis,
    /// The relative tolerance, when `basis` is `relative`.
    pub relative: Option<f64>,
    pub within_tolerance: bool,
}

/// The calibration table of a generated dataset.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Calibration {
    pub window_start: Date,
    pub window_end: Date,
    pub rows: Vec<CalibrationRow>,
}

/// A tolerance as written in [`TARGETS`].
#[derive(Debug, Clone, Copy)]
enum Tol {
    /// ± this share of the target.
    Rel(f64),
    /// ± this absolute amount, from the source's own range or rounding.
    Range(f64),
}

/// One published target: key, label, source row, value, tolerance.
type Target = (&'static str, &'static str, &'static str, f64, Tol);

use Tol::{Range, Rel};

/// The published targets, in the order of the table.
#[rustfmt::skip] // one target per row reads as a table
const TARGETS: &[Target] = &[
    ("cdd_share_of_hires", "CDD share of hires (excl. temp work)", "B2", 0.827, Rel(0.05)),
    ("cdd_under_one_month", "CDD under one month, share of CDD", "B3", 0.83, Rel(0.06)),
    ("cdd_median_days", "Median CDD duration (days)", "B4", 5.0, Range(3.0)),
    ("cdd_mean_days", "Mean CDD duration (days)", "B4", 46.0, Rel(0.25)),
    ("cdi_ended_within_year", "CDI ended within their first year", "B6", 0.361, Rel(0.15)),
    ("cdi_trial_end_within_year", "CDI ended by the trial period in their first year", "B6", 0.127, Rel(0.25)),
    ("cdi_resignation_within_year", "CDI ended by resignation in their first year", "B6", 0.161, Rel(0.25)),
    ("cdi_ended_within_year_hotels", "CDI ended within their first year, hotels and restaurants", "B6", 0.586, Rel(0.15)),
    ("cdi_ended_within_year_construction", "CDI ended within their first year, construction", "B6", 0.327, Rel(0.25)),
    ("cdi_ended_within_year_industry", "CDI ended within their first year, industry", "B6", 0.233, Rel(0.25)),
    ("cdi_ended_within_year_under_25", "CDI ended within their first year, hires under 25", "B6", 0.456, Rel(0.15)),
    ("apprenticeship_broken", "Apprenticeships broken before their term", "E6", 0.274, Rel(0.20)),
    ("entry_rate", "Entry rate (hires per employee-year)", "B8", 1.31, Rel(0.20)),
    ("turnover_rate", "Turnover rate (mean of entry and exit rates)", "B9", 2.5 * 0.502, Rel(0.20)),
    ("accidents_per_1000", "Work accidents per 1,000 employees", "C1", 30.1, Rel(0.20)),
    ("accidents_per_1000_construction", "Work accidents per 1,000, construction", "C2", 47.7, Rel(0.20)),
    ("women_share", "Women's share of FTE", "D1", 0.418, Rel(0.10)),
    ("women_share_construction", "Women's share, construction", "D1", 0.10, Rel(0.50)),
    ("women_share_health", "Women's share, health and social work", "D1", 0.75, Rel(0.10)),
    ("part_time_share", "Part-time share of employees", "D2", 0.174, Rel(0.20)),
    ("boeth_share_20plus", "BOETH share of headcount, establishments of 20+", "D4", 0.053, Rel(0.25)),
    ("size_band_1-9", "Establishments with 1-9 employees", "A4", 0.79, Rel(0.05)),
    ("size_band_10-49", "Establishments with 10-49 employees", "A4", 0.17, Rel(0.25)),
    ("size_band_50-249", "Establishments with 50-249 employees", "A4", 0.035, Rel(0.30)),
    ("size_band_250+", "Establishments with 250+ employees", "A4", 0.005, Rel(0.40)),
];

impl Calibration {
    pub fn all_within_tolerance(&self) -> bool {
        self.rows.iter().all(|r| r.within_tolerance)
    }

    /// Keys of the rows outside their tolerance.
    pub fn failures(&self) -> Vec<&str> {
        self.rows
            .iter()
            .filter(|r| !r.within_tolerance)
            .map(|r| r.key.as_str())
            .collect()
    }

    /// A plain-text table for the terminal.
    pub fn table(&self) -> String {
        let mut s = format!(
            "{:<36} {:>6} {:>10} {:>10} {:>9}  {}\n",
            "target", "source", "target", "realised", "tolerance", "ok"
        );
        for r in &self.rows {
            s.push_str(&format!(
                "{:<36} {:>6} {:>10.3} {:>10.3} {:>9.3}  {}\n",
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

    /// The same table in Markdown, as the README shows it.
    pub fn markdown(&self) -> String {
        let mut s = String::from(
            "| target | row | target value | realised | tolerance | basis |\n|---|---|---:|---:|---:|---|\n",
        );
        for r in &self.rows {
            let basis = match (r.basis, r.relative) {
                (ToleranceBasis::Relative, Some(x)) => format!("±{:.0}% of the target", 100.0 * x),
                _ => "the source's range".to_string(),
            };
            s.push_str(&format!(
                "| {} | {} | {:.3} | {:.3} | ±{:.3} | {} |\n",
                r.label, r.source, r.target, r.realised, r.tolerance, basis
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

/// A numerator and denominator.
#[derive(Debug, Default, Clone, Copy)]
struct Ratio(f64, f64);

impl Ratio {
    fn add(&mut self, hit: bool) {
        self.1 += 1.0;
        if hit {
            self.0 += 1.0;
        }
    }
    fn value(self) -> f64 {
        share(self.0, self.1)
    }
}

/// The scored window and the lookups every measure needs.
struct Ctx<'a> {
    w0: Date,
    w1: Date,
    m0: i32,
    n_months: usize,
    est_index: HashMap<u64, usize>,
    section: Vec<String>,
    person_sex: HashMap<u64, u8>,
    ds: &'a Dataset,
}

impl<'a> Ctx<'a> {
    fn new(ds: &'a Dataset, p: &GeneratorParams, reference: &Reference) -> Ctx<'a> {
        let w0 = p.window_start();
        let w1 = ds.coverage.end;
        let m0 = w0.month_index();
        Ctx {
            w0,
            w1,
            m0,
            n_months: (w1.month_index() - m0 + 1).max(1) as usize,
            est_index: ds
                .establishments
                .iter()
                .enumerate()
                .map(|(i, e)| (e.siret, i))
                .collect(),
            section: ds
                .establishments
                .iter()
                .map(|e| reference.naf_section(&e.naf).unwrap_or("").to_string())
                .collect(),
            person_sex: ds.persons.iter().map(|p| (p.person_id, p.sex)).collect(),
            ds,
        }
    }

    fn years(&self) -> f64 {
        (self.w0.days_until(self.w1) + 1) as f64 / 365.25
    }
}

/// Stock measures: month-end headcounts, FTE, women, part-time, BOETH.
#[derive(Default)]
struct Stock {
    /// Average headcount per establishment.
    avg: Vec<f64>,
    person_months: f64,
    fte: f64,
    fte_women: f64,
    part_time: f64,
    fte_by_section: HashMap<String, (f64, f64)>,
    boeth_months: Vec<f64>,
}

fn stock(cx: &Ctx<'_>) -> Stock {
    let ne = cx.ds.establishments.len();
    let width = cx.n_months + 1;
    // Month-end headcount by establishment through difference arrays.
    let mut head = vec![0.0f64; ne * width];
    let mut s = Stock {
        boeth_months: vec![0.0; ne],
        ..Stock::default()
    };
    for c in cx.ds.contracts.iter().filter(|c| c.nature != nature::STAGE) {
        let Some(&ei) = cx.est_index.get(&c.siret) else {
            continue;
        };
        let first = c.start.month_index().max(cx.m0);
        let last_day = c.actual_end.unwrap_or(cx.w1).min(cx.w1);
        // The contract counts at a month end if it runs on that day.
        let mut last = last_day.month_index();
        if last_day < last_day.last_of_month() {
            last -= 1;
        }
        if c.start > cx.w1 || first > last {
            continue;
        }
        let (a, b) = ((first - cx.m0) as usize, (last - cx.m0) as usize + 1);
        head[ei * width + a] += 1.0;
        head[ei * width + b] -= 1.0;
        let k = (b - a) as f64;
        let f = if c.is_part_time() { 0.5 } else { 1.0 };
        let female = cx.person_sex.get(&c.person_id) == Some(&sex::FEMALE);
        s.person_months += k;
        s.fte += k * f;
        s.part_time += if c.is_part_time() { k } else { 0.0 };
        s.fte_women += if female { k * f } else { 0.0 };
        let e = s.fte_by_section.entry(cx.section[ei].clone()).or_default();
        e.0 += k * f;
        e.1 += if female { k * f } else { 0.0 };
        s.boeth_months[ei] += if c.boeth.is_some() { k } else { 0.0 };
    }
    s.avg = (0..ne)
        .map(|ei| {
            let mut run = 0.0;
            let sum: f64 = head[ei * width..ei * width + cx.n_months]
                .iter()
                .map(|v| {
                    run += v;
                    run
                })
                .sum();
            sum / cx.n_months as f64
        })
        .collect();
    s
}

/// Flow measures: hires, exits, CDD lengths, CDI first-year exits, retention.
#[derive(Default)]
struct Flows {
    hires: f64,
    hires_cdd: f64,
    exits: f64,
    cdd_days: Vec<f64>,
    cdi_ended: Ratio,
    cdi_trial: Ratio,
    cdi_resigned: Ratio,
    cdi_ended_by_section: HashMap<String, Ratio>,
    cdi_ended_young: Ratio,
    apprentices_broken: Ratio,
}

fn cdi_first_year(cx: &Ctx<'_>, c: &Contract, ei: usize, f: &mut Flows) {
    let ended = c
        .actual_end
        .filter(|e| *e < c.start.add_days(365))
        .and(c.end_reason);
    f.cdi_ended.add(ended.is_some());
    f.cdi_trial.add(ended.is_some_and(end_reason::is_trial_end));
    f.cdi_resigned.add(ended == Some(end_reason::DEMISSION));
    f.cdi_ended_by_section
        .entry(cx.section[ei].clone())
        .or_default()
        .add(ended.is_some());
    let young = cx
        .ds
        .persons
        .binary_search_by_key(&c.person_id, |p| p.person_id)
        .is_ok_and(|i| cx.ds.persons[i].birth_date.age_at(c.start) < 25);
    if young {
        f.cdi_ended_young.add(ended.is_some());
    }
}

fn hire(cx: &Ctx<'_>, c: &Contract, ei: usize, f: &mut Flows) {
    f.hires += 1.0;
    if nature::is_cdd(c.nature) {
        f.hires_cdd += 1.0;
        if c.converted_to_cdi.is_none() {
            if let Some(d) = c.duration_days() {
                f.cdd_days.push(d as f64);
            }
        }
    }
    if nature::is_cdi(c.nature) && c.start.add_days(365) <= cx.w1 {
        cdi_first_year(cx, c, ei, f);
    }
    let apprentice = matches!(
        c.scheme,
        scheme::APPRENTISSAGE_PRIVE | scheme::APPRENTISSAGE_PUBLIC
    );
    if apprentice && c.planned_end.is_some_and(|d| d <= cx.w1) {
        f.apprentices_broken
            .add(c.end_reason != Some(end_reason::FIN_APPRENTISSAGE));
    }
}

fn flows(cx: &Ctx<'_>) -> Flows {
    let mut f = Flows::default();
    for c in cx.ds.contracts.iter().filter(|c| c.nature != nature::STAGE) {
        let Some(&ei) = cx.est_index.get(&c.siret) else {
            continue;
        };
        if c.start >= cx.w0 && c.start <= cx.w1 {
            hire(cx, c, ei, &mut f);
        }
        if let (Some(e), Some(r)) = (c.actual_end, c.end_reason) {
            if e >= cx.w0 && e <= cx.w1 && end_reason::is_real_exit(r) {
                f.exits += 1.0;
            }
        }
    }
    f.cdd_days.sort_by(|a, b| a.total_cmp(b));
    f
}

/// Accidents at work in the window: all, and in construction (section F).
fn accidents(cx: &Ctx<'_>) -> (f64, f64) {
    let (mut all, mut construction) = (0.0, 0.0);
    for s in &cx.ds.stoppages {
        if s.reason == stoppage_reason::ACCIDENT_TRAVAIL && s.start >= cx.w0 && s.start <= cx.w1 {
            all += 1.0;
            if cx
                .est_index
                .get(&s.siret)
                .is_some_and(|&i| cx.section[i] == "F")
            {
                construction += 1.0;
            }
        }
    }
    (all, construction)
}

/// Every realised value by target key.
fn realised(cx: &Ctx<'_>) -> HashMap<&'static str, f64> {
    let st = stock(cx);
    let f = flows(cx);
    let (at, at_con) = accidents(cx);
    let years = cx.years();
    let head_years = st.avg.iter().sum::<f64>() * years;
    let con_head: f64 = st
        .avg
        .iter()
        .zip(&cx.section)
        .filter(|(_, s)| *s == "F")
        .map(|(a, _)| a)
        .sum();
    let n = f.cdd_days.len();
    let median = match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => f.cdd_days[n / 2],
        _ => (f.cdd_days[n / 2 - 1] + f.cdd_days[n / 2]) / 2.0,
    };
    let section_exit = |s: &str| {
        f.cdi_ended_by_section
            .get(s)
            .map_or(f64::NAN, |r| r.value())
    };
    let women = |s: &str| {
        st.fte_by_section
            .get(s)
            .map_or(f64::NAN, |(a, w)| share(*w, *a))
    };
    let (mut boeth20, mut head20) = (0.0, 0.0);
    for (ei, a) in st.avg.iter().enumerate() {
        if *a >= 20.0 {
            boeth20 += st.boeth_months[ei] / cx.n_months as f64;
            head20 += a;
        }
    }
    let bands = size_bands(&st.avg);
    HashMap::from([
        ("cdd_share_of_hires", share(f.hires_cdd, f.hires)),
        (
            "cdd_under_one_month",
            share(
                f.cdd_days.iter().filter(|&&d| d <= 31.0).count() as f64,
                n as f64,
            ),
        ),
        ("cdd_median_days", median),
        ("cdd_mean_days", share(f.cdd_days.iter().sum(), n as f64)),
        ("cdi_ended_within_year", f.cdi_ended.value()),
        ("cdi_trial_end_within_year", f.cdi_trial.value()),
        ("cdi_resignation_within_year", f.cdi_resigned.value()),
        ("cdi_ended_within_year_hotels", section_exit("I")),
        ("cdi_ended_within_year_construction", section_exit("F")),
        ("cdi_ended_within_year_industry", section_exit("C")),
        ("cdi_ended_within_year_under_25", f.cdi_ended_young.value()),
        ("apprenticeship_broken", f.apprentices_broken.value()),
        ("entry_rate", share(f.hires, head_years)),
        (
            "turnover_rate",
            share((f.hires + f.exits) / 2.0, head_years),
        ),
        ("accidents_per_1000", 1000.0 * share(at, head_years)),
        (
            "accidents_per_1000_construction",
            1000.0 * share(at_con, con_head * years),
        ),
        ("women_share", share(st.fte_women, st.fte)),
        ("women_share_construction", women("F")),
        ("women_share_health", women("Q")),
        ("part_time_share", share(st.part_time, st.person_months)),
        ("boeth_share_20plus", share(boeth20, head20)),
        ("size_band_1-9", bands[0]),
        ("size_band_10-49", bands[1]),
        ("size_band_50-249", bands[2]),
        ("size_band_250+", bands[3]),
    ])
}

/// Shares of active establishments (average headcount ≥ 0.5) by size band.
fn size_bands(avg: &[f64]) -> [f64; 4] {
    let mut bands = [0.0f64; 4];
    let mut active = 0.0;
    for a in avg.iter().filter(|a| **a >= 0.5) {
        active += 1.0;
        bands[match a.round() as u64 {
            0..=9 => 0,
            10..=49 => 1,
            50..=249 => 2,
            _ => 3,
        }] += 1.0;
    }
    bands.map(|b| share(b, active))
}

/// One row from its target and realised value.
fn row(t: &Target, realised: f64) -> CalibrationRow {
    let &(key, label, source, target, tol) = t;
    let (tolerance, basis, relative) = match tol {
        Rel(r) => (r * target.abs(), ToleranceBasis::Relative, Some(r)),
        Range(x) => (x, ToleranceBasis::SourceRange, None),
    };
    CalibrationRow {
        key: key.into(),
        label: label.into(),
        source: source.into(),
        target,
        realised,
        tolerance,
        basis,
        relative,
        within_tolerance: (realised - target).abs() <= tolerance,
    }
}

/// Measures the calibration targets on `ds` over the generator's scored window.
pub fn check(ds: &Dataset, p: &GeneratorParams, reference: &Reference) -> Calibration {
    let cx = Ctx::new(ds, p, reference);
    let values = realised(&cx);
    Calibration {
        window_start: cx.w0,
        window_end: cx.w1,
        rows: TARGETS
            .iter()
            .map(|t| row(t, values.get(t.0).copied().unwrap_or(f64::NAN)))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_fails_every_target_and_nan_fails() {
        for t in TARGETS {
            assert!(!row(t, 0.0).within_tolerance, "{} passes at zero", t.0);
            assert!(!row(t, f64::NAN).within_tolerance, "{}", t.0);
            assert!(row(t, t.3).within_tolerance, "{}", t.0);
        }
    }

    #[test]
    fn relative_tolerances_scale_with_the_target() {
        let r = row(&TARGETS[TARGETS.len() - 1], 0.0055);
        assert_eq!(r.basis, ToleranceBasis::Relative);
        assert!((r.tolerance - 0.002).abs() < 1e-12 && r.within_tolerance);
        assert!(!row(&TARGETS[TARGETS.len() - 1], 0.0075).within_tolerance);
    }
}
