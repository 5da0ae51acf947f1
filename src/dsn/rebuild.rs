//! From accepted declarations to table rows, one SIRET partition at a time.
//!
//! Everything here depends on one establishment's declarations only, so partitions (see
//! [`siret_partition`](super::facts::siret_partition)) are rebuilt independently, in any
//! order and on any machine, and their rows concatenated:
//!
//! 1. Types 03/05 (annule et remplace) and 04 (annule) supersede every earlier declaration
//!    with the same key: SIRET, nature, month, fraction (05.003) and, for signalements, the
//!    person. "Earlier" is the constitution date 05.007, then sorted path, then position.
//! 2. The remaining declarations are applied month by month. Contracts are identified by
//!    (SIRET, person, 40.009, 40.001); each attribute takes its latest declared value
//!    (optional rubrics: the latest value present). The nature at hire is the former nature
//!    of the earliest block 41 change, and `converted_to_cdi` the date of a change from a
//!    non-CDI nature when the contract is now a CDI.
//! 3. Ends come from block 62 with a real exit reason; 099 (annulation), 100 and 998 clear
//!    it. Stoppages (block 60) are keyed by contract, first day off and reason; their end is
//!    the latest return date 60.010, else the latest planned end 60.003.
//!
//! Two things cross establishments and are merged after the partitions ([`Tables`]): a
//! person's sex and birth date (the latest declaration wins, whatever the SIRET) and the
//! coverage (first and last declared month). Person histories, which need a person's whole
//! career, are derived afterwards on the merged tables (`history`).

use super::facts::{Decl, Order};
use crate::date::Date;
use crate::model::*;
use crate::reference::Reference;
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

fn reference() -> &'static Reference {
    static R: OnceLock<Reference> = OnceLock::new();
    R.get_or_init(Reference::load)
}

/// Département of a French postal code (Corsica 20xxx → 2A/2B, overseas 97x).
fn departement_of_postcode(pc: &str) -> String {
    match pc.get(..2) {
        Some("20") => if pc < "20200" { "2A" } else { "2B" }.to_string(),
        Some("97") | Some("98") => pc.get(..3).unwrap_or("").to_string(),
        Some(d) => d.to_string(),
        None => String::new(),
    }
}

/// When a value was declared: (declared month, chronology). The latest wins.
pub(crate) type Stamp = (Date, Order);

/// First and last declared month, over monthly declarations and over all of them (the
/// coverage uses the monthly ones when there are any).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Span {
    pub monthly: Option<(Date, Date)>,
    pub all: Option<(Date, Date)>,
}

fn widen(s: Option<(Date, Date)>, m: Date) -> Option<(Date, Date)> {
    Some(s.map_or((m, m), |(a, b)| (a.min(m), b.max(m))))
}

impl Span {
    fn add(&mut self, month: Date, monthly: bool) {
        if monthly {
            self.monthly = widen(self.monthly, month);
        }
        self.all = widen(self.all, month);
    }
    fn merge(&mut self, o: Span) {
        for (m, monthly) in [(o.monthly, true), (o.all, false)] {
            if let Some((a, b)) = m {
                self.add(a, monthly);
                self.add(b, monthly);
            }
        }
    }
    /// (first month, last month) of the coverage.
    pub fn bounds(&self) -> Option<(Date, Date)> {
        self.monthly.or(self.all)
    }
}

/// The rows of one partition, before person histories.
#[derive(Debug, Default)]
pub(crate) struct PartOut {
    pub establishments: Vec<Establishment>,
    pub contracts: Vec<Contract>,
    pub stoppages: Vec<Stoppage>,
    /// Each person's latest declared sex and birth date in this partition.
    pub persons: Vec<(Stamp, Person)>,
    pub ingested: u64,
    pub applied: u64,
    pub span: Span,
}

#[derive(Default)]
struct EstAcc {
    naf: String,
    name: Option<String>,
    postcode: Option<String>,
    commune: Option<String>,
    creation: Option<Date>,
    zone: Option<String>,
    first_month: Option<Date>,
}

