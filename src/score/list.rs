//! The counsellors' list: establishments of a zone, sector and size band, ranked by label then
//! score. Rows are data (keys and numbers); `report::list` writes them as a table, CSV, JSON
//! or the counsellors' page, in the reader's language.
//!
//! Each row holds what a counsellor may see (see [`super::privacy`]): name (or SIRET),
//! commune, sector, size band, label, score with its interval, the criteria where the
//! establishment is better than its peers — as positions, never counts, and only when
//! [`privacy::can_cite`] allows — whether sensitive criteria had to be withheld, and the
//! label trend over a year ([`ScoreOutput::label_trend`]).
//!
//! **Queries are checked, never silently empty.** A zone is an employment zone, a
//! département, a région or a commune, by code or name; a code that is several of these at
//! once (`53` is the Mayenne département and the Bretagne région) is refused with the
//! choices (`dep:53`, `reg:53`). A sector is a NAF code prefix or a section letter; a word
//! such as `restauration` is refused with the NAF codes whose label contains it.
//!
//! Sorting is by label, then score. With `rotate`, establishments with the same label are put
//! in a seeded, score-weighted random order (Efraimidis–Spirakis keys `u^(1/w)` with
//! `w = score + 1`), as La Bonne Boîte's "optimised" sort does, so that the top of the list
//! does not absorb every orientation; the seed should change with the day of use.

use super::peers::SizeBand;
use super::{Label, Position, ScoreError, ScoreOutput, Trend};
use crate::indicators::{Criterion, CRITERIA};
use crate::model::siret_string;
use crate::reference::{NafLevel, Reference};
use crate::score::privacy;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Stream id of the list rotation, so other seeded stages are not reshuffled.
const ROTATION_STREAM: u64 = 0x4c49_5354;

/// Most strengths shown per row.
pub const MAX_STRENGTHS: usize = 3;

/// What the counsellor asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListQuery {
    /// Zone code, département code or name, région code or name, or commune name; a prefix
    /// `zone:`, `dep:`, `reg:` or `commune:` says which.
    pub zone: Option<String>,
    /// NAF code prefix (`56`, `561`, `5610C`, dots allowed) or a section letter (`I`).
    pub sector: Option<String>,
    /// Size bands to keep (all when empty).
    pub sizes: Vec<SizeBand>,
    /// Period label; latest when `None`.
    pub period: Option<String>,
    /// Keep the first N rows.
    pub top: Option<usize>,
    /// Include establishments without label (level 0).
    pub include_unlabelled: bool,
    /// Seeded fair rotation among equal labels.
    pub rotate: Option<u64>,
}

/// Why a query cannot be answered.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    #[error(transparent)]
    Score(#[from] ScoreError),
    #[error("unknown zone {0:?}: no scored establishment is in that employment zone, département, région or commune")]
    UnknownZone(String),
    #[error("no scored establishment in {0}")]
    EmptyZone(String),
    #[error("ambiguous zone {query:?}: it is {choices}; say which with one of: {prefixed}")]
    AmbiguousZone {
        query: String,
        choices: String,
        prefixed: String,
    },
    #[error("unknown sector {query:?}: give a NAF code prefix (56, 56.10, 5610C) or a section letter (I){hint}")]
    UnknownSector { query: String, hint: String },
}

/// What a zone query resolved to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "code", rename_all = "snake_case")]
pub enum ZoneFilter {
    Zone(String),
    Departement(String),
    Region(String),
    Commune(String),
}

impl ZoneFilter {
    fn matches(&self, e: &super::EstablishmentInfo) -> bool {
        match self {
            ZoneFilter::Zone(c) => &e.zone == c,
            ZoneFilter::Departement(c) => &e.departement == c,
            ZoneFilter::Region(c) => &e.region == c,
            ZoneFilter::Commune(c) => &e.commune == c,
        }
    }
}

/// A criterion where the establishment is better than its peers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Strength {
    pub criterion: Criterion,
    pub position: Position,
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
    /// Employment zone code.
    pub zone: String,
    /// NAF code (APET).
    pub naf: String,
    /// Code of the sector shown: the NAF level the query filtered on (division by default).
    pub sector_code: String,
    /// Size band.
    pub size_band: SizeBand,
    /// Label.
    pub label: Label,
    /// Composite, rounded to the unit.
    pub score: u32,
    /// Interval bounds, rounded.
    pub lower: u32,
    pub upper: u32,
    /// Up to three criteria where it is better than its peers (best first), citable ones only.
    pub strengths: Vec<Strength>,
    /// Sensitive criteria (disability, long unemployment, IAE) calculable but not citable one
    /// by one: too few persons.
    pub withheld: Vec<Criterion>,
    /// Label trend over a year.
    pub trend: Trend,
}

