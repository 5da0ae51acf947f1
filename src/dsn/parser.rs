//! The line parser: one file's lines → block instances → one declaration's facts at a time.
//!
//! A declaration's raw lines are kept only until it closes, in case it must be written to
//! `rejects/` (redacted, see `redact`); an accepted declaration becomes a [`Decl`] handed to
//! the fact store, a rejected one a [`Reject`]. NIR and NTT values are pseudonymised here
//! and go no further. In strict mode the first problem is returned as an error.

use super::facts::{CFact, Decl, PFact, StopFacts};
use super::norm::{blocks, Norm, RubricId, NORM_VERSION};
use super::outcome::{reject_file_name, FileOutcome, FileStats, Reject};
use super::redact;
use super::store::FileSink;
use super::structure::{Issue, Structure};
use super::values::{birth_date, check_value, date, latin1, nir_ok, num, BIRTH, NIR};
use super::{DsnError, Problem, ReadOptions, Reason};
use crate::date::Date;
use crate::model::Pcs;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

/// Maximum line length in the norm (characters = bytes in Latin-1).
pub const MAX_LINE: usize = 256;

/// Counters of the file being read (hash maps on the hot path; sorted at the end).
#[derive(Default)]
struct Stats {
    bytes: u64,
    rubrics: u64,
    wrapper_rubrics: u64,
    unknown: HashMap<RubricId, u64>,
    unknown_codes: HashMap<RubricId, u64>,
    versions: BTreeMap<String, u64>,
    warnings: BTreeMap<String, u64>,
    declarations_read: u64,
}

impl Stats {
    fn warn(&mut self, kind: &str) {
        *self.warnings.entry(kind.to_string()).or_default() += 1;
    }

    fn into_file_stats(self) -> FileStats {
        let named = |m: HashMap<RubricId, u64>| m.into_iter().map(|(k, v)| (k.to_string(), v));
        FileStats {
            bytes: self.bytes,
            rubrics: self.rubrics,
            wrapper_rubrics: self.wrapper_rubrics,
            unknown_rubrics: named(self.unknown).collect(),
            unknown_codes: named(self.unknown_codes).collect(),
            versions: self.versions,
            warnings: self.warnings,
            declarations_read: self.declarations_read,
        }
    }
}

#[derive(Clone, Debug, Default)]
struct ContractFacts {
    number: String,
    start: Option<Date>,
    nature: u8,
    scheme: Option<u8>,
    iae: Option<u8>,
    working_time: Option<u8>,
    pcs: Option<Pcs>,
    planned_end: Option<Date>,
    cdd_reason: Option<u8>,
    boeth: Option<u8>,
    /// Block 41: (date of change, former nature 41.004).
    changes: Vec<(Option<Date>, Option<u8>)>,
    end: Option<(Option<Date>, u16)>,
    stoppages: Vec<StopFacts>,
}

#[derive(Clone, Debug, Default)]
struct PersonFacts {
    id: Option<u64>,
    ntt_id: Option<u64>,
    sex_nir: Option<u8>,
    sex_declared: Option<u8>,
    birth: Option<Date>,
    line: u64,
    contracts: Vec<ContractFacts>,
}

/// The declaration being read.
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

/// The envoi being read (header S10, footer S90).
#[derive(Default)]
struct Envoi {
    lines: u64,
    decls: u64,
    version: Option<String>,
    emitter_siren: Option<u64>,
    emitter_nic: Option<u64>,
    emitter_name: Option<String>,
    header_problem: Option<Problem>,
    /// (declared rubric total, declared declaration count, line).
    footer: Option<(Option<u64>, Option<u64>, u64)>,
}

/// Parses one file's lines.
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
    stats: Stats,
    out: FileOutcome,
    sink: FileSink<'a>,
    rejects_dir: Option<&'a Path>,
}

