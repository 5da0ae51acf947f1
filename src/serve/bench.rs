//! `engagement bench serve`: start-up and latency of the server on a large synthetic feed.
//!
//! A national indicator table is not needed to time the server: what it loads is the flat
//! feed, so the benchmark writes `tier` synthetic published records (real communes drawn in
//! proportion to their population, so zones are as uneven as in France, their zones, NAF
//! codes from the reference tables, seeded labels and positions) into a temporary
//! scores folder with its prebuilt index, as `score` writes it, then measures the start-up
//! (loading the index, as `serve` does), the preparation of the day's zone lists (which the server does in the
//! background once it listens; timed apart), and the latency of `employers?zone=…` under
//! concurrent clients on a free port. Peak memory is the process's own (the benchmark runs
//! each tier in a child).

use crate::feed::{
    self, Citation, CriterionView, EmployerRecord, FarFromEmployment, FarStatus, HistoryEntry, Key,
    PeerInfo, Place, Sector, BANDS,
};
use crate::indicators::CRITERIA;
use crate::reference::Reference;
use crate::score::peers::{GeoRung, Rung, SectorRung, SizeBand};
use crate::score::Trend;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// Figures of one serve tier.
#[derive(Debug, Clone)]
pub struct ServeBench {
    /// Records in the feed.
    pub records: usize,
    /// Seconds to write the synthetic feed (not part of the start-up).
    pub write_seconds: f64,
    /// Seconds from reading the feed to a ready state (index, zones, sectors, OpenAPI).
    pub startup_seconds: f64,
    /// CPU seconds of the process over the start-up (all threads): on a shared machine this
    /// says what the start-up costs whatever the other jobs take.
    pub startup_cpu_seconds: f64,
    /// Seconds to prepare the day's list of every zone (in the background once serving).
    pub warm_seconds: f64,
    /// Requests made, and their latency percentiles in milliseconds.
    pub requests: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    /// Concurrent clients.
    pub clients: usize,
}

/// The reference codes synthetic records are drawn from.
pub struct Synth<'a> {
    r: &'a Reference,
    communes: Vec<&'a crate::reference::Commune>,
    /// Cumulative population of `communes`: establishments are drawn in proportion to it,
    /// so that big zones are as big as in a national table.
    cumulative: Vec<u64>,
    nafs: Vec<&'a String>,
    seed: u64,
}

impl<'a> Synth<'a> {
    pub fn new(r: &'a Reference, seed: u64) -> Synth<'a> {
        let communes: Vec<_> = r.communes.values().filter(|c| c.zone.is_some()).collect();
        let cumulative = communes
            .iter()
            .scan(0u64, |acc, c| {
                *acc += c.population.max(1);
                Some(*acc)
            })
            .collect();
        Synth {
            r,
            communes,
            cumulative,
            nafs: r.naf.keys().filter(|k| k.len() == 5).collect(),
            seed,
        }
    }

    /// Synthetic published record `i` for period `2025T4`: its own ChaCha8 stream, so that
    /// records can be made in any order and batch (a national feed is never whole in memory).
    pub fn record(&self, i: usize) -> EmployerRecord {
        let (r, communes, nafs) = (self.r, &self.communes, &self.nafs);
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(i as u64);
        let total = self.cumulative.last().copied().unwrap_or(1);
        let draw = rng.random_range(0..total);
        let c = communes[self.cumulative.partition_point(|&x| x <= draw)];
        let naf = nafs[rng.random_range(0..nafs.len())].clone();
        let section = r
            .naf
            .get(&naf)
            .map_or("?".to_string(), |e| e.section.clone());
        let label = (rng.random::<f64>() > 0.05).then(|| rng.random_range(0..4u8));
        let score = label.map(|l| 30 + 15 * u32::from(l) + rng.random_range(0..10));
        let criteria = CRITERIA
            .iter()
            .map(|&k| CriterionView {
                criterion: Key(k),
                weight: 1.0 / CRITERIA.len() as f64,
                citation: match rng.random_range(0..10) {
                    0 => Citation::NotCalculable,
                    1 if k.is_sensitive() => Citation::Withheld,
                    _ => Citation::Shown(BANDS[rng.random_range(0..BANDS.len())]),
                },
            })
            .collect();
        EmployerRecord {
            version: feed::RECORD_VERSION,
            siret: format!("{:014}", 10_000_000_000_000u64 + i as u64 * 7),
            name: Some(format!("Établissement {i}")),
            period: "2025T4".into(),
            label,
            non_calculable: label
                .is_none()
                .then_some(crate::score::NonCalculable::FewHires),
            gated_by: None,
            score,
            score_interval: score.map(|s| [s.saturating_sub(5), (s + 5).min(100)]),
            trend: Trend::Stable,
            history: vec![HistoryEntry {
                period: "2025T4".into(),
                label,
            }],
            sector: Sector {
                division: naf[..2].to_string(),
                naf,
                section,
            },
            place: Place {
                commune: c.code.clone(),
                zone: c.zone.clone().unwrap_or_default(),
                departement: c.departement.clone(),
                region: c.region.clone(),
            },
            size_band: SizeBand::ALL[rng.random_range(0..4)],
            peers: PeerInfo {
                rung: Rung {
                    sector: SectorRung::Division,
                    geo: GeoRung::Zone,
                },
                members: Some(rng.random_range(10..500)),
            },
            criteria,
            far_from_employment: FarFromEmployment {
                status: FarStatus::PartlyShown,
                members: vec![],
            },
            reasons: vec![],
        }
    }
}

/// `n` synthetic published records for period `2025T4`.
pub fn synthetic_records(n: usize, seed: u64, r: &Reference) -> Vec<EmployerRecord> {
    let s = Synth::new(r, seed);
    (0..n).map(|i| s.record(i)).collect()
}

/// User and system CPU seconds of this process so far.
fn cpu_seconds() -> f64 {
    rusage_cpu_seconds(libc::RUSAGE_SELF).0
}

/// User and system CPU seconds, and peak resident set in bytes, of `who` (this process, or
/// its children that have been waited for).
pub fn rusage_cpu_seconds(who: libc::c_int) -> (f64, u64) {
    // SAFETY: getrusage fills the struct it is given; RUSAGE_SELF and RUSAGE_CHILDREN are valid.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(who, &mut u) } != 0 {
        return (f64::NAN, 0);
    }
    let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 / 1e6;
    let peak = u64::try_from(u.ru_maxrss).unwrap_or(0) * 1024;
    (t(u.ru_utime) + t(u.ru_stime), peak)
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

/// One GET over a fresh connection; the whole response is read. Returns the status.
fn get(addr: SocketAddr, path: &str) -> std::io::Result<u16> {
    let mut s = std::net::TcpStream::connect(addr)?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let head = String::from_utf8_lossy(&raw[..raw.len().min(16)]).to_string();
    Ok(head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0))
}

