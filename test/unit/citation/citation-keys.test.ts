// Property tests of the identifier and title normalisation the store's keys are built from: every spelling of
// one identifier must give one key, and nothing that is not an identifier may give a key.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  normaliseDoi,
  normalisePmcid,
  normalisePmid,
  normaliseTitle,
} from '../../../shared/domain/citation/citation-keys.ts';

const positiveId = fc.integer({ min: 1, max: 2 ** 31 - 1 });
const zeros = fc.string({ unit: fc.constant('0'), maxLength: 3 });
const blanks = fc.string({ unit: fc.constantFrom(' ', '\t', '\n'), maxLength: 2 });

describe('normalisePmid', () => {
  test('a positive integer, however padded, is itself without leading zeros', () => {
    fc.assert(
      fc.property(positiveId, zeros, blanks, blanks, (n, z, before, after) => {
        expect(normalisePmid(`${before}${z}${n}${after}`)).toBe(String(n));
        expect(normalisePmid(n)).toBe(String(n));
      }),
    );
  });

  test('idempotent, and any result is a canonical positive integer', () => {
    let results = 0;
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^\s*\d{0,10}\s*$/)), (raw) => {
        const pmid = normalisePmid(raw);
        if (pmid === null) return;
        results++;
        expect(pmid).toMatch(/^[1-9]\d*$/);
        expect(normalisePmid(pmid)).toBe(pmid);
      }),
    );
    // The property must have met real PMIDs, not only inputs that normalise to nothing.
    expect(results).toBeGreaterThan(10);
  });

  test('zero, signs, decimals, exponents and words are not PMIDs', () => {
    for (const raw of ['0', '000', '-12', '+12', '12.0', '1e3', 'PMID:12', '12a', '', ' ']) {
      expect(normalisePmid(raw)).toBeNull();
    }
    expect(normalisePmid(null)).toBeNull();
    expect(normalisePmid(undefined)).toBeNull();
  });
});

/** A DOI as registered: "10." + registrant + "/" + a suffix without whitespace or trailing punctuation. */
const doi = fc
  .tuple(fc.stringMatching(/^\d{4,9}$/), fc.stringMatching(/^[A-Za-z0-9()<>:;/._-]{0,30}[A-Za-z0-9)]$/))
  .map(([registrant, suffix]) => `10.${registrant}/${suffix}`);

describe('normaliseDoi', () => {
  test('every common spelling of a DOI gives the lower-case bare DOI', () => {
    fc.assert(
      fc.property(
        doi,
        fc.constantFrom('', 'doi:', 'DOI: ', 'https://doi.org/', 'http://dx.doi.org/', 'HTTPS://DOI.ORG/'),
        fc.constantFrom('', '.', ',', ';', ' .'),
        blanks,
        fc.boolean(),
        (value, prefix, trailer, padding, upper) => {
          const written = `${padding}${prefix}${upper ? value.toUpperCase() : value}${trailer}${padding}`;
          expect(normaliseDoi(written)).toBe(value.toLowerCase());
        },
      ),
    );
  });

  test('idempotent, and any result is a lower-case bare DOI', () => {
    let results = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          doi.map((d) => ` doi:${d}. `),
        ),
        (raw) => {
          const normalised = normaliseDoi(raw);
          if (normalised === null) return;
          results++;
          expect(normalised).toMatch(/^10\.\d{4,9}\/\S+$/);
          expect(normalised).toBe(normalised.toLowerCase());
          expect(normaliseDoi(normalised)).toBe(normalised);
        },
      ),
    );
    expect(results).toBeGreaterThan(10);
  });

  test('things that are not DOIs', () => {
    for (const raw of [
      '',
      '10.12/x',
      '11.1000/x',
      '10.1000/',
      '10.1000/a b',
      'https://example.org/10.1000/x',
    ]) {
      expect(normaliseDoi(raw)).toBeNull();
    }
  });
});