impl<'a> Parser<'a> {
    /// A parser for file `name` (position `file_idx` in the input list). Rejected
    /// declarations are written to `rejects_dir` when given, else kept in memory.
    pub(crate) fn new(
        name: &'a str,
        file_idx: u32,
        opts: &'a ReadOptions,
        sink: FileSink<'a>,
        rejects_dir: Option<&'a Path>,
    ) -> Parser<'a> {
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
            stats: Stats::default(),
            out: FileOutcome {
                index: file_idx,
                ..FileOutcome::default()
            },
            sink,
            rejects_dir,
        }
    }

    /// A problem at `line`; file name and detail scrubbed of NIR-shaped runs.
    fn make(&self, reason: Reason, rubric: Option<RubricId>, line: u64, detail: String) -> Problem {
        Problem {
            file: redact::scrub(self.name).into_owned(),
            line,
            rubric: rubric.map(|r| r.to_string()),
            reason,
            detail: redact::scrub(&detail).into_owned(),
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
            self.out.problems.push(p);
        }
        Ok(())
    }

    fn issue(&mut self, (reason, rid, line, detail): Issue) -> Result<(), DsnError> {
        let p = self.make(reason, rid, line, detail);
        self.problem(p)
    }

    fn drain_issues(&mut self) -> Result<(), DsnError> {
        for issue in std::mem::take(&mut self.structure.issues) {
            self.issue(issue)?;
        }
        Ok(())
    }

    /// Feeds one line (without its line feed). `overflow` = the line was cut at the cap.
    pub(crate) fn line(&mut self, raw: &[u8], overflow: bool) -> Result<(), DsnError> {
        self.line_no += 1;
        self.stats.bytes += raw.len() as u64 + 1;
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
            if matches!(rid.block.structure(), 5 | 6 | 95 | 96) {
                self.stats.rubrics += 1;
                self.stats.wrapper_rubrics += 1;
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
        match self.shape(line, code, overflow) {
            Ok(rid) => {
                self.stats.rubrics += 1;
                self.rubric(rid, &line[16..line.len() - 1])
            }
            Err((reason, detail)) => {
                let p = self.make(reason, code, self.line_no, detail);
                self.problem(p)
            }
        }
    }

    /// The line's rubric when it has the `code,'value'` shape in printable Latin-1.
    fn shape(
        &self,
        line: &[u8],
        code: Option<RubricId>,
        overflow: bool,
    ) -> Result<RubricId, (Reason, String)> {
        if let Some(i) = line
            .iter()
            .position(|&b| b < 0x20 || (0x7f..0xa0).contains(&b))
        {
            return Err((
                Reason::InvalidEncoding,
                format!(
                    "byte 0x{:02X} at column {} is not a Latin-1 character",
                    line[i],
                    i + 1
                ),
            ));
        }
        if overflow || line.len() > MAX_LINE {
            return Err((
                Reason::LineTooLong,
                format!("line longer than {MAX_LINE} characters"),
            ));
        }
        let shaped = line.len() >= 17
            && line[14] == b','
            && line[15] == b'\''
            && line[line.len() - 1] == b'\'';
        code.filter(|_| shaped).ok_or_else(|| {
            let detail = match (code, line.get(14)) {
                (None, _) => "no rubric code Sss.Ggg.bb.rrr at the start of the line",
                (Some(_), Some(b',')) => "value not enclosed in single quotes",
                _ => "no comma after the rubric code",
            };
            (Reason::MalformedLine, detail.to_string())
        })
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
            *self.stats.unknown.entry(rid).or_default() += 1;
            self.extension(rid, v);
            return Ok(());
        };
        if self.envoi.is_none() {
            // Rubrics before any envoi header: open an implicit envoi to hold the problem.
            self.envoi = Some(Envoi {
                lines: 1,
                ..Envoi::default()
            });
            self.any_envoi = true;
            let detail = format!(
                "block {} outside an envoi (no S10.G00.00 header)",
                rid.block
            );
            self.issue((Reason::OrphanBlock, Some(rid), self.line_no, detail))?;
        }
        if let Err((reason, detail)) = check_value(rid, field, v) {
            let later_norm = self
                .envoi
                .as_ref()
                .and_then(|e| e.version.as_deref())
                .is_some_and(|ver| ver != NORM_VERSION);
            if reason == Reason::NotInEnumeration && later_norm {
                *self.stats.unknown_codes.entry(rid).or_default() += 1;
                self.stats.warn("unknown_code");
            } else {
                self.issue((reason, Some(rid), self.line_no, detail))?;
            }
        }
        let placed = self.structure.rubric(norm, rid, self.line_no);
        self.drain_issues()?;
        match placed {
            Ok(new_instance) => self.extract(rid, v, new_instance),
            Err(issue) => self.issue(issue),
        }
    }

    /// Workbench extensions of the établissement block (`.901` commune, `.902` creation
    /// date, `.903` zone): not in the norm, used when present.
    fn extension(&mut self, rid: RubricId, v: &[u8]) {
        if rid.block != blocks::ETABLISSEMENT {
            return;
        }
        if let Some(d) = &mut self.decl {
            match rid.r {
                901 => d.commune_ext = Some(redact::text(v)),
                902 => d.creation_ext = date(v),
                903 => d.zone_ext = Some(redact::text(v)),
                _ => {}
            }
        }
    }

    /// Keeps what the tables need from a valid rubric.
    fn extract(&mut self, rid: RubricId, v: &[u8], new: bool) -> Result<(), DsnError> {
        if rid.block.structure() == 10 || rid.block == blocks::TOTAL {
            self.extract_envoi(rid, v);
            return Ok(());
        }
        let line = self.line_no;
        let Some(d) = self.decl.as_mut().filter(|d| d.problem.is_none()) else {
            return Ok(());
        };
        let bad = match rid.block {
            blocks::DECLARATION | blocks::ENTREPRISE | blocks::ETABLISSEMENT => {
                if rid == blocks::DECLARATION.rubric(1) {
                    self.structure.monthly = num(v) == Some(1u8);
                }
                extract_header(d, rid, v);
                None
            }
            blocks::INDIVIDU => {
                if rid == NIR && !nir_ok(v) {
                    self.stats.warn("nir_layout");
                }
                extract_person(d, rid, v, new, line, self.opts);
                None
            }
            _ => extract_contract(d, rid, v, new),
        };
        if let Some(why) = bad {
            let detail = format!("'{}': {why}", redact::text(v));
            self.issue((Reason::InvalidFormat, Some(rid), line, detail))?;
        }
        Ok(())
    }

    fn extract_envoi(&mut self, rid: RubricId, v: &[u8]) {
        use blocks::*;
        let Some(e) = &mut self.envoi else { return };
        match (rid.block, rid.r) {
            (ENVOI, 6) => {
                let ver = redact::text(v);
                *self.stats.versions.entry(ver.clone()).or_default() += 1;
                e.version = Some(ver);
            }
            (EMETTEUR, 1) => e.emitter_siren = num(v),
            (EMETTEUR, 2) => e.emitter_nic = num(v),
            (EMETTEUR, 3) => e.emitter_name = Some(redact::text(v)),
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
    }

    /// Declaration-level rules: a person identifier, no duplicate person, a month.
    fn check_decl(&mut self) -> Result<(), DsnError> {
        let Some(d) = &self.decl else { return Ok(()) };
        if d.problem.is_some() {
            return Ok(());
        }
        let mut found: Option<Issue> = None;
        let mut seen = HashSet::new();
        for p in &d.persons {
            let problem = match p.id.or(p.ntt_id) {
                None => Some((
                    Reason::MissingRubric,
                    "individual without NIR (30.001) or NTT (30.020)",
                )),
                Some(id) if !seen.insert(id) => Some((
                    Reason::DuplicatePerson,
                    "the same NIR/NTT is declared twice in this declaration (value redacted)",
                )),
                _ => None,
            };
            if let Some((reason, detail)) = problem {
                found = Some((reason, Some(NIR), p.line, detail.into()));
                break;
            }
            if p.birth.is_none() {
                let detail = "individual without birth date (30.006)".into();
                found = Some((Reason::MissingRubric, Some(BIRTH), p.line, detail));
                break;
            }
        }
        if found.is_none() && d.month.is_none() && (d.nature == Some(1) || d.constitution.is_none())
        {
            let rid = Some(blocks::DECLARATION.rubric(5));
            let detail = "no declared month (05.005)".into();
            found = Some((Reason::MissingRubric, rid, d.first_line, detail));
        }
        match found {
            Some(issue) => self.issue(issue),
            None => Ok(()),
        }
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
                    self.envoi = None;
                    let detail = "envoi without its total S90.G00.90".into();
                    self.issue((Reason::Truncated, None, self.line_no, detail))?;
                }
            }
            Some((total, count, line)) => {
                if total != Some(lines) || count != Some(decls) {
                    let show = |v: Option<u64>| v.map_or("absent".to_string(), |v| v.to_string());
                    let detail = format!(
                        "envoi total declares {} rubrics and {} declarations, the envoi holds {lines} and {decls}",
                        show(total),
                        show(count)
                    );
                    let rid = Some(blocks::TOTAL.rubric(1));
                    self.issue((Reason::FooterMismatch, rid, line, detail))?;
                }
                if let Some(h) = header_problem {
                    self.out.problems.push(h);
                }
            }
        }
        self.structure.close_to(0, self.norm);
        self.structure.issues.clear();
        self.envoi = None;
        Ok(())
    }

    /// Closes the open declaration: accepted facts or a reject.
    fn finish_decl(&mut self, truncated: bool) -> Result<(), DsnError> {
        if self.decl.is_none() {
            return Ok(());
        }
        if truncated {
            let detail =
                "the file ends inside this declaration, before the envoi total S90.G00.90".into();
            self.issue((Reason::Truncated, None, self.line_no, detail))?;
        }
        // Close the declaration's block instances (mandatory rubrics, lower bounds).
        self.structure.close_to(0, self.norm);
        self.drain_issues()?;
        self.check_decl()?;
        let Some(d) = self.decl.take() else {
            return Ok(());
        };
        self.stats.declarations_read += 1;
        let envoi = self.envoi.get_or_insert_with(Envoi::default);
        envoi.decls += 1;
        let problem = d.problem.clone().or_else(|| {
            envoi.header_problem.clone().map(|mut p| {
                p.detail = format!("in the envoi header: {}", p.detail);
                p
            })
        });
        match problem {
            Some(problem) => self.reject(&d, problem),
            None => {
                let first_line = d.first_line;
                let decl = self.facts(d);
                *self
                    .out
                    .accepted_by_nature
                    .entry(format!("{:02}", decl.nature))
                    .or_default() += 1;
                self.sink.put(&decl, first_line)
            }
        }
    }

    fn reject(&mut self, d: &DeclState, problem: Problem) -> Result<(), DsnError> {
        let name = reject_file_name(self.file_idx, self.name, d.first_line);
        let mut text = redact::redact_declaration(&d.raw, self.norm);
        if let Some(dir) = self.rejects_dir {
            let path = dir.join(&name);
            std::fs::write(&path, &text).map_err(|source| DsnError::Io { path, source })?;
            text = Vec::new();
        }
        self.out.rejects.push(Reject {
            reject_file: Some(name),
            file_index: self.file_idx,
            first_line: d.first_line,
            problem,
            text,
        });
        Ok(())
    }

    /// The facts of an accepted declaration.
    fn facts(&self, d: DeclState) -> Decl {
        let envoi = self.envoi.as_ref();
        // Checked: header values are extracted even from a rejected envoi header.
        let siret_of = |s: u64, n: u64| s.checked_mul(100_000).and_then(|x| x.checked_add(n));
        let siret = siret_of(d.siren.unwrap_or(0), d.nic.unwrap_or(0)).unwrap_or(0);
        let emitter_name = envoi.and_then(|e| match (e.emitter_siren, e.emitter_nic) {
            (Some(s), Some(n)) if siret_of(s, n) == Some(siret) => e.emitter_name.clone(),
            _ => None,
        });
        let month = d
            .month
            .or(d.constitution)
            .map(Date::first_of_month)
            .unwrap_or(Date(0));
        let (persons, contracts, changes, stoppages) = people(d.persons, siret);
        Decl {
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
            persons: persons.into(),
            contracts: contracts.into(),
            changes: changes.into(),
            stoppages: stoppages.into(),
        }
    }

    /// Ends the file.
    pub(crate) fn finish(mut self) -> Result<FileOutcome, DsnError> {
        if self.envoi.is_some() {
            self.close_envoi()?;
        }
        if !self.any_envoi || self.stats.declarations_read == 0 {
            let detail = format!("no declaration in {} line(s)", self.line_no);
            self.issue((Reason::EmptyFile, None, 0, detail))?;
        }
        self.sink.flush()?;
        Ok(self.outcome())
    }

    fn outcome(self) -> FileOutcome {
        let mut out = self.out;
        out.stats = self.stats.into_file_stats();
        out
    }

    /// A read error of the underlying file.
    pub(crate) fn unreadable(&mut self, err: &std::io::Error) -> Result<(), DsnError> {
        let detail = format!("read error after line {}: {err}", self.line_no);
        let p = self.make(Reason::Unreadable, None, self.line_no, detail);
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

    /// A corrupt gzip stream: the whole file is set aside (see [`FileOutcome::set_corrupt`]).
    pub(crate) fn corrupt(mut self, err: &std::io::Error) -> Result<FileOutcome, DsnError> {
        let detail = format!("corrupt gzip stream after line {}: {err}", self.line_no);
        let p = self.make(Reason::CorruptGzip, None, self.line_no, detail);
        if self.opts.strict {
            return Err(DsnError::Invalid(Box::new(p)));
        }
        if let Some(d) = &mut self.decl {
            d.problem.get_or_insert(p.clone());
            self.finish_decl(false)?;
        }
        self.envoi = None;
        self.out.problems.push(p.clone());
        self.sink.retract();
        let accepted = std::mem::take(&mut self.sink.accepted_lines);
        let name = p.file.clone();
        let mut out = self.outcome();
        out.set_corrupt(&name, &accepted, &p.detail);
        Ok(out)
    }
}

