//! `engagement ingest`: DSN declaration files (NEODeS) → the workbench tables.
//!
//! Writes into `--out` (atomically: a temporary sibling directory renamed at the end):
//! the four tables and `coverage.json` (`tables::write_dataset`), `ingest_report.json`,
//! `manifest.json`, and `rejects/` with one Latin-1 file per rejected declaration
//! (identifying values redacted) plus `rejects/rejects.json` (file, line, rubric, reason of
//! each). Declaration facts are kept on disk inside the temporary directory between the
//! parse and rebuild passes, so memory does not grow with the corpus.
//!
//! `--shard K/N` parses only a share of the files into a shard directory; `--merge` then
//! rebuilds the tables from every shard directory (see `dsn::shard`). Every message leaving
//! this command is scrubbed of NIR-shaped runs.

use crate::dsn::shard::{self, ShardManifest, ShardSpec};
use crate::dsn::store::DEFAULT_PARTITIONS;
use crate::dsn::{self, redact, IngestReport, PseudoKey, ReadOptions};
use crate::output::AtomicDir;
use crate::tables::{self, Format};
use anyhow::{bail, Context};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Environment variable holding the pseudonymisation key.
pub const KEY_ENV: &str = "ENGAGEMENT_KEY";

#[derive(Debug, clap::Args)]
pub struct IngestArgs {
    /// DSN files or directories (searched recursively for *.dsn, *.edi, *.txt, plain or
    /// .gz); with --merge, shard directories written by --shard.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output directory for the tables, the report and the rejects (with --shard: the
    /// shard directory).
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
    /// Follow symbolic links found inside directories (loops are detected and skipped).
    #[arg(long)]
    pub follow_symlinks: bool,
    /// Parse only the K-th of N shares of the files into a shard directory (--out), for a
    /// later `ingest --merge`. Every shard must be given the same paths.
    #[arg(long, value_name = "K/N", conflicts_with = "merge")]
    pub shard: Option<ShardSpec>,
    /// The paths are the shard directories of one corpus: rebuild the tables from them.
    #[arg(long, conflicts_with_all = ["strict", "key_file", "demo_key", "follow_symlinks"])]
    pub merge: bool,
    /// SIRET partitions of the declaration facts: more partitions, less memory while
    /// contracts are rebuilt. Does not change the results.
    #[arg(long, default_value_t = DEFAULT_PARTITIONS,
          value_parser = clap::value_parser!(u32).range(1..=65_536))]
    pub partitions: u32,
}

/// Where the key came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeySource {
    File,
    Environment,
    Demo,
    /// A merge: the shards' key (checked to be the same for all of them).
    Shards,
}

