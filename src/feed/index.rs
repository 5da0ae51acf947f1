//! The index that `serve` answers from and `export` writes from: every published record of
//! the feed in a compact form (96 bytes an employer plus its name and search text), with the
//! employers pre-sorted and grouped by employment zone so that a zone query touches only that
//! zone. Built from the feed's columns, and written beside the feed as `feed.index`, which
//! a start-up maps instead ([`snapshot`]).
//!
//! A response is rebuilt from the compact form as the very [`EmployerRecord`] the feed holds
//! ([`Index::record`]; a test checks the round trip), so nothing the server returns goes
//! beyond the published record.
//!
//! Order: label (best first), then the rounded score, then SIRET — stable and visible in the
//! data. With a seed, employers of the same label are put in a seeded, score-weighted random
//! order (Efraimidis–Spirakis keys `u^(1/(score+1))` drawn from the same ChaCha8 stream as
//! `engagement list --rotate`), so the top of a list does not absorb every orientation.

use crate::feed::{
    self as feed, Citation, CriterionView, EmployerRecord, FarFromEmployment, FarStatus, FeedMeta,
    HistoryEntry, Key, PeerInfo, Place, Reason, Sector,
};
use crate::indicators::{Criterion, CRITERIA};
use crate::score::peers::{GeoRung, Rung, SectorRung, SizeBand};
use crate::score::NonCalculable;
use crate::score::Trend;
use polars::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;

mod snapshot;
use snapshot::Store;
pub use snapshot::{open as open_snapshot, write as write_snapshot, SnapshotError, INDEX_FILE};

/// Stream id of the list rotation (the same as `engagement list --rotate`).
pub const ROTATION_STREAM: u64 = 0x4c49_5354;
/// Columns of the flat feed read by each step of [`Index::build_from`].
const ID_COLUMNS: [&str; 2] = ["siret", "name"];
const PLACE_COLUMNS: [&str; 7] = [
    "naf",
    "division",
    "section",
    "commune",
    "zone",
    "departement",
    "region",
];
const NUMBER_COLUMNS: [&str; 6] = [
    "label",
    "score",
    "score_lower",
    "score_upper",
    "peer_members",
    "version",
];
const ENUM_COLUMNS: [&str; 6] = [
    "trend",
    "size_band",
    "peer_sector",
    "peer_geo",
    "non_calculable",
    "gated_by",
];
const HISTORY_COLUMNS: [&str; 3] = ["period", "history", "reasons"];
const FAR_COLUMNS: [&str; 3] = [
    "far_from_employment",
    "far_from_employment_standing",
    "far_from_employment_members",
];
/// Criterion citation codes of the five bands (3 + the band's index), by key.
static BANDS_BY_KEY: std::sync::LazyLock<Vec<(&'static str, u8)>> =
    std::sync::LazyLock::new(|| {
        feed::record::BANDS
            .iter()
            .enumerate()
            .map(|(k, b)| (b.key(), 3 + k as u8))
            .collect()
    });
/// "No value" in the compact byte fields.
const NONE: u8 = u8::MAX;

/// One employer, compact (96 bytes, no padding, so that a prebuilt index file can be read in
/// place). Strings are ids into [`Index::strings`].
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
struct Emp {
    siret: u64,
    name: u32,
    search: u32,
    history_start: u32,
    reasons_start: u32,
    naf: u32,
    division: u32,
    section: u32,
    commune: u32,
    zone: u32,
    departement: u32,
    region: u32,
    peer_members: u32,
    far_members: u16,
    history_len: u16,
    weights: u16,
    label: u8,
    non_calculable: u8,
    gated_by: u8,
    score: u8,
    lower: u8,
    upper: u8,
    trend: u8,
    size: u8,
    peer_sector: u8,
    peer_geo: u8,
    far: u8,
    far_standing: u8,
    reasons_len: u8,
    crit: [u8; Criterion::COUNT],
    /// Always zero: a `Pod` type may have no hidden padding, so the tail is spelled out.
    pad: [u8; 5],
}

const _: () = assert!(std::mem::size_of::<Emp>() == 96);

const TRENDS: [Trend; 4] = [Trend::Up, Trend::Stable, Trend::Down, Trend::New];
/// Size bands, smallest first.
pub const SIZES: [SizeBand; 4] = [
    SizeBand::Micro,
    SizeBand::Small,
    SizeBand::Medium,
    SizeBand::Large,
];
const NCS: [NonCalculable; 3] = [
    NonCalculable::SmallHeadcount,
    NonCalculable::FewHires,
    NonCalculable::FewCriteria,
];
const SECTOR_RUNGS: [SectorRung; 4] = [
    SectorRung::Group,
    SectorRung::Division,
    SectorRung::Section,
    SectorRung::All,
];
const GEO_RUNGS: [GeoRung; 4] = [
    GeoRung::Zone,
    GeoRung::Departement,
    GeoRung::Region,
    GeoRung::National,
];

fn pos_of<T: serde::Serialize + Copy>(all: &[T], s: &str) -> Option<u8> {
    all.iter()
        .position(|x| feed::key_of(x) == s)
        .map(|i| i as u8)
}

fn citation_of(code: u8) -> Option<Citation> {
    match code {
        0 => None,
        1 => Some(Citation::NotCalculable),
        2 => Some(Citation::Withheld),
        k => feed::record::BANDS
            .get((k - 3) as usize)
            .map(|s| Citation::Shown(*s)),
    }
}

/// String interner: every code, name and search text once, in one arena (a national feed
/// has three million names and search texts: one allocation each would be slow to make).
#[derive(Debug, Default)]
pub struct Strings {
    bytes: Store<u8>,
    /// End of each string in `bytes` (it starts where the previous one ends).
    ends: Store<u64>,
    ids: PlHashMap<Box<str>, u32>,
}

impl Strings {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        let i = self.push(s);
        self.ids.insert(s.into(), i);
        i
    }
    /// Stores a string that is not looked up (a name, a search text): no hash entry, so a
    /// national feed's million unique names are held once.
    fn push(&mut self, s: &str) -> u32 {
        let i = self.ends.len() as u32;
        let bytes = self.bytes.vec_mut();
        bytes.extend_from_slice(s.as_bytes());
        let end = bytes.len() as u64;
        self.ends.vec_mut().push(end);
        i
    }
    /// Number of strings.
    fn len(&self) -> usize {
        self.ends.len()
    }
    /// The string of an id (empty for an unknown id).
    pub fn get(&self, i: u32) -> &str {
        std::str::from_utf8(self.bytes_of(i)).unwrap_or("")
    }
    /// The bytes of string `i` (empty for an unknown id).
    fn bytes_of(&self, i: u32) -> &[u8] {
        let ends = &*self.ends;
        let i = i as usize;
        let start = if i == 0 { Some(&0) } else { ends.get(i - 1) };
        let (Some(&start), Some(&end)) = (start, ends.get(i)) else {
            return &[];
        };
        self.bytes.get(start as usize..end as usize).unwrap_or(&[])
    }
    fn find(&self, s: &str) -> Option<u32> {
        self.ids.get(s).copied()
    }
}

