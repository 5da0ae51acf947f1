//! The counsellors' page as `engagement serve` serves it: one page of the list (filters,
//! search and paging are done by the server, so a national list stays fast) and an
//! employer's detail. French by default, English with `?lang=en`.
//!
//! Everything shown comes from published records ([`EmployerRecord`]): label, rounded
//! score, positions against the peers in the reader's terms (`report::i18n`, never a
//! value or a count), withheld sensitive criteria said as such, the label history. The HTML
//! is written with maud, which escapes every value; the page needs no script.

use super::doc::BASE_CSS;
use crate::config::Lang;
use crate::feed::index::SIZES;
use crate::feed::{Citation, EmployerRecord, FarStatus, Reason};
use crate::indicators::Criterion;
use crate::reference::Reference;
use crate::report::i18n::{self, position_words, Msg};
use crate::score::Label;
use maud::{html, Markup, PreEscaped, DOCTYPE};

/// Display names beside a record (the record itself holds codes).
#[derive(Debug, Clone, PartialEq)]
pub struct Names {
    pub commune: String,
    pub zone: String,
    pub sector: String,
    pub size: String,
    pub trend: String,
    pub peers: String,
}

/// A record with its display names.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    pub record: EmployerRecord,
    pub names: Names,
    pub rank: usize,
}

/// A `<select>` of the filter form: parameter, options (value, text), current value.
#[derive(Debug, Clone, PartialEq)]
pub struct Select {
    pub param: &'static str,
    pub word: Msg,
    pub options: Vec<(String, String)>,
    pub current: String,
}

/// One page of the list.
#[derive(Debug, Clone, PartialEq)]
pub struct ListView {
    pub lang: Lang,
    pub period: String,
    pub selects: Vec<Select>,
    pub q: String,
    pub total: usize,
    pub page: usize,
    pub pages: usize,
    pub items: Vec<Shown>,
    pub prev: Option<String>,
    pub next: Option<String>,
    /// Link to the same page in the other language.
    pub other_lang: String,
    /// Query string of the list (to come back from a detail).
    pub query: String,
}

/// Display names of a record, from the reference tables and the words of [`i18n`].
pub fn names(rf: &Reference, r: &EmployerRecord, lang: Lang) -> Names {
    let division = &r.sector.division;
    let rung = i18n::rung_words(r.peers.rung, lang);
    Names {
        commune: rf
            .communes
            .get(&r.place.commune)
            .map_or_else(|| r.place.commune.clone(), |c| c.name.clone()),
        zone: rf.zone_name(&r.place.zone).to_string(),
        sector: format!(
            "{division} {}",
            rf.naf_label(division).unwrap_or(&r.sector.naf)
        ),
        size: i18n::size_band(r.size_band, lang).to_string(),
        trend: i18n::trend_words(r.trend, lang).to_string(),
        peers: match r.peers.members {
            Some(n) => format!("{rung} · {n}"),
            None => rung.to_string(),
        },
    }
}

/// The filter form's selects: `zones` and `sectors` as (code, name), the current values
/// from the query `pairs`.
pub fn selects(
    zones: &[(&str, &str)],
    sectors: &[(&str, &str)],
    pairs: &[(String, String)],
    lang: Lang,
) -> Vec<Select> {
    let cur = |k: &str| {
        pairs
            .iter()
            .find(|(p, _)| p == k)
            .map_or_else(String::new, |(_, v)| v.clone())
    };
    let all = || (String::new(), Msg::ServedAll.text(lang).to_string());
    let mut zs: Vec<(String, String)> = zones
        .iter()
        .map(|(code, name)| (code.to_string(), format!("{name} ({code})")))
        .collect();
    zs.sort_by(|a, b| a.1.cmp(&b.1));
    zs.insert(0, all());
    let mut ss = vec![all()];
    ss.extend(
        sectors
            .iter()
            .map(|(code, name)| (code.to_string(), format!("{code} – {name}"))),
    );
    let mut sizes = vec![all()];
    sizes.extend(SIZES.iter().map(|b| {
        (
            b.as_str().to_string(),
            i18n::size_band(*b, lang).to_string(),
        )
    }));
    let level = |l: u8| i18n::level_name(l, lang);
    let levels = vec![
        (String::new(), Msg::ServedLabelled.text(lang).to_string()),
        (
            "2,3".into(),
            format!("{} {}", Msg::ServedAtLeast.text(lang), level(2)),
        ),
        ("3".into(), level(3).to_string()),
    ];
    let select = |param, word, options| Select {
        param,
        word,
        options,
        current: cur(param),
    };
    vec![
        select("zone", Msg::ServedZone, zs),
        select("sector", Msg::ServedSector, ss),
        select("size", Msg::ServedSize, sizes),
        select("level", Msg::ServedLevel, levels),
    ]
}

