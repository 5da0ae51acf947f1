//! The exposure section: design, balance, trajectories, estimates, event study,
//! Callaway–Sant'Anna dynamics, Monte Carlo and links to the example sheets.

use super::{cap, figure, table, Ctx};
use crate::config::Lang;
use crate::report::doc::{Align, Block, Inline, Table};
use crate::report::figures::{self, BandSeries, ErrorSeries};
use crate::report::i18n::{self, Msg};
use crate::report::results::{
    DynamicPoint, ExposureDesignInfo, ExposureSection, NamedEstimate, PretrendTest,
};

pub(super) fn blocks(c: &Ctx, e: &ExposureSection) -> Vec<Block> {
    let mut b = vec![Block::para(c.t(Msg::ExposureIntro))];
    b.extend(design(c, &e.design));
    if !e.balance.is_empty() {
        b.push(Block::Table(balance(c, e)));
    }
    b.extend(trajectories(c, e));
    if !e.estimates.is_empty() {
        b.push(Block::Heading(c.t(Msg::Estimates)));
        b.push(Block::Table(estimates_table(
            c,
            &e.estimates,
            e.design.true_effect,
        )));
    }
    b.extend(event_study(c, e));
    b.extend(cs_dynamic(c, e));
    b.extend(monte_carlo(c, e));
    if !e.example_sheets.is_empty() {
        b.push(Block::Heading(c.t(Msg::ExampleSheets)));
        b.push(Block::List(
            e.example_sheets
                .iter()
                .map(|s| {
                    vec![Inline::Link {
                        text: crate::report::feedback::link_text(s, c.lang),
                        href: s.href.clone(),
                    }]
                })
                .collect(),
        ));
    }
    b
}

fn description(c: &Ctx, d: &ExposureDesignInfo) -> String {
    if d.true_effect.is_none() && d.effect_size == 0.0 {
        return real_description(c, d);
    }
    let eff = i18n::signed_pct(d.effect_size, 1, c.lang);
    match c.lang {
        Lang::Fr => format!(
            "Parmi les {} établissements notés et non labellisés en {}, {} ont reçu leur résultat ({} y ont réagi). Effet visé : {eff} sur les parts d'embauches inclusives, après {} mois de délai et {} mois de montée en charge. L'effet vrai sur le score est connu grâce au contrefactuel simulé avec les mêmes nombres aléatoires.",
            c.int(d.n_eligible), d.baseline_period, c.int(d.n_exposed), c.int(d.n_responders), d.lag_months, d.ramp_months
        ),
        Lang::En => format!(
            "Of the {} establishments scored and not labelled in {}, {} were shown their result ({} responded). Targeted effect: {eff} on inclusive hiring shares, after a {}-month lag and a {}-month ramp. The true effect on the score is known from the counterfactual simulated with the same random numbers.",
            c.int(d.n_eligible), d.baseline_period, c.int(d.n_exposed), c.int(d.n_responders), d.lag_months, d.ramp_months
        ),
    }
}

/// A real exposure: the register's counts, no planted effect.
fn real_description(c: &Ctx, d: &ExposureDesignInfo) -> String {
    let counts = match c.lang {
        Lang::Fr => format!(
            "{} établissements éligibles en {} (notés et non labellisés), dont {} exposés d'après le registre et {} de comparaison.",
            c.int(d.n_eligible), d.baseline_period, c.int(d.n_exposed), c.int(d.n_comparison)
        ),
        Lang::En => format!(
            "{} establishments eligible in {} (scored and not labelled), of which {} exposed according to the register and {} in comparison.",
            c.int(d.n_eligible), d.baseline_period, c.int(d.n_exposed), c.int(d.n_comparison)
        ),
    };
    format!("{} {counts}", c.t(Msg::RealExposureIntro))
}

