//! DSN writer: a [`Dataset`] as monthly declarations, one per establishment and month.
//!
//! Each declaration is its own envoi (the establishment declares for itself, so the émetteur
//! S10.G00.01 is the establishment and carries its name), and files group up to
//! [`WriterOptions::decls_per_file`] envois under `out_dir/AAAA-MM/`. Every monthly DSN
//! carries the blocks and rubrics the norm requires (see [`super::norm::mandatory`]): contract
//! 40 with its supplementary pension 71, payment 50 and remuneration 51, end 62 with notice
//! 63, and the envoi total S90 (rubric and declaration counts).
//!
//! Persons get a synthetic NIR built from their id ([`synthetic_nir`]): sex digit, birth
//! year and month, then département, commune and order numbers encoding the id. Ingesting
//! with a key therefore maps each synthetic id to a known pseudonym ([`map_ids`]).

use super::norm::NORM_VERSION;
use super::pseudo::{contract_id, PseudoKey};
use super::DsnError;
use crate::date::Date;
use crate::model::*;
use rayon::prelude::*;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writer options.
#[derive(Clone, Debug)]
pub struct WriterOptions {
    /// Declarations (envois) per file, at least 1. Default 500.
    pub decls_per_file: usize,
    /// Gzip each file (`.dsn.gz`). Default false.
    pub gzip: bool,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            decls_per_file: 500,
            gzip: false,
        }
    }
}

/// What the writer produced.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WriteSummary {
    /// Files written.
    pub files: u64,
    /// Declarations written (establishments × months).
    pub declarations: u64,
    /// Bytes of DSN text (before gzip).
    pub bytes: u64,
    /// Contracts never active in a declared month (outside the coverage): not written.
    pub contracts_not_written: u64,
    /// Persons written with an NTT (30.020) because their id does not fit a NIR.
    pub persons_with_ntt: u64,
    /// Paths of the files, sorted.
    pub paths: Vec<PathBuf>,
}

/// Ids that fit the NIR's département/commune/order digits: 99 × 999 × 999.
const NIR_IDS: u64 = 99 * 999 * 999;

/// The synthetic NIR of a person: `S AA MM DD CCC OOO` with S the sex, AA MM the birth year
/// and month, and DD CCC OOO (each ≥ 1) encoding `person_id`. `None` when the sex is
/// unknown or the id is too large; such persons are written with an NTT instead.
pub fn synthetic_nir(p: &Person) -> Option<String> {
    if !matches!(p.sex, 1 | 2) || p.person_id >= NIR_IDS {
        return None;
    }
    let (y, m, _) = p.birth_date.ymd();
    let n = p.person_id;
    let order = 1 + n % 999;
    let commune = 1 + (n / 999) % 999;
    let dep = 1 + n / (999 * 999);
    Some(format!(
        "{}{:02}{:02}{dep:02}{commune:03}{order:03}",
        p.sex,
        y.rem_euclid(100),
        m
    ))
}

/// The NTT written for persons without a synthetic NIR.
fn synthetic_ntt(p: &Person) -> String {
    format!("NTT{:020}", p.person_id)
}

/// The identifier (NIR or NTT) the writer declares for a person.
fn identifier(p: &Person) -> (bool, String) {
    match synthetic_nir(p) {
        Some(n) => (true, n),
        None => (false, synthetic_ntt(p)),
    }
}

/// The contract number 40.009 written for a contract.
fn contract_number(c: &Contract) -> String {
    format!("{:05}", c.contract_id)
}

/// The dataset that ingesting `write_dataset(ds)` with `key` yields, up to what DSN cannot
/// carry: person and contract ids replaced by their pseudonyms, source `Ingested`.
pub fn map_ids(ds: &Dataset, key: &PseudoKey) -> Dataset {
    let pid: HashMap<u64, u64> = ds
        .persons
        .iter()
        .map(|p| (p.person_id, key.person_id(identifier(p).1.as_bytes())))
        .collect();
    let map_p = |id: u64| pid.get(&id).copied().unwrap_or(id);
    let mut cid = HashMap::new();
    let mut out = ds.clone();
    out.coverage.source = Source::Ingested;
    for c in &mut out.contracts {
        let new = contract_id(c.siret, map_p(c.person_id), &contract_number(c), c.start);
        cid.insert(c.contract_id, new);
        c.contract_id = new;
        c.person_id = map_p(c.person_id);
    }
    for p in &mut out.persons {
        p.person_id = map_p(p.person_id);
    }
    for s in &mut out.stoppages {
        s.person_id = map_p(s.person_id);
        s.contract_id = cid.get(&s.contract_id).copied().unwrap_or(s.contract_id);
    }
    out.sort();
    out
}

