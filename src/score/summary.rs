//! The published summary of a scoring run: labels by NAF section and employment zone, label
//! counts per period and the composite's distribution, with statistical secrecy applied
//! ([`super::privacy`]).

use super::privacy::{self, CellContrib, SecretReason};
use super::{EstablishmentInfo, NonCalculable, ScoreRow};
use crate::indicators::Indicators;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

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
    /// Establishments by label level 0, 1, 2, 3.
    pub by_level: Option<[u64; 4]>,
    /// Mean composite.
    pub mean_score: Option<f64>,
    /// Hires of the scored establishments (persons: hidden below 11).
    pub hires: Option<u64>,
}

/// A histogram bin of the composite (latest period).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bin {
    /// Lower edge (inclusive).
    pub from: f64,
    /// Upper edge (exclusive, except 100).
    pub to: f64,
    /// Establishments in the bin (`None` when secret).
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
    /// Non-calculable establishments by reason.
    pub non_calculable: BTreeMap<String, u64>,
    /// Establishments by label level (`"0"` … `"3"`), latest period.
    pub labels: BTreeMap<String, u64>,
    /// For every period: [non calculable, level 0, 1, 2, 3].
    pub labels_by_period: BTreeMap<String, [u64; 5]>,
    /// Mean composite of calculable establishments.
    pub mean_score: Option<f64>,
    /// Median composite.
    pub median_score: Option<f64>,
    /// Section × zone cells.
    pub by_sector_zone: Vec<SectorZoneCell>,
    /// Sections whose margin (all zones) must be hidden.
    pub hidden_section_margins: Vec<String>,
    /// Zones whose margin (all sections) must be hidden.
    pub hidden_zone_margins: Vec<String>,
    /// Composite histogram (10 bins).
    pub distribution: Vec<Bin>,
}

