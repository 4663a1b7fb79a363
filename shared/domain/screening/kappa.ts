// Cohen's kappa: agreement between two raters on categorical ratings, corrected for the agreement expected by
// chance from each rater's own category proportions.
//
//   kappa = (po - pe) / (1 - pe)
//   po = share of items both raters put in the same category
//   pe = sum over categories c of (share rater A put in c) * (share rater B put in c)
//
// Reference: Cohen J. A coefficient of agreement for nominal scales. Educ Psychol Meas 1960;20:37-46; and the
// worked examples in McHugh ML, Interrater reliability: the kappa statistic, Biochem Med 2012;22:276-82.
// O(n) in the number of items.

export interface KappaResult {
  /** Items both raters rated. */
  n: number;
  /** po */
  observedAgreement: number;
  /** pe */
  expectedAgreement: number;
  /** null when undefined: no items, or pe = 1 (both raters used one and the same category for everything). */
  kappa: number | null;
}

/** Cohen's kappa over pairs of ratings [rater A, rater B], one pair per item. */
export function cohensKappa<T>(pairs: ReadonlyArray<readonly [T, T]>): KappaResult {
  const n = pairs.length;
  if (n === 0) return { n: 0, observedAgreement: 0, expectedAgreement: 0, kappa: null };
  const countsA = new Map<T, number>();
  const countsB = new Map<T, number>();
  let agreed = 0;
  for (const [a, b] of pairs) {
    if (a === b) agreed++;
    countsA.set(a, (countsA.get(a) ?? 0) + 1);
    countsB.set(b, (countsB.get(b) ?? 0) + 1);
  }
  const observed = agreed / n;
  let expected = 0;
  for (const [category, countA] of countsA) expected += (countA / n) * ((countsB.get(category) ?? 0) / n);
  const kappa = expected === 1 ? null : (observed - expected) / (1 - expected);
  return { n, observedAgreement: observed, expectedAgreement: expected, kappa };
}

/**
 * The same from a contingency table: `count(a, b)` items rater A put in category a and rater B in b, over
 * `categories`. O(categories²), whatever the number of items.
 */
export function cohensKappaFromTable<T>(
  categories: readonly T[],
  count: (a: T, b: T) => number,
): KappaResult {
  let n = 0;
  let agreed = 0;
  const rowTotals = new Map<T, number>();
  const columnTotals = new Map<T, number>();
  for (const a of categories) {
    for (const b of categories) {
      const c = count(a, b);
      n += c;
      if (a === b) agreed += c;
      rowTotals.set(a, (rowTotals.get(a) ?? 0) + c);
      columnTotals.set(b, (columnTotals.get(b) ?? 0) + c);
    }
  }
  if (n === 0) return { n: 0, observedAgreement: 0, expectedAgreement: 0, kappa: null };
  const observed = agreed / n;
  let expected = 0;
  for (const category of categories) {
    expected += ((rowTotals.get(category) ?? 0) / n) * ((columnTotals.get(category) ?? 0) / n);
  }
  const kappa = expected === 1 ? null : (observed - expected) / (1 - expected);
  return { n, observedAgreement: observed, expectedAgreement: expected, kappa };
}
