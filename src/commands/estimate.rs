//! `engagement estimate did|retention`: estimators on the user's own panel or person table.
//!
//! `did` reads a long panel (CSV or Parquet), builds an [`estimate::Panel`] and writes the
//! [`estimate::DidResult`] JSON (TWFE, event study, pre-trend Wald, Callaway–Sant'Anna).

use crate::estimate::{self, cs, twfe, DidOptions};
use anyhow::{bail, Context};
use polars::prelude::*;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Subcommand)]
pub enum EstimateCommand {
    /// TWFE, event study and Callaway–Sant'Anna on a panel.
    Did(DidArgs),
    /// Kaplan–Meier, log-rank, Cox and risk differences on a person table.
    Retention(Box<RetentionArgs>),
}

/// Control group of the Callaway–Sant'Anna estimator.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ControlArg {
    Never,
    Notyet,
}

/// Base period of the Callaway–Sant'Anna estimator.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum BaseArg {
    Varying,
    Universal,
}

#[derive(Debug, clap::Args)]
pub struct DidArgs {
    /// Long panel, one row per (unit, period): `.csv` or `.parquet`.
    #[arg(long)]
    pub input: PathBuf,
    /// Unit identifier column (clusters).
    #[arg(long)]
    pub unit: String,
    /// Period column (integer).
    #[arg(long)]
    pub time: String,
    /// Outcome column (numeric).
    #[arg(long)]
    pub outcome: String,
    /// First period of exposure (integer), constant within unit.
    #[arg(long)]
    pub cohort: String,
    /// Cohort value marking never-exposed units (empty cells are never exposed too).
    #[arg(long, default_value_t = 0)]
    pub never_value: i64,
    /// Callaway–Sant'Anna control group.
    #[arg(long, value_enum, default_value = "never")]
    pub control: ControlArg,
    /// Callaway–Sant'Anna base period.
    #[arg(long, value_enum, default_value = "varying")]
    pub base: BaseArg,
    /// Time-invariant covariates for the doubly robust estimator, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub covariates: Vec<String>,
    /// Output JSON (default: standard output).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Multiplier-bootstrap draws for the uniform bands (0: no bands).
    #[arg(long, default_value_t = 999)]
    pub bootstrap_iterations: usize,
    /// Seed of the multiplier bootstrap.
    #[arg(long, default_value_t = 20_261_128)]
    pub seed: u64,
}

#[derive(Debug, clap::Args)]
pub struct RetentionArgs {
    /// Person table, CSV (with header) or Parquet (by extension).
    #[arg(long)]
    pub input: std::path::PathBuf,
    /// Column with the duration (days from hire to end of job or censoring), ≥ 0.
    #[arg(long)]
    pub duration: String,
    /// Column with the event indicator: 1 = the job ended, 0 = censored.
    #[arg(long)]
    pub event: String,
    /// Column with the group (e.g. labelled employer); labels are kept exactly as written.
    #[arg(long)]
    pub group: String,
    /// Numeric covariate columns for the Cox and IPW models, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub covariates: Vec<String>,
    /// Horizons in days, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "182,365")]
    pub horizons: Vec<f64>,
    /// Tie handling of the Cox model.
    #[arg(long, value_enum, default_value_t = crate::retention::cox::Ties::Efron)]
    pub ties: crate::retention::cox::Ties,
    /// Lin–Wei robust (sandwich) standard errors for the Cox model.
    #[arg(long)]
    pub robust: bool,
    /// Optional case-weight column (positive).
    #[arg(long)]
    pub weights: Option<String>,
    /// Reference group of the comparisons (default: first label in sorted order).
    #[arg(long)]
    pub reference: Option<String>,
    /// Confidence level of every interval.
    #[arg(long, default_value_t = 0.95)]
    pub confidence: f64,
    /// Bootstrap replicates for the IPW-adjusted difference (0 = none).
    #[arg(long, default_value_t = 200)]
    pub bootstrap: usize,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Write the JSON result here (default: standard output).
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
}

