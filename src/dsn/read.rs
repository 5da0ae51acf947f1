//! Streaming DSN parser: lines → block instances → one declaration's facts at a time.
//!
//! Each file is read in one pass with a capped line buffer (a file without newlines cannot
//! exhaust memory). A declaration's raw lines are kept only until it closes, in case it must
//! be written to `rejects/`; its facts (a few numbers per contract) are all that survive.

use super::norm::{
    blocks, mandatory, BlockId, FieldDef, FieldNature, Norm, RubricId, NORM_VERSION,
};
use super::pseudo::PseudoKey;
use super::rebuild;
use super::report::IngestReport;
use super::{DsnError, Problem, Reason};
use crate::date::{days_in_month, Date};
use crate::model::{Dataset, Pcs};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// Maximum line length in the norm (characters = bytes in Latin-1).
pub const MAX_LINE: usize = 256;
/// Bytes kept of an over-long line (the rest is dropped while reading).
const LINE_CAP: usize = 4096;

/// Reader options.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// Pseudonymisation key for NIR/NTT.
    pub key: PseudoKey,
    /// Stop at the first problem with an error instead of rejecting the declaration.
    pub strict: bool,
    /// Require every rubric the cahier technique marks mandatory (see [`mandatory`]), not
    /// only those the reconstruction needs. Used to check the writer's output.
    pub full_mandatory: bool,
}

impl ReadOptions {
    pub fn new(key: PseudoKey) -> ReadOptions {
        ReadOptions {
            key,
            strict: false,
            full_mandatory: false,
        }
    }
}

/// A rejected declaration: where and why, and its lines with NIR/NTT values redacted.
#[derive(Clone, Debug)]
pub struct Reject {
    /// The first problem found in the declaration.
    pub problem: Problem,
    /// Line of the declaration's first rubric in its file.
    pub first_line: u64,
    /// The declaration's lines (Latin-1 bytes), NIR and NTT values replaced by `X`.
    pub text: Vec<u8>,
}

/// The result of an ingest.
#[derive(Debug)]
pub struct Ingest {
    pub dataset: Dataset,
    pub report: IngestReport,
    /// Rejected declarations, in file then line order.
    pub rejects: Vec<Reject>,
}

// ---------------------------------------------------------------- facts

