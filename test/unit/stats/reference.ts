// Helpers for the tests against R's reference outputs in test/fixtures/reference (see PROVENANCE.md there).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

/** Relative tolerance for KM tables, bands, restricted means and log-rank numbers (README: 1e-9). */
export const RELATIVE_TOLERANCE = 1e-9;

export const referenceDirectory = fileURLToPath(new URL('../../fixtures/reference/', import.meta.url));

// biome-ignore lint/suspicious/noExplicitAny: the reference files are read as untyped JSON
export type Json = any;

export function loadReference(name: string): Json {
  return JSON.parse(readFileSync(`${referenceDirectory}${name}`, 'utf8'));
}

/** The reference encoding: "Inf", "-Inf", "NaN" strings for those doubles; null is NA; numbers as is. */
export function decodeR(value: unknown): number | null {
  if (value === 'Inf') return Number.POSITIVE_INFINITY;
  if (value === '-Inf') return Number.NEGATIVE_INFINITY;
  if (value === 'NaN') return Number.NaN;
  if (value === null || typeof value === 'number') return value;
  throw new Error(`not an R number: ${JSON.stringify(value)}`);
}

/**
 * One value against R's: NA (null), NaN and +-Inf must match exactly, finite numbers to a relative
 * tolerance |a - b| <= tol x max(|a|, |b|) (so an expected 0 must be exactly 0).
 */
export function expectRClose(
  actual: unknown,
  expectedEncoded: unknown,
  where: string,
  tolerance = RELATIVE_TOLERANCE,
) {
  const expected = decodeR(expectedEncoded);
  if (expected === null || !Number.isFinite(expected)) {
    expect(actual, where).toBe(expected);
    return;
  }
  expect(typeof actual, where).toBe('number');
  const a = actual as number;
  const scale = Math.max(Math.abs(a), Math.abs(expected));
  expect(Math.abs(a - expected), `${where}: ${a} vs R ${expected}`).toBeLessThanOrEqual(tolerance * scale);
}

/** Element-wise {@link expectRClose}, lengths equal. */
export function expectRCloseArray(actual: readonly unknown[], expected: readonly unknown[], where: string) {
  expect(actual.length, `${where} length`).toBe(expected.length);
  expected.forEach((value, i) => {
    expectRClose(actual[i], value, `${where}[${i}]`);
  });
}
