//! The monthly simulation behind [`super::generate`].
//!
//! Each establishment ([`super::population`]) has `slots` job positions. A slot is a renewal
//! process: a hire (CDI, CDD, work-study, subsidised or CDDI contract) whose whole course is
//! drawn at hire from the establishment's traits at that date ([`super::courses`]), then a
//! vacancy, then the next hire. On top, each establishment draws a monthly flow of short
//! CDDs (mostly rehires from its own former workers, calibration B5), internships (nature
//! 29) and PMSMP immersions (scheme 93). Stoppages are drawn per contract. Hires come from
//! the job-seeker pool ([`super::pool`]).
//!
//! Establishments are processed in index order within each month and people leaving a job
//! join the pool the following month, so the run is sequential and byte-reproducible.

use super::courses::{self, ContractType, HireCtx, Kind};
use super::pool::{HireSource, People, PersonRec, Pools, Release};
use super::population::{self, pick_weighted, sigmoid, Base, Estab, Population};
use super::rng::{self, cell, CellRng};
use super::sectors;
use super::{truth, SynthError, Synthetic, TraitShift};
use crate::config::{Experiment, GeneratorParams};
use crate::date::Date;
use crate::model::*;
use crate::reference::Reference;
use rand::Rng;

/// Everything a contract row needs (see [`Contract`]).
struct ContractSpec {
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
}

/// Whether a hire is far from employment: the publics the score's truth is about.
pub(crate) fn is_fragile(source: HireSource, person: &PersonRec, at: Date) -> bool {
    source != HireSource::Recent || person.boeth || person.birth.age_at(at) >= 50
}

/// Hiring propensities of an establishment at a shift: P(IAE leaver), P(no experience),
/// P(long unemployed), P(under 26), P(50+), P(BOETH).
pub(crate) fn hire_propensities(e: &Estab, l: f64, shift: f64) -> [f64; 6] {
    let t = &e.traits;
    let (iae, noexp, ltu) = if e.iae.is_some() {
        (0.05, 0.15, 0.65)
    } else {
        (
            sigmoid(t.iae + l * shift),
            sigmoid(t.no_experience + l * shift),
            sigmoid(t.long_unemployed + l * shift),
        )
    };
    [
        iae,
        noexp,
        ltu,
        sigmoid(t.young + 0.6 * l * shift),
        sigmoid(t.senior + 0.6 * l * shift),
        sigmoid(t.boeth + l * shift),
    ]
}

/// Age band of a hire of a given source: the few without experience are mostly young.
pub(crate) fn draw_band(rng: &mut CellRng, source: HireSource, young: f64, senior: f64) -> usize {
    if source == HireSource::New {
        return *pick_weighted(rng, &[(0usize, 0.82), (1, 0.16), (2, 0.02)]);
    }
    let v: f64 = rng.random();
    if v < young {
        0
    } else if v > 1.0 - senior {
        2
    } else {
        1
    }
}

/// Occupation of a hire, from the sector family's mix.
pub(crate) fn draw_pcs(e: &Estab, rng: &mut CellRng) -> Pcs {
    let code: &&str = pick_weighted(rng, sectors::occupations(e.sector.family));
    Pcs::new(code).unwrap_or_default()
}

/// The random streams of one establishment in one month, one per purpose.
struct Streams {
    hires: CellRng,
    exits: CellRng,
    accidents: CellRng,
    short: CellRng,
}

struct Sim<'a> {
    p: &'a GeneratorParams,
    start: Date,
    end: Date,
    people: People,
    contracts: Vec<Contract>,
    stoppages: Vec<Stoppage>,
    pools: Pools,
    sirets: Vec<u64>,
    /// Short-CDD duration distribution: P(1 day) and the geometric ratio over 2..=31 days.
    p_one_day: f64,
    short_ratio: f64,
    /// Part-time normalisation so that D2 holds on average over sectors.
    part_time_norm: f64,
}

