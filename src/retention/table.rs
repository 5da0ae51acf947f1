//! The person-level table every retention estimator reads, validated once on construction.
//!
//! Estimators take a [`PersonTable`] rather than raw columns so that the checks required
//! for (durations finite and non-negative, events 0/1, weights positive, covariates finite)
//! happen in one place and report the offending row and value.

use super::RetentionError;
use crate::stats::design::{Expansion, Term};
use std::collections::BTreeMap;

/// A named numeric covariate column (a number, or the indicator of a categorical level).
#[derive(Debug, Clone, PartialEq)]
pub struct Covariate {
    /// Column name, as given by the user (`column[T.level]` for an indicator).
    pub name: String,
    /// One value per person.
    pub values: Vec<f64>,
    /// The input column and level it comes from.
    pub term: Term,
}

/// Person-level survival data: one row per person (or per job spell).
#[derive(Debug, Clone, PartialEq)]
pub struct PersonTable {
    duration: Vec<f64>,
    event: Vec<bool>,
    group: Vec<String>,
    covariates: Vec<Covariate>,
    weights: Option<Vec<f64>>,
    references: BTreeMap<String, String>,
}

impl PersonTable {
    /// Builds a table from validated columns.
    ///
    /// # Errors
    /// Length mismatch, empty table, a duration that is negative, NaN or infinite.
    pub fn new(
        duration: Vec<f64>,
        event: Vec<bool>,
        group: Vec<String>,
    ) -> Result<PersonTable, RetentionError> {
        let n = duration.len();
        if n == 0 {
            return Err(RetentionError::Empty);
        }
        for (column, len) in [("event", event.len()), ("group", group.len())] {
            if len != n {
                return Err(RetentionError::Length {
                    column: column.to_string(),
                    len,
                    expected: n,
                });
            }
        }
        for (row, &d) in duration.iter().enumerate() {
            if !d.is_finite() || d < 0.0 {
                return Err(RetentionError::BadDuration { row, value: d });
            }
        }
        Ok(PersonTable {
            duration,
            event,
            group,
            covariates: Vec::new(),
            weights: None,
            references: BTreeMap::new(),
        })
    }

    /// Builds a table from columns as read from a file, where any value may be missing and
    /// the event indicator is numeric. Rows are numbered from 0 in errors.
    ///
    /// # Errors
    /// A missing or negative duration, an event that is missing or not exactly 0 or 1, a
    /// missing group.
    pub fn from_raw(
        duration: &[Option<f64>],
        event: &[Option<f64>],
        group: &[Option<String>],
    ) -> Result<PersonTable, RetentionError> {
        let mut d = Vec::with_capacity(duration.len());
        for (row, v) in duration.iter().enumerate() {
            match v {
                Some(x) => d.push(*x),
                None => {
                    return Err(RetentionError::Missing {
                        column: "duration".into(),
                        row,
                    })
                }
            }
        }
        let mut e = Vec::with_capacity(event.len());
        for (row, v) in event.iter().enumerate() {
            match v {
                Some(x) if *x == 0.0 => e.push(false),
                Some(x) if *x == 1.0 => e.push(true),
                Some(x) => return Err(RetentionError::BadEvent { row, value: *x }),
                None => {
                    return Err(RetentionError::Missing {
                        column: "event".into(),
                        row,
                    })
                }
            }
        }
        let mut g = Vec::with_capacity(group.len());
        for (row, v) in group.iter().enumerate() {
            match v {
                Some(x) => g.push(x.clone()),
                None => {
                    return Err(RetentionError::Missing {
                        column: "group".into(),
                        row,
                    })
                }
            }
        }
        PersonTable::new(d, e, g)
    }

    /// Adds a covariate column.
    ///
    /// # Errors
    /// Wrong length, a non-finite value, or a name already used.
    pub fn with_covariate(
        mut self,
        name: &str,
        values: Vec<f64>,
    ) -> Result<PersonTable, RetentionError> {
        if values.len() != self.len() {
            return Err(RetentionError::Length {
                column: name.to_string(),
                len: values.len(),
                expected: self.len(),
            });
        }
        if let Some(row) = values.iter().position(|v| !v.is_finite()) {
            return Err(RetentionError::BadCovariate {
                name: name.to_string(),
                row,
                value: values[row],
            });
        }
        if self.covariates.iter().any(|c| c.name == name) {
            return Err(RetentionError::DuplicateCovariate(name.to_string()));
        }
        self.covariates.push(Covariate {
            name: name.to_string(),
            values,
            term: Term::numeric(name),
        });
        Ok(self)
    }

    /// Adds the columns of a design expansion (numeric covariates and the indicators of
    /// categorical ones), remembering each categorical column's reference level.
    ///
    /// # Errors
    /// As [`PersonTable::with_covariate`].
    pub fn with_design(mut self, design: Expansion) -> Result<PersonTable, RetentionError> {
        for (term, values) in design.terms.into_iter().zip(design.values) {
            self = self.with_covariate(&term.name, values)?;
            if let Some(c) = self.covariates.last_mut() {
                c.term = term;
            }
        }
        self.references.extend(design.references);
        Ok(self)
    }

    /// Reference level of each categorical covariate.
    pub fn references(&self) -> &BTreeMap<String, String> {
        &self.references
    }

