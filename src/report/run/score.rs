//! The score section: criteria and weights, peer groups, label rules, the distribution,
//! labels by sector and zone (secret cells shown as secret), transitions and anonymised
//! example explanations.

use super::{cap, figure, table, Ctx};
use crate::config::Lang;
use crate::report::doc::{Align, Block, Table};
use crate::report::figures;
use crate::report::i18n::{self, Msg};
use crate::report::results::{AwardedAgreement, Explanation, GroupLevels, LevelDef, ScoreSection};

pub(super) fn blocks(c: &Ctx, s: &ScoreSection) -> Vec<Block> {
    let mut b = vec![Block::para(c.t(Msg::ScoreIntro))];
    if !s.reference_period.is_empty() {
        b.push(Block::para(
            c.kv(&c.t(Msg::ReferencePeriod), &s.reference_period),
        ));
    }
    b.push(Block::KeyFigures(vec![
        crate::report::doc::KeyFigure {
            label: c.t(Msg::ScoredEstablishments),
            value: c.int(s.n_scored),
            detail: None,
        },
        crate::report::doc::KeyFigure {
            label: c.t(Msg::NotCalculable),
            value: c.int(s.n_not_calculable),
            detail: None,
        },
    ]));
    if !s.criteria.is_empty() {
        b.push(Block::Table(criteria_table(c, s)));
    }
    b.push(Block::Table(peer_table(c, s)));
    if !s.levels.is_empty() {
        b.push(Block::Table(levels_table(c, s)));
    }
    b.extend(distribution(c, s));
    b.extend(by_group(c, s));
    if !s.label_transitions.is_empty() {
        b.push(Block::Table(cap(
            table(
                vec![
                    (c.t(Msg::ColFrom), Align::Left),
                    (c.t(Msg::ColTo), Align::Left),
                    (c.t(Msg::ColCount), Align::Right),
                ],
                s.label_transitions
                    .iter()
                    .map(|t| {
                        vec![
                            i18n::label_name(t.from, c.lang).to_string(),
                            i18n::label_name(t.to, c.lang).to_string(),
                            c.count(t.count),
                        ]
                    })
                    .collect(),
            ),
            c.t(Msg::Transitions),
        )));
    }
    if !s.awarded.is_empty() {
        b.push(Block::Table(awarded_table(c, &s.awarded)));
    }
    if !s.examples.is_empty() {
        b.push(Block::Heading(c.t(Msg::Examples)));
        b.extend(s.examples.iter().map(|e| Block::Table(example(c, e))));
    }
    b
}

fn criteria_table(c: &Ctx, s: &ScoreSection) -> Table {
    cap(
        table(
            vec![
                (c.t(Msg::ColCriterion), Align::Left),
                (c.t(Msg::ColDirection), Align::Left),
                (c.t(Msg::ColWeight), Align::Right),
            ],
            s.criteria
                .iter()
                .map(|k| {
                    vec![
                        i18n::criterion_name(k.key, c.lang).into(),
                        if k.direction < 0 {
                            c.t(Msg::LessIsBetter)
                        } else {
                            c.t(Msg::MoreIsBetter)
                        },
                        c.pct(k.weight, 1),
                    ]
                })
                .collect(),
        ),
        c.t(Msg::Criteria),
    )
}

fn peer_table(c: &Ctx, s: &ScoreSection) -> Table {
    let pg = &s.peer_groups;
    let size = match c.lang {
        Lang::Fr => "tranche de taille",
        Lang::En => "size band",
    };
    let mut rows = vec![
        vec![
            c.t(Msg::PeerDefinition),
            pg.base
                .map(|r| format!("{} × {size}", i18n::rung_words(r, c.lang)))
                .unwrap_or_default(),
        ],
        vec![c.t(Msg::PeerMinSize), c.int(pg.min_size)],
        vec![
            c.t(Msg::PeerFallback),
            pg.fallback
                .iter()
                .map(|r| i18n::rung_words(*r, c.lang))
                .collect::<Vec<_>>()
                .join(" → "),
        ],
    ];
    if let Some(v) = pg.share_in_base_group {
        rows.push(vec![c.t(Msg::PeerShareBase), c.pct(v, 1)]);
    }
    cap(
        table(
            vec![
                (c.t(Msg::ColVariable), Align::Left),
                (c.t(Msg::ColValue), Align::Left),
            ],
            rows,
        ),
        c.t(Msg::PeerGroups),
    )
}

