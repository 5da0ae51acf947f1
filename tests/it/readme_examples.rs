//! The README's commands run as written. Every command line in a fenced block of README.md
//! (`engagement ...` or `cargo run --release -- ...`) is run with the binary under test, in
//! a scratch folder laid out like a checkout: `experiments/baseline.toml` is a small
//! experiment, the absolute paths of the examples (`/data/dsn/2023/`, `/secure/place/...`)
//! are folders of the scratch tree holding generated inputs, and Monte Carlo sizes are cut
//! down. Optional parts in brackets are left out. Every flag the README names, in the
//! command table or in a fenced block, must exist in that command's `--help`.

use crate::common::{bin, fixture, root};
use polars::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;

/// A command line found in the README.
#[derive(Debug)]
struct Example {
    /// The README line it starts on (1-based), for messages.
    line: usize,
    /// Arguments after `engagement`.
    args: Vec<String>,
}

/// Environment variables set by the README's `export NAME="$(cat FILE)"` lines.
type Env = BTreeMap<String, String>;

/// Removes `[...]` groups (optional parts), nested or not.
fn strip_optional(s: &str) -> String {
    let mut depth = 0usize;
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Drops a trailing shell comment (`  # ...`).
fn strip_comment(s: &str) -> &str {
    match s.find(" #") {
        Some(i) => &s[..i],
        None => s,
    }
}

/// The logical lines of each fenced block (continuations joined), with their line numbers.
fn fenced_lines(readme: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut inside = false;
    let mut pending: Option<(usize, String)> = None;
    for (i, raw) in readme.lines().enumerate() {
        if raw.trim_start().starts_with("```") {
            inside = !inside;
            continue;
        }
        if !inside {
            continue;
        }
        let (start, mut text) = pending.take().unwrap_or((i + 1, String::new()));
        let line = raw.trim();
        match line.strip_suffix('\\') {
            Some(head) => {
                text.push_str(head);
                text.push(' ');
                pending = Some((start, text));
            }
            None => {
                text.push_str(line);
                out.push((start, text));
            }
        }
    }
    out
}

/// The commands of the README's fenced blocks and the variables they export.
fn examples(readme: &str) -> (Vec<Example>, Vec<(String, String)>) {
    let mut cmds = Vec::new();
    let mut exports = Vec::new();
    for (line, text) in fenced_lines(readme) {
        let text = strip_comment(&text).trim().to_string();
        if let Some(rest) = text.strip_prefix("export ") {
            let (name, value) = rest.split_once('=').expect("export NAME=VALUE");
            let file = value
                .trim_matches('"')
                .strip_prefix("$(cat ")
                .and_then(|v| v.strip_suffix(')'))
                .expect("exports read a file: export NAME=\"$(cat FILE)\"");
            exports.push((name.to_string(), file.to_string()));
            continue;
        }
        let rest = text
            .strip_prefix("engagement ")
            .or_else(|| text.strip_prefix("cargo run --release -- "));
        let Some(rest) = rest else { continue };
        let args = strip_optional(rest)
            .split_whitespace()
            .map(str::to_string)
            .collect();
        cmds.push(Example { line, args });
    }
    (cmds, exports)
}

/// Rewrites an example for the scratch tree: absolute paths under it, small Monte Carlo.
fn localise(args: &[String], scratch: &Path) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for a in args {
        let prev = out.last().map(String::as_str);
        let a = match prev {
            Some("-r" | "--replications") => "2".to_string(),
            Some("--establishments") => "150".to_string(),
            _ if a.starts_with('/') => scratch.join(&a[1..]).display().to_string(),
            _ => a.clone(),
        };
        out.push(a);
    }
    out
}

fn write_file(p: &Path, text: &str) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A fixture CSV with its header replaced by `header`.
fn renamed_csv(rel: &str, header: &str) -> String {
    let text = std::fs::read_to_string(fixture(rel)).unwrap();
    let (_, body) = text.split_once('\n').unwrap();
    format!("{header}\n{body}")
}

