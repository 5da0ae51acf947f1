//! Per-establishment, per-period indicators of inclusive hiring.
//!
//! An indicator row counts, for one establishment (SIRET) and one period, the events that the
//! score's criteria are made of. A period is a rolling window of `window_months` months
//! (default 12) ending on the last day of a month that is a multiple of `step_months`
//! (default 3: quarterly, labelled `2023T4` for the window ending 2023-12-31).
//!
//! **Definitions** (all dates compared as calendar days; "in the window" = between the
//! window's first and last day, inclusive):
//! - *Employment contract*: any contract except internships (nature 29) and PMSMP immersions
//!   (scheme 93), as in [`crate::history`]. Interim and CDI-intermittent count.
//! - *Hire*: an employment contract whose start date is in the window. Immersions and
//!   internships are not hires; they feed the "internships and immersions hosted" criterion.
//! - *New hire*: a hire that is not a *rehire*, i.e. the person had no employment contract in
//!   the same establishment running or ended within the 12 months before the start. 84% of
//!   short CDDs go to former employees (calibration B5): counting them would make every share
//!   below mostly measure the volume of short rehires, not the establishment's choices of whom
//!   to hire. Hiring profiles, the CDI share and early ruptures are therefore shares among new
//!   hires; turnover counts every hire (DARES definition).
//! - *Headcount*: mean over the window's months of the month-end headcount, i.e. employment
//!   contracts running on the month's last day (started on or before it, not ended before it).
//!   *FTE*: the same with part-time contracts (40.014 = 20, 41, 42) counted as 0.5 — DSN
//!   carries the contractual hours (40.013) but the tables do not, so 0.5 is the documented
//!   approximation (the mean part-time quotity in France is about 0.6 according to Dares).
//! - Hiring profiles are shares among new hires (part-time included): women (person sex 2); no
//!   experience (`no_prior_employment`, or the first employment contract of that person in that
//!   PCS-ESE code — earlier contracts with the same start date do not count); long
//!   unemployment (`months_since_prev` ≥ 12 or `prior_long_sick_leave`); under 26 and 50 or more
//!   (completed years at the start date); BOETH (40.072 present on the contract); from IAE or
//!   subsidised contracts (`prior_iae_or_subsidised`); on a subsidised (PEC/CUI, CDDI) or
//!   work-study (apprenticeship, professionalisation) scheme.
//! - Contract criteria exclude part-time contracts: CDI share among full-time new hires; the
//!   length (days, both ends counted) of full-time CDDs that ended in the window (completed
//!   spells, so no censoring), mean and median; CDD→CDI conversions as a share of full-time CDD
//!   outcomes in the window (a conversion dated in the window, or an end in the window);
//!   internships and immersions (nature 29 or scheme 93, full-time) starting in the window,
//!   per 100 employees per year.
//! - Durability: turnover (DARES) = (hires + exits) / 2 / headcount, per year, where exits are
//!   real ends ([`end_reason::is_real_exit`]) of employment contracts in the window; early
//!   ruptures = share of new hires with a trial-period end, dismissal or resignation within 6
//!   months of the start, among new hires whose 6-month follow-up ends in the window (started between the
//!   window start minus 6 months and the window end minus 6 months), so the follow-up is always
//!   complete at the window's end; AT/MP frequency = stoppages with reason 05 or 06 starting in
//!   the window, per 1,000 employees per year.
//!
//! Hire-based counts are kept by occupation group (PCS-ESE category: ≤3 managers and
//! artisans, 4 intermediate, 5 employees, 6+ workers) so the score can standardise them
//! indirectly by occupation. The computation is one pass over each establishment's contracts
//! (each event touches the `window/step` periods containing it): linear in the number of
//! contracts, parallel over establishments.

use crate::date::Date;
use crate::model::{
    end_reason, nature, scheme, sex, stoppage_reason, Contract, Coverage, Dataset, Pcs,
};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Number of occupation groups used for indirect standardisation.
pub const N_OCC: usize = 4;

/// Occupation group of a PCS-ESE code: 0 managers/artisans (≤3), 1 intermediate (4),
/// 2 employees (5), 3 workers and unknown (6+).
pub fn occ_group(pcs: Pcs) -> usize {
    match pcs.category() {
        0..=3 => 0,
        4 => 1,
        5 => 2,
        _ => 3,
    }
}

/// Months of follow-up after a hire for the early-rupture criterion.
pub const EARLY_RUPTURE_MONTHS: i32 = 6;

