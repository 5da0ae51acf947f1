//! The prebuilt index file (`feed.index`) written beside a feed: the [`Index`] of
//! `feed.parquet` laid out as it is held in memory, so that `serve` maps it and answers from
//! it in place instead of decoding the feed at every start-up.
//!
//! Layout: 16 magic bytes, the header's length (u64, little-endian), the header (JSON: format,
//! crate version, SHA-256 of the table layout, of the reference communes, of `feed.parquet`
//! and of `feed.json`, the small tables), then the large tables as plain little-endian
//! arrays, each at an offset that is a multiple of 8 from the start of the data. The file is
//! used only when its format, crate version, layout and reference communes are this build's
//! and both feed hashes match the feed beside it; otherwise the index is built from the feed,
//! as without the file. A mapped file is checked whole before use (every id, code and
//! range in bounds, every string UTF-8), so a damaged file is refused rather than making the
//! server fail; that it holds the feed's records is what the hashes and the writer vouch for.

use super::{citation_of, Emp, Index, Strings, GEO_RUNGS, NCS, NONE, SECTOR_RUNGS};
use super::{SIZES, TRENDS};
use crate::feed::{self as feed, FeedMeta, BANDS, FEED_FILE, META_FILE};
use crate::indicators::{Criterion, CRITERIA};
use crate::reference::Reference;
use memmap2::Mmap;
use polars::prelude::PlHashMap;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// File name of the prebuilt index in a scores folder.
pub const INDEX_FILE: &str = "feed.index";
const MAGIC: &[u8; 16] = b"engagement-index";
/// Layout version; a file of another layout is not used.
const FORMAT: u32 = 1;

/// Why a prebuilt index was not used, or could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error(transparent)]
    Output(#[from] crate::output::OutputError),
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("no {INDEX_FILE}")]
    Missing,
    #[error("{INDEX_FILE} does not match this feed or this build: {0}")]
    Stale(String),
    #[error("{INDEX_FILE} is damaged: {0}")]
    Invalid(String),
}

/// A large table of an [`Index`]: owned, or read in place from a mapped index file.
pub(super) enum Store<T> {
    Owned(Vec<T>),
    Mapped {
        map: Arc<Mmap>,
        start: usize,
        end: usize,
    },
}

impl<T> Default for Store<T> {
    fn default() -> Self {
        Store::Owned(Vec::new())
    }
}

impl<T> std::fmt::Debug for Store<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Store::Owned(v) => write!(f, "Owned({} items)", v.len()),
            Store::Mapped { start, end, .. } => write!(f, "Mapped({start}..{end})"),
        }
    }
}

impl<T: bytemuck::Pod> std::ops::Deref for Store<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        match self {
            Store::Owned(v) => v,
            // In bounds and aligned: checked when the store was mapped.
            Store::Mapped { map, start, end } => map
                .get(*start..*end)
                .and_then(|b| bytemuck::try_cast_slice(b).ok())
                .unwrap_or(&[]),
        }
    }
}

impl<T: bytemuck::Pod> std::ops::DerefMut for Store<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        self.vec_mut()
    }
}

impl<T: bytemuck::Pod> Store<T> {
    /// The table as a vector to change (a mapped table is copied first).
    pub(super) fn vec_mut(&mut self) -> &mut Vec<T> {
        if let Store::Mapped { .. } = self {
            *self = Store::Owned(self.to_vec());
        }
        match self {
            Store::Owned(v) => v,
            Store::Mapped { .. } => unreachable!("replaced just above"),
        }
    }

    fn bytes(&self) -> &[u8] {
        bytemuck::cast_slice(self)
    }