/// Writes `n` synthetic records as the feed of scores folder `dir`, in batches, and its
/// prebuilt index.
pub fn write_feed(n: usize, seed: u64, r: &Reference, dir: &Path) -> Result<(), feed::FeedError> {
    let s = Synth::new(r, seed);
    let meta = feed::meta_of(n, "2025T4", None, None);
    feed::write_scores_feed_from(n, &|i| s.record(i), &meta, dir)?;
    feed::write_feed_index(dir, r)?;
    Ok(())
}

/// Runs one tier: `records` synthetic records in `dir`, `clients` concurrent clients making
/// `per_client` requests each on `employers?zone=…` (the zones of random employers).
pub fn run(
    records: usize,
    clients: usize,
    per_client: usize,
    seed: u64,
    dir: &Path,
) -> Result<ServeBench, Box<dyn std::error::Error + Send + Sync>> {
    let r = Reference::load();
    let t = Instant::now();
    write_feed(records, seed, &r, dir)?;
    let write_seconds = t.elapsed().as_secs_f64();

    // Queried zones follow the employers (a big zone is asked about more often).
    let zones: Vec<String> = {
        let s = Synth::new(&r, seed);
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5a4f_4e45);
        (0..clients * per_client)
            .map(|_| s.record(rng.random_range(0..records.max(1))).place.zone)
            .collect()
    };
    let (t, cpu) = (Instant::now(), cpu_seconds());
    let index = feed::load::load(dir, &r)?;
    let state = Arc::new(super::AppState::new(index, r, Some(seed)));
    let startup_seconds = t.elapsed().as_secs_f64();
    let startup_cpu_seconds = cpu_seconds() - cpu;
    // The day's zone lists, which the server prepares in the background once it listens:
    // timed apart, and finished before the clients start, so that the latencies are those of
    // the running server.
    let t = Instant::now();
    let _ = super::warm(&state).join();
    let warm_seconds = t.elapsed().as_secs_f64();

    let zones = Arc::new(zones);
    let server = super::spawn(state, "127.0.0.1:0".parse()?, 2)?;
    let addr = server.addr;
    let handles: Vec<_> = (0..clients)
        .map(|c| {
            let zones = Arc::clone(&zones);
            std::thread::spawn(move || -> std::io::Result<Vec<f64>> {
                let mut lat = Vec::with_capacity(per_client);
                for k in 0..per_client {
                    let z = &zones[c * per_client + k];
                    let t = Instant::now();
                    let status = get(addr, &format!("/api/v1/employers?zone={z}&per_page=20"))?;
                    lat.push(t.elapsed().as_secs_f64() * 1000.0);
                    if status != 200 {
                        return Err(std::io::Error::other(format!("status {status}")));
                    }
                }
                Ok(lat)
            })
        })
        .collect();
    let mut lat = Vec::new();
    for h in handles {
        lat.extend(h.join().map_err(|_| "a client thread panicked")??);
    }
    server.stop()?;
    lat.sort_by(f64::total_cmp);
    Ok(ServeBench {
        records,
        write_seconds,
        startup_seconds,
        startup_cpu_seconds,
        warm_seconds,
        requests: lat.len(),
        p50_ms: percentile(&lat, 0.50),
        p95_ms: percentile(&lat, 0.95),
        p99_ms: percentile(&lat, 0.99),
        clients,
    })
}
