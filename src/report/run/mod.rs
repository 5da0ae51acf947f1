//! The run report: [`RunResults`] → [`Document`] with seven sections, one file per section.
//!
//! Every number shown is read from `RunResults` and formatted, never recomputed: the report
//! is a view of `results.json` (a test parses both and compares). Every name comes from
//! `report::i18n`, so the same results render in French or English. Missing sections render
//! as a one-line "not run" notice, so a partial run still gives a complete, valid report.

mod data;
mod exposure;
mod methods;
mod retention;
mod score;
mod summary;
mod validity;

use super::doc::{Align, Block, Document, Figure, Section, Table};
use super::figures::{self, Axes};
use super::i18n::{self, Msg};
use super::results::RunResults;
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

/// Formatting helpers in the report's language.
pub(crate) struct Ctx {
    pub lang: Lang,
}

impl Ctx {
    pub fn t(&self, m: Msg) -> String {
        m.text(self.lang).to_string()
    }
    pub fn n(&self, x: f64, d: usize) -> String {
        i18n::num(x, d, self.lang)
    }
    pub fn int(&self, x: u64) -> String {
        i18n::int(x, self.lang)
    }
    /// A published count, or the secrecy marker (never 0) when it is hidden.
    pub fn count(&self, x: Option<u64>) -> String {
        x.map_or_else(|| self.t(Msg::Suppressed), |n| self.int(n))
    }
    pub fn pct(&self, x: f64, d: usize) -> String {
        i18n::pct(x, d, self.lang)
    }
    pub fn ci(&self, lo: f64, hi: f64, d: usize) -> String {
        i18n::interval(lo, hi, d, self.lang)
    }
    pub fn pci(&self, lo: f64, hi: f64, d: usize) -> String {
        i18n::pct_interval(lo, hi, d, self.lang)
    }
    pub fn opt(&self, x: Option<f64>, d: usize) -> String {
        i18n::opt_num(x, d, self.lang)
    }
    pub fn kv(&self, k: &str, v: &str) -> String {
        i18n::kv(k, v, self.lang)
    }
    pub fn p(&self, x: f64) -> String {
        i18n::p_value(x, self.lang)
    }
    pub fn days(&self, d: u32) -> String {
        format!("{d} {}", self.t(Msg::Days))
    }
    pub fn axes(&self, x: Msg, y: Msg, y_decimals: usize) -> Axes {
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
pub(crate) fn quoted(s: &str, lang: Lang) -> String {
    match lang {
        Lang::Fr => format!("«\u{a0}{s}\u{a0}»"),
        Lang::En => format!("“{s}”"),
    }
}

/// A table without caption or notes.
pub(crate) fn table(columns: Vec<(String, Align)>, rows: Vec<Vec<String>>) -> Table {
    Table {
        caption: None,
        columns,
        rows,
        notes: vec![],
    }
}

/// A table with a caption.
pub(crate) fn cap(mut t: Table, caption: String) -> Table {
    t.caption = Some(caption);
    t
}

/// A figure block, or nothing when there was nothing to draw.
pub(crate) fn figure(
    id: &str,
    caption: String,
    svg: Result<String, figures::FigureError>,
) -> Option<Block> {
    svg.ok().map(|svg| {
        Block::Figure(Figure {
            id: id.to_string(),
            alt: caption.clone(),
            caption,
            svg,
        })
    })
}

pub(crate) fn not_run(c: &Ctx) -> Vec<Block> {
    vec![Block::para(c.t(Msg::NotInRun))]
}

fn section(id: usize, heading: String, blocks: Vec<Block>) -> Section {
    Section {
        id: SECTION_IDS[id].into(),
        heading,
        blocks,
        page_break: id > 0 && id < 6,
    }
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
    let or_not_run = |b: Option<Vec<Block>>| b.unwrap_or_else(|| not_run(&c));
    let sections = vec![
        section(0, c.t(Msg::SecSummary), summary::blocks(&c, r)),
        section(
            1,
            c.t(Msg::SecData),
            or_not_run(r.data.as_ref().map(|d| data::blocks(&c, d))),
        ),
        section(
            2,
            c.t(Msg::SecScore),
            or_not_run(r.score.as_ref().map(|s| {
                let mut b = score::blocks(&c, s);
                b.extend(
                    r.validity
                        .as_ref()
                        .map_or_else(Vec::new, |v| validity::blocks(&c, v)),
                );
                b
            })),
        ),
        section(
            3,
            c.t(Msg::SecExposure),
            or_not_run(r.exposure.as_ref().map(|e| exposure::blocks(&c, e))),
        ),
        section(
            4,
            c.t(Msg::SecRetention),
            or_not_run(r.retention.as_ref().map(|x| retention::blocks(&c, x))),
        ),
        section(
            5,
            c.t(Msg::SecMethods),
            methods::blocks(&c, r.methods.as_ref()),
        ),
        section(
            6,
            c.t(Msg::SecRepro),
            methods::reproducibility(&c, r.manifest.as_ref()),
        ),
    ];
    Document {
        lang,
        title: c.t(Msg::ReportTitle),
        subtitle,
        sections,
    }
}
