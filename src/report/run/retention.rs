//! The retention section: cohorts, Kaplan–Meier curves by employer group and by policy,
//! retention at the horizons, risk differences, log-rank and Cox.

use super::{cap, figure, table, Ctx};
use crate::config::Lang;
use crate::report::doc::{Align, Block, Table};
use crate::report::figures::{self, BandSeries};
use crate::report::i18n::{self, Msg};
use crate::report::results::{
    Arm, CoxTable, HorizonRow, KmCurve, LabelSource, LinkedCohort, RetentionSection, ReturnRow,
    RiskDifferenceRow,
};

pub(super) fn blocks(c: &Ctx, x: &RetentionSection) -> Vec<Block> {
    let mut b = vec![Block::para(c.t(Msg::RetentionIntro))];
    if let Some(l) = &x.linked {
        b.push(Block::Table(linked_table(c, l)));
    }
    if !x.return_to_work.is_empty() {
        b.push(Block::Table(return_table(c, &x.return_to_work)));
    }
    if !x.cohorts.is_empty() {
        b.push(Block::Table(cap(
            table(
                vec![
                    (c.t(Msg::ColCohort), Align::Left),
                    (c.t(Msg::ColN), Align::Right),
                    (c.t(Msg::ColHired), Align::Right),
                ],
                x.cohorts
                    .iter()
                    .map(|k| {
                        vec![
                            i18n::cohort_name(k.cohort, c.lang).into(),
                            c.int(k.n),
                            c.int(k.n_hired),
                        ]
                    })
                    .collect(),
            ),
            c.t(Msg::Cohorts),
        )));
    }
    for (curves, head, id) in [
        (&x.km_by_group, Msg::KmGroup, "km-by-group"),
        (&x.km_by_policy, Msg::KmPolicy, "km-by-policy"),
    ] {
        if curves.is_empty() {
            continue;
        }
        b.push(Block::Heading(c.t(head)));
        b.extend(figure(
            id,
            c.t(Msg::KmCaption),
            figures::km_steps(
                &km_series(c, curves),
                &c.axes(Msg::DaysAxis, Msg::SurvivalAxis, 0),
            ),
        ));
    }
    if !x.by_policy.is_empty() {
        let caption = if by_group(&x.by_policy) {
            Msg::RetentionByGroup
        } else {
            Msg::RetentionByPolicy
        };
        b.push(Block::Table(cap(
            horizon_table(c, &x.by_policy),
            c.t(caption),
        )));
    }
    if !x.risk_differences.is_empty() {
        b.push(Block::Table(risk_table(c, &x.risk_differences)));
    }
    if let Some(p) = &x.logrank {
        b.push(Block::Table(cap(
            table(
                vec![
                    (c.t(Msg::Statistic), Align::Right),
                    (c.t(Msg::Df), Align::Right),
                    (c.t(Msg::ColP), Align::Right),
                ],
                vec![vec![c.n(p.statistic, 3), c.n(p.df, 0), c.p(p.p_value)]],
            ),
            c.t(Msg::Logrank),
        )));
    }
    if let Some(cox) = &x.cox {
        b.push(Block::Table(cox_table(c, cox)));
    }
    b
}

fn km_series(c: &Ctx, curves: &[KmCurve]) -> Vec<BandSeries> {
    curves
        .iter()
        .map(|k| BandSeries {
            label: i18n::arm_name(k.arm, c.lang).into(),
            points: k
                .points
                .iter()
                .map(|p| (p.t, p.survival, p.ci_lower, p.ci_upper))
                .collect(),
        })
        .collect()
}

/// Whether horizon rows compare employer groups (labelled or not) rather than orientation
/// policies: a linked cohort's rows.
pub(crate) fn by_group(rows: &[HorizonRow]) -> bool {
    rows.iter()
        .all(|h| matches!(h.arm, Arm::Labelled | Arm::Other))
}

/// Retention at the horizons by policy or group, with the truth when known.
pub(crate) fn horizon_table(c: &Ctx, rows: &[HorizonRow]) -> Table {
    let has_truth = rows.iter().any(|h| h.truth.is_some());
    let first = if by_group(rows) {
        Msg::ColHiringEmployer
    } else {
        Msg::ColPolicy
    };
    let mut cols = vec![
        (c.t(first), Align::Left),
        (c.t(Msg::ColHorizon), Align::Right),
        (c.t(Msg::ColSurvival), Align::Right),
        (c.t(Msg::ColCi), Align::Right),
    ];
    if has_truth {
        cols.push((c.t(Msg::ColTruth), Align::Right));
    }
    let data = rows
        .iter()
        .map(|h| {
            let mut row = vec![
                i18n::arm_name(h.arm, c.lang).into(),
                c.days(h.horizon_days),
                c.pct(h.survival, 1),
                c.pci(h.ci_lower, h.ci_upper, 1),
            ];
            if has_truth {
                row.push(h.truth.map(|v| c.pct(v, 1)).unwrap_or_default());
            }
            row
        })
        .collect();
    table(cols, data)
}

