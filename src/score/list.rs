//! The counsellors' list: establishments of a zone and sector, ranked by label then score.
//!
//! Each row is read from the employer's published record ([`super::publish::record`]), so it
//! shows what a counsellor may see: name (or SIRET), commune, sector label, size band, label,
//! score with its interval, the two or three criteria where the establishment is better than
//! its peers — as positions, never counts, a sensitive criterion only on 11 persons or more —
//! and the label trend over a year.
//!
//! Sorting is by label, then score. With `rotate`, establishments with the same label are put
//! in a seeded, score-weighted random order (Efraimidis–Spirakis keys `u^(1/w)` with
//! `w = score + 1`), as La Bonne Boîte's "optimised" sort does, so that the top of the list
//! does not absorb every orientation; the seed should change with the day of use.

use super::{label_name, Position, ScoreError, ScoreOutput};
use crate::config::Lang;
use crate::indicators::Criterion;
use crate::model::siret_string;
use crate::reference::Reference;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Stream id of the list rotation, so other seeded stages are not reshuffled.
const ROTATION_STREAM: u64 = 0x4c49_5354;

/// What the counsellor asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListQuery {
    /// Zone code, département code or name, région code or name, or commune name.
    pub zone: Option<String>,
    /// NAF code prefix (`56`, `561`, `5610C`, dots allowed) or a section letter (`I`).
    pub sector: Option<String>,
    /// Period label; latest when `None`.
    pub period: Option<String>,
    /// Keep the first N rows.
    pub top: Option<usize>,
    /// Include establishments without label (level 0).
    pub include_unlabelled: bool,
    /// Seeded fair rotation among equal labels.
    pub rotate: Option<u64>,
    pub lang: Lang,
}

/// Label trend over one year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    Up,
    Stable,
    Down,
    /// No calculable label a year earlier.
    New,
}

impl Trend {
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Trend::Up, Lang::Fr) => "↗ en progression",
            (Trend::Up, Lang::En) => "↗ rising",
            (Trend::Stable, Lang::Fr) => "→ stable",
            (Trend::Stable, Lang::En) => "→ stable",
            (Trend::Down, Lang::Fr) => "↘ en recul",
            (Trend::Down, Lang::En) => "↘ falling",
            (Trend::New, Lang::Fr) => "nouveau",
            (Trend::New, Lang::En) => "new",
        }
    }
}

/// A criterion where the establishment stands out, as a position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Strength {
    pub criterion: Criterion,
    /// Criterion label in the requested language.
    pub label: String,
    pub position: Position,
    /// Position text in the requested language.
    pub position_label: String,
}

/// One row of the counsellors' list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListRow {
    /// Rank (1-based) after sorting or rotation.
    pub rank: usize,
    /// SIRET (14 digits).
    pub siret: String,
    /// Name, or the SIRET when the name is empty.
    pub name: String,
    /// Commune name.
    pub commune: String,
    /// NAF code.
    pub naf: String,
    /// NAF label of the sub-class (or division).
    pub sector: String,
    /// Size band text.
    pub size_band: String,
    /// Label level 0–3.
    pub label: u8,
    /// Label text.
    pub label_name: String,
    /// Composite, rounded to the unit.
    pub score: u32,
    /// Interval bounds, rounded.
    pub lower: u32,
    pub upper: u32,
    /// Two or three criteria where it stands out (top quarter first).
    pub strengths: Vec<Strength>,
    /// Label trend over a year.
    pub trend: Trend,
    /// Trend text.
    pub trend_label: String,
}

fn norm(s: &str) -> String {
    s.trim().to_lowercase().replace(['-', '\''], " ")
}

fn zone_matches(q: &str, e: &super::EstablishmentInfo, r: &Reference) -> bool {
    let nq = norm(q);
    e.zone == q
        || e.departement == q
        || e.region == q
        || norm(&e.commune_name) == nq
        || r.zones.get(&e.zone).is_some_and(|n| norm(n) == nq)
        || r.departements
            .get(&e.departement)
            .is_some_and(|d| norm(&d.name) == nq)
        || r.regions.get(&e.region).is_some_and(|n| norm(n) == nq)
}

fn sector_matches(q: &str, e: &super::EstablishmentInfo) -> bool {
    let q = q.trim().replace('.', "").to_uppercase();
    if q.len() == 1 && q.chars().all(|c| c.is_ascii_alphabetic()) {
        e.section == q
    } else {
        e.naf.to_uppercase().starts_with(&q)
    }
}

