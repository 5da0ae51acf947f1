//! `engagement ingest`: DSN declaration files (NEODeS) → the workbench tables.
//!
//! Writes into `--out` (atomically: a temporary sibling directory renamed at the end):
//! the four tables and `coverage.json` (`tables::write_dataset`), `ingest_report.json`,
//! `manifest.json`, and `rejects/` with one Latin-1 file per rejected declaration (NIR and
//! NTT values redacted) plus `rejects/rejects.json` (file, line, rubric, reason of each).

use crate::dsn::{self, IngestReport, Problem, PseudoKey, ReadOptions};
use crate::output::AtomicDir;
use crate::tables::{self, Format};
use anyhow::{bail, Context};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Environment variable holding the pseudonymisation key.
pub const KEY_ENV: &str = "ENGAGEMENT_KEY";

#[derive(Debug, clap::Args)]
pub struct IngestArgs {
    /// DSN files or directories (searched recursively for *.dsn, *.edi, *.txt, plain or .gz).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output directory for the tables, the report and the rejects.
    #[arg(long, short)]
    pub out: PathBuf,
    /// Stop at the first problem (non-zero exit) instead of rejecting the declaration.
    #[arg(long)]
    pub strict: bool,
    /// File holding the pseudonymisation key (otherwise the ENGAGEMENT_KEY variable).
    #[arg(long, conflicts_with = "demo_key")]
    pub key_file: Option<PathBuf>,
    /// Use the public demo key (synthetic or sample data only); outputs are marked demo.
    #[arg(long)]
    pub demo_key: bool,
    #[arg(long, value_enum, default_value = "parquet")]
    pub format: Format,
    /// Replace an existing, non-empty output directory.
    #[arg(long)]
    pub force: bool,
}

/// Where the key came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeySource {
    File,
    Environment,
    Demo,
}

/// Provenance of an ingest (`manifest.json`).
#[derive(Debug, Serialize)]
pub struct IngestManifest {
    /// `engagement` version.
    pub crate_version: String,
    /// Git commit of the build, when known.
    pub git_commit: Option<String>,
    /// The command line.
    pub command: Vec<String>,
    /// Input files read, in order, with their sizes in bytes.
    pub inputs: Vec<(String, u64)>,
    /// Where the pseudonymisation key came from (never the key itself).
    pub key_source: KeySource,
    /// True when made with the public demo key: every output of this directory is demo data.
    pub demo: bool,
    /// Strict mode.
    pub strict: bool,
    /// Table format.
    pub format: Format,
}

/// One entry of `rejects/rejects.json`.
#[derive(Debug, Serialize)]
pub struct RejectEntry {
    /// The file under `rejects/` holding the declaration (NIR/NTT redacted).
    pub reject_file: String,
    /// Line of the declaration's first rubric in its source file.
    pub first_line: u64,
    /// The problem (file, line, rubric, reason, detail).
    pub problem: Problem,
}

/// Resolves the key: `--key-file`, else `--demo-key`, else `ENGAGEMENT_KEY`.
pub fn resolve_key(key_file: Option<&Path>, demo: bool) -> anyhow::Result<(PseudoKey, KeySource)> {
    if let Some(path) = key_file {
        let bytes =
            std::fs::read(path).with_context(|| format!("reading key file {}", path.display()))?;
        let key = PseudoKey::new(&bytes).with_context(|| format!("key file {}", path.display()))?;
        return Ok((key, KeySource::File));
    }
    let env = std::env::var_os(KEY_ENV).filter(|v| !v.is_empty());
    if demo {
        if env.is_some() {
            bail!("--demo-key given while {KEY_ENV} is set: unset {KEY_ENV} or drop --demo-key");
        }
        return Ok((PseudoKey::demo(), KeySource::Demo));
    }
    match env {
        Some(v) => {
            let key = PseudoKey::new(v.as_encoded_bytes()).context(KEY_ENV)?;
            Ok((key, KeySource::Environment))
        }
        None => bail!(
            "no pseudonymisation key: set {KEY_ENV}, or pass --key-file FILE \
             (or --demo-key for synthetic or sample data only)"
        ),
    }
}

fn safe_stem(path: &str) -> String {
    let stem = Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    stem.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Writes the ingest outputs into `dir` (tables, report, manifest, rejects).
pub fn write_outputs(
    ing: &dsn::Ingest,
    manifest: &IngestManifest,
    dir: &Path,
    format: Format,
) -> anyhow::Result<()> {
    tables::write_dataset(&ing.dataset, dir, format)?;
    tables::write_text(
        &dir.join("ingest_report.json"),
        &serde_json::to_string_pretty(&ing.report)?,
    )?;
    tables::write_text(
        &dir.join("manifest.json"),
        &serde_json::to_string_pretty(manifest)?,
    )?;
    let rej = dir.join("rejects");
    std::fs::create_dir_all(&rej).with_context(|| rej.display().to_string())?;
    let mut entries = Vec::with_capacity(ing.rejects.len());
    for (i, r) in ing.rejects.iter().enumerate() {
        let name = format!(
            "{:05}-{}-L{}.dsn",
            i + 1,
            safe_stem(&r.problem.file),
            r.first_line
        );
        let path = rej.join(&name);
        std::fs::write(&path, &r.text).with_context(|| path.display().to_string())?;
        entries.push(RejectEntry {
            reject_file: name,
            first_line: r.first_line,
            problem: r.problem.clone(),
        });
    }
    tables::write_text(
        &rej.join("rejects.json"),
        &serde_json::to_string_pretty(&entries)?,
    )?;
    Ok(())
}

fn print_summary(report: &IngestReport, out: &Path) {
    eprintln!("{}", report.summary());
    eprintln!("written to {}", out.display());
    if report.declarations_rejected > 0 {
        eprintln!(
            "rejected declarations are in {} (reasons in rejects.json)",
            out.join("rejects").display()
        );
    }
}

pub fn execute(args: IngestArgs, quiet: bool) -> anyhow::Result<()> {
    let (key, key_source) = resolve_key(args.key_file.as_deref(), args.demo_key)?;
    let files = dsn::list_files(&args.paths)?;
    let mut inputs: Vec<&Path> = args.paths.iter().map(PathBuf::as_path).collect();
    inputs.extend(args.key_file.as_deref());
    crate::output::guard_replace(&args.out, &inputs)?;
    let out = AtomicDir::create(&args.out, args.force)?;
    let opts = ReadOptions {
        key,
        strict: args.strict,
        full_mandatory: false,
    };
    let ing = dsn::read(&args.paths, &opts).context("ingest")?;
    let manifest = IngestManifest {
        crate_version: env!("CARGO_PKG_VERSION").to_string(),
        git_commit: crate::provenance::git_commit(),
        command: std::env::args().collect(),
        inputs: files
            .iter()
            .map(|p| {
                let len = std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
                (p.display().to_string(), len)
            })
            .collect(),
        key_source,
        demo: key_source == KeySource::Demo,
        strict: args.strict,
        format: args.format,
    };
    write_outputs(&ing, &manifest, out.path(), args.format)?;
    let target = out.commit()?;
    if !quiet {
        print_summary(&ing.report, &target);
    }
    if !ing.report.reconciles() {
        bail!("internal error: declaration counts do not reconcile");
    }
    Ok(())
}
