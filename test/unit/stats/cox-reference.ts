// The Cox reference fits (test/fixtures/reference/cox/, made by R: see the README there) and the breast-cancer
// IPD pool of test/fixtures/reference/second-review/, read as the R scripts read them.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseCsv } from '../../../shared/domain/extraction/csv.ts';
import type { Json } from './reference.ts';

const fixtures = fileURLToPath(new URL('../../fixtures/reference/', import.meta.url));

export const coxReference: Json = JSON.parse(readFileSync(`${fixtures}cox/cox-reference.json`, 'utf8'));
export const breastExpected: Json = JSON.parse(
  readFileSync(`${fixtures}second-review/breast-ipd-expected.json`, 'utf8'),
);

// The CSV's numeric columns; every other column is text (grade too: make-cox-reference.R reads it as
// character). An empty cell is NA (R: na.strings = "").
const NUMERIC = new Set([
  'age_years',
  'positive_nodes',
  'pgr_fmol',
  'er_fmol',
  'rfs_months',
  'rfs_event',
  'os_months',
  'os_event',
]);

let breastRows: Record<string, string | number | null>[] | undefined;

/** breast-ipd-patients.csv as row objects (3,668 patients). */
export function loadBreastRows(): Record<string, string | number | null>[] {
  if (breastRows === undefined) {
    const [header, ...records] = parseCsv(
      readFileSync(`${fixtures}second-review/breast-ipd-patients.csv`, 'utf8'),
      'breast-ipd-patients.csv',
    );
    breastRows = records.map(({ cells }) =>
      Object.fromEntries(
        header!.cells.map((name, i) => {
          const cell = cells[i] ?? '';
          if (cell === '') return [name, null];
          return [name, NUMERIC.has(name) ? Number(cell) : cell];
        }),
      ),
    );
  }
  return breastRows;
}

/** The rows a reference case was fitted on. */
export function caseRows(kase: Json): Record<string, unknown>[] {
  return kase.dataset === 'breast-ipd-patients.csv' ? loadBreastRows() : coxReference.datasets[kase.dataset];
}