    /// Section `s` of `map` as a table; `data` is where the sections start.
    fn mapped(map: &Arc<Mmap>, data: usize, s: &Section) -> Result<Store<T>, SnapshotError> {
        let bad = || SnapshotError::Invalid(format!("section {} out of bounds", s.name));
        let start = usize::try_from(s.offset).map_err(|_| bad())?;
        let start = start.checked_add(data).ok_or_else(bad)?;
        let end = start
            .checked_add(usize::try_from(s.bytes).map_err(|_| bad())?)
            .ok_or_else(bad)?;
        let bytes = map.get(start..end).ok_or_else(bad)?;
        bytemuck::try_cast_slice::<u8, T>(bytes)
            .map_err(|e| SnapshotError::Invalid(format!("section {}: {e:?}", s.name)))?;
        Ok(Store::Mapped {
            map: Arc::clone(map),
            start,
            end,
        })
    }
}

/// Where one table lies in the data part of the file.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Section {
    name: String,
    offset: u64,
    bytes: u64,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    format: u32,
    crate_version: String,
    /// SHA-256 of the tables' layout and code lists ([`layout`]).
    layout: String,
    /// SHA-256 of the reference communes (their names are in the search texts).
    reference_sha256: String,
    feed_sha256: String,
    meta_sha256: String,
    meta: FeedMeta,
    periods: Vec<String>,
    /// Ids of the strings that are looked up (codes), so that their table is rebuilt.
    coded: Vec<u32>,
    /// (zone id, start, length) in the zone members.
    zones: Vec<[u32; 3]>,
    sections: Vec<Section>,
}

/// Table names, in file order.
const SECTIONS: [&str; 9] = [
    "emps",
    "history",
    "reasons",
    "weights",
    "order",
    "zone_members",
    "sirets",
    "string_bytes",
    "string_ends",
];

/// A weight set as bits: one word per criterion, and which criteria have a weight.
type WeightBits = [u64; Criterion::COUNT + 1];

fn weight_bits(w: &[Option<f64>; Criterion::COUNT]) -> WeightBits {
    let mut bits = [0u64; Criterion::COUNT + 1];
    for (k, v) in w.iter().enumerate() {
        if let Some(v) = v {
            bits[k] = v.to_bits();
            bits[Criterion::COUNT] |= 1 << k;
        }
    }
    bits
}

fn weights_of(bits: &WeightBits) -> [Option<f64>; Criterion::COUNT] {
    let mut w = [None; Criterion::COUNT];
    for (k, v) in w.iter_mut().enumerate() {
        if bits[Criterion::COUNT] & (1 << k) != 0 {
            *v = Some(f64::from_bits(bits[k]));
        }
    }
    w
}

