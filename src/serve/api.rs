//! The JSON API under `/api/v1/` and its OpenAPI 3.1 document.
//!
//! Every parameter is checked before the index is touched: an unknown parameter or a bad
//! value gets a 400 whose JSON body names the parameter; an unknown SIRET gets a 404. List
//! items and the detail are the published records themselves ([`EmployerRecord`]); the
//! record's schema is the feed's JSON Schema (`docs/feed.schema.json`), embedded in the
//! OpenAPI document so that API and feed share one contract.

use super::AppState;
use crate::feed::index::{fold, Filter, SIZES};
use crate::feed::{EmployerRecord, FeedMeta};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, OpenApi, ToSchema};

/// The record's JSON Schema, shipped with the feed.
pub const FEED_SCHEMA: &str = include_str!("../../docs/feed.schema.json");
/// Largest page.
pub const MAX_PER_PAGE: usize = 100;
/// Default page size.
pub const DEFAULT_PER_PAGE: usize = 20;
/// Label levels listed by default (bit k = level k): the labelled employers, 1–3.
pub const DEFAULT_LEVELS: u8 = 0b1110;
/// Longest search text.
const MAX_Q: usize = 100;

/// An error: what went wrong and, for a bad parameter, which one.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApiError {
    /// `bad_parameter`, `not_found`.
    pub error: String,
    /// The parameter at fault.
    pub parameter: Option<String>,
    /// What is wrong, in English.
    pub message: String,
}

impl ApiError {
    pub fn bad(parameter: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            error: "bad_parameter".into(),
            parameter: Some(parameter.into()),
            message: message.into(),
        }
    }
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError {
            error: "not_found".into(),
            parameter: None,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = if self.error == "not_found" {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::BAD_REQUEST
        };
        (code, Json(self)).into_response()
    }
}

/// Query parameters of the employer list (documentation of [`employers`]).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ListParams {
    /// Employment zone (ZE2020): code such as `5315`, or its name (`Rennes`).
    zone: Option<String>,
    /// NAF code prefix (`56`, `56.10`, `5610C`) or section letter (`I`).
    sector: Option<String>,
    /// Size bands, comma-separated: `1-9`, `10-49`, `50-249`, `250+`.
    size: Option<String>,
    /// Label levels, comma-separated 0–3 (default `1,2,3`: labelled employers).
    level: Option<String>,
    /// Search in name, commune and SIRET (accents and case ignored).
    q: Option<String>,
    /// Page number from 1 (default 1); a page past the end is empty.
    page: Option<usize>,
    /// Employers per page, 1–100 (default 20).
    per_page: Option<usize>,
    /// `rotated` (default: seeded fair rotation among equal labels) or `score`.
    order: Option<String>,
    /// Rotation seed (default: the server's seed, by default the day's date `YYYYMMDD`).
    seed: Option<u64>,
}

/// One page of employers.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EmployerPage {
    /// Period of the records.
    pub period: String,
    /// Employers matching the filters.
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
    /// Number of pages (0 when nothing matches).
    pub pages: usize,
    /// Rotation seed used (`null` in score order).
    pub seed: Option<u64>,
    /// The published records of this page, in order.
    pub items: Vec<EmployerRecord>,
}

/// An employment zone of the feed. No counts: employers by zone would be an aggregate cell
/// under the ≥3-establishment rule.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ZoneEntry {
    /// ZE2020 code (or département code outside the zonage).
    pub code: String,
    pub name: String,
}

/// The zones of the feed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ZoneList {
    pub zones: Vec<ZoneEntry>,
}

/// A NAF division of the feed (no counts, as for zones).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SectorEntry {
    /// NAF division (2 digits).
    pub code: String,
    pub name: String,
    /// NAF section letter.
    pub section: String,
    pub section_name: String,
}

/// The sectors of the feed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SectorList {
    pub sectors: Vec<SectorEntry>,
}