/// The scoring criteria, in the order of every per-criterion array.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    WomenBalance,
    NoExperience,
    LongUnemployed,
    // Serialised names are the config keys (`Criterion::name`), everywhere.
    #[serde(rename = "under_26")]
    Under26,
    #[serde(rename = "over_50")]
    Over50,
    Boeth,
    FromIae,
    SubsidisedContract,
    CdiShare,
    CddMeanDays,
    CddMedianDays,
    #[serde(rename = "cdd_cdi_conversions")]
    Conversions,
    Internships,
    Turnover,
    EarlyRuptures,
    AtMpFrequency,
}

/// All criteria in array order.
pub const CRITERIA: [Criterion; Criterion::COUNT] = [
    Criterion::WomenBalance,
    Criterion::NoExperience,
    Criterion::LongUnemployed,
    Criterion::Under26,
    Criterion::Over50,
    Criterion::Boeth,
    Criterion::FromIae,
    Criterion::SubsidisedContract,
    Criterion::CdiShare,
    Criterion::CddMeanDays,
    Criterion::CddMedianDays,
    Criterion::Conversions,
    Criterion::Internships,
    Criterion::Turnover,
    Criterion::EarlyRuptures,
    Criterion::AtMpFrequency,
];

/// Denominator of a share criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denom {
    /// New hires (hires that are not rehires, see [`rehires`]).
    NewHires = 0,
    /// Full-time new hires.
    FullTimeNewHires = 1,
    CddOutcomes = 2,
    EarlyHires = 3,
}

/// What kind of quantity a criterion is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// A share of persons (binomial): numerator and denominator by occupation.
    Share(Denom),
    /// Events per employee-year, times `per` (Poisson).
    Rate { per: f64 },
    /// A length in days (continuous).
    Days,
}

impl Criterion {
    pub const COUNT: usize = 16;
    /// Number of share criteria (they come first, then CDI share, conversions, ruptures).
    pub const N_SHARE: usize = 11;

    pub fn name(self) -> &'static str {
        match self {
            Criterion::WomenBalance => "women_balance",
            Criterion::NoExperience => "no_experience",
            Criterion::LongUnemployed => "long_unemployed",
            Criterion::Under26 => "under_26",
            Criterion::Over50 => "over_50",
            Criterion::Boeth => "boeth",
            Criterion::FromIae => "from_iae",
            Criterion::SubsidisedContract => "subsidised_contract",
            Criterion::CdiShare => "cdi_share",
            Criterion::CddMeanDays => "cdd_mean_days",
            Criterion::CddMedianDays => "cdd_median_days",
            Criterion::Conversions => "cdd_cdi_conversions",
            Criterion::Internships => "internships",
            Criterion::Turnover => "turnover",
            Criterion::EarlyRuptures => "early_ruptures",
            Criterion::AtMpFrequency => "at_mp_frequency",
        }
    }

    pub fn from_name(s: &str) -> Option<Criterion> {
        CRITERIA.into_iter().find(|c| c.name() == s)
    }

    pub fn kind(self) -> Kind {
        use Criterion::*;
        match self {
            WomenBalance | NoExperience | LongUnemployed | Under26 | Over50 | Boeth | FromIae
            | SubsidisedContract => Kind::Share(Denom::NewHires),
            CdiShare => Kind::Share(Denom::FullTimeNewHires),
            Conversions => Kind::Share(Denom::CddOutcomes),
            EarlyRuptures => Kind::Share(Denom::EarlyHires),
            CddMeanDays | CddMedianDays => Kind::Days,
            Internships => Kind::Rate { per: 100.0 },
            Turnover => Kind::Rate { per: 1.0 },
            AtMpFrequency => Kind::Rate { per: 1000.0 },
        }
    }

    /// +1 when more is better, −1 for the durability criteria.
    pub fn direction(self) -> f64 {
        match self {
            Criterion::Turnover | Criterion::EarlyRuptures | Criterion::AtMpFrequency => -1.0,
            _ => 1.0,
        }
    }

    /// Slot in [`IndicatorRow::share_num`], for share criteria.
    pub fn share_slot(self) -> Option<usize> {
        use Criterion::*;
        match self {
            WomenBalance | NoExperience | LongUnemployed | Under26 | Over50 | Boeth | FromIae
            | SubsidisedContract => Some(self as usize),
            CdiShare => Some(8),
            Conversions => Some(9),
            EarlyRuptures => Some(10),
            _ => None,
        }
    }

    /// Criteria whose small counts describe sensitive traits (health, unemployment, IAE):
    /// never cited for an establishment unless both counts reach the person threshold.
    pub fn is_sensitive(self) -> bool {
        matches!(
            self,
            Criterion::Boeth | Criterion::LongUnemployed | Criterion::FromIae
        )
    }
}

