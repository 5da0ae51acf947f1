//! `engagement ingest`.

#[derive(Debug, clap::Args)]
pub struct IngestArgs {}

pub fn execute(_args: IngestArgs, _quiet: bool) -> anyhow::Result<()> {
    anyhow::bail!("`engagement ingest` is not implemented yet")
}
