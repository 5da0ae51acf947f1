//! The job seekers' side: the people hired, and the pool they return to between jobs.
//!
//! People leaving a job join the pool at the start of the following month, bucketed by age
//! band × sex × BOETH × long unemployment (IAE leavers in their own queues). A spell reaching
//! 12 months becomes long-term unemployment; after three years without a contract people
//! leave the labour market; IAE leavers not rehired within a year leave the IAE queue.
//! Establishments hire from the pool according to their traits, so that a
//! history flag derived from the corpus (`history`) means what it says.
//!
//! **Arms.** Normally every establishment shares one pool: an establishment that hires more
//! long-term unemployed leaves fewer for the others — the pool spillover of an exposure
//! study. A study can give the exposed arm its own pool ([`crate::synth::TraitShift`]'s
//! `pool_arm`), so that the other establishments' draws do not depend on the exposed ones.
//!
//! Person ids are drawn from the random stream of the cell that creates the person, not from
//! a global counter, so the same cell creates the same person, with the same id, in every
//! world of an experiment.

use super::rng::CellRng;
use crate::date::Date;
use crate::model::sex;
use rand::{Rng, RngCore};
use std::collections::{HashSet, VecDeque};

/// One person of the generated population.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PersonRec {
    pub sex: u8,
    pub birth: Date,
    pub boeth: bool,
    /// Pseudonymous id (63 bits).
    pub id: u64,
}

/// Everyone ever hired, in creation order.
#[derive(Default)]
pub(crate) struct People {
    pub recs: Vec<PersonRec>,
    ids: HashSet<u64>,
}

/// Age bounds (years) of the age bands 0 = under 26, 1 = 26–49, 2 = 50+.
pub(crate) fn band_ages(band: usize) -> (i32, i32) {
    match band {
        0 => (17, 25),
        1 => (26, 49),
        _ => (50, 62),
    }
}

/// Birth date of a person of age band `band` at `at`.
pub(crate) fn draw_birth<R: Rng + ?Sized>(rng: &mut R, band: usize, at: Date) -> Date {
    let (lo, hi) = band_ages(band);
    at.add_days(-rng.random_range(lo * 365..(hi + 1) * 365 - 1))
}

impl People {
    pub fn get(&self, i: u32) -> PersonRec {
        self.recs[i as usize]
    }

    /// Creates a person of the given profile; returns its index.
    pub fn new_person(
        &mut self,
        rng: &mut CellRng,
        band: usize,
        sex: u8,
        boeth: bool,
        at: Date,
    ) -> u32 {
        let birth = draw_birth(rng, band, at);
        let mut id = rng.next_u64() >> 1;
        while !self.ids.insert(id) {
            id = rng.next_u64() >> 1;
        }
        self.recs.push(PersonRec {
            sex,
            birth,
            boeth,
            id,
        });
        (self.recs.len() - 1) as u32
    }
}

/// Where a hire comes from, as drawn from the establishment's traits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HireSource {
    /// Leaving an IAE structure.
    IaeLeaver,
    /// No prior employment.
    New,
    /// Twelve months or more without a contract (or a long sick leave).
    LongUnemployed,
    /// A recent job seeker.
    Recent,
}

/// A release of a person into the pool at the start of a month.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Release {
    pub person: u32,
    pub since: Date,
    pub ltu: bool,
    pub iae: bool,
}

pub(crate) fn bucket(age: usize, sex: u8, boeth: bool, ltu: bool) -> usize {
    ((age * 2 + usize::from(sex == sex::FEMALE)) * 2 + usize::from(boeth)) * 2 + usize::from(ltu)
}

pub(crate) fn age_band(birth: Date, at: Date) -> usize {
    match birth.age_at(at) {
        a if a < 26 => 0,
        a if a < 50 => 1,
        _ => 2,
    }
}

/// Job seekers of one arm.
pub(crate) struct Pool {
    buckets: Vec<VecDeque<(u32, Date)>>,
    iae: [VecDeque<(u32, Date)>; 3],
}

impl Pool {
    fn new() -> Pool {
        Pool {
            buckets: vec![VecDeque::new(); 24],
            iae: [VecDeque::new(), VecDeque::new(), VecDeque::new()],
        }
    }

