//! The summary for decision makers: what was run, the labels, and the answers to the two
//! questions. The exposure answer leads with the estimate that answers the question (the
//! design-based difference in means for a randomised trial, Callaway–Sant'Anna for staggered
//! adoption) in score points out of 100, with a one-line reading of its interval and the
//! trial's power; the naive comparison is shown only as a caution.

use super::{not_run, quoted, Ctx};
use crate::report::doc::{Block, Inline, KeyFigure};
use crate::report::i18n::{self, Msg};
use crate::report::results::{
    Arm, Estimator, ExposureSection, NamedEstimate, RetentionSection, RunResults, ScoreSection,
};

pub(super) fn blocks(c: &Ctx, r: &RunResults) -> Vec<Block> {
    let mut b = Vec::new();
    if let Some(d) = &r.data {
        b.push(Block::Paragraph(vec![
            Inline::Strong(c.kv(&c.t(Msg::SumWhat), "").trim_end().to_string()),
            Inline::Text(format!(
                " {} — {} {}, {} {}, {} {} ({} {} – {}).",
                i18n::source_name(d.source, c.lang),
                c.int(d.n_establishments),
                c.t(Msg::Establishments),
                c.int(d.n_persons),
                c.t(Msg::Persons),
                c.int(d.n_contracts),
                c.t(Msg::Contracts),
                c.t(Msg::Period).to_lowercase(),
                d.period_start,
                d.period_end
            )),
        ]));
    }
    if let Some(s) = &r.score {
        b.push(score_figures(c, s));
    }
    if let Some(e) = &r.exposure {
        b.extend(exposure_answer(c, e));
    }
    if let Some(x) = &r.retention {
        b.extend(retention_answer(c, x));
    }
    if b.is_empty() {
        b = not_run(c);
    }
    b
}

fn score_figures(c: &Ctx, s: &ScoreSection) -> Block {
    let mut kf = vec![KeyFigure {
        label: c.t(Msg::ScoredEstablishments),
        value: c.int(s.n_scored),
        detail: Some(c.kv(&c.t(Msg::NotCalculable), &c.int(s.n_not_calculable))),
    }];
    for (lvl, n) in s.labels_by_level.iter().enumerate().skip(1) {
        kf.push(KeyFigure {
            label: format!(
                "{} {}",
                c.t(Msg::LabelledEstablishments),
                quoted(i18n::level_name(lvl as u8, c.lang), c.lang)
            ),
            value: c.count(*n),
            detail: Some(format!(
                "{} {}",
                c.t(Msg::ReferencePeriod).to_lowercase(),
                s.reference_period
            )),
        });
    }
    Block::KeyFigures(kf)
}

/// The estimate that answers the question for this design, if the run has it.
pub(crate) fn primary(e: &ExposureSection) -> Option<&NamedEstimate> {
    Estimator::primary_for(e.design.kind)
        .iter()
        .find_map(|k| e.estimates.iter().find(|x| x.key == *k))
}

fn interval_reading(c: &Ctx, x: &NamedEstimate) -> String {
    let m = if x.ci_lower > 0.0 {
        Msg::CiPositive
    } else if x.ci_upper < 0.0 {
        Msg::CiNegative
    } else {
        Msg::CiIncludesZero
    };
    format!("{} {}", c.t(Msg::CiReading), c.t(m))
}

fn exposure_answer(c: &Ctx, e: &ExposureSection) -> Vec<Block> {
    let Some(x) = primary(e) else {
        return Vec::new();
    };
    let mut b = vec![Block::Heading(c.t(Msg::MainEffects))];
    let mut kf = vec![KeyFigure {
        label: format!(
            "{} — {}",
            c.t(Msg::PrimaryEstimate),
            i18n::estimator_name(x.key, c.lang)
        ),
        value: format!("{} {}", c.n(x.estimate, 2), c.t(Msg::PointsUnit)),
        detail: Some(format!(
            "{} {}",
            c.t(Msg::ColCi),
            c.ci(x.ci_lower, x.ci_upper, 2)
        )),
    }];
    if let Some(v) = e.design.true_effect {
        kf.push(KeyFigure {
            label: c.t(Msg::TrueEffect),
            value: format!("{} {}", c.n(v, 2), c.t(Msg::PointsUnit)),
            detail: None,
        });
    }
    if let Some(p) = e.design.power {
        kf.push(KeyFigure {
            label: c.t(Msg::Power),
            value: c.pct(p, 0),
            detail: Some(c.t(Msg::PowerReading)),
        });
    }
    b.push(Block::KeyFigures(kf));
    b.push(Block::para(interval_reading(c, x)));
    if e.design.power.is_some_and(|p| p < 0.5) {
        b.push(Block::para(c.t(Msg::PowerLow)));
    }
    if let Some(n) = e
        .estimates
        .iter()
        .find(|x| x.key == Estimator::NaivePostDifference)
    {
        b.push(Block::warning(
            c.t(Msg::NaiveCaution),
            format!(
                "({} {}, {} {}) {}",
                c.n(n.estimate, 2),
                c.t(Msg::Points),
                c.t(Msg::ColCi),
                c.ci(n.ci_lower, n.ci_upper, 2),
                c.t(Msg::NaiveCautionText)
            ),
        ));
    }
    b
}

/// Usual contract lengths (3, 6 and 12 months, in days): a survival curve drops there.
const CONTRACT_DAYS: [(u32, u32); 3] = [(89, 93), (180, 184), (364, 367)];

/// Back to work at 6 and 12 months of everyone in the cohort, as key figures.
fn return_cards(c: &Ctx, x: &RetentionSection) -> Option<Block> {
    let kf: Vec<KeyFigure> = [(182, Msg::ReturnAt6Months), (365, Msg::ReturnAt12Months)]
        .into_iter()
        .filter_map(|(h, label)| {
            let r = x
                .return_to_work
                .iter()
                .find(|r| r.arm == Arm::Everyone && r.horizon_days == h)?;
            Some(KeyFigure {
                label: c.t(label),
                value: c.pct(r.incidence, 1),
                detail: Some(format!(
                    "{} {} {}",
                    c.int(r.persons),
                    c.t(Msg::ReturnCardDetail),
                    c.pci(r.ci_lower, r.ci_upper, 1)
                )),
            })
        })
        .collect();
    (!kf.is_empty()).then_some(Block::KeyFigures(kf))
}

fn retention_answer(c: &Ctx, x: &RetentionSection) -> Vec<Block> {
    if x.by_policy.is_empty() {
        return return_cards(c, x).into_iter().collect();
    }
    let heading = if super::retention::by_group(&x.by_policy) {
        Msg::RetentionHeadlineGroup
    } else {
        Msg::RetentionHeadline
    };
    let mut b = vec![Block::Heading(c.t(heading))];
    b.extend(return_cards(c, x));
    b.push(Block::Table(super::retention::horizon_table(
        c,
        &x.by_policy,
    )));
    let coincide = x.by_policy.iter().any(|h| {
        CONTRACT_DAYS
            .iter()
            .any(|(a, z)| (*a..=*z).contains(&h.horizon_days))
    });
    b.push(if coincide {
        Block::warning("!", c.t(Msg::RetentionHorizonCoincide))
    } else {
        Block::note("", c.t(Msg::RetentionHorizonNote))
    });
    b
}