fn file_err(path: &Path, e: impl std::fmt::Display) -> SnapshotError {
    SnapshotError::File {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// SHA-256 of what the tables' bytes mean: the employer layout, field by field, every code
/// list a byte indexes, and the search folding. A build that changes any of them does not
/// read a file written by another, even under the same crate version.
fn layout() -> String {
    use std::mem::offset_of;
    let offsets = [
        offset_of!(Emp, siret),
        offset_of!(Emp, name),
        offset_of!(Emp, search),
        offset_of!(Emp, history_start),
        offset_of!(Emp, reasons_start),
        offset_of!(Emp, naf),
        offset_of!(Emp, division),
        offset_of!(Emp, section),
        offset_of!(Emp, commune),
        offset_of!(Emp, zone),
        offset_of!(Emp, departement),
        offset_of!(Emp, region),
        offset_of!(Emp, peer_members),
        offset_of!(Emp, far_members),
        offset_of!(Emp, history_len),
        offset_of!(Emp, weights),
        offset_of!(Emp, label),
        offset_of!(Emp, non_calculable),
        offset_of!(Emp, gated_by),
        offset_of!(Emp, score),
        offset_of!(Emp, lower),
        offset_of!(Emp, upper),
        offset_of!(Emp, trend),
        offset_of!(Emp, size),
        offset_of!(Emp, peer_sector),
        offset_of!(Emp, peer_geo),
        offset_of!(Emp, far),
        offset_of!(Emp, far_standing),
        offset_of!(Emp, reasons_len),
        offset_of!(Emp, crit),
    ];
    let keys = |v: Vec<String>| v.join(",");
    let text = format!(
        "emp {} {offsets:?}; trends {}; sizes {}; ncs {}; sector {}; geo {}; criteria {}; bands {}; fold {}",
        std::mem::size_of::<Emp>(),
        keys(TRENDS.iter().map(feed::key_of).collect()),
        keys(SIZES.iter().map(|s| s.as_str().to_string()).collect()),
        keys(NCS.iter().map(feed::key_of).collect()),
        keys(SECTOR_RUNGS.iter().map(feed::key_of).collect()),
        keys(GEO_RUNGS.iter().map(feed::key_of).collect()),
        keys(CRITERIA.iter().map(|c| c.name().to_string()).collect()),
        keys(BANDS.iter().map(|b| b.key().to_string()).collect()),
        super::fold("Sévigné-L'Œuvre’Ça ß"),
    );
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// SHA-256 of the reference communes, code and name, in code order.
fn reference_hash(reference: &Reference) -> String {
    let mut h = Sha256::new();
    for (code, c) in &reference.communes {
        h.update(code.as_bytes());
        h.update([0]);
        h.update(c.name.as_bytes());
        h.update([0]);
    }
    hex::encode(h.finalize())
}

/// SHA-256 of the feed and of its provenance file in `dir`.
fn feed_hashes(dir: &Path) -> Result<(String, String), SnapshotError> {
    let hash = |name: &str| {
        let p = dir.join(name);
        crate::provenance::fingerprint_file(&p)
            .map(|f| f.sha256)
            .map_err(|e| file_err(&p, e))
    };
    Ok((hash(FEED_FILE)?, hash(META_FILE)?))
}

fn align8(n: usize) -> usize {
    n.div_ceil(8) * 8
}

/// Writes the prebuilt index of `ix`, the index of the feed in `dir`, into `dir`. An index
/// that its reader would refuse is an error, not a file.
pub fn write(ix: &Index, dir: &Path, reference: &Reference) -> Result<PathBuf, SnapshotError> {
    let path = dir.join(INDEX_FILE);
    if cfg!(target_endian = "big") {
        return Err(file_err(&path, "the index layout is little-endian only"));
    }
    check(ix).map_err(|m| file_err(&path, format!("not written: {m}")))?;
    let weights: Vec<WeightBits> = ix.weights.iter().map(weight_bits).collect();
    let tables: [&[u8]; 9] = [
        ix.emps.bytes(),
        ix.history.bytes(),
        ix.reasons.bytes(),
        bytemuck::cast_slice(&weights),
        ix.order.bytes(),
        ix.zone_members.bytes(),
        ix.sirets.bytes(),
        ix.strings.bytes.bytes(),
        ix.strings.ends.bytes(),
    ];
    let header = header_of(ix, dir, reference, &tables)?;
    let head = serde_json::to_vec(&header).map_err(|e| file_err(&path, e))?;
    let fill = |w: &mut std::io::BufWriter<&std::fs::File>| -> std::io::Result<()> {
        w.write_all(MAGIC)?;
        w.write_all(&(head.len() as u64).to_le_bytes())?;
        w.write_all(&head)?;
        let zeros = [0u8; 8];
        let at = MAGIC.len() + 8 + head.len();
        w.write_all(&zeros[..align8(at) - at])?;
        for t in tables {
            w.write_all(t)?;
            w.write_all(&zeros[..align8(t.len()) - t.len()])?;
        }
        Ok(())
    };
    crate::output::write_with(&path, |w| fill(w).map_err(|e| file_err(&path, e)))?;
    Ok(path)
}

/// The header of `ix`'s file: provenance, small tables, and where each of `tables` lies.
fn header_of(
    ix: &Index,
    dir: &Path,
    reference: &Reference,
    tables: &[&[u8]; 9],
) -> Result<Header, SnapshotError> {
    let (feed_sha256, meta_sha256) = feed_hashes(dir)?;
    let mut sections = Vec::with_capacity(tables.len());
    let mut offset = 0usize;
    for (name, t) in SECTIONS.iter().zip(tables) {
        sections.push(Section {
            name: name.to_string(),
            offset: offset as u64,
            bytes: t.len() as u64,
        });
        offset = align8(offset + t.len());
    }
    let mut coded: Vec<u32> = ix.strings.ids.values().copied().collect();
    coded.sort_unstable();
    let mut zones: Vec<[u32; 3]> = ix.zones.iter().map(|(&z, &(s, n))| [z, s, n]).collect();
    zones.sort_unstable();
    Ok(Header {
        format: FORMAT,
        crate_version: env!("CARGO_PKG_VERSION").to_string(),
        layout: layout(),
        reference_sha256: reference_hash(reference),
        feed_sha256,
        meta_sha256,
        meta: ix.meta.clone(),
        periods: ix.periods.clone(),
        coded,
        zones,
        sections,
    })
}

/// The prebuilt index of the feed in `dir`, read in place, if it is there, matches the feed,
/// this build and `reference`, and holds together.
pub fn open(dir: &Path, meta: FeedMeta, reference: &Reference) -> Result<Index, SnapshotError> {
    let path = dir.join(INDEX_FILE);
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(SnapshotError::Missing),
        Err(e) => return Err(file_err(&path, e)),
    };
    // SAFETY: the map is only read, and the file must not change while it is mapped. This
    // crate only ever replaces `feed.index` by renaming a new file over it
    // (`output::write_with`), which leaves a mapped file as it was; the folder is documented
    // as read-only while `serve` runs (docs/feed.md): overwriting the file in place then
    // would change what was checked below.
    let map = Arc::new(unsafe { Mmap::map(&file) }.map_err(|e| file_err(&path, e))?);
    let (header, data) = read_header(&map)?;
    check_header(&header, dir, &meta, reference)?;
    let section = |name: &str| {
        let s = header.sections.iter().find(|s| s.name == name);
        s.ok_or_else(|| SnapshotError::Invalid(format!("no section {name}")))
    };
    let weights: Store<WeightBits> = Store::mapped(&map, data, section("weights")?)?;
    let mut strings = Strings {
        bytes: Store::mapped(&map, data, section("string_bytes")?)?,
        ends: Store::mapped(&map, data, section("string_ends")?)?,
        ids: PlHashMap::default(),
    };
    for &id in &header.coded {
        if (id as usize) >= strings.len()
            || strings.ids.insert(strings.get(id).into(), id).is_some()
        {
            return Err(SnapshotError::Invalid("code table damaged".into()));
        }
    }
    let zones: PlHashMap<u32, (u32, u32)> =
        header.zones.iter().map(|&[z, s, n]| (z, (s, n))).collect();
    if zones.len() != header.zones.len() {
        return Err(SnapshotError::Invalid("a zone listed twice".into()));
    }
    let ix = Index {
        meta,
        strings,
        periods: header.periods,
        emps: Store::mapped(&map, data, section("emps")?)?,
        history: Store::mapped(&map, data, section("history")?)?,
        reasons: Store::mapped(&map, data, section("reasons")?)?,
        weights: weights.iter().map(weights_of).collect(),
        order: Store::mapped(&map, data, section("order")?)?,
        zones,
        zone_members: Store::mapped(&map, data, section("zone_members")?)?,
        sirets: Store::mapped(&map, data, section("sirets")?)?,
        cache: Default::default(),
    };
    check(&ix).map_err(SnapshotError::Invalid)?;
    Ok(ix)
}

/// The header of a mapped file, and where its data start.
fn read_header(map: &[u8]) -> Result<(Header, usize), SnapshotError> {
    let invalid = |m: &str| SnapshotError::Invalid(m.to_string());
    if map.get(..MAGIC.len()) != Some(MAGIC.as_slice()) {
        return Err(invalid("not an engagement index file"));
    }
    let len = map
        .get(MAGIC.len()..MAGIC.len() + 8)
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map(u64::from_le_bytes)
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| invalid("truncated header"))?;
    let at = MAGIC.len() + 8;
    let head = at
        .checked_add(len)
        .and_then(|end| map.get(at..end))
        .ok_or_else(|| invalid("truncated header"))?;
    let header: Header =
        serde_json::from_slice(head).map_err(|e| SnapshotError::Invalid(format!("header: {e}")))?;
    Ok((header, align8(at + len)))
}

fn check_header(
    h: &Header,
    dir: &Path,
    meta: &FeedMeta,
    reference: &Reference,
) -> Result<(), SnapshotError> {
    let stale = |m: String| Err(SnapshotError::Stale(m));
    if cfg!(target_endian = "big") {
        return stale("the tables are little-endian and this machine is not".into());
    }
    if h.format != FORMAT {
        return stale(format!("layout {} (this build reads {FORMAT})", h.format));
    }
    if h.crate_version != env!("CARGO_PKG_VERSION") || h.layout != layout() {
        return stale(format!("written by another build ({})", h.crate_version));
    }
    if h.reference_sha256 != reference_hash(reference) {
        return stale("written with other reference communes".into());
    }
    let (feed, meta_sha) = feed_hashes(dir)?;
    if h.feed_sha256 != feed || h.meta_sha256 != meta_sha || &h.meta != meta {
        return stale(format!("written for another {FEED_FILE} or {META_FILE}"));
    }
    Ok(())
}

/// Whether every id, code and range of `ix` is in bounds and every string is text: what
/// [`open`] requires of a mapped file, and [`write`] of what it writes.
fn check(ix: &Index) -> Result<(), String> {
    let (n, strings) = (ix.emps.len(), ix.strings.len());
    if n as u64 != ix.meta.records {
        return Err(format!("{n} employers for {} records", ix.meta.records));
    }
    let ends = &*ix.strings.ends;
    let ordered = ends.windows(2).all(|w| w[0] <= w[1]);
    if !ordered || ends.last().copied().unwrap_or(0) != ix.strings.bytes.len() as u64 {
        return Err("string table out of order".into());
    }
    let text = (0..strings).all(|i| {
        let start = if i == 0 { 0 } else { ends[i - 1] as usize };
        std::str::from_utf8(&ix.strings.bytes[start..ends[i] as usize]).is_ok()
    });
    if !text || ix.strings.ids.values().any(|&i| i as usize >= strings) {
        return Err("string table damaged".into());
    }
    if let Some(i) = ix.emps.iter().position(|e| !emp_ok(ix, e, strings)) {
        return Err(format!("employer {i} out of range"));
    }
    let history_ok = ix
        .history
        .iter()
        .all(|&[p, l]| (p as usize) < ix.periods.len() && (l == NONE || l <= 3));
    let reasons_ok = ix
        .reasons
        .iter()
        .all(|&r| r == NONE || (r as usize) < Criterion::COUNT);
    let weights_ok = ix.weights.iter().flatten().flatten().all(|w| w.is_finite());
    if !history_ok || !reasons_ok || !weights_ok {
        return Err("history, reasons or weights out of range".into());
    }
    check_orders(ix, n)?;
    check_zones(ix, n)
}

/// Whether the plain order and the SIRET table of `ix` cover its `n` employers once each.
fn check_orders(ix: &Index, n: usize) -> Result<(), String> {
    let mut seen = vec![false; n];
    for &i in ix.order.iter() {
        match seen.get_mut(i as usize) {
            Some(s) if !*s => *s = true,
            _ => return Err("plain order is not a permutation".into()),
        }
    }
    if ix.order.len() != n {
        return Err("plain order is not a permutation".into());
    }
    let sorted = ix.sirets.windows(2).all(|w| w[0][0] < w[1][0]);
    let matched = ix.sirets.iter().all(|&[s, i]| {
        usize::try_from(i)
            .ok()
            .and_then(|i| ix.emps.get(i))
            .is_some_and(|e| e.siret == s)
    });
    if ix.sirets.len() != n || !sorted || !matched {
        return Err("SIRET table damaged".into());
    }
    Ok(())
}

/// Whether the zone ranges of `ix` tile its members, zone after zone, each holding only
/// employers of its zone, and every zone is a code.
fn check_zones(ix: &Index, n: usize) -> Result<(), String> {
    let members = &*ix.zone_members;
    let mut ranges: Vec<(u32, u32, u32)> = ix.zones.iter().map(|(&z, &(s, l))| (s, l, z)).collect();
    ranges.sort_unstable();
    let mut end = 0usize;
    for (start, len, z) in ranges {
        let range = start as usize..start as usize + len as usize;
        let in_zone = members.get(range.clone()).is_some_and(|m| {
            m.iter()
                .all(|&i| ix.emps.get(i as usize).is_some_and(|e| e.zone == z))
        });
        let coded = ix.strings.find(ix.strings.get(z)) == Some(z);
        if range.start != end || !in_zone || !coded {
            return Err("zone table damaged".into());
        }
        end = range.end;
    }
    if end != members.len() || members.len() != n {
        return Err("zone table damaged".into());
    }
    Ok(())
}

/// Whether every id and code of employer `e` is in bounds.
fn emp_ok(ix: &Index, e: &Emp, strings: usize) -> bool {
    let ids = [
        e.name,
        e.search,
        e.naf,
        e.division,
        e.section,
        e.commune,
        e.zone,
        e.departement,
        e.region,
    ];
    let small = |v: u8, max: u8| v == NONE || v <= max;
    let in_list = |v: u8, len: usize| (v as usize) < len;
    let within = |start: u32, len: usize, total: usize| {
        (start as usize)
            .checked_add(len)
            .is_some_and(|end| end <= total)
    };
    let history = within(e.history_start, e.history_len as usize, ix.history.len());
    let reasons = within(e.reasons_start, e.reasons_len as usize, ix.reasons.len());
    let crit = e.crit.iter().all(|&c| c == 0 || citation_of(c).is_some());
    let far_members = u32::from(e.far_members) >> Criterion::COUNT == 0;
    let standing = if e.far == 0 {
        in_list(e.far_standing, BANDS.len())
    } else {
        small(e.far_standing, BANDS.len() as u8 - 1)
    };
    ids.iter().all(|&id| (id as usize) < strings)
        && e.siret < 100_000_000_000_000
        && e.pad == [0; 5]
        && history
        && reasons
        && crit
        && far_members
        && standing
        && (e.weights as usize) < ix.weights.len()
        && small(e.label, 3)
        && small(e.score, 100)
        && small(e.lower, 100)
        && small(e.upper, 100)
        && small(e.non_calculable, NCS.len() as u8 - 1)
        && small(e.gated_by, Criterion::COUNT as u8 - 1)
        && in_list(e.trend, TRENDS.len())
        && in_list(e.size, SIZES.len())
        && in_list(e.peer_sector, SECTOR_RUNGS.len())
        && in_list(e.peer_geo, GEO_RUNGS.len())
        && e.far <= 3
}

#[cfg(all(test, feature = "serve"))]
mod tests {
    use super::*;

    /// A scores folder with a feed of 60 synthetic records and its index file.
    fn folder() -> (tempfile::TempDir, FeedMeta, Reference, Vec<u8>) {
        let r = Reference::load();
        let records = crate::serve::bench::synthetic_records(60, 3, &r);
        let meta = crate::feed::meta_of(records.len(), "2025T4", None, None);
        let dir = tempfile::tempdir().unwrap();
        crate::feed::write_scores_feed(&records, &meta, dir.path()).unwrap();
        let path = crate::feed::load::write_index(dir.path(), &r).unwrap();
        let bytes = std::fs::read(path).unwrap();
        (dir, meta, r, bytes)
    }

    /// `bytes` with its header changed by `f` (the data moved to the new start).
    fn with_header(bytes: &[u8], f: impl FnOnce(&mut Header)) -> Vec<u8> {
        let (mut h, data) = read_header(bytes).unwrap();
        f(&mut h);
        let head = serde_json::to_vec(&h).unwrap();
        let mut out = MAGIC.to_vec();
        out.extend((head.len() as u64).to_le_bytes());
        out.extend(&head);
        out.resize(align8(out.len()), 0);
        out.extend(&bytes[data..]);
        out
    }

    #[test]
    fn the_file_is_written_the_same_twice_and_reads_back() {
        let (dir, meta, r, bytes) = folder();
        crate::feed::load::write_index(dir.path(), &r).unwrap();
        assert_eq!(std::fs::read(dir.path().join(INDEX_FILE)).unwrap(), bytes);
        let ix = open(dir.path(), meta, &r).unwrap();
        assert_eq!(ix.len(), 60);
    }

    #[test]
    fn a_header_that_does_not_hold_together_is_refused() {
        let (dir, meta, r, bytes) = folder();
        let path = dir.path().join(INDEX_FILE);
        let section = |h: &mut Header, name: &str| {
            let k = h.sections.iter().position(|s| s.name == name).unwrap();
            k
        };
        type Edit = Box<dyn Fn(&mut Header)>;
        let invalid: Vec<(&str, Edit)> = vec![
            ("zone twice", Box::new(|h| h.zones.push(h.zones[0]))),
            ("zones overlap", Box::new(|h| h.zones[1][1] = h.zones[0][1])),
            (
                "zone not a code",
                Box::new(|h| h.coded.retain(|&c| c != h.zones[0][0])),
            ),
            ("code out of range", Box::new(|h| h.coded.push(u32::MAX))),
            ("no periods", Box::new(|h| h.periods.clear())),
            (
                "misaligned",
                Box::new(move |h| {
                    let k = section(h, "emps");
                    h.sections[k].offset += 4;
                }),
            ),
            (
                "odd length",
                Box::new(move |h| {
                    let k = section(h, "string_ends");
                    h.sections[k].bytes -= 3;
                }),
            ),
            (
                "past the end",
                Box::new(move |h| {
                    let k = section(h, "sirets");
                    h.sections[k].bytes += 1 << 20;
                }),
            ),
        ];
        for (what, edit) in invalid {
            std::fs::write(&path, with_header(&bytes, edit)).unwrap();
            let got = open(dir.path(), meta.clone(), &r);
            assert!(
                matches!(got, Err(SnapshotError::Invalid(_))),
                "{what}: {got:?}"
            );
        }
        let stale: Vec<(&str, Edit)> = vec![
            ("layout", Box::new(|h| h.layout = "another".into())),
            (
                "reference",
                Box::new(|h| h.reference_sha256 = "another".into()),
            ),
            ("feed", Box::new(|h| h.feed_sha256 = "another".into())),
            ("format", Box::new(|h| h.format += 1)),
        ];
        for (what, edit) in stale {
            std::fs::write(&path, with_header(&bytes, edit)).unwrap();
            let got = open(dir.path(), meta.clone(), &r);
            assert!(
                matches!(got, Err(SnapshotError::Stale(_))),
                "{what}: {got:?}"
            );
        }
        std::fs::write(&path, with_header(&bytes, |_| {})).unwrap();
        assert!(open(dir.path(), meta, &r).is_ok());
    }
}
