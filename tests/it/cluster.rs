//! A real Ballista cluster on this machine: one scheduler and two executors started as
//! separate `engagement cluster` processes, `engagement score --cluster` through them, and
//! the result compared with the single-machine in-memory result. Every process is stopped
//! with SIGTERM and must exit cleanly.

use super::engine_paths::{assert_same_feed, assert_same_tables};
use engagement::config::Experiment;
use engagement::reference::Reference;
use engagement::score::{self, io};
use engagement::synth;
use engagement::tables;
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process stopped with SIGTERM when dropped (killed if it does not exit in time).
struct Proc {
    name: String,
    child: Child,
}

impl Proc {
    fn spawn(name: &str, args: &[&str], log: &Path) -> Proc {
        let f = std::fs::File::create(log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_engagement"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(f.try_clone().unwrap())
            .stderr(f)
            .spawn()
            .unwrap();
        Proc {
            name: name.to_string(),
            child,
        }
    }

    /// SIGTERM, then the exit status within `wait` (None: it had to be killed).
    fn stop(&mut self, wait: Duration) -> Option<std::process::ExitStatus> {
        if let Ok(Some(st)) = self.child.try_wait() {
            return Some(st);
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let t = Instant::now();
        while t.elapsed() < wait {
            if let Ok(Some(st)) = self.child.try_wait() {
                return Some(st);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        None
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.stop(Duration::from_secs(5));
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_port(port: u16, what: &str, log: &Path) {
    let t = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "{what} did not open port {port}: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn score_on_a_two_executor_cluster_equals_one_machine() {
    let r = Reference::load();
    let exp_path = "tests/fixtures/score/small.toml";
    let exp = Experiment::from_file(Path::new(exp_path), &r).unwrap();
    let s = synth::generate(&exp, &r, false).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    tables::write_dataset_partitioned(&s.dataset, &data).unwrap();
    let memory = dir.path().join("memory");
    let full = score::run(&s.dataset, &exp.score, &r).unwrap();
    io::write_outputs(&full, &memory).unwrap();

    let sp = free_port();
    let log = |n: &str| dir.path().join(format!("{n}.log"));
    let mut scheduler = Proc::spawn(
        "scheduler",
        &["cluster", "scheduler", "--port", &sp.to_string()],
        &log("scheduler"),
    );
    wait_for_port(sp, "scheduler", &log("scheduler"));
    let addr = format!("df://127.0.0.1:{sp}");
    let mut executors: Vec<Proc> = (1..=2)
        .map(|i| {
            let (fp, gp) = (free_port(), free_port());
            let work = dir.path().join(format!("executor{i}"));
            std::fs::create_dir_all(&work).unwrap();
            let name = format!("executor{i}");
            let p = Proc::spawn(
                &name,
                &[
                    "cluster",
                    "executor",
                    "--scheduler",
                    &addr,
                    "--port",
                    &fp.to_string(),
                    "--grpc-port",
                    &gp.to_string(),
                    "--work-dir",
                    work.to_str().unwrap(),
                    "--cores",
                    "1",
                    "--memory-limit",
                    "512MiB",
                ],
                &log(&name),
            );
            wait_for_port(fp, &name, &log(&name));
            p
        })
        .collect();

    let out = dir.path().join("cluster");
    let st = Command::new(env!("CARGO_BIN_EXE_engagement"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["-q", "score", "--data"])
        .arg(&data)
        .args(["-e", exp_path, "-o"])
        .arg(&out)
        .args(["--cluster", &addr, "--partitions", "4"])
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "score --cluster failed: {}\nscheduler: {}",
        String::from_utf8_lossy(&st.stderr),
        std::fs::read_to_string(log("scheduler")).unwrap_or_default()
    );
    assert_same_tables(&memory, &out);
    // The served feed and its index, with the provenance `score` gives them.
    let fp = engagement::provenance::fingerprint_dir(&data).unwrap();
    let fp = Some(engagement::provenance::combine(&fp));
    engagement::feed::write_run_feed(&full, &memory, Some(exp.hash.clone()), fp, &r).unwrap();
    assert_same_feed(&memory, &out);
    // Both executors took part: each wrote shuffle files.
    fn files(d: &Path) -> usize {
        std::fs::read_dir(d).map_or(0, |rd| {
            rd.flatten()
                .map(|e| {
                    if e.path().is_dir() {
                        files(&e.path())
                    } else {
                        1
                    }
                })
                .sum()
        })
    }
    for i in 1..=2 {
        let w = dir.path().join(format!("executor{i}"));
        assert!(files(&w) > 0, "executor{i} wrote no shuffle file");
    }
    for p in executors.iter_mut().chain(std::iter::once(&mut scheduler)) {
        let st = p.stop(Duration::from_secs(30));
        assert!(st.is_some(), "{} did not stop on SIGTERM", p.name);
    }
}