/// A level's rule in words.
fn rule(c: &Ctx, l: &LevelDef) -> String {
    let pc = c.n(100.0 * l.percentile, 0);
    let mut s = match (c.lang, l.label.level()) {
        (Lang::Fr, Some(0)) => format!("score < {pc}e percentile des pairs"),
        (Lang::En, Some(0)) => format!("score < peers' {pc}th percentile"),
        (Lang::Fr, _) => format!("score ≥ {pc}e percentile des pairs"),
        (Lang::En, _) => format!("score ≥ peers' {pc}th percentile"),
    };
    for g in &l.gates {
        let name = i18n::criterion_name(g.criterion, c.lang).to_lowercase();
        let share = c.n(100.0 * g.worst_share, 0);
        let lvl = i18n::level_name(g.max_level, c.lang);
        s.push_str(&match c.lang {
            Lang::Fr => format!(
                " ; au plus « {lvl} » si {name} dans les {share} % les moins bons des pairs"
            ),
            Lang::En => format!("; at most “{lvl}” if {name} is in the peers' worst {share}%"),
        });
    }
    s
}

fn levels_table(c: &Ctx, s: &ScoreSection) -> Table {
    cap(
        table(
            vec![
                (c.t(Msg::ColLevel), Align::Right),
                (c.t(Msg::ColLabel), Align::Left),
                (c.t(Msg::ColRule), Align::Left),
                (c.t(Msg::ColCount), Align::Right),
            ],
            s.levels
                .iter()
                .map(|l| {
                    let lvl = l.label.level().unwrap_or(0);
                    vec![
                        lvl.to_string(),
                        i18n::label_name(l.label, c.lang).into(),
                        rule(c, l),
                        s.labels_by_level
                            .get(lvl as usize)
                            .map(|n| c.count(*n))
                            .unwrap_or_default(),
                    ]
                })
                .collect(),
        ),
        c.t(Msg::Levels),
    )
}

fn distribution(c: &Ctx, s: &ScoreSection) -> Vec<Block> {
    let mut b = vec![Block::Heading(c.t(Msg::ScoreDistribution))];
    if let Some(h) = &s.histogram {
        b.extend(figure(
            "score-histogram",
            c.t(Msg::ScoreDistribution),
            figures::histogram(
                &h.edges,
                &h.counts,
                &c.t(Msg::Suppressed),
                &c.axes(Msg::ScoreAxis, Msg::EstablishmentsAxis, 0),
            ),
        ));
        if h.counts.iter().any(Option::is_none) {
            b.push(Block::para(c.t(Msg::SecrecyNote)));
        }
    }
    if let Some(d) = &s.summary {
        b.push(Block::Table(cap(
            table(
                vec![
                    (c.t(Msg::ColN), Align::Right),
                    (c.t(Msg::Mean), Align::Right),
                    ("P10".into(), Align::Right),
                    ("P25".into(), Align::Right),
                    (c.t(Msg::Median), Align::Right),
                    ("P75".into(), Align::Right),
                    ("P90".into(), Align::Right),
                ],
                vec![vec![
                    c.int(d.n),
                    c.n(d.mean, 1),
                    c.n(d.p10, 1),
                    c.n(d.p25, 1),
                    c.n(d.median, 1),
                    c.n(d.p75, 1),
                    c.n(d.p90, 1),
                ]],
            ),
            c.t(Msg::ScoreSummary),
        )));
    }
    b
}

fn level_counts_table(c: &Ctx, rows: &[GroupLevels], n_levels: usize, first: Msg) -> Table {
    let mut cols = vec![(c.t(Msg::ColCode), Align::Left), (c.t(first), Align::Left)];
    for l in 0..n_levels {
        cols.push((i18n::level_name(l as u8, c.lang).to_string(), Align::Right));
    }
    let data = rows
        .iter()
        .map(|g| {
            let mut row = vec![g.code.clone(), g.name.clone()];
            for l in 0..n_levels {
                row.push(g.counts.get(l).map(|n| c.count(*n)).unwrap_or_default());
            }
            row
        })
        .collect();
    let mut t = table(cols, data);
    if rows.iter().any(|g| g.suppressed) {
        t.notes.push(c.t(Msg::SecrecyNote));
    }
    t
}

