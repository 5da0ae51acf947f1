//! The published summary of a scoring run: labels by NAF section and by employment zone,
//! scored establishments by section × zone, the composite's histogram, label counts per
//! period, the reasons for non-calculable scores and the label transitions, every table with
//! statistical secrecy applied cell by cell ([`super::privacy`]).
//!
//! These tables publish numbers in common (the national count per level is the column total
//! of both label tables and a cell of the per-period table; a section's total is a margin of
//! the label table and of the section × zone table...), so they are protected together with
//! [`privacy::protect_linked`]: a number hidden in one is hidden everywhere, and no secret cell
//! can be recomputed from all of them at once. A hidden number is `None` (with its reason),
//! never 0; a 0 is a true structural zero.

use super::privacy::{self, CellContrib, Entry, Link, Protection, SecretReason, Table};
use super::{EstablishmentInfo, LabelChange, NonCalculable, ScoreRow};
use crate::indicators::Indicators;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Label levels in the tables (0 = calculable without label).
pub const LEVELS: usize = 4;
/// Bins of the composite's histogram (width 10).
pub const BINS: usize = 10;

/// One row of a label table (a NAF section or a zone), latest period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LevelRow {
    /// NAF section letter or zone code.
    pub code: String,
    /// Establishments by label level 0–3; `None` where secret.
    pub counts: [Option<u64>; LEVELS],
    /// Why each hidden count is hidden.
    pub secret: [Option<SecretReason>; LEVELS],
    /// Scored establishments of the row; `None` where secret.
    pub total: Option<u64>,
}

impl LevelRow {
    /// At least one count of the row is hidden.
    pub fn any_secret(&self) -> bool {
        self.counts.iter().any(Option::is_none)
    }
}

/// One cell of the section × zone table (latest period). Figures are `None` when secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectorZoneCell {
    /// NAF section letter.
    pub section: String,
    /// Employment zone.
    pub zone: String,
    /// Why the cell is hidden, if it is.
    pub secret: Option<SecretReason>,
    /// Establishments with a calculable score.
    pub scored: Option<u64>,
    /// Mean composite.
    pub mean_score: Option<f64>,
    /// Hires of the scored establishments (persons).
    pub hires: Option<u64>,
}

/// A histogram bin of the composite (latest period).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bin {
    /// Lower edge (inclusive).
    pub from: f64,
    /// Upper edge (exclusive, except 100).
    pub to: f64,
    /// Establishments in the bin (`None` when secret, never drawn as 0).
    pub count: Option<u64>,
    /// Why the bin is hidden, if it is.
    pub secret: Option<SecretReason>,
}

/// Establishments moving from one level to another between consecutive periods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransitionCell {
    pub from: u8,
    pub to: u8,
    /// Establishment-period pairs (`None` when secret).
    pub count: Option<u64>,
}

/// The published summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScoreSummary {
    /// Period summarised (the latest).
    pub period: String,
    /// Establishments with activity in that period.
    pub establishments: u64,
    /// Of which with a calculable score.
    pub calculable: u64,
    /// Non-calculable establishments by reason (`None` where secret).
    pub non_calculable: BTreeMap<String, Option<u64>>,
    /// Establishments by label level (`"0"` … `"3"`), latest period (`None` where secret).
    pub labels: BTreeMap<String, Option<u64>>,
    /// For every period: [non calculable, level 0, 1, 2, 3] (`None` where secret).
    pub labels_by_period: BTreeMap<String, [Option<u64>; 5]>,
    /// Mean composite of calculable establishments.
    pub mean_score: Option<f64>,
    /// Median composite, as a protected median (mean of the central values).
    pub median_score: Option<f64>,
    /// Labels by NAF section.
    pub by_section: Vec<LevelRow>,
    /// Labels by employment zone.
    pub by_zone: Vec<LevelRow>,
    /// Section × zone cells.
    pub by_sector_zone: Vec<SectorZoneCell>,
    /// Composite histogram ([`BINS`] bins).
    pub distribution: Vec<Bin>,
    /// Label transitions between consecutive periods.
    pub transitions: Vec<TransitionCell>,
}

/// Latest-period facts of one scored establishment.
struct Scored {
    section: String,
    zone: String,
    level: usize,
    composite: f64,
    hires: u64,
}