    /// Sets case weights (e.g. inverse probability weights).
    ///
    /// # Errors
    /// Wrong length, or a weight that is not finite and strictly positive.
    pub fn with_weights(mut self, weights: Vec<f64>) -> Result<PersonTable, RetentionError> {
        if weights.len() != self.len() {
            return Err(RetentionError::Length {
                column: "weights".into(),
                len: weights.len(),
                expected: self.len(),
            });
        }
        if let Some(row) = weights.iter().position(|w| !(w.is_finite() && *w > 0.0)) {
            return Err(RetentionError::BadWeight {
                row,
                value: weights[row],
            });
        }
        self.weights = Some(weights);
        Ok(self)
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.duration.len()
    }

    /// Always false: construction rejects empty tables.
    pub fn is_empty(&self) -> bool {
        self.duration.is_empty()
    }

    /// Durations (time from start to event or censoring).
    pub fn duration(&self) -> &[f64] {
        &self.duration
    }

    /// Event indicators (true = the job ended; false = censored).
    pub fn event(&self) -> &[bool] {
        &self.event
    }

    /// Group labels, exactly as given.
    pub fn group(&self) -> &[String] {
        &self.group
    }

    /// Covariates, in the order added.
    pub fn covariates(&self) -> &[Covariate] {
        &self.covariates
    }

    /// Case weights, if set.
    pub fn weights(&self) -> Option<&[f64]> {
        self.weights.as_deref()
    }

    /// Weight of row `i` (1 without weights).
    pub fn weight(&self, i: usize) -> f64 {
        self.weights.as_ref().map_or(1.0, |w| w[i])
    }

    /// Distinct group labels, sorted.
    pub fn group_levels(&self) -> Vec<String> {
        let set: std::collections::BTreeSet<&String> = self.group.iter().collect();
        set.into_iter().cloned().collect()
    }

    /// Row indices of each group, keyed by label.
    pub fn group_indices(&self) -> std::collections::BTreeMap<String, Vec<usize>> {
        let mut out: std::collections::BTreeMap<String, Vec<usize>> = Default::default();
        for (i, g) in self.group.iter().enumerate() {
            out.entry(g.clone()).or_default().push(i);
        }
        out
    }

    /// Keeps the rows in `rows` (in that order).
    pub fn subset(&self, rows: &[usize]) -> PersonTable {
        PersonTable {
            duration: rows.iter().map(|&i| self.duration[i]).collect(),
            event: rows.iter().map(|&i| self.event[i]).collect(),
            group: rows.iter().map(|&i| self.group[i].clone()).collect(),
            covariates: self
                .covariates
                .iter()
                .map(|c| Covariate {
                    name: c.name.clone(),
                    values: rows.iter().map(|&i| c.values[i]).collect(),
                    term: c.term.clone(),
                })
                .collect(),
            weights: self
                .weights
                .as_ref()
                .map(|w| rows.iter().map(|&i| w[i]).collect()),
            references: self.references.clone(),
        }
    }
}

/// Largest duration when every duration of `rows` is an integer no larger than a bound
/// proportional to the row count (durations in days, as in every DSN extract); such data
/// can be bucketed by day in O(n + T) instead of sorted in O(n log n).
pub(crate) fn integer_span(duration: &[f64], rows: Option<&[usize]>) -> Option<usize> {
    let n = rows.map_or(duration.len(), <[usize]>::len);
    // Buckets pay off while the span is within a small multiple of the rows (a group of a few
    // rows must not allocate a 100,000-day array).
    let limit = (16 * n).clamp(1_024, 50_000_000) as f64;
    let mut max = 0.0f64;
    let ok = |d: f64| d.fract() == 0.0 && d <= limit;
    match rows {
        Some(r) => {
            for &i in r {
                let d = duration[i];
                if !ok(d) {
                    return None;
                }
                max = max.max(d);
            }
        }
        None => {
            for &d in duration {
                if !ok(d) {
                    return None;
                }
                max = max.max(d);
            }
        }
    }
    Some(max as usize)
}

/// Row indices sorted by ascending duration (stable, so ties keep input order); a counting
/// sort when durations are small integers, a comparison sort otherwise.
pub(crate) fn order_by_duration(duration: &[f64], rows: &[usize]) -> Vec<usize> {
    if let Some(max) = integer_span(duration, Some(rows)) {
        let mut start = vec![0usize; max + 2];
        for &i in rows {
            start[duration[i] as usize + 1] += 1;
        }
        for t in 1..start.len() {
            start[t] += start[t - 1];
        }
        let mut idx = vec![0usize; rows.len()];
        for &i in rows {
            let t = duration[i] as usize;
            idx[start[t]] = i;
            start[t] += 1;
        }
        return idx;
    }
    let mut idx = rows.to_vec();
    idx.sort_by(|&a, &b| duration[a].total_cmp(&duration[b]));
    idx
}

#[cfg(test)]
mod tests {
    #[test]
    fn counting_and_comparison_orders_agree() {
        let d = [3.0, 1.0, 3.0, 0.0, 2.0, 1.0];
        let rows = [0, 1, 2, 3, 4, 5];
        assert_eq!(super::order_by_duration(&d, &rows), vec![3, 1, 5, 4, 0, 2]);
        let f = [3.5, 1.0, 3.5, 0.0, 2.0, 1.0];
        assert_eq!(super::order_by_duration(&f, &rows), vec![3, 1, 5, 4, 0, 2]);
        assert_eq!(super::integer_span(&f, None), None);
        assert_eq!(super::integer_span(&d, Some(&[1, 4])), Some(2));
    }
}
