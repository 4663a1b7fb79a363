/**
 * R-style JSON (JSON with R's special values spelt as the reference files spell them).
 *
 * `JSON.stringify` turns Infinity and NaN into null, which would make them indistinguishable from NA. This
 * writes Infinity as "Inf", -Infinity as "-Inf" and NaN as "NaN", and leaves null (R's NA) as null, the
 * encoding of test/fixtures/reference/*.json. Finite numbers are written in the shortest form that reads
 * back to the same double, as R's reference files are.
 *
 * Reference: the reference files' README ("JSON layout and encoding"), test/fixtures/reference/README.md
 *
 * Complexity: O(size of the value).
 *
 * @param value any JSON-serialisable value
 * @param indent spaces of indentation (default 2; 0 for one line)
 * @returns the JSON text
 * @example
 * toRJson({ std_err: [0.1, Infinity], se_surv: [NaN], lower: [null] }, 0);
 * // => '{"std_err":[0.1,"Inf"],"se_surv":["NaN"],"lower":[null]}'
 */
export function toRJson(value: unknown, indent = 2): string {
  return JSON.stringify(
    value,
    (_key, item: unknown) => {
      if (typeof item !== 'number' || Number.isFinite(item)) return item;
      if (Number.isNaN(item)) return 'NaN';
      return item > 0 ? 'Inf' : '-Inf';
    },
    indent,
  );
}
