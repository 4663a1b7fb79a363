// PubMed's date elements: months as names or numbers, MedlineDate free text, calendar validity.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  isoDate,
  parseDay,
  parseMonth,
  parseYear,
  yearFromMedlineDate,
} from '../../../shared/adapters/pubmed/parse-pubmed-dates.ts';

const NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

function randomCase(text: string, flips: boolean[]): string {
  return [...text]
    .map((c, i) => (flips[i % Math.max(flips.length, 1)] ? c.toUpperCase() : c.toLowerCase()))
    .join('');
}

describe('parseMonth', () => {
  const month = fc.integer({ min: 1, max: 12 });

  test('numbers with or without a leading zero', () => {
    fc.assert(
      fc.property(month, fc.boolean(), (m, pad) => {
        expect(parseMonth(pad ? String(m).padStart(2, '0') : String(m))).toBe(m);
      }),
    );
  });

  test('names: any abbreviation of three letters or more, any case, optional full stop', () => {
    fc.assert(
      fc.property(
        month,
        fc.integer({ min: 3, max: 9 }),
        fc.array(fc.boolean()),
        fc.boolean(),
        (m, length, flips, dot) => {
          const name = NAMES[m - 1]!.slice(0, length);
          expect(parseMonth(`${randomCase(name, flips)}${dot ? '.' : ''}`)).toBe(m);
        },
      ),
    );
    expect(parseMonth('Sept')).toBe(9);
  });

  test('anything else is no month', () => {
    for (const raw of [
      '0',
      '00',
      '13',
      '123',
      'Ju',
      'Spring',
      'Winter',
      'Juni',
      'Mayo',
      '6a',
      '',
      ' ',
      null,
    ]) {
      expect(parseMonth(raw)).toBeNull();
    }
  });
});

describe('parseDay and parseYear', () => {
  test('days 1-31, padded or not; years of four digits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 31 }), fc.integer({ min: 1000, max: 9999 }), (d, y) => {
        expect(parseDay(String(d))).toBe(d);
        expect(parseDay(String(d).padStart(2, '0'))).toBe(d);
        expect(parseYear(` ${y} `)).toBe(y);
      }),
    );
    for (const raw of ['0', '32', '1.5', 'x']) expect(parseDay(raw)).toBeNull();
    for (const raw of ['99', '20245', '2024a', '']) expect(parseYear(raw)).toBeNull();
  });
});

describe('yearFromMedlineDate', () => {
  test('the first four-digit year, whatever text is around it', () => {
    const noDigits = fc.string({ unit: fc.constantFrom(...'abcJulSepWinter -/,.'.split('')), maxLength: 12 });
    fc.assert(
      fc.property(
        noDigits,
        fc.integer({ min: 1000, max: 2999 }),
        fc.string({ maxLength: 12 }),
        (before, year, after) => {
          const separator = /^\d/.test(after) ? ' ' : '';
          expect(yearFromMedlineDate(`${before}${year}${separator}${after}`)).toBe(year);
        },
      ),
    );
  });

  test('examples from PubMed', () => {
    expect(yearFromMedlineDate('2016 Jul-Sep')).toBe(2016);
    expect(yearFromMedlineDate('1998 Dec-1999 Jan')).toBe(1998);
    expect(yearFromMedlineDate('Winter 2016-2017')).toBe(2016);
    expect(yearFromMedlineDate('Fall')).toBeNull();
    expect(yearFromMedlineDate('12345')).toBeNull();
  });
});

describe('isoDate', () => {
  test('every real calendar day, zero-padded', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1800-01-01T00:00:00Z'),
          max: new Date('2100-12-31T00:00:00Z'),
          noInvalidDate: true,
        }),
        (date) => {
          expect(isoDate(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate())).toBe(
            date.toISOString().slice(0, 10),
          );
        },
      ),
    );
  });

  test('days that do not exist, and missing parts', () => {
    expect(isoDate(2023, 2, 29)).toBeNull();
    expect(isoDate(2024, 2, 29)).toBe('2024-02-29');
    expect(isoDate(2024, 4, 31)).toBeNull();
    expect(isoDate(2024, null, 1)).toBeNull();
    expect(isoDate(null, 1, 1)).toBeNull();
  });
});