#[derive(Clone, Debug, Default)]
pub(crate) struct StopFacts {
    pub reason: u8,
    pub last_worked: Option<Date>,
    pub planned_end: Option<Date>,
    pub resumed: Option<Date>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct ContractFacts {
    pub number: String,
    pub start: Option<Date>,
    pub nature: u8,
    pub scheme: Option<u8>,
    pub iae: Option<u8>,
    pub working_time: Option<u8>,
    pub pcs: Option<Pcs>,
    pub planned_end: Option<Date>,
    pub cdd_reason: Option<u8>,
    pub boeth: Option<u8>,
    /// Block 41: (date of change, former nature 41.004).
    pub changes: Vec<(Option<Date>, Option<u8>)>,
    pub end: Option<(Option<Date>, u16)>,
    pub stoppages: Vec<StopFacts>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct PersonFacts {
    pub id: Option<u64>,
    pub ntt_id: Option<u64>,
    pub sex_nir: Option<u8>,
    pub sex_declared: Option<u8>,
    pub birth: Option<Date>,
    pub line: u64,
    pub contracts: Vec<ContractFacts>,
}

/// The facts of one accepted declaration.
#[derive(Clone, Debug)]
pub(crate) struct Decl {
    /// Chronology: (constitution date 05.007, file index, sequence in file).
    pub order: (i32, u32, u32),
    pub nature: u8,
    pub dtype: u8,
    pub fraction: u8,
    /// Declared month (05.005), or the month of the constitution date for signalements.
    pub month: Date,
    pub siret: u64,
    pub naf: String,
    pub postcode: Option<String>,
    pub emitter_name: Option<String>,
    pub commune_ext: Option<String>,
    pub creation_ext: Option<Date>,
    pub zone_ext: Option<String>,
    pub persons: Box<[PFact]>,
    pub contracts: Box<[CFact]>,
    /// Block 41 nature changes: (contract index, date, former nature).
    pub changes: Box<[(u32, Date, u8)]>,
    /// Block 60 stoppages: (contract index, facts).
    pub stoppages: Box<[(u32, StopFacts)]>,
}

/// A person as declared in one declaration (compact: kept until replacements are known).
#[derive(Clone, Copy, Debug)]
pub(crate) struct PFact {
    pub id: u64,
    pub sex: u8,
    pub birth: Date,
}

/// A contract as declared in one declaration (compact).
#[derive(Clone, Copy, Debug)]
pub(crate) struct CFact {
    /// `contract_id` of (SIRET, person, 40.009, 40.001).
    pub cid: u64,
    /// Index into the declaration's persons.
    pub person: u32,
    pub start: Date,
    pub planned_end: Option<Date>,
    /// Block 62: (end date, reason).
    pub end: Option<(Date, u16)>,
    pub pcs: Option<Pcs>,
    pub nature: u8,
    pub scheme: Option<u8>,
    pub iae: Option<u8>,
    pub working_time: Option<u8>,
    pub cdd_reason: Option<u8>,
    pub boeth: Option<u8>,
}

/// Counters of one file, merged into the report.
#[derive(Clone, Debug, Default)]
pub(crate) struct Stats {
    pub bytes: u64,
    pub rubrics: u64,
    pub wrapper_rubrics: u64,
    pub unknown: HashMap<RubricId, u64>,
    pub unknown_codes: HashMap<RubricId, u64>,
    pub versions: BTreeMap<String, u64>,
    pub warnings: BTreeMap<String, u64>,
    pub declarations_read: u64,
}

/// What one file yields.
#[derive(Debug, Default)]
pub(crate) struct FileOutcome {
    pub decls: Vec<Decl>,
    pub rejects: Vec<Reject>,
    pub file_problems: Vec<Problem>,
    pub stats: Stats,
}

// ---------------------------------------------------------------- structure

struct Frame {
    block: BlockId,
    last: u16,
    line: u64,
    seen: [u64; 16],
    kids: Vec<(BlockId, u32)>,
}

impl Frame {
    fn new(block: BlockId, line: u64) -> Frame {
        Frame {
            block,
            last: 0,
            line,
            seen: [0; 16],
            kids: Vec::new(),
        }
    }
    fn mark(&mut self, r: u16) {
        self.last = r;
        let r = usize::from(r).min(1023);
        self.seen[r / 64] |= 1 << (r % 64);
    }
    fn seen(&self, r: u16) -> bool {
        let r = usize::from(r).min(1023);
        self.seen[r / 64] & (1 << (r % 64)) != 0
    }
}

type Issue = (Reason, Option<RubricId>, u64, String);

/// Blocks whose lower bound is enforced in every declaration nature: the identification
/// chain. Other lower bounds hold for monthly DSN only (signalements carry fewer blocks).
const ALWAYS_MIN: [BlockId; 5] = [
    blocks::EMETTEUR,
    blocks::CONTACT,
    blocks::ENTREPRISE,
    blocks::ETABLISSEMENT,
    blocks::CONTRAT,
];

#[derive(Default)]
struct Structure {
    stack: Vec<Frame>,
    full: bool,
    monthly: bool,
    issues: Vec<Issue>,
}

impl Structure {
    fn close_frame(&mut self, norm: &Norm) {
        let Some(f) = self.stack.pop() else { return };
        for &r in mandatory(f.block, self.full) {
            if !f.seen(r) {
                let rid = f.block.rubric(r);
                self.issues.push((
                    Reason::MissingRubric,
                    Some(rid),
                    f.line,
                    format!("mandatory rubric {rid} missing from block {}", f.block),
                ));
            }
        }
        for &child in norm.children(f.block) {
            let Some(def) = norm.block(child) else {
                continue;
            };
            if def.min == 0 || !(self.monthly || ALWAYS_MIN.contains(&child)) {
                continue;
            }
            let n = f.kids.iter().find(|k| k.0 == child).map_or(0, |k| k.1);
            if n < def.min {
                self.issues.push((
                    Reason::Cardinality,
                    None,
                    f.line,
                    format!(
                        "block {} has {n} instance(s) of its child block {child}, at least {} required",
                        f.block, def.min
                    ),
                ));
            }
        }
    }

    fn close_to(&mut self, len: usize, norm: &Norm) {
        while self.stack.len() > len {
            self.close_frame(norm);
        }
    }

    /// Places a rubric of a known block; returns whether it opens a new block instance.
    fn rubric(&mut self, norm: &Norm, rid: RubricId, line: u64) -> Result<bool, Issue> {
        if let Some(top) = self.stack.last_mut() {
            if top.block == rid.block && rid.r > top.last {
                top.mark(rid.r);
                return Ok(false);
            }
        }
        let parent = norm.block(rid.block).and_then(|d| d.parent);
        match parent {
            None => {
                self.close_to(0, norm);
                let mut f = Frame::new(rid.block, line);
                f.mark(rid.r);
                self.stack.push(f);
                Ok(true)
            }
            Some(p) => {
                let Some(i) = self.stack.iter().rposition(|f| f.block == p) else {
                    return Err((
                        Reason::OrphanBlock,
                        Some(rid),
                        line,
                        format!("block {} appears without its parent block {p}", rid.block),
                    ));
                };
                self.close_to(i + 1, norm);
                let parent = &mut self.stack[i];
                let n = match parent.kids.iter_mut().find(|k| k.0 == rid.block) {
                    Some(k) => {
                        k.1 += 1;
                        k.1
                    }
                    None => {
                        parent.kids.push((rid.block, 1));
                        1
                    }
                };
                let max = norm.block(rid.block).and_then(|d| d.max);
                let mut f = Frame::new(rid.block, line);
                f.mark(rid.r);
                self.stack.push(f);
                match max {
                    Some(m) if n > m => Err((
                        Reason::Cardinality,
                        Some(rid),
                        line,
                        format!(
                            "instance {n} of block {} in block {p}, at most {m} allowed",
                            rid.block
                        ),
                    )),
                    _ => Ok(true),
                }
            }
        }
    }
}

// ---------------------------------------------------------------- values

/// Rubrics that identify a person: their values never appear in errors or rejects.
fn is_identifying(rid: RubricId) -> bool {
    rid.block == blocks::INDIVIDU && matches!(rid.r, 1 | 20)
}

fn shown(rid: RubricId, v: &[u8]) -> String {
    if is_identifying(rid) {
        "<redacted>".to_string()
    } else {
        latin1(v)
    }
}

pub(crate) fn latin1(v: &[u8]) -> String {
    v.iter().map(|&b| b as char).collect()
}

fn digits(v: &[u8]) -> bool {
    !v.is_empty() && v.iter().all(u8::is_ascii_digit)
}

fn num<T: std::str::FromStr>(v: &[u8]) -> Option<T> {
    std::str::from_utf8(v).ok()?.parse().ok()
}

fn date(v: &[u8]) -> Option<Date> {
    Date::parse_dsn(std::str::from_utf8(v).ok()?)
}

/// Birth date 30.006: `99` stands for an unknown day or month (read as 1 and January).
fn birth_date(v: &[u8]) -> Option<Date> {
    if v.len() != 8 || !digits(v) {
        return None;
    }
    let d: u32 = num(&v[0..2])?;
    let m: u32 = num(&v[2..4])?;
    let y: i32 = num(&v[4..8])?;
    let m = if m == 99 { 1 } else { m };
    let d = if d == 99 { 1 } else { d };
    if !(1800..=2099).contains(&y) || !(1..=12).contains(&m) || d > days_in_month(y, m) {
        return None;
    }
    Date::from_ymd(y, m, d)
}

/// NIR layout (Identifiant_Nir_13): sex 1|2, year, month (01–12, 20, 30–42, 50–99),
/// département (01–99, 2A, 2B), commune 001–999, order 001–999; or the 1|2 + twelve 9s form.
fn nir_ok(v: &[u8]) -> bool {
    if v.len() != 13 || !matches!(v[0], b'1' | b'2') {
        return false;
    }
    if v[1..].iter().all(|&c| c == b'9') {
        return true;
    }
    let dep_ok =
        (v[5] == b'2' && matches!(v[6], b'A' | b'B')) || (digits(&v[5..7]) && &v[5..7] != b"00");
    let month = num::<u32>(&v[3..5]);
    let month_ok = matches!(month, Some(1..=12 | 20 | 30..=42 | 50..=99));
    digits(&v[1..5])
        && month_ok
        && dep_ok
        && digits(&v[7..13])
        && &v[7..10] != b"000"
        && &v[10..13] != b"000"
}

fn version_ok(v: &[u8]) -> bool {
    v.len() == 6 && v[0] == b'P' && v[3] == b'V' && digits(&v[1..3]) && digits(&v[4..6])
}

const NIR: RubricId = RubricId {
    block: blocks::INDIVIDU,
    r: 1,
};
const BIRTH: RubricId = RubricId {
    block: blocks::INDIVIDU,
    r: 6,
};
const VERSION: RubricId = RubricId {
    block: blocks::ENVOI,
    r: 6,
};

/// Checks a value against its datatype. `Err((reason, detail, is_enum))`.
fn check_value(rid: RubricId, f: &FieldDef, v: &[u8]) -> Result<(), (Reason, String)> {
    if rid == NIR {
        // Only what the reader relies on is enforced (13 characters, sex digit); the finer
        // layout is a warning, see `nir_ok`.
        let ok =
            v.len() == 13 && matches!(v[0], b'1' | b'2') && v.iter().all(u8::is_ascii_alphanumeric);
        return if ok {
            Ok(())
        } else {
            Err((
                Reason::InvalidFormat,
                "not a NIR: 13 characters starting with 1 or 2 expected (value redacted)".into(),
            ))
        };
    }
    if rid == BIRTH {
        return match birth_date(v) {
            Some(_) => Ok(()),
            None => Err((
                Reason::InvalidDate,
                format!("'{}' is not a birth date JJMMAAAA", latin1(v)),
            )),
        };
    }
    if rid == VERSION {
        return if version_ok(v) {
            Ok(())
        } else {
            Err((
                Reason::InvalidFormat,
                format!("'{}' is not a norm version PnnVnn", latin1(v)),
            ))
        };
    }
    if v.len() < f.min_len || v.len() > f.max_len {
        return Err((
            Reason::InvalidLength,
            format!(
                "'{}' has {} characters, datatype {} allows {} to {}",
                shown(rid, v),
                v.len(),
                f.datatype,
                f.min_len,
                f.max_len
            ),
        ));
    }
    match f.nature {
        FieldNature::Date => {
            let ok =
                date(v).is_some() && (!f.datatype.contains("Mois_Declare") || v.starts_with(b"01"));
            if !ok {
                return Err((
                    Reason::InvalidDate,
                    format!(
                        "'{}' is not a valid date JJMMAAAA ({})",
                        latin1(v),
                        f.datatype
                    ),
                ));
            }
        }
        FieldNature::Numeric => {
            let ok = v.iter().any(u8::is_ascii_digit)
                && v.iter()
                    .all(|&c| c.is_ascii_digit() || c == b'.' || c == b'-');
            if !ok {
                return Err((
                    Reason::InvalidFormat,
                    format!("'{}' is not a number ({})", shown(rid, v), f.datatype),
                ));
            }
        }
        FieldNature::Enumeration => {
            if !f.has_code(v) {
                return Err((
                    Reason::NotInEnumeration,
                    format!("code '{}' is not in enumeration {}", latin1(v), f.datatype),
                ));
            }
        }
        FieldNature::Alphanumeric | FieldNature::External => {}
    }
    Ok(())
}

// ---------------------------------------------------------------- parser

#[derive(Default)]
struct DeclState {
    first_line: u64,
    raw: Vec<u8>,
    problem: Option<Problem>,
    nature: Option<u8>,
    dtype: Option<u8>,
    fraction: u8,
    month: Option<Date>,
    constitution: Option<Date>,
    siren: Option<u64>,
    nic: Option<u64>,
    apen: Option<String>,
    apet: Option<String>,
    postcode: Option<String>,
    commune_ext: Option<String>,
    creation_ext: Option<Date>,
    zone_ext: Option<String>,
    persons: Vec<PersonFacts>,
}

#[derive(Default)]
struct Envoi {
    lines: u64,
    decls: u64,
    version: Option<String>,
    emitter_siren: Option<u64>,
    emitter_nic: Option<u64>,
    emitter_name: Option<String>,
    header_problem: Option<Problem>,
    footer: Option<(Option<u64>, Option<u64>, u64)>,
}

/// Parses one file's byte stream.
pub(crate) struct Parser<'a> {
    name: &'a str,
    file_idx: u32,
    opts: &'a ReadOptions,
    norm: &'static Norm,
    line_no: u64,
    seq: u32,
    structure: Structure,
    envoi: Option<Envoi>,
    decl: Option<DeclState>,
    any_envoi: bool,
    out: FileOutcome,
}

impl<'a> Parser<'a> {
    pub(crate) fn new(name: &'a str, file_idx: u32, opts: &'a ReadOptions) -> Parser<'a> {
        Parser {
            name,
            file_idx,
            opts,
            norm: Norm::get(),
            line_no: 0,
            seq: 0,
            structure: Structure {
                full: opts.full_mandatory,
                ..Structure::default()
            },
            envoi: None,
            decl: None,
            any_envoi: false,
            out: FileOutcome::default(),
        }
    }

