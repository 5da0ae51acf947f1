//! The counsellors' page: one self-contained HTML file listing engaged employers, ranked,
//! with filters by zone, sector, size and label and a search by name or commune.
//!
//! A counsellor opens it without installing anything: CSS and a few lines of script are
//! inline and nothing is fetched. Each employer says in words why it is listed (its label
//! and the criteria where it does better than its peers), and opens (`<details>`, so it works
//! with scripts disabled) to its position on each criterion. Privacy: positions in words,
//! never raw values or counts of persons; sensitive criteria on fewer than 11 persons are
//! withheld and the page says so. Every employer also shows the sensitive criteria pooled
//! into one block ([`FarFromEmployment`]) when the pool meets the 11-person rule, or says
//! plainly why nothing can be shown; a favourable pooled block is a reason to be listed. The HTML is written with maud, which escapes every value.

use super::doc::BASE_CSS;
use super::i18n::{self, Msg};
use super::names::Place;
use crate::config::Lang;
use crate::indicators::Criterion;
use crate::score::peers::SizeBand;
use crate::score::publish::{FarFromEmployment, FarStatus};
use crate::score::{Label, Position, Trend};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A criterion and the establishment's position on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriterionPosition {
    /// Criterion.
    pub key: Criterion,
    /// Position against peers.
    pub position: Position,
}

/// One row of the counsellors' list, in rank order: keys and numbers only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounsellorRow {
    /// Display name; `None` shows the SIRET.
    pub name: Option<String>,
    /// SIRET, 14 digits.
    pub siret: String,
    /// Commune name.
    pub commune: String,
    /// Employment zone (or département used as zone).
    pub zone: Place,
    /// Sector code at the level shown (NAF division by default).
    pub sector_code: String,
    /// NAF label of that code.
    pub sector_name: String,
    /// Size band.
    pub size_band: SizeBand,
    /// Label.
    pub label: Label,
    /// Composite score (0–100), `None` if not calculable.
    pub score: Option<f64>,
    /// Lower bound of the score's 95% interval.
    pub score_lower: Option<f64>,
    /// Upper bound of the score's 95% interval.
    pub score_upper: Option<f64>,
    /// Label trend.
    pub trend: Trend,
    /// Position on each criterion.
    pub criteria: Vec<CriterionPosition>,
    /// Criteria where it does better than its peers (citable only), best first.
    pub strengths: Vec<Criterion>,
    /// Sensitive criteria that cannot be cited (fewer than 11 persons).
    pub withheld: Vec<Criterion>,
    /// The sensitive criteria pooled into one block, as the published record gives it.
    #[serde(default)]
    pub far: FarFromEmployment,
}

/// The pooled block's heading with the criteria it pools.
fn far_title(r: &CounsellorRow, lang: Lang) -> String {
    let members: Vec<&str> = r
        .far
        .members
        .iter()
        .map(|&c| i18n::criterion_name(c, lang))
        .collect();
    if members.is_empty() {
        Msg::FarTitle.text(lang).to_string()
    } else {
        format!("{} ({})", Msg::FarTitle.text(lang), members.join(", "))
    }
}

/// Lower-case ASCII fold for search (é → e, ç → c, œ → oe): the page's script folds the
/// query the same way, so "Rennes" finds "RENNES" and "Sevigne" finds "Sévigné".
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.to_lowercase().chars() {
        crate::text::push_unaccented(c, &mut out);
    }
    out
}