fn design(c: &Ctx, d: &ExposureDesignInfo) -> Vec<Block> {
    let mut rows = vec![
        vec![c.t(Msg::Design), i18n::design_name(d.kind, c.lang).into()],
        vec![c.t(Msg::ColExposed), c.int(d.n_exposed)],
        vec![c.t(Msg::ColComparison), c.int(d.n_comparison)],
    ];
    if !d.waves.is_empty() {
        rows.push(vec![c.t(Msg::Waves), d.waves.join(", ")]);
    }
    if let Some(v) = d.true_effect {
        rows.push(vec![c.t(Msg::TrueEffect), c.n(v, 2)]);
    }
    if let Some(v) = d.true_effect_on_exposed {
        rows.push(vec![c.t(Msg::TrueEffectExposed), c.n(v, 2)]);
    }
    if let Some(v) = d.true_effect_on_comparison {
        rows.push(vec![c.t(Msg::TrueEffectComparison), c.n(v, 2)]);
    }
    if let Some(v) = d.comparison_cells_affected {
        rows.push(vec![c.t(Msg::ComparisonCellsAffected), c.pct(v, 0)]);
    }
    if let Some(shared) = d.shared_pool {
        let m = if shared {
            Msg::PoolShared
        } else {
            Msg::PoolSeparate
        };
        rows.push(vec![c.t(Msg::JobSeekerPool), c.t(m)]);
    }
    if let Some(p) = d.power {
        rows.push(vec![c.t(Msg::Power), c.pct(p, 0)]);
    }
    vec![
        Block::Heading(c.t(Msg::Design)),
        Block::Table(table(
            vec![
                (c.t(Msg::ColVariable), Align::Left),
                (c.t(Msg::ColValue), Align::Left),
            ],
            rows,
        )),
        Block::para(description(c, d)),
    ]
}

fn balance(c: &Ctx, e: &ExposureSection) -> Table {
    let has_after = e.balance.iter().any(|r| r.smd_after.is_some());
    let mut cols = vec![
        (c.t(Msg::ColVariable), Align::Left),
        (c.t(Msg::ColExposed), Align::Right),
        (c.t(Msg::ColComparison), Align::Right),
        (c.t(Msg::ColSmdBefore), Align::Right),
    ];
    if has_after {
        cols.push((c.t(Msg::ColSmdAfter), Align::Right));
    }
    let rows = e
        .balance
        .iter()
        .map(|r| {
            let mut row = vec![
                i18n::covariate_name(&r.covariate, c.lang),
                c.n(r.mean_exposed, 2),
                c.n(r.mean_comparison, 2),
                c.n(r.smd_before, 3),
            ];
            if has_after {
                row.push(r.smd_after.map(|v| c.n(v, 3)).unwrap_or_default());
            }
            row
        })
        .collect();
    let mut t = cap(table(cols, rows), c.t(Msg::Balance));
    t.notes.push(c.t(Msg::BalanceNote));
    t
}

fn trajectories(c: &Ctx, e: &ExposureSection) -> Vec<Block> {
    if e.trajectories.is_empty() {
        return Vec::new();
    }
    let series: Vec<BandSeries> = e
        .trajectories
        .iter()
        .map(|tr| BandSeries {
            label: i18n::exposure_group(tr.group, c.lang).into(),
            points: tr
                .points
                .iter()
                .map(|p| (p.t, p.mean, p.ci_lower, p.ci_upper))
                .collect(),
        })
        .collect();
    let mut axes = c.axes(Msg::PeriodAxis, Msg::MeanScoreAxis, 0);
    let mut ticks: Vec<(f64, String)> = e
        .trajectories
        .iter()
        .flat_map(|tr| tr.points.iter().map(|p| (p.t, p.period.clone())))
        .collect();
    ticks.sort_by(|a, b| a.0.total_cmp(&b.0));
    ticks.dedup_by(|a, b| (a.0 - b.0).abs() < 1e-9);
    // Thin period labels so they stay readable.
    let step = ticks.len().div_ceil(10).max(1);
    axes.x_tick_labels = ticks
        .into_iter()
        .enumerate()
        .map(|(i, (t, s))| (t, if i % step == 0 { s } else { String::new() }))
        .collect();
    let mut b = vec![Block::Heading(c.t(Msg::Trajectories))];
    b.extend(figure(
        "trajectories",
        c.t(Msg::TrajectoriesCaption),
        figures::line_with_bands(&series, &axes),
    ));
    b
}