/// Folds text for search: lower case, accents removed (`Sévigné` → `sevigne`).
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    fold_into(s, &mut out);
    out
}

/// [`fold`], appended to `out`.
fn fold_into(s: &str, out: &mut String) {
    // ASCII characters byte by byte, even inside a name with accents (a national feed folds
    // a million names at start-up).
    for c in s.chars() {
        match c {
            '-' | '\'' | '’' => out.push(' '),
            c if c.is_ascii() => out.push(c.to_ascii_lowercase()),
            c => c
                .to_lowercase()
                .for_each(|c| crate::text::push_unaccented(c, out)),
        }
    }
}

/// What a list query asks for, validated.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Filter {
    /// Zone id (from [`Index::zone_id`]).
    pub zone: Option<u32>,
    /// NAF prefix (upper case, no dot) or section letter.
    pub sector: Option<String>,
    /// Size bands allowed (bit k = [`SIZES`]\[k\]); 0 = all.
    pub sizes: u8,
    /// Levels allowed (bit k = level k).
    pub levels: u8,
    /// Folded search text.
    pub q: Option<String>,
    /// Rotation seed; `None` = plain order.
    pub seed: Option<u64>,
}

/// The whole feed, in memory or read in place from a prebuilt index file ([`snapshot`]).
#[derive(Debug)]
pub struct Index {
    pub meta: FeedMeta,
    pub strings: Strings,
    periods: Vec<String>,
    emps: Store<Emp>,
    /// (period, label) entries of every history; an employer's is a slice.
    history: Store<[u8; 2]>,
    reasons: Store<u8>,
    weights: Vec<[Option<f64>; Criterion::COUNT]>,
    /// Every employer in plain order.
    order: Store<u32>,
    /// Zone id → its employers' range in `zone_members`.
    zones: PlHashMap<u32, (u32, u32)>,
    /// Employers of each zone, in plain order, zone after zone.
    zone_members: Store<u32>,
    /// (SIRET, employer), by SIRET.
    sirets: Store<[u64; 2]>,
    cache: std::sync::Mutex<PlHashMap<Filter, Arc<Vec<u32>>>>,
}

/// Errors building the index.
#[derive(Debug, thiserror::Error)]
#[error("feed column {column}, row {row}: {message}")]
pub struct IndexError {
    pub column: String,
    pub row: usize,
    pub message: String,
}

/// Appends a SIRET as its 14 digits.
fn write_siret(siret: u64, out: &mut String) {
    let mut digits = [b'0'; 14];
    let mut v = siret;
    for d in digits.iter_mut().rev() {
        *d = b'0' + (v % 10) as u8;
        v /= 10;
    }
    out.extend(digits.iter().map(|&b| b as char));
}

fn ierr(column: &str, row: usize, message: impl Into<String>) -> IndexError {
    IndexError {
        column: column.to_string(),
        row: row + 1,
        message: message.into(),
    }
}

fn text_col<'a>(df: &'a DataFrame, name: &str) -> Result<&'a StringChunked, IndexError> {
    df.column(name)
        .map_err(|e| ierr(name, 0, e.to_string()))?
        .as_materialized_series()
        .str()
        .map_err(|e| ierr(name, 0, e.to_string()))
}

fn u32_col(df: &DataFrame, name: &str) -> Result<Vec<Option<u32>>, IndexError> {
    let c = df
        .column(name)
        .map_err(|e| ierr(name, 0, e.to_string()))?
        .cast(&DataType::UInt32)
        .map_err(|e| ierr(name, 0, e.to_string()))?;
    let ca = c
        .as_materialized_series()
        .u32()
        .map_err(|e| ierr(name, 0, e.to_string()))?
        .clone();
    Ok(ca.iter().collect())
}

/// Criteria read together (their text columns), so that a national feed's sixteen criterion
/// columns are never all in memory at once.
const CRITERIA_PER_READ: usize = 2;

/// One step of [`Index::build_from`]: the columns it reads and the loader that decodes them.
/// The reader thread and the decoder walk the same list, so they cannot fall out of step.
#[derive(Debug, Clone, Copy)]
enum Step {
    Ids,
    Places(&'static [&'static str]),
    Numbers,
    Enums(&'static [&'static str]),
    Criteria(&'static [Criterion]),
    Weights(&'static [Criterion]),
    History,
    Far,
}

impl Step {
    fn columns(self) -> Vec<String> {
        let own = |names: &[&str]| names.iter().map(|s| s.to_string()).collect();
        match self {
            Step::Ids => own(&ID_COLUMNS),
            Step::Places(names) | Step::Enums(names) => own(names),
            Step::Numbers => own(&NUMBER_COLUMNS),
            Step::Criteria(cs) => cs.iter().map(|c| c.name().to_string()).collect(),
            Step::Weights(cs) => cs.iter().map(|c| format!("{}_weight", c.name())).collect(),
            Step::History => own(&HISTORY_COLUMNS),
            Step::Far => own(&FAR_COLUMNS),
        }
    }
}

/// The steps of [`Index::build_from`], in order: identifiers, then places (the search texts
/// need both), then the rest a few columns at a time.
fn steps() -> Vec<Step> {
    let places: &'static [&'static str] = &PLACE_COLUMNS;
    let enums: &'static [&'static str] = &ENUM_COLUMNS;
    let criteria: &'static [Criterion] = &CRITERIA;
    let mut steps = vec![Step::Ids];
    steps.extend(places.chunks(3).map(Step::Places));
    steps.push(Step::Numbers);
    steps.extend(enums.chunks(enums.len().div_ceil(2)).map(Step::Enums));
    steps.extend(criteria.chunks(CRITERIA_PER_READ).map(Step::Criteria));
    steps.extend(criteria.chunks(2 * CRITERIA_PER_READ).map(Step::Weights));
    steps.extend([Step::History, Step::Far]);
    steps
}