/// Latin-1 bytes of `s`, characters outside Latin-1 or control characters as `?`.
fn latin1_bytes(s: &str, max: usize) -> Vec<u8> {
    s.chars()
        .take(max)
        .map(|c| match c as u32 {
            0x20..=0x7e | 0xa0..=0xff => c as u32 as u8,
            _ => b'?',
        })
        .collect()
}

struct Out {
    buf: Vec<u8>,
    lines: u64,
}

impl Out {
    fn put(&mut self, code: &str, v: &str) {
        self.put_bytes(code, v.as_bytes());
    }
    fn put_bytes(&mut self, code: &str, v: &[u8]) {
        self.buf.extend_from_slice(code.as_bytes());
        self.buf.extend_from_slice(b",'");
        self.buf.extend_from_slice(v);
        self.buf.extend_from_slice(b"'\n");
        self.lines += 1;
    }
}

fn postcode(e: &Establishment) -> String {
    let dep = if e.departement.is_empty() {
        e.commune.get(..2).unwrap_or("75")
    } else {
        e.departement.as_str()
    };
    match dep {
        "2A" => "20000".into(),
        "2B" => "20200".into(),
        d if d.len() == 3 => format!("{d}00"),
        d => format!("{:0>2}000", d),
    }
}

/// Conventional status 40.002 and pension category 40.003 from the PCS-ESE category.
fn statuses(pcs: Pcs) -> (&'static str, &'static str) {
    match pcs.category() {
        3 => ("04", "01"),
        4 => ("05", "04"),
        6 => ("07", "04"),
        _ => ("06", "04"),
    }
}

struct Index<'a> {
    persons: HashMap<u64, &'a Person>,
    /// Contracts of each establishment, by person then start.
    by_siret: HashMap<u64, Vec<&'a Contract>>,
    stoppages: HashMap<u64, Vec<&'a Stoppage>>,
}

fn active(c: &Contract, m0: Date, m1: Date) -> bool {
    c.start <= m1 && c.actual_end.is_none_or(|e| e >= m0)
}

/// The envoi header (S10) and the declaration, company and establishment blocks.
fn headers(out: &mut Out, e: &Establishment, m0: Date, m1: Date, employees: usize) {
    let siren = format!("{:09}", e.siren());
    let nic = format!("{:05}", e.siret % 100_000);
    let pc = postcode(e);
    let name = if e.name.trim().is_empty() {
        b"ETABLISSEMENT".to_vec()
    } else {
        latin1_bytes(&e.name, 60)
    };
    let kind = if employees == 0 { "02" } else { "01" };
    out.put("S10.G00.00.001", "engagement");
    out.put("S10.G00.00.002", "engagement");
    out.put("S10.G00.00.003", env!("CARGO_PKG_VERSION"));
    out.put("S10.G00.00.005", "01");
    out.put("S10.G00.00.006", NORM_VERSION);
    out.put("S10.G00.00.007", "01");
    out.put("S10.G00.00.008", kind);
    out.put("S10.G00.01.001", &siren);
    out.put("S10.G00.01.002", &nic);
    out.put_bytes("S10.G00.01.003", &name);
    out.put("S10.G00.01.004", "1 RUE DE LA PAIE");
    out.put("S10.G00.01.005", &pc);
    out.put("S10.G00.01.006", "COMMUNE");
    out.put("S10.G00.02.001", "01");
    out.put("S10.G00.02.002", "SERVICE PAIE");
    out.put("S10.G00.02.004", "paie@example.invalid");
    out.put("S10.G00.02.005", "0100000000");
    out.put("S20.G00.05.001", "01");
    out.put("S20.G00.05.002", kind);
    out.put("S20.G00.05.003", "11");
    out.put("S20.G00.05.004", &format!("{}", m0.month_index()));
    out.put("S20.G00.05.005", &m0.to_dsn());
    out.put("S20.G00.05.007", &m1.add_days(5).to_dsn());
    out.put("S20.G00.05.008", "01");
    out.put("S20.G00.05.010", "01");
    out.put("S21.G00.06.001", &siren);
    out.put("S21.G00.06.002", &nic);
    out.put("S21.G00.06.003", &e.naf);
    out.put("S21.G00.06.004", "1 RUE DE LA PAIE");
    out.put("S21.G00.06.005", &pc);
    out.put("S21.G00.06.006", "COMMUNE");
    out.put("S21.G00.11.001", &nic);
    out.put("S21.G00.11.002", &e.naf);
    out.put("S21.G00.11.003", "1 RUE DE LA PAIE");
    out.put("S21.G00.11.004", &pc);
    out.put("S21.G00.11.005", "COMMUNE");
    out.put("S21.G00.11.008", &employees.to_string());
    if !e.commune.is_empty() {
        out.put_bytes("S21.G00.11.901", &latin1_bytes(&e.commune, 10));
    }
    out.put("S21.G00.11.902", &e.creation_date.to_dsn());
    if !e.zone.is_empty() {
        out.put_bytes("S21.G00.11.903", &latin1_bytes(&e.zone, 20));
    }
}