const CSS: &str = r#"
.filters { display: flex; flex-wrap: wrap; gap: 0.6rem 1rem; align-items: end; background: var(--soft); padding: 0.8rem 1rem; border-radius: 6px; margin: 1rem 0; }
.filters label { display: flex; flex-direction: column; font-size: 0.85rem; color: var(--muted); }
.filters select, .filters input { font-size: 1rem; padding: 0.3rem 0.4rem; border: 1px solid #aab1ba; border-radius: 4px; min-width: 10rem; max-width: 20rem; background: #fff; }
.filters button { font-size: 1rem; padding: 0.35rem 1rem; border: 0; border-radius: 4px; background: var(--accent); color: #fff; cursor: pointer; }
.count { font-weight: 600; margin: 0.4rem 0 0.8rem; }
ol.emps { list-style: none; padding: 0; margin: 0; }
li.emp { border: 1px solid var(--line); border-radius: 6px; margin: 0.45rem 0; padding: 0.55rem 0.8rem; display: grid; grid-template-columns: 2.4rem 1fr auto; gap: 0.1rem 0.8rem; }
.rank { font-weight: 700; color: var(--muted); text-align: right; }
.nm { font-weight: 700; font-size: 1.05rem; }
.meta, .why { grid-column: 2 / 4; color: var(--muted); font-size: 0.9rem; }
.why { color: var(--ink); }
.right { text-align: right; white-space: nowrap; }
.badge { display: inline-block; padding: 0.1rem 0.55rem; border-radius: 999px; font-size: 0.85rem; font-weight: 600; color: #fff; }
.lv0 { background: #6b7280; } .lv1 { background: #3A8FC7; } .lv2 { background: #0072B2; } .lv3 { background: #00785A; } .lvn { background: #9aa1a9; }
.sc { font-variant-numeric: tabular-nums; margin-left: 0.5rem; }
.pager { display: flex; gap: 1rem; align-items: center; margin: 1rem 0; }
.privacy { font-size: 0.85rem; color: var(--muted); }
.top { display: flex; justify-content: space-between; align-items: baseline; }
"#;

fn page(lang: Lang, title: &str, body: Markup) -> String {
    let lang_code = if lang == Lang::Fr { "fr" } else { "en" };
    html! {
        (DOCTYPE)
        html lang=(lang_code) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(BASE_CSS)) (PreEscaped(CSS)) }
            }
            body { main { (body) } }
        }
    }
    .into_string()
}

fn badge(label: Option<u8>, lang: Lang) -> Markup {
    let class = match label {
        Some(l) => format!("badge lv{l}"),
        None => "badge lvn".to_string(),
    };
    html! { span class=(class) { (i18n::label_name(Label::of(label), lang)) } }
}

fn criterion_words(key: &str, lang: Lang) -> String {
    match crate::indicators::Criterion::from_name(key) {
        Some(c) => i18n::criterion_name(c, lang).to_string(),
        None => Msg::ServedFar.text(lang).to_string(),
    }
}

