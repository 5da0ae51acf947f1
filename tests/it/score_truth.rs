//! The score against the generator's outcome truth (fragile hires still in the job a year
//! later, per new hire), within peer groups: the default weighting must agree with it, a
//! deliberately bad weighting (durability reversed) must agree visibly less, and labels must
//! be better than chance at every level.

use crate::synth_generator::baseline_world;
use engagement::validity::{self, Weighting, WeightingKind};

#[test]
fn recomputed_composites_reproduce_the_engine() {
    let (e, _, _, scores) = baseline_world();
    let w = Weighting::experiment(&e.score);
    let mut n = 0;
    for row in &scores.scores {
        let c = w.composite(row, e.score.min_weight_share);
        assert_eq!(c.is_some(), row.composite.is_some(), "{row:?}");
        if let (Some(a), Some(b)) = (c, row.composite) {
            // Sub-scores are stored as f32.
            assert!((a - b).abs() < 1e-4, "{a} vs {b}");
            n += 1;
        }
    }
    assert!(n > 10_000, "{n} composites");
}

#[test]
fn default_weighting_agrees_with_the_outcome_truth_and_reversed_durability_does_not() {
    let (e, _, s, scores) = baseline_world();
    let report = validity::validate(scores, &s.truth, &Weighting::standard(&e.score));
    eprintln!("{}", validity::markdown(&report));
    let default = report.get(WeightingKind::Experiment).unwrap();
    let reversed = report.get(WeightingKind::DurabilityReversed).unwrap();
    let equal = report.get(WeightingKind::Equal).unwrap();
    assert!(default.n > 800, "{} scored", default.n);
    let rho = |a: &validity::Agreement| a.spearman.unwrap();
    assert!(rho(default) >= 0.5, "default {}", rho(default));
    assert!(rho(equal) >= 0.5, "equal {}", rho(equal));
    // The check tells weightings apart: reversing durability loses a lot of agreement,
    // overall, over periods and in every size band with enough establishments.
    assert!(
        rho(reversed) < rho(default) - 0.15,
        "reversed {} vs default {}",
        rho(reversed),
        rho(default)
    );
    assert!(
        reversed.spearman_mean_over_periods.unwrap()
            < default.spearman_mean_over_periods.unwrap() - 0.15
    );
    for g in default.by_size_band.iter().filter(|g| g.n >= 40) {
        let r = reversed
            .by_size_band
            .iter()
            .find(|x| x.group == g.group)
            .unwrap();
        assert!(
            r.spearman.unwrap() < g.spearman.unwrap(),
            "band {}: reversed {:?} vs default {:?}",
            g.group,
            r.spearman,
            g.spearman
        );
    }
    // Labels are better than chance at every level (chance = the level's top share).
    for p in &default.precision {
        assert!(p.labelled >= 20, "{p:?}");
        if p.top_share >= 0.15 {
            assert!(p.precision.unwrap() > p.top_share + 0.15, "{p:?}");
        }
        let r = &reversed.precision[p.level as usize - 1];
        assert!(
            r.precision.unwrap() <= p.precision.unwrap() + 0.02,
            "{r:?} vs {p:?}"
        );
    }
    assert!(default.labelled_above_median.unwrap() > 0.7);
    // Gamers look good on hiring profiles; durability keeps most of them out of the labels,
    // and reversing it lets more in.
    assert!(default.gamers_labelled.unwrap() < reversed.gamers_labelled.unwrap());
    // Each part of the truth is tracked.
    assert!(default.spearman_fragile_share.unwrap() > 0.4);
    assert!(default.spearman_retention.unwrap() > 0.2);
    assert!(reversed.spearman_retention.unwrap() < default.spearman_retention.unwrap() - 0.2);
}

#[test]
fn validity_by_sector_covers_the_scored_sectors() {
    let (e, _, s, scores) = baseline_world();
    let report = validity::validate(scores, &s.truth, &[Weighting::experiment(&e.score)]);
    let a = &report.weightings[0];
    let n: usize = a.by_sector.iter().map(|g| g.n).sum();
    assert_eq!(n, a.n);
    let n: usize = a.by_size_band.iter().map(|g| g.n).sum();
    assert_eq!(n, a.n);
    let big: Vec<_> = a.by_sector.iter().filter(|g| g.n >= 50).collect();
    assert!(big.len() >= 5, "{:?}", a.by_sector);
    assert!(big.iter().all(|g| g.spearman.unwrap() > 0.2), "{big:?}");
}
