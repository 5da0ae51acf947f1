//! The one-page sheet an employer receives, for every case: a calculable score (level,
//! score with its interval and trend, its own value beside the peers' median on each
//! criterion, the levers where it is below its peers), a score that is not calculable (why,
//! and what would make it calculable), a label capped by a gate (the gate named, with the
//! employer's accident frequency against its peers), and the top level.
//!
//! This is the "exposure" that the exposure study simulates, so it must be honest and
//! readable: positions in the reader's terms, levers taken from a documented table
//! (`docs/levers.md`, [`i18n::lever`]) linking each criterion to concrete actions and public
//! schemes, a contact line set in the experiment, A4-printable, no external fetch. The HTML
//! is written with maud, which escapes every value (employer names come from DSN files).

use super::counsellor::gauge;
use super::doc::{inline_svg, BASE_CSS};
use super::figures;
use super::i18n::{self, Msg};
use super::names::Place;
use crate::config::Lang;
use crate::indicators::{Criterion, Kind};
use crate::score::peers::{Rung, SizeBand};
use crate::score::{Label, NonCalculable, Position, Trend};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use serde::{Deserialize, Serialize};

/// Which kind of sheet this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SheetCase {
    /// A calculable score below the top level.
    Calculable,
    /// The score is not calculable.
    NotCalculable,
    /// The label is capped by a gate.
    Gated,
    /// The top level.
    TopLevel,
}

/// One criterion on the employer's sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedbackCriterion {
    /// Criterion.
    pub key: Criterion,
    /// Position against peers (oriented: above = better).
    pub position: Position,
    /// Weight in the composite (0–1).
    pub weight: f64,
    /// Score points gained by reaching the peer median on this criterion (`None` if not
    /// calculable).
    pub gain_points: Option<f64>,
    /// The employer's own value (share 0–1, days, or rate per 1/100/1,000 employee-years),
    /// rounded to a band, when its counts allow citing it.
    pub own_value: Option<f64>,
    /// Median among the peers (a protected median, rounded), when it may be published.
    pub peer_median: Option<f64>,
}

/// A past period of the employer's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryPoint {
    /// Period label.
    pub period: String,
    /// Score, `None` if not calculable.
    pub score: Option<f64>,
    /// Label.
    pub label: Label,
}

/// Why the score is not calculable, with the thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calculability {
    pub reason: NonCalculable,
    /// Mean headcount over the window.
    pub headcount: f64,
    /// Hires over the window.
    pub hires: u64,
    pub min_headcount: f64,
    pub min_hires: u64,
}

/// A gate that capped the label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateInfo {
    /// The gate's criterion (work accidents by default).
    pub criterion: Criterion,
    /// Level the score alone would give.
    pub level_without_gate: u8,
    /// The employer's value on it.
    pub own_value: Option<f64>,
    /// The peers' median, when it may be published.
    pub peer_median: Option<f64>,
}

/// The peer group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeerInfo {
    /// Establishments in the group; `None` below 3 (statistical secrecy).
    pub members: Option<u32>,
    /// Level of the group (sector × geography; always the same size band).
    pub rung: Rung,
}

/// Everything the sheet shows: keys and numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedbackData {
    pub case: SheetCase,
    /// Establishment name.
    pub name: String,
    /// SIRET.
    pub siret: String,
    /// Commune.
    pub commune: String,
    /// Sector name (NAF label).
    pub sector_name: String,
    /// Size band.
    pub size_band: SizeBand,
    /// Zone.
    pub zone: Place,
    /// Period of the result.
    pub period: String,
    /// The peer group.
    pub peers: PeerInfo,
    /// Label.
    pub label: Label,
    /// Score (0–100), `None` if not calculable.
    pub score: Option<f64>,
    /// Lower bound of the 95% interval.
    pub score_lower: Option<f64>,
    /// Upper bound of the 95% interval.
    pub score_upper: Option<f64>,
    /// Trend.
    pub trend: Trend,
    /// When not calculable: why.
    pub calculability: Option<Calculability>,
    /// When capped: the gate.
    pub gate: Option<GateInfo>,
    /// Score history, oldest first.
    pub history: Vec<HistoryPoint>,
    /// Criteria.
    pub criteria: Vec<FeedbackCriterion>,
    /// Contact line set in the experiment.
    pub contact: Option<String>,
}

/// Most levers on a sheet.
pub const MAX_LEVERS: usize = 3;

