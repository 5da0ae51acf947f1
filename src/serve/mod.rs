//! `engagement serve`: the counsellors' page and a JSON API over a scores folder, read-only.
//!
//! At start-up the published records are loaded into an [`Index`]: mapped from the folder's
//! prebuilt index (`feed.index`, a fraction of a second for a national table), else built
//! from its flat feed (`feed.parquet`), or else from the scoring run's full output. The server never writes to the folder. Axum on a tokio
//! runtime serves:
//! - `/` the counsellors' page (filters, search and paging computed on the server; French by
//!   default, `?lang=en`) and `/employers/{siret}` an employer's detail;
//! - `/api/v1/` the JSON API ([`api`]) and its OpenAPI document.

pub mod api;
pub mod bench;
pub mod page;

use crate::feed::index::{fold, Filter, Index};
use crate::reference::Reference;
use api::{ApiError, SectorEntry, SectorList, ZoneEntry, ZoneList};
use axum::routing::get;
use axum::Router;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

/// Everything a request may read.
#[derive(Debug)]
pub struct AppState {
    pub index: Index,
    pub reference: Reference,
    pub zones: ZoneList,
    pub sectors: SectorList,
    pub openapi: serde_json::Value,
    /// Fixed rotation seed; `None` = the day's date.
    pub fixed_seed: Option<u64>,
    /// Folded zone name → zone code.
    zone_by_name: HashMap<String, String>,
}

impl AppState {
    /// Builds the state around an index.
    pub fn new(index: Index, reference: Reference, fixed_seed: Option<u64>) -> AppState {
        let zones = ZoneList {
            zones: index
                .zones()
                .into_iter()
                .map(|code| ZoneEntry {
                    code: code.to_string(),
                    name: reference.zone_name(code).to_string(),
                })
                .collect(),
        };
        let sectors = SectorList {
            sectors: index
                .divisions()
                .into_iter()
                .map(|(d, s)| SectorEntry {
                    code: d.to_string(),
                    name: reference.naf_label(d).unwrap_or(d).to_string(),
                    section: s.to_string(),
                    section_name: reference.naf_label(s).unwrap_or(s).to_string(),
                })
                .collect(),
        };
        let zone_by_name = zones
            .zones
            .iter()
            .map(|z| (fold(&z.name), z.code.clone()))
            .collect();
        AppState {
            index,
            reference,
            zones,
            sectors,
            openapi: api::openapi(),
            fixed_seed,
            zone_by_name,
        }
    }

    /// The rotation seed in force: the fixed one, or today's date as `YYYYMMDD` (UTC), so
    /// that the order changes daily, as La Bonne Boîte's does.
    pub fn seed(&self) -> u64 {
        self.fixed_seed.unwrap_or_else(today_seed)
    }

    /// A zone code or name → zone id; 400 when the feed has no such zone.
    pub fn resolve_zone(&self, v: &str) -> Result<u32, ApiError> {
        let code = self
            .zone_by_name
            .get(&fold(v))
            .map(String::as_str)
            .unwrap_or(v);
        self.index.zone_id(code).ok_or_else(|| {
            ApiError::bad(
                "zone",
                format!("unknown zone {v:?}: give a zone code or name from /api/v1/zones"),
            )
        })
    }
}

fn today_seed() -> u64 {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400);
    let epoch = crate::date::Date::from_ymd(1970, 1, 1).expect("valid date");
    let (y, m, d) = epoch.add_days(days as i32).ymd();
    y as u64 * 10_000 + m as u64 * 100 + d as u64
}

/// The application's routes.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(page::list))
        .route("/employers/{siret}", get(page::detail))
        .route("/api/v1/employers", get(api::employers))
        .route("/api/v1/employers/{siret}", get(api::employer))
        .route("/api/v1/zones", get(api::zones))
        .route("/api/v1/sectors", get(api::sectors))
        .route("/api/v1/meta", get(api::meta))
        .route("/api/v1/openapi.json", get(api::openapi_json))
        .route("/api/{*rest}", get(api::api_not_found))
        .fallback(page::not_found)
        .with_state(state)
}

/// Prepares the day's default list of every zone on a background thread, biggest zones
/// first, so that the first counsellor to ask about a big zone does not wait for its
/// rotation to be drawn. Answers are the same with or without it (the lists are cached per
/// filter and seed either way).
pub fn warm(state: &Arc<AppState>) -> std::thread::JoinHandle<()> {
    let st = Arc::clone(state);
    std::thread::spawn(move || {
        let seed = st.seed();
        for zone in st.index.zone_ids_by_size() {
            st.index.select(&Filter {
                zone: Some(zone),
                levels: api::DEFAULT_LEVELS,
                seed: Some(seed),
                ..Filter::default()
            });
        }
    })
}

/// Serves `state` on `listener` until `shutdown` resolves.
pub async fn run(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let _ = warm(&state);
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// A server running on its own thread (for tests and the benchmark).
#[derive(Debug)]
pub struct Running {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

impl Running {
    /// Stops the server and waits for it.
    pub fn stop(mut self) -> std::io::Result<()> {
        self.shutdown()
    }
    fn shutdown(&mut self) -> std::io::Result<()> {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        match self.thread.take() {
            Some(t) => t.join().unwrap_or(Ok(())),
            None => Ok(()),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

/// Starts a server on `addr` (port 0 = a free port) on a thread with `workers` threads.
pub fn spawn(state: Arc<AppState>, addr: SocketAddr, workers: usize) -> std::io::Result<Running> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers.max(1))
        .enable_all()
        .build()?;
    let listener = rt.block_on(tokio::net::TcpListener::bind(addr))?;
    let addr = listener.local_addr()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        rt.block_on(run(listener, state, async {
            let _ = rx.await;
        }))
    });
    Ok(Running {
        addr,
        stop: Some(tx),
        thread: Some(thread),
    })
}
