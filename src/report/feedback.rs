//! The one-page sheet an employer receives: its level and score with the
//! interval and trend, its position against peers criterion by criterion in plain words, the
//! two or three criteria where progress would most raise its score (with what peers at the
//! next level do), and how the score is computed and how to contest the data.
//!
//! This is the "exposure" that the exposure study simulates, so it must be honest and readable: no
//! small counts (positions in words only; the only numbers are the score and peer-level
//! medians, which aggregate at least three establishments), A4-printable, no external fetch.

use super::counsellor::{Position, Trend};
use super::doc::{escape_html, inline_svg, BASE_CSS};
use super::figures;
use super::i18n::{self, level_name, Msg};
use crate::config::Lang;
use serde::{Deserialize, Serialize};

/// One criterion on the employer's sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedbackCriterion {
    /// Criterion key.
    pub key: String,
    /// Criterion label.
    pub label: String,
    /// Position against peers (oriented: above = better).
    pub position: Position,
    /// Weight in the composite (0–1).
    pub weight: f64,
    /// Score points gained if this criterion reached the median of next-level peers
    /// (`None` if not calculable or already there).
    pub gain_points: Option<f64>,
    /// Median value of this criterion among peers at the next level, in `unit`.
    pub next_level_median: Option<f64>,
    /// Unit of `next_level_median`, e.g. `%` or `jours`.
    pub unit: String,
}

/// A past period of the employer's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryPoint {
    /// Period label, e.g. `2025-T2`.
    pub period: String,
    /// Score, `None` if not calculable.
    pub score: Option<f64>,
    /// Label level.
    pub level: u8,
}

/// Everything the sheet shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedbackData {
    /// Establishment name.
    pub name: String,
    /// SIRET.
    pub siret: String,
    /// Commune.
    pub commune: String,
    /// Sector label.
    pub sector_label: String,
    /// Size band.
    pub size_band: String,
    /// Zone name.
    pub zone_name: String,
    /// Period of the result.
    pub period: String,
    /// Description of the peer group, e.g. "commerce de détail, 10–49 salariés, zone de Rennes".
    pub peer_group: String,
    /// Label level.
    pub level: u8,
    /// Highest level (3 by default).
    pub max_level: u8,
    /// Score (0–100), `None` if not calculable.
    pub score: Option<f64>,
    /// Lower bound of the 95% interval.
    pub score_lower: Option<f64>,
    /// Upper bound of the 95% interval.
    pub score_upper: Option<f64>,
    /// Trend.
    pub trend: Trend,
    /// Score history, oldest first.
    pub history: Vec<HistoryPoint>,
    /// Criteria.
    pub criteria: Vec<FeedbackCriterion>,
}