/// The levers: criteria where the employer is below its peers, largest possible gain first
/// (ties by key), at most [`MAX_LEVERS`]. Never a criterion at or above the median.
pub fn priorities(d: &FeedbackData) -> Vec<&FeedbackCriterion> {
    let mut v: Vec<&FeedbackCriterion> = d
        .criteria
        .iter()
        .filter(|c| c.position.is_unfavourable() && c.gain_points.is_some_and(|g| g > 0.0))
        .collect();
    v.sort_by(|a, b| {
        b.gain_points
            .unwrap_or(0.0)
            .total_cmp(&a.gain_points.unwrap_or(0.0))
            .then_with(|| a.key.cmp(&b.key))
    });
    v.truncate(MAX_LEVERS);
    v
}

/// A criterion's natural value in words: shares and turnover in percent, days, or a rate
/// per 100 or 1,000 employees.
pub fn value_text(c: Criterion, v: f64, lang: Lang) -> String {
    match c.kind() {
        Kind::Share(_) | Kind::Rate { per: 1.0 } => i18n::pct(v, 0, lang),
        Kind::Days => format!("{} {}", i18n::num(v, 0, lang), Msg::Days.text(lang)),
        Kind::Rate { per } if per >= 1000.0 => {
            format!("{} {}", i18n::num(v, 1, lang), Msg::PerThousand.text(lang))
        }
        Kind::Rate { .. } => match lang {
            Lang::Fr => format!("{} pour 100 salariés", i18n::num(v, 1, lang)),
            Lang::En => format!("{} per 100 employees", i18n::num(v, 1, lang)),
        },
    }
}

