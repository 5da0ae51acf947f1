//! Run manifest: experiment hash, seed, input fingerprints, crate version, git commit and
//! wall time per stage — what a reader needs to trust and rerun a result.
//!
//! The manifest is the only output that legitimately changes between two runs of the same
//! experiment (timings); every other output is byte-identical for the same config and seed.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// SHA-256 and size of one input file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Fingerprint {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
}

/// Wall time of one stage.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StageTiming {
    pub stage: String,
    pub seconds: f64,
}

/// The manifest written beside every run's results.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// `engagement` crate version.
    pub crate_version: String,
    /// Git commit of the working tree, when run from a clone.
    pub git_commit: Option<String>,
    /// The command line that produced the run.
    pub command: Vec<String>,
    /// The command that reruns this experiment.
    pub rerun: String,
    pub experiment_name: String,
    pub experiment_path: String,
    /// SHA-256 of the canonical experiment.
    pub experiment_hash: String,
    pub seed: u64,
    /// Fingerprint of the dataset (generated or ingested) the run used.
    pub data_fingerprint: String,
    /// Whether the data came from the cache.
    pub data_cached: bool,
    /// Inputs read (experiment file and data files) with their hashes.
    pub inputs: Vec<Fingerprint>,
    /// Outputs marked as demo (e.g. ingested with `--demo-key`).
    pub demo: bool,
    pub stages: Vec<StageTiming>,
    pub total_seconds: f64,
}

/// Hashes a file.
pub fn fingerprint_file(path: &Path) -> std::io::Result<Fingerprint> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut bytes = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        h.update(&buf[..n]);
    }
    Ok(Fingerprint {
        path: path.display().to_string(),
        sha256: hex::encode(h.finalize()),
        bytes,
    })
}

/// Hashes every file under `dir` (sorted, relative paths).
pub fn fingerprint_dir(dir: &Path) -> std::io::Result<Vec<Fingerprint>> {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let p = entry?.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    files.sort();
    files
        .iter()
        .map(|p| {
            let mut f = fingerprint_file(p)?;
            f.path = p.strip_prefix(dir).unwrap_or(p).display().to_string();
            Ok(f)
        })
        .collect()
}

/// SHA-256 of a list of fingerprints (a dataset's identity).
pub fn combine(fps: &[Fingerprint]) -> String {
    let mut h = Sha256::new();
    for f in fps {
        h.update(f.path.as_bytes());
        h.update(f.sha256.as_bytes());
    }
    hex::encode(h.finalize())
}

/// The current git commit, if the working directory is a git clone.
pub fn git_commit() -> Option<String> {
    let out = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|s| s.len() == 40)
}

/// Times the stages of a run.
#[derive(Debug, Default)]
pub struct Timer {
    stages: Vec<StageTiming>,
}

impl Timer {
    /// Runs `f` as stage `name`, recording its wall time.
    pub fn stage<T>(&mut self, name: &str, f: impl FnOnce() -> T) -> T {
        let t = Instant::now();
        let out = f();
        self.stages.push(StageTiming {
            stage: name.to_string(),
            seconds: t.elapsed().as_secs_f64(),
        });
        out
    }

    pub fn into_stages(self) -> Vec<StageTiming> {
        self.stages
    }
}
