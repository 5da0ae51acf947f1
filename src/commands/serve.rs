//! `engagement serve`: the counsellors' page and the JSON API over a scores folder.

use crate::feed::load;
use crate::reference::Reference;
use crate::serve::{self, AppState};
use anyhow::Context;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Scores folder: the output of `engagement score`, or a run folder.
    #[arg(long)]
    pub scores: PathBuf,
    /// Address to listen on (port 0: any free port, printed at start-up).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Fixed rotation seed (default: the day's date, so the order changes every day).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads.
    #[arg(long, default_value_t = 2)]
    pub workers: usize,
}

pub fn execute(args: ServeArgs, quiet: bool) -> anyhow::Result<()> {
    let t0 = Instant::now();
    let reference = Reference::load();
    let (index, how) = load::load_reporting(&args.scores, &reference)
        .with_context(|| format!("scores {}", args.scores.display()))?;
    let n = index.len();
    let period = index.meta.period.clone();
    let state = Arc::new(AppState::new(index, reference, args.seed));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.workers.max(1))
        .enable_all()
        .build()
        .context("starting the runtime")?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("cannot listen on {}", args.addr))?;
        let addr = listener.local_addr()?;
        if !quiet {
            let from = match how {
                load::Loaded::Prebuilt => "from the prebuilt index".to_string(),
                load::Loaded::FromFeed(why) => format!("from the feed ({why})"),
                load::Loaded::FromScoreOutput => "from the scoring output".to_string(),
            };
            eprintln!(
                "{n} employers ({period}) loaded {from} in {:.2} s",
                t0.elapsed().as_secs_f64()
            );
        }
        // The address on standard output, so that scripts can read the port when it is 0.
        println!("listening on http://{addr}/");
        serve::run(listener, state, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("serving")
    })
}