describe('normalisePmcid', () => {
  test('PMC prefix in any case, bare number, leading zeros and a version suffix give one PMCID', () => {
    fc.assert(
      fc.property(
        positiveId,
        fc.constantFrom('', 'PMC', 'pmc', 'Pmc'),
        zeros,
        fc.option(fc.integer({ min: 1, max: 9 })),
        blanks,
        (n, prefix, z, version, padding) => {
          const written = `${padding}${prefix}${z}${n}${version === null ? '' : `.${version}`}${padding}`;
          expect(normalisePmcid(written)).toBe(`PMC${n}`);
        },
      ),
    );
  });

  test('idempotent, and any result is PMC plus a canonical number', () => {
    let results = 0;
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^(PMC|pmc)?\d{0,8}(\.\d)?$/)), (raw) => {
        const pmcid = normalisePmcid(raw);
        if (pmcid === null) return;
        results++;
        expect(pmcid).toMatch(/^PMC[1-9]\d*$/);
        expect(normalisePmcid(pmcid)).toBe(pmcid);
      }),
    );
    expect(results).toBeGreaterThan(10);
  });

  test('things that are not PMCIDs', () => {
    for (const raw of ['', 'PMC', 'PMC0', '0', 'PMC 123', 'PMCID123', 'NIHMS857349', '12a']) {
      expect(normalisePmcid(raw)).toBeNull();
    }
  });
});

/** Words made of letters, digits and punctuation, never anything that looks like markup or an entity. */
const titleWord = fc.stringMatching(/^[A-Za-zÀ-ÿα-ω0-9.,:;()'"?%+=/-]{1,12}$/);
const titleWords = fc.array(titleWord, { minLength: 1, maxLength: 12 });
const INLINE_TAGS = ['i', 'b', 'u', 'sup', 'sub', 'mml:mi'];

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

describe('normaliseTitle', () => {
  test('idempotent on any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (title) => {
        const once = normaliseTitle(title);
        expect(normaliseTitle(once)).toBe(once);
      }),
      { numRuns: 500 },
    );
  });

  test('whitespace invariant: any run of any whitespace counts as one space', () => {
    fc.assert(
      fc.property(
        titleWords,
        fc.array(
          fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\r', '\u00a0', '\u2009'), minLength: 1 }),
        ),
        (words, gaps) => {
          const spaced = words.map((w, i) => `${w}${gaps[i % Math.max(gaps.length, 1)] ?? ' '}`).join('');
          expect(normaliseTitle(`  ${spaced}\n`)).toBe(normaliseTitle(words.join(' ')));
        },
      ),
    );
  });

  test('markup invariant: inline tags anywhere, even inside a word, change nothing', () => {
    fc.assert(
      fc.property(
        titleWords,
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.constantFrom(...INLINE_TAGS))),
        (words, tags) => {
          const plain = words.join(' ');
          let marked = plain;
          for (const [a, b, tag] of tags) {
            const from = Math.min(a, b) % (marked.length + 1);
            const to = Math.max(from, Math.max(a, b) % (marked.length + 1));
            // Insert only between characters of the plain text, never inside a tag inserted before.
            if (/<[^>]*$/.test(marked.slice(0, from)) || /<[^>]*$/.test(marked.slice(0, to))) continue;
            marked = `${marked.slice(0, from)}<${tag}>${marked.slice(from, to)}</${tag}>${marked.slice(to)}`;
          }
          expect(normaliseTitle(marked)).toBe(normaliseTitle(plain));
        },
      ),
    );
  });

  test('entity round trip: XML-escaped and numeric-reference forms give the same key', () => {
    fc.assert(
      fc.property(titleWords, (words) => {
        const plain = words.join(' ');
        const numeric = [...plain]
          .map((c) => (c === ' ' ? c : `&#x${c.codePointAt(0)!.toString(16)};`))
          .join('');
        expect(normaliseTitle(escapeXml(plain))).toBe(normaliseTitle(plain));
        expect(normaliseTitle(numeric)).toBe(normaliseTitle(plain));
      }),
    );
  });

  test('examples', () => {
    expect(normaliseTitle('Leucocyte telomere length at the <i>TERT</i> gene region.')).toBe(
      'leucocyte telomere length at the tert gene region',
    );
    expect(normaliseTitle('Risk (p<sub>trend</sub>=0.048)')).toBe(normaliseTitle('Risk (ptrend=0.048)'));
    // "<5 ... >65" is text, not a tag: different numbers must give different keys.
    expect(normaliseTitle('Outcomes in children <5 and adults >65 years')).toBe(
      'outcomes in children 5 and adults 65 years',
    );
    expect(normaliseTitle('Outcomes in children <2 and adults >80 years')).not.toBe(
      normaliseTitle('Outcomes in children <5 and adults >65 years'),
    );
    expect(normaliseTitle('Pasienter over 75&#xa0;&#xe5;r, 2000&#x2013;19')).toBe(
      'pasienter over 75 ar 2000 19',
    );
    expect(normaliseTitle('Family &amp; community health')).toBe('family community health');
  });
});
