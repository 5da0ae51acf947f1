//! Covariate design matrices with categorical columns expanded into indicators, as R's
//! `model.matrix` and patsy/formulaic do (treatment contrasts).
//!
//! A categorical column with levels `a < b < c` (sorted as text) becomes the indicators
//! `col[T.b]` and `col[T.c]`; the reference level (`a`, the first in sort order, unless the
//! caller names another) has no indicator, so the model keeps its intercept. Names follow
//! patsy, so that coefficients line up with csdid's `xformla` and lifelines' `formula`.
//!
//! The checks that make a fit with indicators meaningful live here too, so that every
//! estimator reports them the same way, naming the column and the level: an empty value, a
//! column with a single level, an unknown reference level, and a level seen in only one of two
//! groups being compared (the propensity model would separate it perfectly).

use std::collections::{BTreeMap, BTreeSet};

/// A covariate column as read: numbers, or category labels (text or integer codes).
#[derive(Debug, Clone, PartialEq)]
pub enum RawColumn {
    /// A numeric covariate, used as is.
    Numeric(Vec<f64>),
    /// A categorical covariate, expanded into indicators.
    Categorical(Vec<String>),
}

/// One column of the expanded design.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// Design name: the column name, or `column[T.level]` for an indicator.
    pub name: String,
    /// The input column it comes from.
    pub column: String,
    /// The level it indicates (`None`: a numeric column).
    pub level: Option<String>,
}

impl Term {
    /// A numeric term named after its column.
    pub fn numeric(column: &str) -> Term {
        Term {
            name: column.to_string(),
            column: column.to_string(),
            level: None,
        }
    }
}

/// Reference level of each categorical column, and the levels it was expanded into.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Expansion {
    /// Terms, one per design column.
    pub terms: Vec<Term>,
    /// Design columns (same order as `terms`).
    pub values: Vec<Vec<f64>>,
    /// Reference level of each categorical column.
    pub references: BTreeMap<String, String>,
}

/// Why a covariate design cannot be built or fitted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DesignError {
    #[error(
        "categorical covariate `{column}`: empty value at row {row} (every row needs a level)"
    )]
    EmptyLevel { column: String, row: usize },
    #[error("categorical covariate `{column}` has a single level `{level}`: it carries no information, drop it")]
    SingleLevel { column: String, level: String },
    #[error("reference level `{level}` of `{column}` does not occur (levels: {levels})")]
    UnknownReference {
        column: String,
        level: String,
        levels: String,
    },
    #[error("reference level given for `{0}`, which is not a categorical covariate")]
    NotCategorical(String),
    #[error("covariate `{column}`: level `{level}` occurs only among the {group} units{context}, so the propensity model separates it perfectly; merge or drop that level")]
    LevelInOneGroup {
        column: String,
        level: String,
        group: String,
        context: String,
    },
    #[error("covariate `{column}`: level `{level}` has no event{context}, so the Cox likelihood has no maximum; merge or drop that level")]
    LevelWithoutEvent {
        column: String,
        level: String,
        context: String,
    },
}

/// Expands the columns in order, numeric ones as they are and categorical ones into
/// indicators against their reference (`references[column]`, else the first level in sort
/// order).
pub fn expand(
    columns: Vec<(String, RawColumn)>,
    references: &BTreeMap<String, String>,
) -> Result<Expansion, DesignError> {
    for name in references.keys() {
        let categorical = columns
            .iter()
            .any(|(c, v)| c == name && matches!(v, RawColumn::Categorical(_)));
        if !categorical {
            return Err(DesignError::NotCategorical(name.clone()));
        }
    }
    let mut out = Expansion::default();
    for (name, col) in columns {
        match col {
            RawColumn::Numeric(v) => {
                out.terms.push(Term::numeric(&name));
                out.values.push(v);
            }
            RawColumn::Categorical(v) => {
                let reference = expand_one(&name, &v, references.get(&name), &mut out)?;
                out.references.insert(name, reference);
            }
        }
    }
    Ok(out)
}

fn expand_one(
    name: &str,
    v: &[String],
    reference: Option<&String>,
    out: &mut Expansion,
) -> Result<String, DesignError> {
    if let Some(row) = v.iter().position(|s| s.trim().is_empty()) {
        return Err(DesignError::EmptyLevel {
            column: name.to_string(),
            row,
        });
    }
    let levels: BTreeSet<&str> = v.iter().map(String::as_str).collect();
    let first = levels.iter().next().copied().unwrap_or_default();
    if levels.len() < 2 {
        return Err(DesignError::SingleLevel {
            column: name.to_string(),
            level: first.to_string(),
        });
    }
    let reference = match reference {
        Some(r) if levels.contains(r.as_str()) => r.clone(),
        Some(r) => {
            return Err(DesignError::UnknownReference {
                column: name.to_string(),
                level: r.clone(),
                levels: levels.iter().copied().collect::<Vec<_>>().join(", "),
            })
        }
        None => first.to_string(),
    };
    for level in levels.iter().filter(|l| **l != reference) {
        out.terms.push(Term {
            name: format!("{name}[T.{level}]"),
            column: name.to_string(),
            level: Some(level.to_string()),
        });
        out.values
            .push(v.iter().map(|s| f64::from(u8::from(s == level))).collect());
    }
    Ok(reference)
}

