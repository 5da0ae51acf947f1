//! The counsellors' page: one self-contained HTML file listing engaged employers, ranked,
//! with filters by zone, sector and label level and a search by name or commune.
//!
//! A counsellor opens it without installing anything: CSS and a few lines of script are
//! inline and nothing is fetched. Every establishment opens (`<details>`, so it works even
//! with scripts disabled) to its position on each criterion. Privacy: positions
//! are shown in words ("au-dessus de la médiane"), never raw values or counts of persons.

use super::doc::{escape_html, BASE_CSS};
use super::i18n::{self, level_name, Msg};
use crate::config::Lang;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Position of an establishment against its peers on one criterion, already oriented so that
/// "above" is always better (for turnover or accidents, a low value is "above").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    /// Oriented percentile rank ≥ 80.
    WellAbove,
    /// 60 ≤ rank < 80.
    Above,
    /// 40 ≤ rank < 60.
    Near,
    /// 20 ≤ rank < 40.
    Below,
    /// rank < 20.
    WellBelow,
    /// Criterion not calculable (too few hires or employees): never a silent zero.
    NotCalculable,
    /// Calculable but not shown: a sensitive criterion on too few persons (privacy).
    Withheld,
}

impl Position {
    /// From an oriented sub-score on a 0–100 percentile-rank scale (50 = peer median);
    /// `None` = not calculable. Bands: `[0,20) [20,40) [40,60) [60,80) [80,100]`.
    pub fn from_sub_score(sub: Option<f64>) -> Position {
        match sub {
            Some(s) if s.is_finite() => {
                if s >= 80.0 {
                    Position::WellAbove
                } else if s >= 60.0 {
                    Position::Above
                } else if s >= 40.0 {
                    Position::Near
                } else if s >= 20.0 {
                    Position::Below
                } else {
                    Position::WellBelow
                }
            }
            _ => Position::NotCalculable,
        }
    }

    /// The position in plain words.
    pub fn words(self, lang: Lang) -> &'static str {
        match self {
            Position::WellAbove => Msg::PosWellAbove.text(lang),
            Position::Above => Msg::PosAbove.text(lang),
            Position::Near => Msg::PosNear.text(lang),
            Position::Below => Msg::PosBelow.text(lang),
            Position::WellBelow => Msg::PosWellBelow.text(lang),
            Position::NotCalculable => Msg::PosNc.text(lang),
            Position::Withheld => Msg::PosWithheld.text(lang),
        }
    }

    /// The position in short words, for tables whose header already says "against peers".
    pub fn short_words(self, lang: Lang) -> &'static str {
        match self {
            Position::WellAbove => Msg::PosShortWellAbove.text(lang),
            Position::Above => Msg::PosShortAbove.text(lang),
            Position::Near => Msg::PosShortNear.text(lang),
            Position::Below => Msg::PosShortBelow.text(lang),
            Position::WellBelow => Msg::PosShortWellBelow.text(lang),
            other => other.words(lang),
        }
    }

    /// Number of filled dots on a five-dot gauge (0 when not calculable).
    pub fn dots(self) -> usize {
        match self {
            Position::WellAbove => 5,
            Position::Above => 4,
            Position::Near => 3,
            Position::Below => 2,
            Position::WellBelow => 1,
            Position::NotCalculable | Position::Withheld => 0,
        }
    }
}

/// Label trend over the last periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    /// Score or level rising.
    Up,
    /// Score or level falling.
    Down,
    /// No significant change.
    #[default]
    Stable,
    /// First period scored.
    New,
}

impl Trend {
    /// Arrow and words.
    pub fn text(self, lang: Lang) -> String {
        match self {
            Trend::Up => format!("↗ {}", Msg::TrendUp.text(lang)),
            Trend::Down => format!("↘ {}", Msg::TrendDown.text(lang)),
            Trend::Stable => format!("→ {}", Msg::TrendStable.text(lang)),
            Trend::New => format!("• {}", Msg::TrendNew.text(lang)),
        }
    }
}