/// Builds the summary from score rows (sorted by SIRET then period).
pub fn summarise(
    scores: &[ScoreRow],
    ind: &Indicators,
    ests: &[EstablishmentInfo],
) -> ScoreSummary {
    let Some(last) = ind.periods.last() else {
        return ScoreSummary::default();
    };
    let lp = last.index;
    let mut labels_by_period: BTreeMap<String, [u64; 5]> = BTreeMap::new();
    for s in scores {
        let e = labels_by_period
            .entry(ind.periods[s.period as usize].label.clone())
            .or_default();
        e[s.label.map_or(0, |l| l as usize + 1)] += 1;
    }
    let latest: Vec<(usize, &ScoreRow)> = scores
        .iter()
        .enumerate()
        .filter(|(_, s)| s.period == lp)
        .collect();
    let mut non_calculable = BTreeMap::new();
    let mut labels = BTreeMap::new();
    let mut comps = Vec::new();
    for (_, s) in &latest {
        match (s.non_calculable, s.composite) {
            (Some(r), _) => {
                let k = match r {
                    NonCalculable::SmallHeadcount => "small_headcount",
                    NonCalculable::FewHires => "few_hires",
                    NonCalculable::FewCriteria => "few_criteria",
                };
                *non_calculable.entry(k.to_string()).or_insert(0u64) += 1;
            }
            (None, Some(c)) => {
                comps.push(c);
                *labels
                    .entry(s.label.unwrap_or(0).to_string())
                    .or_insert(0u64) += 1;
            }
            _ => {}
        }
    }
    comps.sort_unstable_by(f64::total_cmp);
    let mean_score = (!comps.is_empty()).then(|| comps.iter().sum::<f64>() / comps.len() as f64);
    let median_score = (!comps.is_empty()).then(|| {
        let n = comps.len();
        if n % 2 == 1 {
            comps[n / 2]
        } else {
            (comps[n / 2 - 1] + comps[n / 2]) / 2.0
        }
    });
    // Section × zone table.
    let info = |siret: u64| {
        ests.binary_search_by_key(&siret, |e| e.siret)
            .ok()
            .map(|i| (ests[i].section.clone(), ests[i].zone.clone()))
            .unwrap_or_else(|| ("?".into(), "?".into()))
    };
    #[derive(Default)]
    struct Acc {
        contrib: CellContrib,
        by_level: [u64; 4],
        sum: f64,
        hires: u64,
    }
    let mut cells: BTreeMap<(String, String), Acc> = BTreeMap::new();
    for &(i, s) in &latest {
        let Some(c) = s.composite else { continue };
        let hires = ind.rows[i].hires as u64;
        let a = cells.entry(info(s.siret)).or_default();
        a.contrib.add(hires as f64);
        a.by_level[s.label.unwrap_or(0).min(3) as usize] += 1;
        a.sum += c;
        a.hires += hires;
    }
    let sections: Vec<String> = cells
        .keys()
        .map(|k| k.0.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let zones: Vec<String> = cells
        .keys()
        .map(|k| k.1.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut secret = vec![vec![None; zones.len()]; sections.len()];
    let mut weight = vec![vec![0.0; zones.len()]; sections.len()];
    let mut nonempty = vec![vec![false; zones.len()]; sections.len()];
    for (r, sec) in sections.iter().enumerate() {
        for (c, z) in zones.iter().enumerate() {
            if let Some(a) = cells.get(&(sec.clone(), z.clone())) {
                secret[r][c] = privacy::primary_secret(&a.contrib);
                weight[r][c] = a.contrib.units as f64;
                nonempty[r][c] = true;
            }
        }
    }
    let (rm, cm) = privacy::secondary_suppression(&mut secret, &weight, &nonempty);
    let mut by_sector_zone = Vec::new();
    for (r, sec) in sections.iter().enumerate() {
        for (c, z) in zones.iter().enumerate() {
            let Some(a) = cells.get(&(sec.clone(), z.clone())) else {
                continue;
            };
            let open = secret[r][c].is_none();
            by_sector_zone.push(SectorZoneCell {
                section: sec.clone(),
                zone: z.clone(),
                secret: secret[r][c],
                scored: open.then_some(a.contrib.units),
                by_level: open.then_some(a.by_level),
                mean_score: open.then(|| a.sum / a.contrib.units as f64),
                hires: if open {
                    privacy::person_count(a.hires)
                } else {
                    None
                },
            });
        }
    }
    // Histogram, with a single-line secondary suppression against the published total.
    let mut bins = [CellContrib::default(); 10];
    for &c in &comps {
        let b = ((c / 10.0).floor() as usize).min(9);
        bins[b].units += 1;
    }
    let mut hs = vec![bins
        .iter()
        .map(|b| (b.units > 0 && b.units < privacy::MIN_UNITS).then_some(SecretReason::FewUnits))
        .collect::<Vec<_>>()];
    let hw = vec![bins.iter().map(|b| b.units as f64).collect::<Vec<_>>()];
    let hn = vec![bins.iter().map(|b| b.units > 0).collect::<Vec<_>>()];
    privacy::secondary_suppression(&mut hs, &hw, &hn);
    let distribution = (0..10)
        .map(|b| Bin {
            from: 10.0 * b as f64,
            to: 10.0 * (b + 1) as f64,
            count: hs[0][b].is_none().then_some(bins[b].units),
        })
        .collect();
    ScoreSummary {
        period: last.label.clone(),
        establishments: latest.len() as u64,
        calculable: comps.len() as u64,
        non_calculable,
        labels,
        labels_by_period,
        mean_score,
        median_score,
        by_sector_zone,
        hidden_section_margins: sections
            .iter()
            .zip(&rm)
            .filter(|(_, &h)| h)
            .map(|(s, _)| s.clone())
            .collect(),
        hidden_zone_margins: zones
            .iter()
            .zip(&cm)
            .filter(|(_, &h)| h)
            .map(|(s, _)| s.clone())
            .collect(),
        distribution,
    }
}
