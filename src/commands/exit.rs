//! Exit codes and error messages at the CLI edge.
//!
//! | code | meaning |
//! |---:|---|
//! | 0 | success |
//! | 64 | usage: bad flags or arguments (clap's errors, [`UsageError`]) |
//! | 65 | bad input: an experiment, data file, register or option value that cannot be used |
//! | 70 | internal error: a bug (an invariant broken, a panic) |
//! | 74 | I/O: a file or folder that cannot be read or written |
//!
//! The codes follow BSD `sysexits.h`, so scripts can tell a usage error from bad data.

use std::fmt::Write;

/// Process exit codes of `engagement`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum ExitCode {
    Success = 0,
    Usage = 64,
    BadInput = 65,
    Internal = 70,
    Io = 74,
}

/// An error in how the command was called (flags that do not go together, a missing
/// argument), reported with the usage exit code.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// The exit code for an error: usage if it says so, I/O when an operating-system error is
/// the cause, bad input otherwise.
pub fn exit_code(err: &anyhow::Error) -> ExitCode {
    if err.chain().any(|c| c.is::<UsageError>()) {
        return ExitCode::Usage;
    }
    let io = err
        .chain()
        .filter_map(|c| c.downcast_ref::<std::io::Error>())
        .any(|e| {
            !matches!(
                e.kind(),
                std::io::ErrorKind::InvalidData | std::io::ErrorKind::InvalidInput
            )
        });
    if io {
        ExitCode::Io
    } else {
        ExitCode::BadInput
    }
}

/// The error and its causes on one line, each cause said once: a cause whose text the
/// previous message already ends with (`path: No such file` then `No such file`) is skipped.
pub fn render_error(err: &anyhow::Error) -> String {
    let mut out = String::new();
    let mut last = String::new();
    for cause in err.chain() {
        let msg = cause.to_string();
        if msg.is_empty() || last.ends_with(&msg) || out.contains(&msg) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        let _ = write!(out, "{msg}");
        last = msg;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    fn io_chain() -> anyhow::Error {
        let os = std::io::Error::from(std::io::ErrorKind::NotFound);
        let e = crate::output::OutputError::Io {
            path: "/x/y".into(),
            source: os,
        };
        anyhow::Error::new(e).context("writing /x/y")
    }

    #[test]
    fn each_cause_is_said_once() {
        let text = render_error(&io_chain());
        let os = std::io::Error::from(std::io::ErrorKind::NotFound).to_string();
        assert_eq!(text.matches(&os).count(), 1, "{text}");
        assert!(text.starts_with("writing /x/y: /x/y: "), "{text}");
    }

    #[test]
    fn codes_tell_usage_input_and_io_apart() {
        assert_eq!(exit_code(&io_chain()), ExitCode::Io);
        let usage = anyhow::Error::new(UsageError("--siret or --all".into()));
        assert_eq!(exit_code(&usage.context("feedback")), ExitCode::Usage);
        let bad: anyhow::Result<u32> = "x".parse::<u32>().context("--tiers");
        assert_eq!(exit_code(&bad.unwrap_err()), ExitCode::BadInput);
    }
}
