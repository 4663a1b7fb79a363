/**
 * Factor levels (the ordered group labels, as R's `factor()` builds them), with empty levels dropped.
 *
 * Decides the order of strata in Kaplan-Meier fits and of groups in the log-rank test. Without explicit
 * `levels`: if every value is a number, the distinct numbers in increasing order (R's factor of a numeric
 * vector); otherwise the distinct labels (`String(value)`) in code-unit order, which is R's sort in the C
 * locale (R in an English locale may order upper/lower case differently; pass `levels` to pin an order).
 * With `levels`: that order, keeping only the levels that occur, like `droplevels()` (survdiff and survfit
 * drop empty strata).
 *
 * Labels of numbers are `String(value)` (e.g. "1", "2.5"); R would print 15 significant digits.
 *
 * Reference: R documentation of `factor`, https://stat.ethz.ch/R-manual/R-devel/library/base/html/factor.html
 *
 * Complexity: O(n + k log k) for n values with k distinct labels.
 *
 * @param values the group of each subject
 * @param levels optional explicit order of the labels
 * @returns the labels that occur, in level order
 * @throws {RangeError} "factorLevels requires every group in levels: \"x\" is not" when a value is missing
 *   from `levels`, or "factorLevels requires distinct levels" when `levels` repeats a label
 * @example
 * factorLevels(['b', 'a', 'b']); // => ['a', 'b']
 * factorLevels([10, 9, 10]); // => ['9', '10']
 * factorLevels(['no', 'yes'], ['yes', 'no', 'unknown']); // => ['yes', 'no']
 */
export function factorLevels(values: readonly (string | number)[], levels?: readonly string[]): string[] {
  const present = new Set(values.map((value) => String(value)));
  if (levels !== undefined) {
    if (new Set(levels).size !== levels.length) throw new RangeError('factorLevels requires distinct levels');
    const known = new Set(levels);
    for (const label of present) {
      if (!known.has(label))
        throw new RangeError(`factorLevels requires every group in levels: "${label}" is not`);
    }
    return levels.filter((level) => present.has(level));
  }
  if (values.every((value) => typeof value === 'number')) {
    const numbers = [...new Set(values as readonly number[])].sort((a, b) => a - b);
    return [...new Set(numbers.map((value) => String(value)))];
  }
  return [...present].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
