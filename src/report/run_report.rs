//! The run report: [`RunResults`] → [`Document`] with seven sections.
//!
//! Every number shown is read from `RunResults` and formatted, never recomputed: the report
//! is a view of `results.json` (a test parses both and compares). Missing sections render as
//! a one-line "not run" notice, so a partial run still gives a complete, valid report.

use super::doc::{Align, Block, Document, Figure, Inline, KeyFigure, Section, Table};
use super::figures::{self, Axes, BandSeries, ErrorSeries};
use super::i18n::{self, level_name, Msg};
use super::results::*;
use crate::config::Lang;

/// Section ids of the run report, in order (stable anchors, checked by tests).
pub const SECTION_IDS: [&str; 7] = [
    "summary",
    "data",
    "score",
    "exposure",
    "retention",
    "methods",
    "reproducibility",
];

struct Ctx {
    lang: Lang,
}

impl Ctx {
    fn t(&self, m: Msg) -> String {
        m.text(self.lang).to_string()
    }
    fn n(&self, x: f64, d: usize) -> String {
        i18n::num(x, d, self.lang)
    }
    fn int(&self, x: u64) -> String {
        i18n::int(x, self.lang)
    }
    /// A published count, or the secrecy marker (never 0) when it is hidden.
    fn count(&self, x: Option<u64>) -> String {
        x.map_or_else(|| self.t(Msg::Suppressed), |n| self.int(n))
    }
    fn pct(&self, x: f64, d: usize) -> String {
        i18n::pct(x, d, self.lang)
    }
    fn ci(&self, lo: f64, hi: f64, d: usize) -> String {
        i18n::interval(lo, hi, d, self.lang)
    }
    fn pci(&self, lo: f64, hi: f64, d: usize) -> String {
        i18n::pct_interval(lo, hi, d, self.lang)
    }
    fn opt(&self, x: Option<f64>, d: usize) -> String {
        i18n::opt_num(x, d, self.lang)
    }
    /// "label : value" (French spacing) or "label: value".
    fn kv(&self, k: &str, v: &str) -> String {
        match self.lang {
            Lang::Fr => format!("{k} : {v}"),
            Lang::En => format!("{k}: {v}"),
        }
    }
    fn p(&self, x: f64) -> String {
        i18n::p_value(x, self.lang)
    }
    fn axes(&self, x: Msg, y: Msg, y_decimals: usize) -> Axes {
        Axes {
            x_label: self.t(x),
            y_label: self.t(y),
            lang: self.lang,
            y_decimals,
            x_tick_labels: vec![],
        }
    }
}

/// Quotes a name: « x » in French, “x” in English.
fn quoted(s: &str, lang: Lang) -> String {
    match lang {
        Lang::Fr => format!("«\u{a0}{s}\u{a0}»"),
        Lang::En => format!("“{s}”"),
    }
}

/// First letter in upper case (for list words used as row labels).
fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn table(columns: Vec<(String, Align)>, rows: Vec<Vec<String>>) -> Table {
    Table {
        caption: None,
        columns,
        rows,
        notes: vec![],
    }
}

fn cap(mut t: Table, caption: String) -> Table {
    t.caption = Some(caption);
    t
}

fn figure(id: &str, caption: String, svg: Result<String, figures::FigureError>) -> Option<Block> {
    // Figures are drawn only from non-empty data; an error here means there was nothing to draw.
    svg.ok().map(|svg| {
        Block::Figure(Figure {
            id: id.to_string(),
            alt: caption.clone(),
            caption,
            svg,
        })
    })
}

fn not_run(c: &Ctx) -> Vec<Block> {
    vec![Block::para(c.t(Msg::NotInRun))]
}

