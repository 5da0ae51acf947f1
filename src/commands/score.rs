//! `engagement score`: indicators, scores, labels and explanations of a dataset, with an
//! optional sensitivity analysis (other weights, or a previous run).

use super::engine_args::{self, EngineArgs};
use crate::config::Experiment;
use crate::reference::Reference;
use crate::score::{self, io, sensitivity};
use crate::tables;
use anyhow::Context;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct ScoreArgs {
    /// Dataset directory (the workbench tables, Parquet or CSV).
    #[arg(long)]
    pub data: PathBuf,
    /// Experiment file; its `[score]` section sets the parameters.
    #[arg(long, short, default_value = "experiments/baseline.toml")]
    pub experiment: PathBuf,
    /// Output directory (created if needed; existing score files are replaced).
    #[arg(long, short)]
    pub out: PathBuf,
    /// Weights to score with instead of the experiment's: a TOML file with a `[weights]` (or
    /// `[score.weights]`) table. The outputs use these weights; `sensitivity_weights.json`
    /// compares them with the experiment's (Kendall τ and label flips).
    #[arg(long)]
    pub weights: Option<PathBuf>,
    /// A previous `score` output directory to compare with (`sensitivity_compare.json`).
    #[arg(long)]
    pub compare_with: Option<PathBuf>,
    #[command(flatten)]
    pub engine: EngineArgs,
}

/// Reads the weight table of a weights file.
pub fn read_weights(path: &Path) -> anyhow::Result<BTreeMap<String, f64>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read weights file {}", path.display()))?;
    let v: toml::Value =
        toml::from_str(&text).with_context(|| format!("invalid TOML in {}", path.display()))?;
    let table = v
        .get("weights")
        .or_else(|| v.get("score").and_then(|s| s.get("weights")))
        .with_context(|| format!("{}: no [weights] or [score.weights] table", path.display()))?;
    let map: BTreeMap<String, f64> = table
        .clone()
        .try_into()
        .with_context(|| format!("{}: weights must be numbers", path.display()))?;
    Ok(map)
}

fn print_sensitivity(s: &sensitivity::Sensitivity) {
    eprintln!(
        "{} vs {} ({}): {} establishments, Kendall τ-b = {}, label flips = {} (up {}, down {})",
        s.baseline,
        s.alternative,
        s.period,
        s.common,
        s.kendall_tau.map_or("n/a".into(), |t| format!("{t:.3}")),
        s.label_flips,
        s.up,
        s.down
    );
    for (sec, f) in &s.by_sector {
        eprintln!("  section {sec}: {} flips / {}", f.flips, f.establishments);
    }
}

pub fn execute(args: ScoreArgs, quiet: bool) -> anyhow::Result<()> {
    let reference = Reference::load();
    let exp = Experiment::from_file(&args.experiment, &reference)
        .with_context(|| format!("experiment {}", args.experiment.display()))?;
    let alt_weights = match &args.weights {
        Some(p) => Some(
            exp.score
                .with_weights(&read_weights(p)?)
                .with_context(|| format!("weights file {}", p.display()))?,
        ),
        None => None,
    };
    let contracts = engine_args::contract_rows(&args.data);
    if args.engine.use_engine(contracts)? {
        anyhow::ensure!(
            args.weights.is_none() && args.compare_with.is_none(),
            "--weights and --compare-with compare whole score tables in memory: add --engine memory"
        );
        return score_engine(&args, &exp, &reference, contracts, quiet);
    }
    let ds = tables::read_dataset(&args.data)
        .with_context(|| format!("dataset {}", args.data.display()))?;
    let t0 = std::time::Instant::now();
    let params = alt_weights.as_ref().unwrap_or(&exp.score);
    let out = score::run(&ds, params, &reference).with_context(|| {
        format!(
            "scoring {} with experiment {}",
            args.data.display(),
            exp.name
        )
    })?;
    write_scores(&out, &args, &exp.hash, &reference)?;
    if !quiet {
        let s = &out.summary;
        eprintln!(
            "scored {} periods in {:.1}s; {}: {} establishments, {} calculable, labels {:?}",
            out.periods().len(),
            t0.elapsed().as_secs_f64(),
            s.period,
            s.establishments,
            s.calculable,
            s.labels
        );
    }
    if alt_weights.is_some() {
        let base = score::score_indicators(
            out.indicators.clone(),
            out.establishments.clone(),
            &exp.score,
        );
        let name = args
            .weights
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let s = sensitivity::compare(&base, &out, &exp.name, &name)?;
        tables::write_text(
            &args.out.join("sensitivity_weights.json"),
            &serde_json::to_string_pretty(&s)?,
        )?;
        if !quiet {
            print_sensitivity(&s);
        }
    }
    if let Some(dir) = &args.compare_with {
        let prev =
            io::read_outputs(dir).with_context(|| format!("previous scores {}", dir.display()))?;
        let s = sensitivity::compare(&prev, &out, &dir.display().to_string(), &exp.name)?;
        tables::write_text(
            &args.out.join("sensitivity_compare.json"),
            &serde_json::to_string_pretty(&s)?,
        )?;
        if !quiet {
            print_sensitivity(&s);
        }
    }
    Ok(())
}