impl<'a> Sim<'a> {
    fn new(p: &'a GeneratorParams, pop: &Population) -> Sim<'a> {
        let slots: f64 = pop.estabs.iter().map(|e| e.slots as f64).sum();
        let pt_den: f64 = pop
            .estabs
            .iter()
            .map(|e| e.slots as f64 * e.sector.part_time)
            .sum();
        let months = p.total_months();
        // Reserved from the expected volume (stock plus B8 entries, with margin) so the
        // largest tables are not reallocated, which would double peak memory.
        let expected = (slots * (1.0 + 1.15 * p.entry_rate * months as f64 / 12.0)) as usize + 1024;
        Sim {
            p,
            start: p.coverage_start(),
            end: p.coverage_end(),
            people: People::default(),
            contracts: Vec::with_capacity(expected),
            stoppages: Vec::with_capacity(expected / 3),
            pools: Pools::new(months),
            sirets: pop.sirets.clone(),
            // B4: P(1 day) among short CDDs, and a geometric tail over 2..=31 days whose
            // ratio puts the median of all CDDs near 5 days.
            p_one_day: (p.one_day_cdd_share / p.short_cdd_share).min(1.0),
            short_ratio: 0.889,
            // 0.9: part-time is more frequent in short, high-turnover jobs than in the stock.
            part_time_norm: 0.9 * if pt_den > 0.0 { slots / pt_den } else { 1.0 },
        }
    }

    fn month_start(&self, m: u32) -> Date {
        self.start.add_months(m as i32)
    }

    fn push_contract(&mut self, s: ContractSpec) -> usize {
        let (actual_end, end_reason) = match s.end {
            Some((d, r)) if d <= self.end => (Some(d), Some(r)),
            _ => (None, None),
        };
        let pr = self.people.get(s.person);
        let boeth = pr.boeth.then_some(if pr.id % 10 == 0 { 8 } else { 1 });
        let id = self.contracts.len() as u64 + 1;
        self.contracts.push(Contract {
            contract_id: id,
            person_id: pr.id,
            siret: s.siret,
            start: s.start,
            planned_end: s.planned_end,
            actual_end,
            end_reason,
            nature: s.nature,
            scheme: s.scheme,
            iae: s.iae,
            working_time: s.working_time,
            pcs: s.pcs,
            cdd_reason: s.cdd_reason,
            boeth,
            converted_to_cdi: s.converted.filter(|d| *d <= self.end),
            no_prior_employment: false,
            months_since_prev: None,
            prior_long_sick_leave: false,
            prior_iae_or_subsidised: false,
        });
        self.contracts.len() - 1
    }

    /// Schedules a person's return to the pool of `arm` after a contract ends.
    fn release(&mut self, person: u32, end: Date, arm: u8, iae: bool, long_sick: bool) {
        if end >= self.end || self.people.get(person).birth.age_at(end) >= 62 {
            return;
        }
        let m = (end.month_index() - self.start.month_index() + 1) as usize;
        let r = Release {
            person,
            since: end,
            ltu: long_sick,
            iae,
        };
        self.pools.schedule(m, arm, r);
    }

    fn stoppages_for(&mut self, e: &Estab, ci: usize, person: u32, rng: &mut CellRng) -> bool {
        let c = self.contracts[ci];
        let age = self.people.get(person).birth.age_at(c.start);
        courses::stoppages(
            self.p,
            e,
            &c,
            age,
            self.start,
            self.end,
            rng,
            &mut self.stoppages,
        )
    }

    /// Draws the profile of a hire from the establishment's traits (shifted by exposure) and
    /// takes that person from the establishment's pool.
    fn draw_hire(
        &mut self,
        e: &Estab,
        shift: f64,
        rng: &mut CellRng,
        at: Date,
    ) -> (u32, HireSource) {
        let [iae_p, noexp_p, ltu_p, py, ps, pb] = hire_propensities(e, self.p.trait_loading, shift);
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
        let band = draw_band(rng, source, py, ps);
        let l = self.p.trait_loading;
        let pw = sigmoid(e.traits.women + 0.5 * l * shift * (0.5 - e.sector.women).signum());
        let sex = if rng.random::<f64>() < pw {
            sex::FEMALE
        } else {
            sex::MALE
        };
        let boeth = rng.random::<f64>() < pb;
        let Sim { pools, people, .. } = self;
        pools
            .arm(e.arm)
            .take(people, rng, source, band, sex, boeth, at)
    }

    fn part_time(&self, e: &Estab, person: u32, rng: &mut CellRng) -> u8 {
        let base = if self.people.get(person).sex == sex::FEMALE {
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
        let (person, source) = self.draw_hire(e, shift, &mut r.hires, at);
        let pr = self.people.get(person);
        let pcs = draw_pcs(e, &mut r.hires);
        let wt = self.part_time(e, person, &mut r.hires);
        let h = HireCtx {
            p: self.p,
            e,
            person: pr,
            pcs,
            at,
            shift,
            fragile: is_fragile(source, &pr, at),
        };
        let ContractType {
            nature,
            scheme,
            iae,
            reason,
            kind,
        } = courses::contract_type(&h, &mut r.hires);
        let course = courses::course(&h, kind, &mut r.exits);
        let ci = self.push_contract(ContractSpec {
            siret: self.sirets[ei],
            person,
            start: at,
            planned_end: course.planned,
            end: Some(course.end),
            nature,
            scheme,
            iae,
            working_time: wt,
            pcs,
            cdd_reason: reason,
            converted: course.converted,
        });
        let long_sick = self.stoppages_for(e, ci, person, &mut r.accidents);
        let (end_date, end_r) = course.end;
        let is_retire = matches!(
            end_r,
            end_reason::RETIREMENT_EMPLOYEE | end_reason::RETIREMENT_EMPLOYER
        );
        if !is_retire {
            self.release(person, end_date, e.arm, kind == Kind::Cddi, long_sick);
        }
        if kind == Kind::Cdd && e.rehire.len() < (e.slots as usize).max(4) {
            e.rehire.push(person);
        }
        // Vacancy before the slot is filled again.
        let lag = (-(1.0 - r.exits.random::<f64>()).ln() * 20.0) as i32;
        e.next_free[slot] = (end_date < self.end).then(|| end_date.add_days(1 + lag));
    }

    /// Length in days of a short CDD (B3, B4).
    fn short_length(&self, rx: &mut CellRng) -> i32 {
        if rx.random::<f64>() < self.p_one_day {
            return 1;
        }
        let mut d = 2;
        while d < 31 && rx.random::<f64>() < self.short_ratio {
            d += 1;
        }
        d
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
        if e.iae.is_some() || ms < e.creation {
            return;
        }
        let lambda = e.short_rate * (-0.25 * self.p.trait_loading * shift).exp();
        let n = courses::poisson(&mut r.short, lambda);
        let span = ms.days_until(me) + 1;
        for _ in 0..n {
            let rs = &mut r.short;
            let start = ms.add_days(rs.random_range(0..span));
            let person = if !e.rehire.is_empty() && rs.random::<f64>() < self.p.rehire_share {
                e.rehire[rs.random_range(0..e.rehire.len())]
            } else {
                let (p, _) = self.draw_hire(e, shift, rs, start);
                if e.rehire.len() < (e.slots as usize * 2).max(6) {
                    e.rehire.push(p);
                }
                p
            };
            let end = start.add_days(self.short_length(&mut r.exits) - 1);
            let pcs = draw_pcs(e, &mut r.short);
            let wt = self.part_time(e, person, &mut r.short);
            let reason = *pick_weighted(&mut r.short, &[(1u8, 0.45), (2, 0.45), (3, 0.10)]);
            let ci = self.push_contract(ContractSpec {
                siret: self.sirets[ei],
                person,
                start,
                planned_end: Some(end),
                end: Some((end, end_reason::FIN_CDD)),
                nature: nature::CDD,
                scheme: scheme::NONE,
                iae: None,
                working_time: wt,
                pcs,
                cdd_reason: Some(reason),
                converted: None,
            });
            self.stoppages_for(e, ci, person, &mut r.accidents);
        }
    }

    /// A person for an internship (a young newcomer) or an immersion (a long-term unemployed
    /// job seeker when there is one, who keeps their spell).
    fn trainee(
        &mut self,
        e: &Estab,
        immersion: bool,
        at: Date,
        ri: &mut CellRng,
    ) -> (u32, Option<Date>) {
        let sex = if ri.random::<f64>() < e.sector.women {
            sex::FEMALE
        } else {
            sex::MALE
        };
        if !immersion {
            return (self.people.new_person(ri, 0, sex, false, at), None);
        }
        let band = *pick_weighted(ri, &[(0usize, 0.3), (1, 0.55), (2, 0.15)]);
        match self.pools.arm(e.arm).take_for_immersion(band, sex) {
            Some((p, since)) => (p, Some(since)),
            None => (self.people.new_person(ri, band, sex, false, at), None),
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
            for _ in 0..courses::poisson(ri, rate * scale) {
                let start = ms.add_days(ri.random_range(0..span));
                let immersion = scheme_code == scheme::PMSMP;
                let (person, back) = self.trainee(e, immersion, start, ri);
                let d = if immersion {
                    ri.random_range(5..31)
                } else {
                    ri.random_range(30..183)
                };
                let end = start.add_days(d - 1);
                let pcs = draw_pcs(e, ri);
                self.push_contract(ContractSpec {
                    siret: self.sirets[ei],
                    person,
                    start,
                    planned_end: Some(end),
                    end: Some((end, end_reason::FIN_CDD)),
                    nature: nature::STAGE,
                    scheme: scheme_code,
                    iae: None,
                    working_time: working_time::FULL_TIME,
                    pcs,
                    cdd_reason: None,
                    converted: None,
                });
                if let Some(since) = back {
                    let pr = self.people.get(person);
                    self.pools
                        .arm(e.arm)
                        .return_immersed(pr, person, since, start);
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
        for slot in 0..e.slots as usize {
            let band = *pick_weighted(rs, &[(0usize, 0.12), (1, 0.58), (2, 0.30)]);
            let sex = if rs.random::<f64>() < sigmoid(e.traits.women) {
                sex::FEMALE
            } else {
                sex::MALE
            };
            let boeth = rs.random::<f64>() < sigmoid(e.traits.boeth_stock);
            let person = self.people.new_person(rs, band, sex, boeth, self.start);
            let pcs = draw_pcs(e, rs);
            let wt = self.part_time(e, person, rs);
            let ci = if e.iae.is_none() && rs.random::<f64>() < 0.88 {
                self.stock_cdi(ei, e, slot, person, pcs, wt, rs)
            } else {
                self.stock_cdd(ei, e, slot, person, pcs, wt, rs)
            };
            self.stoppages_for(e, ci, person, rs);
        }
    }

    #[allow(clippy::too_many_arguments)] // one stock contract
    fn stock_cdi(
        &mut self,
        ei: usize,
        e: &mut Estab,
        slot: usize,
        person: u32,
        pcs: Pcs,
        wt: u8,
        rs: &mut CellRng,
    ) -> usize {
        let pr = self.people.get(person);
        let tenure = (-(1.0 - rs.random::<f64>()).ln() * 6.0 * 365.25) as i32 + 1;
        let adult = pr.birth.add_months(12 * 18);
        let start = self
            .start
            .add_days(-tenure)
            .max(e.creation)
            .max(adult)
            .min(self.start.add_days(-1));
        let sep = e.traits.separation;
        let (d, r) = courses::cdi_course(self.p, e, pr, pcs, self.start, sep, rs, false);
        let end = self.start.add_days(d);
        let ci = self.push_contract(ContractSpec {
            siret: self.sirets[ei],
            person,
            start,
            planned_end: None,
            end: Some((end, r)),
            nature: nature::CDI,
            scheme: scheme::NONE,
            iae: None,
            working_time: wt,
            pcs,
            cdd_reason: None,
            converted: None,
        });
        e.next_free[slot] = (end < self.end).then(|| end.add_days(1 + rs.random_range(0..40)));
        if !matches!(
            r,
            end_reason::RETIREMENT_EMPLOYEE | end_reason::RETIREMENT_EMPLOYER
        ) {
            self.release(person, end, e.arm, false, false);
        }
        ci
    }

    #[allow(clippy::too_many_arguments)] // one stock contract
    fn stock_cdd(
        &mut self,
        ei: usize,
        e: &mut Estab,
        slot: usize,
        person: u32,
        pcs: Pcs,
        wt: u8,
        rs: &mut CellRng,
    ) -> usize {
        let start = self.start.add_days(-rs.random_range(1..200));
        let end = self.start.add_days(rs.random_range(1..300));
        let (scheme_code, iae, reason) = match e.iae {
            Some(code) => (scheme::CDDI, Some(code), Some(9)),
            None => (scheme::NONE, None, Some(2)),
        };
        let ci = self.push_contract(ContractSpec {
            siret: self.sirets[ei],
            person,
            start,
            planned_end: Some(end),
            end: Some((end, end_reason::FIN_CDD)),
            nature: nature::CDD,
            scheme: scheme_code,
            iae,
            working_time: wt,
            pcs,
            cdd_reason: reason,
            converted: None,
        });
        e.next_free[slot] = Some(end.add_days(1 + rs.random_range(0..40)));
        self.release(person, end, e.arm, iae.is_some(), false);
        ci
    }

    /// One month of one establishment: core hires into free slots, short CDDs, internships.
    fn month(&mut self, seed: u64, i: usize, e: &mut Estab, m: u32, shift: f64) {
        let ms = self.month_start(m);
        let me = self.month_start(m + 1).add_days(-1);
        let (a, b) = (i as u64, m as u64);
        let mut r = Streams {
            hires: cell(seed, rng::HIRES, a, b),
            exits: cell(seed, rng::EXITS, a, b),
            accidents: cell(seed, rng::ACCIDENTS, a, b),
            short: cell(seed, rng::SHORT_CDD, a, b),
        };
        for slot in 0..e.slots as usize {
            while let Some(t) = e.next_free[slot] {
                if t > me {
                    break;
                }
                self.core_hire(i, e, slot, t.max(ms), shift, &mut r);
            }
        }
        self.short_cdds(i, e, ms, me, shift, &mut r);
        let mut ri = cell(seed, rng::INTERNSHIPS, a, b);
        self.internships(i, e, ms, me, shift, &mut ri);
    }

    /// The whole simulation: stock, then every month of every establishment.
    fn run(&mut self, seed: u64, estabs: &mut [Estab], shift: &dyn TraitShift, progress: bool) {
        let months = self.p.total_months();
        let bar = progress_bar(progress, months);
        for (i, e) in estabs.iter_mut().enumerate() {
            let mut rs = cell(seed, rng::STOCK, i as u64, 0);
            self.stock(i, e, &mut rs);
        }
        for m in 0..months {
            let ms = self.month_start(m);
            self.pools.update(m, ms, &self.people);
            for (i, e) in estabs.iter_mut().enumerate() {
                self.month(seed, i, e, m, shift.shift(i, m));
            }
            bar.inc(1);
        }
        bar.finish_and_clear();
    }
}

fn progress_bar(progress: bool, months: u32) -> indicatif::ProgressBar {
    if !progress {
        return indicatif::ProgressBar::hidden();
    }
    let b = indicatif::ProgressBar::new(months as u64);
    b.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} months")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    b.set_message("generating");
    b
}

/// Runs the simulation with an exposure shift (see [`TraitShift`]).
pub fn generate_with_shift(
    exp: &Experiment,
    reference: &Reference,
    shift: &dyn TraitShift,
    progress: bool,
) -> Result<Synthetic, SynthError> {
    let p = &exp.generator;
    let base = Base::new(p);
    let mut pop = population::draw(exp, reference, &base)?;
    for (i, e) in pop.estabs.iter_mut().enumerate() {
        e.arm = shift.pool_arm(i);
    }
    truth::fill_outcomes(exp, &pop.estabs, &mut pop.truth);
    let mut sim = Sim::new(p, &pop);
    sim.run(exp.seed, &mut pop.estabs, shift, progress);
    let Population {
        establishments,
        mut truth,
        ..
    } = pop;
    let persons: Vec<Person> = sim
        .people
        .recs
        .iter()
        .map(|r| Person {
            person_id: r.id,
            sex: r.sex,
            birth_date: r.birth,
            boeth: r.boeth,
        })
        .collect();
    let mut dataset = Dataset {
        coverage: Coverage {
            start: sim.start,
            end: sim.end,
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