/// The folded search text of each employer (`keys`: name id, commune id, SIRET): its name,
/// its commune's name and its SIRET, so that any of them finds it. Returned as chunks of
/// (texts end to end, the end of each), folded in parallel.
fn search_texts(
    strings: &Strings,
    keys: &[(u32, u32, u64)],
    commune_name: &(dyn Fn(&str) -> Option<String> + Sync),
) -> Vec<(String, Vec<usize>)> {
    use rayon::prelude::*;
    // Commune names folded once per commune, then every search text in parallel.
    let mut names: PlHashMap<u32, String> = PlHashMap::default();
    for &(_, commune, _) in keys {
        names
            .entry(commune)
            .or_insert_with(|| fold(&commune_name(strings.get(commune)).unwrap_or_default()));
    }
    keys.par_chunks(1 << 14)
        .map(|chunk| {
            let mut text = String::with_capacity(chunk.len() * 48);
            let mut ends = Vec::with_capacity(chunk.len());
            for &(name, commune, siret) in chunk {
                fold_into(strings.get(name), &mut text);
                text.push(' ');
                text.push_str(names.get(&commune).map_or("", String::as_str));
                text.push(' ');
                write_siret(siret, &mut text);
                ends.push(text.len());
            }
            (text, ends)
        })
        .collect()
}

/// A text column dictionary-encoded: each row's index into `values`, its distinct values in
/// first-seen order, so that each distinct value is parsed once (a national feed repeats a
/// few hundred codes over a million rows).
struct Dict<'a> {
    rows: Vec<u32>,
    values: Vec<Option<&'a str>>,
}

impl<'a> Dict<'a> {
    fn of(ca: &'a StringChunked) -> Dict<'a> {
        // A value of at most 12 bytes is held whole in its 16-byte view: hashing the view is
        // much cheaper than hashing the text. Longer values are hashed as text.
        let mut short: PlHashMap<u128, u32> = PlHashMap::default();
        let mut long: PlHashMap<&'a str, u32> = PlHashMap::default();
        let mut null: Option<u32> = None;
        let mut values: Vec<Option<&'a str>> = Vec::new();
        let mut rows = Vec::with_capacity(ca.len());
        let mut add = |v: Option<&'a str>| {
            values.push(v);
            values.len() as u32 - 1
        };
        for arr in ca.downcast_iter() {
            for (v, view) in arr.iter().zip(arr.views().iter()) {
                let id = match v {
                    None => *null.get_or_insert_with(|| add(None)),
                    Some(v) if view.length <= 12 => {
                        let key = view.as_u128();
                        match short.get(&key) {
                            Some(&id) => id,
                            None => *short.entry(key).or_insert(add(Some(v))),
                        }
                    }
                    Some(v) => *long.entry(v).or_insert_with(|| add(Some(v))),
                };
                rows.push(id);
            }
        }
        Dict { rows, values }
    }

    /// The `code` of each distinct value; an error names the first row holding the value.
    fn table<T>(
        &self,
        column: &str,
        mut code: impl FnMut(Option<&'a str>) -> Result<T, String>,
    ) -> Result<Vec<T>, IndexError> {
        let mut table = Vec::with_capacity(self.values.len());
        for (k, v) in self.values.iter().enumerate() {
            table.push(code(*v).map_err(|m| ierr(column, self.first_row(k), m))?);
        }
        Ok(table)
    }

    /// Each row's `code` of its value, each distinct value coded once.
    fn codes<T: Copy>(
        &self,
        column: &str,
        code: impl FnMut(Option<&'a str>) -> Result<T, String>,
    ) -> Result<Vec<T>, IndexError> {
        let table = self.table(column, code)?;
        Ok(self.rows.iter().map(|&r| table[r as usize]).collect())
    }

    fn first_row(&self, k: usize) -> usize {
        self.rows.iter().position(|&r| r as usize == k).unwrap_or(0)
    }
}

/// Sets one compact field of an employer.
type SetCode = dyn Fn(&mut Emp, u8);

/// A decoded column: each row's index into `table`, and the field of [`Emp`] it sets.
struct Coded<'f, T> {
    rows: Vec<u32>,
    table: Vec<T>,
    set: &'f dyn Fn(&mut Emp, T),
}

/// Sets the fields of every employer from decoded columns, all in one pass over the employers
/// (a pass per column would sweep the whole index again each time).
fn scatter<T: Copy>(emps: &mut [Emp], cols: &[Coded<T>]) -> Result<(), IndexError> {
    for c in cols {
        let in_range = c.rows.iter().all(|&r| (r as usize) < c.table.len());
        if c.rows.len() != emps.len() || !in_range {
            return Err(ierr("feed", 0, "columns of unequal lengths"));
        }
    }
    for (i, e) in emps.iter_mut().enumerate() {
        for c in cols {
            (c.set)(e, c.table[c.rows[i] as usize]);
        }
    }
    Ok(())
}

/// The dictionaries of some text columns of `df`, built in parallel.
fn dicts<'a>(df: &'a DataFrame, names: &[&str]) -> Result<Vec<Dict<'a>>, IndexError> {
    use rayon::prelude::*;
    let cols = names
        .iter()
        .map(|n| text_col(df, n))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(cols.into_par_iter().map(Dict::of).collect())
}

/// The compact code of a criterion's cell: 0 absent, 1 not calculable, 2 withheld, 3 + band.
fn citation_code(v: Option<&str>) -> Result<u8, String> {
    match v {
        None | Some("") => Ok(0),
        Some("not_calculable") => Ok(1),
        Some("withheld") => Ok(2),
        Some(s) => BANDS_BY_KEY
            .iter()
            .find(|(k, _)| *k == s)
            .map(|&(_, code)| code)
            .ok_or_else(|| format!("unknown value {s:?}")),
    }
}