    fn make(&self, reason: Reason, rubric: Option<RubricId>, line: u64, detail: String) -> Problem {
        Problem {
            file: self.name.to_string(),
            line,
            rubric: rubric.map(|r| r.to_string()),
            reason,
            detail,
        }
    }

    /// Records a problem against the open declaration, the envoi header, or the file.
    fn problem(&mut self, p: Problem) -> Result<(), DsnError> {
        if self.opts.strict {
            return Err(DsnError::Invalid(Box::new(p)));
        }
        if let Some(d) = &mut self.decl {
            d.problem.get_or_insert(p);
        } else if let Some(e) = self.envoi.as_mut().filter(|e| e.footer.is_none()) {
            e.header_problem.get_or_insert(p);
        } else {
            self.out.file_problems.push(p);
        }
        Ok(())
    }

    fn drain_issues(&mut self) -> Result<(), DsnError> {
        let issues = std::mem::take(&mut self.structure.issues);
        for (reason, rid, line, detail) in issues {
            let p = self.make(reason, rid, line, detail);
            self.problem(p)?;
        }
        Ok(())
    }

    /// Feeds one line (without its line feed). `overflow` = the line was cut at the cap.
    pub(crate) fn line(&mut self, raw: &[u8], overflow: bool) -> Result<(), DsnError> {
        self.line_no += 1;
        self.out.stats.bytes += raw.len() as u64 + 1;
        let mut end = raw.len();
        while end > 0 && matches!(raw[end - 1], b'\r' | b' ' | b'\t') {
            end -= 1;
        }
        let line = &raw[..end];
        if line.is_empty() && !overflow {
            return Ok(());
        }
        let code = line.get(..14).and_then(RubricId::parse);
        // A new root block closes the current declaration before this line is buffered.
        if let Some(rid) = code {
            let s = rid.block.structure();
            if matches!(s, 5 | 6 | 95 | 96) {
                self.out.stats.rubrics += 1;
                self.out.stats.wrapper_rubrics += 1;
                if self.envoi.as_ref().is_some_and(|e| e.footer.is_some()) {
                    self.close_envoi()?;
                }
                return Ok(());
            }
            self.before_root(rid)?;
        }
        if let Some(e) = &mut self.envoi {
            e.lines += 1;
        }
        if let Some(d) = &mut self.decl {
            d.raw.extend_from_slice(line);
            d.raw.push(b'\n');
        }
        if let Some(i) = line
            .iter()
            .position(|&b| b < 0x20 || (0x7f..0xa0).contains(&b))
        {
            let p = self.make(
                Reason::InvalidEncoding,
                code,
                self.line_no,
                format!(
                    "byte 0x{:02X} at column {} is not a Latin-1 character",
                    line[i],
                    i + 1
                ),
            );
            return self.problem(p);
        }
        if overflow || line.len() > MAX_LINE {
            let p = self.make(
                Reason::LineTooLong,
                code,
                self.line_no,
                format!("line longer than {MAX_LINE} characters"),
            );
            return self.problem(p);
        }
        let shaped = line.len() >= 17
            && line[14] == b','
            && line[15] == b'\''
            && line[line.len() - 1] == b'\'';
        let Some(rid) = code.filter(|_| shaped) else {
            let detail = match (code, line.get(14)) {
                (None, _) => "no rubric code Sss.Ggg.bb.rrr at the start of the line".to_string(),
                (Some(_), Some(b',')) => "value not enclosed in single quotes".to_string(),
                _ => "no comma after the rubric code".to_string(),
            };
            let p = self.make(Reason::MalformedLine, code, self.line_no, detail);
            return self.problem(p);
        };
        self.out.stats.rubrics += 1;
        let value = &line[16..line.len() - 1];
        self.rubric(rid, value)
    }