struct ContractAcc {
    siret: u64,
    person: u64,
    start: Date,
    nature: u8,
    scheme: u8,
    iae: Option<u8>,
    working_time: u8,
    pcs: Pcs,
    planned_end: Option<Date>,
    cdd_reason: Option<u8>,
    boeth: Option<u8>,
    /// Block 41 nature changes: (date, former nature).
    changes: BTreeMap<Date, u8>,
    end: Option<(Date, u16)>,
}

/// (contract, first day off, reason) → (person, siret, end, end is a return date).
type StopKey = (u64, Date, u8);
type StopAcc = (u64, u64, Option<Date>, bool);

/// Step 1: the declarations left once replacements and cancellations are applied, in the
/// order they are applied (month, then chronology).
fn supersede(mut decls: Vec<Decl>) -> Vec<Decl> {
    decls.sort_by_key(|d| d.order);
    let mut live = vec![false; decls.len()];
    let mut groups: HashMap<(u64, u8, Date, u8, u64), Vec<usize>> = HashMap::new();
    for (i, d) in decls.iter().enumerate() {
        let person = if d.nature == 1 {
            0
        } else {
            d.persons.first().map_or(0, |p| p.id)
        };
        let g = groups
            .entry((d.siret, d.nature, d.month, d.fraction, person))
            .or_default();
        if matches!(d.dtype, 3..=5) {
            for &j in g.iter() {
                live[j] = false;
            }
            g.clear();
        }
        if d.dtype != 4 {
            live[i] = true;
            g.push(i);
        }
    }
    let mut applied: Vec<Decl> = decls
        .into_iter()
        .zip(live)
        .filter_map(|(d, l)| l.then_some(d))
        .collect();
    applied.sort_by_key(|d| (d.month, d.order));
    applied
}

/// Step 2: the accumulated state of one partition.
#[derive(Default)]
struct Acc {
    ests: BTreeMap<u64, EstAcc>,
    persons: HashMap<u64, (Stamp, Person)>,
    contracts: HashMap<u64, ContractAcc>,
    stops: HashMap<StopKey, StopAcc>,
}

impl Acc {
    fn establishment(&mut self, d: &Decl) {
        let e = self.ests.entry(d.siret).or_default();
        if !d.naf.is_empty() {
            e.naf = d.naf.clone();
        }
        e.name = d.emitter_name.clone().or(e.name.take());
        e.postcode = d.postcode.clone().or(e.postcode.take());
        e.commune = d.commune_ext.clone().or(e.commune.take());
        e.creation = d.creation_ext.or(e.creation);
        e.zone = d.zone_ext.clone().or(e.zone.take());
        e.first_month = Some(e.first_month.map_or(d.month, |f| f.min(d.month)));
    }

    fn persons(&mut self, d: &Decl) {
        for p in d.persons.iter() {
            let person = Person {
                person_id: p.id,
                sex: p.sex,
                birth_date: p.birth,
                boeth: false,
            };
            self.persons.insert(p.id, ((d.month, d.order), person));
        }
    }

    fn contracts(&mut self, d: &Decl) {
        for c in d.contracts.iter() {
            let pid = d.persons.get(c.person as usize).map_or(0, |p| p.id);
            let a = self.contracts.entry(c.cid).or_insert_with(|| ContractAcc {
                siret: d.siret,
                person: pid,
                start: c.start,
                nature: c.nature,
                scheme: scheme::NONE,
                iae: None,
                working_time: working_time::FULL_TIME,
                pcs: Pcs(*b"0000"),
                planned_end: None,
                cdd_reason: None,
                boeth: None,
                changes: BTreeMap::new(),
                end: None,
            });
            a.nature = c.nature;
            a.scheme = c.scheme.unwrap_or(a.scheme);
            a.working_time = c.working_time.unwrap_or(a.working_time);
            a.pcs = c.pcs.unwrap_or(a.pcs);
            a.iae = c.iae.or(a.iae);
            a.planned_end = c.planned_end.or(a.planned_end);
            a.cdd_reason = c.cdd_reason.or(a.cdd_reason);
            a.boeth = c.boeth.or(a.boeth);
            if let Some((date, reason)) = c.end {
                a.end = end_reason::is_real_exit(reason).then_some((date, reason));
            }
        }
        for &(ci, date, old) in d.changes.iter() {
            if let Some(c) = d.contracts.get(ci as usize) {
                if let Some(a) = self.contracts.get_mut(&c.cid) {
                    a.changes.entry(date).or_insert(old);
                }
            }
        }
    }