/// One evaluation period: a window of whole months.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    /// Position in the period list (0 = earliest).
    pub index: u32,
    /// `2023T4` for a window ending at a quarter's end, `2023M07` otherwise.
    pub label: String,
    /// First day of the window.
    pub start: Date,
    /// Last day of the window.
    pub end: Date,
}

/// Errors of the indicator stage.
#[derive(Debug, thiserror::Error)]
pub enum IndicatorError {
    #[error("no complete {window}-month window with {history} months of prior history fits in the corpus {start} .. {end}")]
    NoPeriod {
        window: u32,
        history: u32,
        start: Date,
        end: Date,
    },
}

fn period_label(end: Date) -> String {
    let (y, m, _) = end.ymd();
    if m % 3 == 0 {
        format!("{y}T{}", m / 3)
    } else {
        format!("{y}M{m:02}")
    }
}

/// The evaluation periods of a corpus: every window of `window_months` ending on a month
/// that is a multiple of `step_months`, lying inside the coverage and starting at least
/// `min_history_months` after the coverage start.
pub fn periods(
    coverage: &Coverage,
    window_months: u32,
    step_months: u32,
    min_history_months: u32,
) -> Result<Vec<Period>, IndicatorError> {
    let first_start = coverage.start.add_months(min_history_months as i32);
    let first_start_mi = if first_start.first_of_month() == first_start {
        first_start.month_index()
    } else {
        first_start.month_index() + 1
    };
    let last_end_mi = if coverage.end.last_of_month() == coverage.end {
        coverage.end.month_index()
    } else {
        coverage.end.month_index() - 1
    };
    let mut out = Vec::new();
    let w = window_months as i32;
    let mut e = first_start_mi + w - 1;
    while e <= last_end_mi {
        if (e.rem_euclid(12) + 1) % step_months as i32 == 0 {
            let end = Date::from_month_index(e + 1).add_days(-1);
            out.push(Period {
                index: out.len() as u32,
                label: period_label(end),
                start: Date::from_month_index(e - w + 1),
                end,
            });
        }
        e += 1;
    }
    if out.is_empty() {
        return Err(IndicatorError::NoPeriod {
            window: window_months,
            history: min_history_months,
            start: coverage.start,
            end: coverage.end,
        });
    }
    Ok(out)
}

/// Counts of one establishment over one period. Share numerators and denominators are kept
/// by occupation group (see [`occ_group`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorRow {
    /// SIRET.
    pub siret: u64,
    /// Index into [`Indicators::periods`].
    pub period: u32,
    /// Mean month-end headcount over the window.
    pub headcount: f64,
    /// Mean month-end full-time equivalent (part-time = 0.5).
    pub fte: f64,
    /// Hires in the window (employment contracts starting in it).
    pub hires: u32,
    /// New hires (not rehires) in the window.
    pub new_hires: u32,
    /// Part-time hires (excluded from the contract criteria).
    pub part_time_hires: u32,
    /// Real exits of employment contracts in the window.
    pub exits: u32,
    /// Share numerators by criterion slot ([`Criterion::share_slot`]) and occupation group.
    pub share_num: [[u32; N_OCC]; Criterion::N_SHARE],
    /// Share denominators by [`Denom`] and occupation group.
    pub share_den: [[u32; N_OCC]; 4],
    /// New hires in at least one sensitive category ([`Criterion::is_sensitive`]: long
    /// unemployment, BOETH, IAE): the persons behind the pooled "far from employment" block.
    #[serde(default)]
    pub sensitive_any: u32,
    /// Full-time CDDs completed in the window.
    pub cdd_completed: u32,
    /// Sum of their lengths in days.
    pub cdd_days_sum: f64,
    /// Sum of squared lengths (for the standard error of the mean).
    pub cdd_days_sumsq: f64,
    /// Median length in days (`None` without completed CDD).
    pub cdd_days_median: Option<f64>,
    /// Internships and immersions (full-time) starting in the window.
    pub internships: u32,
    /// AT/MP stoppages starting in the window.
    pub at_mp: u32,
}

impl IndicatorRow {
    fn empty(siret: u64, period: u32) -> Self {
        IndicatorRow {
            siret,
            period,
            headcount: 0.0,
            fte: 0.0,
            hires: 0,
            new_hires: 0,
            part_time_hires: 0,
            exits: 0,
            share_num: [[0; N_OCC]; Criterion::N_SHARE],
            share_den: [[0; N_OCC]; 4],
            sensitive_any: 0,
            cdd_completed: 0,
            cdd_days_sum: 0.0,
            cdd_days_sumsq: 0.0,
            cdd_days_median: None,
            internships: 0,
            at_mp: 0,
        }
    }