const SHEET_CSS: &str = r#"
main { max-width: 50rem; }
.who { color: var(--muted); }
.badge { display: inline-block; padding: 0.15rem 0.7rem; border-radius: 999px; color: #fff; font-weight: 700; }
.lvnc { background: #9aa1a9; } .lv0 { background: #6b7280; } .lv1 { background: #3A8FC7; } .lv2 { background: #0072B2; } .lv3 { background: #00785A; }
.cols { display: grid; grid-template-columns: 1fr 1fr 1.4fr; gap: 0.8rem; align-items: stretch; }
.box { border: 1px solid var(--line); border-radius: 6px; padding: 0.5rem 0.8rem; }
.box .v { font-size: 1.5rem; font-weight: 700; }
.gauge { letter-spacing: 0.1rem; color: var(--accent); white-space: nowrap; }
.gauge .off { color: #c8ced6; }
.case { border-left: 5px solid var(--warn); background: #fdf1e8; padding: 0.5rem 0.9rem; border-radius: 6px; margin: 0.8rem 0; }
ol.prio li { margin: 0.3rem 0; }
.spark { border: 1px solid var(--line); border-radius: 6px; padding: 0.3rem; }
.spark svg { width: 100%; height: auto; display: block; }
table { width: 100%; }
td, th { padding: 0.18rem 0.5rem; }
h2 { font-size: 1.15rem; margin: 1rem 0 0.4rem; }
@media print { html { font-size: 8.5pt; } h1 { font-size: 1.4rem; } h2 { margin-top: 0.5rem; } p { margin: 0.25rem 0; } td, th { padding: 0.08rem 0.4rem; } }
"#;

fn badge(l: Label, lang: Lang) -> Markup {
    let cls = match l.level() {
        None => "badge lvnc".to_string(),
        Some(k) => format!("badge lv{}", k.min(3)),
    };
    html! { span class=(cls) { (i18n::label_name(l, lang)) } }
}

fn head_boxes(d: &FeedbackData, lang: Lang) -> Markup {
    let t = |m: Msg| m.text(lang);
    let hist: Vec<(String, f64)> = d
        .history
        .iter()
        .filter_map(|h| h.score.map(|s| (h.period.clone(), s)))
        .collect();
    let spark = (hist.len() >= 2)
        .then(|| figures::sparkline(&hist, lang).ok())
        .flatten();
    html! {
        div.cols {
            div.box { div { (t(Msg::YourLevel)) } div.v { (badge(d.label, lang)) }
                div { (i18n::kv(t(Msg::YourTrend), i18n::trend_words(d.trend, lang), lang)) } }
            div.box { div { (t(Msg::YourScore)) }
                div.v { (i18n::opt_num(d.score, 0, lang)) " / 100" }
                @if let (Some(l), Some(h)) = (d.score_lower, d.score_upper) {
                    div { (t(Msg::Interval)) " " (i18n::interval(l, h, 0, lang)) }
                } }
            @if let Some(svg) = spark {
                div.spark role="img" aria-label=(t(Msg::YourTrend)) { (PreEscaped(inline_svg(&svg))) }
            }
        }
    }
}

fn peers_line(d: &FeedbackData, lang: Lang) -> String {
    let rung = i18n::rung_words(d.peers.rung, lang);
    let band = i18n::size_band(d.size_band, lang);
    let n = match d.peers.members {
        Some(m) => i18n::int(u64::from(m), lang),
        None => Msg::FewerThanThree.text(lang).to_string(),
    };
    match lang {
        Lang::Fr => format!(
            "{n} établissements comparables : même tranche de taille ({band}), comparés au niveau {rung}."
        ),
        Lang::En => format!(
            "{n} comparable establishments: same size band ({band}), compared at the level of {rung}."
        ),
    }
}

fn case_box(d: &FeedbackData, lang: Lang) -> Markup {
    let t = |m: Msg| m.text(lang);
    html! {
        @if let Some(c) = &d.calculability {
            div.case {
                h2 { (t(Msg::NotCalculableTitle)) }
                p { (i18n::non_calculable(c.reason, lang)) }
                p { strong { (t(Msg::NcWhatWouldHelp)) } " — " (what_would_help(c, lang)) }
                p { (t(Msg::NcNotALabel)) }
            }
        }
        @if let Some(g) = &d.gate {
            div.case {
                h2 { (t(Msg::GatedTitle)) }
                p { (t(Msg::GatedText)) " « " (i18n::level_name(g.level_without_gate, lang)) " » "
                    (t(Msg::GatedBecause)) "." }
                p { (gate_values(g, lang)) }
                p { (t(Msg::GatedLift)) }
            }
        }
    }
}

fn what_would_help(c: &Calculability, lang: Lang) -> String {
    let hc = i18n::num(c.headcount, 1, lang);
    let mh = i18n::num(c.min_headcount, 0, lang);
    match lang {
        Lang::Fr => format!(
            "au moins {mh} salariés en moyenne sur 12 mois (vous : {hc}) et au moins {} embauches sur 12 mois (vous : {}).",
            c.min_hires, c.hires
        ),
        Lang::En => format!(
            "at least {mh} employees on average over 12 months (you: {hc}) and at least {} hires over 12 months (you: {}).",
            c.min_hires, c.hires
        ),
    }
}

fn gate_values(g: &GateInfo, lang: Lang) -> String {
    let own = g
        .own_value
        .map(|v| value_text(g.criterion, v, lang))
        .unwrap_or_else(|| i18n::nc(lang).into());
    let med = g
        .peer_median
        .map(|v| value_text(g.criterion, v, lang))
        .unwrap_or_else(|| Msg::SecretValue.text(lang).into());
    format!(
        "{} — {} ; {}",
        Msg::AccidentFrequency.text(lang),
        i18n::kv(Msg::YourValue.text(lang), &own, lang),
        i18n::kv(Msg::PeersMedian.text(lang), &med, lang)
    )
}

fn criteria_table(d: &FeedbackData, lang: Lang) -> Markup {
    let t = |m: Msg| m.text(lang);
    let val = |c: &FeedbackCriterion, v: Option<f64>, missing: &str| {
        v.map(|x| value_text(c.key, x, lang))
            .unwrap_or_else(|| missing.to_string())
    };
    html! {
        h2 { (t(Msg::Position)) }
        table {
            thead { tr { th { (t(Msg::ColCriterion)) } th { (t(Msg::ColPosition)) } th {}
                th.r { (t(Msg::YourValue)) } th.r { (t(Msg::PeersMedian)) } th.r { (t(Msg::ColWeight)) } } }
            tbody {
                @for c in &d.criteria {
                    tr { td { (i18n::criterion_name(c.key, lang)) }
                        td { (i18n::position_words(c.key, c.position, lang)) }
                        td { (gauge(c.position)) }
                        // Calculable but too few persons to cite: secret, not "n.c.".
                        td.r { (val(c, c.own_value, if c.position == Position::NotCalculable { i18n::nc(lang) } else { t(Msg::SecretValue) })) }
                        td.r { (val(c, c.peer_median, t(Msg::SecretValue))) }
                        td.r { (i18n::pct(c.weight, 0, lang)) } }
                }
            }
        }
    }
}

fn levers(d: &FeedbackData, lang: Lang) -> Markup {
    let t = |m: Msg| m.text(lang);
    let prio = priorities(d);
    html! {
        @if d.calculability.is_none() {
            h2 { (t(Msg::Levers)) }
            @if d.case == SheetCase::TopLevel { p { (t(Msg::TopLevel)) } }
            @if prio.is_empty() {
                p { (t(Msg::NoLever)) }
            } @else {
                p { (t(Msg::LeversIntro)) }
                ol.prio { @for c in prio {
                    li { strong { (i18n::criterion_name(c.key, lang)) } " ("
                        (i18n::position_words(c.key, c.position, lang))
                        @if let Some(g) = c.gain_points { ", ≈ +" (i18n::num(g, 1, lang)) " " (t(Msg::Points)) }
                        ") : " (i18n::lever(c.key, lang)) }
                } }
            }
        }
    }
}

/// Renders the employer's sheet (one A4 page when printed).
pub fn feedback_sheet(d: &FeedbackData, lang: Lang) -> String {
    let t = |m: Msg| m.text(lang);
    let html_lang = if lang == Lang::Fr { "fr" } else { "en" };
    let css = format!("{BASE_CSS}{SHEET_CSS}");
    html! {
        (DOCTYPE)
        html lang=(html_lang) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (t(Msg::SheetTitle)) " — " (d.name) }
                style { (PreEscaped(css)) }
            }
            body { main.sheet {
                h1 { (t(Msg::SheetTitle)) }
                p.who { strong { (d.name) } " · " (d.commune) " · SIRET " (d.siret) br;
                    (d.sector_name) " · " (i18n::size_band(d.size_band, lang)) " · "
                    (i18n::place_words(&d.zone, lang)) " · " (d.period) }
                (head_boxes(d, lang))
                p { (i18n::kv(t(Msg::PeerGroup), &peers_line(d, lang), lang)) }
                (case_box(d, lang))
                @if d.calculability.is_none() { (criteria_table(d, lang)) }
                (levers(d, lang))
                h2 { (t(Msg::HowComputed)) }
                p { (t(Msg::HowComputedText)) }
                h2 { (t(Msg::Contest)) }
                p { (t(Msg::ContestText)) }
                @if let Some(c) = &d.contact { p { strong { (i18n::kv(t(Msg::Contact), c, lang)) } } }
            } }
        }
    }
    .into_string()
}

/// Text of a link to an example sheet: sector, size, zone, label and period, never a name.
pub fn link_text(s: &super::results::SheetLink, lang: Lang) -> String {
    format!(
        "{} — {}, {}, {} — {} ({})",
        case_name(s.case, lang),
        s.sector,
        i18n::size_band(s.size_band, lang),
        s.zone,
        i18n::label_name(s.label, lang),
        s.period
    )
}

/// Name of a sheet case.
pub fn case_name(c: SheetCase, lang: Lang) -> &'static str {
    match c {
        SheetCase::Calculable => Msg::CaseCalculable.text(lang),
        SheetCase::NotCalculable => Msg::CaseNotCalculable.text(lang),
        SheetCase::Gated => Msg::CaseGated.text(lang),
        SheetCase::TopLevel => Msg::CaseTopLevel.text(lang),
    }
}

