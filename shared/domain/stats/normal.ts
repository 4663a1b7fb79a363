// Coefficients of Wichura's AS 241 (PPND16), highest power first, written as the doubles they round to.
const CENTRAL_NUMERATOR = [
  2509.0809287301227, 33430.57558358813, 67265.7709270087, 45921.95393154987, 13731.69376550946,
  1971.5909503065513, 133.14166789178438, 3.3871328727963665,
];
const CENTRAL_DENOMINATOR = [
  5226.495278852546, 28729.085735721943, 39307.89580009271, 21213.794301586597, 5394.196021424751,
  687.1870074920579, 42.31333070160091, 1,
];
const INTERMEDIATE_NUMERATOR = [
  0.0007745450142783414, 0.022723844989269184, 0.2417807251774506, 1.2704582524523684, 3.6478483247632045,
  5.769497221460691, 4.630337846156546, 1.4234371107496835,
];
const INTERMEDIATE_DENOMINATOR = [
  1.0507500716444169e-9, 0.0005475938084995345, 0.015198666563616457, 0.14810397642748008, 0.6897673349851,
  1.6763848301838038, 2.053191626637759, 1,
];
const TAIL_NUMERATOR = [
  2.0103343992922881e-7, 0.000027115555687434876, 0.0012426609473880784, 0.026532189526576124,
  0.29656057182850487, 1.7848265399172913, 5.463784911164114, 6.657904643501103,
];
const TAIL_DENOMINATOR = [
  2.0442631033899397e-15, 1.421511758316446e-7, 0.000018463183175100548, 0.0007868691311456133,
  0.014875361290850615, 0.1369298809227358, 0.599832206555888, 1,
];

/** Horner's rule, highest power first: the same operations, in the same order, as AS 241's nested form. */
function polynomial(coefficients: readonly number[], x: number): number {
  let value = 0;
  for (const coefficient of coefficients) value = value * x + coefficient;
  return value;
}

/**
 * Normal quantile function (inverse of the standard normal CDF, R's `qnorm(p)`).
 *
 * Returns z with P(Z <= z) = p for a standard normal Z. Used for the `z` of confidence intervals:
 * `normalQuantile(0.975)` is the 1.96 of a 95% interval. The algorithm is Wichura's AS 241 (PPND16),
 * rational approximations in three regions, accurate to about 1e-16 relative; it is the algorithm R's
 * `qnorm` uses, so the result is the same double (qnorm(0.975) = 1.9599639845400536).
 *
 * Reference: R documentation of `qnorm` (cites Wichura, 1988, Algorithm AS 241),
 * https://stat.ethz.ch/R-manual/R-devel/library/stats/html/Normal.html
 *
 * Complexity: O(1).
 *
 * @param p a probability
 * @returns the quantile; -Infinity for p = 0, Infinity for p = 1
 * @throws {RangeError} "normalQuantile requires a probability between 0 and 1" otherwise
 * @example
 * normalQuantile(0.975); // => 1.9599639845400536
 * normalQuantile(0.5); // => 0
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError('normalQuantile requires a probability between 0 and 1');
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q * polynomial(CENTRAL_NUMERATOR, r)) / polynomial(CENTRAL_DENOMINATOR, r);
  }
  // Distance from the nearer end, on the scale sqrt(-log(tail probability)).
  const r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  const value =
    r <= 5
      ? polynomial(INTERMEDIATE_NUMERATOR, r - 1.6) / polynomial(INTERMEDIATE_DENOMINATOR, r - 1.6)
      : polynomial(TAIL_NUMERATOR, r - 5) / polynomial(TAIL_DENOMINATOR, r - 5);
  return q < 0 ? -value : value;
}
