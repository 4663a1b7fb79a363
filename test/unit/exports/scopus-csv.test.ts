// Scopus's CSV export: BOM, quoted cells with commas, quotes and line breaks, column names as Scopus writes
// them; a row with no title rejected by line; a broken CSV rejected as a whole.
import { describe, expect, it } from 'vitest';
import { listedAuthors, parseScopusCsv } from '../../../shared/adapters/exports/scopus-csv.ts';
import { citationSchema } from '../../../shared/domain/citation/citation.ts';
import { InputError } from '../../../shared/errors.ts';
import { exportText } from './fixtures.ts';

const parse = (text: string) => parseScopusCsv(text, { origin: 'scopus.csv', source: 'scopus' });

describe('a Scopus CSV export', () => {
  const result = parse(exportText('scopus.csv'));

  it('reads each row as a record named by the line it starts on (a quoted line break spans two lines)', () => {
    expect(result.format).toBe('scopus-csv');
    expect(result.records.map((r) => [r.line, r.citation.sourceRecordId])).toEqual([
      [2, '2-s2.0-85112345678'],
      [4, '2-s2.0-85150000002'],
      [5, '2-s2.0-85084000001'],
      [6, '2-s2.0-85120000003'],
    ]);
    for (const { citation } of result.records) expect(citationSchema.parse(citation)).toEqual(citation);
    expect(result.rejected).toEqual([]);
    expect(result.warnings).toEqual([
      expect.stringMatching(/1 of 4 record\(s\) have no title \(the first on line 6\)/),
    ]);
  });

  it('maps the columns, preferring full author names, and keeps commas and quotes inside cells', () => {
    const review = result.records[0]!.citation;
    expect(review).toMatchObject({
      pmid: '34567890',
      doi: '10.1007/s11060-021-03800-4',
      year: 2021,
      journal: {
        title: 'Journal of Neuro-Oncology',
        isoAbbreviation: 'J. Neuro-Oncol.',
        issn: '0167594X',
        volume: '154',
        issue: '3',
        pages: '301-309',
      },
      languages: ['English'],
      publicationTypes: ['Review'],
      keywords: [
        'Intradural extramedullary',
        'Spinal metastasis',
        'human',
        'spinal cord metastasis',
        'survival',
      ],
    });
    expect(review.authors[0]).toEqual({ family: 'Moreau', given: 'Camille', initials: 'C', orcid: null });
    expect(review.abstract).toEqual([
      {
        label: 'Background',
        category: null,
        text: 'Intradural extramedullary (IDEM) metastases, from tumours outside the central nervous system, are rare.',
      },
      { label: 'Methods', category: null, text: 'We pooled "individual patient data" from 51 studies.' },
    ]);
  });

  it('drops "[No abstract available]" and takes the article number when there are no pages', () => {
    expect(result.records[1]!.citation).toMatchObject({ abstract: [], journal: { pages: '1098765' } });
  });
});

describe('Scopus author cells', () => {
  it('reads the older comma style and the newer semicolon style', () => {
    expect(listedAuthors('Moreau C., Tanaka H.-J., Okafor A.')).toEqual([
      { family: 'Moreau', given: null, initials: 'C', orcid: null },
      { family: 'Tanaka', given: null, initials: 'HJ', orcid: null },
      { family: 'Okafor', given: null, initials: 'A', orcid: null },
    ]);
    expect(listedAuthors('Moreau, C.; van der Berg, K.A.')).toEqual([
      { family: 'Moreau', given: null, initials: 'C', orcid: null },
      { family: 'van der Berg', given: null, initials: 'KA', orcid: null },
    ]);
    expect(listedAuthors('[No author name available]')).toEqual([]);
  });
});

describe('Scopus CSV structure errors: the whole file is refused, naming the line', () => {
  const header = '"Authors","Title","Year","Source title","EID"';
  const cases: [string, string, RegExp][] = [
    [
      'a quoted cell never closed',
      `${header}\n"Berg K.","A title,2020,Spine,2-s2.0-1\n`,
      /line 2: a quoted cell is never closed/,
    ],
    [
      'a header without Title',
      '"Authors","Year"\n"Berg K.","2020"\n',
      /not a Scopus CSV export: no header row with a "Title" column \(line 1: /,
    ],
    [
      'a row longer than the header',
      `${header}\n"Berg K.","A title","2020","Spine","2-s2.0-1","extra"\n`,
      /line 2: the row has 6 cells where the header has 5/,
    ],
    ['an empty file', '\uFEFF', /empty file/],
  ];
  it.each(cases)('%s', (_name, text, message) => {
    expect(() => parse(text)).toThrow(InputError);
    expect(() => parse(text)).toThrow(message);
  });
});
