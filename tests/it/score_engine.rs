//! Scoring invariants on a small generated territory: calculability, explanations,
//! labels and gates, determinism, output round trip, sensitivity, the counsellors' list and
//! its privacy rules, and the CLI.

use engagement::config::{Experiment, Lang};
use engagement::indicators::{Criterion, CRITERIA};
use engagement::reference::Reference;
use engagement::score::{self, io, list, privacy, sensitivity, NonCalculable, ScoreOutput};
use engagement::synth;
use std::path::Path;
use std::sync::OnceLock;

const EXP: &str = "tests/fixtures/score/small.toml";

fn setup() -> &'static (Experiment, engagement::model::Dataset, ScoreOutput) {
    static CELL: OnceLock<(Experiment, engagement::model::Dataset, ScoreOutput)> = OnceLock::new();
    CELL.get_or_init(|| {
        let r = Reference::load();
        let e = Experiment::from_file(Path::new(EXP), &r).unwrap();
        let s = synth::generate(&e, &r, false).unwrap();
        let out = score::run(&s.dataset, &e.score, &r).unwrap();
        (e, s.dataset, out)
    })
}

#[test]
fn non_calculable_is_never_a_zero() {
    let (e, _, out) = setup();
    let p = &e.score;
    let mut n_calc = 0;
    for (s, r) in out.scores.iter().zip(&out.indicators.rows) {
        assert_eq!((s.siret, s.period), (r.siret, r.period));
        match s.non_calculable {
            Some(reason) => {
                assert!(s.composite.is_none() && s.label.is_none() && s.lower.is_none());
                match reason {
                    NonCalculable::SmallHeadcount => assert!(r.headcount < p.min_headcount),
                    NonCalculable::FewHires => assert!(r.hires < p.min_hires),
                    NonCalculable::FewCriteria => {}
                }
            }
            None => {
                n_calc += 1;
                let c = s.composite.unwrap();
                let (lo, hi) = (s.lower.unwrap(), s.upper.unwrap());
                assert!((0.0..=100.0).contains(&c));
                assert!(lo <= c + 1e-9 && c <= hi + 1e-9, "{lo} {c} {hi}");
                assert!(s.label.is_some());
                assert!(r.headcount >= p.min_headcount && r.hires >= p.min_hires);
            }
        }
        for (k, sub) in s.subscores.iter().enumerate() {
            if let Some(v) = sub {
                assert!((0.0..=100.0).contains(v), "{:?} {v}", CRITERIA[k]);
            }
        }
    }
    assert!(n_calc > 200, "{n_calc} calculable rows");
}

#[test]
fn contributions_sum_to_the_composite() {
    let (_, _, out) = setup();
    let mut checked = 0;
    for i in (0..out.scores.len())
        .filter(|&i| out.scores[i].composite.is_some())
        .step_by(7)
    {
        let ex = out.explain(i);
        assert_eq!(ex.len(), Criterion::COUNT);
        let sum: f64 = ex.iter().filter_map(|e| e.contribution).sum();
        let c = out.scores[i].composite.unwrap();
        // Sub-scores are stored as f32: allow their rounding.
        assert!((sum - c).abs() < 1e-3, "row {i}: {sum} vs {c}");
        for e in &ex {
            assert_eq!(
                e.subscore.is_some(),
                e.position != score::Position::NotCalculable
            );
            if e.subscore.is_some() {
                assert!(e.value.is_some() && e.peer_median.is_some());
            }
        }
        checked += 1;
    }
    assert!(checked > 20);
}