/// The whole-run counts of the summary (labels per period, label transitions), gathered
/// from score rows and label changes in any order, so that a run scored one period at a time
/// builds the same summary as a run scored at once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunCounts {
    /// Per period: [non calculable, level 0, 1, 2, 3].
    pub by_period: Vec<[u64; 5]>,
    /// Level transitions between consecutive periods (both levels known).
    pub transitions: [[u64; LEVELS]; LEVELS],
}

impl RunCounts {
    /// Empty counts for `periods` periods.
    pub fn new(periods: usize) -> RunCounts {
        RunCounts {
            by_period: vec![[0u64; 5]; periods],
            transitions: [[0u64; LEVELS]; LEVELS],
        }
    }

    /// Counts the labels of score rows.
    pub fn add_scores(&mut self, scores: &[ScoreRow]) {
        for s in scores {
            self.by_period[s.period as usize][s.label.map_or(0, |l| l.min(3) as usize + 1)] += 1;
        }
    }

    /// Counts the level transitions of label changes.
    pub fn add_changes(&mut self, changes: &[LabelChange]) {
        for c in changes {
            if let (Some(a), Some(b)) = (c.from, c.to) {
                self.transitions[a.min(3) as usize][b.min(3) as usize] += 1;
            }
        }
    }
}

/// Builds the summary from score rows (sorted by SIRET then period).
pub fn summarise(
    scores: &[ScoreRow],
    ind: &Indicators,
    ests: &[EstablishmentInfo],
    changes: &[LabelChange],
) -> ScoreSummary {
    let mut counts = RunCounts::new(ind.periods.len());
    counts.add_scores(scores);
    counts.add_changes(changes);
    summarise_counts(scores, ind, ests, &counts)
}

/// Builds the summary from the score rows of the latest period (other periods' rows are
/// ignored; `scores` aligned with `ind.rows`) and the whole run's `counts`.
pub fn summarise_counts(
    scores: &[ScoreRow],
    ind: &Indicators,
    ests: &[EstablishmentInfo],
    counts: &RunCounts,
) -> ScoreSummary {
    let Some(last) = ind.periods.last() else {
        return ScoreSummary::default();
    };
    let lp = last.index;
    let info = |siret: u64| {
        ests.binary_search_by_key(&siret, |e| e.siret)
            .ok()
            .map(|i| (ests[i].section.clone(), ests[i].zone.clone()))
            .unwrap_or_else(|| ("?".into(), "?".into()))
    };
    let mut scored = Vec::new();
    let mut nc_reasons = [0u64; 3];
    let mut establishments = 0u64;
    for (i, s) in scores.iter().enumerate().filter(|(_, s)| s.period == lp) {
        establishments += 1;
        match (s.non_calculable, s.composite) {
            (Some(r), _) => nc_reasons[reason_index(r)] += 1,
            (None, Some(c)) => {
                let (section, zone) = info(s.siret);
                scored.push(Scored {
                    section,
                    zone,
                    level: s.label.unwrap_or(0).min(3) as usize,
                    composite: c,
                    hires: ind.rows[i].hires as u64,
                });
            }
            _ => {}
        }
    }
    let periods: Vec<String> = ind.periods.iter().map(|p| p.label.clone()).collect();
    let tables = Tables::build(&scored, counts, nc_reasons);
    let prot = privacy::protect_linked(&tables.tables(), &tables.links());
    let mut comps: Vec<f64> = scored.iter().map(|s| s.composite).collect();
    comps.sort_unstable_by(f64::total_cmp);
    let enough = comps.len() as u64 >= privacy::MIN_UNITS;
    let median_inputs: Vec<privacy::MedianInput> = comps
        .iter()
        .map(|&value| privacy::MedianInput {
            value,
            num: 0.0,
            den: 0.0,
        })
        .collect();
    ScoreSummary {
        period: last.label.clone(),
        establishments,
        calculable: comps.len() as u64,
        non_calculable: tables.non_calculable(&prot[5]),
        labels: (0..LEVELS)
            .map(|l| {
                let n = tables.by_section.levels[l];
                (l.to_string(), prot[0].value(Entry::ColTotal(l), n))
            })
            .collect(),
        labels_by_period: tables.labels_by_period(&prot[4], &periods),
        mean_score: enough.then(|| comps.iter().sum::<f64>() / comps.len() as f64),
        median_score: privacy::protected_median(&median_inputs, privacy::PersonRule::None).ok(),
        by_section: tables.by_section.rows(&prot[0]),
        by_zone: tables.by_zone.rows(&prot[1]),
        by_sector_zone: tables.sector_zone_cells(&scored, &prot[2]),
        distribution: tables.bins(&prot[3]),
        transitions: tables.transitions(&prot[6]),
    }
}