/// Why the employer is listed, in words.
pub fn why(r: &EmployerRecord, lang: Lang) -> String {
    let items: Vec<String> = r
        .reasons
        .iter()
        .take(3)
        .map(|reason| {
            let words = match reason {
                Reason::Criterion(c) => r
                    .citation(*c)
                    .and_then(Citation::standing)
                    .map_or("", |p| position_words(*c, p, lang)),
                Reason::FarFromEmployment => far_words(r.far_from_employment.status, lang),
            };
            format!("{} ({words})", criterion_words(reason.key(), lang))
        })
        .collect();
    if items.is_empty() {
        Msg::ServedNothingCitable.text(lang).to_string()
    } else {
        items.join(", ")
    }
}

fn score_text(r: &EmployerRecord, lang: Lang) -> String {
    match (r.score, r.score_interval) {
        (Some(s), Some([a, b])) => format!("{} {s} [{a}–{b}]", Msg::ServedScore.text(lang)),
        (Some(s), None) => format!("{} {s}", Msg::ServedScore.text(lang)),
        _ => Msg::ServedNotCalculable.text(lang).to_string(),
    }
}

fn item(s: &Shown, lang: Lang, query: &str) -> Markup {
    let r = &s.record;
    let name = r.name.clone().unwrap_or_else(|| r.siret.clone());
    let href = format!("/employers/{}?{query}", r.siret);
    html! {
        li.emp data-siret=(r.siret) {
            span.rank { (s.rank) }
            span.nm { a href=(href) { (name) } }
            span.right { (badge(r.label, lang)) span.sc { (score_text(r, lang)) } }
            span.meta { (s.names.commune) " · " (s.names.zone) " · " (s.names.sector) " · " (s.names.size) " · " (s.names.trend) }
            span.why { strong { (Msg::ServedWhy.text(lang)) " : " } (why(r, lang)) }
        }
    }
}