/// One person's individu block, contracts, payment and remuneration blocks.
fn person_blocks(out: &mut Out, p: &Person, contracts: &[&Contract], m: &Month<'_>) {
    let (is_nir, ident) = identifier(p);
    if is_nir {
        out.put("S21.G00.30.001", &ident);
    }
    out.put("S21.G00.30.002", "NOM");
    out.put("S21.G00.30.004", "PRENOM");
    if !is_nir && matches!(p.sex, 1 | 2) {
        out.put("S21.G00.30.005", &format!("{:02}", p.sex));
    }
    out.put("S21.G00.30.006", &p.birth_date.to_dsn());
    if !is_nir {
        out.put("S21.G00.30.020", &ident);
    }
    for c in contracts {
        contract_blocks(out, c, m);
    }
    out.put("S21.G00.50.001", &m.m1.to_dsn());
    out.put("S21.G00.50.002", "1500.00");
    out.put("S21.G00.50.003", "01");
    out.put("S21.G00.50.004", "1500.00");
    for c in contracts {
        out.put("S21.G00.51.001", &c.start.max(m.m0).to_dsn());
        let end = c.actual_end.map_or(m.m1, |x| x.min(m.m1));
        out.put("S21.G00.51.002", &end.to_dsn());
        out.put("S21.G00.51.010", &contract_number(c));
        out.put("S21.G00.51.011", "001");
        out.put("S21.G00.51.013", "2000.00");
    }
}

/// The month being declared for one establishment.
struct Month<'a> {
    e: &'a Establishment,
    m0: Date,
    m1: Date,
    ix: &'a Index<'a>,
    /// First declared month of the corpus.
    first: Date,
}

/// Writes one monthly declaration (one envoi) for the establishment and month of `m`.
fn declaration(out: &mut Out, m: &Month<'_>) {
    let start_lines = out.lines;
    let contracts: Vec<&Contract> =
        m.ix.by_siret
            .get(&m.e.siret)
            .into_iter()
            .flatten()
            .copied()
            .filter(|c| active(c, m.m0, m.m1) && m.ix.persons.contains_key(&c.person_id))
            .collect();
    headers(out, m.e, m.m0, m.m1, contracts.len());
    for group in contracts.chunk_by(|a, b| a.person_id == b.person_id) {
        if let Some(p) = m.ix.persons.get(&group[0].person_id) {
            person_blocks(out, p, group, m);
        }
    }
    let total = out.lines - start_lines + 2;
    out.put("S90.G00.90.001", &total.to_string());
    out.put("S90.G00.90.002", "1");
}