impl Index {
    /// Builds the index from a flat feed table; `commune_name` names communes for search.
    pub fn build(
        df: &DataFrame,
        meta: FeedMeta,
        commune_name: &(dyn Fn(&str) -> Option<String> + Sync),
    ) -> Result<Index, IndexError> {
        let select = |names: &[&str]| {
            df.select(names.iter().copied())
                .map_err(|e| ierr(names[0], 0, e.to_string()))
        };
        Index::build_from(&select, meta, commune_name)
    }

    /// Builds the index from a few columns at a time (`columns(names)` gives those columns of
    /// the flat feed), so that a national feed is never whole in memory beside its index.
    ///
    /// One thread reads the next group of columns while this one decodes the last, and the
    /// search texts are folded on a third as soon as names and places are known: start-up is
    /// what a counsellor waits for after a deployment.
    pub fn build_from(
        columns: &(dyn Fn(&[&str]) -> Result<DataFrame, IndexError> + Sync),
        meta: FeedMeta,
        commune_name: &(dyn Fn(&str) -> Option<String> + Sync),
    ) -> Result<Index, IndexError> {
        let steps = steps();
        std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel(0);
            let steps = &steps;
            scope.spawn(move || {
                for step in steps {
                    let names = step.columns();
                    let names: Vec<&str> = names.iter().map(String::as_str).collect();
                    if tx.send(columns(&names)).is_err() {
                        break;
                    }
                }
            });
            let next = || -> Result<DataFrame, IndexError> {
                rx.recv()
                    .map_err(|_| ierr(ID_COLUMNS[0], 0, "the feed reader stopped"))?
            };
            let ids = next()?;
            let mut ix = Index::empty(meta, ids.height());
            ix.load_ids(&ids)?;
            drop(ids);
            let places = 1 + steps[1..]
                .iter()
                .take_while(|s| matches!(s, Step::Places(_)))
                .count();
            for &step in &steps[1..places] {
                ix.load_step(step, &next()?)?;
            }
            let strings = std::mem::take(&mut ix.strings);
            let keys: Vec<(u32, u32, u64)> = ix
                .emps
                .iter()
                .map(|e| (e.name, e.commune, e.siret))
                .collect();
            let search = scope.spawn(move || {
                let texts = search_texts(&strings, &keys, commune_name);
                (strings, texts)
            });
            for &step in &steps[places..] {
                ix.load_step(step, &next()?)?;
            }
            let (strings, texts) = search
                .join()
                .map_err(|_| ierr("name", 0, "folding the search texts failed"))?;
            ix.strings = strings;
            let mut emps = ix.emps.iter_mut();
            for (text, ends) in &texts {
                let mut start = 0;
                for (&end, e) in ends.iter().zip(emps.by_ref()) {
                    e.search = ix.strings.push(&text[start..end]);
                    start = end;
                }
            }
            ix.sort();
            Ok(ix)
        })
    }

    /// Decodes the columns of one step.
    fn load_step(&mut self, step: Step, df: &DataFrame) -> Result<(), IndexError> {
        match step {
            Step::Ids => self.load_ids(df),
            Step::Places(_) => self.load_places(df),
            Step::Numbers => self.load_numbers(df),
            Step::Enums(_) => self.load_enums(df),
            Step::Criteria(group) => self.load_criteria(group, df),
            Step::Weights(_) => self.load_weights(df),
            Step::History => self.load_history(df),
            Step::Far => self.load_far(df),
        }
    }

    /// An index of `n` blank employers.
    fn empty(meta: FeedMeta, n: usize) -> Index {
        let blank = Emp {
            label: NONE,
            non_calculable: NONE,
            gated_by: NONE,
            score: NONE,
            lower: NONE,
            upper: NONE,
            far_standing: NONE,
            ..bytemuck::Zeroable::zeroed()
        };
        let mut strings = Strings::default();
        strings.id("");
        Index {
            meta,
            strings,
            periods: Vec::new(),
            emps: Store::Owned(vec![blank; n]),
            history: Store::default(),
            reasons: Store::default(),
            weights: Vec::new(),
            order: Store::default(),
            zones: PlHashMap::default(),
            zone_members: Store::default(),
            sirets: Store::default(),
            cache: Default::default(),
        }
    }

    fn load_places(&mut self, df: &DataFrame) -> Result<(), IndexError> {
        type Set = fn(&mut Emp, u32);
        let fields: [(&str, Set); 7] = [
            ("naf", |e, v| e.naf = v),
            ("division", |e, v| e.division = v),
            ("section", |e, v| e.section = v),
            ("commune", |e, v| e.commune = v),
            ("zone", |e, v| e.zone = v),
            ("departement", |e, v| e.departement = v),
            ("region", |e, v| e.region = v),
        ];
        let names: Vec<&str> = df.get_column_names().iter().map(|s| s.as_str()).collect();
        let mut cols = Vec::with_capacity(names.len());
        for (&col, d) in names.iter().zip(dicts(df, &names)?) {
            let field = fields.iter().find(|(name, _)| *name == col);
            let (_, set) = field.ok_or_else(|| ierr(col, 0, "not a place column"))?;
            let table = d.values.iter().map(|v| self.strings.id(v.unwrap_or("")));
            let table = table.collect();
            cols.push(Coded {
                rows: d.rows,
                table,
                set,
            });
        }
        scatter(&mut self.emps, &cols)
    }

    fn load_ids(&mut self, df: &DataFrame) -> Result<(), IndexError> {
        // Names are unique: stored, not looked up.
        for (e, v) in self.emps.iter_mut().zip(text_col(df, "name")?.iter()) {
            e.name = match v.unwrap_or("") {
                "" => self.strings.id(""),
                v => self.strings.push(v),
            };
        }
        let mut sirets = Vec::with_capacity(self.emps.len());
        for (i, v) in text_col(df, "siret")?.iter().enumerate() {
            let s = v.unwrap_or("");
            let digits = s.len() == 14 && s.bytes().all(|b| b.is_ascii_digit());
            let siret: u64 = s
                .parse()
                .ok()
                .filter(|_| digits)
                .ok_or_else(|| ierr("siret", i, format!("not a 14-digit SIRET: {s:?}")))?;
            self.emps[i].siret = siret;
            sirets.push([siret, i as u64]);
        }
        sirets.sort_unstable();
        // A SIRET held twice: named at the later of its rows (the first such row).
        let twice = sirets.windows(2).filter(|w| w[0][0] == w[1][0]);
        if let Some(w) = twice.min_by_key(|w| w[1][1]) {
            let row = w[1][1] as usize;
            return Err(ierr(
                "siret",
                row,
                format!("SIRET {:014} appears twice", w[1][0]),
            ));
        }
        self.sirets = Store::Owned(sirets);
        Ok(())
    }

    fn load_numbers(&mut self, df: &DataFrame) -> Result<(), IndexError> {
        let small = |col: &str, i: usize, v: Option<u32>, max: u32| -> Result<u8, IndexError> {
            match v {
                None => Ok(NONE),
                Some(x) if x <= max => Ok(x as u8),
                Some(x) => Err(ierr(col, i, format!("{x} is out of range 0–{max}"))),
            }
        };
        let label = u32_col(df, "label")?;
        let score = u32_col(df, "score")?;
        let lower = u32_col(df, "score_lower")?;
        let upper = u32_col(df, "score_upper")?;
        let members = u32_col(df, "peer_members")?;
        let version = u32_col(df, "version")?;
        let n = self.emps.len();
        let cols = [&label, &score, &lower, &upper, &members, &version];
        if cols.iter().any(|c| c.len() != n) {
            return Err(ierr("feed", 0, "columns of unequal lengths"));
        }
        for i in 0..n {
            if version[i] != Some(feed::RECORD_VERSION) {
                return Err(ierr(
                    "version",
                    i,
                    format!("expected {}", feed::RECORD_VERSION),
                ));
            }
            let e = &mut self.emps[i];
            e.label = small("label", i, label[i], 3)?;
            e.score = small("score", i, score[i], 100)?;
            e.lower = small("score_lower", i, lower[i], 100)?;
            e.upper = small("score_upper", i, upper[i], 100)?;
            // A published group size is at least 3, so 0 stands for "not published".
            e.peer_members = members[i].unwrap_or(0);
        }
        Ok(())
    }

    fn load_enums(&mut self, df: &DataFrame) -> Result<(), IndexError> {
        let trends: Vec<String> = TRENDS.iter().map(feed::key_of).collect();
        let sizes: Vec<&str> = SIZES.iter().map(|s| s.as_str()).collect();
        type Set = fn(&mut Emp, u8);
        let sets: [Set; 6] = [
            |e, c| e.trend = c,
            |e, c| e.size = c,
            |e, c| e.peer_sector = c,
            |e, c| e.peer_geo = c,
            |e, c| e.non_calculable = c,
            |e, c| e.gated_by = c,
        ];
        let names: Vec<&str> = df.get_column_names().iter().map(|s| s.as_str()).collect();
        let mut cols = Vec::with_capacity(names.len());
        for (&col, d) in names.iter().zip(dicts(df, &names)?) {
            let k = ENUM_COLUMNS.iter().position(|&c| c == col);
            let set = &sets[k.ok_or_else(|| ierr(col, 0, "not an enumerated column"))?];
            let table = d.table(col, |v| {
                let Some(s) = v.filter(|s| !s.is_empty()) else {
                    // Only these two may be missing: the others are required fields.
                    return match col {
                        "non_calculable" | "gated_by" => Ok(NONE),
                        _ => Err("missing value".to_string()),
                    };
                };
                match col {
                    "trend" => trends.iter().position(|t| t == s).map(|k| k as u8),
                    "size_band" => sizes.iter().position(|t| *t == s).map(|k| k as u8),
                    "peer_sector" => pos_of(&SECTOR_RUNGS, s),
                    "peer_geo" => pos_of(&GEO_RUNGS, s),
                    "non_calculable" => pos_of(&NCS, s),
                    _ => Criterion::from_name(s).map(|c| c as u8),
                }
                .ok_or_else(|| format!("unknown value {s:?}"))
            })?;
            cols.push(Coded {
                rows: d.rows,
                table,
                set,
            });
        }
        scatter(&mut self.emps, &cols)
    }

    fn load_criteria(&mut self, group: &[Criterion], df: &DataFrame) -> Result<(), IndexError> {
        let names: Vec<&str> = group.iter().map(|c| c.name()).collect();
        let sets: Vec<Box<SetCode>> = group
            .iter()
            .map(|&c| Box::new(move |e: &mut Emp, v| e.crit[c as usize] = v) as Box<_>)
            .collect();
        let mut cols = Vec::with_capacity(group.len());
        for ((c, set), d) in group.iter().zip(&sets).zip(dicts(df, &names)?) {
            let table = d.table(c.name(), citation_code)?;
            let set = set.as_ref();
            cols.push(Coded {
                rows: d.rows,
                table,
                set,
            });
        }
        scatter(&mut self.emps, &cols)
    }

    /// Each employer's weights, as an id into the table of distinct weight sets, refined by
    /// the weight columns of `df` (a few criteria at a time: the columns of all sixteen at
    /// once would be large).
    fn load_weights(&mut self, df: &DataFrame) -> Result<(), IndexError> {
        let mut cols = Vec::new();
        for name in df.get_column_names() {
            let n = name.as_str();
            let c = n.strip_suffix("_weight").and_then(Criterion::from_name);
            let c = c.ok_or_else(|| ierr(n, 0, "not a criterion weight column"))?;
            let col = df.column(n).and_then(|x| x.cast(&DataType::Float64));
            let col = col.map_err(|e| ierr(n, 0, e.to_string()))?;
            cols.push((c as usize, n, col));
        }
        let cas = cols
            .iter()
            .map(|(_, n, col)| {
                col.as_materialized_series()
                    .f64()
                    .map_err(|e| ierr(n, 0, e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut iters: Vec<_> = cas.iter().map(|ca| ca.iter()).collect();
        let mut table: PlHashMap<(u16, [u64; Criterion::COUNT]), u16> = PlHashMap::default();
        let mut weights: Vec<[Option<f64>; Criterion::COUNT]> = Vec::new();
        for emp in self.emps.iter_mut() {
            let mut key = [u64::MAX; Criterion::COUNT];
            let mut values = [None; Criterion::COUNT];
            for ((k, _, _), it) in cols.iter().zip(iters.iter_mut()) {
                values[*k] = it.next().flatten();
                key[*k] = values[*k].map_or(u64::MAX, f64::to_bits);
            }
            let id = match table.get(&(emp.weights, key)) {
                Some(&id) => id,
                None => {
                    let id = u16::try_from(weights.len())
                        .map_err(|_| ierr(cols[0].1, 0, "too many distinct weight sets"))?;
                    let mut w = self.weights.get(emp.weights as usize).copied();
                    let w = w.get_or_insert([None; Criterion::COUNT]);
                    for (k, _, _) in &cols {
                        w[*k] = values[*k];
                    }
                    weights.push(*w);
                    table.insert((emp.weights, key), id);
                    id
                }
            };
            emp.weights = id;
        }
        self.weights = weights;
        Ok(())
    }

    fn load_history(&mut self, df: &DataFrame) -> Result<(), IndexError> {
        let ds: [Dict; 3] = dicts(df, &HISTORY_COLUMNS)?
            .try_into()
            .map_err(|_| ierr(HISTORY_COLUMNS[0], 0, "missing columns"))?;
        let [period, history, reasons] = ds;
        let expected = self.meta.period.clone();
        period.codes("period", |v| match v == Some(expected.as_str()) {
            true => Ok(()),
            false => Err(format!("expected {expected}")),
        })?;
        if !self.emps.is_empty() {
            self.periods.push(expected);
        }
        // Employers with the same history or reasons share one slice of the list.
        let history = history.codes("history", |v| self.parse_history(v.unwrap_or("")))?;
        let reasons = reasons.codes("reasons", |v| self.parse_reasons(v.unwrap_or("")))?;
        if history.len() != self.emps.len() || reasons.len() != self.emps.len() {
            return Err(ierr("feed", 0, "columns of unequal lengths"));
        }
        for ((e, h), r) in self.emps.iter_mut().zip(history).zip(reasons) {
            (e.history_start, e.history_len) = h;
            (e.reasons_start, e.reasons_len) = r;
        }
        Ok(())
    }

    fn load_far(&mut self, df: &DataFrame) -> Result<(), IndexError> {
        let ds: [Dict; 3] = dicts(df, &FAR_COLUMNS)?
            .try_into()
            .map_err(|_| ierr(FAR_COLUMNS[0], 0, "missing columns"))?;
        let [far, standing, members] = ds;
        let far = far.codes("far_from_employment", |v| match v.unwrap_or("") {
            "shown" => Ok(0),
            "partly_shown" => Ok(1),
            "too_few_persons" => Ok(2),
            "not_calculable" => Ok(3),
            other => Err(format!("unknown value {other:?}")),
        })?;
        let standing = standing.codes("far_from_employment_standing", |v| {
            Ok(v.and_then(feed::record::band_from_key)
                .and_then(feed::record::band_index)
                .unwrap_or(NONE))
        })?;
        let members = members.codes("far_from_employment_members", |v| {
            let mut bits = 0u16;
            for k in v.unwrap_or("").split(';').filter(|s| !s.is_empty()) {
                let c = Criterion::from_name(k).ok_or_else(|| format!("unknown {k:?}"))?;
                bits |= 1 << (c as u16);
            }
            Ok(bits)
        })?;
        let n = self.emps.len();
        if far.len() != n || standing.len() != n || members.len() != n {
            return Err(ierr("feed", 0, "columns of unequal lengths"));
        }
        for (i, e) in self.emps.iter_mut().enumerate() {
            (e.far, e.far_standing, e.far_members) = (far[i], standing[i], members[i]);
            if e.far == 0 && e.far_standing == NONE {
                return Err(ierr("far_from_employment_standing", i, "missing value"));
            }
        }
        Ok(())
    }

    /// Appends the entries of a history cell (`2024T4:2;2025T1:nc`) to the history list.
    fn parse_history(&mut self, v: &str) -> Result<(u32, u16), String> {
        let start = self.history.len() as u32;
        for item in v.split(';').filter(|s| !s.is_empty()) {
            let (p, l) = item
                .rsplit_once(':')
                .ok_or_else(|| format!("bad entry {item:?}"))?;
            let label = match l {
                "nc" => NONE,
                l => l
                    .parse::<u8>()
                    .ok()
                    .filter(|&x| x <= 3)
                    .ok_or_else(|| format!("bad label {item:?}"))?,
            };
            let p = match self.periods.iter().position(|x| x == p) {
                Some(k) => k,
                None => {
                    self.periods.push(p.to_string());
                    self.periods.len() - 1
                }
            };
            let p = u8::try_from(p).map_err(|_| "too many periods".to_string())?;
            self.history.vec_mut().push([p, label]);
        }
        let len = u16::try_from(self.history.len() as u32 - start)
            .map_err(|_| "too many entries".to_string())?;
        Ok((start, len))
    }

    /// Appends the reasons of a cell (`cdi_share;turnover`) to the reasons list.
    fn parse_reasons(&mut self, v: &str) -> Result<(u32, u8), String> {
        let start = self.reasons.len() as u32;
        for r in v.split(';').filter(|s| !s.is_empty()) {
            let code = match Reason::from_key(r) {
                Some(Reason::Criterion(c)) => c as u8,
                Some(Reason::FarFromEmployment) => NONE,
                None => return Err(format!("unknown reason {r:?}")),
            };
            self.reasons.vec_mut().push(code);
        }
        let len = u8::try_from(self.reasons.len() as u32 - start)
            .map_err(|_| "too many reasons".to_string())?;
        Ok((start, len))
    }

    fn sort(&mut self) {
        let emps = &*self.emps;
        // One integer key per employer: label (best first), score (best first), SIRET
        // (a SIRET is below 10^14 < 2^47; a label rank takes 3 bits, a score rank 7).
        let mut keyed: Vec<(u64, u32)> = emps
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let label = (3 - rank_label(e.label)) as u64;
                let score = (100 - rank_label(e.score)) as u64;
                ((label << 54) | (score << 47) | e.siret, i as u32)
            })
            .collect();
        {
            use rayon::slice::ParallelSliceMut;
            keyed.par_sort_unstable();
        }
        let order: Vec<u32> = keyed.into_iter().map(|(_, i)| i).collect();
        let mut by_zone: PlHashMap<u32, Vec<u32>> = PlHashMap::default();
        for &i in &order {
            by_zone.entry(emps[i as usize].zone).or_default().push(i);
        }
        let mut zone_ids: Vec<u32> = by_zone.keys().copied().collect();
        zone_ids.sort_unstable();
        let mut members = Vec::with_capacity(order.len());
        for z in zone_ids {
            let start = members.len() as u32;
            members.extend_from_slice(&by_zone[&z]);
            self.zones.insert(z, (start, members.len() as u32 - start));
        }
        self.zone_members = Store::Owned(members);
        self.order = Store::Owned(order);
    }

    /// The employers of zone `z`, in plain order.
    fn zone(&self, z: u32) -> &[u32] {
        let (start, len) = self.zones.get(&z).copied().unwrap_or((0, 0));
        let range = start as usize..start as usize + len as usize;
        self.zone_members.get(range).unwrap_or(&[])
    }

    /// Number of employers.
    pub fn len(&self) -> usize {
        self.emps.len()
    }

    /// Whether the feed is empty.
    pub fn is_empty(&self) -> bool {
        self.emps.is_empty()
    }

    /// Every employer, by SIRET.
    pub fn siret_order(&self) -> Vec<usize> {
        self.sirets.iter().map(|&[_, i]| i as usize).collect()
    }

    /// The employer of a SIRET.
    pub fn find(&self, siret: u64) -> Option<usize> {
        let k = self.sirets.binary_search_by_key(&siret, |&[s, _]| s).ok()?;
        Some(self.sirets[k][1] as usize)
    }

    /// The id of a zone code present in the feed.
    pub fn zone_id(&self, code: &str) -> Option<u32> {
        self.strings
            .find(code)
            .filter(|id| self.zones.contains_key(id))
    }

    /// The zone codes of the feed, sorted (no counts: see `docs/feed.md`).
    pub fn zones(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.zones.keys().map(|z| self.strings.get(*z)).collect();
        v.sort_unstable();
        v
    }

    /// Zone ids, the zones with the most employers first (the order in which the server
    /// prepares the day's lists).
    pub fn zone_ids_by_size(&self) -> Vec<u32> {
        let mut v: Vec<(usize, u32)> = self
            .zones
            .iter()
            .map(|(z, &(_, len))| (len as usize, *z))
            .collect();
        v.sort_unstable_by(|a, b| b.cmp(a));
        v.into_iter().map(|(_, z)| z).collect()
    }

    /// The NAF divisions of the feed with their section, sorted (no counts).
    pub fn divisions(&self) -> Vec<(&str, &str)> {
        let ids: PlHashSet<(u32, u32)> =
            self.emps.iter().map(|e| (e.division, e.section)).collect();
        let mut v: Vec<(&str, &str)> = ids
            .into_iter()
            .map(|(d, s)| (self.strings.get(d), self.strings.get(s)))
            .collect();
        v.sort_unstable();
        v
    }

    /// Whether `e` passes `f`; `q` finds `f.q` in the search texts (folded: plain bytes).
    fn matches(&self, e: &Emp, f: &Filter, q: Option<&memchr::memmem::Finder>) -> bool {
        let level_ok = e.label != NONE && f.levels & (1 << e.label) != 0;
        let size_ok = f.sizes == 0 || f.sizes & (1 << e.size) != 0;
        level_ok
            && size_ok
            && f.sector.as_deref().is_none_or(|s| {
                if s.len() == 1 && s.as_bytes()[0].is_ascii_alphabetic() {
                    self.strings.get(e.section) == s
                } else {
                    self.strings.get(e.naf).starts_with(s)
                }
            })
            && q.is_none_or(|q| q.find(self.strings.bytes_of(e.search)).is_some())
    }

    /// The employers matching `f`, in order (cached per filter: the order of a seed is fixed).
    pub fn select(&self, f: &Filter) -> Arc<Vec<u32>> {
        if let Some(hit) = self.cache.lock().ok().and_then(|c| c.get(f).cloned()) {
            return hit;
        }
        let base: &[u32] = match f.zone {
            Some(z) => self.zone(z),
            None => &self.order,
        };
        let emps = &*self.emps;
        let q = f.q.as_deref().map(memchr::memmem::Finder::new);
        let keep = |&i: &u32| self.matches(&emps[i as usize], f, q.as_ref());
        // A national list without a zone is scanned on every core (order is kept).
        let mut ids: Vec<u32> = if base.len() > 100_000 {
            use rayon::prelude::*;
            base.par_iter().copied().filter(keep).collect()
        } else {
            base.iter().copied().filter(keep).collect()
        };
        if let Some(seed) = f.seed {
            self.rotate(&mut ids, seed);
        }
        let ids = Arc::new(ids);
        if let Ok(mut c) = self.cache.lock() {
            if c.len() >= 4096 {
                c.clear();
            }
            c.insert(f.clone(), ids.clone());
        }
        ids
    }

    fn rotate(&self, ids: &mut Vec<u32>, seed: u64) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(ROTATION_STREAM);
        let mut keyed: Vec<(u8, f64, u32)> = ids
            .iter()
            .map(|&i| {
                let e = &self.emps[i as usize];
                let u: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
                let s = if e.score == NONE { 0.0 } else { e.score as f64 };
                (e.label, u.powf(1.0 / (s + 1.0)), i)
            })
            .collect();
        keyed.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)));
        *ids = keyed.into_iter().map(|k| k.2).collect();
    }

    /// The published record of employer `i`, exactly as in the feed.
    pub fn record(&self, i: usize) -> EmployerRecord {
        let e = &self.emps[i];
        let s = |id: u32| self.strings.get(id).to_string();
        let opt = |v: u8| (v != NONE).then_some(v);
        let weights = &self.weights[e.weights as usize];
        let criteria = CRITERIA
            .iter()
            .filter_map(|&c| {
                Some(CriterionView {
                    criterion: Key(c),
                    weight: weights[c as usize]?,
                    citation: citation_of(e.crit[c as usize])?,
                })
            })
            .collect();
        let (h0, hn) = (e.history_start as usize, e.history_len as usize);
        let history = self.history[h0..h0 + hn]
            .iter()
            .map(|&[p, l]| HistoryEntry {
                period: self.periods[p as usize].clone(),
                label: opt(l),
            })
            .collect();
        let (r0, rn) = (e.reasons_start as usize, e.reasons_len as usize);
        let reasons = self.reasons[r0..r0 + rn]
            .iter()
            .map(|&c| {
                if c == NONE {
                    Reason::FarFromEmployment
                } else {
                    Reason::Criterion(CRITERIA[c as usize])
                }
            })
            .collect();
        let far_status = match e.far {
            0 => FarStatus::Shown(feed::record::BANDS[e.far_standing as usize]),
            1 => FarStatus::PartlyShown,
            2 => FarStatus::TooFewPersons,
            _ => FarStatus::NotCalculable,
        };
        EmployerRecord {
            version: feed::RECORD_VERSION,
            siret: format!("{:014}", e.siret),
            name: Some(s(e.name)).filter(|n| !n.is_empty()),
            period: self.meta.period.clone(),
            label: opt(e.label),
            non_calculable: opt(e.non_calculable).map(|k| NCS[k as usize]),
            gated_by: opt(e.gated_by).map(|k| Key(CRITERIA[k as usize])),
            score: opt(e.score).map(u32::from),
            score_interval: match (opt(e.lower), opt(e.upper)) {
                (Some(a), Some(b)) => Some([a as u32, b as u32]),
                _ => None,
            },
            trend: TRENDS[e.trend as usize],
            history,
            sector: Sector {
                naf: s(e.naf),
                division: s(e.division),
                section: s(e.section),
            },
            place: Place {
                commune: s(e.commune),
                zone: s(e.zone),
                departement: s(e.departement),
                region: s(e.region),
            },
            size_band: SIZES[e.size as usize],
            peers: PeerInfo {
                rung: Rung {
                    sector: SECTOR_RUNGS[e.peer_sector as usize],
                    geo: GEO_RUNGS[e.peer_geo as usize],
                },
                members: (e.peer_members > 0).then_some(e.peer_members),
            },
            criteria,
            far_from_employment: FarFromEmployment {
                status: far_status,
                members: CRITERIA
                    .iter()
                    .filter(|&&c| e.far_members & (1 << c as u16) != 0)
                    .map(|&c| Key(c))
                    .collect(),
            },
            reasons,
        }
    }
}