/// Provenance of an ingest (`manifest.json`).
#[derive(Debug, Serialize)]
pub struct IngestManifest {
    /// `engagement` version.
    pub crate_version: String,
    /// Git commit of the build, when known.
    pub git_commit: Option<String>,
    /// The command line (NIR-shaped runs scrubbed).
    pub command: Vec<String>,
    /// Input files read, in order, with their sizes in bytes (paths scrubbed).
    pub inputs: Vec<(String, u64)>,
    /// Where the pseudonymisation key came from (never the key itself).
    pub key_source: KeySource,
    /// Public fingerprint of the key: equal fingerprints, linkable pseudonyms.
    pub key_fingerprint: String,
    /// True when made with the public demo key: every output of this directory is demo data.
    pub demo: bool,
    /// Strict mode.
    pub strict: bool,
    /// Shards merged (1 for a plain ingest).
    pub shards: u32,
    /// Table format.
    pub format: Format,
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

/// Writes the ingest outputs into `dir` (tables, report, manifest, `rejects/rejects.json`;
/// the reject files themselves are already in `dir/rejects`).
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
    tables::write_text(
        &rej.join("rejects.json"),
        &serde_json::to_string_pretty(&ing.rejects)?,
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

fn scrubbed(s: &str) -> String {
    redact::scrub(s).into_owned()
}

fn command_line() -> Vec<String> {
    std::env::args().map(|a| scrubbed(&a)).collect()
}

/// The error as one line scrubbed of NIR-shaped runs, keeping its exit-code kind.
/// Library errors are scrubbed already; this also covers contexts added at the edge.
pub fn scrub_error(e: anyhow::Error) -> anyhow::Error {
    use super::{exit_code, render_error, ExitCode, UsageError};
    let msg = scrubbed(&render_error(&e));
    match exit_code(&e) {
        ExitCode::Io => anyhow::Error::new(std::io::Error::other(msg)),
        ExitCode::Usage => anyhow::Error::new(UsageError(msg)),
        _ => anyhow::anyhow!(msg),
    }
}

pub fn execute(args: IngestArgs, quiet: bool) -> anyhow::Result<()> {
    run(args, quiet).map_err(scrub_error)
}

fn run(args: IngestArgs, quiet: bool) -> anyhow::Result<()> {
    if args.merge {
        return merge(&args, quiet);
    }
    let (key, key_source) = resolve_key(args.key_file.as_deref(), args.demo_key)?;
    let listing = dsn::list_files(&args.paths, args.follow_symlinks)?;
    guard(&args)?;
    let opts = ReadOptions {
        key,
        strict: args.strict,
        full_mandatory: false,
        follow_symlinks: args.follow_symlinks,
        partitions: args.partitions,
    };
    let out = AtomicDir::create(&args.out, args.force)?;
    if let Some(spec) = args.shard {
        let m = shard::write_shard(&listing, spec, &opts, out.path()).context("ingest")?;
        let target = out.commit()?;
        if !quiet {
            print_shard(&m, &target);
        }
        return Ok(());
    }
    let work = out.path().join(".shard");
    shard::write_shard(&listing, ShardSpec::ALL, &opts, &work).context("ingest")?;
    let rejects = out.path().join("rejects");
    let ing =
        shard::merge_shards(std::slice::from_ref(&work), Some(&rejects), true).context("ingest")?;
    std::fs::remove_dir_all(&work).with_context(|| work.display().to_string())?;
    let manifest = IngestManifest {
        crate_version: env!("CARGO_PKG_VERSION").to_string(),
        git_commit: crate::provenance::git_commit(),
        command: command_line(),
        inputs: sized_inputs(&listing.files),
        key_source,
        key_fingerprint: opts.key.fingerprint(),
        demo: key_source == KeySource::Demo,
        strict: args.strict,
        shards: 1,
        format: args.format,
    };
    finish(ing, &manifest, out, args.format, quiet)
}

/// Refuses an output that would replace or sit inside an input (or the key file).
fn guard(args: &IngestArgs) -> anyhow::Result<()> {
    let mut inputs: Vec<&Path> = args.paths.iter().map(PathBuf::as_path).collect();
    inputs.extend(args.key_file.as_deref());
    crate::output::guard_replace(&args.out, &inputs)?;
    Ok(())
}

fn sized_inputs(files: &[PathBuf]) -> Vec<(String, u64)> {
    files
        .iter()
        .map(|p| {
            let len = std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
            (scrubbed(&p.display().to_string()), len)
        })
        .collect()
}

fn finish(
    ing: dsn::Ingest,
    manifest: &IngestManifest,
    out: AtomicDir,
    format: Format,
    quiet: bool,
) -> anyhow::Result<()> {
    if !ing.report.reconciles() {
        bail!("internal error: declaration counts do not reconcile");
    }
    write_outputs(&ing, manifest, out.path(), format)?;
    let target = out.commit()?;
    if !quiet {
        print_summary(&ing.report, &target);
    }
    Ok(())
}

fn print_shard(m: &ShardManifest, out: &Path) {
    eprintln!(
        "shard {}/{}: {} of {} file(s), {} declaration(s) read, {} rejected",
        m.shard.index,
        m.shard.count,
        m.files.len(),
        m.inputs.len(),
        m.declarations_read(),
        m.declarations_rejected()
    );
    eprintln!("written to {} (merge with `ingest --merge`)", out.display());
}

fn merge(args: &IngestArgs, quiet: bool) -> anyhow::Result<()> {
    let first = shard::read_manifest(&args.paths[0])?;
    guard(args)?;
    let out = AtomicDir::create(&args.out, args.force)?;
    let rejects = out.path().join("rejects");
    let ing = shard::merge_shards(&args.paths, Some(&rejects), false).context("ingest --merge")?;
    let manifest = IngestManifest {
        crate_version: env!("CARGO_PKG_VERSION").to_string(),
        git_commit: crate::provenance::git_commit(),
        command: command_line(),
        inputs: first.inputs.clone(),
        key_source: KeySource::Shards,
        key_fingerprint: first.key_fingerprint.clone(),
        demo: first.demo_key,
        strict: first.strict,
        shards: first.shard.count,
        format: args.format,
    };
    finish(ing, &manifest, out, args.format, quiet)
}
