import { z } from 'zod';
import { issueLines } from '../zod-issues.ts';

/** One subject of a survival data file: `{ time, event: 0 | 1, group? }`. */
export const survivalRowSchema = z.object(
  {
    time: z.number({ error: 'expected a finite number' }),
    event: z.literal([0, 1], { error: 'expected 0 or 1' }),
    group: z.union([z.string(), z.number()], { error: 'expected a string or a number' }).optional(),
  },
  { error: 'expected an object { time, event, group? }' },
);

/** A survival data file: a JSON array of rows. */
export const survivalRowsSchema = z.array(survivalRowSchema, { error: 'expected an array of rows' });

export type SurvivalRow = z.infer<typeof survivalRowSchema>;

/** `[3, 'event']` -> `rows[3].event`. */
function place(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}.${String(key)}`),
    'rows',
  );
}

/**
 * Survival rows parser (validates a JSON array of `{ time, event, group? }`).
 *
 * The boundary check for the `km` and `logrank` commands and for stored data: every row needs a finite
 * `time` and an `event` of 0 (censored) or 1 (event); `group` is optional, but if one row has a group all
 * rows must have one (a row without a group cannot be placed in a stratum). Unknown keys are ignored.
 * Every problem is reported with its place, e.g. "rows[3].event: expected 0 or 1".
 *
 * Reference: zod, https://zod.dev/api
 *
 * Complexity: O(n).
 *
 * @param input the parsed JSON
 * @returns the rows, typed
 * @throws {TypeError} listing the problems, "; "-separated (at most 10, then "… and N more")
 * @example
 * parseSurvivalRows([{ time: 5, event: 1 }]); // => [{ time: 5, event: 1 }]
 * parseSurvivalRows([{ time: 5, event: 2 }]); // throws "rows[0].event: expected 0 or 1"
 */
export function parseSurvivalRows(input: unknown): SurvivalRow[] {
  const result = survivalRowsSchema.safeParse(input);
  const problems = result.success ? [] : issueLines(result.error.issues, { place });
  if (result.success) {
    const grouped = result.data.findIndex((row) => row.group !== undefined);
    if (grouped !== -1) {
      result.data.forEach((row, i) => {
        if (row.group === undefined)
          problems.push(`rows[${i}].group: required because rows[${grouped}] has one`);
      });
    }
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 10).join('; ');
    throw new TypeError(problems.length > 10 ? `${shown}; … and ${problems.length - 10} more` : shown);
  }
  return result.data!;
}
