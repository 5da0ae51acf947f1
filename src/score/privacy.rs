//! Publication rules: statistical secrecy for every table and list that leaves the workbench.
//!
//! - **Persons** (tax-data rule, stricter than URSSAF's ≤5): a count of persons below
//!   [`MIN_PERSONS`] = 11 is never published. BOETH status, unemployment history and health are
//!   sensitive, so an establishment-level criterion on them is only cited (as a position, never
//!   a count) when both its numerator and its denominator reach 11 persons.
//! - **Establishments** (business statistics, law of 7 June 1951): an aggregate cell needs at
//!   least [`MIN_UNITS`] = 3 establishments and no establishment may contribute more than
//!   [`DOMINANCE_SHARE`] = 85% of the cell's magnitude. Cells failing either rule are
//!   primary-secret; [`secondary_suppression`] then hides further cells so that no secret cell
//!   can be recomputed from published row or column totals.

use crate::indicators::{Criterion, IndicatorRow, Kind};

/// Minimum count of persons in any published figure.
pub const MIN_PERSONS: u64 = 11;
/// Minimum establishments per published aggregate cell.
pub const MIN_UNITS: u64 = 3;
/// Maximum share of a cell's magnitude from one establishment.
pub const DOMINANCE_SHARE: f64 = 0.85;

/// A person count as publishable: `None` below [`MIN_PERSONS`] (0 included: "no BOETH hire"
/// is also a statement about persons).
pub fn person_count(n: u64) -> Option<u64> {
    (n >= MIN_PERSONS).then_some(n)
}

/// Contributions to one aggregate cell.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CellContrib {
    /// Establishments in the cell.
    pub units: u64,
    /// Cell magnitude (for example hires).
    pub total: f64,
    /// Largest single establishment's contribution to the magnitude.
    pub largest: f64,
}

impl CellContrib {
    pub fn add(&mut self, v: f64) {
        self.units += 1;
        self.total += v;
        self.largest = self.largest.max(v);
    }
}

/// Why a cell is primary-secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretReason {
    /// Fewer than [`MIN_UNITS`] establishments.
    FewUnits,
    /// One establishment over [`DOMINANCE_SHARE`] of the magnitude.
    Dominance,
    /// Hidden so that a secret cell cannot be recomputed from the margins.
    Secondary,
}

/// The primary-secrecy rule for a non-empty cell (an empty cell is a structural zero and
/// publishable).
pub fn primary_secret(c: &CellContrib) -> Option<SecretReason> {
    if c.units == 0 {
        None
    } else if c.units < MIN_UNITS {
        Some(SecretReason::FewUnits)
    } else if c.total > 0.0 && c.largest > DOMINANCE_SHARE * c.total {
        Some(SecretReason::Dominance)
    } else {
        None
    }
}

/// Secondary suppression on a two-way table whose row and column totals are published:
/// while a row or column holds exactly one secret cell, the smallest other non-empty
/// publishable cell of that line (by `weight`) is hidden too. Returns, per row and per
/// column, whether the margin itself must be hidden (a single secret cell with no partner).
#[allow(clippy::needless_range_loop)] // row/column indices address two arrays
pub fn secondary_suppression(
    secret: &mut [Vec<Option<SecretReason>>],
    weight: &[Vec<f64>],
    nonempty: &[Vec<bool>],
) -> (Vec<bool>, Vec<bool>) {
    let nr = secret.len();
    let nc = secret.first().map_or(0, |r| r.len());
    let mut row_margin = vec![false; nr];
    let mut col_margin = vec![false; nc];
    loop {
        let mut changed = false;
        for r in 0..nr {
            let cells: Vec<usize> = (0..nc).collect();
            changed |= fix_line(
                secret,
                weight,
                nonempty,
                &cells,
                |k| (r, k),
                &mut row_margin[r],
            );
        }
        for c in 0..nc {
            let cells: Vec<usize> = (0..nr).collect();
            changed |= fix_line(
                secret,
                weight,
                nonempty,
                &cells,
                |k| (k, c),
                &mut col_margin[c],
            );
        }
        if !changed {
            break;
        }
    }
    (row_margin, col_margin)
}

