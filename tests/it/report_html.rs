//! HTML reports: well-formed, every section present, no external URL, every
//! number traceable to results.json, atomic re-rendering, the counsellors' page and the
//! employer sheet. Fixtures: tests/fixtures/report/ (made by make_fixture.py).

use crate::common::bin;
use engagement::config::Lang;
use engagement::report::{
    self, check, counsellor_page, feedback_sheet, CounsellorRow, FeedbackData, RunResults,
    SheetCase,
};
use std::path::Path;

const TINY: &str = include_str!("../fixtures/report/tiny_results.json");
const ROWS: &str = include_str!("../fixtures/report/counsellor_rows.json");
const SHEETS: &str = include_str!("../fixtures/report/feedback.json");

fn fixture() -> RunResults {
    RunResults::from_json(TINY).expect("fixture parses")
}

fn index_html(r: &RunResults, lang: Lang) -> String {
    let files = report::render_run_files(r, lang).unwrap();
    String::from_utf8(files[0].1.clone()).unwrap()
}

/// Every `<svg ...>...</svg>` element of a page.
fn svgs(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(a) = rest.find("<svg") {
        let b = rest[a..].find("</svg>").expect("svg closed") + a + 6;
        out.push(&rest[a..b]);
        rest = &rest[b..];
    }
    out
}

#[test]
fn run_report_is_well_formed_complete_and_offline() {
    for lang in [Lang::Fr, Lang::En] {
        let html = index_html(&fixture(), lang);
        check::well_formed(&html).unwrap_or_else(|e| panic!("{lang:?}: {e}"));
        for id in report::SECTION_IDS {
            assert!(
                html.contains(&format!("<section id=\"{id}\"")),
                "{lang:?}: section {id} missing"
            );
            assert!(html.contains(&format!("href=\"#{id}\"")), "toc entry {id}");
        }
        let ext = check::external_references(&html);
        assert!(ext.is_empty(), "{lang:?}: external references {ext:?}");
        let figs = svgs(&html);
        assert_eq!(figs.len(), 8, "eight inline figures");
        for s in figs {
            check::well_formed(s).unwrap();
        }
        // The Sun & Abraham caveat is in the method notes.
        assert!(html.contains("Sun &amp; Abraham 2021"));
        // A4 print CSS.
        assert!(html.contains("@page { size: A4"));
    }
    let en = index_html(&fixture(), Lang::En);
    assert!(en.contains("<html lang=\"en\">") && en.contains("Summary for decision makers"));
    let fr = index_html(&fixture(), Lang::Fr);
    assert!(fr.contains("<html lang=\"fr\">") && fr.contains("Synthèse pour les décideurs"));
}

#[test]
fn figure_files_are_standalone_svg_and_markdown_links_resolve() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    report::render_run(&fixture(), &dir, Lang::Fr).unwrap();
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    let mut n = 0;
    for (i, _) in md.match_indices("](figures/") {
        let rest = &md[i + 2..];
        let path = &rest[..rest.find(')').unwrap()];
        let svg = std::fs::read_to_string(dir.join(path)).unwrap();
        assert!(
            svg.contains("xmlns=\"http://www.w3.org/2000/svg\""),
            "{path}"
        );
        check::well_formed(&svg).unwrap_or_else(|e| panic!("{path}: {e}"));
        n += 1;
    }
    assert_eq!(n, 8);
    // The report never writes results.json: the run writes it once.
    assert!(!dir.join("results.json").exists());
}

#[test]
fn rendering_is_deterministic() {
    let a = report::render_run_files(&fixture(), Lang::Fr).unwrap();
    let b = report::render_run_files(&fixture(), Lang::Fr).unwrap();
    assert_eq!(a, b);
}

#[test]
fn empty_results_render_every_section_as_not_run() {
    let html = index_html(&RunResults::default(), Lang::Fr);
    check::well_formed(&html).unwrap();
    for id in report::SECTION_IDS {
        assert!(html.contains(&format!("<section id=\"{id}\"")));
    }
    assert!(html.contains("n'a pas été exécutée"));
    assert!(svgs(&html).is_empty());
}

// ---------------------------------------------------------------------------------------------
// Every number shown comes from results.json.

fn json_values(v: &serde_json::Value, nums: &mut Vec<f64>, strs: &mut Vec<String>) {
    match v {
        serde_json::Value::Number(n) => nums.push(n.as_f64().unwrap()),
        serde_json::Value::String(s) => strs.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| json_values(x, nums, strs)),
        serde_json::Value::Object(o) => o.values().for_each(|x| json_values(x, nums, strs)),
        _ => {}
    }
}

