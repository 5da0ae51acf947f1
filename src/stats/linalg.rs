//! Small dense linear algebra for the estimators: row-major matrices (an `ndarray::Array2`
//! underneath, so that products run through ndarray's blocked kernels and large estimators
//! can work on the array directly), Cholesky factorisation, solves and inverses of symmetric
//! positive-definite matrices, and a rank check that names the collinear columns.
//!
//! The estimators only ever invert small cross-product matrices (a few dozen columns at most:
//! event-time dummies, covariates), so a plain Cholesky is both fast and exact enough. Large
//! fixed-effect dimensions are swept out by demeaning before anything reaches this module.

use ndarray::Array2;
use std::fmt;

/// Relative pivot tolerance under which a column is declared collinear with earlier ones.
///
/// The check runs on the cross-product rescaled to unit diagonal, so the pivot is
/// `1 − R²` of that column on the earlier columns: `1e-10` means `R² > 1 − 1e-10`.
pub const COLLINEARITY_TOL: f64 = 1e-10;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LinalgError {
    #[error("dimension mismatch: {0}")]
    Dimension(String),
    #[error("matrix is not positive definite (pivot {pivot:e} at column {column})")]
    NotPositiveDefinite { column: usize, pivot: f64 },
    #[error("perfectly collinear column(s): {}", columns.join(", "))]
    Collinear {
        /// Names of the columns that are linear combinations of earlier columns.
        columns: Vec<String>,
    },
    #[error("non-finite value in matrix at ({row}, {col})")]
    NonFinite { row: usize, col: usize },
}

/// Dense row-major matrix of `f64`, backed by an `ndarray::Array2` in standard layout.
#[derive(Clone, PartialEq)]
pub struct Matrix {
    rows: usize,
    cols: usize,
    data: Array2<f64>,
}

impl From<Array2<f64>> for Matrix {
    fn from(a: Array2<f64>) -> Matrix {
        let (rows, cols) = a.dim();
        // A standard-layout copy, so that rows are contiguous slices.
        let data = if a.is_standard_layout() {
            a
        } else {
            a.as_standard_layout().to_owned()
        };
        Matrix { rows, cols, data }
    }
}

impl fmt::Debug for Matrix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Matrix {}x{} [", self.rows, self.cols)?;
        for r in 0..self.rows {
            writeln!(f, "  {:?}", self.row(r))?;
        }
        write!(f, "]")
    }
}

impl Matrix {
    /// An all-zero `rows × cols` matrix.
    pub fn zeros(rows: usize, cols: usize) -> Self {
        Matrix {
            rows,
            cols,
            data: Array2::zeros((rows, cols)),
        }
    }

    /// The `n × n` identity.
    pub fn identity(n: usize) -> Self {
        let mut m = Self::zeros(n, n);
        for i in 0..n {
            m[(i, i)] = 1.0;
        }
        m
    }

    /// Wraps row-major data; errors if `data.len() != rows * cols`.
    pub fn from_vec(rows: usize, cols: usize, data: Vec<f64>) -> Result<Self, LinalgError> {
        if data.len() != rows * cols {
            return Err(LinalgError::Dimension(format!(
                "{} values for a {rows}x{cols} matrix",
                data.len()
            )));
        }
        let data = Array2::from_shape_vec((rows, cols), data)
            .map_err(|e| LinalgError::Dimension(e.to_string()))?;
        Ok(Matrix { rows, cols, data })
    }

    /// Builds a matrix from rows of equal length.
    pub fn from_rows(rows: &[Vec<f64>]) -> Result<Self, LinalgError> {
        let cols = rows.first().map_or(0, Vec::len);
        let mut data = Vec::with_capacity(rows.len() * cols);
        for (i, r) in rows.iter().enumerate() {
            if r.len() != cols {
                return Err(LinalgError::Dimension(format!(
                    "row {i} has {} values, expected {cols}",
                    r.len()
                )));
            }
            data.extend_from_slice(r);
        }
        Self::from_vec(rows.len(), cols, data)
    }

