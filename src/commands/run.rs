//! `engagement run`.

#[derive(Debug, clap::Args)]
pub struct RunArgs {}

pub fn execute(_args: RunArgs, _quiet: bool) -> anyhow::Result<()> {
    anyhow::bail!("`engagement run` is not implemented yet")
}