/// Text of every table cell and key-figure value.
fn shown_values(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (open, close) in [("<td", "</td>"), ("<div class=\"v\">", "</div>")] {
        let mut rest = html;
        while let Some(a) = rest.find(open) {
            let start = a + rest[a..].find('>').unwrap() + 1;
            let end = start + rest[start..].find(close).unwrap();
            out.push(
                rest[start..end]
                    .replace("&amp;", "&")
                    .replace("&#39;", "'")
                    .replace("&quot;", "\"")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">"),
            );
            rest = &rest[end..];
        }
    }
    out
}

/// Numeric tokens of a French-formatted text: (value, decimals). `< 0,001` thresholds skipped.
fn numbers_fr(text: &str) -> Vec<(f64, usize)> {
    let c: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        if !c[i].is_ascii_digit() || (i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '-')) {
            i += 1;
            continue;
        }
        let neg = i > 0 && c[i - 1] == '−';
        let threshold = text
            .chars()
            .take(i)
            .collect::<String>()
            .trim_end()
            .ends_with('<');
        let mut s = String::new();
        let mut dec = 0;
        while i < c.len() {
            if c[i].is_ascii_digit() {
                s.push(c[i]);
                if dec > 0 || s.contains('.') {
                    dec += 1;
                }
                i += 1;
            } else if c[i] == '\u{202F}'
                && i + 3 < c.len() + 1
                && c[i + 1..].iter().take(3).all(|d| d.is_ascii_digit())
                && !s.contains('.')
            {
                i += 1;
            } else if c[i] == ','
                && i + 1 < c.len()
                && c[i + 1].is_ascii_digit()
                && !s.contains('.')
            {
                s.push('.');
                i += 1;
            } else {
                break;
            }
        }
        if !threshold {
            let v: f64 = s.parse().unwrap();
            out.push((if neg { -v } else { v }, dec));
        }
    }
    out
}

/// Cells whose numbers match no value of results.json (directly, or ×100 for percentages),
/// at the precision shown.
fn untraceable(html: &str, json: &serde_json::Value) -> Vec<String> {
    let (mut nums, mut strs) = (Vec::new(), Vec::new());
    json_values(json, &mut nums, &mut strs);
    // Names from the catalog (e.g. "moins de 26 ans") are words, not numbers.
    strs.extend(
        engagement::report::i18n::catalog()
            .into_iter()
            .map(|(fr, _)| fr),
    );
    // Remove string values (names, periods, SIRETs) before looking for numbers; longest first.
    strs.sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
    strs.retain(|s| !s.is_empty());
    let mut bad = Vec::new();
    for cell in shown_values(html) {
        let mut text = cell.clone();
        for s in &strs {
            if text.contains(s.as_str()) {
                text = text.replace(s.as_str(), " ");
            }
        }
        for (x, d) in numbers_fr(&text) {
            let tol = 0.5 * 10f64.powi(-(d as i32)) + 1e-9;
            let ok = nums
                .iter()
                .any(|v| (v - x).abs() <= tol || (100.0 * v - x).abs() <= tol);
            if !ok {
                bad.push(format!("{x} (from {cell:?})"));
            }
        }
    }
    bad
}

#[test]
fn every_number_shown_comes_from_results_json() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    report::render_run(&fixture(), &dir, Lang::Fr).unwrap();
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    let json: serde_json::Value = serde_json::from_str(TINY).unwrap();
    let cells = shown_values(&html);
    let n_numbers: usize = cells.iter().map(|c| numbers_fr(c).len()).sum();
    assert!(n_numbers > 300, "the sample is large: {n_numbers} numbers");
    let bad = untraceable(&html, &json);
    assert!(bad.is_empty(), "numbers not in results.json: {bad:?}");

    // A specific sample, parsed from both sides.
    let est = &json["exposure"]["estimates"][1];
    let shown = engagement::report::i18n::num(est["estimate"].as_f64().unwrap(), 2, Lang::Fr);
    assert!(html.contains(&format!("<td class=\"r\">{shown}</td>")));
    let s182 = json["retention"]["by_policy"][0]["survival"]
        .as_f64()
        .unwrap();
    assert!(html.contains(&engagement::report::i18n::pct(s182, 1, Lang::Fr)));

    // The check can fail: a number that is not in results.json is caught.
    let tampered = html.replacen(
        &format!("<td class=\"r\">{shown}</td>"),
        "<td class=\"r\">7,77</td>",
        1,
    );
    assert_eq!(untraceable(&tampered, &json).len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Atomic output and the `report` command.

#[test]
fn rerender_keeps_other_files_and_replaces_figures() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    report::render_run(&fixture(), &dir, Lang::Fr).unwrap();
    std::fs::create_dir_all(dir.join("tables")).unwrap();
    std::fs::write(dir.join("tables/scores.csv"), "siret,score\n").unwrap();
    std::fs::write(dir.join("figures/stale.svg"), "<svg/>").unwrap();
    let mut r = fixture();
    r.retention = None;
    report::render_run(&r, &dir, Lang::En).unwrap();
    assert!(dir.join("tables/scores.csv").exists(), "other files kept");
    assert!(!dir.join("figures/stale.svg").exists(), "figures replaced");
    assert!(!dir.join("figures/km-by-group.svg").exists());
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(html.contains("Experiment report"));
    // Only the run folder remains in the parent: no temporary siblings.
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
}