    /// Denominator total of a share kind.
    pub fn den_total(&self, d: Denom) -> u32 {
        self.share_den[d as usize].iter().sum()
    }

    /// The count behind a criterion, and its denominator: persons for shares, completed
    /// CDDs for lengths, employee-years (headcount × window/12) for rates.
    pub fn counts(&self, c: Criterion, window_months: u32) -> (f64, f64) {
        let years = window_months as f64 / 12.0;
        match c.kind() {
            Kind::Share(d) => {
                let slot = c.share_slot().unwrap_or(0);
                (
                    self.share_num[slot].iter().sum::<u32>() as f64,
                    self.den_total(d) as f64,
                )
            }
            Kind::Days => (self.cdd_days_sum, self.cdd_completed as f64),
            Kind::Rate { .. } => {
                let x = match c {
                    Criterion::Internships => self.internships as f64,
                    Criterion::Turnover => (self.hires + self.exits) as f64 / 2.0,
                    _ => self.at_mp as f64,
                };
                (x, self.headcount * years)
            }
        }
    }

    /// The criterion's raw value in natural units: a share in [0, 1], days, or events per
    /// employee-year × `per` (per 100 for internships, per 1 for turnover, per 1,000 for
    /// AT/MP). `None` when the denominator is zero.
    pub fn value(&self, c: Criterion, window_months: u32) -> Option<f64> {
        let (x, n) = self.counts(c, window_months);
        if n <= 0.0 {
            return None;
        }
        match c.kind() {
            Kind::Share(_) => Some(x / n),
            Kind::Days if c == Criterion::CddMedianDays => self.cdd_days_median,
            Kind::Days => Some(x / n),
            Kind::Rate { per } => Some(per * x / n),
        }
    }
}

/// Indicators of a whole dataset.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Indicators {
    /// The evaluation periods.
    pub periods: Vec<Period>,
    /// Window length in months.
    pub window_months: u32,
    /// Rows sorted by SIRET then period; only (establishment, period) pairs with a headcount,
    /// a hire or a hosted internship appear.
    pub rows: Vec<IndicatorRow>,
}

/// Months before a start within which an earlier contract in the same establishment makes a
/// hire a rehire.
pub const REHIRE_MONTHS: i32 = 12;

/// Per-contract flags derived from each person's earlier contracts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonFlags {
    /// First employment contract of the person in its PCS-ESE category (first digit: managers,
    /// intermediate, employees, workers...); contracts sharing the earliest start all count.
    pub first_in_occupation: Vec<bool>,
    /// Rehire: the person had an earlier-starting employment contract in the same
    /// establishment still running at this start or ended less than [`REHIRE_MONTHS`] months
    /// before it.
    pub rehire: Vec<bool>,
}

/// Computes [`PersonFlags`] with one sort of compact keys (person, start, index) — no
/// indirect key lookups while sorting, which matters at 30 million contracts — then one
/// chronological pass per person. Contracts sharing a start date are not each other's history.
pub fn person_flags(contracts: &[Contract]) -> PersonFlags {
    /// Everything the pass needs, so that it never goes back to the (siret-ordered) contracts.
    #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    struct Key {
        person: u64,
        start: i32,
        idx: u32,
        siret: u64,
        /// End day, `i32::MAX` while running.
        end: i32,
        cat: u8,
    }
    let mut keys: Vec<Key> = contracts
        .iter()
        .enumerate()
        .filter(|(_, c)| is_employment(c))
        .map(|(i, c)| Key {
            person: c.person_id,
            start: c.start.0,
            idx: i as u32,
            siret: c.siret,
            end: c.actual_end.map_or(i32::MAX, |d| d.0),
            cat: c.pcs.category().min(31),
        })
        .collect();
    keys.par_sort_unstable_by_key(|k| (k.person, k.start, k.idx));
    let mut first = vec![false; contracts.len()];
    let mut rehire = vec![false; contracts.len()];
    // Per person: categories seen (bit mask) and, per establishment, the latest end so far.
    let mut seen_sirets: Vec<(u64, i32)> = Vec::new();
    let mut k = 0;
    while k < keys.len() {
        let person = keys[k].person;
        let mut seen_cat: u32 = 0;
        seen_sirets.clear();
        while k < keys.len() && keys[k].person == person {
            let start = keys[k].start;
            let mut e = k;
            while e < keys.len() && keys[e].person == person && keys[e].start == start {
                e += 1;
            }
            let limit = Date(start).add_months(-REHIRE_MONTHS).0;
            for key in &keys[k..e] {
                first[key.idx as usize] = seen_cat & (1 << key.cat) == 0;
                rehire[key.idx as usize] = seen_sirets
                    .iter()
                    .any(|&(s, end)| s == key.siret && end >= limit);
            }
            for key in &keys[k..e] {
                seen_cat |= 1 << key.cat;
                match seen_sirets.iter_mut().find(|(s, _)| *s == key.siret) {
                    Some((_, end)) => *end = (*end).max(key.end),
                    None => seen_sirets.push((key.siret, key.end)),
                }
            }
            k = e;
        }
    }
    PersonFlags {
        first_in_occupation: first,
        rehire,
    }
}

