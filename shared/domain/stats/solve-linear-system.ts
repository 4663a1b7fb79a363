/**
 * Solve a linear system (A x = b by Gaussian elimination with partial pivoting, as R's `solve(A, b)`).
 *
 * Used for the log-rank statistic (O - E)' V^-1 (O - E). Works on copies; the inputs are not changed.
 * A pivot that is zero, or below n x machine epsilon times the largest entry of A, means the matrix is
 * singular for practical purposes (R's `solve` stops with "system is computationally singular").
 *
 * Reference: Golub and Van Loan, Matrix Computations, §3.4; summary at
 * https://en.wikipedia.org/wiki/Gaussian_elimination#Partial_pivoting
 *
 * Complexity: O(n^3) time, O(n^2) space.
 *
 * @param matrix the square matrix A, as rows
 * @param rhs the right-hand side b
 * @returns x
 * @throws {RangeError} "solveLinearSystem requires a square matrix matching rhs" or
 *   "solveLinearSystem requires a non-singular matrix"
 * @example
 * solveLinearSystem([[2, 0], [0, 4]], [2, 2]); // => [1, 0.5]
 */
export function solveLinearSystem(matrix: readonly (readonly number[])[], rhs: readonly number[]): number[] {
  const n = rhs.length;
  if (matrix.length !== n || matrix.some((row) => row.length !== n)) {
    throw new RangeError('solveLinearSystem requires a square matrix matching rhs');
  }
  const a = matrix.map((row) => [...row]);
  const b = [...rhs];
  let largest = 0;
  for (const row of a) for (const value of row) largest = Math.max(largest, Math.abs(value));
  const threshold = n * 2.220446049250313e-16 * largest;

  for (let column = 0; column < n; column++) {
    let pivotRow = column;
    for (let row = column + 1; row < n; row++) {
      if (Math.abs(a[row]![column]!) > Math.abs(a[pivotRow]![column]!)) pivotRow = row;
    }
    const pivot = a[pivotRow]![column]!;
    if (!(Math.abs(pivot) > threshold))
      throw new RangeError('solveLinearSystem requires a non-singular matrix');
    [a[column], a[pivotRow]] = [a[pivotRow]!, a[column]!];
    [b[column], b[pivotRow]] = [b[pivotRow]!, b[column]!];
    for (let row = column + 1; row < n; row++) {
      const factor = a[row]![column]! / pivot;
      if (factor === 0) continue;
      for (let k = column; k < n; k++) a[row]![k]! -= factor * a[column]![k]!;
      b[row]! -= factor * b[column]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let row = n - 1; row >= 0; row--) {
    let sum = b[row]!;
    for (let k = row + 1; k < n; k++) sum -= a[row]![k]! * x[k]!;
    x[row] = sum / a[row]![row]!;
  }
  return x;
}