impl ListRow {
    /// Label level 0–3 (rows are calculable by construction).
    pub fn level(&self) -> u8 {
        self.label.level().unwrap_or(0)
    }
}

fn norm(s: &str) -> String {
    s.trim().to_lowercase().replace(['-', '\''], " ")
}

/// Resolves a zone query against the scored establishments (see the module docs).
pub fn resolve_zone(q: &str, out: &ScoreOutput, r: &Reference) -> Result<ZoneFilter, ListError> {
    let (prefix, code) = match q.split_once(':') {
        Some((p, c)) if ["zone", "dep", "reg", "commune"].contains(&p) => (Some(p), c.trim()),
        _ => (None, q.trim()),
    };
    let nq = norm(code);
    let es = &out.establishments;
    let mut found: Vec<(ZoneFilter, String)> = Vec::new();
    let mut add = |f: ZoneFilter, what: String| {
        if !found.iter().any(|(g, _)| g == &f) {
            found.push((f, what));
        }
    };
    if prefix.is_none_or(|p| p == "zone") {
        if let Some(e) = es.iter().find(|e| e.zone == code) {
            add(
                ZoneFilter::Zone(e.zone.clone()),
                format!("employment zone {code}"),
            );
        }
    }
    if prefix.is_none_or(|p| p == "dep") {
        for (c, d) in &r.departements {
            if c == code || norm(&d.name) == nq {
                add(
                    ZoneFilter::Departement(c.clone()),
                    format!("département {c} ({})", d.name),
                );
            }
        }
    }
    if prefix.is_none_or(|p| p == "reg") {
        for (c, n) in &r.regions {
            if c == code || norm(n) == nq {
                add(ZoneFilter::Region(c.clone()), format!("région {c} ({n})"));
            }
        }
    }
    if prefix.is_none_or(|p| p == "commune") {
        for e in es {
            if e.commune == code || norm(&e.commune_name) == nq {
                add(
                    ZoneFilter::Commune(e.commune.clone()),
                    format!("commune {} ({})", e.commune, e.commune_name),
                );
            }
        }
    }
    // A zone and a département with the same code and the same establishments are one place.
    if let [(ZoneFilter::Zone(z), _), (ZoneFilter::Departement(d), _)] = found.as_slice() {
        if z == d && es.iter().all(|e| (e.zone == *z) == (e.departement == *d)) {
            found.truncate(1);
        }
    }
    match found.len() {
        0 => Err(ListError::UnknownZone(q.to_string())),
        1 => {
            let (f, what) = found.remove(0);
            if es.iter().any(|e| f.matches(e)) {
                Ok(f)
            } else {
                Err(ListError::EmptyZone(what))
            }
        }
        _ => Err(ListError::AmbiguousZone {
            query: q.to_string(),
            choices: found
                .iter()
                .map(|(_, w)| w.as_str())
                .collect::<Vec<_>>()
                .join(" and "),
            prefixed: found
                .iter()
                .map(|(f, _)| match f {
                    ZoneFilter::Zone(c) => format!("zone:{c}"),
                    ZoneFilter::Departement(c) => format!("dep:{c}"),
                    ZoneFilter::Region(c) => format!("reg:{c}"),
                    ZoneFilter::Commune(c) => format!("commune:{c}"),
                })
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// A checked sector filter: a section letter or a NAF code prefix, and the NAF level shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectorFilter {
    /// Section letter or NAF code without dots, upper case.
    pub code: String,
    /// True for a section letter.
    pub section: bool,
}

impl SectorFilter {
    fn matches(&self, e: &super::EstablishmentInfo) -> bool {
        if self.section {
            e.section == self.code
        } else {
            e.naf.to_uppercase().starts_with(&self.code)
        }
    }

    /// Code of an establishment's sector at this filter's level (a section filter shows
    /// divisions; a code filter shows its own level).
    fn shown_code(&self, naf: &str) -> String {
        if self.section {
            naf.get(..2).unwrap_or(naf).to_string()
        } else {
            naf.get(..self.code.len().min(naf.len()))
                .unwrap_or(naf)
                .to_string()
        }
    }
}

/// Checks a sector query (see the module docs).
pub fn resolve_sector(q: &str, r: &Reference) -> Result<SectorFilter, ListError> {
    let code = q.trim().replace('.', "").to_uppercase();
    if code.len() == 1
        && r.naf
            .get(&code)
            .is_some_and(|e| e.level == NafLevel::Section)
    {
        return Ok(SectorFilter {
            code,
            section: true,
        });
    }
    let is_code = !code.is_empty()
        && code.len() <= 5
        && code.chars().take(2).all(|c| c.is_ascii_digit())
        && r.naf.keys().any(|k| k.starts_with(&code));
    if is_code {
        return Ok(SectorFilter {
            code,
            section: false,
        });
    }
    let word = norm(q);
    let mut hits: Vec<String> = r
        .naf
        .values()
        .filter(|e| matches!(e.level, NafLevel::Section | NafLevel::Division))
        .filter(|e| !word.is_empty() && norm(&e.label).contains(&word))
        .map(|e| format!("{} ({})", e.code, e.label))
        .collect();
    hits.truncate(8);
    Err(ListError::UnknownSector {
        query: q.to_string(),
        hint: if hits.is_empty() {
            String::new()
        } else {
            format!("; sectors whose name contains it: {}", hits.join(", "))
        },
    })
}

/// Strengths (citable criteria better than the peers, best first) and withheld sensitive
/// criteria of score row `i`.
pub fn strengths(out: &ScoreOutput, i: usize) -> (Vec<Strength>, Vec<Criterion>) {
    let s = &out.scores[i];
    let ind = &out.indicators.rows[i];
    let w = out.indicators.window_months;
    let mut withheld = Vec::new();
    let mut cands: Vec<(f32, Criterion)> = Vec::new();
    for &c in CRITERIA.iter().filter(|&&c| out.params.weight(c) > 0.0) {
        let Some(v) = s.subscores[c as usize] else {
            continue;
        };
        if !privacy::can_cite(ind, c, w) {
            if c.is_sensitive() {
                withheld.push(c);
            }
            continue;
        }
        if Position::of(Some(f64::from(v))).is_favourable() {
            cands.push((v, c));
        }
    }
    cands.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let strengths = cands
        .into_iter()
        .take(MAX_STRENGTHS)
        .map(|(v, c)| Strength {
            criterion: c,
            position: Position::of(Some(f64::from(v))),
        })
        .collect();
    (strengths, withheld)
}

/// Builds the ranked list for a query.
pub fn build_list(
    out: &ScoreOutput,
    reference: &Reference,
    q: &ListQuery,
) -> Result<Vec<ListRow>, ListError> {
    let p = out.period_index(q.period.as_deref())?;
    let zone = q
        .zone
        .as_deref()
        .map(|z| resolve_zone(z, out, reference))
        .transpose()?;
    let sector = q
        .sector
        .as_deref()
        .map(|c| resolve_sector(c, reference))
        .transpose()?;
    let division = SectorFilter {
        code: String::new(),
        section: true,
    };
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
        if !q.sizes.is_empty() && !q.sizes.contains(&s.size_band) {
            continue;
        }
        let Some(e) = out.establishment(s.siret) else {
            continue;
        };
        if zone.as_ref().is_some_and(|z| !z.matches(e))
            || sector.as_ref().is_some_and(|c| !c.matches(e))
        {
            continue;
        }
        let (strengths, withheld) = strengths(out, i);
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
                zone: e.zone.clone(),
                naf: e.naf.clone(),
                sector_code: sector.as_ref().unwrap_or(&division).shown_code(&e.naf),
                size_band: s.size_band,
                label: Label::of(Some(level)),
                score: score.round() as u32,
                lower: s.lower.unwrap_or(score).round() as u32,
                upper: s.upper.unwrap_or(score).round() as u32,
                strengths,
                withheld,
                trend: out.label_trend(s.siret, p),
            },
        ));
    }
    Ok(rank(rows, q))
}

/// Deterministic order (label, score, SIRET), then the optional rotation, the top N and ranks.
fn rank(mut rows: Vec<(u8, f64, ListRow)>, q: &ListQuery) -> Vec<ListRow> {
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
    out_rows
}