/// Builds the run report document.
pub fn build_run_document(r: &RunResults, lang: Lang) -> Document {
    let c = Ctx { lang };
    let subtitle = r.manifest.as_ref().map(|m| {
        let mut s = format!("{} · {}", m.experiment, m.run_id);
        if !m.created_at.is_empty() {
            s.push_str(&format!(" · {}", m.created_at));
        }
        s
    });
    let sections = vec![
        Section {
            id: SECTION_IDS[0].into(),
            heading: c.t(Msg::SecSummary),
            blocks: summary(&c, r),
            page_break: false,
        },
        Section {
            id: SECTION_IDS[1].into(),
            heading: c.t(Msg::SecData),
            blocks: r
                .data
                .as_ref()
                .map(|d| data(&c, d))
                .unwrap_or_else(|| not_run(&c)),
            page_break: true,
        },
        Section {
            id: SECTION_IDS[2].into(),
            heading: c.t(Msg::SecScore),
            blocks: r
                .score
                .as_ref()
                .map(|s| score(&c, s))
                .unwrap_or_else(|| not_run(&c)),
            page_break: true,
        },
        Section {
            id: SECTION_IDS[3].into(),
            heading: c.t(Msg::SecExposure),
            blocks: r
                .exposure
                .as_ref()
                .map(|e| exposure(&c, e))
                .unwrap_or_else(|| not_run(&c)),
            page_break: true,
        },
        Section {
            id: SECTION_IDS[4].into(),
            heading: c.t(Msg::SecRetention),
            blocks: r
                .retention
                .as_ref()
                .map(|x| retention(&c, x))
                .unwrap_or_else(|| not_run(&c)),
            page_break: true,
        },
        Section {
            id: SECTION_IDS[5].into(),
            heading: c.t(Msg::SecMethods),
            blocks: methods(&c, r.methods.as_ref()),
            page_break: true,
        },
        Section {
            id: SECTION_IDS[6].into(),
            heading: c.t(Msg::SecRepro),
            blocks: reproducibility(&c, r.manifest.as_ref()),
            page_break: false,
        },
    ];
    Document {
        lang,
        title: c.t(Msg::ReportTitle),
        subtitle,
        sections,
    }
}

fn estimates_table(c: &Ctx, est: &[NamedEstimate], truth: Option<f64>) -> Table {
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
                    e.name.clone(),
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
    if let Some(v) = truth {
        t.notes.push(c.kv(&c.t(Msg::TrueEffect), &c.n(v, 2)));
    }
    t
}

