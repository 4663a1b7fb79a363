import { logGamma } from './log-gamma.ts';

const EPSILON = 2.220446049250313e-16;
const TINY = 1e-300;
const MAX_ITERATIONS = 10_000;

/**
 * Upper regularized incomplete gamma function (Q(a, x) = Γ(a, x) / Γ(a), R's
 * `pgamma(x, a, lower.tail = FALSE)`).
 *
 * The upper tail of the gamma distribution; with a = df / 2 and x = chisq / 2 it is the chi-square p-value.
 * For x < a + 1 it sums the power series of the lower function P and returns 1 - P (there Q > 0.08, so at
 * most about one digit is lost); otherwise it evaluates the continued fraction for Q directly with the
 * modified Lentz method, so small tail probabilities keep their relative accuracy (about 1e-14).
 *
 * Reference: NIST Digital Library of Mathematical Functions, §8.7 (series) and §8.9 (continued fraction),
 * https://dlmf.nist.gov/8.7 and https://dlmf.nist.gov/8.9
 *
 * Complexity: O(sqrt(max(a, x))) iterations in practice.
 *
 * @param a the shape, a > 0
 * @param x the point, x >= 0
 * @returns Q(a, x), between 0 and 1
 * @throws {RangeError} "regularizedGammaQ requires a > 0 and x >= 0"
 * @example
 * regularizedGammaQ(1, 2); // => 0.13533528323661223 (exp(-2) = 0.1353352832366127)
 */
export function regularizedGammaQ(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0)) throw new RangeError('regularizedGammaQ requires a > 0 and x >= 0');
  if (x === 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  // x^a e^-x / Γ(a), on the log scale to avoid overflow.
  const logPrefactor = a * Math.log(x) - x - logGamma(a);

  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < MAX_ITERATIONS; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * EPSILON) break;
    }
    return 1 - sum * Math.exp(logPrefactor);
  }

  // Continued fraction 1 / (x + 1 - a - 1 (1 - a) / (x + 3 - a - 2 (2 - a) / (x + 5 - a - ...))).
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let fraction = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    fraction *= delta;
    if (Math.abs(delta - 1) < EPSILON) break;
  }
  return Math.exp(logPrefactor) * fraction;
}