/// The levels of each categorical column present in `rows` (reference included), as
/// `(column, level, row indices)`; the reference level is the rows where every indicator of
/// the column is 0.
fn level_rows<'a>(
    terms: &'a [Term],
    values: &[&[f64]],
    references: &'a BTreeMap<String, String>,
    n: usize,
) -> Vec<(&'a str, &'a str, Vec<usize>)> {
    let mut out = Vec::new();
    for (column, reference) in references {
        let idx: Vec<usize> = (0..terms.len())
            .filter(|&j| terms[j].column == *column && terms[j].level.is_some())
            .collect();
        let ref_rows: Vec<usize> = (0..n)
            .filter(|&r| idx.iter().all(|&j| values[j][r] == 0.0))
            .collect();
        out.push((column.as_str(), reference.as_str(), ref_rows));
        for &j in &idx {
            let rows = (0..n).filter(|&r| values[j][r] != 0.0).collect();
            let level = terms[j].level.as_deref().unwrap_or_default();
            out.push((column.as_str(), level, rows));
        }
    }
    out
}

/// Errors when a level of a categorical column occurs in only one of the two groups
/// (`in_group[r]` true for the first, named `names.0`). `context` is appended to the
/// message (e.g. " of cohort 2024, period 2025").
pub fn check_levels_in_both_groups(
    terms: &[Term],
    values: &[&[f64]],
    references: &BTreeMap<String, String>,
    in_group: &[bool],
    names: (&str, &str),
    context: &str,
) -> Result<(), DesignError> {
    for (column, level, rows) in level_rows(terms, values, references, in_group.len()) {
        let a = rows.iter().filter(|&&r| in_group[r]).count();
        let b = rows.len() - a;
        if rows.is_empty() || (a > 0 && b > 0) {
            continue;
        }
        return Err(DesignError::LevelInOneGroup {
            column: column.to_string(),
            level: level.to_string(),
            group: if a > 0 { names.0 } else { names.1 }.to_string(),
            context: context.to_string(),
        });
    }
    Ok(())
}

/// Errors when a level of a categorical column has no event (its Cox coefficient diverges).
pub fn check_levels_have_events(
    terms: &[Term],
    values: &[&[f64]],
    references: &BTreeMap<String, String>,
    event: &[bool],
    context: &str,
) -> Result<(), DesignError> {
    for (column, level, rows) in level_rows(terms, values, references, event.len()) {
        if !rows.is_empty() && !rows.iter().any(|&r| event[r]) {
            return Err(DesignError::LevelWithoutEvent {
                column: column.to_string(),
                level: level.to_string(),
                context: context.to_string(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn expands_like_model_matrix() {
        let cols = vec![
            (
                "age".to_string(),
                RawColumn::Numeric(vec![30.0, 40.0, 50.0, 60.0]),
            ),
            (
                "size".to_string(),
                RawColumn::Categorical(s(&["small", "large", "medium", "small"])),
            ),
        ];
        let e = expand(cols.clone(), &BTreeMap::new()).unwrap();
        let names: Vec<&str> = e.terms.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["age", "size[T.medium]", "size[T.small]"]);
        assert_eq!(e.values[2], vec![1.0, 0.0, 0.0, 1.0]);
        assert_eq!(e.references["size"], "large");
        let mut refs = BTreeMap::new();
        refs.insert("size".to_string(), "small".to_string());
        let e = expand(cols, &refs).unwrap();
        let names: Vec<&str> = e.terms.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["age", "size[T.large]", "size[T.medium]"]);
    }

    #[test]
    fn bad_levels_are_named() {
        let one = vec![("s".to_string(), RawColumn::Categorical(s(&["a", "a"])))];
        let err = expand(one, &BTreeMap::new()).unwrap_err().to_string();
        assert!(err.contains("`s`") && err.contains("`a`"), "{err}");
        let empty = vec![("s".to_string(), RawColumn::Categorical(s(&["a", " "])))];
        let err = expand(empty, &BTreeMap::new()).unwrap_err().to_string();
        assert!(err.contains("row 1"), "{err}");
        let mut refs = BTreeMap::new();
        refs.insert("s".to_string(), "z".to_string());
        let cols = vec![("s".to_string(), RawColumn::Categorical(s(&["a", "b"])))];
        let err = expand(cols, &refs).unwrap_err().to_string();
        assert!(err.contains("`z`") && err.contains("a, b"), "{err}");
        let mut refs = BTreeMap::new();
        refs.insert("x".to_string(), "1".to_string());
        let cols = vec![("x".to_string(), RawColumn::Numeric(vec![1.0]))];
        assert!(matches!(
            expand(cols, &refs),
            Err(DesignError::NotCategorical(_))
        ));
    }

    #[test]
    fn level_in_one_group_is_named() {
        let cols = vec![(
            "sector".to_string(),
            RawColumn::Categorical(s(&["F", "C", "C", "G", "F", "G"])),
        )];
        let e = expand(cols, &BTreeMap::new()).unwrap();
        let v: Vec<&[f64]> = e.values.iter().map(Vec::as_slice).collect();
        let ok = [true, true, true, false, false, false];
        assert!(
            check_levels_in_both_groups(&e.terms, &v, &e.references, &ok, ("t", "c"), "").is_err()
        );
        let ok = [true, true, false, true, false, false];
        check_levels_in_both_groups(&e.terms, &v, &e.references, &ok, ("t", "c"), "").unwrap();
        let only_treated = [true, true, false, true, true, false];
        let err = check_levels_in_both_groups(
            &e.terms,
            &v,
            &e.references,
            &only_treated,
            ("treated", "control"),
            " in cohort 4",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("`sector`") && err.contains("`F`") && err.contains("treated"),
            "{err}"
        );
        let ev = [true, true, false, false, true, false];
        let err = check_levels_have_events(&e.terms, &v, &e.references, &ev, "")
            .unwrap_err()
            .to_string();
        assert!(err.contains("`G`"), "{err}");
    }
}
