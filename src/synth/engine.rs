//! The monthly simulation behind [`super::generate`].
//!
//! Each establishment has `slots` job positions. A slot is a renewal process: a hire
//! (CDI, CDD, work-study, subsidised or CDDI contract) whose whole course — duration, early
//! rupture, conversion to CDI, end reason — is drawn at hire from the establishment's
//! traits at that date, then a vacancy, then the next hire. On top, each establishment
//! draws a monthly flow of short CDDs (mostly rehires from its own pool, calibration B5),
//! internships (nature 29) and PMSMP immersions (scheme 93). Stoppages (accidents,
//! occupational diseases, commuting accidents, sickness) are drawn per contract.
//!
//! Establishments are processed in index order within each month and people leaving a
//! job join the shared job-seeker pool the following month, so the run is sequential and
//! byte-reproducible.

use super::rng::CellRng;
use super::rng::{self, cell, stream};
use super::sectors::{self, Family, Sector, SECTORS};
use super::{EstablishmentTruth, SynthError, Synthetic, TraitShift};
use crate::config::{Experiment, GeneratorParams};
use crate::date::Date;
use crate::model::*;
use crate::reference::Reference;
use rand::Rng;
use rand_chacha::ChaCha8Rng as EstabRng;
use rand_distr::{Distribution, LogNormal, Normal, Poisson};
use std::collections::VecDeque;

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

fn poisson<R: Rng + ?Sized>(rng: &mut R, lambda: f64) -> u32 {
    if lambda <= 0.0 {
        return 0;
    }
    Poisson::new(lambda).map_or(0, |d| d.sample(rng) as u32)
}

fn lognormal_mean<R: Rng + ?Sized>(rng: &mut R, mean: f64, sigma: f64) -> f64 {
    let mu = mean.ln() - sigma * sigma / 2.0;
    LogNormal::new(mu, sigma).map_or(mean, |d| d.sample(rng))
}

fn pick_weighted<'a, T, R: Rng + ?Sized>(rng: &mut R, items: &'a [(T, f64)]) -> &'a T {
    let total: f64 = items.iter().map(|(_, w)| w).sum();
    let mut u = rng.random::<f64>() * total;
    for (x, w) in items {
        if u < *w {
            return x;
        }
        u -= w;
    }
    &items[items.len() - 1].0
}

/// Baseline hiring propensities (log-odds). Sources: D5 for ages (assumption, 35% under 26
/// and 12% 50+ among hires), D4 for BOETH, E2 for IAE volume; others are assumptions.
struct Base {
    iae: f64,
    no_experience: f64,
    long_unemployed: f64,
    young: f64,
    senior: f64,
    boeth: f64,
    work_study: f64,
    conversion: f64,
}

/// Latent traits as used by the simulation.
#[derive(Clone)]
struct Traits {
    women: f64,
    no_experience: f64,
    long_unemployed: f64,
    young: f64,
    senior: f64,
    boeth: f64,
    iae: f64,
    work_study: f64,
    cdi: f64,
    conversion: f64,
    separation: f64,
    accident: f64,
    internship: f64,
    cdd_length: f64,
    short_cdd: f64,
}

struct Estab {
    sector: &'static Sector,
    slots: u32,
    band: u8,
    iae: Option<u8>,
    creation: Date,
    traits: Traits,
    /// Next date each slot can be filled (`None`: occupied beyond the extraction date).
    next_free: Vec<Option<Date>>,
    /// Former short-contract workers, rehired first (calibration B5).
    rehire: Vec<u32>,
    short_rate: f64,
}

#[derive(Clone, Copy)]
struct PersonRec {
    sex: u8,
    birth: Date,
    boeth: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum HireSource {
    IaeLeaver,
    New,
    LongUnemployed,
    Recent,
}

/// Job seekers, bucketed by age band × sex × BOETH × long unemployment.
struct Pool {
    buckets: Vec<VecDeque<(u32, Date)>>,
    iae: [VecDeque<(u32, Date)>; 3],
}

fn bucket(age: usize, sex: u8, boeth: bool, ltu: bool) -> usize {
    ((age * 2 + usize::from(sex == sex::FEMALE)) * 2 + usize::from(boeth)) * 2 + usize::from(ltu)
}

fn age_band(birth: Date, at: Date) -> usize {
    match birth.age_at(at) {
        a if a < 26 => 0,
        a if a < 50 => 1,
        _ => 2,
    }
}

/// A release of a person into the pool at the start of a month.
#[derive(Clone, Copy)]
struct Release {
    person: u32,
    since: Date,
    ltu: bool,
    iae: bool,
}

struct Sim<'a> {
    p: &'a GeneratorParams,
    seed: u64,
    start: Date,
    end: Date,
    base: Base,
    persons: Vec<PersonRec>,
    person_ids: Vec<u64>,
    contracts: Vec<Contract>,
    stoppages: Vec<Stoppage>,
    pool: Pool,
    releases: Vec<Vec<Release>>,
    sirets: Vec<u64>,
    /// Short-CDD duration distribution: P(1 day) and the geometric ratio over 2..=31 days.
    p_one_day: f64,
    short_ratio: f64,
    /// Part-time normalisation so that D2 holds on average over sectors.
    part_time_norm: f64,
}

/// Luhn check digit making `digits` followed by it valid.
fn luhn_complete(digits: u64, len: u32) -> u64 {
    // Doubling applies to every second digit from the right of the final number.
    let mut sum = 0;
    let mut d = digits;
    for i in 0..len {
        let mut x = d % 10;
        d /= 10;
        if i % 2 == 0 {
            x *= 2;
            if x > 9 {
                x -= 9;
            }
        }
        sum += x;
    }
    (10 - sum % 10) % 10
}