#[test]
fn labels_follow_peer_percentiles_and_gates() {
    let (e, _, out) = setup();
    let p = &e.score;
    let gate = p.gates[0];
    assert_eq!(gate.criterion, Criterion::AtMpFrequency);
    let (mut labelled, mut scored, mut gated) = (0, 0, 0);
    for s in &out.scores {
        let (Some(l), Some(q)) = (s.label, s.peer_percentile) else {
            continue;
        };
        scored += 1;
        let by_threshold = p.label_thresholds.iter().filter(|&&t| q >= t).count() as u8;
        let at = s.subscores[Criterion::AtMpFrequency as usize];
        if at.is_some_and(|v| (v as f64) <= 100.0 * gate.worst_share) && by_threshold > 0 {
            assert_eq!(l, 0, "gated");
            assert_eq!(s.gated_by, Some(Criterion::AtMpFrequency));
            gated += 1;
        } else {
            assert_eq!(l, by_threshold);
        }
        if l > 0 {
            labelled += 1;
        }
    }
    // Thresholds at the 70th percentile: about 30% labelled before gates.
    let share = labelled as f64 / scored as f64;
    assert!((0.15..=0.35).contains(&share), "labelled share {share}");
    assert!(gated > 0, "the AT/MP gate should bite somewhere");
    // Label changes are consistent with consecutive rows.
    for c in &out.label_changes {
        assert_ne!(c.from, c.to);
    }
}

#[test]
fn scoring_is_deterministic_and_round_trips() {
    let (e, ds, out) = setup();
    let r = Reference::load();
    let again = score::run(ds, &e.score, &r).unwrap();
    assert!(&again == out, "two runs differ");
    let dir = tempfile::tempdir().unwrap();
    let paths = io::write_outputs(out, dir.path()).unwrap();
    assert!(paths.iter().any(|p| p.ends_with("scores.parquet")));
    assert!(dir.path().join("explanations.csv").exists());
    let back = io::read_outputs(dir.path()).unwrap();
    // JSON floats round-trip to within one ulp (serde_json's default parser).
    assert_eq!(back.params, out.params);
    assert_eq!(back.establishments, out.establishments);
    assert_eq!(back.label_changes, out.label_changes);
    assert_eq!(back.indicators.periods, out.indicators.periods);
    assert_eq!(back.scores.len(), out.scores.len());
    let close = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(x), Some(y)) => (x - y).abs() <= 1e-12 * x.abs().max(1.0),
        (None, None) => true,
        _ => false,
    };
    for (a, b) in back.scores.iter().zip(&out.scores) {
        assert_eq!(
            (
                a.siret,
                a.period,
                a.label,
                a.gated_by,
                a.subscores,
                a.peer_group
            ),
            (
                b.siret,
                b.period,
                b.label,
                b.gated_by,
                b.subscores,
                b.peer_group
            )
        );
        assert!(close(a.composite, b.composite) && close(a.lower, b.lower));
    }
    for (a, b) in back.indicators.rows.iter().zip(&out.indicators.rows) {
        assert_eq!(
            (a.siret, a.hires, a.share_num),
            (b.siret, b.hires, b.share_num)
        );
        assert!(close(Some(a.headcount), Some(b.headcount)));
    }
}

#[test]
fn shrinkage_off_changes_scores_and_fallback_ladder_is_used() {
    let (e, ds, out) = setup();
    let r = Reference::load();
    let mut p = e.score.clone();
    p.shrinkage = false;
    let raw = score::run(ds, &p, &r).unwrap();
    let differ = raw
        .scores
        .iter()
        .zip(&out.scores)
        .filter(|(a, b)| a.composite != b.composite)
        .count();
    assert!(differ > 100, "{differ}");
    // With an impossible minimum, everyone falls back to the national, all-sector rung.
    p.min_peers = 100_000;
    let coarse = score::run(ds, &p, &r).unwrap();
    assert!(coarse
        .peer_groups
        .iter()
        .all(|g| g.rung.name() == "all×national"));
    // By default some establishments use a finer group.
    assert!(out
        .peer_groups
        .iter()
        .any(|g| g.rung.name() != "all×national"));
}

