//! `engagement score`.

#[derive(Debug, clap::Args)]
pub struct ScoreArgs {}

pub fn execute(_args: ScoreArgs, _quiet: bool) -> anyhow::Result<()> {
    anyhow::bail!("`engagement score` is not implemented yet")
}