fn extract_header(d: &mut DeclState, rid: RubricId, v: &[u8]) {
    use blocks::*;
    match (rid.block, rid.r) {
        (DECLARATION, 1) => d.nature = num(v),
        (DECLARATION, 2) => d.dtype = num(v),
        (DECLARATION, 3) => d.fraction = num(v).unwrap_or(11),
        (DECLARATION, 5) => d.month = date(v),
        (DECLARATION, 7) => d.constitution = date(v),
        (ENTREPRISE, 1) => d.siren = num(v),
        (ENTREPRISE, 3) => d.apen = Some(redact::text(v)),
        (ETABLISSEMENT, 1) => d.nic = num(v),
        (ETABLISSEMENT, 2) => d.apet = Some(redact::text(v)),
        (ETABLISSEMENT, 4) => d.postcode = Some(redact::text(v)),
        _ => {}
    }
}

fn extract_person(
    d: &mut DeclState,
    rid: RubricId,
    v: &[u8],
    new: bool,
    line: u64,
    opts: &ReadOptions,
) {
    if new {
        d.persons.push(PersonFacts {
            line,
            ..PersonFacts::default()
        });
    }
    let Some(p) = d.persons.last_mut() else {
        return;
    };
    match rid.r {
        1 => {
            p.id = Some(opts.key.person_id(v));
            p.sex_nir = v.first().map(|b| b.wrapping_sub(b'0'));
            p.line = line;
        }
        5 => p.sex_declared = num(v),
        6 => p.birth = birth_date(v),
        20 => p.ntt_id = Some(opts.key.person_id(v)),
        _ => {}
    }
}