const PAGE_CSS: &str = r#"
.filters { display: flex; flex-wrap: wrap; gap: 0.6rem 1rem; align-items: end; background: var(--soft); padding: 0.8rem 1rem; border-radius: 6px; margin: 1rem 0; position: sticky; top: 0; z-index: 2; }
.filters label { display: flex; flex-direction: column; font-size: 0.85rem; color: var(--muted); }
.filters select, .filters input { font-size: 1rem; padding: 0.3rem 0.4rem; border: 1px solid #aab1ba; border-radius: 4px; min-width: 10rem; background: #fff; }
.count { font-weight: 600; margin: 0.4rem 0 0.8rem; }
details.emp { border: 1px solid var(--line); border-radius: 6px; margin: 0.45rem 0; background: #fff; }
details.emp[open] { border-color: var(--accent); }
details.emp > summary { cursor: pointer; padding: 0.55rem 0.8rem; list-style: none; display: grid; grid-template-columns: 2.2rem 1fr auto; gap: 0.2rem 0.8rem; align-items: center; }
details.emp > summary::-webkit-details-marker { display: none; }
.rank { font-weight: 700; color: var(--muted); text-align: right; }
.nm { font-weight: 700; font-size: 1.05rem; }
.meta, .why { grid-column: 2 / 4; color: var(--muted); font-size: 0.9rem; }
.why { color: var(--ink); }
.right { text-align: right; white-space: nowrap; }
.badge { display: inline-block; padding: 0.1rem 0.55rem; border-radius: 999px; font-size: 0.85rem; font-weight: 600; color: #fff; }
.lv0 { background: #6b7280; } .lv1 { background: #3A8FC7; } .lv2 { background: #0072B2; } .lv3 { background: #00785A; }
.sc { font-variant-numeric: tabular-nums; margin-left: 0.5rem; }
.ci { color: var(--muted); font-size: 0.85rem; }
.body { padding: 0.2rem 0.9rem 0.8rem 3.4rem; }
.body table { width: 100%; }
.gauge { letter-spacing: 0.12rem; color: var(--accent); white-space: nowrap; }
.gauge .off { color: #c8ced6; }
.privacy { font-size: 0.85rem; color: var(--muted); }
@media print { .filters { position: static; } details.emp { break-inside: avoid; } }
"#;

const PAGE_JS: &str = r#"
(function () {
  function fold(s) {
    return s.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '')
      .replace(/œ/g, 'oe').replace(/æ/g, 'ae');
  }
  var zone = document.getElementById('f-zone');
  var sector = document.getElementById('f-sector');
  var size = document.getElementById('f-size');
  var level = document.getElementById('f-level');
  var q = document.getElementById('f-q');
  var count = document.getElementById('n-shown');
  var items = document.querySelectorAll('details.emp');
  function apply() {
    var z = zone.value, s = sector.value, b = size.value, l = parseInt(level.value, 10) || 0;
    var t = fold(q.value.trim());
    var n = 0;
    for (var i = 0; i < items.length; i++) {
      var e = items[i];
      var ok = (!z || e.getAttribute('data-zone') === z)
        && (!s || e.getAttribute('data-sector') === s)
        && (!b || e.getAttribute('data-size') === b)
        && (parseInt(e.getAttribute('data-level'), 10) >= l)
        && (!t || e.getAttribute('data-q').indexOf(t) >= 0);
      e.hidden = !ok;
      if (ok) { n++; }
    }
    count.textContent = String(n);
  }
  // Filters can be preset from the address: counsellors.html#size=10-49&zone=35
  location.hash.replace(/^#/, '').split('&').forEach(function (kv) {
    var p = kv.split('='), el = document.getElementById('f-' + p[0]);
    if (el && p.length === 2) { el.value = decodeURIComponent(p[1]); }
  });
  [zone, sector, size, level].forEach(function (x) { x.addEventListener('change', apply); });
  q.addEventListener('input', apply);
  apply();
})();
"#;

/// A five-dot gauge of a position.
pub fn gauge(p: Position) -> Markup {
    let k = p.dots();
    html! {
        span.gauge aria-hidden="true" { ("●".repeat(k)) span.off { ("●".repeat(5 - k)) } }
    }
}

/// Why an employer is listed, in words: its label, then what can be cited.
pub fn why_listed(r: &CounsellorRow, lang: Lang) -> String {
    let label = i18n::label_name(r.label, lang);
    let mut s = if r.label.level().unwrap_or(0) > 0 {
        format!("« {label} » : {}", Msg::WhyLabel.text(lang))
    } else {
        Msg::WhyUnlabelled.text(lang).to_string()
    };
    if lang == Lang::En {
        s = s.replace("« ", "“").replace(" » :", "”:");
    }
    let pos = |c: Criterion| {
        r.criteria
            .iter()
            .find(|x| x.key == c)
            .map_or(Position::NotCalculable, |x| x.position)
    };
    let mut items: Vec<String> = r
        .strengths
        .iter()
        .map(|&c| {
            format!(
                "{} ({})",
                i18n::criterion_name(c, lang),
                i18n::position_words(c, pos(c), lang)
            )
        })
        .collect();
    if matches!(r.far.status, FarStatus::Shown(p) if p.is_favourable()) {
        items.push(format!(
            "{} ({})",
            far_title(r, lang),
            i18n::far_words(&r.far, lang)
        ));
    }
    if items.is_empty() {
        s.push_str(". ");
        s.push_str(Msg::NothingCitable.text(lang));
    } else {
        s = format!(
            "{s}. {}",
            i18n::kv(Msg::ColStrengths.text(lang), &items.join(", "), lang)
        );
        s.push('.');
    }
    s
}

fn filters(rows: &[CounsellorRow], lang: Lang) -> Markup {
    let t = |m: Msg| m.text(lang);
    let mut zones: BTreeMap<&str, String> = BTreeMap::new();
    let mut sectors: BTreeMap<&str, &str> = BTreeMap::new();
    for r in rows {
        zones.insert(&r.zone.code, i18n::place_words(&r.zone, lang));
        sectors.insert(&r.sector_code, &r.sector_name);
    }
    html! {
        form.filters role="search" onsubmit="return false;" {
            label for="f-zone" { (t(Msg::FilterZone)) select #f-zone {
                option value="" { (t(Msg::FilterAll)) }
                @for (code, name) in &zones { option value=(code) { (name) } }
            } }
            label for="f-sector" { (t(Msg::FilterSector)) select #f-sector {
                option value="" { (t(Msg::FilterAll)) }
                @for (code, name) in &sectors { option value=(code) { (code) " – " (name) } }
            } }
            label for="f-size" { (t(Msg::FilterSize)) select #f-size {
                option value="" { (t(Msg::FilterAll)) }
                @for b in SizeBand::ALL { option value=(b.as_str()) { (i18n::size_band(b, lang)) } }
            } }
            label for="f-level" { (t(Msg::FilterLevel)) select #f-level {
                @for l in 0..=3u8 {
                    option value=(l) { (if l == 0 { t(Msg::FilterAll) } else { i18n::level_name(l, lang) }) }
                }
            } }
            label for="f-q" { (t(Msg::Search)) input #f-q type="search" autocomplete="off"; }
        }
    }
}

