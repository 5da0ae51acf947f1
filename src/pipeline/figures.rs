//! The figures a README quotes from a run, as a small JSON: `engagement run --figures FILE`.
//!
//! It is the run's `results.json` without what is bulky or establishment-level (example
//! explanations, per-establishment scores, curves, trajectories, the manifest): every number
//! the README cites is read from such a committed file, and a test compares the two.

use crate::report::RunResults;

/// The run's results, pruned to the figures worth quoting.
pub fn figures(r: &RunResults) -> RunResults {
    let mut f = r.clone();
    f.manifest = None;
    f.methods = None;
    if let Some(s) = &mut f.score {
        s.examples.clear();
        s.reference_scores.clear();
        s.labels_by_zone.clear();
        s.histogram = None;
    }
    if let Some(e) = &mut f.exposure {
        e.trajectories.clear();
        e.event_study.clear();
        e.cs_dynamic.clear();
        e.example_sheets.clear();
    }
    if let Some(x) = &mut f.retention {
        x.km_by_group.clear();
        x.km_by_policy.clear();
    }
    f
}