fn filters(v: &ListView) -> Markup {
    let lang = v.lang;
    html! {
        form.filters method="get" action="/" role="search" {
            @for s in &v.selects {
                label for=(format!("f-{}", s.param)) { (s.word.text(lang)) select id=(format!("f-{}", s.param)) name=(s.param) {
                    @for (val, text) in &s.options {
                        option value=(val) selected[*val == s.current] { (text) }
                    }
                } }
            }
            label for="f-q" { (Msg::ServedSearch.text(lang)) input #f-q type="search" name="q" value=(v.q) autocomplete="off"; }
            @if lang == Lang::En { input type="hidden" name="lang" value="en"; }
            button type="submit" { (Msg::ServedFilter.text(lang)) }
        }
    }
}

/// The list page.
pub fn list_page(v: &ListView) -> String {
    let lang = v.lang;
    let body = html! {
        div.top {
            h1 { (Msg::ServedTitle.text(lang)) }
            a href=(v.other_lang) hreflang=(if lang == Lang::Fr { "en" } else { "fr" }) { (Msg::ServedOther.text(lang)) }
        }
        p.subtitle { (Msg::ServedPeriod.text(lang)) " " (v.period) }
        (filters(v))
        p.count #count { (v.total) " " (Msg::ServedFound.text(lang))
            @if v.pages > 0 { " · " (Msg::ServedPage.text(lang)) " " (v.page) " " (Msg::ServedOf.text(lang)) " " (v.pages) } }
        @if v.items.is_empty() { p #nothing { (Msg::ServedNothing.text(lang)) } }
        ol.emps { @for s in &v.items { (item(s, lang, &v.query)) } }
        nav.pager {
            @if let Some(p) = &v.prev { a #prev href=(p) { (Msg::ServedPrevious.text(lang)) } }
            @if let Some(n) = &v.next { a #next href=(n) { (Msg::ServedNext.text(lang)) } }
        }
        p.privacy { (Msg::ServedPrivacy.text(lang)) }
    };
    page(lang, Msg::ServedTitle.text(lang), body)
}

/// The pooled block is a share of hires where more is better, worded like one of its members.
const POOLED_WORDING: Criterion = Criterion::LongUnemployed;

fn citation_words(k: Criterion, c: Citation, lang: Lang) -> &'static str {
    match c {
        Citation::Shown(p) => position_words(k, p, lang),
        Citation::Withheld => Msg::ServedWithheld.text(lang),
        Citation::NotCalculable => Msg::ServedNotCalculable.text(lang),
    }
}

fn far_words(s: FarStatus, lang: Lang) -> &'static str {
    match s {
        FarStatus::Shown(p) => position_words(POOLED_WORDING, p, lang),
        FarStatus::PartlyShown => Msg::ServedFarPartly.text(lang),
        FarStatus::TooFewPersons => Msg::ServedFarTooFew.text(lang),
        FarStatus::NotCalculable => Msg::ServedNotCalculable.text(lang),
    }
}

/// An employer's detail page; `back` is the list's address.
pub fn detail_page(s: &Shown, lang: Lang, back: &str, other_lang: &str) -> String {
    let r = &s.record;
    let name = r.name.clone().unwrap_or_else(|| r.siret.clone());
    let pct = |w: f64| i18n::pct(w, 0, lang);
    let body = html! {
        div.top { p { a #back href=(back) { (Msg::ServedBack.text(lang)) } } a href=(other_lang) { (Msg::ServedOther.text(lang)) } }
        h1 #name { (name) }
        p.subtitle { "SIRET " (r.siret) " · " (s.names.commune) " · " (s.names.zone) " · " (s.names.sector) " · " (s.names.size) }
        p { (badge(r.label, lang)) span.sc { (score_text(r, lang)) } " · " (Msg::ServedPeriod.text(lang)) " " (r.period) " · " (Msg::ServedTrend.text(lang)) " : " (s.names.trend) }
        p { strong { (Msg::ServedWhy.text(lang)) " : " } (why(r, lang)) }
        p.privacy { (Msg::ServedPeers.text(lang)) " : " (s.names.peers) }
        table #criteria {
            thead { tr { th { (Msg::ServedCriterion.text(lang)) } th.r { (Msg::ServedWeight.text(lang)) } th { (Msg::ServedPosition.text(lang)) } } }
            tbody {
                @for c in &r.criteria {
                    tr { td { (i18n::criterion_name(c.criterion.0, lang)) } td.r { (pct(c.weight)) } td { (citation_words(c.criterion.0, c.citation, lang)) } }
                }
                tr { td { (Msg::ServedFar.text(lang)) } td.r { "" } td { (far_words(r.far_from_employment.status, lang)) } }
            }
        }
        h2 { (Msg::ServedHistory.text(lang)) }
        table #history {
            thead { tr { th { (Msg::ServedPeriod.text(lang)) } th { (Msg::ServedLevel.text(lang)) } } }
            tbody { @for h in r.history.iter().rev() { tr { td { (h.period) } td { (badge(h.label, lang)) } } } }
        }
        p.privacy { (Msg::ServedPrivacy.text(lang)) }
    };
    page(lang, &name, body)
}

/// The page of an unknown employer or address.
pub fn not_found_page(lang: Lang) -> String {
    let body = html! {
        h1 { (Msg::ServedTitle.text(lang)) }
        p #nothing { (Msg::ServedNotFound.text(lang)) }
        p { a href="/" { (Msg::ServedBack.text(lang)) } }
    };
    page(lang, Msg::ServedTitle.text(lang), body)
}

/// The page of a bad query parameter: the parameter named, and the technical message.
pub fn bad_parameter_page(parameter: &str, message: &str, lang: Lang) -> String {
    let body = html! {
        h1 { (Msg::ServedTitle.text(lang)) }
        p #error { (Msg::ServedBadParameter.text(lang)) " : " code { (parameter) } }
        p { code { (message) } }
        p { a href="/" { (Msg::ServedBack.text(lang)) } }
    };
    page(lang, Msg::ServedTitle.text(lang), body)
}