    /// Finds the person for a hire with the drawn profile, falling back from IAE leaver to
    /// long unemployed, recent job seeker and finally a new person. Returns the person and
    /// the source actually used.
    #[allow(clippy::too_many_arguments)] // one hire's profile
    pub fn take(
        &mut self,
        people: &mut People,
        rng: &mut CellRng,
        source: HireSource,
        band: usize,
        sex: u8,
        boeth: bool,
        at: Date,
    ) -> (u32, HireSource) {
        let mut source = source;
        loop {
            match source {
                HireSource::IaeLeaver => {
                    if let Some((p, _)) = self.iae[band].pop_back() {
                        return (p, source);
                    }
                    source = HireSource::LongUnemployed;
                }
                HireSource::LongUnemployed => {
                    let q = &mut self.buckets[bucket(band, sex, boeth, true)];
                    if !q.is_empty() {
                        let i = rng.random_range(0..q.len());
                        if let Some((p, _)) = q.swap_remove_back(i) {
                            return (p, source);
                        }
                    }
                    source = HireSource::Recent;
                }
                HireSource::Recent => {
                    if let Some((p, _)) = self.buckets[bucket(band, sex, boeth, false)].pop_back() {
                        return (p, source);
                    }
                    source = HireSource::New;
                }
                HireSource::New => return (people.new_person(rng, band, sex, boeth, at), source),
            }
        }
    }

    /// A long-term unemployed person for an immersion (they keep their spell).
    pub fn take_for_immersion(&mut self, band: usize, sex: u8) -> Option<(u32, Date)> {
        self.buckets[bucket(band, sex, false, true)].pop_back()
    }

    /// Puts an immersed person back at the front of their queue.
    pub fn return_immersed(&mut self, person: PersonRec, index: u32, since: Date, at: Date) {
        let b = bucket(age_band(person.birth, at), person.sex, person.boeth, true);
        self.buckets[b].push_front((index, since));
    }

    fn put(&mut self, people: &People, r: Release, at: Date) {
        let pr = people.get(r.person);
        let band = age_band(pr.birth, at);
        if r.iae {
            self.iae[band].push_back((r.person, r.since));
        } else {
            self.buckets[bucket(band, pr.sex, pr.boeth, r.ltu)].push_back((r.person, r.since));
        }
    }

    /// Ages unemployment spells at the start of month `at`.
    fn age(&mut self, at: Date) {
        let year_ago = at.add_months(-12);
        let three_years_ago = at.add_months(-36);
        for b in 0..self.buckets.len() {
            if b % 2 == 0 {
                // Short spells reaching 12 months become long-term unemployment.
                while let Some(&(p, since)) = self.buckets[b].front() {
                    if since > year_ago {
                        break;
                    }
                    self.buckets[b].pop_front();
                    self.buckets[b + 1].push_back((p, since));
                }
            } else {
                // After three years without a contract people leave the labour market.
                while let Some(&(_, since)) = self.buckets[b].front() {
                    if since > three_years_ago {
                        break;
                    }
                    self.buckets[b].pop_front();
                }
            }
        }
        for q in &mut self.iae {
            while let Some(&(_, since)) = q.front() {
                if since > year_ago {
                    break;
                }
                q.pop_front();
            }
        }
    }
}

/// The pools of every arm, and the releases scheduled for each month.
pub(crate) struct Pools {
    arms: Vec<Pool>,
    releases: Vec<Vec<(u8, Release)>>,
}

impl Pools {
    pub fn new(months: u32) -> Pools {
        Pools {
            arms: vec![Pool::new(), Pool::new()],
            releases: vec![Vec::new(); months as usize + 1],
        }
    }

    pub fn arm(&mut self, arm: u8) -> &mut Pool {
        &mut self.arms[usize::from(arm.min(1))]
    }

    /// Schedules a release for the start of month `month` (ignored beyond the simulation).
    pub fn schedule(&mut self, month: usize, arm: u8, release: Release) {
        if let Some(v) = self.releases.get_mut(month) {
            v.push((arm, release));
        }
    }

    /// Moves month `m`'s releases into their pools and ages every pool.
    pub fn update(&mut self, m: u32, at: Date, people: &People) {
        let releases = std::mem::take(&mut self.releases[m as usize]);
        for (arm, r) in releases {
            self.arm(arm).put(people, r, at);
        }
        for pool in &mut self.arms {
            pool.age(at);
        }
    }
}