    /// Builds an `n × p` matrix from `p` columns of length `n`.
    pub fn from_columns(columns: &[&[f64]]) -> Result<Self, LinalgError> {
        let cols = columns.len();
        let rows = columns.first().map_or(0, |c| c.len());
        let mut m = Self::zeros(rows, cols);
        for (j, c) in columns.iter().enumerate() {
            if c.len() != rows {
                return Err(LinalgError::Dimension(format!(
                    "column {j} has {} values, expected {rows}",
                    c.len()
                )));
            }
            for (i, v) in c.iter().enumerate() {
                m.s_mut()[i * cols + j] = *v;
            }
        }
        Ok(m)
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Row-major storage.
    pub fn as_slice(&self) -> &[f64] {
        self.s()
    }

    /// The underlying array.
    pub fn as_array(&self) -> &Array2<f64> {
        &self.data
    }

    fn s(&self) -> &[f64] {
        // Every constructor keeps the standard (row-major, contiguous) layout.
        self.data.as_slice().expect("row-major matrix")
    }

    fn s_mut(&mut self) -> &mut [f64] {
        self.data.as_slice_mut().expect("row-major matrix")
    }

    pub fn row(&self, r: usize) -> &[f64] {
        &self.s()[r * self.cols..(r + 1) * self.cols]
    }

    /// Copy of column `c`.
    pub fn column(&self, c: usize) -> Vec<f64> {
        (0..self.rows).map(|r| self.data[(r, c)]).collect()
    }

    /// Diagonal of a square matrix.
    pub fn diag(&self) -> Vec<f64> {
        (0..self.rows.min(self.cols))
            .map(|i| self[(i, i)])
            .collect()
    }

    pub fn transpose(&self) -> Matrix {
        let mut t = Matrix::zeros(self.cols, self.rows);
        for r in 0..self.rows {
            for c in 0..self.cols {
                t.data[(c, r)] = self.data[(r, c)];
            }
        }
        t
    }

    /// `self · other`.
    pub fn matmul(&self, other: &Matrix) -> Result<Matrix, LinalgError> {
        if self.cols != other.rows {
            return Err(LinalgError::Dimension(format!(
                "{}x{} times {}x{}",
                self.rows, self.cols, other.rows, other.cols
            )));
        }
        Ok(Matrix::from(self.data.dot(&other.data)))
    }

    /// `self · v`.
    pub fn matvec(&self, v: &[f64]) -> Result<Vec<f64>, LinalgError> {
        if self.cols != v.len() {
            return Err(LinalgError::Dimension(format!(
                "{}x{} times vector of {}",
                self.rows,
                self.cols,
                v.len()
            )));
        }
        Ok((0..self.rows)
            .map(|r| self.row(r).iter().zip(v).map(|(a, b)| a * b).sum())
            .collect())
    }

    /// Weighted cross-product `X' diag(w) X` (`w = None` for plain `X'X`).
    pub fn crossprod(&self, w: Option<&[f64]>) -> Matrix {
        let p = self.cols;
        let mut out = Matrix::zeros(p, p);
        for r in 0..self.rows {
            let wr = w.map_or(1.0, |w| w[r]);
            if wr == 0.0 {
                continue;
            }
            let x = self.row(r);
            for i in 0..p {
                let xi = wr * x[i];
                if xi == 0.0 {
                    continue;
                }
                let dst = &mut out.s_mut()[i * p + i..(i + 1) * p];
                for (d, xj) in dst.iter_mut().zip(&x[i..]) {
                    *d += xi * xj;
                }
            }
        }
        for i in 0..p {
            for j in 0..i {
                out.data[(i, j)] = out.data[(j, i)];
            }
        }
        out
    }

    /// `X' diag(w) y`.
    pub fn t_vec(&self, y: &[f64], w: Option<&[f64]>) -> Vec<f64> {
        let mut out = vec![0.0; self.cols];
        for r in 0..self.rows {
            let f = y[r] * w.map_or(1.0, |w| w[r]);
            for (o, x) in out.iter_mut().zip(self.row(r)) {
                *o += f * x;
            }
        }
        out
    }

    fn check_finite(&self) -> Result<(), LinalgError> {
        for (k, v) in self.s().iter().enumerate() {
            if !v.is_finite() {
                return Err(LinalgError::NonFinite {
                    row: k / self.cols,
                    col: k % self.cols,
                });
            }
        }
        Ok(())
    }
}

impl std::ops::Index<(usize, usize)> for Matrix {
    type Output = f64;
    fn index(&self, (r, c): (usize, usize)) -> &f64 {
        &self.data[(r, c)]
    }
}

impl std::ops::IndexMut<(usize, usize)> for Matrix {
    fn index_mut(&mut self, (r, c): (usize, usize)) -> &mut f64 {
        &mut self.data[(r, c)]
    }
}

fn square(a: &Matrix) -> Result<usize, LinalgError> {
    if a.rows != a.cols {
        return Err(LinalgError::Dimension(format!(
            "expected a square matrix, got {}x{}",
            a.rows, a.cols
        )));
    }
    Ok(a.rows)
}

/// Lower-triangular Cholesky factor `L` with `A = L L'` of a symmetric positive-definite matrix.
/// A pivot at or below [`COLLINEARITY_TOL`] times its own diagonal entry is an error.
pub fn cholesky(a: &Matrix) -> Result<Matrix, LinalgError> {
    cholesky_by(a, |j| {
        COLLINEARITY_TOL * a[(j, j)].abs().max(f64::MIN_POSITIVE)
    })
}

/// Cholesky factor with a pivot threshold relative to the largest diagonal entry:
/// a pivot at or below `tol · max_j |A_jj|` is an error naming its column (the Newton steps
/// of the Cox model and the log-rank variance use this form).
pub fn cholesky_tol(a: &Matrix, tol: f64) -> Result<Matrix, LinalgError> {
    let n = square(a)?;
    let scale = (0..n)
        .map(|i| a[(i, i)].abs())
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    cholesky_by(a, |_| tol * scale)
}

/// Cholesky–Banachiewicz, row by row, so that every inner product runs over two contiguous
/// row prefixes (vectorised: a 2,000 × 2,000 factor takes well under a second).
fn cholesky_by(a: &Matrix, floor: impl Fn(usize) -> f64) -> Result<Matrix, LinalgError> {
    let n = square(a)?;
    a.check_finite()?;
    let mut l = vec![0.0; n * n];
    let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>();
    for i in 0..n {
        for j in 0..=i {
            let (ri, rj) = (&l[i * n..i * n + j], &l[j * n..j * n + j]);
            let s = a.data[(i, j)] - dot(ri, rj);
            if i == j {
                if s.is_nan() || s <= floor(j) {
                    return Err(LinalgError::NotPositiveDefinite {
                        column: j,
                        pivot: s,
                    });
                }
                l[i * n + i] = s.sqrt();
            } else {
                l[i * n + j] = s / l[j * n + j];
            }
        }
    }
    Matrix::from_vec(n, n, l)
}

/// Inverse of `L L'` from its Cholesky factor (symmetrised).
pub fn cholesky_inverse(l: &Matrix) -> Result<Matrix, LinalgError> {
    let n = square(l)?;
    let mut inv = Matrix::zeros(n, n);
    let mut e = vec![0.0; n];
    for j in 0..n {
        e.iter_mut().for_each(|v| *v = 0.0);
        e[j] = 1.0;
        let col = cholesky_solve(l, &e)?;
        for i in 0..n {
            inv[(i, j)] = col[i];
        }
    }
    for i in 0..n {
        for j in 0..i {
            let m = 0.5 * (inv[(i, j)] + inv[(j, i)]);
            inv[(i, j)] = m;
            inv[(j, i)] = m;
        }
    }
    Ok(inv)
}

/// Solves `L L' x = b` given the Cholesky factor `L`.
pub fn cholesky_solve(l: &Matrix, b: &[f64]) -> Result<Vec<f64>, LinalgError> {
    let n = square(l)?;
    if b.len() != n {
        return Err(LinalgError::Dimension(format!(
            "right-hand side of {} for a {n}x{n} system",
            b.len()
        )));
    }
    let mut z = b.to_vec();
    for i in 0..n {
        let mut s = z[i];
        for k in 0..i {
            s -= l[(i, k)] * z[k];
        }
        z[i] = s / l[(i, i)];
    }
    for i in (0..n).rev() {
        let mut s = z[i];
        for k in (i + 1)..n {
            s -= l[(k, i)] * z[k];
        }
        z[i] = s / l[(i, i)];
    }
    Ok(z)
}

/// Solves `A x = b` for symmetric positive-definite `A`.
pub fn solve_spd(a: &Matrix, b: &[f64]) -> Result<Vec<f64>, LinalgError> {
    cholesky_solve(&cholesky(a)?, b)
}

/// Inverse of a symmetric positive-definite matrix (symmetrised on output).
pub fn inv_spd(a: &Matrix) -> Result<Matrix, LinalgError> {
    cholesky_inverse(&cholesky(a)?)
}

/// Indices of the columns of a cross-product matrix `X'X` that are (numerically) linear
/// combinations of earlier columns.
///
/// Runs a Cholesky on `X'X` rescaled to unit diagonal, skipping each column whose pivot
/// `1 − R²` falls under [`COLLINEARITY_TOL`]; an all-zero column counts as collinear.
pub fn collinear_columns(xtx: &Matrix) -> Result<Vec<usize>, LinalgError> {
    let n = square(xtx)?;
    xtx.check_finite()?;
    let scale: Vec<f64> = (0..n)
        .map(|i| {
            let d = xtx[(i, i)];
            if d > 0.0 {
                1.0 / d.sqrt()
            } else {
                0.0
            }
        })
        .collect();
    let mut l = Matrix::zeros(n, n);
    let mut kept: Vec<usize> = Vec::new();
    let mut dropped = Vec::new();
    for j in 0..n {
        if scale[j] == 0.0 {
            dropped.push(j);
            continue;
        }
        let mut d = 1.0;
        for &k in &kept {
            d -= l[(j, k)] * l[(j, k)];
        }
        if d <= COLLINEARITY_TOL {
            dropped.push(j);
            continue;
        }
        let djj = d.sqrt();
        l[(j, j)] = djj;
        for i in (j + 1)..n {
            if scale[i] == 0.0 {
                continue;
            }
            let mut s = xtx[(i, j)] * scale[i] * scale[j];
            for &k in &kept {
                s -= l[(i, k)] * l[(j, k)];
            }
            l[(i, j)] = s / djj;
        }
        kept.push(j);
    }
    Ok(dropped)
}

/// Errors with [`LinalgError::Collinear`] naming the offending columns when `X'X` is rank
/// deficient; `names[j]` names column `j`.
pub fn check_full_rank(xtx: &Matrix, names: &[String]) -> Result<(), LinalgError> {
    let bad = collinear_columns(xtx)?;
    if bad.is_empty() {
        return Ok(());
    }
    Err(LinalgError::Collinear {
        columns: bad
            .iter()
            .map(|&j| names.get(j).cloned().unwrap_or_else(|| format!("x{j}")))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * (1.0 + b.abs())
    }

    #[test]
    fn cholesky_and_inverse_of_known_matrix() {
        // Textbook example: A = L L' with L = [[2,0,0],[6,1,0],[-8,5,3]].
        let a = Matrix::from_rows(&[
            vec![4.0, 12.0, -16.0],
            vec![12.0, 37.0, -43.0],
            vec![-16.0, -43.0, 98.0],
        ])
        .unwrap();
        let l = cholesky(&a).unwrap();
        let expect = [[2.0, 0.0, 0.0], [6.0, 1.0, 0.0], [-8.0, 5.0, 3.0]];
        for i in 0..3 {
            for j in 0..3 {
                assert!(close(l[(i, j)], expect[i][j], 1e-14), "L[{i},{j}]");
            }
        }
        let inv = inv_spd(&a).unwrap();
        let prod = a.matmul(&inv).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let e = if i == j { 1.0 } else { 0.0 };
                assert!((prod[(i, j)] - e).abs() < 1e-10);
            }
        }
        let x = solve_spd(&a, &[1.0, 2.0, 3.0]).unwrap();
        let back = a.matvec(&x).unwrap();
        for (b, e) in back.iter().zip([1.0, 2.0, 3.0]) {
            assert!((b - e).abs() < 1e-10);
        }
    }