#[test]
fn report_command_rerenders_from_results_json() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("results.json"), TINY).unwrap();
    let out = bin()
        .args(["--quiet", "report"])
        .arg(&dir)
        .args(["--lang", "en"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(html.contains("Kaplan–Meier curves by employer group"));
    assert!(dir.join("figures/event-study.svg").exists());
    assert_eq!(
        std::fs::read_to_string(dir.join("results.json")).unwrap(),
        TINY,
        "report never rewrites results.json"
    );

    let bad = bin()
        .args(["report"])
        .arg(&dir)
        .args(["--lang", "de"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("report.lang"));

    let missing = bin()
        .args(["report"])
        .arg(tmp.path().join("nope"))
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("results.json"));
}

// ---------------------------------------------------------------------------------------------
// Counsellors' page.

fn rows() -> Vec<CounsellorRow> {
    serde_json::from_str(ROWS).unwrap()
}

#[test]
fn counsellor_page_is_self_contained_filterable_and_private() {
    let rows = rows();
    let html = counsellor_page(&rows, Lang::Fr);
    check::well_formed(&html).unwrap();
    assert!(check::external_references(&html).is_empty());
    assert!(html.contains("<html lang=\"fr\">"));
    assert_eq!(html.matches("<details class=\"emp\"").count(), rows.len());
    for id in ["f-zone", "f-sector", "f-size", "f-level", "f-q", "n-shown"] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
    }
    // One option per zone and per sector, plus "all".
    assert!(html.contains("<option value=\"35\">département Ille-et-Vilaine (35)</option>"));
    assert!(html.contains("id=\"f-size\"") && html.contains("data-size=\"10-49\""));
    assert!(html.contains("Pourquoi") || html.contains("Points forts"));
    assert!(html.contains("data-q=\"crepe"), "search text is folded");
    // Privacy: criterion rows hold positions in words, never numbers.
    let mut rest = html.as_str();
    let mut n = 0;
    while let Some(a) = rest.find("<tbody>") {
        let b = a + rest[a..].find("</tbody>").unwrap();
        assert!(
            !rest[a..b].chars().any(|c| c.is_ascii_digit()),
            "{}",
            &rest[a..b]
        );
        n += 1;
        rest = &rest[b..];
    }
    assert_eq!(n, rows.len());
    // A row without a name shows its SIRET; an incalculable score shows n.c.
    assert!(html.contains(&rows[17].siret));
    assert!(html.contains("n.c."));
}

// ---------------------------------------------------------------------------------------------
// Employer sheet.

fn sheets() -> Vec<FeedbackData> {
    serde_json::from_str(SHEETS).unwrap()
}

#[test]
fn feedback_sheet_shows_values_medians_and_levers_below_the_median_only() {
    let d = &sheets()[1];
    let html = feedback_sheet(d, Lang::Fr);
    check::well_formed(&html).unwrap();
    assert!(check::external_references(&html).is_empty());
    assert!(html.contains("non labellisé") && html.contains("46 / 100"));
    assert!(html.contains("intervalle [39 ; 53]"));
    // Own value beside the peers' median.
    assert!(html.contains("<td class=\"r\">8\u{202F}%</td><td class=\"r\">35\u{202F}%</td>"));
    // Levers: only criteria below the median, largest gain first, with a public scheme.
    let p = report::feedback::priorities(d);
    let keys: Vec<&str> = p.iter().map(|c| c.key.name()).collect();
    assert_eq!(keys, ["cdi_share", "long_unemployed", "turnover"]);
    assert!(p.iter().all(|c| c.position.is_unfavourable()));
    assert!(html.contains("PMSMP") && html.contains("période d'essai"));
    // Lower is better, read in the reader's terms: a low accident rate is good.
    assert!(html.contains("moins d'accidents que la médiane des pairs"));
    assert!(html.contains("Contester ou corriger vos données"));
    assert!(html.contains("Contact : Mission inclusion"));
    assert!(html.contains("<svg"), "trend sparkline");
}