fn reason_index(r: NonCalculable) -> usize {
    match r {
        NonCalculable::SmallHeadcount => 0,
        NonCalculable::FewHires => 1,
        NonCalculable::FewCriteria => 2,
    }
}

const REASON_KEYS: [&str; 3] = ["small_headcount", "few_hires", "few_criteria"];

/// A table of counts by code × label level.
struct LevelCounts {
    codes: Vec<String>,
    counts: Vec<[u64; LEVELS]>,
    levels: [u64; LEVELS],
}

impl LevelCounts {
    fn build<'a>(items: impl Iterator<Item = (&'a str, usize)>) -> LevelCounts {
        let mut m: BTreeMap<&str, [u64; LEVELS]> = BTreeMap::new();
        let mut levels = [0u64; LEVELS];
        for (code, l) in items {
            m.entry(code).or_default()[l] += 1;
            levels[l] += 1;
        }
        LevelCounts {
            codes: m.keys().map(|s| s.to_string()).collect(),
            counts: m.into_values().collect(),
            levels,
        }
    }

    fn table(&self) -> Table {
        Table::new(
            self.counts
                .iter()
                .map(|row| row.iter().map(|&n| CellContrib::count(n)).collect())
                .collect(),
        )
    }

    fn rows(&self, p: &Protection) -> Vec<LevelRow> {
        self.codes
            .iter()
            .zip(&self.counts)
            .enumerate()
            .map(|(r, (code, row))| LevelRow {
                code: code.clone(),
                counts: std::array::from_fn(|l| p.value(Entry::Cell(r, l), row[l])),
                secret: std::array::from_fn(|l| p.secret(Entry::Cell(r, l))),
                total: p.value(Entry::RowTotal(r), row.iter().sum()),
            })
            .collect()
    }
}

/// The seven linked tables of the summary, in the order of [`Tables::tables`].
struct Tables {
    by_section: LevelCounts,
    by_zone: LevelCounts,
    zones: Vec<String>,
    sector_zone: Vec<Vec<CellContrib>>,
    bins: [u64; BINS],
    by_period: Vec<[u64; 5]>,
    nc_reasons: [u64; 3],
    transitions: [[u64; LEVELS]; LEVELS],
}

impl Tables {
    fn build(scored: &[Scored], counts: &RunCounts, nc_reasons: [u64; 3]) -> Tables {
        let by_section = LevelCounts::build(scored.iter().map(|s| (s.section.as_str(), s.level)));
        let by_zone = LevelCounts::build(scored.iter().map(|s| (s.zone.as_str(), s.level)));
        let zones: Vec<String> = by_zone.codes.clone();
        let mut sector_zone =
            vec![vec![CellContrib::default(); zones.len()]; by_section.codes.len()];
        let mut bins = [0u64; BINS];
        for s in scored {
            let r = by_section.codes.binary_search(&s.section).unwrap_or(0);
            let c = zones.binary_search(&s.zone).unwrap_or(0);
            sector_zone[r][c].add(s.hires as f64);
            sector_zone[r][c].add_persons(s.hires);
            bins[((s.composite / 10.0).floor().max(0.0) as usize).min(BINS - 1)] += 1;
        }
        Tables {
            by_section,
            by_zone,
            zones,
            sector_zone,
            bins,
            by_period: counts.by_period.clone(),
            nc_reasons,
            transitions: counts.transitions,
        }
    }

    fn tables(&self) -> Vec<Table> {
        let count_row = |v: &[u64]| v.iter().map(|&n| CellContrib::count(n)).collect::<Vec<_>>();
        let mut histogram = Table::new(vec![count_row(&self.bins)]);
        histogram.col_totals = false;
        let mut periods = Table::new(self.by_period.iter().map(|r| count_row(r)).collect());
        periods.col_totals = false;
        periods.total = false;
        let mut reasons = Table::new(vec![count_row(&self.nc_reasons)]);
        reasons.col_totals = false;
        let transitions = Table {
            cells: self.transitions.iter().map(|r| count_row(r)).collect(),
            row_totals: false,
            col_totals: false,
            total: false,
        };
        vec![
            self.by_section.table(),
            self.by_zone.table(),
            Table::new(self.sector_zone.clone()),
            histogram,
            periods,
            reasons,
            transitions,
        ]
    }

