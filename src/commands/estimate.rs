//! `engagement estimate did|retention`: estimators on the user's own panel or person table.

#[derive(Debug, clap::Subcommand)]
pub enum EstimateCommand {
    /// TWFE, event study and Callaway–Sant'Anna on a panel.
    Did(DidArgs),
    /// Kaplan–Meier, log-rank, Cox and risk differences on a person table.
    Retention(Box<RetentionArgs>),
}

#[derive(Debug, clap::Args)]
pub struct DidArgs {}

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

pub fn execute(cmd: EstimateCommand, _quiet: bool) -> anyhow::Result<()> {
    match cmd {
        EstimateCommand::Did(_) => {
            anyhow::bail!("`engagement estimate did` is not implemented yet")
        }
        EstimateCommand::Retention(args) => (*args).execute(),
    }
}