    /// Opens and closes envois and declarations when a root block starts.
    fn before_root(&mut self, rid: RubricId) -> Result<(), DsnError> {
        let top_same = self
            .structure
            .stack
            .last()
            .is_some_and(|f| f.block == rid.block && rid.r > f.last);
        if top_same {
            return Ok(());
        }
        match rid.block {
            blocks::ENVOI => {
                self.close_envoi()?;
                self.envoi = Some(Envoi::default());
                self.any_envoi = true;
            }
            blocks::DECLARATION => {
                self.finish_decl(false)?;
                if self.envoi.is_none() {
                    self.envoi = Some(Envoi::default());
                    self.any_envoi = true;
                    let p = self.make(
                        Reason::OrphanBlock,
                        Some(rid),
                        self.line_no,
                        "declaration outside an envoi (no S10.G00.00 header before it)".into(),
                    );
                    self.problem(p)?;
                }
                self.seq += 1;
                self.decl = Some(DeclState {
                    first_line: self.line_no,
                    fraction: 11,
                    ..DeclState::default()
                });
                self.structure.monthly = false;
            }
            blocks::TOTAL => {
                self.finish_decl(false)?;
                if let Some(e) = &mut self.envoi {
                    e.footer = Some((None, None, self.line_no));
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn rubric(&mut self, rid: RubricId, v: &[u8]) -> Result<(), DsnError> {
        let norm = self.norm;
        let known_block = norm.block(rid.block).is_some();
        let Some(field) = norm.field(rid).filter(|_| known_block) else {
            *self.out.stats.unknown.entry(rid).or_default() += 1;
            if rid.block == blocks::ETABLISSEMENT {
                if let Some(d) = &mut self.decl {
                    match rid.r {
                        901 => d.commune_ext = Some(latin1(v)),
                        902 => d.creation_ext = date(v),
                        903 => d.zone_ext = Some(latin1(v)),
                        _ => {}
                    }
                }
            }
            return Ok(());
        };
        if self.envoi.is_none() {
            // Rubrics before any envoi header: open an implicit envoi to hold the problem.
            self.envoi = Some(Envoi {
                lines: 1,
                ..Envoi::default()
            });
            self.any_envoi = true;
            let p = self.make(
                Reason::OrphanBlock,
                Some(rid),
                self.line_no,
                format!(
                    "block {} outside an envoi (no S10.G00.00 header)",
                    rid.block
                ),
            );
            self.problem(p)?;
        }
        if let Err((reason, detail)) = check_value(rid, field, v) {
            let p24 = self
                .envoi
                .as_ref()
                .and_then(|e| e.version.as_deref())
                .is_none_or(|ver| ver == NORM_VERSION);
            if reason == Reason::NotInEnumeration && !p24 {
                *self.out.stats.unknown_codes.entry(rid).or_default() += 1;
                *self
                    .out
                    .stats
                    .warnings
                    .entry("unknown_code".into())
                    .or_default() += 1;
            } else {
                let p = self.make(reason, Some(rid), self.line_no, detail);
                self.problem(p)?;
            }
        }
        let placed = self.structure.rubric(norm, rid, self.line_no);
        self.drain_issues()?;
        let new_instance = match placed {
            Ok(n) => n,
            Err((reason, rid, line, detail)) => {
                let p = self.make(reason, rid, line, detail);
                return self.problem(p);
            }
        };
        self.extract(rid, v, new_instance)
    }

    fn extract(&mut self, rid: RubricId, v: &[u8], new: bool) -> Result<(), DsnError> {
        use blocks::*;
        let line = self.line_no;
        if rid.block.structure() == 10 || rid.block == TOTAL {
            let Some(e) = &mut self.envoi else {
                return Ok(());
            };
            match (rid.block, rid.r) {
                (ENVOI, 6) => {
                    let ver = latin1(v);
                    *self.out.stats.versions.entry(ver.clone()).or_default() += 1;
                    e.version = Some(ver);
                }
                (EMETTEUR, 1) => e.emitter_siren = num(v),
                (EMETTEUR, 2) => e.emitter_nic = num(v),
                (EMETTEUR, 3) => e.emitter_name = Some(latin1(v)),
                (TOTAL, 1) => {
                    if let Some(f) = &mut e.footer {
                        f.0 = num(v);
                    }
                }
                (TOTAL, 2) => {
                    if let Some(f) = &mut e.footer {
                        f.1 = num(v);
                    }
                }
                _ => {}
            }
            return Ok(());
        }
        let Some(d) = &mut self.decl else {
            return Ok(());
        };
        if d.problem.is_some() {
            return Ok(());
        }
        let mut bad: Option<&str> = None;
        match rid.block {
            DECLARATION => match rid.r {
                1 => {
                    d.nature = num(v);
                    self.structure.monthly = d.nature == Some(1);
                }
                2 => d.dtype = num(v),
                3 => d.fraction = num(v).unwrap_or(11),
                5 => d.month = date(v),
                7 => d.constitution = date(v),
                _ => {}
            },
            ENTREPRISE => match rid.r {
                1 => d.siren = num(v),
                3 => d.apen = Some(latin1(v)),
                _ => {}
            },
            ETABLISSEMENT => match rid.r {
                1 => d.nic = num(v),
                2 => d.apet = Some(latin1(v)),
                4 => d.postcode = Some(latin1(v)),
                _ => {}
            },
            INDIVIDU => {
                if new {
                    d.persons.push(PersonFacts {
                        line,
                        ..PersonFacts::default()
                    });
                }
                let Some(p) = d.persons.last_mut() else {
                    return Ok(());
                };
                match rid.r {
                    1 => {
                        if !nir_ok(v) {
                            *self
                                .out
                                .stats
                                .warnings
                                .entry("nir_layout".into())
                                .or_default() += 1;
                        }
                        p.id = Some(self.opts.key.person_id(v));
                        p.sex_nir = v.first().map(|b| b.wrapping_sub(b'0'));
                        p.line = line;
                    }
                    5 => p.sex_declared = num(v),
                    6 => p.birth = birth_date(v),
                    20 => p.ntt_id = Some(self.opts.key.person_id(v)),
                    _ => {}
                }
            }
            _ => {
                let Some(p) = d.persons.last_mut() else {
                    return Ok(());
                };
                if rid.block == CONTRAT && new {
                    p.contracts.push(ContractFacts::default());
                }
                let Some(c) = p.contracts.last_mut() else {
                    return Ok(());
                };
                match rid.block {
                    CONTRAT => match rid.r {
                        1 => c.start = date(v),
                        4 => {
                            c.pcs = Pcs::new(&latin1(v));
                            if c.pcs.is_none() {
                                bad = Some("a PCS-ESE code is four letters or digits");
                            }
                        }
                        7 => c.nature = num(v).unwrap_or(0),
                        8 => c.scheme = num(v),
                        9 => c.number = latin1(v),
                        10 => c.planned_end = date(v),
                        14 => c.working_time = num(v),
                        21 => c.cdd_reason = num(v),
                        72 => c.boeth = num(v),
                        73 => c.iae = num(v),
                        _ => {}
                    },
                    CHANGEMENT => {
                        if new {
                            c.changes.push((None, None));
                        }
                        if let Some(ch) = c.changes.last_mut() {
                            match rid.r {
                                1 => ch.0 = date(v),
                                4 => ch.1 = num(v),
                                _ => {}
                            }
                        }
                    }
                    ARRET => {
                        if new {
                            c.stoppages.push(StopFacts::default());
                        }
                        if let Some(s) = c.stoppages.last_mut() {
                            match rid.r {
                                1 => s.reason = num(v).unwrap_or(0),
                                2 => s.last_worked = date(v),
                                3 => s.planned_end = date(v),
                                10 => s.resumed = date(v),
                                _ => {}
                            }
                        }
                    }
                    FIN => {
                        let e = c.end.get_or_insert((None, 0));
                        match rid.r {
                            1 => e.0 = date(v),
                            2 => e.1 = num(v).unwrap_or(0),
                            _ => {}
                        }
                    }
                    _ => {}
                }
            }
        }
        if let Some(why) = bad {
            let p = self.make(
                Reason::InvalidFormat,
                Some(rid),
                line,
                format!("'{}': {why}", latin1(v)),
            );
            self.problem(p)?;
        }
        Ok(())
    }

    /// Closes the open declaration: accepted facts or a reject.
    fn finish_decl(&mut self, truncated: bool) -> Result<(), DsnError> {
        if self.decl.is_none() {
            return Ok(());
        }
        if truncated {
            let p = self.make(
                Reason::Truncated,
                None,
                self.line_no,
                "the file ends inside this declaration, before the envoi total S90.G00.90".into(),
            );
            self.problem(p)?;
        }
        // Close the declaration's block instances (mandatory rubrics, lower bounds).
        self.structure.close_to(0, self.norm);
        self.drain_issues()?;
        self.check_decl()?;
        let Some(d) = self.decl.take() else {
            return Ok(());
        };
        self.out.stats.declarations_read += 1;
        let envoi = self.envoi.get_or_insert_with(Envoi::default);
        envoi.decls += 1;
        let problem = d.problem.clone().or_else(|| {
            envoi.header_problem.clone().map(|mut p| {
                p.detail = format!("in the envoi header: {}", p.detail);
                p
            })
        });
        if let Some(problem) = problem {
            self.out.rejects.push(Reject {
                problem,
                first_line: d.first_line,
                text: redact(&d.raw),
            });
            return Ok(());
        }
        // Checked: header values are extracted even from a rejected envoi header.
        let siret_of = |s: u64, n: u64| s.checked_mul(100_000).and_then(|x| x.checked_add(n));
        let siret = siret_of(d.siren.unwrap_or(0), d.nic.unwrap_or(0)).unwrap_or(0);
        let emitter_name = match (envoi.emitter_siren, envoi.emitter_nic) {
            (Some(s), Some(n)) if siret_of(s, n) == Some(siret) => envoi.emitter_name.clone(),
            _ => None,
        };
        let month = d
            .month
            .or(d.constitution)
            .map(Date::first_of_month)
            .unwrap_or(Date(0));
        let mut persons = Vec::with_capacity(d.persons.len());
        let mut contracts = Vec::new();
        let mut changes = Vec::new();
        let mut stoppages = Vec::new();
        for p in d.persons {
            let Some(id) = p.id.or(p.ntt_id) else {
                continue;
            };
            let sex = match p.sex_declared {
                Some(s @ 1..=2) => s,
                _ => p.sex_nir.unwrap_or(0),
            };
            let pi = persons.len() as u32;
            persons.push(PFact {
                id,
                sex,
                birth: p.birth.unwrap_or(Date(0)),
            });
            for c in p.contracts {
                let Some(start) = c.start else { continue };
                let ci = contracts.len() as u32;
                for (date, old) in c.changes {
                    if let (Some(date), Some(old)) = (date, old) {
                        changes.push((ci, date, old));
                    }
                }
                for st in c.stoppages {
                    stoppages.push((ci, st));
                }
                contracts.push(CFact {
                    cid: super::pseudo::contract_id(siret, id, &c.number, start),
                    person: pi,
                    start,
                    planned_end: c.planned_end,
                    end: c.end.and_then(|(date, reason)| date.map(|dt| (dt, reason))),
                    pcs: c.pcs,
                    nature: c.nature,
                    scheme: c.scheme,
                    iae: c.iae,
                    working_time: c.working_time,
                    cdd_reason: c.cdd_reason,
                    boeth: c.boeth,
                });
            }
        }
        self.out.decls.push(Decl {
            order: (
                d.constitution.map_or(i32::MIN, |c| c.0),
                self.file_idx,
                self.seq,
            ),
            nature: d.nature.unwrap_or(0),
            dtype: d.dtype.unwrap_or(1),
            fraction: d.fraction,
            month,
            siret,
            naf: d.apet.or(d.apen).unwrap_or_default(),
            postcode: d.postcode,
            emitter_name,
            commune_ext: d.commune_ext,
            creation_ext: d.creation_ext,
            zone_ext: d.zone_ext,
            persons: persons.into_boxed_slice(),
            contracts: contracts.into_boxed_slice(),
            changes: changes.into_boxed_slice(),
            stoppages: stoppages.into_boxed_slice(),
        });
        Ok(())
    }

    /// Declaration-level rules: a person identifier, no duplicate person, a month.
    fn check_decl(&mut self) -> Result<(), DsnError> {
        let Some(d) = &self.decl else { return Ok(()) };
        if d.problem.is_some() {
            return Ok(());
        }
        let mut found: Option<(Reason, Option<RubricId>, u64, String)> = None;
        let mut seen = HashSet::new();
        for p in &d.persons {
            match p.id.or(p.ntt_id) {
                None => {
                    found = Some((
                        Reason::MissingRubric,
                        Some(NIR),
                        p.line,
                        "individual without NIR (30.001) or NTT (30.020)".into(),
                    ));
                    break;
                }
                Some(id) if !seen.insert(id) => {
                    found = Some((
                        Reason::DuplicatePerson,
                        Some(NIR),
                        p.line,
                        "the same NIR/NTT is declared twice in this declaration (value redacted)"
                            .into(),
                    ));
                    break;
                }
                _ => {}
            }
            if p.birth.is_none() {
                found = Some((
                    Reason::MissingRubric,
                    Some(BIRTH),
                    p.line,
                    "individual without birth date (30.006)".into(),
                ));
                break;
            }
        }
        if found.is_none() && d.month.is_none() && (d.nature == Some(1) || d.constitution.is_none())
        {
            found = Some((
                Reason::MissingRubric,
                Some(blocks::DECLARATION.rubric(5)),
                d.first_line,
                "no declared month (05.005)".into(),
            ));
        }
        if let Some((reason, rid, line, detail)) = found {
            let p = self.make(reason, rid, line, detail);
            self.problem(p)?;
        }
        Ok(())
    }

    fn close_envoi(&mut self) -> Result<(), DsnError> {
        let Some(e) = &self.envoi else { return Ok(()) };
        let (footer, lines, decls) = (e.footer, e.lines, e.decls);
        let header_problem = e.header_problem.clone().filter(|_| decls == 0);
        match footer {
            None => {
                if self.decl.is_some() {
                    self.finish_decl(true)?;
                } else {
                    let p = self.make(
                        Reason::Truncated,
                        None,
                        self.line_no,
                        "envoi without its total S90.G00.90".into(),
                    );
                    self.envoi = None;
                    self.problem(p)?;
                }
            }
            Some((total, count, line)) => {
                if total != Some(lines) || count != Some(decls) {
                    let show = |v: Option<u64>| v.map_or("absent".to_string(), |v| v.to_string());
                    let p = self.make(
                        Reason::FooterMismatch,
                        Some(blocks::TOTAL.rubric(1)),
                        line,
                        format!(
                            "envoi total declares {} rubrics and {} declarations, the envoi holds {lines} and {decls}",
                            show(total),
                            show(count)
                        ),
                    );
                    self.problem(p)?;
                }
                if let Some(h) = header_problem {
                    self.out.file_problems.push(h);
                }
            }
        }
        self.structure.close_to(0, self.norm);
        self.structure.issues.clear();
        self.envoi = None;
        Ok(())
    }

    /// Ends the file.
    pub(crate) fn finish(mut self) -> Result<FileOutcome, DsnError> {
        if self.envoi.is_some() {
            self.close_envoi()?;
        }
        if !self.any_envoi || self.out.stats.declarations_read == 0 {
            let p = self.make(
                Reason::EmptyFile,
                None,
                0,
                format!("no declaration in {} line(s)", self.line_no),
            );
            self.problem(p)?;
        }
        Ok(self.out)
    }

    pub(crate) fn unreadable(&mut self, err: &std::io::Error) -> Result<(), DsnError> {
        let p = self.make(
            Reason::Unreadable,
            None,
            self.line_no,
            format!("read error after line {}: {err}", self.line_no),
        );
        if self.decl.is_some() && !self.opts.strict {
            if let Some(d) = &mut self.decl {
                d.problem.get_or_insert(p);
            }
            self.finish_decl(false)?;
            self.envoi = None;
            Ok(())
        } else {
            self.problem(p)
        }
    }
}

/// Replaces NIR/NTT values by `X`, and any long digit run on an unparseable line.
fn redact(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    for line in raw.split(|&b| b == b'\n') {
        if line.is_empty() {
            continue;
        }
        match line.get(..14).and_then(RubricId::parse) {
            Some(rid) if is_identifying(rid) => {
                out.extend_from_slice(&line[..14.min(line.len())]);
                out.extend_from_slice(b",'XXXXXXXXXXXXX'");
            }
            Some(_) if line.get(14) == Some(&b',') => out.extend_from_slice(line),
            _ => {
                let mut run = 0;
                let start = out.len();
                for &b in line {
                    out.push(b);
                    if b.is_ascii_digit() {
                        run += 1;
                        if run == 11 {
                            let n = out.len();
                            for x in &mut out[n - 11..] {
                                *x = b'X';
                            }
                        } else if run > 11 {
                            if let Some(x) = out.last_mut() {
                                *x = b'X';
                            }
                        }
                    } else {
                        run = 0;
                    }
                }
                debug_assert!(out.len() >= start);
            }
        }
        out.push(b'\n');
    }
    out
}

// ---------------------------------------------------------------- files

/// Reads one line into `buf` (without the line feed), keeping at most `LINE_CAP` bytes.
/// `Ok(None)` at the end of the stream; `Ok(Some(true))` when the line was cut.
fn read_line_capped<R: BufRead + ?Sized>(
    r: &mut R,
    buf: &mut Vec<u8>,
) -> std::io::Result<Option<bool>> {
    buf.clear();
    let mut overflow = false;
    let mut any = false;
    loop {
        let avail = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            return Ok(any.then_some(overflow));
        }
        any = true;
        let (chunk, used, done) = match avail.iter().position(|&b| b == b'\n') {
            Some(i) => (&avail[..i], i + 1, true),
            None => (avail, avail.len(), false),
        };
        let room = LINE_CAP.saturating_sub(buf.len());
        if chunk.len() > room {
            overflow = true;
        }
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        r.consume(used);
        if done {
            return Ok(Some(overflow));
        }
    }
}

/// Parses a byte stream (plain or gzip, detected by its magic bytes).
pub(crate) fn parse_stream<R: Read>(
    name: &str,
    file_idx: u32,
    reader: R,
    opts: &ReadOptions,
) -> Result<FileOutcome, DsnError> {
    let mut br = BufReader::with_capacity(1 << 16, reader);
    let gz = matches!(br.fill_buf(), Ok(b) if b.starts_with(&[0x1f, 0x8b]));
    let mut parser = Parser::new(name, file_idx, opts);
    let mut run = |r: &mut dyn BufRead| -> Result<(), DsnError> {
        let mut buf = Vec::with_capacity(512);
        loop {
            match read_line_capped(r, &mut buf) {
                Ok(Some(overflow)) => parser.line(&buf, overflow)?,
                Ok(None) => return Ok(()),
                Err(e) => return parser.unreadable(&e),
            }
        }
    };
    if gz {
        let mut inner = BufReader::with_capacity(1 << 16, flate2::bufread::MultiGzDecoder::new(br));
        run(&mut inner)?;
    } else {
        run(&mut br)?;
    }
    parser.finish()
}

fn is_dsn_name(p: &Path) -> bool {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    !name.starts_with('.')
        && [".dsn", ".dsn.gz", ".edi", ".edi.gz", ".txt", ".txt.gz"]
            .iter()
            .any(|ext| name.ends_with(ext))
}

/// The files to read: each path given, and under each directory (recursively) every file
/// named `*.dsn`, `*.edi` or `*.txt` (optionally `.gz`), in sorted order.
pub fn list_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, DsnError> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), DsnError> {
        let io = |source| DsnError::Io {
            path: dir.to_path_buf(),
            source,
        };
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(io)?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .map_err(io)?;
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out)?;
            } else if is_dsn_name(&p) {
                out.push(p);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let before = out.len();
            walk(p, &mut out)?;
            if out.len() == before {
                return Err(DsnError::NoFiles(p.display().to_string()));
            }
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(DsnError::Io {
                path: p.clone(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
            });
        }
    }
    Ok(out)
}

