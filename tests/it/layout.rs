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

/// The length in lines of each function in `text` that is not in a `#[cfg(test)]` module:
/// from its `fn` line to the closing brace at the same indentation.
fn function_lengths(text: &str) -> Vec<(usize, usize, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        let body = line.trim_start();
        let indent = line.len() - body.len();
        let is_fn = [
            "fn ",
            "pub fn ",
            "pub(crate) fn ",
            "pub(super) fn ",
            "const fn ",
        ]
        .iter()
        .any(|p| body.starts_with(p));
        if !is_fn || body.trim_end().ends_with(';') {
            continue;
        }
        let close = format!("{}}}", " ".repeat(indent));
        if let Some(j) = (i + 1..lines.len()).find(|&j| lines[j].starts_with(&close)) {
            let name = body.split('(').next().unwrap_or(body).to_string();
            out.push((j - i, i + 1, name));
        }
    }
    out
}

#[test]
fn functions_fit_on_a_screen() {
    const MAX: usize = 150;
    let mut long = Vec::new();
    let mut n = 0;
    for p in rust_sources() {
        let text = std::fs::read_to_string(&p).unwrap();
        for (len, line, name) in function_lengths(&text) {
            n += 1;
            if len > MAX {
                long.push(format!("{}:{line} {name} ({len} lines)", p.display()));
            }
        }
    }
    assert!(n > 500, "only {n} functions found: the scan is broken");
    assert!(
        long.is_empty(),
        "functions over {MAX} lines:\n{}",
        long.join("\n")
    );
}

#[test]
fn function_lengths_are_measured() {
    let text =
        "fn a() {\n    1;\n    2;\n}\n    pub fn b(x: u8) {\n    }\n#[cfg(test)]\nfn c() {\n}\n";
    let got = function_lengths(text);
    assert_eq!(got.len(), 2);
    assert_eq!((got[0].0, got[0].1), (3, 1));
    assert_eq!((got[1].0, got[1].2.as_str()), (1, "pub fn b"));
}

#[test]
fn stages_hold_no_display_language() {
    let stages = [
        "score",
        "exposure",
        "retention",
        "indicators",
        "estimate",
        "dsn",
        "synth",
        "stats",
    ];
    let mut offenders = Vec::new();
    for p in rust_sources() {
        let rel = p
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let in_stage = stages.iter().any(|s| rel.starts_with(&format!("src/{s}/")));
        let text = std::fs::read_to_string(&p).unwrap();
        let uses_lang = text
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .any(|w| w == "Lang");
        if in_stage && uses_lang {
            offenders.push(rel);
        }
    }
    assert!(
        offenders.is_empty(),
        "stages that know the display language: {offenders:?}"
    );
}

/// Display text (HTML templates, translated words) lives under `src/report/`: the served
/// page's handlers in `src/serve/` only pick records and hand them to `report::served`.
#[test]
fn display_text_lives_under_report() {
    let words = ["maud", "html!", "i18n::", "Msg::"];
    let mut offenders = Vec::new();
    let mut report_uses = 0;
    for p in rust_sources() {
        let rel = p
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let text = std::fs::read_to_string(&p).unwrap();
        for (i, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") || !words.iter().any(|w| code.contains(w)) {
                continue;
            }
            if rel.starts_with("src/report/") {
                report_uses += 1;
            } else {
                offenders.push(format!("{rel}:{}: {code}", i + 1));
            }
        }
    }
    assert!(
        report_uses > 50,
        "the scan finds the report's own templates"
    );
    assert!(offenders.is_empty(), "{}", offenders.join("\n"));
}