fn score_markup(r: &CounsellorRow, lang: Lang) -> Markup {
    html! {
        @if let Some(s) = r.score {
            span.sc { (Msg::Score.text(lang)) " " (i18n::num(s, 0, lang)) }
            @if let (Some(l), Some(h)) = (r.score_lower, r.score_upper) {
                " " span.ci { (i18n::interval(l, h, 0, lang)) }
            }
        } @else {
            span.sc { (i18n::nc(lang)) }
        }
    }
}

fn row_markup(i: usize, r: &CounsellorRow, lang: Lang) -> Markup {
    let name = r.name.clone().unwrap_or_else(|| r.siret.clone());
    let level = r.label.level().unwrap_or(0);
    let q = fold(&format!("{} {} {}", name, r.commune, r.siret));
    html! {
        details.emp data-zone=(r.zone.code) data-sector=(r.sector_code)
            data-size=(r.size_band.as_str()) data-level=(level) data-q=(q) {
            summary {
                span.rank { (i + 1) }
                span.nm { (name) }
                span.right { span class={ "badge lv" (level.min(3)) } { (i18n::label_name(r.label, lang)) } (score_markup(r, lang)) }
                span.meta { (r.commune) " · " (r.sector_code) " – " (r.sector_name) " · "
                    (i18n::size_band(r.size_band, lang)) " · " (i18n::trend_words(r.trend, lang)) }
                span.why { (why_listed(r, lang)) }
            }
            div.body {
                p { (i18n::place_words(&r.zone, lang)) " · SIRET " (r.siret) }
                p.far { (i18n::kv(&far_title(r, lang), i18n::far_words(&r.far, lang), lang)) }
                @if !r.withheld.is_empty() {
                    p.privacy { (i18n::kv(Msg::WithheldNote.text(lang), &r.withheld.iter().map(|c| i18n::criterion_name(*c, lang)).collect::<Vec<_>>().join(", "), lang)) }
                }
                table {
                    thead { tr { th { (Msg::ColCriterion.text(lang)) } th { (Msg::ColPosition.text(lang)) } th {} } }
                    tbody {
                        @for c in &r.criteria {
                            tr { td { (i18n::criterion_name(c.key, lang)) } td { (i18n::position_words(c.key, c.position, lang)) } td { (gauge(c.position)) } }
                        }
                    }
                }
            }
        }
    }
}

/// Renders the counsellors' page. `rows` must be in rank order (label, then score); the
/// page keeps that order and numbers the rows.
pub fn counsellor_page(rows: &[CounsellorRow], lang: Lang) -> String {
    let t = |m: Msg| m.text(lang);
    let html_lang = if lang == Lang::Fr { "fr" } else { "en" };
    let css = format!("{BASE_CSS}{PAGE_CSS}");
    let page = html! {
        (DOCTYPE)
        html lang=(html_lang) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (t(Msg::CounsellorTitle)) }
                style { (PreEscaped(css)) }
            }
            body { main {
                h1 { (t(Msg::CounsellorTitle)) }
                p.subtitle { (t(Msg::CounsellorIntro)) }
                (filters(rows, lang))
                p.count aria-live="polite" { span #n-shown { (rows.len()) } " " (t(Msg::Shown)) }
                div #list { @for (i, r) in rows.iter().enumerate() { (row_markup(i, r, lang)) } }
                p.privacy { (t(Msg::PrivacyNote)) }
            }
            script { (PreEscaped(PAGE_JS)) }
            }
        }
    };
    page.into_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_strips_accents() {
        assert_eq!(fold("Sévigné Œuvre ÇA"), "sevigne oeuvre ca");
    }
}