    fn stoppages(&mut self, d: &Decl) {
        for (ci, s) in d.stoppages.iter() {
            let Some(c) = d.contracts.get(*ci as usize) else {
                continue;
            };
            let Some(lw) = s.last_worked else { continue };
            let pid = d.persons.get(c.person as usize).map_or(0, |p| p.id);
            let st = self
                .stops
                .entry((c.cid, lw.add_days(1), s.reason))
                .or_insert((pid, d.siret, None, false));
            match (s.resumed, s.planned_end) {
                (Some(r), _) => {
                    st.2 = Some(r);
                    st.3 = true;
                }
                (None, Some(p)) if !st.3 => st.2 = Some(p),
                _ => {}
            }
        }
    }
}

/// Step 3: table rows.
fn establishment_row(siret: u64, e: EstAcc) -> Establishment {
    let refs = reference();
    let commune = e.commune.unwrap_or_default();
    let departement = refs
        .communes
        .get(&commune)
        .map(|c| c.departement.clone())
        .unwrap_or_else(|| departement_of_postcode(e.postcode.as_deref().unwrap_or("")));
    let region = refs
        .departements
        .get(&departement)
        .map(|d| d.region.clone())
        .unwrap_or_default();
    // A declared zone (generator extension rubric) wins; else the commune's ZE2020 zone;
    // else the département.
    let zone = e.zone.unwrap_or_else(|| {
        refs.default_zone(&commune)
            .unwrap_or(&departement)
            .to_string()
    });
    Establishment {
        siret,
        zone,
        name: e.name.unwrap_or_default(),
        naf: e.naf,
        commune,
        departement,
        region,
        creation_date: e.creation.or(e.first_month).unwrap_or(Date(0)),
    }
}

fn contract_row(cid: u64, a: ContractAcc) -> Contract {
    let hire_nature = a.changes.values().next().copied().unwrap_or(a.nature);
    let converted = if nature::is_cdi(a.nature) {
        a.changes
            .iter()
            .find(|(_, &old)| !nature::is_cdi(old))
            .map(|(&d, _)| d)
    } else {
        None
    };
    Contract {
        contract_id: cid,
        person_id: a.person,
        siret: a.siret,
        start: a.start,
        planned_end: a.planned_end,
        actual_end: a.end.map(|e| e.0),
        end_reason: a.end.map(|e| e.1),
        nature: hire_nature,
        scheme: a.scheme,
        iae: a.iae,
        working_time: a.working_time,
        pcs: a.pcs,
        cdd_reason: a.cdd_reason,
        boeth: a.boeth,
        converted_to_cdi: converted,
        no_prior_employment: false,
        months_since_prev: None,
        prior_long_sick_leave: false,
        prior_iae_or_subsidised: false,
    }
}

/// Rebuilds one partition's rows from its accepted declarations (any order).
pub(crate) fn rebuild_partition(decls: Vec<Decl>) -> PartOut {
    let ingested = decls.len() as u64;
    let applied = supersede(decls);
    let mut acc = Acc::default();
    let mut span = Span::default();
    for d in &applied {
        span.add(d.month, d.nature == 1);
        acc.establishment(d);
        acc.persons(d);
        acc.contracts(d);
        acc.stoppages(d);
    }
    PartOut {
        establishments: acc
            .ests
            .into_iter()
            .map(|(s, e)| establishment_row(s, e))
            .collect(),
        contracts: acc
            .contracts
            .into_iter()
            .map(|(cid, a)| contract_row(cid, a))
            .collect(),
        stoppages: acc
            .stops
            .into_iter()
            .map(|((cid, start, reason), (pid, siret, end, _))| Stoppage {
                person_id: pid,
                siret,
                contract_id: cid,
                start,
                end,
                reason,
            })
            .collect(),
        persons: acc.persons.into_values().collect(),
        ingested,
        applied: applied.len() as u64,
        span,
    }
}