/// A SIRET whose SIREN and SIRET both pass the Luhn check, as real ones do.
fn make_siret<R: Rng + ?Sized>(rng: &mut R) -> u64 {
    let body: u64 = rng.random_range(10_000_000..100_000_000);
    let siren = body * 10 + luhn_complete(body, 8);
    let nic_body: u64 = rng.random_range(1..2000);
    let partial = siren * 10_000 + nic_body;
    partial * 10 + luhn_complete(partial, 13)
}

const SURNAMES: &[&str] = &[
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau",
    "Laurent", "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David", "Bertrand", "Morel",
    "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent",
    "Le Gall", "Le Goff", "Guillou", "Tanguy", "Kerbrat", "Morvan", "Hamon", "Jaouen",
];

fn name_for<R: Rng + ?Sized>(f: Family, rng: &mut R, commune: &str) -> String {
    let prefix = match f {
        Family::Industry => "Ateliers",
        Family::Construction => "Bâtiment",
        Family::Trade => "Commerce",
        Family::Transport => "Transports",
        Family::HotelsRestaurants => "Restaurant",
        Family::Office => "Cabinet",
        Family::Cleaning => "Services",
        Family::Care => "Soins",
        Family::PersonalServices => "Salon",
        Family::Associations => "Association",
    };
    let s = SURNAMES[rng.random_range(0..SURNAMES.len())];
    format!("{prefix} {s} ({commune})")
}

impl<'a> Sim<'a> {
    fn month_start(&self, m: u32) -> Date {
        self.start.add_months(m as i32)
    }

    fn new_person(
        &mut self,
        rng: &mut CellRng,
        band: usize,
        sex: u8,
        boeth: bool,
        at: Date,
    ) -> u32 {
        let (lo, hi) = match band {
            0 => (17, 25),
            1 => (26, 49),
            _ => (50, 62),
        };
        let age_days = rng.random_range(lo * 365..(hi + 1) * 365 - 1);
        let birth = at.add_days(-age_days);
        let idx = self.persons.len() as u32;
        self.persons.push(PersonRec { sex, birth, boeth });
        // Pseudonymous ids: a keyed mix of the creation index (unique, no ordering leak).
        self.person_ids
            .push(rng::key(self.seed, rng::PERSONS, idx as u64, 0) >> 1);
        idx
    }

    /// Finds or creates the person for a hire with the drawn profile.
    fn take_person(
        &mut self,
        rng: &mut CellRng,
        source: HireSource,
        band: usize,
        sex: u8,
        boeth: bool,
        at: Date,
    ) -> u32 {
        let mut source = source;
        loop {
            match source {
                HireSource::IaeLeaver => {
                    if let Some((p, _)) = self.pool.iae[band].pop_back() {
                        return p;
                    }
                    source = HireSource::LongUnemployed;
                }
                HireSource::LongUnemployed => {
                    let q = &mut self.pool.buckets[bucket(band, sex, boeth, true)];
                    if !q.is_empty() {
                        let i = rng.random_range(0..q.len());
                        if let Some((p, _)) = q.swap_remove_back(i) {
                            return p;
                        }
                    }
                    source = HireSource::Recent;
                }
                HireSource::Recent => {
                    if let Some((p, _)) =
                        self.pool.buckets[bucket(band, sex, boeth, false)].pop_back()
                    {
                        return p;
                    }
                    source = HireSource::New;
                }
                HireSource::New => return self.new_person(rng, band, sex, boeth, at),
            }
        }
    }

    /// Draws the profile of a hire from the establishment's traits (shifted by exposure).
    fn draw_hire(&mut self, e: &Estab, shift: f64, rng: &mut CellRng, at: Date) -> u32 {
        let t = &e.traits;
        let l = self.p.inclusiveness_loading;
        let (iae_p, noexp_p, ltu_p) = if e.iae.is_some() {
            (0.05, 0.15, 0.65)
        } else {
            (
                sigmoid(t.iae + l * shift),
                sigmoid(t.no_experience + l * shift),
                sigmoid(t.long_unemployed + l * shift),
            )
        };
        let u: f64 = rng.random();
        let source = if u < iae_p {
            HireSource::IaeLeaver
        } else if u < iae_p + (1.0 - iae_p) * noexp_p {
            HireSource::New
        } else if rng.random::<f64>() < ltu_p {
            HireSource::LongUnemployed
        } else {
            HireSource::Recent
        };
        let band = if source == HireSource::New {
            *pick_weighted(rng, &[(0usize, 0.82), (1, 0.16), (2, 0.02)])
        } else {
            let py = sigmoid(t.young + 0.6 * l * shift);
            let ps = sigmoid(t.senior + 0.6 * l * shift);
            let v: f64 = rng.random();
            if v < py {
                0
            } else if v > 1.0 - ps {
                2
            } else {
                1
            }
        };
        let pw = sigmoid(t.women + 0.5 * l * shift * (0.5 - e.sector.women).signum());
        let sex = if rng.random::<f64>() < pw {
            sex::FEMALE
        } else {
            sex::MALE
        };
        let boeth = rng.random::<f64>() < sigmoid(t.boeth + l * shift);
        self.take_person(rng, source, band, sex, boeth, at)
    }