/// The contract block 40 and what happened to the contract this month (41, 60, 62).
fn contract_blocks(out: &mut Out, c: &Contract, m: &Month<'_>) {
    let converted = c.converted_to_cdi.filter(|&t| t <= m.m1);
    let nature_now = if converted.is_some() {
        nature::CDI
    } else {
        c.nature
    };
    let (status, aa) = statuses(c.pcs);
    out.put("S21.G00.40.001", &c.start.to_dsn());
    out.put("S21.G00.40.002", status);
    out.put("S21.G00.40.003", aa);
    out.put("S21.G00.40.004", c.pcs.as_str());
    out.put("S21.G00.40.006", "EMPLOI");
    out.put("S21.G00.40.007", &format!("{nature_now:02}"));
    out.put("S21.G00.40.008", &format!("{:02}", c.scheme));
    out.put("S21.G00.40.009", &contract_number(c));
    if converted.is_none() {
        if let Some(pe) = c.planned_end {
            out.put("S21.G00.40.010", &pe.to_dsn());
        }
    }
    out.put("S21.G00.40.011", "10");
    out.put("S21.G00.40.012", "151.67");
    let quotity = if c.is_part_time() { "75.84" } else { "151.67" };
    out.put("S21.G00.40.013", quotity);
    out.put("S21.G00.40.014", &format!("{:02}", c.working_time));
    out.put("S21.G00.40.016", "99");
    out.put("S21.G00.40.017", "9999");
    out.put("S21.G00.40.018", "200");
    out.put("S21.G00.40.019", &format!("{:014}", m.e.siret));
    out.put("S21.G00.40.020", "200");
    if converted.is_none() {
        if let Some(r) = c.cdd_reason {
            out.put("S21.G00.40.021", &format!("{r:02}"));
        }
    }
    out.put("S21.G00.40.024", "99");
    out.put("S21.G00.40.026", "99");
    out.put("S21.G00.40.036", "01");
    out.put("S21.G00.40.037", "01");
    if let Some(b) = c.boeth {
        out.put("S21.G00.40.072", &format!("{b:02}"));
    }
    if let Some(i) = c.iae {
        out.put("S21.G00.40.073", &format!("{i:02}"));
    }
    contract_events(out, c, converted, m);
    out.put("S21.G00.71.002", "RUAA");
}

/// Blocks 41 (change of nature), 60 (stoppages) and 62/63 (end) of a contract's month.
fn contract_events(out: &mut Out, c: &Contract, converted: Option<Date>, m: &Month<'_>) {
    // The change of nature, in its month (or the contract's first declared month if earlier).
    if let Some(t) = converted {
        let first_declared = c.start.max(m.first).first_of_month();
        if t >= m.m0 || m.m0 == first_declared {
            out.put("S21.G00.41.001", &t.to_dsn());
            out.put("S21.G00.41.004", &format!("{:02}", c.nature));
        }
    }
    for s in m.ix.stoppages.get(&c.contract_id).into_iter().flatten() {
        if s.start > m.m1 || s.end.is_some_and(|x| x < m.m0) {
            continue;
        }
        out.put("S21.G00.60.001", &format!("{:02}", s.reason));
        out.put("S21.G00.60.002", &s.start.add_days(-1).to_dsn());
        if let Some(x) = s.end {
            out.put("S21.G00.60.003", &x.to_dsn());
            if x <= m.m1 {
                out.put("S21.G00.60.010", &x.to_dsn());
                out.put("S21.G00.60.011", "01");
            }
        }
    }
    if let (Some(end), Some(reason)) = (c.actual_end, c.end_reason) {
        if end >= m.m0 && end <= m.m1 {
            out.put("S21.G00.62.001", &end.to_dsn());
            out.put("S21.G00.62.002", &format!("{reason:03}"));
            out.put("S21.G00.63.001", "90");
        }
    }
}