/// What the server serves.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Meta {
    /// Version of the record layout.
    pub record_version: u32,
    /// Period of the records.
    pub period: String,
    /// SHA-256 of the experiment that produced the scores.
    pub experiment_hash: Option<String>,
    /// Fingerprint of the scored dataset.
    pub data_fingerprint: Option<String>,
    /// Version of the program that wrote the feed.
    pub crate_version: String,
    /// Published records served (each one readable at `/employers/{siret}`).
    pub employers: usize,
    /// Rotation seed of today's lists.
    pub rotation_seed: u64,
}

impl utoipa::PartialSchema for EmployerRecord {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::Ref::from_schema_name("EmployerRecord").into()
    }
}

impl ToSchema for EmployerRecord {
    fn name() -> std::borrow::Cow<'static, str> {
        "EmployerRecord".into()
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "engagement employers API",
        description = "Published records of employers' engagement labels: positions against peers per criterion, never counts.",
        license(name = "MIT OR Apache-2.0")
    ),
    paths(employers, employer, zones, sectors, meta, openapi_json),
    components(schemas(
        ApiError,
        EmployerPage,
        ZoneList,
        ZoneEntry,
        SectorList,
        SectorEntry,
        Meta
    ))
)]
struct ApiDoc;

/// The OpenAPI document, with the record schema (and its definitions) from the feed schema.
pub fn openapi() -> serde_json::Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("the OpenAPI document serialises");
    let text = FEED_SCHEMA.replace("#/$defs/", "#/components/schemas/");
    let mut schema: serde_json::Value =
        serde_json::from_str(&text).expect("docs/feed.schema.json is JSON");
    let obj = schema
        .as_object_mut()
        .expect("the feed schema is an object");
    let defs = obj.remove("$defs").unwrap_or_default();
    obj.remove("$schema");
    obj.remove("$id");
    let comps = doc["components"]["schemas"]
        .as_object_mut()
        .expect("components");
    if let Some(defs) = defs.as_object() {
        for (k, v) in defs {
            comps.insert(k.clone(), v.clone());
        }
    }
    comps.insert("EmployerRecord".into(), schema);
    doc
}

fn parse_list<T>(
    name: &str,
    raw: &str,
    one: impl Fn(&str) -> Option<T>,
) -> Result<Vec<T>, ApiError> {
    raw.split(',')
        .map(|s| {
            one(s.trim()).ok_or_else(|| ApiError::bad(name, format!("unexpected value {s:?}")))
        })
        .collect()
}

fn parse_number(name: &str, v: &str, min: usize, max: usize) -> Result<usize, ApiError> {
    v.parse::<usize>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| {
            ApiError::bad(
                name,
                format!("expected an integer from {min} to {max}, got {v:?}"),
            )
        })
}

/// A validated list request.
#[derive(Debug, Clone)]
pub struct ListRequest {
    pub filter: Filter,
    pub page: usize,
    pub per_page: usize,
}

