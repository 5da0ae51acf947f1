//! Positions that mean what they say: for every criterion and direction, in both languages,
//! a position better than the peers never reads as worse (and the reverse). For criteria
//! where less is better (turnover, early ruptures, accidents), a good position reads as
//! "less", never as "above the median".

use engagement::config::Lang;
use engagement::indicators::CRITERIA;
use engagement::report::i18n::position_words;
use engagement::score::Position;

/// Words that say "more" / "higher" and "less" / "lower", per language.
fn markers(lang: Lang) -> (&'static [&'static str], &'static [&'static str]) {
    match lang {
        Lang::Fr => (
            &["au-dessus", "plus forte", "davantage"],
            &["en dessous", "plus faible", "moins"],
        ),
        Lang::En => (
            &["above", "higher", "more"],
            &["below", "lower", "fewer", "less"],
        ),
    }
}

fn says(text: &str, words: &[&str]) -> bool {
    words.iter().any(|w| text.contains(w))
}

#[test]
fn better_than_the_peers_never_reads_as_worse() {
    let mut checked = 0;
    for lang in [Lang::Fr, Lang::En] {
        let (more, less) = markers(lang);
        for c in CRITERIA {
            let less_is_better = c.direction() < 0.0;
            for p in [Position::WellAbove, Position::Above] {
                let t = position_words(c, p, lang);
                let (good, bad) = if less_is_better {
                    (less, more)
                } else {
                    (more, less)
                };
                assert!(
                    says(t, good),
                    "{c:?} {p:?} {lang:?}: {t:?} should say it is better"
                );
                assert!(!says(t, bad), "{c:?} {p:?} {lang:?}: {t:?} reads as worse");
                checked += 1;
            }
            for p in [Position::Below, Position::WellBelow] {
                let t = position_words(c, p, lang);
                let (good, bad) = if less_is_better {
                    (less, more)
                } else {
                    (more, less)
                };
                assert!(
                    says(t, bad),
                    "{c:?} {p:?} {lang:?}: {t:?} should say it is worse"
                );
                assert!(
                    !says(t, good),
                    "{c:?} {p:?} {lang:?}: {t:?} reads as better"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 2 * CRITERIA.len() * 4);
}

#[test]
fn the_pages_use_the_oriented_words() {
    // A low turnover, a good position, on the counsellors' page and in the list's strengths.
    let rows: Vec<engagement::report::CounsellorRow> =
        serde_json::from_str(include_str!("../fixtures/report/counsellor_rows.json")).unwrap();
    let mut r = rows[0].clone();
    r.criteria = vec![engagement::report::CriterionPosition {
        key: engagement::indicators::Criterion::Turnover,
        position: Position::WellAbove,
    }];
    r.strengths = vec![engagement::indicators::Criterion::Turnover];
    for lang in [Lang::Fr, Lang::En] {
        let html = engagement::report::counsellor_page(std::slice::from_ref(&r), lang);
        let (more, less) = markers(lang);
        let row = &html[html.find("<details").unwrap()..];
        assert!(says(row, less), "{lang:?}");
        assert!(
            !row.contains("au-dessus") && !row.contains("above the"),
            "{lang:?}"
        );
        let _ = more;
    }
}

#[test]
fn the_pooled_sensitive_block_is_cited_or_said_plainly() {
    use engagement::indicators::Criterion;
    use engagement::score::publish::{FarFromEmployment, FarStatus};
    let rows: Vec<engagement::report::CounsellorRow> =
        serde_json::from_str(include_str!("../fixtures/report/counsellor_rows.json")).unwrap();
    let members = vec![
        Criterion::Boeth,
        Criterion::LongUnemployed,
        Criterion::FromIae,
    ];
    let with = |status| {
        let mut r = rows[0].clone();
        r.strengths.clear();
        r.far = FarFromEmployment {
            status,
            members: members.clone(),
        };
        r
    };
    let cases = [
        (FarStatus::Shown(Position::Above), true),
        (FarStatus::Shown(Position::Below), false),
        (FarStatus::TooFewPersons, false),
        (FarStatus::PartlyShown, false),
    ];
    for lang in [Lang::Fr, Lang::En] {
        let title = engagement::report::i18n::Msg::FarTitle.text(lang);
        for (status, reason) in cases {
            let r = with(status);
            let why = engagement::report::counsellor::why_listed(&r, lang);
            assert_eq!(why.contains(title), reason, "{status:?} {lang:?}: {why}");
            let html = engagement::report::counsellor_page(std::slice::from_ref(&r), lang);
            let words = engagement::report::i18n::far_words(&r.far, lang);
            let line = format!("<p class=\"far\">{title}");
            assert!(html.contains(&line), "{status:?} {lang:?}: no pooled line");
            assert!(html.contains(words), "{status:?} {lang:?}: {words}");
        }
        let plain = engagement::report::i18n::far_words(&with(FarStatus::TooFewPersons).far, lang);
        assert!(plain.contains("11"), "{plain}");
    }
}
