//! Meaning apart from wording: a run's results.json holds keys, not words; the same run
//! renders wholly in French or wholly in English (report, counsellors' page, sheets, list);
//! `compare` pairs every estimate between a French and an English run of one experiment.

use crate::common::bin;
use engagement::config::Lang;
use engagement::report::i18n::{catalog, foreign_phrases};
use std::path::{Path, PathBuf};

/// Shortest catalog phrase looked for in a page of the other language.
const MIN_CHARS: usize = 5;

fn run(reports: &Path, cache: &Path, id: &str, lang: &str) -> PathBuf {
    let o = bin()
        .args(["-q", "run", "tests/fixtures/score/small.toml", "--reports"])
        .arg(reports)
        .arg("--cache")
        .arg(cache)
        .args(["--run-id", id, "--lang", lang])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    reports.join("score-small").join(id)
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Every page a reader sees in a run folder.
fn pages(dir: &Path) -> Vec<PathBuf> {
    let mut v = vec![
        dir.join("index.html"),
        dir.join("report.md"),
        dir.join("counsellors.html"),
    ];
    for e in std::fs::read_dir(dir.join("sheets")).unwrap() {
        v.push(e.unwrap().path());
    }
    v
}

fn assert_one_language(dir: &Path, lang: Lang) {
    let other = match lang {
        Lang::Fr => Lang::En,
        Lang::En => Lang::Fr,
    };
    for p in pages(dir) {
        let text = read(&p);
        let found = foreign_phrases(&text, other, MIN_CHARS);
        assert!(
            found.is_empty(),
            "{} ({lang:?}) holds {found:?}",
            p.display()
        );
    }
}

#[test]
fn french_run_rerendered_in_english_has_no_french_and_results_have_no_words() {
    let tmp = tempfile::tempdir().unwrap();
    let (reports, cache) = (tmp.path().join("reports"), tmp.path().join("cache"));
    let fr = run(&reports, &cache, "fr", "fr");
    let en = run(&reports, &cache, "en", "en");
    assert_one_language(&fr, Lang::Fr);
    assert_one_language(&en, Lang::En);

    // results.json holds no translated text: the French and English runs write the same
    // file (but for the run id), and no catalog phrase of either language is in it.
    let (jf, je) = (
        read(&fr.join("results.json")),
        read(&en.join("results.json")),
    );
    assert_eq!(jf.replace("\"fr\"", "\"x\""), je.replace("\"en\"", "\"x\""));
    // Keys are English identifiers (`engaged`, `suppressed`), so only English phrases of
    // several words count as display text; any French phrase does.
    let mut words = foreign_phrases(&jf, Lang::Fr, MIN_CHARS);
    words.extend(
        foreign_phrases(&jf, Lang::En, MIN_CHARS)
            .into_iter()
            .filter(|w| w.contains(' ')),
    );
    assert!(
        words.is_empty(),
        "results.json holds display text: {words:?}"
    );

    // `report RUN --lang en` on the French run: English HTML and Markdown, results.json
    // untouched.
    let before = read(&fr.join("results.json"));
    let o = bin()
        .args(["-q", "report"])
        .arg(&fr)
        .args(["--lang", "en"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        read(&fr.join("results.json")),
        before,
        "report rewrote results.json"
    );
    for f in ["index.html", "report.md"] {
        let text = read(&fr.join(f));
        let found = foreign_phrases(&text, Lang::Fr, MIN_CHARS);
        assert!(found.is_empty(), "{f} after --lang en holds {found:?}");
        assert!(text.contains("Summary for decision makers"));
    }

    // compare pairs every estimate between the French and the English run.
    let out = tmp.path().join("cmp");
    let o = bin()
        .args(["-q", "compare"])
        .arg(&fr)
        .arg(&en)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let c: serde_json::Value = serde_json::from_str(&read(&out.join("comparison.json"))).unwrap();
    let est = c["estimates"].as_array().unwrap();
    assert!(est.len() >= 5, "{est:?}");
    for e in est {
        assert!(!e["a"].is_null() && !e["b"].is_null(), "unpaired: {e}");
        assert_eq!(e["a"], e["b"]);
    }
    assert_eq!(c["n_flips"], 0);

    // A run folder is accepted wherever scores are.
    let o = bin()
        .args(["list", "--format", "json", "--all", "--scores"])
        .arg(&fr)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        c["n_common"],
        c["n_common_scored"].as_u64().unwrap() + c["n_not_calculable_either"].as_u64().unwrap()
    );
}

#[test]
fn every_catalog_entry_has_a_distinct_or_shared_word_in_both_languages() {
    // The scan can fail: an English phrase in a French page is found.
    let (fr, en) = catalog()
        .into_iter()
        .find(|(f, e)| f != e && e.chars().count() > 10)
        .unwrap();
    let page = format!("<p>{fr}</p><p>{en}</p>");
    assert!(!foreign_phrases(&page, Lang::En, MIN_CHARS).is_empty());
}