fn fix_line(
    secret: &mut [Vec<Option<SecretReason>>],
    weight: &[Vec<f64>],
    nonempty: &[Vec<bool>],
    cells: &[usize],
    at: impl Fn(usize) -> (usize, usize),
    margin: &mut bool,
) -> bool {
    let n_secret = cells
        .iter()
        .filter(|&&k| {
            let (r, c) = at(k);
            secret[r][c].is_some()
        })
        .count();
    if n_secret != 1 {
        return false;
    }
    let partner = cells
        .iter()
        .map(|&k| at(k))
        .filter(|&(r, c)| secret[r][c].is_none() && nonempty[r][c])
        .min_by(|&(r1, c1), &(r2, c2)| {
            weight[r1][c1]
                .total_cmp(&weight[r2][c2])
                .then((r1, c1).cmp(&(r2, c2)))
        });
    match partner {
        Some((r, c)) => {
            secret[r][c] = Some(SecretReason::Secondary);
            true
        }
        None => {
            *margin = true;
            false
        }
    }
}

/// Whether a criterion may be cited for one establishment in a published list (as a
/// position only): shares need at least 11 persons in the denominator, and sensitive shares
/// ([`Criterion::is_sensitive`]) 11 in the numerator too; rates and lengths need 11 employees
/// (or 11 completed CDDs).
pub fn can_cite(row: &IndicatorRow, c: Criterion, window_months: u32) -> bool {
    let (x, n) = row.counts(c, window_months);
    let min = MIN_PERSONS as f64;
    match c.kind() {
        Kind::Share(_) => n >= min && (!c.is_sensitive() || x >= min),
        Kind::Days => n >= min,
        Kind::Rate { .. } => row.headcount >= min,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn person_threshold() {
        assert_eq!(person_count(10), None);
        assert_eq!(person_count(0), None);
        assert_eq!(person_count(11), Some(11));
    }

    #[test]
    fn primary_rules() {
        let mut c = CellContrib::default();
        assert_eq!(primary_secret(&c), None, "empty cell is a structural zero");
        c.add(5.0);
        c.add(5.0);
        assert_eq!(primary_secret(&c), Some(SecretReason::FewUnits));
        c.add(5.0);
        assert_eq!(primary_secret(&c), None);
        c.add(100.0); // 100 / 115 = 87% > 85%
        assert_eq!(primary_secret(&c), Some(SecretReason::Dominance));
    }

    #[test]
    #[allow(clippy::needless_range_loop)]
    fn secondary_hides_a_partner_in_rows_and_columns() {
        // 2×3 table; cell (0,0) is primary-secret.
        let mut s = vec![
            vec![Some(SecretReason::FewUnits), None, None],
            vec![None, None, None],
        ];
        let w = vec![vec![1.0, 5.0, 3.0], vec![4.0, 9.0, 8.0]];
        let ne = vec![vec![true; 3]; 2];
        let (rm, cm) = secondary_suppression(&mut s, &w, &ne);
        // Row 0: partner (0,2) (weight 3). Column 0: partner (1,0). Then row 1 has one
        // secret (1,0) → partner (1,2); column 2 now has two. Every line has 0 or ≥2 secrets.
        assert_eq!(s[0][2], Some(SecretReason::Secondary));
        assert_eq!(s[1][0], Some(SecretReason::Secondary));
        for r in 0..2 {
            let k = s[r].iter().filter(|x| x.is_some()).count();
            assert!(k != 1, "row {r}");
        }
        for c in 0..3 {
            let k = (0..2).filter(|&r| s[r][c].is_some()).count();
            assert!(k != 1, "column {c}");
        }
        assert!(rm.iter().all(|x| !x) && cm.iter().all(|x| !x));
        // A single-cell line cannot be protected by a partner: its margin is hidden.
        let mut s1 = vec![vec![Some(SecretReason::FewUnits)]];
        let (rm, cm) = secondary_suppression(&mut s1, &[vec![1.0]], &[vec![true]]);
        assert!(rm[0] && cm[0]);
    }
}
