//! `engagement simulate`.

#[derive(Debug, clap::Args)]
pub struct SimulateArgs {}

pub fn execute(_args: SimulateArgs, _quiet: bool) -> anyhow::Result<()> {
    anyhow::bail!("`engagement simulate` is not implemented yet")
}