/// Parses and validates the list parameters; `extra` names parameters the caller accepts
/// beyond the API's (the page's `lang`).
pub fn parse_list_request(
    state: &AppState,
    pairs: &[(String, String)],
    extra: &[&str],
) -> Result<ListRequest, ApiError> {
    let mut f = Filter {
        levels: DEFAULT_LEVELS,
        seed: Some(state.seed()),
        ..Filter::default()
    };
    let (mut page, mut per_page) = (1, DEFAULT_PER_PAGE);
    let mut seen: Vec<&str> = Vec::new();
    for (k, v) in pairs {
        if seen.contains(&k.as_str()) {
            return Err(ApiError::bad(k, "given more than once"));
        }
        seen.push(k);
        let v = v.trim();
        match k.as_str() {
            "zone" if v.is_empty() => {}
            "zone" => f.zone = Some(state.resolve_zone(v)?),
            "sector" if v.is_empty() => {}
            "sector" => f.sector = Some(parse_sector(v)?),
            "size" if v.is_empty() => {}
            "size" => {
                for k in parse_list("size", v, |s| SIZES.iter().position(|b| b.as_str() == s))? {
                    f.sizes |= 1 << k;
                }
            }
            "level" if v.is_empty() => {}
            "level" => {
                f.levels = 0;
                for l in parse_list("level", v, |s| s.parse::<u8>().ok().filter(|&l| l <= 3))? {
                    f.levels |= 1 << l;
                }
            }
            "q" if v.chars().count() > MAX_Q => {
                return Err(ApiError::bad("q", format!("at most {MAX_Q} characters")))
            }
            "q" => f.q = Some(fold(v)).filter(|s| !s.trim().is_empty()),
            "page" => page = parse_number("page", v, 1, 1_000_000_000)?,
            "per_page" => per_page = parse_number("per_page", v, 1, MAX_PER_PAGE)?,
            "order" => match v {
                "rotated" => {}
                "score" => f.seed = None,
                _ => {
                    return Err(ApiError::bad(
                        "order",
                        format!("expected rotated or score, got {v:?}"),
                    ))
                }
            },
            "seed" => {
                let s = v.parse::<u64>().map_err(|_| {
                    ApiError::bad("seed", format!("expected an unsigned integer, got {v:?}"))
                })?;
                if f.seed.is_some() {
                    f.seed = Some(s);
                }
            }
            other if extra.contains(&other) => {}
            other => return Err(ApiError::bad(other, "unknown parameter")),
        }
    }
    if pairs.iter().any(|(k, _)| k == "order")
        && pairs.iter().any(|(k, v)| k == "order" && v == "score")
        && pairs.iter().any(|(k, _)| k == "seed")
    {
        return Err(ApiError::bad(
            "seed",
            "a seed only applies to order=rotated",
        ));
    }
    Ok(ListRequest {
        filter: f,
        page,
        per_page,
    })
}

fn parse_sector(v: &str) -> Result<String, ApiError> {
    let s = v.replace('.', "").to_uppercase();
    let section = s.len() == 1 && s.as_bytes()[0].is_ascii_uppercase();
    let naf = (2..=5).contains(&s.len())
        && s.as_bytes()[..s.len().min(4)]
            .iter()
            .all(u8::is_ascii_digit)
        && s.as_bytes().get(4).is_none_or(u8::is_ascii_uppercase);
    if section || naf {
        Ok(s)
    } else {
        Err(ApiError::bad(
            "sector",
            format!("expected a NAF code prefix (56, 56.10, 5610C) or a section letter, got {v:?}"),
        ))
    }
}

/// One page of a list request.
pub fn list_page(state: &AppState, req: &ListRequest) -> EmployerPage {
    let ids = state.index.select(&req.filter);
    let total = ids.len();
    let start = (req.page - 1).saturating_mul(req.per_page).min(total);
    let end = (start + req.per_page).min(total);
    EmployerPage {
        period: state.index.meta.period.clone(),
        total,
        page: req.page,
        per_page: req.per_page,
        pages: total.div_ceil(req.per_page),
        seed: req.filter.seed,
        items: ids[start..end]
            .iter()
            .map(|&i| state.index.record(i as usize))
            .collect(),
    }
}

type Pairs = Result<Query<Vec<(String, String)>>, axum::extract::rejection::QueryRejection>;

fn pairs(q: Pairs) -> Result<Vec<(String, String)>, ApiError> {
    q.map(|Query(v)| v)
        .map_err(|e| ApiError::bad("query", e.body_text()))
}

fn no_params(q: Pairs) -> Result<(), ApiError> {
    match pairs(q)?.first() {
        Some((k, _)) => Err(ApiError::bad(k, "unknown parameter")),
        None => Ok(()),
    }
}

