//! The course of one contract, drawn at hire from the establishment's traits — contract
//! type, planned and actual end, conversion to CDI, end reason — and the work stoppages over
//! a contract's span.
//!
//! Sources (rows of `docs/calibration.md`): B6 for first-year CDI exits by sector, age and
//! occupation and the share of trial-period ends; B7 for CDI exit reasons; E6 for the
//! apprenticeship break-off rate; C1–C4 for accidents. The same functions draw the data and
//! the outcome truth ([`super::truth`]), so the truth follows the establishment's real
//! behaviour, including its trade-offs (OETH churners, gamers).

use super::pool::PersonRec;
use super::population::{pick_weighted, sigmoid, Estab};
use super::rng::CellRng;
use super::sectors::{self, Family};
use crate::config::GeneratorParams;
use crate::date::Date;
use crate::model::*;
use rand::Rng;
use rand_distr::{Distribution, LogNormal, Poisson};

pub(crate) fn poisson<R: Rng + ?Sized>(rng: &mut R, lambda: f64) -> u32 {
    if lambda <= 0.0 {
        return 0;
    }
    Poisson::new(lambda).map_or(0, |d| d.sample(rng) as u32)
}

pub(crate) fn lognormal_mean<R: Rng + ?Sized>(rng: &mut R, mean: f64, sigma: f64) -> f64 {
    let mu = mean.ln() - sigma * sigma / 2.0;
    LogNormal::new(mu, sigma).map_or(mean, |d| d.sample(rng))
}

/// Contract kind of a core hire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Cdi,
    Cdd,
    Apprentice,
    Pro,
    Pec,
    Cddi,
}

/// One hire as the course functions see it.
pub(crate) struct HireCtx<'a> {
    pub p: &'a GeneratorParams,
    pub e: &'a Estab,
    pub person: PersonRec,
    pub pcs: Pcs,
    pub at: Date,
    /// Exposure shift of the latent traits (0 without exposure).
    pub shift: f64,
    /// Far from employment: long unemployment, no experience, IAE, BOETH or 50+.
    pub fragile: bool,
}

/// Contract type at hire: DSN nature, scheme, IAE complement, CDD reason, kind.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ContractType {
    pub nature: u8,
    pub scheme: u8,
    pub iae: Option<u8>,
    pub reason: Option<u8>,
    pub kind: Kind,
}

/// How a contract unfolds: planned end, actual end and reason, conversion date.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Course {
    pub planned: Option<Date>,
    pub end: (Date, u16),
    pub converted: Option<Date>,
}

impl Course {
    /// Whether the person is still in the job `days` days after `start` (a converted CDD
    /// counts as the same job).
    pub fn kept(&self, start: Date, days: i32) -> bool {
        self.end.0 >= start.add_days(days)
    }
}

/// Draws the contract type of a core hire.
pub(crate) fn contract_type(h: &HireCtx<'_>, rh: &mut CellRng) -> ContractType {
    let (e, t, l, shift) = (h.e, &h.e.traits, h.p.trait_loading, h.shift);
    let young = h.person.birth.age_at(h.at) < 26;
    let small = e.band == 0;
    let ct = |nature, scheme, iae, reason, kind| ContractType {
        nature,
        scheme,
        iae,
        reason,
        kind,
    };
    if let Some(code) = e.iae {
        return ct(nature::CDD, scheme::CDDI, Some(code), Some(9), Kind::Cddi);
    }
    if young
        && rh.random::<f64>() < sigmoid(t.work_study + l * shift + if small { 0.4 } else { 0.0 })
    {
        return if rh.random::<f64>() < 0.75 {
            ct(
                nature::CDD,
                scheme::APPRENTISSAGE_PRIVE,
                None,
                Some(11),
                Kind::Apprentice,
            )
        } else {
            ct(
                nature::CDD,
                scheme::PROFESSIONNALISATION,
                None,
                Some(10),
                Kind::Pro,
            )
        };
    }
    if matches!(e.sector.family, Family::Associations | Family::Care)
        && rh.random::<f64>() < sigmoid(t.long_unemployed + l * shift) * 0.25
    {
        return ct(nature::CDD, scheme::PEC_CUI_CAE, None, Some(9), Kind::Pec);
    }
    if rh.random::<f64>() < sigmoid(t.cdi + 0.6 * l * shift) {
        return ct(nature::CDI, scheme::NONE, None, None, Kind::Cdi);
    }
    let r = *pick_weighted(rh, &[(1u8, 0.4), (2, 0.5), (3, 0.1)]);
    ct(nature::CDD, scheme::NONE, None, Some(r), Kind::Cdd)
}