fn horizon_table(c: &Ctx, rows: &[HorizonRow], group_col: Msg) -> Table {
    let has_truth = rows.iter().any(|h| h.truth.is_some());
    let mut cols = vec![
        (c.t(group_col), Align::Left),
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
                h.group.clone(),
                format!("{} {}", h.horizon_days, c.t(Msg::Days)),
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

fn summary(c: &Ctx, r: &RunResults) -> Vec<Block> {
    let mut b = Vec::new();
    if let Some(d) = &r.data {
        let src = if d.source == "dsn" {
            c.t(Msg::SumIngested)
        } else {
            c.t(Msg::SumSynthetic)
        };
        b.push(Block::Paragraph(vec![
            Inline::Strong(c.kv(&c.t(Msg::SumWhat), "").trim_end().to_string()),
            Inline::Text(format!(
                " {src} — {} {}, {} {}, {} {} ({} {} – {}).",
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
                    quoted(level_name(lvl as u8, c.lang), c.lang)
                ),
                value: c.count(*n),
                detail: Some(format!(
                    "{} {}",
                    c.t(Msg::ReferencePeriod).to_lowercase(),
                    s.reference_period
                )),
            });
        }
        b.push(Block::KeyFigures(kf));
    }
    if let Some(e) = &r.exposure {
        if !e.estimates.is_empty() {
            b.push(Block::Heading(c.t(Msg::MainEffects)));
            b.push(Block::KeyFigures(
                e.estimates
                    .iter()
                    .take(3)
                    .map(|x| KeyFigure {
                        label: x.name.clone(),
                        value: c.n(x.estimate, 2),
                        detail: Some(format!(
                            "{} {}",
                            c.t(Msg::ColCi),
                            c.ci(x.ci_lower, x.ci_upper, 2)
                        )),
                    })
                    .collect(),
            ));
            if let Some(v) = e.design.true_effect {
                b.push(Block::para(c.kv(&c.t(Msg::TrueEffect), &c.n(v, 2))));
            }
        }
    }
    if let Some(x) = &r.retention {
        if !x.by_policy.is_empty() {
            b.push(Block::Heading(c.t(Msg::RetentionByPolicy)));
            b.push(Block::Table(horizon_table(c, &x.by_policy, Msg::ColPolicy)));
        }
    }
    if b.is_empty() {
        b = not_run(c);
    }
    b
}

fn data(c: &Ctx, d: &DataSection) -> Vec<Block> {
    let mut b = vec![Block::para(c.t(Msg::DataIntro))];
    if !d.description.is_empty() {
        b.push(Block::para(d.description.clone()));
    }
    b.push(Block::Table(table(
        vec![
            (c.t(Msg::ColVariable), Align::Left),
            (c.t(Msg::ColValue), Align::Right),
        ],
        vec![
            vec![
                c.t(Msg::Source),
                if d.source == "dsn" {
                    c.t(Msg::SumIngested)
                } else {
                    c.t(Msg::SumSynthetic)
                },
            ],
            vec![
                c.t(Msg::Period),
                format!("{} – {}", d.period_start, d.period_end),
            ],
            vec![c.t(Msg::Departements), d.departements.join(", ")],
            vec![
                capitalised(&c.t(Msg::Establishments)),
                c.int(d.n_establishments),
            ],
            vec![capitalised(&c.t(Msg::Persons)), c.int(d.n_persons)],
            vec![capitalised(&c.t(Msg::Contracts)), c.int(d.n_contracts)],
            vec![capitalised(&c.t(Msg::Stoppages)), c.int(d.n_stoppages)],
        ],
    )));
    if !d.calibration.is_empty() {
        let mut t = cap(
            table(
                vec![
                    ("Id".into(), Align::Left),
                    (c.t(Msg::ColVariable), Align::Left),
                    (c.t(Msg::ColUnit), Align::Left),
                    (c.t(Msg::ColTarget), Align::Right),
                    (c.t(Msg::ColRealised), Align::Right),
                    (c.t(Msg::ColTolerance), Align::Right),
                    (c.t(Msg::ColStatus), Align::Left),
                ],
                d.calibration
                    .iter()
                    .map(|k| {
                        let status = match k.tolerance {
                            Some(tol) if (k.realised - k.target).abs() <= tol => c.t(Msg::Within),
                            Some(_) => c.t(Msg::Outside),
                            None => String::new(),
                        };
                        vec![
                            k.id.clone(),
                            k.name.clone(),
                            k.unit.clone(),
                            c.n(k.target, 2),
                            c.n(k.realised, 2),
                            k.tolerance.map(|t| c.n(t, 2)).unwrap_or_default(),
                            status,
                        ]
                    })
                    .collect(),
            ),
            c.t(Msg::CalibTable),
        );
        t.notes.push(c.t(Msg::CalibNote));
        b.push(Block::Table(t));
    }
    b
}

fn level_counts_table(c: &Ctx, rows: &[GroupLevels], n_levels: usize, first: Msg) -> Table {
    let mut cols = vec![(c.t(Msg::ColCode), Align::Left), (c.t(first), Align::Left)];
    for l in 0..n_levels {
        cols.push((level_name(l as u8, c.lang).to_string(), Align::Right));
    }
    let data = rows
        .iter()
        .map(|g| {
            let mut row = vec![g.code.clone(), g.label.clone()];
            // Older results files hid a whole row with `suppressed`, whatever its counts.
            let hide_row = g.suppressed && g.counts.iter().all(Option::is_some);
            for l in 0..n_levels {
                let n = if hide_row {
                    Some(None)
                } else {
                    g.counts.get(l).copied()
                };
                row.push(n.map(|n| c.count(n)).unwrap_or_default());
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
    let shown: Vec<&GroupLevels> = rows.iter().filter(|g| !g.suppressed).collect();
    // Zones are named (Rennes, Redon), sections keep their letter: their names are long.
    let by_name = axis == Msg::Zone;
    let cats: Vec<String> = shown
        .iter()
        .map(|g| if by_name { &g.label } else { &g.code }.clone())
        .collect();
    let stacks: Vec<(String, Vec<f64>)> = (0..n_levels)
        .map(|l| {
            (
                level_name(l as u8, c.lang).to_string(),
                shown
                    .iter()
                    .map(|g| g.counts.get(l).copied().flatten().unwrap_or(0) as f64)
                    .collect(),
            )
        })
        .collect();
    let axes = Axes {
        x_label: format!("{} (%)", c.t(Msg::ColShare)),
        y_label: c.t(axis),
        lang: c.lang,
        y_decimals: 0,
        x_tick_labels: vec![],
    };
    figures::stacked_share_bars(&cats, &stacks, &figures::LEVEL_COLOURS, &axes)
}

fn score(c: &Ctx, s: &ScoreSection) -> Vec<Block> {
    let mut b = vec![Block::para(c.t(Msg::ScoreIntro))];
    if !s.reference_period.is_empty() {
        b.push(Block::para(
            c.kv(&c.t(Msg::ReferencePeriod), &s.reference_period),
        ));
    }
    b.push(Block::KeyFigures(vec![
        KeyFigure {
            label: c.t(Msg::ScoredEstablishments),
            value: c.int(s.n_scored),
            detail: None,
        },
        KeyFigure {
            label: c.t(Msg::NotCalculable),
            value: c.int(s.n_not_calculable),
            detail: None,
        },
    ]));
    if !s.criteria.is_empty() {
        b.push(Block::Table(cap(
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
                            k.label.clone(),
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
        )));
    }
    let pg = &s.peer_groups;
    let mut pg_rows = vec![
        vec![c.t(Msg::PeerDefinition), pg.definition.clone()],
        vec![c.t(Msg::PeerMinSize), c.int(pg.min_size)],
        vec![c.t(Msg::PeerFallback), pg.fallback.join(" → ")],
    ];
    if let Some(v) = pg.share_in_base_group {
        pg_rows.push(vec![c.t(Msg::PeerShareBase), c.pct(v, 1)]);
    }
    b.push(Block::Table(cap(
        table(
            vec![
                (c.t(Msg::ColVariable), Align::Left),
                (c.t(Msg::ColValue), Align::Left),
            ],
            pg_rows,
        ),
        c.t(Msg::PeerGroups),
    )));
    if !s.levels.is_empty() {
        b.push(Block::Table(cap(
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
                        vec![
                            l.level.to_string(),
                            l.name.clone(),
                            l.rule.clone(),
                            s.labels_by_level
                                .get(l.level as usize)
                                .map(|n| c.count(*n))
                                .unwrap_or_default(),
                        ]
                    })
                    .collect(),
            ),
            c.t(Msg::Levels),
        )));
    } else if !s.labels_by_level.is_empty() {
        b.push(Block::Table(cap(
            table(
                vec![
                    (c.t(Msg::ColLevel), Align::Right),
                    (c.t(Msg::ColLabel), Align::Left),
                    (c.t(Msg::ColCount), Align::Right),
                ],
                s.labels_by_level
                    .iter()
                    .enumerate()
                    .map(|(l, n)| {
                        vec![
                            l.to_string(),
                            level_name(l as u8, c.lang).into(),
                            c.count(*n),
                        ]
                    })
                    .collect(),
            ),
            c.t(Msg::LabelsByLevel),
        )));
    }
    b.push(Block::Heading(c.t(Msg::ScoreDistribution)));
    if let Some(h) = &s.histogram {
        if let Some(f) = figure(
            "score-histogram",
            c.t(Msg::ScoreDistribution),
            figures::histogram(
                &h.edges,
                &h.counts,
                &c.axes(Msg::ScoreAxis, Msg::EstablishmentsAxis, 0),
            ),
        ) {
            b.push(f);
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
    let n_levels = s.labels_by_level.len().max(
        s.labels_by_sector
            .iter()
            .chain(&s.labels_by_zone)
            .map(|g| g.counts.len())
            .max()
            .unwrap_or(0),
    );
    for (rows, head, axis, id, first) in [
        (
            &s.labels_by_sector,
            Msg::LabelsBySector,
            Msg::Sector,
            "labels-by-sector",
            Msg::Sector,
        ),
        (
            &s.labels_by_zone,
            Msg::LabelsByZone,
            Msg::Zone,
            "labels-by-zone",
            Msg::Zone,
        ),
    ] {
        if rows.is_empty() {
            continue;
        }
        b.push(Block::Heading(c.t(head)));
        if let Some(f) = figure(id, c.t(head), level_bars(c, rows, n_levels, axis)) {
            b.push(f);
        }
        b.push(Block::Table(level_counts_table(c, rows, n_levels, first)));
    }
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
                            level_name(t.from, c.lang).to_string(),
                            level_name(t.to, c.lang).to_string(),
                            c.count(t.count),
                        ]
                    })
                    .collect(),
            ),
            c.t(Msg::Transitions),
        )));
    }
    if !s.examples.is_empty() {
        b.push(Block::Heading(c.t(Msg::Examples)));
        for e in &s.examples {
            let head = format!(
                "{} — {}, {}, {} — {} {} {}, {}",
                e.name,
                e.sector,
                e.size_band,
                e.zone,
                c.t(Msg::Score).to_lowercase(),
                c.opt(e.score, 1),
                match (e.score_lower, e.score_upper) {
                    (Some(l), Some(h)) => c.ci(l, h, 1),
                    _ => String::new(),
                },
                level_name(e.level, c.lang)
            );
            let mut t = cap(
                table(
                    vec![
                        (c.t(Msg::ColCriterion), Align::Left),
                        (c.t(Msg::ColValue), Align::Right),
                        (c.t(Msg::ColPeerMedian), Align::Right),
                        (c.t(Msg::ColSubScore), Align::Right),
                        (c.t(Msg::ColContribution), Align::Right),
                    ],
                    e.criteria
                        .iter()
                        .map(|k| {
                            vec![
                                k.label.clone(),
                                c.opt(k.value, 2),
                                c.opt(k.peer_median, 2),
                                c.opt(k.sub_score, 1),
                                c.opt(k.contribution, 1),
                            ]
                        })
                        .collect(),
                ),
                head,
            );
            t.notes.push(c.t(Msg::ExamplesNote));
            b.push(Block::Table(t));
        }
    }
    b
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