/// Employers matching the filters, one page, in order.
#[utoipa::path(
    get,
    path = "/api/v1/employers",
    params(ListParams),
    responses(
        (status = 200, description = "One page of published records", body = EmployerPage),
        (status = 400, description = "A bad parameter, named in the body", body = ApiError)
    ),
    tag = "employers"
)]
pub async fn employers(
    State(state): State<Arc<AppState>>,
    q: Pairs,
) -> Result<Json<EmployerPage>, ApiError> {
    let req = parse_list_request(&state, &pairs(q)?, &[])?;
    Ok(Json(list_page(&state, &req)))
}

/// Parses a SIRET path segment.
pub fn parse_siret(s: &str) -> Result<u64, ApiError> {
    let t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if t.len() == 14 && t.bytes().all(|b| b.is_ascii_digit()) {
        Ok(t.parse().unwrap_or(0))
    } else {
        Err(ApiError::bad(
            "siret",
            format!("expected 14 digits, got {s:?}"),
        ))
    }
}

/// The published record of one employer: positions per criterion, label history, period.
#[utoipa::path(
    get,
    path = "/api/v1/employers/{siret}",
    params(("siret" = String, Path, description = "SIRET, 14 digits")),
    responses(
        (status = 200, description = "The employer's published record", body = EmployerRecord),
        (status = 400, description = "Not a SIRET", body = ApiError),
        (status = 404, description = "No published record for this SIRET", body = ApiError)
    ),
    tag = "employers"
)]
pub async fn employer(
    State(state): State<Arc<AppState>>,
    Path(siret): Path<String>,
    q: Pairs,
) -> Result<Json<EmployerRecord>, ApiError> {
    no_params(q)?;
    let s = parse_siret(&siret)?;
    let i = state
        .index
        .find(s)
        .ok_or_else(|| ApiError::not_found(format!("no published record for SIRET {siret}")))?;
    Ok(Json(state.index.record(i)))
}

/// Employment zones of the feed, with their names.
#[utoipa::path(
    get,
    path = "/api/v1/zones",
    responses((status = 200, description = "Zones", body = ZoneList), (status = 400, body = ApiError)),
    tag = "reference"
)]
pub async fn zones(
    State(state): State<Arc<AppState>>,
    q: Pairs,
) -> Result<Json<ZoneList>, ApiError> {
    no_params(q)?;
    Ok(Json(state.zones.clone()))
}

/// NAF divisions of the feed, with their names and sections.
#[utoipa::path(
    get,
    path = "/api/v1/sectors",
    responses((status = 200, description = "Sectors", body = SectorList), (status = 400, body = ApiError)),
    tag = "reference"
)]
pub async fn sectors(
    State(state): State<Arc<AppState>>,
    q: Pairs,
) -> Result<Json<SectorList>, ApiError> {
    no_params(q)?;
    Ok(Json(state.sectors.clone()))
}

/// Period, experiment hash and data fingerprint of what is served.
#[utoipa::path(
    get,
    path = "/api/v1/meta",
    responses((status = 200, description = "Provenance", body = Meta), (status = 400, body = ApiError)),
    tag = "reference"
)]
pub async fn meta(State(state): State<Arc<AppState>>, q: Pairs) -> Result<Json<Meta>, ApiError> {
    no_params(q)?;
    Ok(Json(meta_of(&state.index.meta, &state)))
}

fn meta_of(m: &FeedMeta, state: &AppState) -> Meta {
    Meta {
        record_version: m.record_version,
        period: m.period.clone(),
        experiment_hash: m.experiment_hash.clone(),
        data_fingerprint: m.data_fingerprint.clone(),
        crate_version: m.crate_version.clone(),
        employers: state.index.len(),
        rotation_seed: state.seed(),
    }
}

/// This document.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json")),
    tag = "reference"
)]
pub async fn openapi_json(State(state): State<Arc<AppState>>) -> Json<serde_json::Value> {
    Json(state.openapi.clone())
}

/// Any other path under `/api/`.
pub async fn api_not_found() -> ApiError {
    ApiError::not_found("no such endpoint; see /api/v1/openapi.json")
}
