//! `engagement estimate did|retention`: estimators on the user's own panel or person table.
//!
//! `did` reads a long panel (CSV or Parquet), builds an [`estimate::Panel`] and writes the
//! [`estimate::DidResult`] JSON (TWFE, event study, pre-trend Wald, Callaway–Sant'Anna).

use super::estimate_input::TimeFormat;
use crate::estimate::{self, cs, twfe, DidOptions};
use anyhow::{bail, Context};
use polars::prelude::*;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Subcommand)]
pub enum EstimateCommand {
    /// TWFE, event study and Callaway–Sant'Anna on a panel.
    Did(Box<DidArgs>),
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
    /// Period column: integers, quarter labels (2025T4, 2025-T4, 2025Q4: period 4*year +
    /// quarter - 1) or ISO dates (YYYY-MM-DD: the distinct dates in order are periods 1..T).
    /// The output's `convention.time` says which.
    #[arg(long)]
    pub time: String,
    /// Outcome column (numeric).
    #[arg(long)]
    pub outcome: String,
    /// First period of exposure, in the time column's format (a date maps to the first period
    /// on or after it), constant within unit.
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
    /// Time-invariant covariates for the doubly robust estimator, comma-separated. Text
    /// columns are categorical (expanded into indicators `col[T.level]`).
    #[arg(long, value_delimiter = ',')]
    pub covariates: Vec<String>,
    /// Covariates to treat as categorical even when their values are numbers (integer codes).
    #[arg(long, value_delimiter = ',')]
    pub categorical: Vec<String>,
    /// Reference level of a categorical covariate, `COLUMN=LEVEL` (default: the first level in
    /// sort order); repeat or separate with commas.
    #[arg(long, value_delimiter = ',')]
    pub reference_level: Vec<String>,
    /// Bin event times of the event study outside `LO,HI` into its end points.
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    pub bin_event_time: Vec<i64>,
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
    /// Covariate columns for the Cox and IPW models, comma-separated. Text columns are
    /// categorical (expanded into indicators `col[T.level]`).
    #[arg(long, value_delimiter = ',')]
    pub covariates: Vec<String>,
    /// Covariates to treat as categorical even when their values are numbers (integer codes).
    #[arg(long, value_delimiter = ',')]
    pub categorical: Vec<String>,
    /// Reference level of a categorical covariate, `COLUMN=LEVEL` (default: the first level in
    /// sort order); repeat or separate with commas.
    #[arg(long, value_delimiter = ',')]
    pub reference_level: Vec<String>,
    /// Largest number of groups accepted (the log-rank covariance grows with its square).
    #[arg(long, default_value_t = crate::retention::MAX_GROUPS)]
    pub max_groups: usize,
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
    /// Standard error of the IPW-adjusted difference: influence function (analytic) or
    /// bootstrap.
    #[arg(long, value_enum, default_value = "analytic")]
    pub ipw_variance: crate::retention::compare::IpwVariance,
    /// Bootstrap replicates with `--ipw-variance bootstrap` (0 = no standard error).
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
        let table = self.person_table()?;
        let result = crate::retention::estimate_retention(&table, &self.options())
            .with_context(|| format!("estimating retention on {}", self.input.display()))?;
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

    /// Reads the input file into a person table with its covariates and weights.
    fn person_table(&self) -> anyhow::Result<crate::retention::PersonTable> {
        let path = &self.input;
        let df = super::estimate_input::read_table(path)?;
        let numeric = |name: &str| optional_numbers(&df, path, name);
        let group: Vec<Option<String>> = {
            let s = named_column(&df, path, &self.group)?.cast(&DataType::String)?;
            let ca = s.str()?;
            (0..ca.len())
                .map(|row| ca.get(row).map(str::to_string))
                .collect()
        };
        let mut table = crate::retention::PersonTable::from_raw(
            &numeric(&self.duration)?,
            &numeric(&self.event)?,
            &group,
        )
        .with_context(|| format!("{}: invalid person table", path.display()))?;
        if !self.covariates.is_empty() {
            let refs = super::estimate_input::reference_levels(&self.reference_level)?;
            let design = super::estimate_input::covariates(
                &df,
                path,
                &self.covariates,
                &self.categorical,
                &refs,
            )?;
            table = table.with_design(design)?;
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
        Ok(table)
    }

    /// The estimator options from the command line.
    fn options(&self) -> crate::retention::RetentionOptions {
        use crate::retention::{self, RetentionOptions};
        RetentionOptions {
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
                variance: self.ipw_variance,
                bootstrap: self.bootstrap,
                seed: self.seed,
                ..Default::default()
            },
            max_groups: self.max_groups,
        }
    }
}

/// The column `name` of the person table, or an error listing the columns there are.
fn named_column(df: &DataFrame, path: &Path, name: &str) -> anyhow::Result<Series> {
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
}

/// A numeric column with missing values (empty, `NA`, NaN) as `None`; text cells must parse.
fn optional_numbers(df: &DataFrame, path: &Path, name: &str) -> anyhow::Result<Vec<Option<f64>>> {
    let s = named_column(df, path, name)?;
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
}

pub fn execute(cmd: EstimateCommand, quiet: bool) -> anyhow::Result<()> {
    match cmd {
        EstimateCommand::Did(a) => did(*a, quiet),
        EstimateCommand::Retention(args) => (*args).execute(),
    }
}

fn did(a: DidArgs, quiet: bool) -> anyhow::Result<()> {
    let (panel, time_format) = read_panel(&a)?;
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
        bin: match a.bin_event_time.as_slice() {
            [] => None,
            [lo, hi] => Some((*lo, *hi)),
            other => bail!("--bin-event-time takes LO,HI (two event times), got {other:?}"),
        },
        pretrend_bin_below: None,
        bootstrap: (a.bootstrap_iterations > 0).then_some(cs::BootstrapOptions {
            iterations: a.bootstrap_iterations,
            seed: a.seed,
        }),
    };
    let mut result = estimate::did_report(&panel, &opts)
        .with_context(|| format!("estimating on {}", a.input.display()))?;
    result
        .convention
        .insert("time".into(), time_format.convention().into());
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
fn read_panel(a: &DidArgs) -> anyhow::Result<(estimate::Panel, TimeFormat)> {
    use super::estimate_input as input;
    let path = &a.input;
    let df = input::read_table(path)?;
    let unit = input::text_column(&df, path, &a.unit)?;
    let (time, cohort, fmt) = input::periods(
        &input::text_column(&df, path, &a.time)?,
        &input::text_column(&df, path, &a.cohort)?,
        a.never_value,
        (&a.time, &a.cohort),
    )
    .with_context(|| format!("{}", path.display()))?;
    let y = float_column(&df, path, &a.outcome)?;
    let unit: Vec<String> = unit
        .into_iter()
        .enumerate()
        .map(|(row, u)| {
            u.with_context(|| format!("{}: row {row}: empty unit `{}`", path.display(), a.unit))
        })
        .collect::<anyhow::Result<_>>()?;
    let refs = input::reference_levels(&a.reference_level)?;
    let design = input::covariates(&df, path, &a.covariates, &a.categorical, &refs)?;
    Ok((
        estimate::Panel::with_design(&unit, &time, &y, &cohort, design)?,
        fmt,
    ))
}

fn float_column(df: &DataFrame, path: &Path, name: &str) -> anyhow::Result<Vec<f64>> {
    super::estimate_input::text_column(df, path, name)?
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