/// A criterion and the establishment's position on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriterionPosition {
    /// Criterion key.
    pub key: String,
    /// Criterion label.
    pub label: String,
    /// Position against peers.
    pub position: Position,
}

/// One row of the counsellors' list, in rank order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounsellorRow {
    /// Display name; `None` shows the SIRET.
    pub name: Option<String>,
    /// SIRET, 14 digits.
    pub siret: String,
    /// Commune name.
    pub commune: String,
    /// Employment zone code.
    pub zone_code: String,
    /// Employment zone name.
    pub zone_name: String,
    /// Sector code (NAF).
    pub sector_code: String,
    /// Sector label.
    pub sector_label: String,
    /// Size band, e.g. `10–49`.
    pub size_band: String,
    /// Label level (0–3).
    pub level: u8,
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
    /// The 2–3 criteria where the establishment stands out (labels).
    pub stands_out: Vec<String>,
}

/// Lower-case ASCII fold for search (é → e, ç → c, œ → oe): the page's script folds the
/// query the same way, so "Rennes" finds "RENNES" and "Sevigne" finds "Sévigné".
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.to_lowercase().chars() {
        match c {
            'à' | 'â' | 'ä' | 'á' => out.push('a'),
            'é' | 'è' | 'ê' | 'ë' => out.push('e'),
            'î' | 'ï' | 'í' => out.push('i'),
            'ô' | 'ö' | 'ó' => out.push('o'),
            'ù' | 'û' | 'ü' | 'ú' => out.push('u'),
            'ÿ' => out.push('y'),
            'ç' => out.push('c'),
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            _ => out.push(c),
        }
    }
    out
}