/// DSN files of the small experiment, one folder per declared year as in the README.
fn dsn_corpus(scratch: &Path) {
    let gen = scratch.join("generated-dsn");
    let o = bin()
        .current_dir(scratch)
        .args([
            "-q",
            "generate",
            "--experiment",
            "experiments/baseline.toml",
        ])
        .arg("--out")
        .arg(&gen)
        .args(["--format", "dsn"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for e in std::fs::read_dir(&gen).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().to_string();
        let Some(year) = name
            .get(..4)
            .filter(|y| y.chars().all(|c| c.is_ascii_digit()))
        else {
            continue;
        };
        let dir = scratch.join("data/dsn").join(year);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::rename(e.path(), dir.join(&name)).unwrap();
    }
}

/// The inputs the examples name, made from the small experiment and the test fixtures.
fn scratch_tree(scratch: &Path) {
    let small = std::fs::read_to_string(fixture("score/small.toml")).unwrap();
    write_file(&scratch.join("experiments/baseline.toml"), &small);
    dsn_corpus(scratch);
    write_file(
        &scratch.join("secure/place/pseudonymisation.key"),
        "a-key-for-the-readme-examples-0042\n",
    );
    let key = 97 - 1_850_175_123_456u64 % 97;
    write_file(
        &scratch.join("cohort.csv"),
        &format!("nir,oriented_on\n1850175123456{key:02},2024-01-03\n"),
    );
    write_file(
        &scratch.join("panel.csv"),
        &renamed_csv(
            "estimate/categorical.csv",
            "siret,period,score,first_exposed,size_class,sector,region",
        ),
    );
    let persons = renamed_csv(
        "retention/categorical.csv",
        "days,ended,employer_type,age,sex,sector",
    );
    let mut df = CsvReadOptions::default()
        .with_has_header(true)
        .into_reader_with_file_handle(std::io::Cursor::new(persons.into_bytes()))
        .finish()
        .unwrap();
    let f = std::fs::File::create(scratch.join("persons.parquet")).unwrap();
    ParquetWriter::new(f).finish(&mut df).unwrap();
}

/// Runs one example in the scratch tree and returns its stderr.
fn run_example(ex: &Example, scratch: &Path, env: &Env) -> String {
    let args = localise(&ex.args, scratch);
    let o = bin()
        .current_dir(scratch)
        .env_remove("ENGAGEMENT_KEY")
        .envs(env)
        .args(&args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(
        o.status.success(),
        "README.md line {}: engagement {} failed:\n{stderr}",
        ex.line,
        args.join(" ")
    );
    stderr
}

#[test]
fn every_fenced_command_runs_as_written() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let (cmds, exports) = examples(&readme);
    let scratch = tempfile::tempdir().unwrap();
    let scratch = scratch.path();
    scratch_tree(scratch);
    let mut env = Env::new();
    for (name, file) in &exports {
        let file = localise(std::slice::from_ref(file), scratch).remove(0);
        let value = std::fs::read_to_string(&file).unwrap();
        env.insert(name.clone(), value.trim().to_string());
    }
    let mut seen = std::collections::BTreeSet::new();
    for ex in &cmds {
        run_example(ex, scratch, &env);
        seen.insert(subcommand(&ex.args));
    }
    // The parse itself must not silently lose the examples.
    for expected in [
        "run",
        "simulate",
        "ingest",
        "score",
        "pseudonymise",
        "estimate did",
        "estimate retention",
    ] {
        assert!(seen.contains(expected), "no README example of `{expected}`");
    }
}

/// The subcommand words of an argument list (`estimate did`, `bench score`, `run`).
fn subcommand(args: &[String]) -> String {
    let words: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with('-'))
        .take(2)
        .collect();
    match words.as_slice() {
        ["estimate", w, ..] => format!("estimate {w}"),
        [w, ..] => w.to_string(),
        [] => String::new(),
    }
}

/// The `--help` text of a subcommand.
fn help(sub: &str) -> String {
    let o = bin()
        .args(sub.split_whitespace())
        .arg("--help")
        .output()
        .unwrap();
    assert!(o.status.success(), "engagement {sub} --help failed");
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// Long flags (`--name`) in a piece of README text.
fn flags(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|w| w.starts_with("--") && w.len() > 2)
        .map(str::to_string)
        .collect()
}

/// Each row of the command table: the commands it names and the flags it mentions.
fn table_rows(readme: &str) -> Vec<(Vec<String>, Vec<String>)> {
    let mut rows = Vec::new();
    for line in readme.lines().filter(|l| l.starts_with("| `engagement ")) {
        let subs: Vec<String> = line
            .split('`')
            .skip(1)
            .step_by(2)
            .filter_map(|code| code.strip_prefix("engagement "))
            .map(|rest| {
                let words: Vec<String> = rest.split_whitespace().map(str::to_string).collect();
                subcommand(&words)
            })
            .collect();
        rows.push((subs, flags(line)));
    }
    rows
}

#[test]
fn every_flag_the_readme_names_is_in_the_help() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let mut checks: Vec<(Vec<String>, Vec<String>)> = table_rows(&readme);
    assert!(checks.len() >= 10, "the command table was not found");
    for (_, text) in fenced_lines(&readme) {
        let rest = text
            .strip_prefix("engagement ")
            .or_else(|| text.strip_prefix("cargo run --release -- "));
        if let Some(rest) = rest {
            let words: Vec<String> = rest.split_whitespace().map(str::to_string).collect();
            checks.push((vec![subcommand(&words)], flags(strip_comment(rest))));
        }
    }
    let mut helps = BTreeMap::new();
    for (subs, flags) in &checks {
        for sub in subs {
            helps.entry(sub.clone()).or_insert_with(|| help(sub));
        }
        for flag in flags {
            let known = subs.iter().any(|s| {
                helps[s]
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                    .any(|w| w == flag)
            });
            assert!(known, "README names `{flag}` for {subs:?}, not in --help");
        }
    }
}

#[test]
fn optional_parts_and_comments_are_left_out() {
    assert_eq!(
        strip_optional("did --input a [--never-value 0] [--x [y]] --out b"),
        "did --input a   --out b"
    );
    assert_eq!(strip_comment("run     # main job"), "run    ");
    let (cmds, _) = examples("```sh\nengagement a \\\n  --b c\ncargo test\n```\n");
    assert_eq!(cmds.len(), 1);
    assert_eq!(cmds[0].args, ["a", "--b", "c"]);
}