#[test]
fn small_zone_groups_fall_back_to_the_departement() {
    // Ille-et-Vilaine holds several ZE2020 zones: a (division, zone, band) group below
    // `min_peers` eligible establishments falls back to the (division, département, band)
    // group, and a large enough zone group is used as such.
    let (e, _, out) = setup();
    let p = &e.score;
    let eligible = |i: usize| {
        let r = &out.indicators.rows[i];
        r.headcount >= p.min_headcount && r.headcount > 0.0 && r.hires >= p.min_hires
    };
    let cell = |i: usize, geo: fn(&score::EstablishmentInfo) -> &str| {
        let r = &out.indicators.rows[i];
        let est = out.establishment(r.siret).unwrap();
        let band = score::peers::SizeBand::of(r.headcount);
        (
            r.period,
            est.naf[..2].to_string(),
            geo(est).to_string(),
            band,
        )
    };
    let mut zone_n = std::collections::HashMap::new();
    let mut dep_n = std::collections::HashMap::new();
    for i in (0..out.scores.len()).filter(|&i| eligible(i)) {
        *zone_n.entry(cell(i, |e| &e.zone)).or_insert(0usize) += 1;
        *dep_n.entry(cell(i, |e| &e.departement)).or_insert(0usize) += 1;
    }
    let (mut at_zone, mut at_dep) = (0, 0);
    for i in (0..out.scores.len()).filter(|&i| eligible(i)) {
        let g = &out.peer_groups[out.scores[i].peer_group as usize];
        let (nz, nd) = (
            zone_n[&cell(i, |e| &e.zone)],
            dep_n[&cell(i, |e| &e.departement)],
        );
        match g.rung.name().as_str() {
            "division×zone" => {
                assert!(nz >= p.min_peers);
                at_zone += 1;
            }
            "division×departement" => {
                assert!(nz < p.min_peers && nd >= p.min_peers, "{nz} {nd}");
                assert!(g.key.contains("|35|"), "{}", g.key);
                at_dep += 1;
            }
            _ => assert!(nz < p.min_peers && nd < p.min_peers, "{}", g.key),
        }
    }
    assert!(
        at_zone > 0 && at_dep > 0,
        "{at_zone} at zone, {at_dep} at département"
    );
}

#[test]
fn small_counts_are_shrunk_more() {
    // With shrinkage, an establishment whose few hires are all BOETH cannot reach the best
    // BOETH sub-score of its peers, unlike without shrinkage.
    let (e, _, out) = setup();
    let ci = Criterion::Boeth as usize;
    let mut found = false;
    for (s, r) in out.scores.iter().zip(&out.indicators.rows) {
        let (x, n) = r.counts(Criterion::Boeth, 12);
        if s.subscores[ci].is_some() && n <= 8.0 && x >= 1.0 {
            let g = &out.peer_groups[s.peer_group as usize].criteria[ci];
            let a = score::engine::adjust(r, Criterion::Boeth, g, 12).unwrap();
            // The shrunk share lies between the expectation and the raw share.
            let ex = a.expected.unwrap();
            assert!(
                a.adjusted >= ex.min(a.value) - 1e-12 && a.adjusted <= ex.max(a.value) + 1e-12,
                "{a:?}"
            );
            if n <= 5.0 && x == n {
                // All few hires BOETH: pulled well below 100%.
                assert!(a.adjusted < 0.9 * a.value, "{a:?}");
            }
            found = true;
        }
    }
    assert!(found);
    let _ = e;
}

#[test]
fn sensitivity_to_weights() {
    let (e, _, out) = setup();
    let same = sensitivity::compare(out, out, "a", "a").unwrap();
    assert_eq!(same.label_flips, 0);
    assert!((same.kendall_tau.unwrap() - 1.0).abs() < 1e-12);
    let w = engagement::commands::score::read_weights(Path::new(
        "tests/fixtures/score/weights_hiring_only.toml",
    ))
    .unwrap();
    let alt_p = e.score.with_weights(&w).unwrap();
    let alt = score::score_indicators(out.indicators.clone(), out.establishments.clone(), &alt_p);
    let s = sensitivity::compare(out, &alt, "base", "hiring").unwrap();
    let tau = s.kendall_tau.unwrap();
    assert!(tau > 0.0 && tau < 0.95, "τ = {tau}");
    assert!(s.label_flips > 0);
    assert_eq!(s.label_flips, s.up + s.down);
    assert_eq!(
        s.by_sector.values().map(|f| f.flips).sum::<u64>(),
        s.label_flips
    );
}

