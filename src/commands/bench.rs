//! `engagement bench`.

#[derive(Debug, clap::Args)]
pub struct BenchArgs {}

pub fn execute(_args: BenchArgs, _quiet: bool) -> anyhow::Result<()> {
    anyhow::bail!("`engagement bench` is not implemented yet")
}