/// The estimates table, in score points; the truth under it.
pub(crate) fn estimates_table(c: &Ctx, est: &[NamedEstimate], truth: Option<f64>) -> Table {
    let mut t = table(
        vec![
            (c.t(Msg::ColEstimator), Align::Left),
            (c.t(Msg::ColEstimate), Align::Right),
            (c.t(Msg::ColSe), Align::Right),
            (c.t(Msg::ColCi), Align::Right),
            (c.t(Msg::ColP), Align::Right),
            (c.t(Msg::ColObs), Align::Right),
            (c.t(Msg::ColClusters), Align::Right),
        ],
        est.iter()
            .map(|e| {
                vec![
                    i18n::estimator_name(e.key, c.lang).into(),
                    c.n(e.estimate, 2),
                    c.n(e.se, 2),
                    c.ci(e.ci_lower, e.ci_upper, 2),
                    e.p_value.map(|p| c.p(p)).unwrap_or_default(),
                    e.n_obs.map(|n| c.int(n)).unwrap_or_default(),
                    e.n_clusters.map(|n| c.int(n)).unwrap_or_default(),
                ]
            })
            .collect(),
    );
    t.notes
        .push(c.kv(&c.t(Msg::ColEstimate), &c.t(Msg::PointsUnit)));
    if let Some(v) = truth {
        t.notes.push(c.kv(&c.t(Msg::TrueEffect), &c.n(v, 2)));
    }
    t
}

fn dyn_table(c: &Ctx, pts: &[DynamicPoint]) -> Table {
    table(
        vec![
            ("e".into(), Align::Right),
            (c.t(Msg::ColEstimate), Align::Right),
            (c.t(Msg::ColSe), Align::Right),
            (c.t(Msg::ColCi), Align::Right),
        ],
        pts.iter()
            .map(|p| {
                vec![
                    p.rel_time.to_string().replace('-', "−"),
                    c.n(p.estimate, 2),
                    c.n(p.se, 2),
                    c.ci(p.ci_lower, p.ci_upper, 2),
                ]
            })
            .collect(),
    )
}