    /// Numbers published by two tables at once.
    fn links(&self) -> Vec<Link> {
        let link = |a: (usize, Entry), b: (usize, Entry)| Link { a, b };
        let mut v = vec![
            link((0, Entry::Total), (1, Entry::Total)),
            link((0, Entry::Total), (2, Entry::Total)),
            link((0, Entry::Total), (3, Entry::Total)),
        ];
        for l in 0..LEVELS {
            v.push(link((0, Entry::ColTotal(l)), (1, Entry::ColTotal(l))));
        }
        for r in 0..self.by_section.codes.len() {
            v.push(link((0, Entry::RowTotal(r)), (2, Entry::RowTotal(r))));
        }
        for z in 0..self.zones.len() {
            v.push(link((1, Entry::RowTotal(z)), (2, Entry::ColTotal(z))));
        }
        if let Some(last) = self.by_period.len().checked_sub(1) {
            for l in 0..LEVELS {
                v.push(link((4, Entry::Cell(last, l + 1)), (0, Entry::ColTotal(l))));
            }
            v.push(link((4, Entry::Cell(last, 0)), (5, Entry::RowTotal(0))));
        }
        v
    }

    fn non_calculable(&self, p: &Protection) -> BTreeMap<String, Option<u64>> {
        REASON_KEYS
            .iter()
            .enumerate()
            .map(|(k, key)| {
                (
                    key.to_string(),
                    p.value(Entry::Cell(0, k), self.nc_reasons[k]),
                )
            })
            .collect()
    }

    fn labels_by_period(
        &self,
        p: &Protection,
        periods: &[String],
    ) -> BTreeMap<String, [Option<u64>; 5]> {
        periods
            .iter()
            .zip(&self.by_period)
            .enumerate()
            .map(|(r, (label, row))| {
                let cells = std::array::from_fn(|k| p.value(Entry::Cell(r, k), row[k]));
                (label.clone(), cells)
            })
            .collect()
    }

    fn sector_zone_cells(&self, scored: &[Scored], p: &Protection) -> Vec<SectorZoneCell> {
        let mut sums = vec![vec![0.0; self.zones.len()]; self.by_section.codes.len()];
        for s in scored {
            let r = self.by_section.codes.binary_search(&s.section).unwrap_or(0);
            let c = self.zones.binary_search(&s.zone).unwrap_or(0);
            sums[r][c] += s.composite;
        }
        let mut out = Vec::new();
        for (r, sec) in self.by_section.codes.iter().enumerate() {
            for (c, z) in self.zones.iter().enumerate() {
                let a = &self.sector_zone[r][c];
                if a.is_empty() {
                    continue;
                }
                let e = Entry::Cell(r, c);
                out.push(SectorZoneCell {
                    section: sec.clone(),
                    zone: z.clone(),
                    secret: p.secret(e),
                    scored: p.value(e, a.units),
                    mean_score: p.value(e, sums[r][c] / a.units as f64),
                    hires: p.value(e, a.persons.unwrap_or(0)),
                });
            }
        }
        out
    }

    fn bins(&self, p: &Protection) -> Vec<Bin> {
        (0..BINS)
            .map(|b| Bin {
                from: 10.0 * b as f64,
                to: 10.0 * (b + 1) as f64,
                count: p.value(Entry::Cell(0, b), self.bins[b]),
                secret: p.secret(Entry::Cell(0, b)),
            })
            .collect()
    }

    fn transitions(&self, p: &Protection) -> Vec<TransitionCell> {
        let mut out = Vec::new();
        for (a, row) in self.transitions.iter().enumerate() {
            for (b, &n) in row.iter().enumerate() {
                if n > 0 {
                    out.push(TransitionCell {
                        from: a as u8,
                        to: b as u8,
                        count: p.value(Entry::Cell(a, b), n),
                    });
                }
            }
        }
        out
    }
}