/// Builds the ranked list for a query.
pub fn build_list(
    out: &ScoreOutput,
    reference: &Reference,
    q: &ListQuery,
) -> Result<Vec<ListRow>, ScoreError> {
    let p = out.period_index(q.period.as_deref())?;
    let mut rows: Vec<(u8, f64, ListRow)> = Vec::new();
    for (i, s) in out.scores.iter().enumerate() {
        if s.period != p {
            continue;
        }
        let (Some(level), Some(score)) = (s.label, s.composite) else {
            continue;
        };
        if level == 0 && !q.include_unlabelled {
            continue;
        }
        let Some(e) = out.establishment(s.siret) else {
            continue;
        };
        if q.zone
            .as_deref()
            .is_some_and(|z| !zone_matches(z, e, reference))
            || q.sector.as_deref().is_some_and(|c| !sector_matches(c, e))
        {
            continue;
        }
        let rec = super::publish::record(out, i);
        let strengths = rec
            .strengths()
            .take(3)
            .filter_map(|c| {
                let pos = rec.citation(c)?.standing()?.position();
                Some(Strength {
                    criterion: c,
                    label: c.label(q.lang).to_string(),
                    position: pos,
                    position_label: pos.label(q.lang).to_string(),
                })
            })
            .collect();
        let trend = rec.trend;
        let sector = reference
            .naf_label(&e.naf)
            .or_else(|| reference.naf_label(e.naf.get(..2).unwrap_or("")))
            .unwrap_or(&e.naf)
            .to_string();
        rows.push((
            level,
            score,
            ListRow {
                rank: 0,
                siret: siret_string(s.siret),
                name: if e.name.trim().is_empty() {
                    siret_string(s.siret)
                } else {
                    e.name.clone()
                },
                commune: e.commune_name.clone(),
                naf: e.naf.clone(),
                sector,
                size_band: s.size_band.label(q.lang),
                label: level,
                label_name: label_name(Some(level), q.lang).to_string(),
                score: rec.score.unwrap_or(0),
                lower: rec.score_interval.map_or(0, |v| v[0]),
                upper: rec.score_interval.map_or(0, |v| v[1]),
                strengths,
                trend,
                trend_label: trend.label(q.lang).to_string(),
            },
        ));
    }
    // Deterministic order first (label, score, SIRET), then optional rotation.
    rows.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(b.1.total_cmp(&a.1))
            .then(a.2.siret.cmp(&b.2.siret))
    });
    if let Some(seed) = q.rotate {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(ROTATION_STREAM);
        let mut keyed: Vec<(u8, f64, ListRow)> = rows
            .into_iter()
            .map(|(l, s, r)| {
                let u: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
                (l, u.powf(1.0 / (s + 1.0)), r)
            })
            .collect();
        keyed.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)));
        rows = keyed;
    }
    let mut out_rows: Vec<ListRow> = rows.into_iter().map(|(_, _, r)| r).collect();
    if let Some(n) = q.top {
        out_rows.truncate(n);
    }
    for (k, r) in out_rows.iter_mut().enumerate() {
        r.rank = k + 1;
    }
    Ok(out_rows)
}

/// Renders the list as an aligned text table.
pub fn render_table(rows: &[ListRow], lang: Lang) -> String {
    let head = match lang {
        Lang::Fr => [
            "#",
            "Établissement",
            "Commune",
            "Secteur",
            "Taille",
            "Label",
            "Score",
            "Points forts",
            "Tendance",
        ],
        Lang::En => [
            "#",
            "Establishment",
            "Commune",
            "Sector",
            "Size",
            "Label",
            "Score",
            "Strengths",
            "Trend",
        ],
    };
    let cells: Vec<[String; 9]> = rows
        .iter()
        .map(|r| {
            [
                r.rank.to_string(),
                r.name.clone(),
                r.commune.clone(),
                truncate(&r.sector, 40),
                r.size_band.clone(),
                r.label_name.clone(),
                format!("{} [{}–{}]", r.score, r.lower, r.upper),
                r.strengths
                    .iter()
                    .map(|s| format!("{} : {}", s.label, s.position_label))
                    .collect::<Vec<_>>()
                    .join(" ; "),
                r.trend_label.clone(),
            ]
        })
        .collect();
    let mut width = head.map(|h| h.chars().count());
    for c in &cells {
        for (k, v) in c.iter().enumerate() {
            width[k] = width[k].max(v.chars().count());
        }
    }
    let line = |v: &[String]| {
        v.iter()
            .enumerate()
            .map(|(k, s)| format!("{s}{}", " ".repeat(width[k] - s.chars().count())))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut s = line(&head.map(String::from));
    s.push('\n');
    for c in &cells {
        s.push_str(&line(c));
        s.push('\n');
    }
    s
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

/// Renders the list as CSV (RFC 4180 quoting).
pub fn render_csv(rows: &[ListRow]) -> String {
    let q = |s: &str| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut s = String::from(
        "rank,siret,name,commune,naf,sector,size_band,label,label_name,score,lower,upper,strengths,trend\n",
    );
    for r in rows {
        let strengths = r
            .strengths
            .iter()
            .map(|x| format!("{}={}", x.criterion.name(), x.position_label))
            .collect::<Vec<_>>()
            .join("; ");
        let fields = [
            r.rank.to_string(),
            r.siret.clone(),
            r.name.clone(),
            r.commune.clone(),
            r.naf.clone(),
            r.sector.clone(),
            r.size_band.clone(),
            r.label.to_string(),
            r.label_name.clone(),
            r.score.to_string(),
            r.lower.to_string(),
            r.upper.to_string(),
            strengths,
            r.trend_label.clone(),
        ];
        s.push_str(&fields.iter().map(|f| q(f)).collect::<Vec<_>>().join(","));
        s.push('\n');
    }
    s
}
