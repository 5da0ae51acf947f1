//! `engagement validate`: is the generator calibrated, and which weighting is closest to the
//! goal? Generates (or reuses) the experiment's data, checks its calibration targets, scores
//! it, and measures the agreement of each weighting — the experiment's, durability reversed,
//! equal weights, and any weights file given — with the generator's outcome truth.

use crate::reference::Reference;
use crate::synth::calibration::Calibration;
use crate::validity::{self, ValidityReport, Weighting};
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Experiment file.
    #[arg(long, short, default_value = "experiments/baseline.toml")]
    pub experiment: PathBuf,
    /// Another weighting to compare: a TOML file with a `[weights]` or `[score.weights]`
    /// table (criteria not listed keep their default weight). Repeatable.
    #[arg(long, short)]
    pub weights: Vec<PathBuf>,
    /// Output JSON file (default `reports/validate/<experiment>.json`).
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Cache of generated datasets, keyed by fingerprint.
    #[arg(long, default_value = "data/cache")]
    pub cache: PathBuf,
    /// Always regenerate the data, and do not write it to the cache.
    #[arg(long)]
    pub no_cache: bool,
}

/// What `validate` writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidateOutput {
    pub experiment: String,
    pub seed: u64,
    pub establishments: u32,
    pub calibration: Calibration,
    pub validity: ValidityReport,
}

pub fn execute(args: ValidateArgs, quiet: bool) -> anyhow::Result<()> {
    let reference = Reference::load();
    let exp = crate::pipeline::data::load_experiment(&args.experiment, &reference)?;
    let mut weightings = Weighting::standard(&exp.score);
    for path in &args.weights {
        let raw = super::score::read_weights(path)?;
        let w = crate::score::validate_weights(Some(&raw), "weights")
            .with_context(|| format!("weights file {}", path.display()))?;
        let name = path.file_stem().map_or_else(
            || path.display().to_string(),
            |s| s.to_string_lossy().into(),
        );
        weightings.push(Weighting::file(&name, w));
    }
    let (synthetic, calibration, _, _) =
        crate::pipeline::load_or_generate(&exp, &reference, &args.cache, !args.no_cache, !quiet)?;
    let scores = crate::score::run(&synthetic.dataset, &exp.score, &reference)?;
    let out = ValidateOutput {
        experiment: exp.name.clone(),
        seed: exp.seed,
        establishments: exp.generator.establishments,
        validity: validity::validate(&scores, &synthetic.truth, &weightings),
        calibration,
    };
    let path = args
        .out
        .unwrap_or_else(|| PathBuf::from(format!("reports/validate/{}.json", exp.name)));
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    crate::tables::write_text(&path, &(serde_json::to_string_pretty(&out)? + "\n"))?;
    if !quiet {
        eprintln!("{}", out.calibration.table());
        eprintln!(
            "Agreement with the outcome truth ({}):\n{}",
            out.validity.period,
            validity::markdown(&out.validity)
        );
        eprintln!("→ {}", path.display());
    }
    if !out.calibration.all_within_tolerance() {
        anyhow::bail!(
            "calibration targets outside tolerance: {}",
            out.calibration.failures().join(", ")
        );
    }
    Ok(())
}