/// Separation multiplier of one hire: the establishment's, lowered by exposure, raised for
/// BOETH hires of OETH churners.
pub(crate) fn separation(h: &HireCtx<'_>) -> f64 {
    let t = &h.e.traits;
    let boeth = if h.person.boeth {
        t.boeth_separation
    } else {
        1.0
    };
    t.separation * (-0.3 * h.shift).exp() * boeth
}

/// Draws the whole course of a core hire of kind `kind`.
pub(crate) fn course(h: &HireCtx<'_>, kind: Kind, rx: &mut CellRng) -> Course {
    let sep = separation(h);
    let c = match kind {
        Kind::Cdi => {
            let (d, r) = cdi_course(h.p, h.e, h.person, h.pcs, h.at, sep, rx, true);
            Course {
                planned: None,
                end: (h.at.add_days(d), r),
                converted: None,
            }
        }
        Kind::Apprentice => apprentice_course(h.at, sep, rx),
        Kind::Pro | Kind::Pec | Kind::Cddi | Kind::Cdd => fixed_term_course(h, kind, sep, rx),
    };
    if h.fragile && h.e.traits.late_cut > 0.0 {
        late_cut(h, c, rx)
    } else {
        c
    }
}

/// Gamers let a share of their fragile hires go between 6 and 11 months after hire, just
/// after the six-month window of the early-rupture criterion.
fn late_cut(h: &HireCtx<'_>, c: Course, rx: &mut CellRng) -> Course {
    let u: f64 = rx.random();
    let cut = h.at.add_days(rx.random_range(183..335));
    if u >= h.e.traits.late_cut || cut >= c.end.0 {
        return c;
    }
    let cdi_at_cut = c.planned.is_none() || c.converted.is_some_and(|d| d <= cut);
    let reason = if cdi_at_cut {
        end_reason::RUPTURE_CONVENTIONNELLE
    } else {
        end_reason::CDD_EARLY_MUTUAL
    };
    Course {
        planned: c.planned,
        end: (cut, reason),
        converted: c.converted.filter(|d| *d <= cut),
    }
}

fn apprentice_course(at: Date, sep: f64, rx: &mut CellRng) -> Course {
    let d = (lognormal_mean(rx, 540.0, 0.6) as i32).clamp(180, 1095);
    let planned = at.add_days(d - 1);
    // E6: 27.4% break-off rate; 0.22 before the separation multiplier, because gamers'
    // cuts and heterogeneous separations add breaks (calibration row `apprenticeship_broken`).
    let end = if rx.random::<f64>() < 0.22 * sep {
        let cut = rx.random_range(30..d.max(31));
        let r = if rx.random::<bool>() {
            end_reason::CDD_EARLY_EMPLOYEE
        } else {
            end_reason::CDD_EARLY_MUTUAL
        };
        (at.add_days(cut - 1), r)
    } else {
        (planned, end_reason::FIN_APPRENTISSAGE)
    };
    Course {
        planned: Some(planned),
        end,
        converted: None,
    }
}

