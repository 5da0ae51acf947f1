//! The validity table of the score section: each weighting's agreement with the generator's
//! outcome truth, overall, by size band and over periods, with label precision at each level.
//! It tells a researcher comparing weightings which one is closer to the goal.

use super::{cap, table, Ctx};
use crate::report::doc::{Align, Block};
use crate::report::i18n::Msg;
use crate::report::results::ValiditySection;
use crate::validity::WeightingKind;

const BANDS: [&str; 4] = ["1-9", "10-49", "50-249", "250+"];

pub(super) fn blocks(c: &Ctx, v: &ValiditySection) -> Vec<Block> {
    let f = |x: Option<f64>| x.map(|x| c.n(x, 2)).unwrap_or_default();
    let mut cols = vec![
        (c.t(Msg::ColWeighting), Align::Left),
        (c.t(Msg::ColSpearmanAll), Align::Right),
    ];
    cols.extend(BANDS.iter().map(|b| (b.to_string(), Align::Right)));
    cols.push((c.t(Msg::ColMeanOverPeriods), Align::Right));
    cols.extend(
        [30, 15, 5]
            .iter()
            .map(|k| (format!("{} {k} %", c.t(Msg::ColPrecisionTop)), Align::Right)),
    );
    let rows = v
        .weightings
        .iter()
        .map(|w| {
            let name = match w.kind {
                WeightingKind::Experiment => c.t(Msg::WeightingExperiment),
                WeightingKind::DurabilityReversed => c.t(Msg::WeightingReversed),
                WeightingKind::Equal => c.t(Msg::WeightingEqual),
                WeightingKind::File => w.key.clone(),
            };
            let mut row = vec![name, f(w.spearman)];
            for b in BANDS {
                let g = w.by_size_band.iter().find(|g| g.group == b);
                row.push(f(g.and_then(|g| g.spearman)));
            }
            row.push(f(w.spearman_mean_over_periods));
            row.extend(w.precision.iter().map(|p| f(p.precision)));
            row
        })
        .collect();
    vec![
        Block::Heading(c.t(Msg::ValidityHeading)),
        Block::para(c.t(Msg::ValidityIntro)),
        Block::Table(cap(table(cols, rows), v.period.clone())),
    ]
}