/// Writes the score outputs as one folder, atomically. A previous score output in `--out` is
/// replaced; any other non-empty folder is refused, and so is a folder holding the inputs.
fn write_scores(
    out: &score::ScoreOutput,
    args: &ScoreArgs,
    exp_hash: &str,
    reference: &Reference,
) -> anyhow::Result<()> {
    crate::output::guard_replace(&args.out, &[&args.data, &args.experiment])?;
    let previous = args.out.join(io::FULL_OUTPUT).exists();
    let dir = crate::output::AtomicDir::create(&args.out, previous)?;
    io::write_outputs(out, dir.path())
        .with_context(|| format!("writing {}", args.out.display()))?;
    let data = crate::provenance::fingerprint_dir(&args.data)
        .with_context(|| format!("fingerprinting {}", args.data.display()))?;
    crate::feed::write_run_feed(
        out,
        dir.path(),
        Some(exp_hash.to_string()),
        Some(crate::provenance::combine(&data)),
        reference,
    )
    .with_context(|| format!("writing the feed into {}", args.out.display()))?;
    dir.commit()?;
    Ok(())
}

/// The out-of-core path: outputs partitioned by period under `--out`.
#[cfg(feature = "engine")]
fn score_engine(
    args: &ScoreArgs,
    exp: &Experiment,
    reference: &Reference,
    _contracts: u64,
    quiet: bool,
) -> anyhow::Result<()> {
    let opts = engine_args::engine_options(&args.engine)?;
    crate::output::guard_replace(&args.out, &[&args.data, &args.experiment])?;
    let previous = args.out.join(io::FULL_OUTPUT).exists();
    let data = crate::provenance::fingerprint_dir(&args.data)
        .with_context(|| format!("fingerprinting {}", args.data.display()))?;
    let provenance = (
        Some(exp.hash.clone()),
        Some(crate::provenance::combine(&data)),
    );
    let r = crate::engine::score::score_dataset(
        &args.data, &exp.score, reference, &args.out, &opts, previous, provenance,
    )
    .with_context(|| {
        format!(
            "scoring {} with experiment {} (engine path)",
            args.data.display(),
            exp.name
        )
    })?;
    if !quiet {
        let s = &r.summary;
        eprintln!(
            "scored {} periods ({} indicator rows) out of core: shuffles {:.1}s, periods {:.1}s (read {:.1}s, score {:.1}s, write {:.1}s, publish {:.1}s); {}: {} establishments, {} calculable, labels {:?}",
            r.periods.len(),
            r.indicator_rows,
            r.shuffle_seconds,
            r.score_seconds,
            r.stages.read,
            r.stages.score,
            r.stages.write,
            r.stages.publish,
            s.period,
            s.establishments,
            s.calculable,
            s.labels
        );
    }
    Ok(())
}

#[cfg(not(feature = "engine"))]
fn score_engine(
    args: &ScoreArgs,
    _exp: &Experiment,
    _reference: &Reference,
    contracts: u64,
    _quiet: bool,
) -> anyhow::Result<()> {
    let why = if args.engine.cluster.is_some() {
        "--cluster runs the out-of-core engine".to_string()
    } else if args.engine.engine == engine_args::EngineChoice::Engine {
        "--engine engine asks for the out-of-core engine".to_string()
    } else {
        format!(
            "{contracts} contracts need the out-of-core engine (they do not fit in --memory-limit {})",
            args.engine.memory_limit
        )
    };
    anyhow::bail!(
        "{}: {why}, and this binary was built without it: rebuild with \
         `cargo build --release --features engine` (`--features cluster` for --cluster), \
         or pass --engine memory with a larger machine",
        args.data.display(),
    )
}
