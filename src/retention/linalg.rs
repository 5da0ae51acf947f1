//! Small dense symmetric linear algebra for the Cox and logistic Newton steps (p ≲ 50).
//!
//! Row-major `Vec<f64>` matrices; Cholesky with an explicit singularity threshold, so that a
//! collinear design is reported rather than producing NaN.

/// Cholesky factor `L` (lower, row-major) of a symmetric positive definite `a` (p×p).
/// Returns the index of the first pivot that is not positive relative to `tol · max diag`.
pub(crate) fn cholesky(a: &[f64], p: usize, tol: f64) -> Result<Vec<f64>, usize> {
    let mut l = vec![0.0; p * p];
    let scale = (0..p)
        .map(|i| a[i * p + i].abs())
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    for j in 0..p {
        let mut s = a[j * p + j];
        for k in 0..j {
            s -= l[j * p + k] * l[j * p + k];
        }
        if s.is_nan() || s <= tol * scale {
            return Err(j);
        }
        let d = s.sqrt();
        l[j * p + j] = d;
        for i in j + 1..p {
            let mut s = a[i * p + j];
            for k in 0..j {
                s -= l[i * p + k] * l[j * p + k];
            }
            l[i * p + j] = s / d;
        }
    }
    Ok(l)
}

/// Solves `L Lᵀ x = b` given the Cholesky factor.
pub(crate) fn chol_solve(l: &[f64], p: usize, b: &[f64]) -> Vec<f64> {
    let mut y = vec![0.0; p];
    for i in 0..p {
        let mut s = b[i];
        for k in 0..i {
            s -= l[i * p + k] * y[k];
        }
        y[i] = s / l[i * p + i];
    }
    let mut x = vec![0.0; p];
    for i in (0..p).rev() {
        let mut s = y[i];
        for k in i + 1..p {
            s -= l[k * p + i] * x[k];
        }
        x[i] = s / l[i * p + i];
    }
    x
}

/// Inverse of a symmetric positive definite matrix from its Cholesky factor.
pub(crate) fn chol_inverse(l: &[f64], p: usize) -> Vec<f64> {
    let mut inv = vec![0.0; p * p];
    let mut e = vec![0.0; p];
    for j in 0..p {
        e.iter_mut().for_each(|v| *v = 0.0);
        e[j] = 1.0;
        let col = chol_solve(l, p, &e);
        for i in 0..p {
            inv[i * p + j] = col[i];
        }
    }
    inv
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_and_inverts_a_known_system() {
        let a = [4.0, 2.0, 2.0, 3.0];
        let l = cholesky(&a, 2, 1e-12).unwrap();
        let x = chol_solve(&l, 2, &[2.0, 1.0]);
        assert!((x[0] - 0.5).abs() < 1e-12 && x[1].abs() < 1e-12);
        let inv = chol_inverse(&l, 2);
        // [[3,-2],[-2,4]] / 8
        assert!((inv[0] - 0.375).abs() < 1e-12 && (inv[1] + 0.25).abs() < 1e-12);
    }

    #[test]
    fn singular_matrix_reports_the_pivot() {
        let a = [1.0, 2.0, 2.0, 4.0];
        assert_eq!(cholesky(&a, 2, 1e-10), Err(1));
    }
}
