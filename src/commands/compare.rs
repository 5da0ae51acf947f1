//! `engagement compare`.

#[derive(Debug, clap::Args)]
pub struct CompareArgs {}

pub fn execute(_args: CompareArgs, _quiet: bool) -> anyhow::Result<()> {
    anyhow::bail!("`engagement compare` is not implemented yet")
}