/// For each contract, whether it is the person's first employment contract in its PCS-ESE
/// category (see [`person_flags`]).
pub fn first_in_occupation(contracts: &[Contract]) -> Vec<bool> {
    person_flags(contracts).first_in_occupation
}

/// For each contract, whether it is a rehire (see [`person_flags`]).
pub fn rehires(contracts: &[Contract]) -> Vec<bool> {
    person_flags(contracts).rehire
}

fn is_employment(c: &Contract) -> bool {
    c.nature != nature::STAGE && c.scheme != scheme::PMSMP
}

/// Regular period grid on month indices, to find the periods containing a month quickly.
#[derive(Clone, Copy)]
struct Grid {
    first_end: i32,
    step: i32,
    window: i32,
    n: i32,
}

impl Grid {
    /// Periods whose window contains month `m`.
    fn containing(&self, m: i32) -> std::ops::Range<usize> {
        // end_p = first_end + p·step; need end_p ≥ m and end_p − window + 1 ≤ m.
        let lo = (m - self.first_end).div_euclid(self.step)
            + i32::from((m - self.first_end).rem_euclid(self.step) != 0);
        let hi = (m + self.window - 1 - self.first_end).div_euclid(self.step);
        let lo = lo.max(0);
        let hi = hi.min(self.n - 1);
        if hi < lo {
            0..0
        } else {
            lo as usize..hi as usize + 1
        }
    }
}

/// Person attributes needed at hire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PersonInfo {
    pub sex: u8,
    pub birth: Date,
}

/// What the establishment pass needs to know about a contract beyond the contract itself:
/// the outputs of the person pass ([`person_flags`]) and the person's attributes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HireFacts {
    /// [`PersonFlags::first_in_occupation`].
    pub first_in_occupation: bool,
    /// [`PersonFlags::rehire`].
    pub rehire: bool,
    /// Sex and birth date; `None` when the person is missing from the persons table.
    pub person: Option<PersonInfo>,
}

/// The period grid of an indicator computation, shared by every establishment.
#[derive(Clone)]
pub struct Calendar {
    grid: Grid,
    periods: Vec<Period>,
}

impl Calendar {
    /// The grid of `periods` (consecutive, equally spaced windows of `window_months`).
    pub fn new(periods: Vec<Period>, window_months: u32) -> Calendar {
        let step = if periods.len() > 1 {
            periods[1].end.month_index() - periods[0].end.month_index()
        } else {
            1
        };
        let grid = Grid {
            first_end: periods.first().map_or(0, |p| p.end.month_index()),
            step,
            window: window_months as i32,
            n: periods.len() as i32,
        };
        Calendar { grid, periods }
    }

    pub fn periods(&self) -> &[Period] {
        &self.periods
    }
}

/// Person lookup: direct indexing when identifiers are consecutive (generated data), binary
/// search otherwise (pseudonymised identifiers of ingested data).
struct PersonIndex {
    /// Identifier of the first person when identifiers are consecutive.
    dense_first: Option<u64>,
    /// Sorted by identifier.
    rows: Vec<(u64, PersonInfo)>,
}

impl PersonIndex {
    fn new(rows: Vec<(u64, PersonInfo)>) -> Self {
        let dense_first = rows.first().map(|r| r.0).filter(|&f| {
            rows.iter()
                .enumerate()
                .all(|(i, r)| r.0 == f.wrapping_add(i as u64))
        });
        PersonIndex { dense_first, rows }
    }
    fn get(&self, id: u64) -> Option<PersonInfo> {
        match self.dense_first {
            Some(f) => {
                let k = id.checked_sub(f)? as usize;
                self.rows.get(k).map(|r| r.1)
            }
            None => self
                .rows
                .binary_search_by_key(&id, |r| r.0)
                .ok()
                .map(|i| self.rows[i].1),
        }
    }
}