const SHEET_CSS: &str = r#"
main { max-width: 50rem; }
.head { display: flex; justify-content: space-between; gap: 1rem; align-items: flex-start; }
.head .who { color: var(--muted); }
.level { font-size: 1.6rem; font-weight: 700; }
.badge { display: inline-block; padding: 0.15rem 0.7rem; border-radius: 999px; color: #fff; font-weight: 700; }
.lv0 { background: #6b7280; } .lv1 { background: #3A8FC7; } .lv2 { background: #0072B2; } .lv3 { background: #00785A; }
.cols { display: grid; grid-template-columns: 1fr 1fr 1.4fr; gap: 0.8rem; align-items: stretch; }
.box { border: 1px solid var(--line); border-radius: 6px; padding: 0.5rem 0.8rem; }
.box .v { font-size: 1.5rem; font-weight: 700; }
.gauge { letter-spacing: 0.1rem; color: var(--accent); white-space: nowrap; }
.gauge .off { color: #c8ced6; }
ol.prio li { margin: 0.3rem 0; }
.spark { border: 1px solid var(--line); border-radius: 6px; padding: 0.3rem; }
.spark svg { width: 100%; height: auto; display: block; }
table { width: 100%; }
td, th { padding: 0.18rem 0.5rem; }
h2 { font-size: 1.15rem; margin: 1rem 0 0.4rem; }
@media print { html { font-size: 9pt; } h1 { font-size: 1.5rem; } h2 { margin-top: 0.5rem; } p { margin: 0.3rem 0; } td, th { padding: 0.1rem 0.4rem; } }
"#;

/// The criteria where progress would most raise the score: positive `gain_points`, largest
/// first (ties by key, for determinism), at most three.
pub fn priorities(d: &FeedbackData) -> Vec<&FeedbackCriterion> {
    let mut v: Vec<&FeedbackCriterion> = d
        .criteria
        .iter()
        .filter(|c| c.gain_points.is_some_and(|g| g > 0.0))
        .collect();
    v.sort_by(|a, b| {
        b.gain_points
            .unwrap_or(0.0)
            .total_cmp(&a.gain_points.unwrap_or(0.0))
            .then_with(|| a.key.cmp(&b.key))
    });
    v.truncate(3);
    v
}

fn gauge(p: Position) -> String {
    let k = p.dots();
    format!(
        "<span class=\"gauge\" aria-hidden=\"true\">{}<span class=\"off\">{}</span></span>",
        "●".repeat(k),
        "●".repeat(5 - k)
    )
}

fn kv(lang: Lang, k: &str) -> String {
    match lang {
        Lang::Fr => format!("{k} : "),
        Lang::En => format!("{k}: "),
    }
}

/// Renders the employer's sheet (one A4 page when printed).
pub fn feedback_sheet(d: &FeedbackData, lang: Lang) -> String {
    let t = |m: Msg| escape_html(m.text(lang));
    let html_lang = if lang == Lang::Fr { "fr" } else { "en" };
    let mut o = format!(
        "<!DOCTYPE html>\n<html lang=\"{html_lang}\">\n<head>\n<meta charset=\"utf-8\"/>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
         <title>{} — {}</title>\n<style>{BASE_CSS}{SHEET_CSS}</style>\n</head>\n<body>\n<main class=\"sheet\">\n",
        t(Msg::SheetTitle),
        escape_html(&d.name)
    );
    o.push_str(&format!(
        "<div class=\"head\"><div><h1>{}</h1><p class=\"who\"><strong>{}</strong> · {} · SIRET {}<br/>{} · {} {} · {}</p></div></div>\n",
        t(Msg::SheetTitle),
        escape_html(&d.name),
        escape_html(&d.commune),
        escape_html(&d.siret),
        escape_html(&d.sector_label),
        escape_html(&d.size_band),
        t(Msg::Employees),
        escape_html(&d.period),
    ));
    // Level, score, trend.
    let score = match d.score {
        Some(s) => i18n::num(s, 0, lang),
        None => i18n::nc(lang).to_string(),
    };
    let interval = match (d.score_lower, d.score_upper) {
        (Some(l), Some(h)) => format!(
            "{} {}",
            t(Msg::Interval),
            escape_html(&i18n::interval(l, h, 0, lang))
        ),
        _ => String::new(),
    };
    o.push_str("<div class=\"cols\">\n");
    o.push_str(&format!(
        "<div class=\"box\"><div>{}</div><div class=\"v\"><span class=\"badge lv{}\">{}</span></div><div>{}{}</div></div>\n",
        t(Msg::YourLevel),
        d.level.min(3),
        escape_html(level_name(d.level, lang)),
        escape_html(&kv(lang, Msg::YourTrend.text(lang))),
        escape_html(&d.trend.text(lang)),
    ));
    o.push_str(&format!(
        "<div class=\"box\"><div>{}</div><div class=\"v\">{score} / 100</div><div>{interval}</div></div>\n",
        t(Msg::YourScore)
    ));
    let hist: Vec<(String, f64)> = d
        .history
        .iter()
        .filter_map(|h| h.score.map(|s| (h.period.clone(), s)))
        .collect();
    if hist.len() >= 2 {
        if let Ok(svg) = figures::sparkline(&hist, lang) {
            o.push_str(&format!(
                "<div class=\"spark\" role=\"img\" aria-label=\"{}\">{}</div>\n",
                t(Msg::YourTrend),
                inline_svg(&svg)
            ));
        }
    }
    o.push_str("</div>\n");
    o.push_str(&format!(
        "<p>{}{}</p>\n",
        escape_html(&kv(lang, Msg::PeerGroup.text(lang))),
        escape_html(&d.peer_group)
    ));
    // Position per criterion.
    o.push_str(&format!("<h2>{}</h2>\n", t(Msg::Position)));
    o.push_str(&format!(
        "<table><thead><tr><th>{}</th><th>{}</th><th></th><th class=\"r\">{}</th></tr></thead><tbody>\n",
        t(Msg::ColCriterion),
        t(Msg::ColPosition),
        t(Msg::ColWeight)
    ));
    for c in &d.criteria {
        o.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"r\">{}</td></tr>\n",
            escape_html(&c.label),
            escape_html(c.position.short_words(lang)),
            gauge(c.position),
            escape_html(&i18n::pct(c.weight, 0, lang))
        ));
    }
    o.push_str("</tbody></table>\n");
    // Priorities.
    o.push_str(&format!("<h2>{}</h2>\n", t(Msg::Priorities)));
    let prio = priorities(d);
    if d.level >= d.max_level || prio.is_empty() {
        o.push_str(&format!("<p>{}</p>\n", t(Msg::NoPriorities)));
    } else {
        o.push_str(&format!(
            "<p>{}<strong>{}</strong>.</p>\n<p>{}</p>\n<ol class=\"prio\">\n",
            escape_html(&kv(lang, Msg::NextLevel.text(lang))),
            escape_html(level_name(d.level + 1, lang)),
            t(Msg::PrioritiesIntro)
        ));
        for c in prio {
            let mut li = format!(
                "<strong>{}</strong> ({})",
                escape_html(&c.label),
                escape_html(c.position.words(lang))
            );
            if let Some(m) = c.next_level_median {
                let v = if c.unit == "%" {
                    i18n::pct(m / 100.0, 0, lang)
                } else {
                    format!("{} {}", i18n::num(m, 1, lang), c.unit)
                };
                li.push_str(&format!(". {} {}", t(Msg::NextLevelDo), escape_html(&v)));
            }
            if let Some(g) = c.gain_points {
                li.push_str(&format!(
                    " — {} ≈ +{} {}",
                    t(Msg::Gain),
                    escape_html(&i18n::num(g, 1, lang)),
                    t(Msg::Points)
                ));
            }
            o.push_str(&format!("<li>{li}.</li>\n"));
        }
        o.push_str("</ol>\n");
    }
    o.push_str(&format!(
        "<h2>{}</h2>\n<p>{}</p>\n<h2>{}</h2>\n<p>{}</p>\n",
        t(Msg::HowComputed),
        t(Msg::HowComputedText),
        t(Msg::Contest),
        t(Msg::ContestText)
    ));
    o.push_str("</main>\n</body>\n</html>\n");
    o
}

/// Example sheets for the exposure section of a run report: the files
/// `sheets/example-<k>.html` (k from 1) and their links, labelled by sector, size band and
/// zone rather than by name. `pipeline` writes the files into the run folder (for
/// example with [`crate::output::AtomicDir`]) and puts the links in `exposure.example_sheets`.
pub fn example_sheet_files(
    sheets: &[FeedbackData],
    lang: Lang,
) -> (Vec<super::ReportFile>, Vec<super::results::SheetLink>) {
    let mut files = Vec::new();
    let mut links = Vec::new();
    for (k, d) in sheets.iter().enumerate() {
        let href = format!("sheets/example-{}.html", k + 1);
        files.push((
            std::path::PathBuf::from(&href),
            feedback_sheet(d, lang).into_bytes(),
        ));
        links.push(super::results::SheetLink {
            label: format!(
                "{}, {} {}, {} — {} ({})",
                d.sector_label,
                d.size_band,
                Msg::Employees.text(lang),
                d.zone_name,
                level_name(d.level, lang),
                d.period
            ),
            href,
        });
    }
    (files, links)
}