    #[test]
    fn collinear_columns_are_named() {
        let c0 = [1.0, 1.0, 1.0, 1.0, 1.0];
        let c1 = [1.0, 2.0, 3.0, 4.0, 5.0];
        let c2 = [2.0, 3.0, 4.0, 5.0, 6.0]; // c0 + c1
        let c3 = [0.3, -1.0, 2.0, 0.1, 0.0];
        let x = Matrix::from_columns(&[&c0, &c1, &c2, &c3]).unwrap();
        let names: Vec<String> = ["const", "a", "b", "c"].map(String::from).to_vec();
        let err = check_full_rank(&x.crossprod(None), &names).unwrap_err();
        assert_eq!(
            err,
            LinalgError::Collinear {
                columns: vec!["b".into()]
            }
        );
        assert!(err.to_string().contains("b"));
        let ok = Matrix::from_columns(&[&c0, &c1, &c3]).unwrap();
        assert!(check_full_rank(&ok.crossprod(None), &names).is_ok());
    }

    #[test]
    fn not_positive_definite_is_an_error() {
        let a = Matrix::from_rows(&[vec![1.0, 2.0], vec![2.0, 1.0]]).unwrap();
        assert!(matches!(
            cholesky(&a),
            Err(LinalgError::NotPositiveDefinite { column: 1, .. })
        ));
        let nan = Matrix::from_rows(&[vec![f64::NAN]]).unwrap();
        assert!(matches!(cholesky(&nan), Err(LinalgError::NonFinite { .. })));
    }

    #[test]
    fn crossprod_matches_matmul() {
        let x = Matrix::from_rows(&[vec![1.0, 2.0], vec![3.0, -1.0], vec![0.5, 4.0]]).unwrap();
        let w = [1.0, 2.0, 0.5];
        let xtwx = x.crossprod(Some(&w));
        let mut xw = x.clone();
        for r in 0..3 {
            for c in 0..2 {
                xw[(r, c)] *= w[r];
            }
        }
        let direct = x.transpose().matmul(&xw).unwrap();
        assert_eq!(xtwx, direct);
        assert_eq!(x.t_vec(&[1.0, 1.0, 1.0], Some(&w)), vec![7.25, 2.0]);
    }
}
