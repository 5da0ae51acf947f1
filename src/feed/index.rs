//! The in-memory index that `serve` answers from and `export` writes from: every published record of the feed in a
//! compact form (about 100 bytes an employer plus its name), built once at start-up straight
//! from the feed's columns, with the employers pre-sorted and grouped by employment zone so
//! that a zone query touches only that zone.
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

/// Stream id of the list rotation (the same as `engagement list --rotate`).
pub const ROTATION_STREAM: u64 = 0x4c49_5354;
/// Columns of the flat feed read by each step of [`Index::build_from`].
const CODE_COLUMNS: [&str; 9] = [
    "siret",
    "name",
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
const LIST_COLUMNS: [&str; 6] = [
    "period",
    "history",
    "reasons",
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

/// One employer, compact. Strings are ids into [`Index::strings`].
#[derive(Debug, Clone)]
struct Emp {
    siret: u64,
    name: u32,
    search: u32,
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
    far_members: u16,
    history: (u32, u16),
    reasons: (u32, u8),
    crit: [u8; Criterion::COUNT],
    weights: u16,
    naf: u32,
    division: u32,
    section: u32,
    commune: u32,
    zone: u32,
    departement: u32,
    region: u32,
    peer_members: u32,
}

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

/// String interner: every code, name and search text once.
#[derive(Debug, Default)]
pub struct Strings {
    all: Vec<Box<str>>,
    ids: PlHashMap<Box<str>, u32>,
}

impl Strings {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        let i = self.all.len() as u32;
        self.all.push(s.into());
        self.ids.insert(s.into(), i);
        i
    }
    /// Stores a string that is not looked up (a name, a search text): no hash entry, so a
    /// national feed's million unique names are held once.
    fn push(&mut self, s: impl Into<Box<str>>) -> u32 {
        let i = self.all.len() as u32;
        self.all.push(s.into());
        i
    }
    /// The string of an id.
    pub fn get(&self, i: u32) -> &str {
        &self.all[i as usize]
    }
    fn find(&self, s: &str) -> Option<u32> {
        self.ids.get(s).copied()
    }
}

/// Folds text for search: lower case, accents removed (`Sévigné` → `sevigne`).
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    if s.is_ascii() {
        // The common case, byte by byte (a national feed folds a million names at start-up).
        out.extend(s.bytes().map(|b| match b {
            b'-' | b'\'' => ' ',
            b => b.to_ascii_lowercase() as char,
        }));
        return out;
    }
    for c in s.chars().flat_map(char::to_lowercase) {
        match c {
            '-' | '\'' | '’' => out.push(' '),
            c => crate::text::push_unaccented(c, &mut out),
        }
    }
    out
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

/// The whole feed in memory.
#[derive(Debug)]
pub struct Index {
    pub meta: FeedMeta,
    pub strings: Strings,
    periods: Vec<String>,
    emps: Vec<Emp>,
    history: Vec<(u8, u8)>,
    reasons: Vec<u8>,
    weights: Vec<[Option<f64>; Criterion::COUNT]>,
    /// Every employer in plain order.
    order: Vec<u32>,
    /// Employers of each zone id, in plain order.
    by_zone: PlHashMap<u32, Vec<u32>>,
    /// SIRET → employer.
    by_siret: PlHashMap<u64, u32>,
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

fn f64_col(df: &DataFrame, name: &str) -> Result<Vec<Option<f64>>, IndexError> {
    let c = df
        .column(name)
        .map_err(|e| ierr(name, 0, e.to_string()))?
        .cast(&DataType::Float64)
        .map_err(|e| ierr(name, 0, e.to_string()))?;
    let ca = c
        .as_materialized_series()
        .f64()
        .map_err(|e| ierr(name, 0, e.to_string()))?
        .clone();
    Ok(ca.iter().collect())
}

impl Index {
    /// Builds the index from a flat feed table; `commune_name` names communes for search.
    pub fn build(
        df: &DataFrame,
        meta: FeedMeta,
        commune_name: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Index, IndexError> {
        let select = |names: &[&str]| {
            df.select(names.iter().copied())
                .map_err(|e| ierr(names[0], 0, e.to_string()))
        };
        Index::build_from(&select, meta, commune_name)
    }

    /// Builds the index from a few columns at a time (`columns(names)` gives those columns of
    /// the flat feed), so that a national feed is never whole in memory beside its index.
    pub fn build_from(
        columns: &dyn Fn(&[&str]) -> Result<DataFrame, IndexError>,
        meta: FeedMeta,
        commune_name: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Index, IndexError> {
        let codes = columns(&CODE_COLUMNS)?;
        let n = codes.height();
        let blank = Emp {
            siret: 0,
            name: 0,
            search: 0,
            label: NONE,
            non_calculable: NONE,
            gated_by: NONE,
            score: NONE,
            lower: NONE,
            upper: NONE,
            trend: 0,
            size: 0,
            peer_sector: 0,
            peer_geo: 0,
            far: 0,
            far_standing: NONE,
            far_members: 0,
            history: (0, 0),
            reasons: (0, 0),
            crit: [0; Criterion::COUNT],
            weights: 0,
            naf: 0,
            division: 0,
            section: 0,
            commune: 0,
            zone: 0,
            departement: 0,
            region: 0,
            peer_members: 0,
        };
        let mut ix = Index {
            meta,
            strings: Strings::default(),
            periods: Vec::new(),
            emps: vec![blank; n],
            history: Vec::new(),
            reasons: Vec::new(),
            weights: Vec::new(),
            order: Vec::new(),
            by_zone: PlHashMap::default(),
            by_siret: PlHashMap::with_capacity_and_hasher(n, Default::default()),
            cache: Default::default(),
        };
        ix.strings.id("");
        ix.load_codes(&codes)?;
        drop(codes);
        ix.load_numbers(&columns(&NUMBER_COLUMNS)?)?;
        ix.load_enums(&columns(&ENUM_COLUMNS)?)?;
        ix.load_criteria(columns)?;
        ix.load_lists(&columns(&LIST_COLUMNS)?)?;
        ix.load_search(commune_name);
        ix.sort();
        Ok(ix)
    }

    fn load_codes(&mut self, df: &DataFrame) -> Result<(), IndexError> {
        type Set = fn(&mut Emp, u32);
        let fields: [(&str, Set); 8] = [
            ("name", |e, v| e.name = v),
            ("naf", |e, v| e.naf = v),
            ("division", |e, v| e.division = v),
            ("section", |e, v| e.section = v),
            ("commune", |e, v| e.commune = v),
            ("zone", |e, v| e.zone = v),
            ("departement", |e, v| e.departement = v),
            ("region", |e, v| e.region = v),
        ];
        for (name, set) in fields {
            for (i, v) in text_col(df, name)?.iter().enumerate() {
                let v = v.unwrap_or("");
                let id = if name == "name" && !v.is_empty() {
                    self.strings.push(v)
                } else {
                    self.strings.id(v)
                };
                set(&mut self.emps[i], id);
            }
        }
        for (i, v) in text_col(df, "siret")?.iter().enumerate() {
            let s = v.unwrap_or("");
            let siret: u64 = s
                .parse()
                .ok()
                .filter(|_| s.len() == 14)
                .ok_or_else(|| ierr("siret", i, format!("not a 14-digit SIRET: {s:?}")))?;
            self.emps[i].siret = siret;
            if self.by_siret.insert(siret, i as u32).is_some() {
                return Err(ierr("siret", i, format!("SIRET {s} appears twice")));
            }
        }
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
        for i in 0..self.emps.len() {
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
        let cols = [
            "trend",
            "size_band",
            "peer_sector",
            "peer_geo",
            "non_calculable",
            "gated_by",
        ];
        for col in cols {
            let mut memo: PlHashMap<&str, u8> = PlHashMap::default();
            for (i, v) in text_col(df, col)?.iter().enumerate() {
                let code = match v {
                    None | Some("") => NONE,
                    Some(s) => match memo.get(s) {
                        Some(&c) => c,
                        None => {
                            let c = match col {
                                "trend" => trends.iter().position(|t| t == s).map(|k| k as u8),
                                "size_band" => sizes.iter().position(|t| *t == s).map(|k| k as u8),
                                "peer_sector" => pos_of(&SECTOR_RUNGS, s),
                                "peer_geo" => pos_of(&GEO_RUNGS, s),
                                "non_calculable" => pos_of(&NCS, s),
                                _ => Criterion::from_name(s).map(|c| c as u8),
                            }
                            .ok_or_else(|| ierr(col, i, format!("unknown value {s:?}")))?;
                            memo.insert(s, c);
                            c
                        }
                    },
                };
                let e = &mut self.emps[i];
                match col {
                    "trend" => e.trend = code,
                    "size_band" => e.size = code,
                    "peer_sector" => e.peer_sector = code,
                    "peer_geo" => e.peer_geo = code,
                    "non_calculable" => e.non_calculable = code,
                    _ => e.gated_by = code,
                }
            }
        }
        Ok(())
    }

    fn load_criteria(
        &mut self,
        columns: &dyn Fn(&[&str]) -> Result<DataFrame, IndexError>,
    ) -> Result<(), IndexError> {
        let mut weights: Vec<Vec<Option<f64>>> = Vec::new();
        for c in CRITERIA {
            let wname = format!("{}_weight", c.name());
            let df = columns(&[c.name(), wname.as_str()])?;
            for (i, v) in text_col(&df, c.name())?.iter().enumerate() {
                let code = match v {
                    None | Some("") => 0,
                    Some("not_calculable") => 1,
                    Some("withheld") => 2,
                    Some(s) => match BANDS_BY_KEY.iter().find(|(k, _)| *k == s) {
                        Some(&(_, code)) => code,
                        None => return Err(ierr(c.name(), i, format!("unknown value {s:?}"))),
                    },
                };
                self.emps[i].crit[c as usize] = code;
            }
            weights.push(f64_col(&df, &wname)?);
        }
        let mut table: PlHashMap<[u64; Criterion::COUNT], u16> = PlHashMap::default();
        for (i, emp) in self.emps.iter_mut().enumerate() {
            let w: [Option<f64>; Criterion::COUNT] = std::array::from_fn(|k| weights[k][i]);
            let key: [u64; Criterion::COUNT] =
                std::array::from_fn(|k| w[k].map_or(u64::MAX, f64::to_bits));
            let id = match table.get(&key) {
                Some(&id) => id,
                None => {
                    let id = self.weights.len() as u16;
                    self.weights.push(w);
                    table.insert(key, id);
                    id
                }
            };
            emp.weights = id;
        }
        Ok(())
    }

    fn load_lists(&mut self, df: &DataFrame) -> Result<(), IndexError> {
        let period = text_col(df, "period")?;
        let mut period_ids: PlHashMap<String, u8> = PlHashMap::default();
        let mut pid = |p: &str, periods: &mut Vec<String>| -> u8 {
            if let Some(&id) = period_ids.get(p) {
                return id;
            }
            *period_ids.entry(p.to_string()).or_insert_with(|| {
                periods.push(p.to_string());
                (periods.len() - 1) as u8
            })
        };
        if let Some(p) = period.get(0) {
            pid(p, &mut self.periods);
        }
        for (i, v) in period.iter().enumerate() {
            if v != Some(self.meta.period.as_str()) {
                return Err(ierr("period", i, format!("expected {}", self.meta.period)));
            }
        }
        for (i, v) in text_col(df, "history")?.iter().enumerate() {
            let start = self.history.len() as u32;
            for item in v.unwrap_or("").split(';').filter(|s| !s.is_empty()) {
                let (p, l) = item
                    .rsplit_once(':')
                    .ok_or_else(|| ierr("history", i, format!("bad entry {item:?}")))?;
                let label = match l {
                    "nc" => NONE,
                    l => l
                        .parse::<u8>()
                        .ok()
                        .filter(|&x| x <= 3)
                        .ok_or_else(|| ierr("history", i, format!("bad label {item:?}")))?,
                };
                let p = pid(p, &mut self.periods);
                self.history.push((p, label));
            }
            self.emps[i].history = (start, (self.history.len() as u32 - start) as u16);
        }
        for (i, v) in text_col(df, "reasons")?.iter().enumerate() {
            let start = self.reasons.len() as u32;
            for r in v.unwrap_or("").split(';').filter(|s| !s.is_empty()) {
                let code = match Reason::from_key(r) {
                    Some(Reason::Criterion(c)) => c as u8,
                    Some(Reason::FarFromEmployment) => NONE,
                    None => return Err(ierr("reasons", i, format!("unknown reason {r:?}"))),
                };
                self.reasons.push(code);
            }
            self.emps[i].reasons = (start, (self.reasons.len() as u32 - start) as u8);
        }
        let status = text_col(df, "far_from_employment")?;
        let standing = text_col(df, "far_from_employment_standing")?;
        let members = text_col(df, "far_from_employment_members")?;
        for (i, ((s, st), m)) in status
            .iter()
            .zip(standing.iter())
            .zip(members.iter())
            .enumerate()
        {
            let e = &mut self.emps[i];
            e.far = match s.unwrap_or("") {
                "shown" => 0,
                "partly_shown" => 1,
                "too_few_persons" => 2,
                "not_calculable" => 3,
                other => {
                    return Err(ierr(
                        "far_from_employment",
                        i,
                        format!("unknown value {other:?}"),
                    ))
                }
            };
            e.far_standing = st
                .and_then(feed::record::band_from_key)
                .and_then(feed::record::band_index)
                .unwrap_or(NONE);
            if e.far == 0 && e.far_standing == NONE {
                return Err(ierr("far_from_employment_standing", i, "missing value"));
            }
            for k in m.unwrap_or("").split(';').filter(|s| !s.is_empty()) {
                let c = Criterion::from_name(k).ok_or_else(|| {
                    ierr("far_from_employment_members", i, format!("unknown {k:?}"))
                })?;
                e.far_members |= 1 << (c as u16);
            }
        }
        Ok(())
    }

    fn load_search(&mut self, commune_name: &dyn Fn(&str) -> Option<String>) {
        use rayon::prelude::*;
        // Commune names once per commune, then every search text folded in parallel.
        let mut names: PlHashMap<u32, String> = PlHashMap::default();
        for e in &self.emps {
            names
                .entry(e.commune)
                .or_insert_with(|| commune_name(self.strings.get(e.commune)).unwrap_or_default());
        }
        let strings = &self.strings;
        let texts: Vec<String> = self
            .emps
            .par_iter()
            .map(|e| {
                let cn = names.get(&e.commune).map_or("", String::as_str);
                fold(&format!("{} {cn} {:014}", strings.get(e.name), e.siret))
            })
            .collect();
        for (e, text) in self.emps.iter_mut().zip(texts) {
            e.search = self.strings.push(text);
        }
    }

    fn sort(&mut self) {
        let emps = &self.emps;
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
        keyed.sort_unstable();
        let order: Vec<u32> = keyed.into_iter().map(|(_, i)| i).collect();
        for &i in &order {
            self.by_zone
                .entry(emps[i as usize].zone)
                .or_default()
                .push(i);
        }
        self.order = order;
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
        let mut v: Vec<usize> = (0..self.emps.len()).collect();
        v.sort_unstable_by_key(|&i| self.emps[i].siret);
        v
    }

    /// The employer of a SIRET.
    pub fn find(&self, siret: u64) -> Option<usize> {
        self.by_siret.get(&siret).map(|&i| i as usize)
    }

    /// The id of a zone code present in the feed.
    pub fn zone_id(&self, code: &str) -> Option<u32> {
        self.strings
            .find(code)
            .filter(|id| self.by_zone.contains_key(id))
    }

    /// The zone codes of the feed, sorted (no counts: see `docs/feed.md`).
    pub fn zones(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.by_zone.keys().map(|z| self.strings.get(*z)).collect();
        v.sort_unstable();
        v
    }

    /// Zone ids, the zones with the most employers first (the order in which the server
    /// prepares the day's lists).
    pub fn zone_ids_by_size(&self) -> Vec<u32> {
        let mut v: Vec<(usize, u32)> = self
            .by_zone
            .iter()
            .map(|(z, ids)| (ids.len(), *z))
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

    fn matches(&self, e: &Emp, f: &Filter) -> bool {
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
            && f.q
                .as_deref()
                .is_none_or(|q| self.strings.get(e.search).contains(q))
    }

    /// The employers matching `f`, in order (cached per filter: the order of a seed is fixed).
    pub fn select(&self, f: &Filter) -> Arc<Vec<u32>> {
        if let Some(hit) = self.cache.lock().ok().and_then(|c| c.get(f).cloned()) {
            return hit;
        }
        let base: &[u32] = match f.zone {
            Some(z) => self.by_zone.get(&z).map_or(&[], |v| v.as_slice()),
            None => &self.order,
        };
        let mut ids: Vec<u32> = base
            .iter()
            .copied()
            .filter(|&i| self.matches(&self.emps[i as usize], f))
            .collect();
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
        let (h0, hn) = e.history;
        let history = self.history[h0 as usize..h0 as usize + hn as usize]
            .iter()
            .map(|&(p, l)| HistoryEntry {
                period: self.periods[p as usize].clone(),
                label: opt(l),
            })
            .collect();
        let (r0, rn) = e.reasons;
        let reasons = self.reasons[r0 as usize..r0 as usize + rn as usize]
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
    use super::fold;

    #[test]
    fn fold_ignores_case_accents_and_hyphens_on_both_paths() {
        assert_eq!(fold("Saint-Malo L'Hôtel"), "saint malo l hotel");
        assert_eq!(fold("SAINT-MALO L'HOTEL"), "saint malo l hotel");
        assert_eq!(fold("Sévigné Œuvre ÇA’x"), "sevigne oeuvre ca x");
        assert_eq!(fold("12345678901234"), "12345678901234");
    }
}
