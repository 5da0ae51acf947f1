//! `engagement report`.

#[derive(Debug, clap::Args)]
pub struct ReportArgs {}

pub fn execute(_args: ReportArgs, _quiet: bool) -> anyhow::Result<()> {
    anyhow::bail!("`engagement report` is not implemented yet")
}
