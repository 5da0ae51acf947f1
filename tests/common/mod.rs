//! Helpers shared by the integration tests: the binary under test and fixture paths.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The crate's root folder.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A path under `tests/fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    root().join("tests/fixtures").join(rel)
}

/// The `engagement` binary built for these tests, run from the crate root.
pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_engagement"));
    c.current_dir(root());
    c
}

/// A response read by [`http_get`].
#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

impl HttpResponse {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", &self.body))
    }
}

/// A minimal HTTP/1.1 GET over a plain socket (no client library in the test build).
pub fn http_get(addr: std::net::SocketAddr, path: &str) -> HttpResponse {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read response");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut body = raw[split + 4..].to_vec();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status");
    let header = |name: &str| {
        head.lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
            })
            .unwrap_or_default()
    };
    if header("transfer-encoding").eq_ignore_ascii_case("chunked") {
        body = dechunk(&body);
    }
    HttpResponse {
        status,
        content_type: header("content-type"),
        body: String::from_utf8(body).expect("UTF-8 body"),
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = b.windows(2).position(|w| w == b"\r\n").expect("chunk size");
        let size = usize::from_str_radix(String::from_utf8_lossy(&b[..line_end]).trim(), 16)
            .expect("hex chunk size");
        b = &b[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&b[..size]);
        b = &b[size + 2..];
    }
}

/// A scored synthetic territory (two départements, about 1,200 establishments, 2 years),
/// written once per test run: score outputs and feed in `scores/`.
pub fn scored_fixture() -> &'static (PathBuf, engagement::score::ScoreOutput) {
    static FIX: std::sync::OnceLock<(PathBuf, engagement::score::ScoreOutput)> =
        std::sync::OnceLock::new();
    FIX.get_or_init(|| {
        use engagement::reference::Reference;
        let r = Reference::load();
        let text = "[experiment]\nname = \"serve\"\nseed = 17\n[territory]\ndepartements = [\"35\", \"56\"]\n\
                    [generator]\nestablishments = 1200\nstart_year = 2023\nyears = 2\nburn_in_months = 12\n\
                    [score]\nmin_peers = 10\n";
        let exp =
            engagement::config::Experiment::from_toml(text, Path::new("serve.toml"), &r).unwrap();
        let s = engagement::synth::generate(&exp, &r, false).unwrap();
        let out = engagement::score::run(&s.dataset, &exp.score, &r).unwrap();
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("serve-fixture/scores");
        let _ = std::fs::remove_dir_all(&dir);
        engagement::score::io::write_outputs(&out, &dir).unwrap();
        engagement::feed::write_run_feed(
            &out,
            &dir,
            Some(exp.hash.clone()),
            Some("fixture".into()),
            &r,
        )
        .unwrap();
        (dir, out)
    })
}