/// Contract blocks (40, 41, 60, 62). Returns why a value is unusable, if it is.
fn extract_contract(d: &mut DeclState, rid: RubricId, v: &[u8], new: bool) -> Option<&'static str> {
    use blocks::*;
    let p = d.persons.last_mut()?;
    if rid.block == CONTRAT && new {
        p.contracts.push(ContractFacts::default());
    }
    let c = p.contracts.last_mut()?;
    match rid.block {
        CONTRAT => return contract_rubric(c, rid.r, v),
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
    None
}

fn contract_rubric(c: &mut ContractFacts, r: u16, v: &[u8]) -> Option<&'static str> {
    match r {
        1 => c.start = date(v),
        4 => {
            c.pcs = std::str::from_utf8(v).ok().and_then(Pcs::new);
            if c.pcs.is_none() {
                return Some("a PCS-ESE code is four letters or digits");
            }
        }
        7 => c.nature = num(v).unwrap_or(0),
        8 => c.scheme = num(v),
        // Hashed into the contract id, never written out: kept exactly as declared.
        9 => c.number = latin1(v),
        10 => c.planned_end = date(v),
        14 => c.working_time = num(v),
        21 => c.cdd_reason = num(v),
        72 => c.boeth = num(v),
        73 => c.iae = num(v),
        _ => {}
    }
    None
}

type People = (
    Vec<PFact>,
    Vec<CFact>,
    Vec<(u32, Date, u8)>,
    Vec<(u32, StopFacts)>,
);

/// Persons and their contracts, changes and stoppages, as compact facts.
fn people(persons: Vec<PersonFacts>, siret: u64) -> People {
    let mut out: People = (Vec::with_capacity(persons.len()), vec![], vec![], vec![]);
    for p in persons {
        let Some(id) = p.id.or(p.ntt_id) else {
            continue;
        };
        let sex = match p.sex_declared {
            Some(s @ 1..=2) => s,
            _ => p.sex_nir.unwrap_or(0),
        };
        let pi = out.0.len() as u32;
        out.0.push(PFact {
            id,
            sex,
            birth: p.birth.unwrap_or(Date(0)),
        });
        for c in p.contracts {
            let Some(start) = c.start else { continue };
            let ci = out.1.len() as u32;
            for (date, old) in c.changes {
                if let (Some(date), Some(old)) = (date, old) {
                    out.2.push((ci, date, old));
                }
            }
            for st in c.stoppages {
                out.3.push((ci, st));
            }
            out.1.push(CFact {
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
    out
}
