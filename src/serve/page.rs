//! Handlers of the served counsellors' page: they validate the same parameters as the API
//! (plus `lang`), select one page of records from the index and hand them, with display
//! names, to the page templates of [`crate::report::served`].

use super::api::{self, ApiError, ListRequest};
use super::AppState;
use crate::config::Lang;
use crate::feed::EmployerRecord;
use crate::report::served::{self, ListView, Names, Select, Shown};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use std::sync::Arc;

type Pairs = Result<Query<Vec<(String, String)>>, axum::extract::rejection::QueryRejection>;

fn lang_of(pairs: &[(String, String)]) -> Result<Lang, ApiError> {
    match pairs
        .iter()
        .find(|(k, _)| k == "lang")
        .map(|(_, v)| v.as_str())
    {
        None | Some("fr") => Ok(Lang::Fr),
        Some("en") => Ok(Lang::En),
        Some(v) => Err(ApiError::bad(
            "lang",
            format!("expected fr or en, got {v:?}"),
        )),
    }
}

fn bad_page(e: ApiError, lang: Lang) -> Response {
    let html = served::bad_parameter_page(e.parameter.as_deref().unwrap_or(""), &e.message, lang);
    (StatusCode::BAD_REQUEST, Html(html)).into_response()
}

/// The query string of `pairs` with `page` replaced (`None`: left out) and `lang` toggled
/// when `swap_lang`.
fn query(pairs: &[(String, String)], page: Option<usize>, lang: Option<Lang>) -> String {
    let mut v: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, val)| k != "page" && k != "lang" && !val.is_empty())
        .cloned()
        .collect();
    if let Some(p) = page {
        v.push(("page".into(), p.to_string()));
    }
    if lang == Some(Lang::En) {
        v.push(("lang".into(), "en".into()));
    }
    serde_urlencoded::to_string(&v).unwrap_or_default()
}

fn names(state: &AppState, r: &EmployerRecord, lang: Lang) -> Names {
    served::names(&state.reference, r, lang)
}

fn selects(state: &AppState, pairs: &[(String, String)], lang: Lang) -> Vec<Select> {
    let zones: Vec<(&str, &str)> = state
        .zones
        .zones
        .iter()
        .map(|z| (z.code.as_str(), z.name.as_str()))
        .collect();
    let sectors: Vec<(&str, &str)> = state
        .sectors
        .sectors
        .iter()
        .map(|s| (s.code.as_str(), s.name.as_str()))
        .collect();
    served::selects(&zones, &sectors, pairs, lang)
}

/// `/`: one page of the list.
pub async fn list(State(state): State<Arc<AppState>>, q: Pairs) -> Response {
    let pairs = match q {
        Ok(Query(p)) => p,
        Err(e) => return bad_page(ApiError::bad("query", e.body_text()), Lang::Fr),
    };
    let (lang, req): (Lang, ListRequest) = match lang_of(&pairs)
        .and_then(|l| api::parse_list_request(&state, &pairs, &["lang"]).map(|r| (l, r)))
    {
        Ok(x) => x,
        Err(e) => return bad_page(e, lang_of(&pairs).unwrap_or(Lang::Fr)),
    };
    let pg = api::list_page(&state, &req);
    let offset = (req.page - 1) * req.per_page;
    let items = pg
        .items
        .into_iter()
        .enumerate()
        .map(|(k, record)| Shown {
            names: names(&state, &record, lang),
            record,
            rank: offset + k + 1,
        })
        .collect();
    let other = if lang == Lang::Fr { Lang::En } else { Lang::Fr };
    let link = |p: usize| format!("/?{}", query(&pairs, Some(p), Some(lang)));
    let view = ListView {
        lang,
        period: pg.period,
        selects: selects(&state, &pairs, lang),
        q: pairs
            .iter()
            .find(|(k, _)| k == "q")
            .map_or_else(String::new, |(_, v)| v.clone()),
        total: pg.total,
        page: pg.page,
        pages: pg.pages,
        items,
        prev: (req.page > 1 && pg.pages > 0).then(|| link((req.page - 1).min(pg.pages))),
        next: (req.page < pg.pages).then(|| link(req.page + 1)),
        other_lang: format!("/?{}", query(&pairs, Some(req.page), Some(other))),
        query: query(&pairs, Some(req.page), Some(lang)),
    };
    Html(served::list_page(&view)).into_response()
}

/// `/employers/{siret}`: an employer's detail; the list's parameters come along for the way
/// back.
pub async fn detail(
    State(state): State<Arc<AppState>>,
    Path(siret): Path<String>,
    q: Pairs,
) -> Response {
    let pairs = match q {
        Ok(Query(p)) => p,
        Err(e) => return bad_page(ApiError::bad("query", e.body_text()), Lang::Fr),
    };
    let lang = match lang_of(&pairs) {
        Ok(l) => l,
        Err(e) => return bad_page(e, Lang::Fr),
    };
    let found = api::parse_siret(&siret)
        .ok()
        .and_then(|s| state.index.find(s));
    let Some(i) = found else {
        return (StatusCode::NOT_FOUND, Html(served::not_found_page(lang))).into_response();
    };
    let record = state.index.record(i);
    let shown = Shown {
        names: names(&state, &record, lang),
        record,
        rank: 0,
    };
    let page = pairs
        .iter()
        .find(|(k, _)| k == "page")
        .and_then(|(_, v)| v.parse().ok());
    let back = format!("/?{}", query(&pairs, page, Some(lang)));
    let other = if lang == Lang::Fr { Lang::En } else { Lang::Fr };
    let other_link = format!("/employers/{siret}?{}", query(&pairs, page, Some(other)));
    Html(served::detail_page(&shown, lang, &back, &other_link)).into_response()
}

/// Any other address.
pub async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Html(served::not_found_page(Lang::Fr)),
    )
        .into_response()
}
