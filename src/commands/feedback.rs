//! `engagement feedback`.

#[derive(Debug, clap::Args)]
pub struct FeedbackArgs {}

pub fn execute(_args: FeedbackArgs, _quiet: bool) -> anyhow::Result<()> {
    anyhow::bail!("`engagement feedback` is not implemented yet")
}
