//! `engagement list`.

#[derive(Debug, clap::Args)]
pub struct ListArgs {}

pub fn execute(_args: ListArgs, _quiet: bool) -> anyhow::Result<()> {
    anyhow::bail!("`engagement list` is not implemented yet")
}