/// Computes every indicator row of a dataset.
pub fn compute(ds: &Dataset, periods: Vec<Period>, window_months: u32) -> Indicators {
    if periods.is_empty() {
        return Indicators {
            periods,
            window_months,
            rows: Vec::new(),
        };
    }
    let cal = Calendar::new(periods, window_months);
    let flags = person_flags(&ds.contracts);
    let (first_occ, rehire) = (flags.first_in_occupation, flags.rehire);
    let mut persons: Vec<(u64, PersonInfo)> = ds
        .persons
        .iter()
        .map(|p| {
            (
                p.person_id,
                PersonInfo {
                    sex: p.sex,
                    birth: p.birth_date,
                },
            )
        })
        .collect();
    if !persons.is_sorted_by_key(|p| p.0) {
        persons.par_sort_unstable_by_key(|p| p.0);
    }
    let persons = PersonIndex::new(persons);
    let mut order: Vec<u32> = (0..ds.contracts.len() as u32).collect();
    if !ds.contracts.is_sorted_by_key(|c| c.siret) {
        order.par_sort_by_key(|&i| ds.contracts[i as usize].siret);
    }
    let stop = at_mp_months(&ds.stoppages);
    // Establishment groups: boundaries in `order`.
    let mut bounds = Vec::new();
    let mut k = 0;
    while k < order.len() {
        let s = ds.contracts[order[k] as usize].siret;
        let mut j = k;
        while j < order.len() && ds.contracts[order[j] as usize].siret == s {
            j += 1;
        }
        bounds.push((k, j));
        k = j;
    }
    let rows: Vec<IndicatorRow> = bounds
        .par_iter()
        .flat_map_iter(|&(a, b)| {
            let contracts = &ds.contracts;
            let siret = contracts[order[a] as usize].siret;
            let lo = stop.partition_point(|s| s.0 < siret);
            let hi = stop.partition_point(|s| s.0 <= siret);
            let months: Vec<i32> = stop[lo..hi].iter().map(|s| s.1).collect();
            let items = order[a..b].iter().map(|&ci| {
                let c = &contracts[ci as usize];
                let facts = HireFacts {
                    first_in_occupation: first_occ[ci as usize],
                    rehire: rehire[ci as usize],
                    person: persons.get(c.person_id),
                };
                (c, facts)
            });
            establishment_rows(&cal, siret, items, &months)
        })
        .collect();
    Indicators {
        periods: cal.periods,
        window_months,
        rows,
    }
}

/// AT/MP stoppages as (SIRET, start month index), sorted.
pub fn at_mp_months(stoppages: &[crate::model::Stoppage]) -> Vec<(u64, i32)> {
    let mut stop: Vec<(u64, i32)> = stoppages
        .iter()
        .filter(|s| stoppage_reason::is_at_mp(s.reason))
        .map(|s| (s.siret, s.start.month_index()))
        .collect();
    stop.par_sort_unstable();
    stop
}

/// One establishment's running counts over the periods, filled contract by contract.
struct EstablishmentAcc {
    rows: Vec<IndicatorRow>,
    /// Completed full-time CDD lengths per period, for the median.
    durations: Vec<Vec<f64>>,
    /// First and last month indices of the periods.
    m_lo: i32,
    m_hi: i32,
    /// Month-end headcount and FTE (half-units) as difference arrays over the months.
    head: Vec<i64>,
    fte: Vec<i64>,
}

impl EstablishmentAcc {
    fn new(siret: u64, periods: &[Period]) -> Self {
        let np = periods.len();
        let m_lo = periods[0].start.month_index();
        let m_hi = periods[np - 1].end.month_index();
        let span = (m_hi - m_lo + 2) as usize;
        EstablishmentAcc {
            rows: (0..np)
                .map(|p| IndicatorRow::empty(siret, p as u32))
                .collect(),
            durations: vec![Vec::new(); np],
            m_lo,
            m_hi,
            head: vec![0; span],
            fte: vec![0; span],
        }
    }

    /// Month-end presence from the start month to the last month-end before the end.
    fn presence(&mut self, c: &Contract, part: bool) {
        let last = match c.actual_end {
            None => self.m_hi,
            Some(e) if e == e.last_of_month() => e.month_index(),
            Some(e) => e.month_index() - 1,
        };
        let (f, l) = (c.start.month_index().max(self.m_lo), last.min(self.m_hi));
        if f <= l {
            let w = if part { 1 } else { 2 };
            let (i, j) = ((f - self.m_lo) as usize, (l - self.m_lo + 1) as usize);
            self.head[i] += 1;
            self.head[j] -= 1;
            self.fte[i] += w;
            self.fte[j] -= w;
        }
    }