#[test]
fn list_is_ranked_private_and_rotates_fairly() {
    let (_, _, out) = setup();
    let r = Reference::load();
    let q = list::ListQuery {
        zone: Some("Ille-et-Vilaine".into()),
        include_unlabelled: true,
        ..Default::default()
    };
    let rows = list::build_list(out, &r, &q).unwrap();
    assert!(rows.len() > 50);
    for w in rows.windows(2) {
        assert!(
            (w[0].level(), w[0].score) >= (w[1].level(), w[1].score),
            "sorted by label then score"
        );
    }
    // Strengths are positions only, and only where privacy allows.
    let last = out.periods().len() as u32 - 1;
    for row in &rows {
        assert!(row.strengths.len() <= 3);
        let siret: u64 = row.siret.parse().unwrap();
        let i = out.row_index(siret, last).unwrap();
        for s in &row.strengths {
            assert!(privacy::can_cite(&out.indicators.rows[i], s.criterion, 12));
            assert!(s.position.is_favourable());
        }
    }
    // Zone by code gives the same list; a sector filter narrows it.
    let by_code = list::build_list(
        out,
        &r,
        &list::ListQuery {
            zone: Some("35".into()),
            include_unlabelled: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(by_code, rows);
    let section_i = list::build_list(
        out,
        &r,
        &list::ListQuery {
            sector: Some("I".into()),
            include_unlabelled: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(section_i.len() < rows.len() && section_i.iter().all(|x| x.naf.starts_with('5')));
    // Rotation: deterministic per seed, a permutation within each label.
    let rot = |seed| {
        list::build_list(
            out,
            &r,
            &list::ListQuery {
                rotate: Some(seed),
                ..Default::default()
            },
        )
        .unwrap()
    };
    let (a, b, c) = (rot(1), rot(1), rot(2));
    assert_eq!(a, b);
    assert_ne!(
        a.iter().map(|x| &x.siret).collect::<Vec<_>>(),
        c.iter().map(|x| &x.siret).collect::<Vec<_>>()
    );
    for w in a.windows(2) {
        assert!(w[0].level() >= w[1].level());
    }
    let mut s1: Vec<_> = a.iter().map(|x| x.siret.clone()).collect();
    let mut s2: Vec<_> = list::build_list(out, &r, &list::ListQuery::default())
        .unwrap()
        .into_iter()
        .map(|x| x.siret)
        .collect();
    s1.sort();
    s2.sort();
    assert_eq!(s1, s2);
    // Unknown period is an error naming the available ones.
    let err = list::build_list(
        out,
        &r,
        &list::ListQuery {
            period: Some("1999T1".into()),
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("1999T1") && err.contains("T4"), "{err}");
    let text = engagement::report::list::render_table(&rows[..5], Lang::Fr, None);
    assert!(text.starts_with("#") && text.contains("Niveau"));
    let csv = engagement::report::list::render_csv(&rows[..5], Lang::Fr);
    assert_eq!(csv.lines().count(), 6);
}

#[test]
fn summary_respects_statistical_secrecy() {
    let (_, _, out) = setup();
    let s = &out.summary;
    assert!(s.calculable > 0 && !s.by_sector_zone.is_empty());
    for c in &s.by_sector_zone {
        match c.secret {
            None => {
                assert!(c.scored.unwrap() >= privacy::MIN_UNITS);
                if let Some(h) = c.hires {
                    assert!(h >= privacy::MIN_PERSONS);
                }
            }
            Some(_) => assert!(c.scored.is_none() && c.mean_score.is_none()),
        }
    }
    // Label tables: every published count has 0 or at least 3 establishments, and no row
    // or column with a published total has exactly one hidden count (secondary suppression).
    for rows in [&s.by_section, &s.by_zone] {
        for r in rows.iter() {
            for n in r.counts.iter().flatten() {
                assert!(*n == 0 || *n >= privacy::MIN_UNITS, "{}: {n}", r.code);
            }
            let hidden = r.counts.iter().filter(|c| c.is_none()).count();
            assert!(hidden != 1 || r.total.is_none(), "row {}", r.code);
        }
        for l in 0..4 {
            let hidden = rows.iter().filter(|r| r.counts[l].is_none()).count();
            let total = s.labels.get(&l.to_string()).copied().flatten();
            assert!(hidden != 1 || total.is_none(), "level {l}");
        }
    }
    for b in &s.distribution {
        match b.count {
            Some(n) => assert!(n == 0 || n >= privacy::MIN_UNITS),
            None => assert!(b.secret.is_some()),
        }
    }
    assert!(s.distribution.iter().filter(|b| b.count.is_none()).count() != 1);
}

#[test]
fn cli_score_and_list() {
    let (_, ds, _) = setup();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    engagement::tables::write_dataset(ds, &data, engagement::tables::Format::Parquet).unwrap();
    let out = dir.path().join("scores");
    let bin = env!("CARGO_BIN_EXE_engagement");
    let st = std::process::Command::new(bin)
        .args(["-q", "score", "--data"])
        .arg(&data)
        .args(["-e", EXP, "-o"])
        .arg(&out)
        .args(["--weights", "tests/fixtures/score/weights_hiring_only.toml"])
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let sens: sensitivity::Sensitivity = serde_json::from_str(
        &std::fs::read_to_string(out.join("sensitivity_weights.json")).unwrap(),
    )
    .unwrap();
    assert!(sens.common > 0);
    let ls = std::process::Command::new(bin)
        .args(["list", "--scores"])
        .arg(&out)
        .args([
            "--zone", "35", "--top", "5", "--format", "json", "--lang", "en",
        ])
        .output()
        .unwrap();
    assert!(
        ls.status.success(),
        "{}",
        String::from_utf8_lossy(&ls.stderr)
    );
    let rows: Vec<list::ListRow> = serde_json::from_slice(&ls.stdout).unwrap();
    assert!(!rows.is_empty() && rows.len() <= 5);
    let rot = std::process::Command::new(bin)
        .args(["list", "--scores"])
        .arg(&out)
        .args(["--rotate", "--seed", "20261128", "--format", "csv", "--all"])
        .output()
        .unwrap();
    assert!(
        rot.status.success(),
        "{}",
        String::from_utf8_lossy(&rot.stderr)
    );
    assert!(String::from_utf8_lossy(&rot.stdout).starts_with("rank,siret,"));
    let bad = std::process::Command::new(bin)
        .args(["list", "--scores"])
        .arg(&out)
        .args(["--lang", "de"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("report.lang")
            || String::from_utf8_lossy(&bad.stderr).contains("de")
    );
}

#[test]
fn alternative_methods_run_and_stay_in_range() {
    let (e, ds, out) = setup();
    let r = Reference::load();
    let mut p = e.score.clone();
    p.subscore = score::SubscoreMethod::RobustZ;
    p.prior_strength = Some(20.0);
    p.sector_level = score::SectorLevel::Group;
    let alt = score::run(ds, &p, &r).unwrap();
    assert_eq!(alt.scores.len(), out.scores.len());
    let mut n = 0;
    for s in &alt.scores {
        if let Some(c) = s.composite {
            assert!((0.0..=100.0).contains(&c));
            n += 1;
        }
    }
    assert!(n > 200);
    assert!(alt
        .peer_groups
        .iter()
        .all(|g| g.criteria[Criterion::Boeth as usize]
            .kappa
            .is_none_or(|k| k == 20.0)));
    // Ranks stay close to the default method's.
    let s = sensitivity::compare(out, &alt, "percentile", "robust_z").unwrap();
    assert!(s.kendall_tau.unwrap() > 0.5, "{:?}", s.kendall_tau);
}