/// Example sheets for the exposure section of a run report: the files
/// `sheets/example-<k>.html` (k from 1) and their links. The examples are anonymised: the
/// sheet shows a placeholder for the name and SIRET ("Établissement A"), since the report
/// folder is read by policy teams, not by the employer.
pub fn example_sheet_files(
    sheets: &[FeedbackData],
    lang: Lang,
) -> (Vec<super::ReportFile>, Vec<super::results::SheetLink>) {
    let mut files = Vec::new();
    let mut links = Vec::new();
    for (k, d) in sheets.iter().enumerate() {
        let href = format!("sheets/example-{}.html", k + 1);
        let mut anon = d.clone();
        let letter = (b'A' + k as u8) as char;
        anon.name = match lang {
            Lang::Fr => format!("Établissement {letter} (exemple anonymisé)"),
            Lang::En => format!("Establishment {letter} (anonymised example)"),
        };
        anon.siret = "•".repeat(14);
        anon.commune = anon.zone.name.clone();
        files.push((
            std::path::PathBuf::from(&href),
            feedback_sheet(&anon, lang).into_bytes(),
        ));
        links.push(super::results::SheetLink {
            case: d.case,
            sector: d.sector_name.clone(),
            size_band: d.size_band,
            zone: d.zone.name.clone(),
            label: d.label,
            period: d.period.clone(),
            href,
        });
    }
    (files, links)
}