fn level_bars(
    c: &Ctx,
    rows: &[GroupLevels],
    n_levels: usize,
    axis: Msg,
) -> Result<String, figures::FigureError> {
    // Only rows without a secret cell are drawn: a hidden count is never drawn as 0.
    let shown: Vec<&GroupLevels> = rows.iter().filter(|g| !g.suppressed).collect();
    // Zones are named (Rennes, Redon), sections keep their letter: their names are long.
    let by_name = axis == Msg::Zone;
    let cats: Vec<String> = shown
        .iter()
        .map(|g| if by_name { &g.name } else { &g.code }.clone())
        .collect();
    let stacks: Vec<(String, Vec<f64>)> = (0..n_levels)
        .map(|l| {
            (
                i18n::level_name(l as u8, c.lang).to_string(),
                shown
                    .iter()
                    .map(|g| g.counts.get(l).copied().flatten().unwrap_or(0) as f64)
                    .collect(),
            )
        })
        .collect();
    let axes = figures::Axes {
        x_label: format!("{} (%)", c.t(Msg::ColShare)),
        y_label: c.t(axis),
        lang: c.lang,
        y_decimals: 0,
        x_tick_labels: vec![],
    };
    figures::stacked_share_bars(&cats, &stacks, &figures::LEVEL_COLOURS, &axes)
}

fn by_group(c: &Ctx, s: &ScoreSection) -> Vec<Block> {
    let mut b = Vec::new();
    let n_levels = s.labels_by_level.len().max(
        s.labels_by_sector
            .iter()
            .chain(&s.labels_by_zone)
            .map(|g| g.counts.len())
            .max()
            .unwrap_or(0),
    );
    for (rows, head, axis, id) in [
        (
            &s.labels_by_sector,
            Msg::LabelsBySector,
            Msg::Sector,
            "labels-by-sector",
        ),
        (
            &s.labels_by_zone,
            Msg::LabelsByZone,
            Msg::Zone,
            "labels-by-zone",
        ),
    ] {
        if rows.is_empty() {
            continue;
        }
        b.push(Block::Heading(c.t(head)));
        b.extend(figure(id, c.t(head), level_bars(c, rows, n_levels, axis)));
        b.push(Block::Table(level_counts_table(c, rows, n_levels, axis)));
    }
    b
}

fn example(c: &Ctx, e: &Explanation) -> Table {
    let name = match c.lang {
        Lang::Fr => format!("Établissement {}", e.letter),
        Lang::En => format!("Establishment {}", e.letter),
    };
    let head = format!(
        "{name} — {}, {}, {} — {} {} {}, {}",
        e.sector,
        i18n::size_band(e.size_band, c.lang),
        e.zone,
        c.t(Msg::Score).to_lowercase(),
        c.opt(e.score, 1),
        match (e.score_lower, e.score_upper) {
            (Some(l), Some(h)) => c.ci(l, h, 1),
            _ => String::new(),
        },
        i18n::label_name(e.label, c.lang)
    );
    let mut t = cap(
        table(
            vec![
                (c.t(Msg::ColCriterion), Align::Left),
                (c.t(Msg::ColPosition), Align::Left),
                (c.t(Msg::ColSubScore), Align::Right),
                (c.t(Msg::ColContribution), Align::Right),
            ],
            e.criteria
                .iter()
                .map(|k| {
                    vec![
                        i18n::criterion_name(k.key, c.lang).into(),
                        i18n::position_words(k.key, k.position, c.lang).into(),
                        c.opt(k.sub_score, 1),
                        c.opt(k.contribution, 1),
                    ]
                })
                .collect(),
        ),
        head,
    );
    t.notes.push(c.t(Msg::ExamplesNote));
    t
}

/// Awarded against computed labels per period; counts of one or two establishments are
/// secret.
fn awarded_table(c: &Ctx, rows: &[AwardedAgreement]) -> Table {
    let count = |n: u64| {
        if (1..3).contains(&n) {
            c.t(Msg::Suppressed)
        } else {
            c.int(n)
        }
    };
    let mut t = cap(
        table(
            vec![
                (c.t(Msg::Period), Align::Left),
                (c.t(Msg::ColN), Align::Right),
                (c.t(Msg::ColAgreement), Align::Right),
                (c.t(Msg::ColKappa), Align::Right),
                (c.t(Msg::ColAwardedLabelled), Align::Right),
                (c.t(Msg::ColComputedLabelled), Align::Right),
                (c.t(Msg::ColAwardedNotComputed), Align::Right),
                (c.t(Msg::ColComputedNotAwarded), Align::Right),
                (c.t(Msg::ColAwardedNc), Align::Right),
            ],
            rows.iter()
                .map(|a| {
                    vec![
                        a.period.clone(),
                        count(a.n),
                        c.pct(a.agreement, 1),
                        a.kappa.map(|k| c.n(k, 2)).unwrap_or_default(),
                        count(a.labelled_awarded),
                        count(a.labelled_computed),
                        count(a.awarded_not_computed),
                        count(a.computed_not_awarded),
                        count(a.awarded_not_calculable),
                    ]
                })
                .collect(),
        ),
        c.t(Msg::AwardedTable),
    );
    t.notes.push(c.t(Msg::SecrecyNote));
    t
}