fn fixed_term_course(h: &HireCtx<'_>, kind: Kind, sep: f64, rx: &mut CellRng) -> Course {
    let mean = match kind {
        Kind::Pro => 300.0,
        Kind::Pec => 330.0,
        Kind::Cddi => 300.0,
        _ => h.p.long_cdd_mean_days * h.e.traits.cdd_length * (0.15 * h.shift).exp(),
    };
    let d = (lognormal_mean(rx, mean, 0.6) as i32).clamp(32, 540);
    let planned = h.at.add_days(d - 1);
    if rx.random::<f64>() < 0.12 * sep {
        let cut = rx.random_range(1..d);
        let r = if cut <= 14 {
            if rx.random::<bool>() {
                end_reason::TRIAL_EMPLOYER
            } else {
                end_reason::TRIAL_EMPLOYEE
            }
        } else {
            *pick_weighted(
                rx,
                &[
                    (end_reason::CDD_EARLY_EMPLOYER, 0.3),
                    (end_reason::CDD_EARLY_EMPLOYEE, 0.5),
                    (end_reason::CDD_EARLY_MUTUAL, 0.2),
                ],
            )
        };
        return Course {
            planned: Some(planned),
            end: (h.at.add_days(cut - 1), r),
            converted: None,
        };
    }
    let l = h.p.trait_loading;
    if kind == Kind::Cdd && rx.random::<f64>() < sigmoid(h.e.traits.conversion + 0.5 * l * h.shift)
    {
        let conv = planned.add_days(1);
        let (d2, r) = cdi_course(h.p, h.e, h.person, h.pcs, conv, sep, rx, false);
        return Course {
            planned: Some(planned),
            end: (conv.add_days(d2), r),
            converted: Some(conv),
        };
    }
    Course {
        planned: Some(planned),
        end: (planned, end_reason::FIN_CDD),
        converted: None,
    }
}

/// Exit reasons after the trial period (B7 shares, without retirement).
fn late_reason(rng: &mut CellRng) -> u16 {
    *pick_weighted(
        rng,
        &[
            (end_reason::DEMISSION, 45.0),
            (end_reason::RUPTURE_CONVENTIONNELLE, 12.0),
            (end_reason::DISMISSAL_OTHER, 13.0),
            (end_reason::DISMISSAL_ECONOMIC, 3.0),
        ],
    )
}

/// Probability that a CDI started at `start` ends within its first year (B6 by sector, age
/// and occupation), before the separation multiplier.
fn first_year_exit(
    p: &GeneratorParams,
    e: &Estab,
    person: PersonRec,
    pcs: Pcs,
    start: Date,
) -> f64 {
    let mut p1 = e.sector.cdi_first_year_exit * p.cdi_first_year_exit / 0.361;
    if person.birth.age_at(start) < 25 {
        p1 *= 45.6 / 36.1;
    }
    match pcs.category() {
        3 => p1 *= 19.3 / 36.1,
        5 | 6 => p1 *= 1.1,
        _ => {}
    }
    // 0.74 undoes the average of the age and occupation factors, so that the overall rate
    // stays at B6.
    0.74 * p1
}

/// CDI duration in days and end reason, from B6 (first-year exits by sector, age and
/// occupation) and B7 (exit reasons); retirement between 62 and 66 when it comes first.
#[allow(clippy::too_many_arguments)] // one draw of a CDI's course, from all its inputs
pub(crate) fn cdi_course(
    p: &GeneratorParams,
    e: &Estab,
    person: PersonRec,
    pcs: Pcs,
    start: Date,
    sep: f64,
    rng: &mut CellRng,
    first_year: bool,
) -> (i32, u16) {
    let p1 = (first_year_exit(p, e, person, pcs, start) * sep).min(0.9);
    let (days, reason) = if first_year && rng.random::<f64>() < p1 {
        // Trial-period ends are 12.7 of the 36.1 points (B6).
        if rng.random::<f64>() < 12.7 / 36.1 {
            let r = if rng.random::<bool>() {
                end_reason::TRIAL_EMPLOYER
            } else {
                end_reason::TRIAL_EMPLOYEE
            };
            (rng.random_range(7..120), r)
        } else {
            (rng.random_range(60..365), late_reason(rng))
        }
    } else {
        // After the first year: exponential with a hazard giving a mean CDI spell near
        // four years, which with B6 reproduces the B8 entry rate.
        let h = 0.2 * sep;
        let extra = -(1.0 - rng.random::<f64>()).ln() / h * 365.25;
        let offset = if first_year { 365 } else { 0 };
        (offset + extra as i32, late_reason(rng))
    };
    // Retirement between 62 and 66 if it comes first (B7: 6% of CDI exits).
    let retire_age = rng.random_range(62..67);
    let retire_at = person.birth.add_months(12 * retire_age);
    let end = start.add_days(days);
    if retire_at < end && retire_at > start {
        let r = if rng.random::<f64>() < 0.8 {
            end_reason::RETIREMENT_EMPLOYEE
        } else {
            end_reason::RETIREMENT_EMPLOYER
        };
        return (start.days_until(retire_at), r);
    }
    (days.max(1), reason)
}