fn exposure(c: &Ctx, e: &ExposureSection) -> Vec<Block> {
    let mut b = vec![Block::para(c.t(Msg::ExposureIntro))];
    b.push(Block::Heading(c.t(Msg::Design)));
    let d = &e.design;
    let mut rows = vec![
        vec![c.t(Msg::Design), d.kind.clone()],
        vec![c.t(Msg::ColExposed), c.int(d.n_exposed)],
        vec![c.t(Msg::ColComparison), c.int(d.n_comparison)],
    ];
    if !d.waves.is_empty() {
        rows.push(vec![c.t(Msg::Waves), d.waves.join(", ")]);
    }
    if let Some(v) = d.true_effect {
        rows.push(vec![c.t(Msg::TrueEffect), c.n(v, 2)]);
    }
    b.push(Block::Table(table(
        vec![
            (c.t(Msg::ColVariable), Align::Left),
            (c.t(Msg::ColValue), Align::Left),
        ],
        rows,
    )));
    if !d.description.is_empty() {
        b.push(Block::para(d.description.clone()));
    }
    if !e.balance.is_empty() {
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
        let mut t = cap(
            table(
                cols,
                e.balance
                    .iter()
                    .map(|r| {
                        let mut row = vec![
                            r.variable.clone(),
                            c.n(r.mean_exposed, 2),
                            c.n(r.mean_comparison, 2),
                            c.n(r.smd_before, 3),
                        ];
                        if has_after {
                            row.push(r.smd_after.map(|v| c.n(v, 3)).unwrap_or_default());
                        }
                        row
                    })
                    .collect(),
            ),
            c.t(Msg::Balance),
        );
        t.notes.push(c.t(Msg::BalanceNote));
        b.push(Block::Table(t));
    }
    if !e.trajectories.is_empty() {
        b.push(Block::Heading(c.t(Msg::Trajectories)));
        let series: Vec<BandSeries> = e
            .trajectories
            .iter()
            .map(|tr| BandSeries {
                label: tr.group.clone(),
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
        if let Some(f) = figure(
            "trajectories",
            c.t(Msg::TrajectoriesCaption),
            figures::line_with_bands(&series, &axes),
        ) {
            b.push(f);
        }
    }
    if !e.estimates.is_empty() {
        b.push(Block::Heading(c.t(Msg::Estimates)));
        b.push(Block::Table(estimates_table(
            c,
            &e.estimates,
            d.true_effect,
        )));
    }
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
        if let Some(f) = figure(
            "event-study",
            c.t(Msg::EventStudyCaption),
            figures::points_with_error_bars(
                &s,
                &c.axes(Msg::RelTimeAxis, Msg::EffectAxis, 1),
                Some(-0.5),
            ),
        ) {
            b.push(f);
        }
        b.push(Block::Table(dyn_table(c, &e.event_study)));
    }
    if let Some(p) = &e.pretrend {
        b.push(Block::Table(cap(
            table(
                vec![
                    (c.t(Msg::Statistic), Align::Right),
                    (c.t(Msg::Df), Align::Right),
                    (c.t(Msg::ColP), Align::Right),
                ],
                vec![vec![c.n(p.statistic, 3), c.n(p.df, 0), c.p(p.p_value)]],
            ),
            c.t(Msg::Pretrend),
        )));
    }
    if !e.event_study.is_empty() {
        b.push(Block::warning(
            c.t(Msg::SunAbrahamTitle),
            c.t(Msg::SunAbraham),
        ));
    }
    if !e.cs_dynamic.is_empty() {
        b.push(Block::Heading(c.t(Msg::CsDynamic)));
        let s = vec![ErrorSeries {
            label: "Callaway–Sant'Anna".into(),
            points: e
                .cs_dynamic
                .iter()
                .map(|p| (p.rel_time as f64, p.estimate, p.ci_lower, p.ci_upper))
                .collect(),
        }];
        if let Some(f) = figure(
            "cs-dynamic",
            c.t(Msg::CsDynamicCaption),
            figures::points_with_error_bars(
                &s,
                &c.axes(Msg::RelTimeAxis, Msg::EffectAxis, 1),
                Some(-0.5),
            ),
        ) {
            b.push(f);
        }
        b.push(Block::Table(dyn_table(c, &e.cs_dynamic)));
    }
    if !e.monte_carlo.is_empty() {
        b.push(Block::Heading(c.t(Msg::MonteCarlo)));
        b.push(Block::Table(cap(
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
                            m.estimator.clone(),
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
        )));
    }
    if !e.example_sheets.is_empty() {
        b.push(Block::Heading(c.t(Msg::ExampleSheets)));
        b.push(Block::List(
            e.example_sheets
                .iter()
                .map(|s| {
                    vec![Inline::Link {
                        text: s.label.clone(),
                        href: s.href.clone(),
                    }]
                })
                .collect(),
        ));
    }
    b
}

fn km_series(curves: &[KmCurve]) -> Vec<BandSeries> {
    curves
        .iter()
        .map(|k| BandSeries {
            label: k.group.clone(),
            points: k
                .points
                .iter()
                .map(|p| (p.t, p.survival, p.ci_lower, p.ci_upper))
                .collect(),
        })
        .collect()
}

fn retention(c: &Ctx, x: &RetentionSection) -> Vec<Block> {
    let mut b = vec![Block::para(c.t(Msg::RetentionIntro))];
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
                    .map(|k| vec![k.name.clone(), c.int(k.n), c.int(k.n_hired)])
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
        if let Some(f) = figure(
            id,
            c.t(Msg::KmCaption),
            figures::km_steps(
                &km_series(curves),
                &c.axes(Msg::DaysAxis, Msg::SurvivalAxis, 0),
            ),
        ) {
            b.push(f);
        }
    }
    if !x.by_policy.is_empty() {
        b.push(Block::Table(cap(
            horizon_table(c, &x.by_policy, Msg::ColPolicy),
            c.t(Msg::RetentionByPolicy),
        )));
    }
    if !x.risk_differences.is_empty() {
        let has_truth = x.risk_differences.iter().any(|r| r.truth.is_some());
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
        b.push(Block::Table(cap(
            table(
                cols,
                x.risk_differences
                    .iter()
                    .map(|r| {
                        // Differences of shares, shown in percentage points with 1 decimal.
                        let mut row = vec![
                            r.comparison.clone(),
                            r.method.clone(),
                            format!("{} {}", r.horizon_days, c.t(Msg::Days)),
                            c.n(100.0 * r.difference, 1),
                            c.n(100.0 * r.se, 1),
                            c.ci(100.0 * r.ci_lower, 100.0 * r.ci_upper, 1),
                        ];
                        if has_truth {
                            row.push(r.truth.map(|v| c.n(100.0 * v, 1)).unwrap_or_default());
                        }
                        row
                    })
                    .collect(),
            ),
            format!(
                "{} ({})",
                c.t(Msg::RiskDifferences),
                if c.lang == Lang::Fr {
                    "points de %"
                } else {
                    "percentage points"
                }
            ),
        )));
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
        b.push(Block::Table(cap(
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
                            t.name.clone(),
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
                c.kv(&c.t(Msg::Ties), &cox.ties),
                c.int(cox.n),
                c.int(cox.events),
                c.t(Msg::Events)
            ),
        )));
    }
    b
}

