// Polars' own recommendation, and the served list's start-up: millions of small strings and
// large column buffers allocated and freed in turn.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use engagement::commands::{exit_code, render_error, ExitCode};

fn main() {
    let cli = match engagement::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            let code = if e.use_stderr() {
                ExitCode::Usage
            } else {
                ExitCode::Success
            };
            std::process::exit(code as i32);
        }
    };
    if !cli.command.is_server() {
        reset_sigpipe();
    }
    let outcome = std::panic::catch_unwind(move || engagement::commands::dispatch(cli));
    let code = match outcome {
        Ok(Ok(())) => ExitCode::Success,
        Ok(Err(e)) => {
            eprintln!("error: {}", render_error(&e));
            exit_code(&e)
        }
        Err(_) => ExitCode::Internal,
    };
    std::process::exit(code as i32);
}

/// `engagement list | head` must end quietly when the reader goes away, as other Unix tools
/// do, instead of failing on the next write. Not for a server: a client closing its
/// connection while a response is written (hyper and tonic write sockets with `writev`,
/// which raises SIGPIPE) would end it.
fn reset_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called once at start-up, before any thread is spawned.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