/// Sort rank of an optional small value (`NONE` below every value).
fn rank_label(v: u8) -> i16 {
    if v == NONE {
        -1
    } else {
        v as i16
    }
}

#[cfg(test)]
mod tests {
    use super::{fold, write_siret, Dict};
    use polars::prelude::*;

    #[test]
    fn a_dictionary_gives_back_every_row_short_long_and_missing() {
        // Values up to 12 bytes are keyed by their view, longer ones by their text: both,
        // and missing cells, must come back as they were, across chunks.
        let cells = [
            Some("near"),
            Some("not_calculable"),
            None,
            Some("well_above"),
            Some("not_calculable"),
            Some("near"),
            None,
            Some("a value longer than twelve"),
            Some(""),
        ];
        let mut ca = StringChunked::from_iter(cells[..4].iter().copied());
        ca.append(&StringChunked::from_iter(cells[4..].iter().copied()))
            .unwrap();
        assert_eq!(ca.chunks().len(), 2);
        let d = Dict::of(&ca);
        let back: Vec<Option<&str>> = d.rows.iter().map(|&r| d.values[r as usize]).collect();
        assert_eq!(back, cells);
        assert_eq!(d.values.len(), 6);
        let err = d
            .codes("col", |v| match v {
                Some("well_above") => Err("bad".to_string()),
                _ => Ok(0u8),
            })
            .unwrap_err();
        assert_eq!((err.column.as_str(), err.row), ("col", 4));
    }

