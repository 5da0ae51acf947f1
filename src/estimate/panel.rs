//! The panel every estimator works on: one row per (unit, period) with an outcome, the unit's
//! first treated period ("cohort", or never), and optional covariates.
//!
//! Built from plain slices so that it serves both the synthetic exposure panels and a user's
//! own file. Construction validates everything once (lengths, finite outcomes, duplicate
//! (unit, time) rows, a cohort constant within unit) so that estimators can assume a clean panel.

use super::EstimateError;
use crate::stats::design::{Expansion, Term};
use std::collections::{BTreeMap, HashMap};

/// A validated long panel. Units and periods are mapped to dense indices in sorted order.
#[derive(Debug, Clone)]
pub struct Panel {
    /// Unit labels, sorted; `unit_labels[u]` names unit index `u`.
    pub unit_labels: Vec<String>,
    /// Distinct periods, sorted ascending.
    pub periods: Vec<i64>,
    /// Unit index of each row.
    pub unit: Vec<usize>,
    /// Period index (into `periods`) of each row.
    pub period: Vec<usize>,
    /// Outcome of each row.
    pub y: Vec<f64>,
    /// First treated period of each unit (`None`: never treated).
    pub cohort: Vec<Option<i64>>,
    /// Covariate names.
    pub covariate_names: Vec<String>,
    /// Covariate values by row, one vector per covariate.
    pub covariates: Vec<Vec<f64>>,
    /// Where each covariate column comes from (categorical indicators name their level).
    pub covariate_terms: Vec<Term>,
    /// Reference level of each categorical covariate.
    pub references: BTreeMap<String, String>,
    /// Notes on recodings made while building (e.g. cohorts after the last period).
    pub warnings: Vec<String>,
}

impl Panel {
    /// Builds a panel from row-aligned slices.
    ///
    /// `cohort[i]` is the first treated period of row `i`'s unit (`None` = never treated) and
    /// must be the same on every row of a unit. A cohort after the last observed period is
    /// recoded to never treated, with a warning (the unit is never seen treated).
    /// Errors: length mismatch, empty panel, non-finite outcome or covariate, duplicate
    /// (unit, time) row, cohort varying within a unit.
    pub fn new<U: ToString>(
        unit: &[U],
        time: &[i64],
        y: &[f64],
        cohort: &[Option<i64>],
        covariates: Vec<(String, Vec<f64>)>,
    ) -> Result<Panel, EstimateError> {
        check_columns(unit.len(), time, y, cohort, &covariates)?;
        let (unit_labels, unit_idx) = dense_units(unit);
        let mut periods = time.to_vec();
        periods.sort_unstable();
        periods.dedup();
        let pidx: BTreeMap<i64, usize> = periods.iter().enumerate().map(|(i, t)| (*t, i)).collect();
        let period: Vec<usize> = time.iter().map(|t| pidx[t]).collect();
        check_duplicates(&unit_idx, &period, &unit_labels, time)?;
        let unit_cohort = unit_cohorts(&unit_idx, cohort, &unit_labels)?;
        let last = *periods.last().unwrap_or(&0);
        let (cohort, warnings) = recode_late_cohorts(unit_cohort, last);
        let (covariate_names, covariates): (Vec<String>, _) = covariates.into_iter().unzip();
        let covariate_terms = covariate_names.iter().map(|c| Term::numeric(c)).collect();
        Ok(Panel {
            unit_labels,
            periods,
            unit: unit_idx,
            period,
            y: y.to_vec(),
            cohort,
            covariate_names,
            covariates,
            covariate_terms,
            references: BTreeMap::new(),
            warnings,
        })
    }

    /// Builds a panel whose covariates come from a design expansion (categorical columns as
    /// indicators); see [`Panel::new`] for the checks.
    pub fn with_design<U: ToString>(
        unit: &[U],
        time: &[i64],
        y: &[f64],
        cohort: &[Option<i64>],
        design: Expansion,
    ) -> Result<Panel, EstimateError> {
        let Expansion {
            terms,
            values,
            references,
        } = design;
        let cols = terms.iter().map(|t| t.name.clone()).zip(values).collect();
        let mut p = Panel::new(unit, time, y, cohort, cols)?;
        p.covariate_terms = terms;
        p.references = references;
        Ok(p)
    }

