//! `engagement generate`.

#[derive(Debug, clap::Args)]
pub struct GenerateArgs {}

pub fn execute(_args: GenerateArgs, _quiet: bool) -> anyhow::Result<()> {
    anyhow::bail!("`engagement generate` is not implemented yet")
}