/// The union of partitions' rows; persons keep their latest declaration across partitions.
#[derive(Default)]
pub(crate) struct Tables {
    establishments: Vec<Establishment>,
    contracts: Vec<Contract>,
    stoppages: Vec<Stoppage>,
    persons: HashMap<u64, (Stamp, Person)>,
    pub ingested: u64,
    pub applied: u64,
    pub span: Span,
}

impl Tables {
    pub fn add(&mut self, p: PartOut) {
        self.establishments.extend(p.establishments);
        self.contracts.extend(p.contracts);
        self.stoppages.extend(p.stoppages);
        for (stamp, person) in p.persons {
            match self.persons.get(&person.person_id) {
                Some((s, _)) if *s > stamp => {}
                _ => {
                    self.persons.insert(person.person_id, (stamp, person));
                }
            }
        }
        self.ingested += p.ingested;
        self.applied += p.applied;
        self.span.merge(p.span);
    }

    /// Reserves room for `factor` times the rows held so far.
    pub fn reserve(&mut self, factor: f64) {
        let more = |n: usize| ((n as f64) * (factor - 1.0)).max(0.0) as usize;
        self.establishments.reserve(more(self.establishments.len()));
        self.contracts.reserve(more(self.contracts.len()));
        self.stoppages.reserve(more(self.stoppages.len()));
        self.persons.reserve(more(self.persons.len()));
    }

    /// The dataset before person histories (rows in no particular order).
    pub fn into_dataset(self) -> Dataset {
        let (first, last) = self
            .span
            .bounds()
            .map_or((None, None), |(a, b)| (Some(a), Some(b)));
        Dataset {
            coverage: Coverage {
                start: first.unwrap_or(Date(0)),
                end: last.map_or(Date(0), Date::last_of_month),
                source: Source::Ingested,
            },
            establishments: self.establishments,
            persons: self.persons.into_values().map(|(_, p)| p).collect(),
            contracts: self.contracts,
            stoppages: self.stoppages,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsn::facts::tests::sample;

    #[test]
    fn postcodes() {
        assert_eq!(departement_of_postcode("75011"), "75");
        assert_eq!(departement_of_postcode("20000"), "2A");
        assert_eq!(departement_of_postcode("20600"), "2B");
        assert_eq!(departement_of_postcode("97400"), "974");
        assert_eq!(departement_of_postcode(""), "");
    }

    #[test]
    fn replacement_and_cancellation() {
        let a = sample(1, 1);
        let mut b = sample(1, 2);
        b.dtype = 3; // annule et remplace a
        b.naf = "4711D".into();
        let mut c = sample(2, 3);
        c.dtype = 4; // annule: nothing left for SIRET 2
        let out = rebuild_partition(vec![c, b, a]);
        assert_eq!((out.ingested, out.applied), (3, 1));
        assert_eq!(out.establishments.len(), 1);
        assert_eq!(out.establishments[0].naf, "4711D");
    }

    #[test]
    fn persons_keep_the_latest_declaration_across_partitions() {
        let mut early = sample(1, 1);
        early.persons = vec![crate::dsn::facts::PFact {
            id: 9,
            sex: 1,
            birth: Date(1),
        }]
        .into();
        let mut late = sample(2, 2);
        late.month = Date(19_100);
        late.persons = vec![crate::dsn::facts::PFact {
            id: 9,
            sex: 2,
            birth: Date(2),
        }]
        .into();
        for order in [[0, 1], [1, 0]] {
            let parts = [early.clone(), late.clone()];
            let mut t = Tables::default();
            for i in order {
                t.add(rebuild_partition(vec![parts[i].clone()]));
            }
            let ds = t.into_dataset();
            assert_eq!(ds.persons.len(), 1);
            assert_eq!((ds.persons[0].sex, ds.persons[0].birth_date), (2, Date(2)));
            assert_eq!(ds.coverage.start, Date(19_000));
        }
    }
}