    pub fn n_rows(&self) -> usize {
        self.y.len()
    }

    pub fn n_units(&self) -> usize {
        self.unit_labels.len()
    }

    pub fn n_periods(&self) -> usize {
        self.periods.len()
    }

    /// Whether the row's unit is treated in the row's period (`t ≥ cohort`).
    pub fn treated(&self, row: usize) -> bool {
        self.cohort[self.unit[row]].is_some_and(|g| self.periods[self.period[row]] >= g)
    }

    /// Whether every unit is observed in every period.
    pub fn is_balanced(&self) -> bool {
        self.n_rows() == self.n_units() * self.n_periods()
    }

    /// Number of never-treated units.
    pub fn n_never_treated(&self) -> usize {
        self.cohort.iter().filter(|c| c.is_none()).count()
    }

    /// Unit-level covariate values (`[unit][covariate]`), erroring if a covariate varies
    /// within a unit (the doubly robust estimator needs time-invariant covariates).
    pub fn unit_covariates(&self) -> Result<Vec<Vec<f64>>, EstimateError> {
        let k = self.covariates.len();
        let mut out: Vec<Option<Vec<f64>>> = vec![None; self.n_units()];
        for row in 0..self.n_rows() {
            let vals: Vec<f64> = self.covariates.iter().map(|c| c[row]).collect();
            let u = self.unit[row];
            match &out[u] {
                None => out[u] = Some(vals),
                Some(prev) => {
                    for j in 0..k {
                        if prev[j] != vals[j] {
                            return Err(EstimateError::Input(format!(
                                "covariate `{}` varies within unit `{}` ({} and {}); only time-invariant covariates are supported",
                                self.covariate_names[j], self.unit_labels[u], prev[j], vals[j]
                            )));
                        }
                    }
                }
            }
        }
        Ok(out.into_iter().map(Option::unwrap_or_default).collect())
    }
}

/// Errors on columns of the wrong length, an empty panel, or a non-finite outcome or
/// covariate.
fn check_columns(
    n: usize,
    time: &[i64],
    y: &[f64],
    cohort: &[Option<i64>],
    covariates: &[(String, Vec<f64>)],
) -> Result<(), EstimateError> {
    for (name, len) in [
        ("time", time.len()),
        ("outcome", y.len()),
        ("cohort", cohort.len()),
    ]
    .into_iter()
    .chain(covariates.iter().map(|(c, v)| (c.as_str(), v.len())))
    {
        if len != n {
            return Err(EstimateError::Input(format!(
                "column `{name}` has {len} rows, expected {n}"
            )));
        }
    }
    if n == 0 {
        return Err(EstimateError::Input("empty panel".into()));
    }
    if let Some(i) = y.iter().position(|v| !v.is_finite()) {
        return Err(EstimateError::Input(format!(
            "outcome is not a finite number at row {i} (got {})",
            y[i]
        )));
    }
    for (name, v) in covariates {
        if let Some(i) = v.iter().position(|v| !v.is_finite()) {
            return Err(EstimateError::Input(format!(
                "covariate `{name}` is not a finite number at row {i} (got {})",
                v[i]
            )));
        }
    }
    Ok(())
}

/// Sorted distinct unit labels and the dense unit index of each row.
fn dense_units<U: ToString>(unit: &[U]) -> (Vec<String>, Vec<usize>) {
    let labels: Vec<String> = unit.iter().map(ToString::to_string).collect();
    let mut sorted: Vec<&String> = labels.iter().collect();
    sorted.sort();
    sorted.dedup();
    let unit_labels: Vec<String> = sorted.into_iter().cloned().collect();
    let index: HashMap<&str, usize> = unit_labels
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let unit_idx: Vec<usize> = labels.iter().map(|l| index[l.as_str()]).collect();
    (unit_labels, unit_idx)
}