/// Reads DSN files and directories into the workbench tables.
///
/// Files are parsed in parallel and merged in the order of [`list_files`]; declarations are
/// then applied in chronological order (see `rebuild`). In strict mode the first problem
/// (in file order) is returned as [`DsnError::Invalid`].
pub fn read(paths: &[PathBuf], opts: &ReadOptions) -> Result<Ingest, DsnError> {
    let files = list_files(paths)?;
    let outcomes: Vec<Result<FileOutcome, DsnError>> = files
        .par_iter()
        .enumerate()
        .map(|(i, path)| {
            let name = path.display().to_string();
            let f = std::fs::File::open(path).map_err(|source| DsnError::Io {
                path: path.clone(),
                source,
            })?;
            parse_stream(&name, i as u32, f, opts)
        })
        .collect();
    let mut ok = Vec::with_capacity(outcomes.len());
    for o in outcomes {
        ok.push(o?);
    }
    Ok(rebuild::assemble(ok, files.len() as u64, &opts.key))
}

/// Reads one in-memory file (tests, fuzzing). Never panics, whatever the bytes.
pub fn read_bytes(name: &str, bytes: &[u8], opts: &ReadOptions) -> Result<Ingest, DsnError> {
    let o = parse_stream(name, 0, bytes, opts)?;
    Ok(rebuild::assemble(vec![o], 1, &opts.key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nir_layout() {
        assert!(nir_ok(b"1850775123456"));
        assert!(nir_ok(b"2991299999999") && nir_ok(b"1999999999999"));
        assert!(nir_ok(b"185072A123456"));
        assert!(!nir_ok(b"3850775123456"));
        assert!(!nir_ok(b"1851375123456"));
        assert!(!nir_ok(b"1850700123456"));
        assert!(!nir_ok(b"185077512345"));
    }

    #[test]
    fn birth_dates_allow_99() {
        assert_eq!(birth_date(b"99991990"), Date::from_ymd(1990, 1, 1));
        assert_eq!(birth_date(b"15061990"), Date::from_ymd(1990, 6, 15));
        assert_eq!(birth_date(b"31021990"), None);
    }

    #[test]
    fn redaction() {
        let r = redact(b"S21.G00.30.001,'1850775123456'\nbroken 1850775123456 line\n");
        let s = String::from_utf8(r).unwrap();
        assert!(!s.contains("1850775123456"), "{s}");
        assert!(s.contains("S21.G00.30.001,'XXXXXXXXXXXXX'"));
    }

    #[test]
    fn capped_lines() {
        let data = vec![b'a'; 10_000];
        let mut r = BufReader::new(&data[..]);
        let mut buf = Vec::new();
        assert_eq!(read_line_capped(&mut r, &mut buf).unwrap(), Some(true));
        assert_eq!(buf.len(), LINE_CAP);
        assert_eq!(read_line_capped(&mut r, &mut buf).unwrap(), None);
    }
}