impl RetentionArgs {
    /// Reads the table, runs `retention::estimate_retention`, writes the JSON result.
    pub fn execute(self) -> anyhow::Result<()> {
        use crate::retention::{self, PersonTable, RetentionOptions};
        use anyhow::Context;
        use polars::prelude::*;
        let path = &self.input;
        let is_parquet = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
        let df = if is_parquet {
            let f = std::fs::File::open(path)
                .with_context(|| format!("cannot open {}", path.display()))?;
            ParquetReader::new(f)
                .finish()
                .map_err(|e| anyhow::anyhow!("cannot read Parquet file {}: {e}", path.display()))?
        } else {
            crate::tables::read_csv(path)?
        };
        let column = |name: &str| -> anyhow::Result<Series> {
            let c = df.column(name).map_err(|_| {
                anyhow::anyhow!(
                    "{}: no column `{name}` (columns: {})",
                    path.display(),
                    df.get_column_names()
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
            Ok(c.as_materialized_series().clone())
        };
        let numeric = |name: &str| -> anyhow::Result<Vec<Option<f64>>> {
            let s = column(name)?;
            if s.dtype() == &DataType::String {
                let ca = s.str()?;
                (0..ca.len())
                    .map(|row| match ca.get(row).map(str::trim) {
                        None | Some("") | Some("NA") => Ok(None),
                        Some(t) => t.parse::<f64>().map(Some).map_err(|_| {
                            anyhow::anyhow!(
                                "{}: row {row}, column `{name}`: {t:?} is not a number",
                                path.display()
                            )
                        }),
                    })
                    .collect()
            } else {
                let s = s.cast(&DataType::Float64).map_err(|e| {
                    anyhow::anyhow!("{}: column `{name}` is not numeric: {e}", path.display())
                })?;
                let ca = s.f64()?;
                Ok((0..ca.len())
                    .map(|row| ca.get(row).filter(|x| !x.is_nan()))
                    .collect())
            }
        };
        let group: Vec<Option<String>> = {
            let s = column(&self.group)?.cast(&DataType::String)?;
            let ca = s.str()?;
            (0..ca.len())
                .map(|row| ca.get(row).map(str::to_string))
                .collect()
        };
        let mut table =
            PersonTable::from_raw(&numeric(&self.duration)?, &numeric(&self.event)?, &group)
                .with_context(|| format!("{}: invalid person table", path.display()))?;
        for c in &self.covariates {
            let v = numeric(c)?;
            let v = v
                .iter()
                .enumerate()
                .map(|(row, x)| {
                    x.ok_or_else(|| {
                        anyhow::anyhow!("{}: row {row}, covariate `{c}` is missing", path.display())
                    })
                })
                .collect::<anyhow::Result<Vec<f64>>>()?;
            table = table.with_covariate(c, v)?;
        }
        if let Some(wc) = &self.weights {
            let v = numeric(wc)?
                .into_iter()
                .map(|x| x.unwrap_or(f64::NAN))
                .collect();
            table = table
                .with_weights(v)
                .with_context(|| format!("{}: weight column `{wc}`", path.display()))?;
        }
        let opts = RetentionOptions {
            horizons: self.horizons.clone(),
            ties: self.ties,
            variance: if self.robust {
                retention::cox::CoxVariance::Robust
            } else {
                retention::cox::CoxVariance::Observed
            },
            confidence: self.confidence,
            reference: self.reference.clone(),
            ipw: retention::compare::IpwOptions {
                bootstrap: self.bootstrap,
                seed: self.seed,
                ..Default::default()
            },
        };
        let result = retention::estimate_retention(&table, &opts)
            .with_context(|| format!("estimating retention on {}", path.display()))?;
        for w in &result.warnings {
            eprintln!("warning: {w}");
        }
        let json = serde_json::to_string_pretty(&result)?;
        match &self.out {
            Some(out) => crate::tables::write_text(out, &json)?,
            None => {
                use std::io::Write;
                // a closed pipe (`| head`) is not an error worth a panic
                let _ = writeln!(std::io::stdout().lock(), "{json}");
            }
        }
        Ok(())
    }
}

pub fn execute(cmd: EstimateCommand, quiet: bool) -> anyhow::Result<()> {
    match cmd {
        EstimateCommand::Did(a) => did(a, quiet),
        EstimateCommand::Retention(args) => (*args).execute(),
    }
}

fn did(a: DidArgs, quiet: bool) -> anyhow::Result<()> {
    let panel = read_panel(&a)?;
    let opts = DidOptions {
        control: match a.control {
            ControlArg::Never => cs::Control::Never,
            ControlArg::Notyet => cs::Control::NotYet,
        },
        base: match a.base {
            BaseArg::Varying => cs::BasePeriod::Varying,
            BaseArg::Universal => cs::BasePeriod::Universal,
        },
        method: cs::Method::Dr,
        use_covariates: !a.covariates.is_empty(),
        dof: twfe::DofConvention::Fixest,
        bin: None,
        bootstrap: (a.bootstrap_iterations > 0).then_some(cs::BootstrapOptions {
            iterations: a.bootstrap_iterations,
            seed: a.seed,
        }),
    };
    let result = estimate::did_report(&panel, &opts)
        .with_context(|| format!("estimating on {}", a.input.display()))?;
    if !quiet {
        for w in &result.warnings {
            eprintln!("warning: {w}");
        }
    }
    let json = serde_json::to_string_pretty(&result)? + "\n";
    match &a.out {
        Some(path) => crate::tables::write_text(path, &json)
            .with_context(|| format!("writing {}", path.display()))?,
        None => print!("{json}"),
    }
    Ok(())
}

/// Reads the panel columns as text (CSV keeps codes verbatim; Parquet is cast) and parses them.
fn read_panel(a: &DidArgs) -> anyhow::Result<estimate::Panel> {
    let path = &a.input;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let df = match ext.as_str() {
        "csv" => crate::tables::read_csv(path)?,
        "parquet" => {
            let f =
                std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
            ParquetReader::new(f)
                .finish()
                .map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?
        }
        other => bail!(
            "{}: unsupported extension `{other}` (expected .csv or .parquet)",
            path.display()
        ),
    };
    let unit = text_column(&df, path, &a.unit)?;
    let time = int_column(&df, path, &a.time)?;
    let y = float_column(&df, path, &a.outcome)?;
    let cohort_text = text_column(&df, path, &a.cohort)?;
    let mut cohort = Vec::with_capacity(cohort_text.len());
    for (row, v) in cohort_text.iter().enumerate() {
        let c = match v.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => {
                let g = parse_int(s).with_context(|| {
                    format!("{}: row {row}, column `{}`", path.display(), a.cohort)
                })?;
                (g != a.never_value).then_some(g)
            }
        };
        cohort.push(c);
    }
    let unit: Vec<String> = unit
        .into_iter()
        .enumerate()
        .map(|(row, u)| {
            u.with_context(|| format!("{}: row {row}: empty unit `{}`", path.display(), a.unit))
        })
        .collect::<anyhow::Result<_>>()?;
    let mut covs = Vec::new();
    for name in &a.covariates {
        covs.push((name.clone(), float_column(&df, path, name)?));
    }
    Ok(estimate::Panel::new(&unit, &time, &y, &cohort, covs)?)
}

fn text_column(df: &DataFrame, path: &Path, name: &str) -> anyhow::Result<Vec<Option<String>>> {
    let col = df.column(name).map_err(|_| {
        let have: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|s| s.to_string())
            .collect();
        anyhow::anyhow!(
            "{}: missing column `{name}` (columns: {})",
            path.display(),
            have.join(", ")
        )
    })?;
    let s = col
        .as_materialized_series()
        .cast(&DataType::String)
        .map_err(|e| anyhow::anyhow!("{}: column `{name}`: {e}", path.display()))?;
    Ok(s.str()?.iter().map(|v| v.map(str::to_string)).collect())
}

fn parse_int(s: &str) -> anyhow::Result<i64> {
    if let Ok(v) = s.parse::<i64>() {
        return Ok(v);
    }
    match s.parse::<f64>() {
        Ok(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(f as i64),
        _ => bail!("`{s}` is not an integer period"),
    }
}

fn int_column(df: &DataFrame, path: &Path, name: &str) -> anyhow::Result<Vec<i64>> {
    text_column(df, path, name)?
        .into_iter()
        .enumerate()
        .map(|(row, v)| {
            let s = v.unwrap_or_default();
            parse_int(s.trim())
                .with_context(|| format!("{}: row {row}, column `{name}`", path.display()))
        })
        .collect()
}

fn float_column(df: &DataFrame, path: &Path, name: &str) -> anyhow::Result<Vec<f64>> {
    text_column(df, path, name)?
        .into_iter()
        .enumerate()
        .map(|(row, v)| {
            let s = v.unwrap_or_default();
            match s.trim().parse::<f64>() {
                Ok(f) if f.is_finite() => Ok(f),
                _ => bail!(
                    "{}: row {row}, column `{name}`: `{s}` is not a finite number",
                    path.display()
                ),
            }
        })
        .collect()
}