/// Draws the stoppages of contract `c` (C1–C4 and sickness assumptions) into `out`, between
/// the coverage bounds `from_cov` and `to_cov`. Returns whether a long sickness (≥ 182
/// days) occurred.
#[allow(clippy::too_many_arguments)] // a contract, its person's age and the coverage
pub(crate) fn stoppages(
    p: &GeneratorParams,
    e: &Estab,
    c: &Contract,
    age: i32,
    from_cov: Date,
    to_cov: Date,
    rng: &mut CellRng,
    out: &mut Vec<Stoppage>,
) -> bool {
    if c.nature == nature::STAGE {
        return false;
    }
    let last = c.actual_end.unwrap_or(to_cov).min(to_cov);
    let from = c.start.max(from_cov);
    let days = from.days_until(last) + 1;
    if days <= 0 {
        return false;
    }
    let years = days as f64 / 365.25;
    // C3: under-20 about twice the rate of 50–59.
    let age_mult = match age {
        a if a < 20 => 1.8,
        a if a < 30 => 1.25,
        a if a < 50 => 1.0,
        _ => 0.9,
    };
    let pt = if c.is_part_time() { 0.6 } else { 1.0 };
    // 0.85 undoes the average age gradient and the sector mix, so that the overall
    // frequency stays at C1.
    let scale = 0.85 * p.accidents_per_1000 / 30.1 * e.traits.accident * age_mult * pt;
    let kinds = [
        (
            stoppage_reason::ACCIDENT_TRAVAIL,
            e.sector.accidents / 1000.0 * scale,
            68.0,
        ),
        (
            stoppage_reason::MALADIE_PRO,
            2.5 / 1000.0 * e.sector.accidents / 30.1 * scale,
            150.0,
        ),
        (stoppage_reason::TRAJET, 4.5 / 1000.0 * pt, 40.0),
        (
            stoppage_reason::MALADIE,
            0.35 * sectors::sickness_multiplier(e.sector.family),
            0.0,
        ),
    ];
    let mut drawn: Vec<(Date, i32, u8)> = Vec::new();
    for (reason, rate, mean) in kinds {
        for _ in 0..poisson(rng, rate * years) {
            let start = from.add_days(rng.random_range(0..days));
            let dur = stoppage_length(rng, reason, mean);
            drawn.push((start, dur.max(1), reason));
        }
    }
    keep_disjoint(drawn, c, to_cov, out)
}

fn stoppage_length(rng: &mut CellRng, reason: u8, mean: f64) -> i32 {
    if reason != stoppage_reason::MALADIE {
        return lognormal_mean(rng, mean, 1.0).max(1.0) as i32;
    }
    let u: f64 = rng.random();
    if u < 0.85 {
        1 + (-(1.0 - rng.random::<f64>()).ln() * 8.0) as i32
    } else if u < 0.98 {
        lognormal_mean(rng, 60.0, 0.6) as i32
    } else {
        rng.random_range(182..400)
    }
}

/// A person is off for one reason at a time: draws overlapping an earlier stoppage of the
/// same contract are dropped (a declaration cannot carry them either).
fn keep_disjoint(
    mut drawn: Vec<(Date, i32, u8)>,
    c: &Contract,
    to_cov: Date,
    out: &mut Vec<Stoppage>,
) -> bool {
    drawn.sort_unstable();
    let mut long_sick = false;
    let mut free_from = Date(i32::MIN);
    for (start, dur, reason) in drawn {
        if start < free_from {
            continue;
        }
        let end = start.add_days(dur);
        free_from = end.add_days(1);
        if reason == stoppage_reason::MALADIE && dur >= crate::history::LONG_SICK_LEAVE_DAYS {
            long_sick = true;
        }
        out.push(Stoppage {
            person_id: c.person_id,
            siret: c.siret,
            contract_id: c.contract_id,
            start,
            end: (end <= to_cov).then_some(end),
            reason,
        });
    }
    long_sick
}