    /// The flat feed of 40 synthetic records with `(column, row, value)` cells replaced.
    #[cfg(feature = "serve")]
    fn build_with(cells: &[(&str, usize, &str)]) -> Result<super::Index, super::IndexError> {
        let r = crate::reference::Reference::load();
        let records = crate::serve::bench::synthetic_records(40, 1, &r);
        let meta = crate::feed::meta_of(records.len(), "2025T4", None, None);
        let mut df = crate::feed::flat_df(&records).unwrap();
        for &(name, row, value) in cells {
            let col = df.column(name).unwrap().str().unwrap().clone();
            let mut v: Vec<Option<String>> = col.iter().map(|x| x.map(String::from)).collect();
            v[row] = Some(value.to_string());
            df.with_column(Column::new(name.into(), v)).unwrap();
        }
        super::Index::build(&df, meta, &|_| None)
    }

    #[test]
    #[cfg(feature = "serve")]
    fn a_bad_feed_cell_is_an_error_naming_its_column_and_row() {
        assert_eq!(build_with(&[]).unwrap().len(), 40);
        let siret = build_with(&[]).unwrap().record(3).siret;
        let cases = [
            ("turnover", 7, "sideways".to_string(), "unknown value"),
            ("siret", 9, siret.clone(), "appears twice"),
            ("siret", 2, "123".to_string(), "not a 14-digit SIRET"),
            ("history", 5, "2024T4".to_string(), "bad entry"),
            ("trend", 11, "sideways".to_string(), "unknown value"),
            ("size_band", 4, String::new(), "missing value"),
            (
                "siret",
                6,
                "+1234567890123".to_string(),
                "not a 14-digit SIRET",
            ),
            ("zone", 0, String::new(), ""),
        ];
        for (col, row, value, message) in cases {
            let got = build_with(&[(col, row, value.as_str())]);
            if message.is_empty() {
                assert!(got.is_ok(), "{col}: {:?}", got.err());
                continue;
            }
            let e = got
                .err()
                .unwrap_or_else(|| panic!("{col} {value:?} accepted"));
            let expected_row = if col == "siret" && message == "appears twice" {
                // The second of the two rows holding it, whichever comes later.
                row.max(3) + 1
            } else {
                row + 1
            };
            assert_eq!((e.column.as_str(), e.row), (col, expected_row), "{e}");
            assert!(e.message.contains(message), "{e}");
        }
    }

    #[test]
    fn a_siret_keeps_its_leading_zeros() {
        let mut s = String::new();
        write_siret(1234567890123, &mut s);
        assert_eq!(s, "01234567890123");
    }

    #[test]
    fn fold_ignores_case_accents_and_hyphens_on_both_paths() {
        assert_eq!(fold("Saint-Malo L'Hôtel"), "saint malo l hotel");
        assert_eq!(fold("SAINT-MALO L'HOTEL"), "saint malo l hotel");
        assert_eq!(fold("Sévigné Œuvre ÇA’x"), "sevigne oeuvre ca x");
        assert_eq!(fold("12345678901234"), "12345678901234");
    }
}
