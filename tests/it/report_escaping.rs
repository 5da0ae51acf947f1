//! HTML from the data is shown, never run: an employer whose DSN declares the name
//! `<script>alert(1)</script>` is ingested, and every HTML page built from that name (the
//! counsellors' page, its sheet, the example sheets and the run report) holds it escaped;
//! `report.md` escapes it too.

use crate::common::{bin, fixture};
use engagement::config::Lang;
use engagement::report::{self, counsellor_page, feedback_sheet, CounsellorRow, FeedbackData};

const SCRIPT: &str = "<script>alert(1)</script>";

fn ingested_name() -> String {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("ing");
    let o = bin()
        .args(["-q", "ingest"])
        .arg(fixture("report/dsn/script_name.dsn"))
        .arg("--out")
        .arg(&out)
        .arg("--demo-key")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (df, _) = engagement::tables::read_table(&out, "establishments").unwrap();
    let names = df.column("name").unwrap().str().unwrap().clone();
    let name = names.get(0).unwrap().to_string();
    assert_eq!(name, SCRIPT, "the name survives ingestion as data");
    name
}

fn assert_escaped(page: &str, what: &str) {
    assert!(!page.contains(SCRIPT), "{what} holds the raw script");
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{what} does not show the name"
    );
    report::check::well_formed(page).unwrap_or_else(|e| panic!("{what}: {e}"));
}

#[test]
fn a_script_name_from_a_dsn_file_is_escaped_in_every_page() {
    let name = ingested_name();
    let mut rows: Vec<CounsellorRow> =
        serde_json::from_str(include_str!("../fixtures/report/counsellor_rows.json")).unwrap();
    rows[0].name = Some(name.clone());
    rows[1].commune = name.clone();
    rows[2].sector_name = name.clone();
    let mut sheets: Vec<FeedbackData> =
        serde_json::from_str(include_str!("../fixtures/report/feedback.json")).unwrap();
    for s in &mut sheets {
        s.name = name.clone();
        s.zone.name = name.clone();
        s.contact = Some(name.clone());
    }
    let mut results =
        report::RunResults::from_json(include_str!("../fixtures/report/tiny_results.json"))
            .unwrap();
    let score = results.score.as_mut().unwrap();
    score.labels_by_zone[0].name = name.clone();
    score.examples[0].zone = name.clone();
    for lang in [Lang::Fr, Lang::En] {
        assert_escaped(&counsellor_page(&rows, lang), "counsellors' page");
        for (i, s) in sheets.iter().enumerate() {
            assert_escaped(&feedback_sheet(s, lang), &format!("sheet {i}"));
        }
        let (files, links) = report::feedback::example_sheet_files(&sheets, lang);
        for (p, b) in &files {
            let page = String::from_utf8_lossy(b);
            assert!(!page.contains(SCRIPT), "{}", p.display());
        }
        results.exposure.as_mut().unwrap().example_sheets = links;
        let files = report::render_run_files(&results, lang).unwrap();
        let html = String::from_utf8_lossy(&files[0].1);
        assert_escaped(&html, "run report");
        let md = String::from_utf8_lossy(&files[1].1);
        assert!(
            !md.contains(SCRIPT) && md.contains("&lt;script&gt;"),
            "report.md"
        );
    }
    // The list's CSV neutralises formulas from names too.
    let csv = engagement::report::list::csv_field("=cmd|' /C calc'!A0");
    assert!(csv.starts_with("'="));
}
