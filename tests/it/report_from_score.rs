//! Counsellors' rows and employer sheets built from real score outputs (a small generated
//! experiment scored by `engagement score`), and the `feedback` command on them.

use crate::common::bin;
use engagement::config::Lang;
use engagement::report::{check, counsellor_page, feedback_sheet, from_score};
use engagement::score::list::{build_list, ListQuery};
use engagement::score::Position;
use engagement::score::ScoreOutput;
use std::path::Path;

fn scored(dir: &Path) -> ScoreOutput {
    let exp = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/score/small.toml");
    for args in [vec!["-q", "generate", "-e"], vec!["-q", "score", "--data"]] {
        let mut c = bin();
        c.args(&args);
        if args[1] == "generate" {
            c.arg(&exp).arg("-o").arg(dir.join("data"));
        } else {
            c.arg(dir.join("data"))
                .arg("-e")
                .arg(&exp)
                .arg("-o")
                .arg(dir.join("scores"));
        }
        let o = c.output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    engagement::score::io::read_outputs(&dir.join("scores")).unwrap()
}

#[test]
fn rows_and_sheets_from_score_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let out = scored(tmp.path());
    let reference = engagement::reference::Reference::load();
    let q = ListQuery {
        include_unlabelled: true,
        ..Default::default()
    };
    let list = build_list(&out, &reference, &q).unwrap();
    let rows = from_score::counsellor_rows(&out, &reference, &list, None).unwrap();
    assert_eq!(rows.len(), list.len());
    assert!(rows.len() > 50);
    for (r, l) in rows.iter().zip(&list) {
        assert_eq!(r.siret, l.siret);
        assert_eq!(r.label, l.label);
        assert!(!r.criteria.is_empty());
    }
    // Sensitive criteria on few persons are withheld somewhere in a real territory.
    assert!(rows
        .iter()
        .flat_map(|r| &r.criteria)
        .any(|c| c.position == Position::Withheld));
    let html = counsellor_page(&rows, Lang::Fr);
    check::well_formed(&html).unwrap();
    assert!(check::external_references(&html).is_empty());

    // Sheets for every unlabelled scored establishment of the last period.
    let p = out.period_index(None).unwrap();
    let mut n_with_priorities = 0;
    for s in out
        .scores
        .iter()
        .filter(|s| s.period == p && s.label == Some(0))
    {
        let d = from_score::feedback_data(&out, &reference, s.siret, None, None).unwrap();
        assert_eq!(d.label, engagement::score::Label::None);
        assert_eq!(d.score, s.composite);
        let wsum: f64 = d.criteria.iter().map(|c| c.weight).sum();
        assert!((wsum - 1.0).abs() < 1e-9, "weights sum to 1: {wsum}");
        for c in &d.criteria {
            assert!(c.gain_points.is_none_or(|g| g >= 0.0));
            if c.position == Position::NotCalculable {
                assert!(c.gain_points.is_none());
            }
        }
        // Levers never point at a criterion at or above the median.
        assert!(engagement::report::feedback::priorities(&d)
            .iter()
            .all(|c| c.position.is_unfavourable()));
        // Gains cannot exceed the distance to the top score.
        let total: f64 = d.criteria.iter().filter_map(|c| c.gain_points).sum();
        assert!(total <= 100.0 - s.composite.unwrap() + 1e-9);
        if !engagement::report::feedback::priorities(&d).is_empty() {
            n_with_priorities += 1;
        }
        let html = feedback_sheet(&d, Lang::Fr);
        check::well_formed(&html).unwrap();
    }
    assert!(n_with_priorities > 0);
    // An unknown SIRET is an error, not a panic.
    assert!(from_score::feedback_data(&out, &reference, 1, None, None).is_err());
    assert!(
        from_score::feedback_data(&out, &reference, out.scores[0].siret, Some("1999T1"), None)
            .is_err()
    );

    // The run report's score section from the same outputs.
    let sec = from_score::score_section(&out, &reference, 3);
    assert_eq!(sec.reference_period, out.summary.period);
    if sec.labels_by_level.iter().all(Option::is_some) {
        assert_eq!(
            sec.labels_by_level.iter().flatten().sum::<u64>(),
            sec.n_scored
        );
    }
    assert!(
        sec.reference_scores.is_empty(),
        "no per-SIRET list published"
    );
    let w: f64 = sec.criteria.iter().map(|c| c.weight).sum();
    assert!((w - 1.0).abs() < 1e-9);
    assert_eq!(sec.examples.len(), 3);
    assert!(sec.examples.iter().all(|e| e.letter.len() == 1));
    let shown: u64 = sec
        .labels_by_sector
        .iter()
        .filter(|g| !g.suppressed)
        .flat_map(|g| g.counts.iter().flatten())
        .sum();
    assert!(shown > 0 && shown <= sec.n_scored);
    assert!(sec
        .labels_by_sector
        .iter()
        .all(|g| g.suppressed == g.counts.iter().any(Option::is_none)));
    let results = engagement::report::RunResults {
        score: Some(sec),
        ..Default::default()
    };
    // `compare` reads per-SIRET scores from the research folder; here, straight from them.
    let mut with_scores = results.clone();
    with_scores.score.as_mut().unwrap().reference_scores =
        engagement::score::io::research_scores(&out)
            .into_iter()
            .map(|e| engagement::report::results::EstablishmentScore {
                siret: e.siret,
                sector: e.section,
                zone: e.zone,
                score: e.score,
                label: engagement::score::Label::of(e.level),
            })
            .collect();
    let run_dir = tmp.path().join("run");
    engagement::report::render_run(&results, &run_dir, Lang::Fr).unwrap();
    let html = std::fs::read_to_string(run_dir.join("index.html")).unwrap();
    check::well_formed(&html).unwrap();
    assert!(run_dir.join("figures/score-histogram.svg").exists());
    let same = engagement::report::compare_runs("a", &with_scores, "b", &with_scores);
    assert_eq!(same.kendall_tau_b, Some(1.0));
    if let Ok(d) = std::env::var("REPORT_DEMO_DIR") {
        engagement::report::render_run(&results, &Path::new(&d).join("real"), Lang::Fr).unwrap();
        std::fs::write(
            Path::new(&d).join("real-counsellor.html"),
            counsellor_page(&rows, Lang::Fr),
        )
        .unwrap();
    }

    // The command reads the same outputs.
    let siret = out
        .scores
        .iter()
        .find(|s| s.period == p && s.label == Some(0))
        .unwrap()
        .siret;
    let file = tmp.path().join("sheet.html");
    let o = bin()
        .args(["-q", "feedback", "--scores"])
        .arg(tmp.path().join("scores"))
        .args(["--siret", &engagement::model::siret_string(siret), "--out"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(&file).unwrap();
    assert!(html.contains("Votre position, critère par critère"));
}
