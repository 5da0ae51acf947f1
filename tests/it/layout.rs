//! The shape of the code: dependencies point one way, and the product cites nothing outside
//! its own repository.

use crate::common::root;
use std::path::{Path, PathBuf};

fn files(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if p.is_dir() {
            if !matches!(
                name.as_str(),
                "target" | "corpus" | "artifacts" | "__pycache__"
            ) {
                files(&p, exts, out);
            }
        } else if exts.iter().any(|x| name.ends_with(x)) {
            out.push(p);
        }
    }
}

fn rust_sources() -> Vec<PathBuf> {
    let mut out = Vec::new();
    files(&root().join("src"), &[".rs"], &mut out);
    out.sort();
    out
}

#[test]
fn only_the_cli_layer_uses_commands() {
    let allowed = ["src/commands/", "src/main.rs", "src/cli.rs"];
    let mut offenders = Vec::new();
    for p in rust_sources() {
        let rel = p
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if allowed.iter().any(|a| rel.starts_with(a)) {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        for (i, line) in text.lines().enumerate() {
            if line.contains(&["crate", "::commands"].concat()) {
                offenders.push(format!("{rel}:{}: {}", i + 1, line.trim()));
            }
        }
    }
    assert!(offenders.is_empty(), "{}", offenders.join("\n"));
}

#[test]
fn the_product_cites_only_itself() {
    let patterns = [
        ["..", "/shared"].concat(),
        ["shared", "/domain"].concat(),
        ["/work", "/"].concat(),
        ["issue", " #"].concat(),
        ["the issue", " asks"].concat(),
        ["(issue", " "].concat(),
    ];
    let mut scanned = Vec::new();
    for dir in ["src", "tests", "experiments", "docs", "data"] {
        files(
            &root().join(dir),
            &[".rs", ".md", ".toml", ".py", ".sh", ".json", ".csv"],
            &mut scanned,
        );
    }
    scanned.push(root().join("README.md"));
    let mut offenders = Vec::new();
    for p in scanned {
        let rel = p
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        // DSN fixtures are byte-exact copies of outside files; they quote nothing.
        if rel.starts_with("tests/fixtures/dsn") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&p) else {
            continue;
        };
        for (i, line) in text.lines().enumerate() {
            if patterns.iter().any(|pat| line.contains(pat.as_str())) {
                offenders.push(format!("{rel}:{}: {}", i + 1, line.trim()));
            }
        }
    }
    assert!(offenders.is_empty(), "{}", offenders.join("\n"));
}
