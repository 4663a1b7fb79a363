// R survival's generalized Cholesky routines (cholesky2.c, chsolve2.c, chinv2.c), operation for operation,
// so that a Cox fit takes the same steps as R's. The matrix is a ragged array `m[i][j]`, as in the C code
// (R stores column-major, so m[i][j] is R's element [j, i]; every matrix here is symmetric).

/**
 * Generalized Cholesky decomposition (survival's `cholesky2`: C = F D F', F unit lower triangular, D diagonal).
 *
 * Used by the Cox fit for the Newton–Raphson step, the score test and the variance, and by the Wald test.
 * Reads the upper triangle (copying it to the lower first) and writes F below the diagonal and D on it; the
 * upper triangle is left as it was. A pivot that is not finite or below `toler` times the largest diagonal
 * element marks that column redundant: its D is set to 0 and it takes no part in the rest (this is how R gives
 * an aliased covariate a coefficient of NA instead of failing).
 *
 * Reference: T. Therneau, survival package source, src/cholesky2.c, https://github.com/therneau/survival
 *
 * Complexity: O(k^3) for a k x k matrix.
 *
 * @param matrix k rows of length k, changed in place
 * @param toler the relative tolerance for a zero pivot (R: `coxph.control()$toler.chol`)
 * @returns the rank, negated when a pivot was clearly negative (not non-negative definite); 0 when no
 *   diagonal element is positive
 * @example
 * const m = [Float64Array.of(4, 2), Float64Array.of(2, 2)];
 * choleskyDecompose(m, 1e-12); // => 2; m[1][0] = 0.5, m[1][1] = 1
 */
export function choleskyDecompose(matrix: Float64Array[], toler: number): number {
  const n = matrix.length;
  let nonNegative = 1;
  let eps = 0;
  for (let i = 0; i < n; i++) {
    if (matrix[i]![i]! > eps) eps = matrix[i]![i]!;
    for (let j = i + 1; j < n; j++) matrix[j]![i] = matrix[i]![j]!;
  }
  if (eps === 0) return 0;
  eps *= toler;

  let rank = 0;
  for (let i = 0; i < n; i++) {
    const row = matrix[i]!;
    const pivot = row[i]!;
    if (!Number.isFinite(pivot) || pivot < eps) {
      row[i] = 0;
      if (pivot < -8 * eps) nonNegative = -1;
    } else {
      rank++;
      for (let j = i + 1; j < n; j++) {
        const rowJ = matrix[j]!;
        const temp = rowJ[i]! / pivot;
        rowJ[i] = temp;
        rowJ[j]! -= temp * temp * pivot;
        for (let k = j + 1; k < n; k++) matrix[k]![j]! -= temp * matrix[k]![i]!;
      }
    }
  }
  return rank * nonNegative;
}

/**
 * Solve with a generalized Cholesky decomposition (survival's `chsolve2`: A b = y given the F D F' of A).
 *
 * Components of a redundant column (D = 0) come out 0: the Newton–Raphson step leaves an aliased
 * coefficient where it is.
 *
 * Reference: survival package source, src/chsolve2.c, https://github.com/therneau/survival
 *
 * Complexity: O(k^2).
 *
 * @param matrix the output of {@link choleskyDecompose}
 * @param y the right-hand side, replaced by the solution
 * @example
 * const m = [Float64Array.of(4, 2), Float64Array.of(2, 2)];
 * choleskyDecompose(m, 1e-12);
 * const y = Float64Array.of(6, 4);
 * choleskySolve(m, y); // y => [1, 1]
 */
export function choleskySolve(matrix: readonly Float64Array[], y: Float64Array): void {
  const n = matrix.length;
  for (let i = 0; i < n; i++) {
    let temp = y[i]!;
    for (let j = 0; j < i; j++) temp -= y[j]! * matrix[i]![j]!;
    y[i] = temp;
  }
  for (let i = n - 1; i >= 0; i--) {
    if (matrix[i]![i] === 0) y[i] = 0;
    else {
      let temp = y[i]! / matrix[i]![i]!;
      for (let j = i + 1; j < n; j++) temp -= y[j]! * matrix[j]![i]!;
      y[i] = temp;
    }
  }
}

/**
 * Inverse from a generalized Cholesky decomposition (survival's `chinv2`).
 *
 * Writes (F D F')^-1 on and above the diagonal (a redundant column's row and column are 0, so R reports its
 * standard error as 0), and F^-1 below it.
 *
 * Reference: survival package source, src/chinv2.c, https://github.com/therneau/survival
 *
 * Complexity: O(k^3).
 *
 * @param matrix the output of {@link choleskyDecompose}, changed in place
 * @example
 * const m = [Float64Array.of(4, 2), Float64Array.of(2, 2)];
 * choleskyDecompose(m, 1e-12);
 * choleskyInverse(m); // upper triangle: [[0.5, -0.5], [., 1]]
 */
export function choleskyInverse(matrix: Float64Array[]): void {
  const n = matrix.length;
  for (let i = 0; i < n; i++) {
    const row = matrix[i]!;
    if (row[i]! > 0) {
      row[i] = 1 / row[i]!;
      for (let j = i + 1; j < n; j++) {
        const rowJ = matrix[j]!;
        rowJ[i] = -rowJ[i]!;
        for (let k = 0; k < i; k++) rowJ[k]! += rowJ[i]! * row[k]!;
      }
    }
  }
  for (let i = 0; i < n; i++) {
    const row = matrix[i]!;
    if (row[i] === 0) {
      for (let j = 0; j < i; j++) matrix[j]![i] = 0;
      for (let j = i; j < n; j++) row[j] = 0;
    } else {
      for (let j = i + 1; j < n; j++) {
        const rowJ = matrix[j]!;
        const temp = rowJ[i]! * rowJ[j]!;
        row[j] = temp;
        for (let k = i; k < j; k++) row[k]! += temp * rowJ[k]!;
      }
    }
  }
}