impl<'a> Index<'a> {
    fn new(ds: &'a Dataset) -> Index<'a> {
        let mut ix = Index {
            persons: ds.persons.iter().map(|p| (p.person_id, p)).collect(),
            by_siret: HashMap::new(),
            stoppages: HashMap::new(),
        };
        for c in &ds.contracts {
            ix.by_siret.entry(c.siret).or_default().push(c);
        }
        for v in ix.by_siret.values_mut() {
            v.sort_by_key(|c| (c.person_id, c.start, c.contract_id));
        }
        for s in &ds.stoppages {
            ix.stoppages.entry(s.contract_id).or_default().push(s);
        }
        for v in ix.stoppages.values_mut() {
            v.sort_by_key(|s| (s.start, s.reason));
        }
        ix
    }
}

/// Writes `buf` to `path` (gzip when asked), creating its directory.
fn write_file(path: &Path, buf: &[u8], gzip: bool) -> Result<(), DsnError> {
    let io = |source| DsnError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let file = std::fs::File::create(path).map_err(io)?;
    let mut w = std::io::BufWriter::new(file);
    if gzip {
        let mut gz = flate2::write::GzEncoder::new(w, flate2::Compression::fast());
        gz.write_all(buf).map_err(io)?;
        w = gz.finish().map_err(io)?;
    } else {
        w.write_all(buf).map_err(io)?;
    }
    w.flush().map_err(io)
}

/// One file: the declarations of `chunk` for month index `mi`, as `AAAA-MM/dsn-AAAA-MM-k`.
/// Returns the path, the bytes of DSN text and the declarations written.
fn write_job(
    out_dir: &Path,
    mi: i32,
    k: usize,
    chunk: &[&Establishment],
    ix: &Index<'_>,
    first: Date,
    gzip: bool,
) -> Result<(PathBuf, u64, u64), DsnError> {
    let m0 = Date::from_month_index(mi);
    let m1 = m0.last_of_month();
    let (y, m, _) = m0.ymd();
    let ext = if gzip { "dsn.gz" } else { "dsn" };
    let path = out_dir
        .join(format!("{y:04}-{m:02}"))
        .join(format!("dsn-{y:04}-{m:02}-{k:05}.{ext}"));
    let mut out = Out {
        buf: Vec::with_capacity(1 << 20),
        lines: 0,
    };
    for e in chunk {
        let month = Month {
            e,
            m0,
            m1,
            ix,
            first,
        };
        declaration(&mut out, &month);
    }
    write_file(&path, &out.buf, gzip)?;
    Ok((path, out.buf.len() as u64, chunk.len() as u64))
}

/// Writes `ds` as DSN files under `out_dir` (created if needed), in parallel over files.
///
/// Declared months run from the month of `coverage.start` to that of `coverage.end`.
pub fn write_dataset(
    ds: &Dataset,
    out_dir: &Path,
    opts: &WriterOptions,
) -> Result<WriteSummary, DsnError> {
    if ds.coverage.end < ds.coverage.start {
        return Err(DsnError::Write(format!(
            "coverage ends ({}) before it starts ({})",
            ds.coverage.end, ds.coverage.start
        )));
    }
    let per_file = opts.decls_per_file.max(1);
    let ix = Index::new(ds);
    let mut ests: Vec<&Establishment> = ds.establishments.iter().collect();
    ests.sort_by_key(|e| e.siret);
    let first = ds.coverage.start.first_of_month();
    let (mi0, mi1) = (
        ds.coverage.start.month_index(),
        ds.coverage.end.month_index(),
    );
    let jobs: Vec<(i32, usize)> = (mi0..=mi1)
        .flat_map(|m| (0..ests.len().div_ceil(per_file)).map(move |k| (m, k)))
        .collect();
    let results: Vec<Result<(PathBuf, u64, u64), DsnError>> = jobs
        .par_iter()
        .map(|&(mi, k)| {
            let chunk = &ests[k * per_file..((k + 1) * per_file).min(ests.len())];
            write_job(out_dir, mi, k, chunk, &ix, first, opts.gzip)
        })
        .collect();
    let mut summary = WriteSummary::default();
    for r in results {
        let (path, bytes, decls) = r?;
        summary.files += 1;
        summary.bytes += bytes;
        summary.declarations += decls;
        summary.paths.push(path);
    }
    summary.paths.sort();
    let last = ds.coverage.end.last_of_month();
    summary.contracts_not_written = ds
        .contracts
        .iter()
        .filter(|c| !active(c, first, last))
        .count() as u64;
    summary.persons_with_ntt = ds
        .persons
        .iter()
        .filter(|p| synthetic_nir(p).is_none())
        .count() as u64;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nir_encodes_id() {
        let p = Person {
            person_id: 1_234_567,
            sex: 2,
            birth_date: Date::from_ymd(1987, 3, 9).unwrap(),
            boeth: false,
        };
        let nir = synthetic_nir(&p).unwrap();
        assert_eq!(nir.len(), 13);
        assert!(nir.starts_with("28703"));
        let q = Person {
            person_id: 1_234_568,
            ..p
        };
        assert_ne!(synthetic_nir(&q), Some(nir));
        let big = Person {
            person_id: NIR_IDS,
            ..p
        };
        assert_eq!(synthetic_nir(&big), None);
        assert_eq!(identifier(&big).1.len(), 23);
    }
}