fn methods(c: &Ctx, m: Option<&MethodsSection>) -> Vec<Block> {
    let mut b = vec![
        Block::para(c.t(Msg::MethodsIntro)),
        Block::warning(c.t(Msg::SunAbrahamTitle), c.t(Msg::SunAbraham)),
        Block::note("Note.", c.t(Msg::MatchingNote)),
    ];
    if let Some(m) = m {
        if !m.conventions.is_empty() {
            b.push(Block::Table(cap(
                table(
                    vec![
                        (c.t(Msg::ColTopic), Align::Left),
                        (c.t(Msg::ColConvention), Align::Left),
                    ],
                    m.conventions
                        .iter()
                        .map(|(k, v)| vec![k.clone(), v.clone()])
                        .collect(),
                ),
                c.t(Msg::Conventions),
            )));
        }
        if !m.notes.is_empty() {
            b.push(Block::Heading(c.t(Msg::Notes)));
            b.push(Block::list(m.notes.iter().cloned()));
        }
    }
    b
}

fn reproducibility(c: &Ctx, m: Option<&Manifest>) -> Vec<Block> {
    let Some(m) = m else {
        return not_run(c);
    };
    let mut b = vec![Block::para(c.t(Msg::ReproIntro))];
    b.push(Block::Code(m.command.clone()));
    b.push(Block::para(c.t(Msg::RerenderIntro)));
    b.push(Block::Code(format!("engagement report <{}>", m.run_id)));
    let mut rows = vec![
        vec![c.t(Msg::RunId), m.run_id.clone()],
        vec![c.t(Msg::Experiment), m.experiment.clone()],
        vec![c.t(Msg::ExperimentFile), m.experiment_file.clone()],
        vec![c.t(Msg::Sha), m.experiment_sha256.clone()],
        vec![c.t(Msg::Seed), m.seed.to_string()],
        vec![c.t(Msg::Version), m.crate_version.clone()],
    ];
    if let Some(g) = &m.git_commit {
        rows.push(vec![c.t(Msg::Commit), g.clone()]);
    }
    rows.push(vec![c.t(Msg::CreatedAt), m.created_at.clone()]);
    b.push(Block::Table(cap(
        table(
            vec![
                (c.t(Msg::ColVariable), Align::Left),
                (c.t(Msg::ColValue), Align::Left),
            ],
            rows,
        ),
        c.t(Msg::Manifest),
    )));
    if !m.inputs.is_empty() {
        b.push(Block::Table(cap(
            table(
                vec![
                    (c.t(Msg::ColFile), Align::Left),
                    ("SHA-256".into(), Align::Left),
                    (c.t(Msg::ColBytes), Align::Right),
                ],
                m.inputs
                    .iter()
                    .map(|i| vec![i.path.clone(), i.sha256.clone(), c.int(i.bytes)])
                    .collect(),
            ),
            c.t(Msg::Inputs),
        )));
    }
    if !m.timings.is_empty() {
        b.push(Block::Table(cap(
            table(
                vec![
                    (c.t(Msg::ColStage), Align::Left),
                    (c.t(Msg::ColSeconds), Align::Right),
                ],
                m.timings
                    .iter()
                    .map(|t| vec![t.stage.clone(), c.n(t.seconds, 2)])
                    .collect(),
            ),
            c.t(Msg::Timings),
        )));
    }
    b
}
