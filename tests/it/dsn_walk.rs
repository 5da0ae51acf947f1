//! Hostile input trees: `ingest` neither hangs, loops, aborts nor floods its outputs.
//!
//! Symbolic-link loops, dangling links, FIFOs and device files are skipped with a warning;
//! a bit-flipped or truncated gzip is reported as corrupt; 20 MB of random bytes give a
//! few lines of diagnostics, not one per line.

use rand::{RngCore, SeedableRng};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

fn sample() -> PathBuf {
    crate::common::fixture("dsn/sample_hand.dsn")
}

/// Declarations in `sample_hand.dsn`.
const SAMPLE_DECLS: u64 = 5;

/// Runs the binary, killing it after 120 s: a hang is a failure, not a stuck test run.
fn run(args: &[&std::ffi::OsStr]) -> Output {
    let mut child = crate::common::bin()
        .env_remove("ENGAGEMENT_KEY")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if t.elapsed() > Duration::from_secs(120) {
            child.kill().ok();
            panic!("ingest hung on {args:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn ingest(inputs: &[&Path], out: &Path, extra: &[&str]) -> (Output, serde_json::Value) {
    let mut args: Vec<&std::ffi::OsStr> = vec!["ingest".as_ref(), "--demo-key".as_ref()];
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    args.extend([
        "--format".as_ref(),
        "csv".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    args.extend(inputs.iter().map(|p| p.as_os_str()));
    let o = run(&args);
    let report = std::fs::read_to_string(out.join("ingest_report.json"))
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap_or(serde_json::Value::Null);
    (o, report)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn tree_with_sample(root: &Path) -> PathBuf {
    let dir = root.join("in");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::copy(sample(), dir.join("sub/a.dsn")).unwrap();
    dir
}

#[cfg(unix)]
#[test]
fn symlink_loop_is_not_followed_or_is_detected() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tree_with_sample(tmp.path());
    std::os::unix::fs::symlink(&dir, dir.join("sub/loop")).unwrap();
    std::os::unix::fs::symlink("..", dir.join("sub/up")).unwrap();
    let (o, r) = ingest(&[&dir], &tmp.path().join("o1"), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(r["declarations_read"], SAMPLE_DECLS);
    assert_eq!(r["skipped_paths_by_reason"]["symlink"], 2);
    let (o, r) = ingest(&[&dir], &tmp.path().join("o2"), &["--follow-symlinks"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(r["declarations_read"], SAMPLE_DECLS, "each file read once");
    assert_eq!(r["skipped_paths_by_reason"]["symlink_loop"], 2);
    assert!(stderr(&o).contains("symlink_loop"));
}

#[cfg(unix)]
#[test]
fn dangling_link_is_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tree_with_sample(tmp.path());
    std::os::unix::fs::symlink(tmp.path().join("nowhere.dsn"), dir.join("gone.dsn")).unwrap();
    let (o, r) = ingest(&[&dir], &tmp.path().join("o1"), &["--follow-symlinks"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(r["declarations_read"], SAMPLE_DECLS);
    assert_eq!(r["skipped_paths_by_reason"]["dangling_symlink"], 1);
    let (o, r) = ingest(&[&dir], &tmp.path().join("o2"), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(r["skipped_paths_by_reason"]["symlink"], 1);
}

#[cfg(unix)]
#[test]
fn fifo_and_device_are_skipped_not_read() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tree_with_sample(tmp.path());
    let fifo = dir.join("pipe.dsn");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file system entry.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.dsn")).unwrap();
    let (o, r) = ingest(&[&dir], &tmp.path().join("o1"), &["--follow-symlinks"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(r["declarations_read"], SAMPLE_DECLS);
    assert_eq!(r["skipped_paths_by_reason"]["not_regular_file"], 2);
    // Named on the command line, they are skipped too.
    let zero = Path::new("/dev/zero");
    let (o, r) = ingest(&[&fifo, zero, &sample()], &tmp.path().join("o2"), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(r["declarations_read"], SAMPLE_DECLS);
    assert_eq!(r["skipped_paths_by_reason"]["not_regular_file"], 2);
    // Nothing but a device: a clear error, no hang.
    let (o, _) = ingest(&[zero], &tmp.path().join("o3"), &[]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("no DSN file found"), "{}", stderr(&o));
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

#[test]
fn corrupt_gzip_is_reported_as_corrupt() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("in");
    std::fs::create_dir_all(&dir).unwrap();
    let plain = std::fs::read(sample()).unwrap();
    let gz = gzip(&plain);
    std::fs::copy(sample(), dir.join("good.dsn")).unwrap();
    for (name, bit) in [("flip-early.dsn.gz", 0.3), ("flip-late.dsn.gz", 0.8)] {
        let mut bad = gz.clone();
        let at = (bad.len() as f64 * bit) as usize;
        bad[at] ^= 0x10;
        std::fs::write(dir.join(name), bad).unwrap();
    }
    std::fs::write(dir.join("truncated.dsn.gz"), &gz[..gz.len() - 20]).unwrap();
    let (o, r) = ingest(&[&dir], &tmp.path().join("o"), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(r["corrupt_files"], 3, "{r:#}");
    assert_eq!(r["file_problems_by_reason"]["corrupt_gzip"], 3);
    assert_eq!(
        r["declarations_ingested"], SAMPLE_DECLS,
        "only good.dsn is kept"
    );
    let read = r["declarations_read"].as_u64().unwrap();
    let rejected = r["declarations_rejected"].as_u64().unwrap();
    assert_eq!(read, SAMPLE_DECLS + rejected, "read = ingested + rejected");
    assert_eq!(r["rejects_by_reason"]["corrupt_gzip"], rejected);
    let rejects = std::fs::read_to_string(tmp.path().join("o/rejects/rejects.json")).unwrap();
    let rejects: serde_json::Value = serde_json::from_str(&rejects).unwrap();
    assert!(rejects
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["problem"]["reason"] == "corrupt_gzip"));
    assert!(stderr(&o).contains("corrupt_gzip"));
    // Strict mode stops on it.
    let corrupt = dir.join("truncated.dsn.gz");
    let (o, _) = ingest(&[&corrupt], &tmp.path().join("o2"), &["--strict"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("corrupt_gzip"), "{}", stderr(&o));
}

#[test]
fn random_bytes_give_capped_diagnostics() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("in");
    std::fs::create_dir_all(&dir).unwrap();
    let mut noise = vec![0u8; 20 << 20];
    rand_chacha::ChaCha8Rng::seed_from_u64(7).fill_bytes(&mut noise);
    std::fs::write(dir.join("noise.dsn"), &noise).unwrap();
    std::fs::copy(sample(), dir.join("good.dsn")).unwrap();
    let (o, r) = ingest(&[&dir], &tmp.path().join("o"), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines = stderr(&o).lines().count();
    assert!(lines < 100, "{lines} stderr lines");
    let size = std::fs::metadata(tmp.path().join("o/ingest_report.json"))
        .unwrap()
        .len();
    assert!(size < 64 << 10, "report of {size} bytes");
    let counted: u64 = r["file_problems_by_reason"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert!(counted > 10_000, "every problem is counted: {counted}");
    let listed = r["file_problems"].as_array().unwrap().len() as u64;
    assert!(listed <= 20 * 5, "{listed} listed");
    assert_eq!(r["declarations_ingested"], SAMPLE_DECLS);
    // Only the noise file's bytes count as unusable; the run still reconciles.
    let read = r["declarations_read"].as_u64().unwrap();
    let rej = r["declarations_rejected"].as_u64().unwrap();
    assert_eq!(read, SAMPLE_DECLS + rej);
}