    fn part_time(&self, e: &Estab, person: u32, rng: &mut CellRng) -> u8 {
        let base = if self.persons[person as usize].sex == sex::FEMALE {
            self.p.part_time_women
        } else {
            self.p.part_time_men
        };
        let p = (base * e.sector.part_time * self.part_time_norm).min(0.9);
        if rng.random::<f64>() < p {
            working_time::PART_TIME
        } else {
            working_time::FULL_TIME
        }
    }

    fn pcs(e: &Estab, rng: &mut CellRng) -> Pcs {
        let code: &&str = pick_weighted(rng, sectors::occupations(e.sector.family));
        Pcs::new(code).unwrap_or_default()
    }

    /// CDI duration in days and end reason, from B6 (first-year exits by sector, age and
    /// occupation) and B7 (exit reasons).
    #[allow(clippy::too_many_arguments)] // one draw of a CDI's course, from all its inputs
    fn cdi_course(
        &self,
        e: &Estab,
        person: u32,
        pcs: Pcs,
        start: Date,
        sep: f64,
        rng: &mut CellRng,
        first_year: bool,
    ) -> (i32, u16) {
        let pr = self.persons[person as usize];
        let age = pr.birth.age_at(start);
        let mut p1 = e.sector.cdi_first_year_exit * self.p.cdi_first_year_exit / 0.361;
        if age < 25 {
            p1 *= 45.6 / 36.1;
        }
        match pcs.category() {
            3 => p1 *= 19.3 / 36.1,
            5 | 6 => p1 *= 1.1,
            _ => {}
        }
        // 0.74 undoes the average of the age and occupation factors, so that the overall
        // rate stays at B6.
        p1 = (0.74 * p1 * sep).min(0.9);
        let late_reason = |rng: &mut CellRng| {
            *pick_weighted(
                rng,
                &[
                    (end_reason::DEMISSION, 45.0),
                    (end_reason::RUPTURE_CONVENTIONNELLE, 12.0),
                    (end_reason::DISMISSAL_OTHER, 13.0),
                    (end_reason::DISMISSAL_ECONOMIC, 3.0),
                ],
            )
        };
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
        let retire_at = pr.birth.add_months(12 * retire_age);
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

    #[allow(clippy::too_many_arguments)]
    fn push_contract(
        &mut self,
        siret: u64,
        person: u32,
        start: Date,
        planned_end: Option<Date>,
        end: Option<(Date, u16)>,
        nature: u8,
        scheme: u8,
        iae: Option<u8>,
        working_time: u8,
        pcs: Pcs,
        cdd_reason: Option<u8>,
        converted: Option<Date>,
    ) -> usize {
        let (actual_end, end_reason) = match end {
            Some((d, r)) if d <= self.end => (Some(d), Some(r)),
            _ => (None, None),
        };
        let converted_to_cdi = converted.filter(|d| *d <= self.end);
        let pr = self.persons[person as usize];
        let boeth = pr.boeth.then_some(if person % 10 == 0 { 8 } else { 1 });
        let id = self.contracts.len() as u64 + 1;
        self.contracts.push(Contract {
            contract_id: id,
            person_id: self.person_ids[person as usize],
            siret,
            start,
            planned_end,
            actual_end,
            end_reason,
            nature,
            scheme,
            iae,
            working_time,
            pcs,
            cdd_reason,
            boeth,
            converted_to_cdi,
            no_prior_employment: false,
            months_since_prev: None,
            prior_long_sick_leave: false,
            prior_iae_or_subsidised: false,
        });
        self.contracts.len() - 1
    }

    /// Schedules a person's return to the pool after a contract ends.
    fn release(&mut self, person: u32, end: Date, iae: bool, long_sick: bool) {
        if end >= self.end {
            return;
        }
        let pr = self.persons[person as usize];
        if pr.birth.age_at(end) >= 62 {
            return;
        }
        let m = (end.month_index() - self.start.month_index() + 1) as usize;
        if m < self.releases.len() {
            self.releases[m].push(Release {
                person,
                since: end,
                ltu: long_sick,
                iae,
            });
        }
    }

    /// Draws stoppages over a contract's span (C1–C4 and sickness assumptions).
    /// Returns whether a long sickness (≥ 182 days) occurred.
    fn stoppages_for(&mut self, e: &Estab, ci: usize, person: u32, rng: &mut CellRng) -> bool {
        let c = self.contracts[ci];
        if c.nature == nature::STAGE {
            return false;
        }
        let last = c.actual_end.unwrap_or(self.end).min(self.end);
        let from = c.start.max(self.start);
        let days = from.days_until(last) + 1;
        if days <= 0 {
            return false;
        }
        let years = days as f64 / 365.25;
        let pr = self.persons[person as usize];
        let age = pr.birth.age_at(c.start);
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
        let scale = 0.85 * self.p.accidents_per_1000 / 30.1 * e.traits.accident * age_mult * pt;
        let at_rate = e.sector.accidents / 1000.0 * scale;
        let mut long_sick = false;
        let mut drawn: Vec<(Date, i32, u8)> = Vec::new();
        let kinds = [
            (stoppage_reason::ACCIDENT_TRAVAIL, at_rate, 68.0),
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
        for (reason, rate, mean) in kinds {
            let n = poisson(rng, rate * years);
            for _ in 0..n {
                let start = from.add_days(rng.random_range(0..days));
                let dur = if reason == stoppage_reason::MALADIE {
                    let u: f64 = rng.random();
                    if u < 0.85 {
                        1 + (-(1.0 - rng.random::<f64>()).ln() * 8.0) as i32
                    } else if u < 0.98 {
                        lognormal_mean(rng, 60.0, 0.6) as i32
                    } else {
                        rng.random_range(182..400)
                    }
                } else {
                    lognormal_mean(rng, mean, 1.0).max(1.0) as i32
                };
                drawn.push((start, dur.max(1), reason));
            }
        }
        // A person is off for one reason at a time: draws overlapping an earlier stoppage of
        // the same contract are dropped (a declaration cannot carry them either).
        drawn.sort_unstable();
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
            self.stoppages.push(Stoppage {
                person_id: c.person_id,
                siret: c.siret,
                contract_id: c.contract_id,
                start,
                end: (end <= self.end).then_some(end),
                reason,
            });
        }
        long_sick
    }

    /// One core hire into slot `slot` of establishment `ei` at date `at`.
    fn core_hire(
        &mut self,
        ei: usize,
        e: &mut Estab,
        slot: usize,
        at: Date,
        shift: f64,
        r: &mut Streams,
    ) {
        let Streams {
            hires: rh,
            exits: rx,
            accidents: ra,
            ..
        } = r;
        let (rh, rx, ra) = (&mut *rh, &mut *rx, &mut *ra);
        let l = self.p.inclusiveness_loading;
        let person = self.draw_hire(e, shift, rh, at);
        let siret = self.sirets[ei];
        let pcs = Self::pcs(e, rh);
        let wt = self.part_time(e, person, rh);
        let sep = e.traits.separation * (-0.3 * shift).exp();
        let pr = self.persons[person as usize];
        let young = pr.birth.age_at(at) < 26;
        let small = e.band == 0;
        let t = &e.traits;
        // Contract type.
        let (nature, scheme, iae, reason, kind) = if let Some(code) = e.iae {
            (nature::CDD, scheme::CDDI, Some(code), Some(9), Kind::Cddi)
        } else if young
            && rh.random::<f64>()
                < sigmoid(t.work_study + l * shift + if small { 0.4 } else { 0.0 })
        {
            if rh.random::<f64>() < 0.75 {
                (
                    nature::CDD,
                    scheme::APPRENTISSAGE_PRIVE,
                    None,
                    Some(11),
                    Kind::Apprentice,
                )
            } else {
                (
                    nature::CDD,
                    scheme::PROFESSIONNALISATION,
                    None,
                    Some(10),
                    Kind::Pro,
                )
            }
        } else if matches!(e.sector.family, Family::Associations | Family::Care)
            && rh.random::<f64>() < sigmoid(t.long_unemployed + l * shift) * 0.25
        {
            (nature::CDD, scheme::PEC_CUI_CAE, None, Some(9), Kind::Pec)
        } else if rh.random::<f64>() < sigmoid(t.cdi + 0.6 * l * shift) {
            (nature::CDI, scheme::NONE, None, None, Kind::Cdi)
        } else {
            let r = *pick_weighted(rh, &[(1u8, 0.4), (2, 0.5), (3, 0.1)]);
            (nature::CDD, scheme::NONE, None, Some(r), Kind::Cdd)
        };
        // Course of the contract.
        let cdd_len = |rx: &mut CellRng, mean: f64, lo: i32, hi: i32| {
            (lognormal_mean(rx, mean, 0.6) as i32).clamp(lo, hi)
        };
        let (planned, end, converted) = match kind {
            Kind::Cdi => {
                let (d, r) = self.cdi_course(e, person, pcs, at, sep, rx, true);
                (None, (at.add_days(d), r), None)
            }
            Kind::Apprentice => {
                let d = cdd_len(rx, 540.0, 180, 1095);
                let planned = at.add_days(d - 1);
                // E6: 27.4% break-off rate.
                if rx.random::<f64>() < 0.274 * sep {
                    let cut = rx.random_range(30..d.max(31));
                    let r = if rx.random::<bool>() {
                        end_reason::CDD_EARLY_EMPLOYEE
                    } else {
                        end_reason::CDD_EARLY_MUTUAL
                    };
                    (Some(planned), (at.add_days(cut - 1), r), None)
                } else {
                    (
                        Some(planned),
                        (planned, end_reason::FIN_APPRENTISSAGE),
                        None,
                    )
                }
            }
            Kind::Pro | Kind::Pec | Kind::Cddi | Kind::Cdd => {
                let mean = match kind {
                    Kind::Pro => 300.0,
                    Kind::Pec => 330.0,
                    Kind::Cddi => 300.0,
                    _ => self.p.long_cdd_mean_days * e.traits.cdd_length * (0.15 * shift).exp(),
                };
                let d = cdd_len(rx, mean, 32, 540);
                let planned = at.add_days(d - 1);
                let early = rx.random::<f64>() < 0.12 * sep;
                if early {
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
                    (Some(planned), (at.add_days(cut - 1), r), None)
                } else if kind == Kind::Cdd
                    && rx.random::<f64>() < sigmoid(e.traits.conversion + 0.5 * l * shift)
                {
                    let conv = planned.add_days(1);
                    let (d2, r) = self.cdi_course(e, person, pcs, conv, sep, rx, false);
                    (Some(planned), (conv.add_days(d2), r), Some(conv))
                } else {
                    (Some(planned), (planned, end_reason::FIN_CDD), None)
                }
            }
        };
        let ci = self.push_contract(
            siret,
            person,
            at,
            planned,
            Some(end),
            nature,
            scheme,
            iae,
            wt,
            pcs,
            reason,
            converted,
        );
        let long_sick = self.stoppages_for(e, ci, person, ra);
        let (end_date, end_r) = end;
        let is_retire = matches!(
            end_r,
            end_reason::RETIREMENT_EMPLOYEE | end_reason::RETIREMENT_EMPLOYER
        );
        if !is_retire {
            self.release(person, end_date, kind == Kind::Cddi, long_sick);
        }
        if matches!(kind, Kind::Cdd) && e.rehire.len() < (e.slots as usize).max(4) {
            e.rehire.push(person);
        }
        // Vacancy before the slot is filled again.
        let lag = (-(1.0 - rx.random::<f64>()).ln() * 20.0) as i32;
        e.next_free[slot] = (end_date < self.end).then(|| end_date.add_days(1 + lag));
    }

    /// The month's short CDDs (under one month) of an establishment.
    fn short_cdds(
        &mut self,
        ei: usize,
        e: &mut Estab,
        ms: Date,
        me: Date,
        shift: f64,
        r: &mut Streams,
    ) {
        let Streams {
            short: rs,
            exits: rx,
            accidents: ra,
            ..
        } = r;
        let (rs, rx, ra) = (&mut *rs, &mut *rx, &mut *ra);
        if e.iae.is_some() || ms < e.creation {
            return;
        }
        let lambda = e.short_rate * (-0.25 * self.p.inclusiveness_loading * shift).exp();
        let n = poisson(rs, lambda);
        let span = ms.days_until(me) + 1;
        for _ in 0..n {
            let start = ms.add_days(rs.random_range(0..span));
            let person = if !e.rehire.is_empty() && rs.random::<f64>() < self.p.rehire_share {
                e.rehire[rs.random_range(0..e.rehire.len())]
            } else {
                let p = self.draw_hire(e, shift, rs, start);
                if e.rehire.len() < (e.slots as usize * 2).max(6) {
                    e.rehire.push(p);
                }
                p
            };
            let d = if rx.random::<f64>() < self.p_one_day {
                1
            } else {
                let mut d = 2;
                while d < 31 && rx.random::<f64>() < self.short_ratio {
                    d += 1;
                }
                d
            };
            let end = start.add_days(d - 1);
            let pcs = Self::pcs(e, rs);
            let wt = self.part_time(e, person, rs);
            let reason = *pick_weighted(rs, &[(1u8, 0.45), (2, 0.45), (3, 0.10)]);
            let ci = self.push_contract(
                self.sirets[ei],
                person,
                start,
                Some(end),
                Some((end, end_reason::FIN_CDD)),
                nature::CDD,
                scheme::NONE,
                None,
                wt,
                pcs,
                Some(reason),
                None,
            );
            self.stoppages_for(e, ci, person, ra);
        }
    }

    /// Internships (nature 29) and PMSMP immersions (nature 29, scheme 93): an assumed 4 and
    /// 1.5 per 100 employees a year, scaled by the establishment's hosting trait.
    fn internships(
        &mut self,
        ei: usize,
        e: &Estab,
        ms: Date,
        me: Date,
        shift: f64,
        ri: &mut CellRng,
    ) {
        if ms < e.creation {
            return;
        }
        let scale = e.slots as f64 / 100.0 / 12.0 * e.traits.internship * (0.5 * shift).exp();
        let span = ms.days_until(me) + 1;
        for (scheme_code, rate) in [(scheme::NONE, 4.0), (scheme::PMSMP, 1.5)] {
            for _ in 0..poisson(ri, rate * scale) {
                let start = ms.add_days(ri.random_range(0..span));
                let (person, back) = if scheme_code == scheme::PMSMP {
                    let sex = if ri.random::<f64>() < e.sector.women {
                        sex::FEMALE
                    } else {
                        sex::MALE
                    };
                    let band = *pick_weighted(ri, &[(0usize, 0.3), (1, 0.55), (2, 0.15)]);
                    let q = &mut self.pool.buckets[bucket(band, sex, false, true)];
                    match q.pop_back() {
                        Some(entry) => (entry.0, Some(entry)),
                        None => (self.new_person(ri, band, sex, false, start), None),
                    }
                } else {
                    let sex = if ri.random::<f64>() < e.sector.women {
                        sex::FEMALE
                    } else {
                        sex::MALE
                    };
                    (self.new_person(ri, 0, sex, false, start), None)
                };
                let d = if scheme_code == scheme::PMSMP {
                    ri.random_range(5..31)
                } else {
                    ri.random_range(30..183)
                };
                let end = start.add_days(d - 1);
                let pcs = Self::pcs(e, ri);
                self.push_contract(
                    self.sirets[ei],
                    person,
                    start,
                    Some(end),
                    Some((end, end_reason::FIN_CDD)),
                    nature::STAGE,
                    scheme_code,
                    None,
                    working_time::FULL_TIME,
                    pcs,
                    None,
                    None,
                );
                if let Some((p, since)) = back {
                    // An immersion is not employment: the person keeps their unemployment spell.
                    let pr = self.persons[p as usize];
                    self.pool.buckets[bucket(age_band(pr.birth, start), pr.sex, pr.boeth, true)]
                        .push_front((p, since));
                }
            }
        }
    }

    /// Contracts already running at the coverage start (the declared stock).
    fn stock(&mut self, ei: usize, e: &mut Estab, rs: &mut CellRng) {
        if e.creation >= self.start {
            for slot in 0..e.slots as usize {
                e.next_free[slot] = Some(e.creation.add_days(rs.random_range(0..60)));
            }
            return;
        }
        let siret = self.sirets[ei];
        for slot in 0..e.slots as usize {
            let t = &e.traits;
            let band = *pick_weighted(rs, &[(0usize, 0.12), (1, 0.58), (2, 0.30)]);
            let sex = if rs.random::<f64>() < sigmoid(t.women) {
                sex::FEMALE
            } else {
                sex::MALE
            };
            let boeth = rs.random::<f64>() < sigmoid(t.boeth);
            let person = self.new_person(rs, band, sex, boeth, self.start);
            let pcs = Self::pcs(e, rs);
            let wt = self.part_time(e, person, rs);
            let sep = e.traits.separation;
            let ci = if e.iae.is_none() && rs.random::<f64>() < 0.88 {
                let tenure = (-(1.0 - rs.random::<f64>()).ln() * 6.0 * 365.25) as i32 + 1;
                let mut start = self.start.add_days(-tenure);
                let adult = self.persons[person as usize].birth.add_months(12 * 18);
                start = start
                    .max(e.creation)
                    .max(adult)
                    .min(self.start.add_days(-1));
                let (d, r) = self.cdi_course(e, person, pcs, self.start, sep, rs, false);
                let end = self.start.add_days(d);
                let ci = self.push_contract(
                    siret,
                    person,
                    start,
                    None,
                    Some((end, r)),
                    nature::CDI,
                    scheme::NONE,
                    None,
                    wt,
                    pcs,
                    None,
                    None,
                );
                e.next_free[slot] =
                    (end < self.end).then(|| end.add_days(1 + rs.random_range(0..40)));
                if !matches!(
                    r,
                    end_reason::RETIREMENT_EMPLOYEE | end_reason::RETIREMENT_EMPLOYER
                ) {
                    self.release(person, end, false, false);
                }
                ci
            } else {
                let start = self.start.add_days(-rs.random_range(1..200));
                let end = self.start.add_days(rs.random_range(1..300));
                let (scheme_code, iae, reason) = match e.iae {
                    Some(code) => (scheme::CDDI, Some(code), Some(9)),
                    None => (scheme::NONE, None, Some(2)),
                };
                let ci = self.push_contract(
                    siret,
                    person,
                    start,
                    Some(end),
                    Some((end, end_reason::FIN_CDD)),
                    nature::CDD,
                    scheme_code,
                    iae,
                    wt,
                    pcs,
                    reason,
                    None,
                );
                e.next_free[slot] = Some(end.add_days(1 + rs.random_range(0..40)));
                self.release(person, end, iae.is_some(), false);
                ci
            };
            self.stoppages_for(e, ci, person, rs);
        }
    }

    /// Moves released people into the pool and ages unemployment spells.
    fn update_pool(&mut self, m: u32) {
        let ms = self.month_start(m);
        let releases = std::mem::take(&mut self.releases[m as usize]);
        for r in releases {
            let pr = self.persons[r.person as usize];
            let band = age_band(pr.birth, ms);
            if r.iae {
                self.pool.iae[band].push_back((r.person, r.since));
            } else {
                self.pool.buckets[bucket(band, pr.sex, pr.boeth, r.ltu)]
                    .push_back((r.person, r.since));
            }
        }
        let year_ago = ms.add_months(-12);
        let three_years_ago = ms.add_months(-36);
        for b in 0..self.pool.buckets.len() {
            if b % 2 == 0 {
                // Short spells reaching 12 months become long-term unemployment.
                while let Some(&(p, since)) = self.pool.buckets[b].front() {
                    if since > year_ago {
                        break;
                    }
                    self.pool.buckets[b].pop_front();
                    self.pool.buckets[b + 1].push_back((p, since));
                }
            } else {
                // After three years without a contract people leave the labour market.
                while let Some(&(_, since)) = self.pool.buckets[b].front() {
                    if since > three_years_ago {
                        break;
                    }
                    self.pool.buckets[b].pop_front();
                }
            }
        }
        for q in &mut self.pool.iae {
            while let Some(&(_, since)) = q.front() {
                if since > year_ago {
                    break;
                }
                q.pop_front();
            }
        }
    }
}

/// The random streams of one establishment in one month, one per purpose.
struct Streams {
    hires: CellRng,
    exits: CellRng,
    accidents: CellRng,
    short: CellRng,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Cdi,
    Cdd,
    Apprentice,
    Pro,
    Pec,
    Cddi,
}

fn size_for_band<R: Rng + ?Sized>(band: u8, rng: &mut R) -> u32 {
    let log_uniform = |rng: &mut R, lo: f64, hi: f64| {
        (lo.ln() + rng.random::<f64>() * (hi.ln() - lo.ln()))
            .exp()
            .round() as u32
    };
    match band {
        // A3: mean about 3 employees, 38% with a single employee.
        0 => {
            if rng.random::<f64>() < 0.38 {
                1
            } else {
                let mut s = 2;
                while s < 9 && rng.random::<f64>() < 0.62 {
                    s += 1;
                }
                s
            }
        }
        1 => log_uniform(rng, 10.0, 49.4),
        2 => log_uniform(rng, 50.0, 249.4),
        _ => log_uniform(rng, 250.0, 2000.0),
    }
}

/// Runs the simulation with an exposure shift (see [`TraitShift`]).
pub fn generate_with_shift(
    exp: &Experiment,
    reference: &Reference,
    shift: &dyn TraitShift,
    progress: bool,
) -> Result<Synthetic, SynthError> {
    let p = &exp.generator;
    let seed = exp.seed;
    let start = p.coverage_start();
    let end = p.coverage_end();
    let months = p.total_months();

    // Communes of the territory, weighted by population.
    let communes: Vec<_> = reference
        .communes
        .values()
        .filter(|c| exp.territory.departements.contains(&c.departement) && c.population > 0)
        .collect();
    if communes.is_empty() {
        return Err(SynthError::EmptyTerritory(
            exp.territory.departements.clone(),
        ));
    }
    let mut cum = Vec::with_capacity(communes.len());
    let mut acc = 0.0;
    for c in &communes {
        acc += c.population as f64;
        cum.push(acc);
    }

    let l = p.inclusiveness_loading;
    let base = Base {
        iae: logit(0.02),
        no_experience: logit(0.12),
        long_unemployed: logit(0.12),
        young: logit(p.under26_hire_share * 0.85),
        senior: logit(p.over50_hire_share),
        boeth: logit(p.boeth_share * 0.85),
        work_study: logit(0.10),
        conversion: logit(0.15),
    };

    let mut establishments = Vec::with_capacity(p.establishments as usize);
    let mut estabs = Vec::with_capacity(p.establishments as usize);
    let mut truth = Vec::with_capacity(p.establishments as usize);
    let mut sirets = Vec::with_capacity(p.establishments as usize);
    let mut seen = std::collections::HashSet::new();
    let sector_total: f64 = SECTORS.iter().map(|s| s.weight).sum();
    let bands: Vec<(u8, f64)> = (0..4).map(|b| (b as u8, p.size_band_shares[b])).collect();
    let iae_sector = SECTORS
        .iter()
        .find(|s| s.naf == sectors::IAE_NAF)
        .unwrap_or(&SECTORS[0]);
    for i in 0..p.establishments as usize {
        let mut r: EstabRng = stream(seed, rng::ESTABLISHMENTS, i as u64, 0);
        let is_iae = r.random::<f64>() < p.iae_structure_share;
        let mut band = if is_iae {
            1
        } else {
            *pick_weighted(&mut r, &bands)
        };
        let sector: &'static Sector = if is_iae {
            iae_sector
        } else {
            let eligible: Vec<(&'static Sector, f64)> = SECTORS
                .iter()
                .filter(|s| s.min_band <= band)
                .map(|s| (s, s.weight / sector_total))
                .collect();
            let chosen: &&'static Sector = pick_weighted(&mut r, &eligible);
            chosen
        };
        band = band.max(sector.min_band);
        let slots = size_for_band(band, &mut r);
        let u = r.random::<f64>() * acc;
        let commune = communes[cum.partition_point(|&x| x < u).min(communes.len() - 1)];
        let mut siret = make_siret(&mut r);
        while !seen.insert(siret) {
            siret = make_siret(&mut r);
        }
        // Creation: 3% a year during the simulation, otherwise before it.
        let creation = if r.random::<f64>() < 0.03 * months as f64 / 12.0 {
            start.add_days(r.random_range(0..start.days_until(end)))
        } else {
            let old = Date::from_ymd(1970, 1, 1).unwrap_or(start);
            old.add_days(r.random_range(0..old.days_until(start.add_days(-365)).max(1)))
        };
        let zone = exp
            .territory
            .zone_of(reference, &commune.code, &commune.departement);
        establishments.push(Establishment {
            siret,
            name: name_for(sector.family, &mut r, &commune.name),
            naf: sector.naf.to_string(),
            commune: commune.code.clone(),
            departement: commune.departement.clone(),
            region: commune.region.clone(),
            zone,
            creation_date: creation,
        });

        // Latent traits: one inclusiveness factor plus noise per trait.
        let mut rt: EstabRng = stream(seed, rng::TRAITS, i as u64, 0);
        let normal = Normal::new(0.0, 1.0).expect("unit normal");
        let theta: f64 = normal.sample(&mut rt) + if is_iae { 1.0 } else { 0.0 };
        let sd = p.trait_noise_sd;
        let mut z = || sd * normal.sample(&mut rt);
        let women_shift = 0.5 * l * theta * (0.5 - sector.women).signum() + z();
        let noexp = l * theta + z();
        let ltu = l * theta + z();
        let young = 0.6 * l * theta + z();
        let senior = 0.6 * l * theta + z();
        let boeth = l * theta + z();
        let iae = l * theta + z();
        let ws = l * theta + z();
        let cdi = 0.6 * l * theta + z();
        let conv = 0.5 * l * theta + z();
        // Log-normal multipliers with mean one over establishments: E[exp(aθ + bz)] = 1.
        let mult =
            |a: f64, b: f64, zz: f64| (a * theta + b * zz - (a * a + b * b * sd * sd) / 2.0).exp();
        let sep = mult(-0.3, 0.6, z());
        let acc_m = mult(-0.25, 0.9, z());
        let intern = mult(0.5, 1.0, z());
        let cddl = mult(0.15, 0.5, z());
        let short = mult(-0.25 * l, 1.0, z());
        let traits = Traits {
            women: logit(sector.women) + women_shift,
            no_experience: base.no_experience + noexp,
            long_unemployed: base.long_unemployed + ltu,
            young: base.young + young,
            senior: base.senior + senior,
            boeth: base.boeth + boeth,
            iae: base.iae + iae,
            work_study: base.work_study + ws,
            cdi: logit(sector.cdi_share) + cdi,
            conversion: base.conversion + conv,
            separation: sep,
            accident: acc_m,
            internship: intern,
            cdd_length: cddl,
            short_cdd: short,
        };
        truth.push(EstablishmentTruth {
            siret,
            index: i as u32,
            inclusiveness: theta,
            slots,
            size_band: band,
            iae_structure: is_iae,
            women_shift,
            no_experience_shift: noexp,
            long_unemployed_shift: ltu,
            young_shift: young,
            senior_shift: senior,
            boeth_shift: boeth,
            iae_shift: iae,
            work_study_shift: ws,
            cdi_shift: cdi,
            conversion_shift: conv,
            separation_multiplier: sep,
            accident_multiplier: acc_m,
            internship_multiplier: intern,
            cdd_length_multiplier: cddl,
            short_cdd_multiplier: short,
        });
        sirets.push(siret);
        estabs.push(Estab {
            sector,
            slots,
            band,
            iae: is_iae.then(|| {
                if r.random::<f64>() < 0.7 {
                    iae::ACI
                } else {
                    iae::EI
                }
            }),
            creation,
            traits,
            next_free: vec![None; slots as usize],
            rehire: Vec::new(),
            short_rate: 0.0,
        });
    }

    // Short-CDD intensity: B2 × B3 × B8 short CDDs per employee-year on average.
    let target = p.entry_rate * p.cdd_share * p.short_cdd_share / 12.0;
    let num: f64 = estabs.iter().map(|e| e.slots as f64).sum();
    let den: f64 = estabs
        .iter()
        .map(|e| e.slots as f64 * e.sector.short_cdd * e.traits.short_cdd)
        .sum();
    let norm = if den > 0.0 { num / den } else { 0.0 };
    for e in &mut estabs {
        e.short_rate = target * e.slots as f64 * e.sector.short_cdd * e.traits.short_cdd * norm;
    }
    let pt_num: f64 = estabs.iter().map(|e| e.slots as f64).sum();
    let pt_den: f64 = estabs
        .iter()
        .map(|e| e.slots as f64 * e.sector.part_time)
        .sum();

    // B4: P(1 day) among short CDDs, and a geometric tail over 2..=31 days whose ratio puts
    // the median of all CDDs near 5 days.
    let p_one_day = (p.one_day_cdd_share / p.short_cdd_share).min(1.0);
    let total_slots: f64 = estabs.iter().map(|e| e.slots as f64).sum();
    let expected_contracts =
        (total_slots * (1.0 + 1.15 * p.entry_rate * months as f64 / 12.0)) as usize + 1024;
    let mut sim = Sim {
        p,
        seed,
        start,
        end,
        base,
        persons: Vec::new(),
        person_ids: Vec::new(),
        // Reserved from the expected volume (stock plus B8 entries, with margin) so the
        // largest tables are not reallocated, which would double peak memory.
        contracts: Vec::with_capacity(expected_contracts),
        stoppages: Vec::with_capacity(expected_contracts / 3),
        pool: Pool {
            buckets: vec![VecDeque::new(); 24],
            iae: [VecDeque::new(), VecDeque::new(), VecDeque::new()],
        },
        releases: vec![Vec::new(); months as usize + 1],
        sirets,
        p_one_day,
        short_ratio: 0.889,
        // 0.9: part-time is more frequent in short, high-turnover jobs than in the stock.
        part_time_norm: 0.9 * if pt_den > 0.0 { pt_num / pt_den } else { 1.0 },
    };
    let _ = &sim.base;

    let bar = if progress {
        let b = indicatif::ProgressBar::new(months as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} months")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b.set_message("generating");
        b
    } else {
        indicatif::ProgressBar::hidden()
    };

    for (i, e) in estabs.iter_mut().enumerate() {
        let mut rs = cell(seed, rng::STOCK, i as u64, 0);
        sim.stock(i, e, &mut rs);
    }
    for m in 0..months {
        sim.update_pool(m);
        let ms = sim.month_start(m);
        let me = sim.month_start(m + 1).add_days(-1);
        for (i, e) in estabs.iter_mut().enumerate() {
            let s = shift.shift(i, m);
            let mut r = Streams {
                hires: cell(seed, rng::HIRES, i as u64, m as u64),
                exits: cell(seed, rng::EXITS, i as u64, m as u64),
                accidents: cell(seed, rng::ACCIDENTS, i as u64, m as u64),
                short: cell(seed, rng::SHORT_CDD, i as u64, m as u64),
            };
            for slot in 0..e.slots as usize {
                while let Some(t) = e.next_free[slot] {
                    if t > me {
                        break;
                    }
                    let at = t.max(ms);
                    sim.core_hire(i, e, slot, at, s, &mut r);
                }
            }
            sim.short_cdds(i, e, ms, me, s, &mut r);
            let mut ri = cell(seed, rng::INTERNSHIPS, i as u64, m as u64);
            sim.internships(i, e, ms, me, s, &mut ri);
        }
        bar.inc(1);
    }
    bar.finish_and_clear();

    let persons: Vec<Person> = sim
        .persons
        .iter()
        .zip(&sim.person_ids)
        .map(|(r, &id)| Person {
            person_id: id,
            sex: r.sex,
            birth_date: r.birth,
            boeth: r.boeth,
        })
        .collect();
    let mut dataset = Dataset {
        coverage: Coverage {
            start,
            end,
            source: Source::Synthetic,
        },
        establishments,
        persons,
        contracts: sim.contracts,
        stoppages: sim.stoppages,
    };
    crate::history::derive_history(&mut dataset);
    dataset.sort();
    truth.sort_by_key(|t| t.siret);
    Ok(Synthetic { dataset, truth })
}