#[test]
fn feedback_sheets_for_every_case() {
    let all = sheets();
    let nc = feedback_sheet(&all[2], Lang::Fr);
    check::well_formed(&nc).unwrap();
    assert_eq!(all[2].case, SheetCase::NotCalculable);
    assert!(nc.contains("n'est pas calculable") && nc.contains("(vous : 3,2)"));
    assert!(nc.contains("Ce n'est ni une mauvaise note"));
    assert!(!nc.contains("continuez") && !nc.contains("Niveau suivant"));
    let gated = feedback_sheet(&all[3], Lang::Fr);
    assert!(gated.contains("plafonné") && gated.contains("« exemplaire »"));
    assert!(gated.contains("95,0 pour 1 000 salariés") && gated.contains("21,0 pour 1 000"));
    let en = feedback_sheet(&all[3], Lang::En);
    assert!(en.contains("capped") && en.contains("<html lang=\"en\">"));
    let mut top = all[1].clone();
    top.case = SheetCase::TopLevel;
    top.label = report::results::Label::Exemplary;
    assert!(feedback_sheet(&top, Lang::Fr).contains("niveau le plus élevé"));
}

#[test]
fn a_sheet_never_states_a_peer_group_of_fewer_than_three() {
    let mut d = sheets()[1].clone();
    assert!(feedback_sheet(&d, Lang::Fr).contains("42 établissements comparables"));
    d.peers.members = None;
    let fr = feedback_sheet(&d, Lang::Fr);
    assert!(fr.contains("Moins de 3 établissements comparables"), "{fr}");
    let en = feedback_sheet(&d, Lang::En);
    assert!(en.contains("Fewer than 3 comparable establishments"));
    assert_eq!(engagement::score::publish::peer_members(2), None);
    assert_eq!(engagement::score::publish::peer_members(3), Some(3));
}

#[test]
fn feedback_command_writes_a_sheet_and_a_batch_with_a_send_log() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = bin()
        .args(["feedback", "--scores"])
        .arg(tmp.path())
        .args(["--siret", "123"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("14 digits"));
}

#[test]
fn example_sheets_are_anonymised_and_linked_from_the_exposure_section() {
    let (files, links) = report::feedback::example_sheet_files(&sheets(), Lang::Fr);
    assert_eq!(files.len(), 4);
    assert_eq!(links[0].href, "sheets/example-1.html");
    for (_, bytes) in &files {
        let html = String::from_utf8_lossy(bytes);
        assert!(!html.contains("Crêperie") && !html.contains("35123456700051"));
    }
    let mut r = fixture();
    r.exposure.as_mut().unwrap().example_sheets = links;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let stage = engagement::output::AtomicDir::create(&dir, false).unwrap();
    stage.write_all(&files).unwrap();
    stage
        .write_all(&report::render_run_files(&r, Lang::Fr).unwrap())
        .unwrap();
    stage.commit().unwrap();
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(html.contains("href=\"sheets/example-2.html\""));
    assert!(html.contains("score non calculable"));
    assert!(dir.join("sheets/example-2.html").exists());
    // Re-rendering keeps the sheets.
    report::render_run(&r, &dir, Lang::En).unwrap();
    assert!(dir.join("sheets/example-1.html").exists());
}

/// Writes demo outputs for `tests/scripts/screenshot.sh` into `$REPORT_DEMO_DIR`.
#[test]
#[ignore = "writes demo files for tests/scripts/screenshot.sh; run with REPORT_DEMO_DIR set"]
fn write_demo() {
    let Ok(dir) = std::env::var("REPORT_DEMO_DIR") else {
        return;
    };
    let dir = Path::new(&dir);
    report::render_run(&fixture(), &dir.join("run"), Lang::Fr).unwrap();
    report::render_run(&fixture(), &dir.join("run-en"), Lang::En).unwrap();
    std::fs::write(
        dir.join("counsellor.html"),
        counsellor_page(&rows(), Lang::Fr),
    )
    .unwrap();
    for (i, name) in [
        "sheet",
        "sheet-calculable",
        "sheet-not-calculable",
        "sheet-gated",
    ]
    .iter()
    .enumerate()
    {
        let d = &sheets()[i.max(1)];
        std::fs::write(
            dir.join(format!("{name}.html")),
            feedback_sheet(d, Lang::Fr),
        )
        .unwrap();
    }
}
