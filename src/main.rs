use clap::Parser;

fn main() {
    let cli = engagement::cli::Cli::parse();
    if let Err(e) = engagement::commands::dispatch(cli) {
        eprintln!("error: {e:#}");
        std::process::exit(2);
    }
}