    /// Counts a hire in every window containing its start; new hires feed the shares.
    fn hire(
        &mut self,
        periods: std::ops::Range<usize>,
        flags: &[bool; 8],
        cdi: bool,
        part: bool,
        new: bool,
        occ: usize,
    ) {
        let sensitive = CRITERIA
            .iter()
            .filter(|k| k.is_sensitive())
            .any(|k| flags[*k as usize]);
        for p in periods {
            let r = &mut self.rows[p];
            r.hires += 1;
            if part {
                r.part_time_hires += 1;
            }
            if !new {
                continue;
            }
            r.new_hires += 1;
            r.share_den[Denom::NewHires as usize][occ] += 1;
            for (slot, &f) in flags.iter().enumerate() {
                r.share_num[slot][occ] += u32::from(f);
            }
            r.sensitive_any += u32::from(sensitive);
            if !part {
                r.share_den[Denom::FullTimeNewHires as usize][occ] += 1;
                r.share_num[8][occ] += u32::from(cdi);
            }
        }
    }

    /// A full-time CDD's outcome, in the window of its conversion or end.
    fn cdd_outcome(&mut self, grid: &Grid, c: &Contract, occ: usize) {
        if let Some(d) = c.converted_to_cdi {
            for p in grid.containing(d.month_index()) {
                self.rows[p].share_den[Denom::CddOutcomes as usize][occ] += 1;
                self.rows[p].share_num[9][occ] += 1;
            }
        } else if let (Some(e), Some(days)) = (c.actual_end, c.duration_days()) {
            let days = days as f64;
            for p in grid.containing(e.month_index()) {
                let r = &mut self.rows[p];
                r.share_den[Denom::CddOutcomes as usize][occ] += 1;
                r.cdd_completed += 1;
                r.cdd_days_sum += days;
                r.cdd_days_sumsq += days * days;
                self.durations[p].push(days);
            }
        }
    }

    /// Window means of month-end headcount and FTE, CDD medians; drops empty periods.
    fn finish(mut self, periods: &[Period]) -> Vec<IndicatorRow> {
        let span = self.head.len();
        let mut hc = vec![0.0; span];
        let mut ft = vec![0.0; span];
        let (mut h, mut f) = (0i64, 0i64);
        for k in 0..span {
            h += self.head[k];
            f += self.fte[k];
            hc[k] = h as f64;
            ft[k] = f as f64 / 2.0;
        }
        for (p, period) in periods.iter().enumerate() {
            let s = (period.start.month_index() - self.m_lo) as usize;
            let e = (period.end.month_index() - self.m_lo) as usize;
            let n = (e - s + 1) as f64;
            self.rows[p].headcount = hc[s..=e].iter().sum::<f64>() / n;
            self.rows[p].fte = ft[s..=e].iter().sum::<f64>() / n;
            let d = &mut self.durations[p];
            if !d.is_empty() {
                d.sort_unstable_by(f64::total_cmp);
                let k = d.len();
                self.rows[p].cdd_days_median = Some(if k % 2 == 1 {
                    d[k / 2]
                } else {
                    (d[k / 2 - 1] + d[k / 2]) / 2.0
                });
            }
        }
        let mut rows = self.rows;
        rows.retain(|r| r.headcount > 0.0 || r.hires > 0 || r.internships > 0);
        rows
    }
}

/// Whether a contract ended by a trial end, dismissal or resignation within the 6 months
/// following its start (ending on `follow_end`).
fn early_rupture(c: &Contract, follow_end: Date) -> bool {
    match (c.actual_end, c.end_reason) {
        (Some(e), Some(r)) => {
            e <= follow_end
                && (end_reason::is_trial_end(r)
                    || end_reason::is_dismissal(r)
                    || end_reason::is_resignation(r))
        }
        _ => false,
    }
}

/// The hiring-profile flags of a hire, in share-slot order.
fn hire_flags(c: &Contract, f: &HireFacts) -> [bool; 8] {
    let person = f.person;
    let age = person.map(|p| p.birth.age_at(c.start));
    [
        person.is_some_and(|p| p.sex == sex::FEMALE),
        c.no_prior_employment || f.first_in_occupation,
        c.months_since_prev.is_some_and(|m| m >= 12) || c.prior_long_sick_leave,
        age.is_some_and(|a| a < 26),
        age.is_some_and(|a| a >= 50),
        c.boeth.is_some(),
        c.prior_iae_or_subsidised,
        scheme::is_subsidised(c.scheme) || scheme::is_work_study(c.scheme),
    ]
}

