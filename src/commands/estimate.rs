//! `engagement estimate did|retention`: estimators on the user's own panel or person table.

#[derive(Debug, clap::Subcommand)]
pub enum EstimateCommand {
    /// TWFE, event study and Callaway–Sant'Anna on a panel.
    Did(DidArgs),
    /// Kaplan–Meier, log-rank, Cox and risk differences on a person table.
    Retention(RetentionArgs),
}

#[derive(Debug, clap::Args)]
pub struct DidArgs {}

#[derive(Debug, clap::Args)]
pub struct RetentionArgs {}

pub fn execute(cmd: EstimateCommand, _quiet: bool) -> anyhow::Result<()> {
    match cmd {
        EstimateCommand::Did(_) => {
            anyhow::bail!("`engagement estimate did` is not implemented yet")
        }
        EstimateCommand::Retention(_) => {
            anyhow::bail!("`engagement estimate retention` is not implemented yet")
        }
    }
}