/// The leads a pre-trend test covers: `≤ −4, −3, −2` when the early ones are binned.
fn leads_text(c: &Ctx, p: &PretrendTest) -> String {
    p.leads
        .iter()
        .map(|l| {
            let v = c.n(f64::from(*l), 0);
            match p.binned_below {
                Some(b) if b == *l => format!("≤ {v}"),
                _ => v,
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The headline pre-trend test (early leads binned) and the all-leads one, secondary.
fn pretrend(c: &Ctx, e: &ExposureSection) -> Vec<Block> {
    let rows: Vec<Vec<String>> = [
        (Msg::PretrendBinned, &e.pretrend),
        (Msg::PretrendAllLeads, &e.pretrend_all_leads),
    ]
    .into_iter()
    .filter_map(|(m, p)| {
        let p = p.as_ref()?;
        Some(vec![
            c.t(m),
            leads_text(c, p),
            c.n(p.statistic, 3),
            format!("{}, {}", c.n(p.df, 0), c.n(p.df2, 0)),
            c.p(p.p_value),
        ])
    })
    .collect();
    if rows.is_empty() {
        return Vec::new();
    }
    vec![
        Block::Table(cap(
            table(
                vec![
                    (c.t(Msg::PretrendTest), Align::Left),
                    (c.t(Msg::PretrendLeads), Align::Left),
                    (c.t(Msg::Statistic), Align::Right),
                    (c.t(Msg::Df), Align::Right),
                    (c.t(Msg::ColP), Align::Right),
                ],
                rows,
            ),
            c.t(Msg::Pretrend),
        )),
        Block::para(c.t(Msg::PretrendNote)),
    ]
}

fn event_study(c: &Ctx, e: &ExposureSection) -> Vec<Block> {
    let mut b = Vec::new();
    if !e.event_study.is_empty() {
        b.push(Block::Heading(c.t(Msg::EventStudy)));
        let mut points: Vec<(f64, f64, f64, f64)> = e
            .event_study
            .iter()
            .map(|p| (p.rel_time as f64, p.estimate, p.ci_lower, p.ci_upper))
            .collect();
        // The reference period −1 is 0 by construction: draw it when the results omit it.
        if !e.event_study.iter().any(|p| p.rel_time == -1) {
            points.push((-1.0, 0.0, 0.0, 0.0));
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        let s = vec![ErrorSeries {
            label: "TWFE".into(),
            points,
        }];
        b.extend(figure(
            "event-study",
            c.t(Msg::EventStudyCaption),
            figures::points_with_error_bars(
                &s,
                &c.axes(Msg::RelTimeAxis, Msg::EffectAxis, 1),
                Some(-0.5),
            ),
        ));
        b.push(Block::Table(dyn_table(c, &e.event_study)));
    }
    b.extend(pretrend(c, e));
    if !e.event_study.is_empty() {
        b.push(Block::warning(
            c.t(Msg::SunAbrahamTitle),
            c.t(Msg::SunAbraham),
        ));
    }
    b
}

fn cs_dynamic(c: &Ctx, e: &ExposureSection) -> Vec<Block> {
    if e.cs_dynamic.is_empty() {
        return Vec::new();
    }
    let s = vec![ErrorSeries {
        label: "Callaway–Sant'Anna".into(),
        points: e
            .cs_dynamic
            .iter()
            .map(|p| (p.rel_time as f64, p.estimate, p.ci_lower, p.ci_upper))
            .collect(),
    }];
    let mut b = vec![Block::Heading(c.t(Msg::CsDynamic))];
    b.extend(figure(
        "cs-dynamic",
        c.t(Msg::CsDynamicCaption),
        figures::points_with_error_bars(
            &s,
            &c.axes(Msg::RelTimeAxis, Msg::EffectAxis, 1),
            Some(-0.5),
        ),
    ));
    b.push(Block::Table(dyn_table(c, &e.cs_dynamic)));
    b
}

fn monte_carlo(c: &Ctx, e: &ExposureSection) -> Vec<Block> {
    if e.monte_carlo.is_empty() {
        return Vec::new();
    }
    vec![
        Block::Heading(c.t(Msg::MonteCarlo)),
        Block::Table(cap(
            table(
                vec![
                    (c.t(Msg::ColEstimator), Align::Left),
                    (c.t(Msg::ColTruth), Align::Right),
                    (c.t(Msg::ColBias), Align::Right),
                    (c.t(Msg::ColRmse), Align::Right),
                    (c.t(Msg::ColCoverage), Align::Right),
                    (c.t(Msg::ColRejection), Align::Right),
                ],
                e.monte_carlo
                    .iter()
                    .map(|m| {
                        vec![
                            i18n::estimator_name(m.estimator, c.lang).into(),
                            c.n(m.true_effect, 2),
                            c.n(m.bias, 3),
                            c.n(m.rmse, 3),
                            c.pct(m.coverage, 1),
                            c.pct(m.rejection_rate, 1),
                        ]
                    })
                    .collect(),
            ),
            format!(
                "{} {}",
                c.int(e.monte_carlo_replications),
                c.t(Msg::Replications)
            ),
        )),
    ]
}