/// One contract's contribution to its establishment's windows.
fn contract(grid: &Grid, acc: &mut EstablishmentAcc, c: &Contract, f: &HireFacts) {
    let part = c.is_part_time();
    let occ = occ_group(c.pcs);
    let sm = c.start.month_index();
    if !is_employment(c) {
        if !part {
            for p in grid.containing(sm) {
                acc.rows[p].internships += 1;
            }
        }
        return;
    }
    acc.presence(c, part);
    let new_hire = !f.rehire;
    let hire_range = grid.containing(sm);
    if !hire_range.is_empty() {
        let flags = hire_flags(c, f);
        acc.hire(
            hire_range,
            &flags,
            nature::is_cdi(c.nature),
            part,
            new_hire,
            occ,
        );
    }
    // Early rupture: counted at the end of the 6-month follow-up.
    let follow_end = c.start.add_months(EARLY_RUPTURE_MONTHS).add_days(-1);
    if new_hire {
        let rupture = early_rupture(c, follow_end);
        for p in grid.containing(follow_end.month_index()) {
            let r = &mut acc.rows[p];
            r.share_den[Denom::EarlyHires as usize][occ] += 1;
            r.share_num[10][occ] += u32::from(rupture);
        }
    }
    if let Some(e) = c.actual_end {
        if c.end_reason.is_none_or(end_reason::is_real_exit) {
            for p in grid.containing(e.month_index()) {
                acc.rows[p].exits += 1;
            }
        }
    }
    if nature::is_cdd(c.nature) && !part {
        acc.cdd_outcome(grid, c, occ);
    }
}

/// The indicator rows of one establishment, from its contracts (any order) with their
/// [`HireFacts`], and the start months of its AT/MP stoppages. Both the in-memory path
/// ([`compute`]) and the out-of-core engine call this, so they give the same numbers.
pub fn establishment_rows<'c>(
    cal: &Calendar,
    siret: u64,
    items: impl Iterator<Item = (&'c Contract, HireFacts)>,
    at_mp_months: &[i32],
) -> Vec<IndicatorRow> {
    let mut acc = EstablishmentAcc::new(siret, &cal.periods);
    for (c, f) in items {
        contract(&cal.grid, &mut acc, c, &f);
    }
    for &m in at_mp_months {
        for p in cal.grid.containing(m) {
            acc.rows[p].at_mp += 1;
        }
    }
    acc.finish(&cal.periods)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Source;

    fn d(y: i32, m: u32, dd: u32) -> Date {
        Date::from_ymd(y, m, dd).unwrap()
    }

    #[test]
    fn quarterly_periods_and_labels() {
        let cov = Coverage {
            start: d(2020, 1, 1),
            end: d(2022, 12, 31),
            source: Source::Synthetic,
        };
        let p = periods(&cov, 12, 3, 12).unwrap();
        assert_eq!(p[0].label, "2021T4");
        assert_eq!(p[0].start, d(2021, 1, 1));
        assert_eq!(p.last().unwrap().label, "2022T4");
        assert_eq!(p.len(), 5);
        // A coverage ending mid-month drops that month.
        let cov2 = Coverage {
            end: d(2022, 12, 30),
            ..cov
        };
        assert_eq!(periods(&cov2, 12, 3, 12).unwrap().len(), 4);
        let m = periods(&cov, 6, 1, 0).unwrap();
        assert_eq!(
            m[0].label, "2020T2",
            "a quarter-end month is labelled as a quarter"
        );
        assert_eq!(m[1].label, "2020M07");
        assert!(periods(&cov, 36, 3, 12).is_err());
    }

    #[test]
    fn grid_membership_matches_brute_force() {
        let g = Grid {
            first_end: 100,
            step: 3,
            window: 12,
            n: 8,
        };
        for m in 80..130 {
            let brute: Vec<usize> = (0..8)
                .filter(|&p| {
                    let e = 100 + 3 * p as i32;
                    e - 11 <= m && m <= e
                })
                .collect();
            let got: Vec<usize> = g.containing(m).collect();
            assert_eq!(got, brute, "month {m}");
        }
    }

    #[test]
    fn occupation_groups() {
        assert_eq!(occ_group(Pcs::new("382a").unwrap()), 0);
        assert_eq!(occ_group(Pcs::new("461d").unwrap()), 1);
        assert_eq!(occ_group(Pcs::new("561b").unwrap()), 2);
        assert_eq!(occ_group(Pcs::new("621a").unwrap()), 3);
    }
}