const PAGE_CSS: &str = r#"
.filters { display: flex; flex-wrap: wrap; gap: 0.6rem 1rem; align-items: end; background: var(--soft); padding: 0.8rem 1rem; border-radius: 6px; margin: 1rem 0; position: sticky; top: 0; z-index: 2; }
.filters label { display: flex; flex-direction: column; font-size: 0.85rem; color: var(--muted); }
.filters select, .filters input { font-size: 1rem; padding: 0.3rem 0.4rem; border: 1px solid #aab1ba; border-radius: 4px; min-width: 11rem; background: #fff; }
.count { font-weight: 600; margin: 0.4rem 0 0.8rem; }
details.emp { border: 1px solid var(--line); border-radius: 6px; margin: 0.45rem 0; background: #fff; }
details.emp[open] { border-color: var(--accent); }
details.emp > summary { cursor: pointer; padding: 0.55rem 0.8rem; list-style: none; display: grid; grid-template-columns: 2.2rem 1fr auto; gap: 0.2rem 0.8rem; align-items: center; }
details.emp > summary::-webkit-details-marker { display: none; }
.rank { font-weight: 700; color: var(--muted); text-align: right; }
.nm { font-weight: 700; font-size: 1.05rem; }
.meta { grid-column: 2 / 4; color: var(--muted); font-size: 0.9rem; }
.right { text-align: right; white-space: nowrap; }
.badge { display: inline-block; padding: 0.1rem 0.55rem; border-radius: 999px; font-size: 0.85rem; font-weight: 600; color: #fff; }
.lv0 { background: #6b7280; } .lv1 { background: #3A8FC7; } .lv2 { background: #0072B2; } .lv3 { background: #00785A; }
.sc { font-variant-numeric: tabular-nums; margin-left: 0.5rem; }
.ci { color: var(--muted); font-size: 0.85rem; }
.body { padding: 0.2rem 0.9rem 0.8rem 3.4rem; }
.body table { width: 100%; }
.gauge { letter-spacing: 0.12rem; color: var(--accent); white-space: nowrap; }
.gauge .off { color: #c8ced6; }
.stand { margin: 0.3rem 0 0.6rem; }
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
  var level = document.getElementById('f-level');
  var q = document.getElementById('f-q');
  var count = document.getElementById('n-shown');
  var items = document.querySelectorAll('details.emp');
  function apply() {
    var z = zone.value, s = sector.value, l = parseInt(level.value, 10) || 0;
    var t = fold(q.value.trim());
    var n = 0;
    for (var i = 0; i < items.length; i++) {
      var e = items[i];
      var ok = (!z || e.getAttribute('data-zone') === z)
        && (!s || e.getAttribute('data-sector') === s)
        && (parseInt(e.getAttribute('data-level'), 10) >= l)
        && (!t || e.getAttribute('data-q').indexOf(t) >= 0);
      e.hidden = !ok;
      if (ok) { n++; }
    }
    count.textContent = String(n);
  }
  zone.addEventListener('change', apply);
  sector.addEventListener('change', apply);
  level.addEventListener('change', apply);
  q.addEventListener('input', apply);
  apply();
})();
"#;

fn gauge(p: Position) -> String {
    let k = p.dots();
    format!(
        "<span class=\"gauge\" aria-hidden=\"true\">{}<span class=\"off\">{}</span></span>",
        "●".repeat(k),
        "●".repeat(5 - k)
    )
}

/// Renders the counsellors' page. `rows` must be in rank order (label, then score); the
/// page keeps that order and numbers the rows.
pub fn counsellor_page(rows: &[CounsellorRow], lang: Lang) -> String {
    let t = |m: Msg| m.text(lang);
    let mut zones: BTreeMap<&str, &str> = BTreeMap::new();
    let mut sectors: BTreeMap<&str, &str> = BTreeMap::new();
    for r in rows {
        zones.insert(&r.zone_code, &r.zone_name);
        sectors.insert(&r.sector_code, &r.sector_label);
    }
    let html_lang = if lang == Lang::Fr { "fr" } else { "en" };
    let mut o = String::new();
    o.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"{html_lang}\">\n<head>\n<meta charset=\"utf-8\"/>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
         <title>{}</title>\n<style>{BASE_CSS}{PAGE_CSS}</style>\n</head>\n<body>\n<main>\n",
        escape_html(t(Msg::CounsellorTitle))
    ));
    o.push_str(&format!(
        "<h1>{}</h1>\n<p class=\"subtitle\">{}</p>\n",
        escape_html(t(Msg::CounsellorTitle)),
        escape_html(t(Msg::CounsellorIntro))
    ));
    // Filters.
    o.push_str("<form class=\"filters\" role=\"search\" onsubmit=\"return false;\">\n");
    o.push_str(&format!(
        "<label for=\"f-zone\">{}<select id=\"f-zone\"><option value=\"\">{}</option>",
        escape_html(t(Msg::FilterZone)),
        escape_html(t(Msg::FilterAll))
    ));
    for (code, name) in &zones {
        o.push_str(&format!(
            "<option value=\"{}\">{} ({})</option>",
            escape_html(code),
            escape_html(name),
            escape_html(code)
        ));
    }
    o.push_str("</select></label>\n");
    o.push_str(&format!(
        "<label for=\"f-sector\">{}<select id=\"f-sector\"><option value=\"\">{}</option>",
        escape_html(t(Msg::FilterSector)),
        escape_html(t(Msg::FilterAll))
    ));
    for (code, label) in &sectors {
        o.push_str(&format!(
            "<option value=\"{}\">{} – {}</option>",
            escape_html(code),
            escape_html(code),
            escape_html(label)
        ));
    }
    o.push_str("</select></label>\n");
    o.push_str(&format!(
        "<label for=\"f-level\">{}<select id=\"f-level\">",
        escape_html(t(Msg::FilterLevel))
    ));
    for l in 0..=3u8 {
        o.push_str(&format!(
            "<option value=\"{l}\">{}</option>",
            escape_html(if l == 0 {
                t(Msg::FilterAll)
            } else {
                level_name(l, lang)
            })
        ));
    }
    o.push_str("</select></label>\n");
    o.push_str(&format!(
        "<label for=\"f-q\">{}<input id=\"f-q\" type=\"search\" autocomplete=\"off\"/></label>\n",
        escape_html(t(Msg::Search))
    ));
    o.push_str("</form>\n");
    o.push_str(&format!(
        "<p class=\"count\" aria-live=\"polite\"><span id=\"n-shown\">{}</span> {}</p>\n",
        rows.len(),
        escape_html(t(Msg::Shown))
    ));
    // Rows.
    o.push_str("<div id=\"list\">\n");
    for (i, r) in rows.iter().enumerate() {
        let name = r.name.clone().unwrap_or_else(|| r.siret.clone());
        let q = fold(&format!("{} {} {}", name, r.commune, r.siret));
        o.push_str(&format!(
            "<details class=\"emp\" data-zone=\"{}\" data-sector=\"{}\" data-level=\"{}\" data-q=\"{}\">\n",
            escape_html(&r.zone_code),
            escape_html(&r.sector_code),
            r.level,
            escape_html(&q)
        ));
        let score = match r.score {
            Some(s) => {
                let ci = match (r.score_lower, r.score_upper) {
                    (Some(l), Some(h)) => format!(
                        " <span class=\"ci\">{}</span>",
                        escape_html(&i18n::interval(l, h, 0, lang))
                    ),
                    _ => String::new(),
                };
                format!(
                    "<span class=\"sc\">{} {}</span>{ci}",
                    escape_html(t(Msg::Score)),
                    escape_html(&i18n::num(s, 0, lang))
                )
            }
            None => format!("<span class=\"sc\">{}</span>", escape_html(i18n::nc(lang))),
        };
        o.push_str(&format!(
            "<summary><span class=\"rank\">{}</span><span class=\"nm\">{}</span>\
             <span class=\"right\"><span class=\"badge lv{}\">{}</span>{score}</span>\
             <span class=\"meta\">{} · {} – {} · {} {} · {}</span></summary>\n",
            i + 1,
            escape_html(&name),
            r.level.min(3),
            escape_html(level_name(r.level, lang)),
            escape_html(&r.commune),
            escape_html(&r.sector_code),
            escape_html(&r.sector_label),
            escape_html(&r.size_band),
            escape_html(t(Msg::Employees)),
            escape_html(&r.trend.text(lang)),
        ));
        o.push_str("<div class=\"body\">\n");
        if !r.stands_out.is_empty() {
            o.push_str(&format!(
                "<p class=\"stand\"><strong>{}</strong>{}{}</p>\n",
                escape_html(t(Msg::StandsOut)),
                if lang == Lang::Fr { " : " } else { ": " },
                escape_html(&r.stands_out.join(", "))
            ));
        }
        o.push_str(&format!(
            "<p>{} · SIRET {}</p>\n",
            escape_html(&r.zone_name),
            escape_html(&r.siret)
        ));
        o.push_str(&format!(
            "<table><thead><tr><th>{}</th><th>{}</th><th></th></tr></thead><tbody>\n",
            escape_html(t(Msg::ColCriterion)),
            escape_html(t(Msg::ColPosition))
        ));
        for c in &r.criteria {
            o.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                escape_html(&c.label),
                escape_html(c.position.short_words(lang)),
                gauge(c.position)
            ));
        }
        o.push_str("</tbody></table>\n</div>\n</details>\n");
    }
    o.push_str("</div>\n");
    o.push_str(&format!(
        "<p class=\"privacy\">{}</p>\n",
        escape_html(t(Msg::PrivacyNote))
    ));
    o.push_str("</main>\n<script>");
    o.push_str(PAGE_JS);
    o.push_str("</script>\n</body>\n</html>\n");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_from_sub_scores() {
        assert_eq!(Position::from_sub_score(Some(85.0)), Position::WellAbove);
        assert_eq!(Position::from_sub_score(Some(60.0)), Position::Above);
        assert_eq!(Position::from_sub_score(Some(50.0)), Position::Near);
        assert_eq!(Position::from_sub_score(Some(39.9)), Position::Below);
        assert_eq!(Position::from_sub_score(Some(0.0)), Position::WellBelow);
        assert_eq!(Position::from_sub_score(None), Position::NotCalculable);
        assert_eq!(
            Position::from_sub_score(Some(f64::NAN)),
            Position::NotCalculable
        );
    }

    #[test]
    fn fold_strips_accents() {
        assert_eq!(fold("Sévigné Œuvre ÇA"), "sevigne oeuvre ca");
    }
}