fn risk_table(c: &Ctx, rows: &[RiskDifferenceRow]) -> Table {
    let has_truth = rows.iter().any(|r| r.truth.is_some());
    let mut cols = vec![
        (c.t(Msg::ColComparison), Align::Left),
        (c.t(Msg::ColMethod), Align::Left),
        (c.t(Msg::ColHorizon), Align::Right),
        (c.t(Msg::ColDifference), Align::Right),
        (c.t(Msg::ColSe), Align::Right),
        (c.t(Msg::ColCi), Align::Right),
    ];
    if has_truth {
        cols.push((c.t(Msg::ColTruth), Align::Right));
    }
    let data = rows
        .iter()
        .map(|r| {
            // Differences of shares, shown in percentage points with 1 decimal.
            let mut row = vec![
                i18n::contrast_name(r.comparison, c.lang).into(),
                i18n::method_name(r.method, c.lang).into(),
                c.days(r.horizon_days),
                c.n(100.0 * r.difference, 1),
                c.n(100.0 * r.se, 1),
                c.ci(100.0 * r.ci_lower, 100.0 * r.ci_upper, 1),
            ];
            if has_truth {
                row.push(r.truth.map(|v| c.n(100.0 * v, 1)).unwrap_or_default());
            }
            row
        })
        .collect();
    let unit = match c.lang {
        Lang::Fr => "points de pourcentage",
        Lang::En => "percentage points",
    };
    cap(
        table(cols, data),
        format!("{} ({unit})", c.t(Msg::RiskDifferences)),
    )
}

fn cox_table(c: &Ctx, cox: &CoxTable) -> Table {
    let ties = match (cox.ties.as_str(), c.lang) {
        ("efron", _) => "Efron".to_string(),
        ("breslow", _) => "Breslow".to_string(),
        (other, _) => other.to_string(),
    };
    cap(
        table(
            vec![
                (c.t(Msg::ColVariable), Align::Left),
                (c.t(Msg::ColCoef), Align::Right),
                (c.t(Msg::ColSe), Align::Right),
                (c.t(Msg::ColHr), Align::Right),
                (c.t(Msg::ColCi), Align::Right),
                (c.t(Msg::ColP), Align::Right),
            ],
            cox.terms
                .iter()
                .map(|t| {
                    vec![
                        i18n::covariate_name(&t.name, c.lang),
                        c.n(t.coef, 3),
                        c.n(t.se, 3),
                        c.n(t.hazard_ratio, 3),
                        c.ci(t.ci_lower, t.ci_upper, 3),
                        c.p(t.p_value),
                    ]
                })
                .collect(),
        ),
        format!(
            "{} — {} ; n = {} ; {} {}",
            c.t(Msg::Cox),
            c.kv(&c.t(Msg::Ties), &ties),
            c.int(cox.n),
            c.int(cox.events),
            c.t(Msg::Events)
        ),
    )
}

fn linked_table(c: &Ctx, l: &LinkedCohort) -> Table {
    let labels = match l.label_source {
        LabelSource::Awarded => Msg::LabelsAwarded,
        LabelSource::Computed => Msg::LabelsComputed,
    };
    cap(
        table(
            vec![
                (c.t(Msg::ColVariable), Align::Left),
                (c.t(Msg::ColValue), Align::Right),
            ],
            vec![
                vec![c.t(Msg::LinkedPersons), c.int(l.persons)],
                vec![c.t(Msg::LinkedInDsn), c.int(l.in_dsn)],
                vec![c.t(Msg::LinkedHired), c.int(l.hired)],
                vec![c.t(Msg::LinkedInWindow), c.int(l.hired_in_window)],
                vec![c.t(Msg::LinkedLabelled), c.int(l.hires_labelled)],
                vec![c.t(Msg::LinkedUnscored), c.int(l.hires_unscored)],
                vec![c.t(Msg::LinkedLabels), c.t(labels)],
                vec![c.t(Msg::Extraction), l.extraction.clone()],
            ],
        ),
        c.t(Msg::LinkedCohort),
    )
}

fn return_table(c: &Ctx, rows: &[ReturnRow]) -> Table {
    cap(
        table(
            vec![
                (c.t(Msg::ColGroup), Align::Left),
                (c.t(Msg::ColN), Align::Right),
                (c.t(Msg::ColHired), Align::Right),
                (c.t(Msg::ColHorizon), Align::Right),
                (c.t(Msg::ColShareHired), Align::Right),
                (c.t(Msg::ColCi), Align::Right),
            ],
            rows.iter()
                .map(|r| {
                    vec![
                        i18n::arm_name(r.arm, c.lang).into(),
                        c.int(r.persons),
                        c.int(r.hired),
                        c.days(r.horizon_days),
                        c.pct(r.incidence, 1),
                        c.pci(r.ci_lower, r.ci_upper, 1),
                    ]
                })
                .collect(),
        ),
        c.t(Msg::ReturnToWork),
    )
}
