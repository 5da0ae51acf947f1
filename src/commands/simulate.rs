//! `engagement simulate`: Monte Carlo replications of the exposure evaluation.

use crate::exposure::montecarlo;
use crate::reference::Reference;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// Experiment file.
    #[arg(long, short, default_value = "experiments/baseline.toml")]
    pub experiment: PathBuf,
    /// Number of replications.
    #[arg(long, short, default_value_t = 100)]
    pub replications: usize,
    /// Override the number of establishments (smaller territories run faster).
    #[arg(long)]
    pub establishments: Option<u32>,
    /// Override the exposure effect size (0 measures the size of the tests).
    #[arg(long)]
    pub effect_size: Option<f64>,
    /// Output JSON file.
    #[arg(long, short, default_value = "reports/simulate.json")]
    pub out: PathBuf,
}

pub fn execute(args: SimulateArgs, quiet: bool) -> anyhow::Result<()> {
    let reference = Reference::load();
    let mut exp = crate::pipeline::data::load_experiment(&args.experiment, &reference)?;
    if let Some(n) = args.establishments {
        exp.generator.establishments =
            crate::config::check_int("--establishments", n as i64, 50, 1_000_000)? as u32;
    }
    if let Some(e) = args.effect_size {
        exp.exposure.effect_size = crate::config::check_f64("--effect-size", e, 0.0, 0.5)?;
    }
    let t = std::time::Instant::now();
    let bar = if quiet {
        indicatif::ProgressBar::hidden()
    } else {
        let b = indicatif::ProgressBar::new(args.replications as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "replications [{bar:30}] {pos}/{len}  {elapsed_precise} elapsed, ETA {eta_precise}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    };
    let mc = montecarlo::run(&exp, &reference, args.replications, &|| bar.inc(1))?;
    bar.finish_and_clear();
    if let Some(parent) = args.out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    crate::tables::write_text(&args.out, &serde_json::to_string_pretty(&mc)?)?;
    if !quiet {
        eprintln!(
            "{} replications, {} establishments, effect size {} — mean true effect {:.3} score points ({:.1}s)",
            args.replications,
            exp.generator.establishments,
            exp.exposure.effect_size,
            mc.summary.mean_true_att,
            t.elapsed().as_secs_f64()
        );
        eprintln!(
            "{:<12} {:>8} {:>8} {:>9} {:>10} {:>6}",
            "estimator", "bias", "rmse", "coverage", "rejection", "n"
        );
        for s in &mc.summary.estimators {
            eprintln!(
                "{:<12} {:>8.3} {:>8.3} {:>9.3} {:>10.3} {:>6}",
                s.estimator, s.bias, s.rmse, s.coverage, s.rejection_rate, s.n_ok
            );
        }
        eprintln!(
            "pre-trend test (leads before {} binned) rejection rate: {:.3} ({} tests); CS truth on its analysis sample {:.3}",
            mc.summary.pretrend_bin_below.unwrap_or_default(),
            mc.summary.pretrend_rejection_rate,
            mc.summary.pretrend_tests,
            mc.summary.mean_true_att_cs
        );
        for (k, v) in &mc.summary.diagnostics {
            eprintln!("  {k}: {v:.3}");
        }
        eprintln!("→ {}", args.out.display());
    }
    Ok(())
}