/// Errors on a duplicate (unit, period) row, found by sorting the row keys (memory
/// O(rows), whatever the number of distinct units and periods).
fn check_duplicates(
    unit_idx: &[usize],
    period: &[usize],
    unit_labels: &[String],
    time: &[i64],
) -> Result<(), EstimateError> {
    let mut order: Vec<usize> = (0..unit_idx.len()).collect();
    order.sort_unstable_by_key(|&i| (unit_idx[i], period[i], i));
    for w in order.windows(2) {
        let (a, b) = (w[0], w[1]);
        if unit_idx[a] == unit_idx[b] && period[a] == period[b] {
            return Err(EstimateError::Input(format!(
                "duplicate row for unit `{}` at time {} (rows {a} and {b})",
                unit_labels[unit_idx[b]], time[b]
            )));
        }
    }
    Ok(())
}

/// The cohort of each unit, erroring when it varies within a unit.
fn unit_cohorts(
    unit_idx: &[usize],
    cohort: &[Option<i64>],
    unit_labels: &[String],
) -> Result<Vec<Option<Option<i64>>>, EstimateError> {
    let mut unit_cohort: Vec<Option<Option<i64>>> = vec![None; unit_labels.len()];
    for (i, &u) in unit_idx.iter().enumerate() {
        match unit_cohort[u] {
            None => unit_cohort[u] = Some(cohort[i]),
            Some(c) if c != cohort[i] => {
                return Err(EstimateError::Input(format!(
                    "cohort varies within unit `{}`: {} and {} (row {i})",
                    unit_labels[u],
                    show(c),
                    show(cohort[i])
                )))
            }
            _ => {}
        }
    }
    Ok(unit_cohort)
}

/// Recodes cohorts after the last period to never treated (the unit is never seen
/// treated), with a warning saying how many.
fn recode_late_cohorts(
    unit_cohort: Vec<Option<Option<i64>>>,
    last: i64,
) -> (Vec<Option<i64>>, Vec<String>) {
    let mut warnings = Vec::new();
    let mut late = 0;
    let cohort: Vec<Option<i64>> = unit_cohort
        .into_iter()
        .map(|c| match c.flatten() {
            Some(g) if g > last => {
                late += 1;
                None
            }
            other => other,
        })
        .collect();
    if late > 0 {
        warnings.push(format!(
            "{late} unit(s) first treated after the last period ({last}) are treated as never treated"
        ));
    }
    (cohort, warnings)
}

fn show(c: Option<i64>) -> String {
    c.map_or_else(|| "never".to_string(), |g| g.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_panels() {
        let ok = Panel::new(
            &[1, 1, 2, 2],
            &[1, 2, 1, 2],
            &[0.0, 1.0, 2.0, 3.0],
            &[Some(2), Some(2), None, None],
            vec![],
        )
        .unwrap();
        assert!(ok.is_balanced());
        assert!(ok.treated(1) && !ok.treated(0) && !ok.treated(3));

        let dup = Panel::new(&[1, 1], &[1, 1], &[0.0, 1.0], &[None, None], vec![]);
        assert!(dup
            .unwrap_err()
            .to_string()
            .contains("duplicate row for unit `1`"));

        let vary = Panel::new(&[1, 1], &[1, 2], &[0.0, 1.0], &[None, Some(2)], vec![]);
        assert!(vary.unwrap_err().to_string().contains("cohort varies"));

        let nan = Panel::new(&[1, 1], &[1, 2], &[0.0, f64::NAN], &[None, None], vec![]);
        assert!(nan.unwrap_err().to_string().contains("row 1"));

        let len = Panel::new(&[1, 1], &[1], &[0.0, 1.0], &[None, None], vec![]);
        assert!(len.is_err());

        let late = Panel::new(&[1, 1], &[1, 2], &[0.0, 1.0], &[Some(9), Some(9)], vec![]).unwrap();
        assert_eq!(late.cohort, vec![None]);
        assert_eq!(late.warnings.len(), 1);

        let tv = Panel::new(
            &[1, 1],
            &[1, 2],
            &[0.0, 1.0],
            &[None, None],
            vec![("x".into(), vec![1.0, 2.0])],
        )
        .unwrap();
        assert!(tv
            .unit_covariates()
            .unwrap_err()
            .to_string()
            .contains("varies within unit"));
    }
}
