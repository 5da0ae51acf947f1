//! Memory budget checks: the sizes that drive memory (panel cells, dummy columns, groups,
//! bootstrap draws) are compared with the memory available before anything is allocated, so
//! that an oversized input gives a clear error instead of an allocation failure.
//!
//! The budget is the machine's available memory (`MemAvailable` in `/proc/meminfo`), or
//! `ENGAGEMENT_MEMORY_LIMIT` (bytes, or with a `K`/`M`/`G` suffix) when set; 8 GiB when
//! neither can be read.

/// Fallback budget when the available memory cannot be read.
const FALLBACK: u64 = 8 << 30;

/// Bytes available to one allocation-heavy step.
pub fn available_bytes() -> u64 {
    if let Some(v) = std::env::var("ENGAGEMENT_MEMORY_LIMIT")
        .ok()
        .and_then(|v| parse_size(&v))
    {
        return v;
    }
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemAvailable:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(FALLBACK, |kb| kb.saturating_mul(1024))
}

fn parse_size(v: &str) -> Option<u64> {
    let v = v.trim();
    let (num, mult) = match v.chars().last()? {
        'K' | 'k' => (&v[..v.len() - 1], 1u64 << 10),
        'M' | 'm' => (&v[..v.len() - 1], 1 << 20),
        'G' | 'g' => (&v[..v.len() - 1], 1 << 30),
        _ => (v, 1),
    };
    num.trim().parse::<u64>().ok()?.checked_mul(mult)
}

/// A human size: `1.5 GB`, `320 MB`.
pub fn human(bytes: f64) -> String {
    if bytes >= 1e12 {
        format!("{:.1} TB", bytes / 1e12)
    } else if bytes >= 1e9 {
        format!("{:.1} GB", bytes / 1e9)
    } else {
        format!("{:.0} MB", bytes / 1e6)
    }
}

/// A step that needs more memory than is available.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{what} needs about {} but {} is available to it; {hint}", human(*.bytes), human(*.available as f64))]
pub struct TooLarge {
    /// The size that drives memory, e.g. "40,000 event-time dummies × 2,000,000 rows".
    pub what: String,
    /// Estimated bytes.
    pub bytes: f64,
    /// Budget in bytes.
    pub available: u64,
    /// What to change (the option to use).
    pub hint: String,
}

/// Errors when `bytes` (computed in floating point, so it cannot overflow) exceeds half the
/// budget (the rest is left to the data already in memory and the other steps).
pub fn check(what: impl FnOnce() -> String, bytes: f64, hint: &str) -> Result<(), TooLarge> {
    let available = available_bytes() / 2;
    if bytes.is_finite() && bytes <= available as f64 {
        return Ok(());
    }
    Err(TooLarge {
        what: what(),
        bytes,
        available,
        hint: hint.to_string(),
    })
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: f64) -> String {
    let s = format!("{:.0}", n.abs());
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0.0 {
        format!("-{out}")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_and_print() {
        assert_eq!(parse_size("2G"), Some(2 << 30));
        assert_eq!(parse_size("512"), Some(512));
        assert_eq!(parse_size("x"), None);
        assert_eq!(thousands(2_000_000.0), "2,000,000");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(human(2.5e12), "2.5 TB");
        let err = check(|| "a big thing".into(), 1e30, "use --smaller").unwrap_err();
        assert!(err.to_string().contains("a big thing") && err.to_string().contains("--smaller"));
        assert!(check(|| unreachable!(), 1.0, "").is_ok());
    }
}
