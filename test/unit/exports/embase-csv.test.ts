// Issue #16 item 11: an Embase CSV export ("CSV - Fields by Column") was taken for a Scopus CSV and its
// records stored with no year and no authors, silently. It is told apart and read by its own column names;
// and no export's record whose authors and year both came out empty is stored without saying so.
import { describe, expect, it } from 'vitest';
import { parseEmbaseCsv } from '../../../shared/adapters/exports/embase-csv.ts';
import { detectExportFormat, parseExportText } from '../../../shared/adapters/exports/parse-export.ts';
import { citationSchema } from '../../../shared/domain/citation/citation.ts';
import { InputError } from '../../../shared/errors.ts';
import { exportText } from './fixtures.ts';

const options = { origin: 'embase.csv', source: 'embase' };

const text = () => exportText('embase.csv');

describe('an Embase CSV export', () => {
  it('is detected as Embase CSV, not Scopus CSV', () => {
    expect(detectExportFormat(text(), 'embase.csv')).toBe('embase-csv');
  });

  const result = parseEmbaseCsv(text(), options);

  it('reads each row with its year, authors, journal and ids', () => {
    expect(result.format).toBe('embase-csv');
    expect(result.records.map((r) => [r.line, r.citation.sourceRecordId])).toEqual([
      [2, '2013456789'],
      [4, '2021000123'],
    ]);
    for (const { citation } of result.records) expect(citationSchema.parse(citation)).toEqual(citation);
    expect(result.rejected).toEqual([{ line: 5, recordId: '2005000001', reason: 'no title' }]);
    const review = result.records[0]!.citation;
    expect(review).toMatchObject({
      source: 'embase',
      pmid: '34567890',
      doi: '10.1007/s11060-021-03800-4',
      year: 2021,
      publicationDate: { year: 2021, month: 9 },
      journal: {
        title: 'Journal of Neuro-Oncology',
        issn: '1573-7373 (electronic), 0167-594X',
        volume: '154',
        issue: '3',
        pages: '301-309',
      },
      languages: ['English'],
      publicationTypes: ['Review'],
      keywords: ['intradural extramedullary', 'spinal metastasis'],
    });
    expect(review.authors).toEqual([
      { family: 'Moreau', given: null, initials: 'C', orcid: null },
      { family: 'Tanaka', given: null, initials: 'H', orcid: null },
      { family: 'Okafor', given: null, initials: 'A', orcid: null },
    ]);
    expect(review.abstract.map((s) => s.label)).toEqual(['Background', 'Methods']);
  });

  it('reads a conference abstract: supplement pages, no abstract placeholder, authors with particles', () => {
    expect(result.records[1]!.citation).toMatchObject({
      year: 2022,
      abstract: [],
      journal: { title: 'Neuro-Oncology', volume: '24', issue: 'Supplement 7', pages: 'vii112' },
      publicationTypes: ['Conference Abstract'],
    });
    expect(result.records[1]!.citation.authors).toEqual([
      { family: 'van der Berg', given: null, initials: 'KA', orcid: null },
      { family: 'Lopez-Garcia', given: null, initials: 'M', orcid: null },
    ]);
  });

  it('is refused as a Scopus CSV, saying what it is', () => {
    expect(() => parseExportText(text(), 'scopus-csv', options)).toThrow(InputError);
    expect(() => parseExportText(text(), 'scopus-csv', options)).toThrow(
      /embase\.csv line 1: an Embase CSV export, not a Scopus one .*--format embase-csv/,
    );
  });
});

describe('records whose authors and year both came out empty', () => {
  it('are named in a warning, not stored unnoticed', () => {
    const ris = [
      'TY  - JOUR',
      'TI  - A titled record with an author',
      'AU  - Berg, K.',
      'ER  - ',
      'TY  - JOUR',
      'TI  - A record with a title and nothing else a citation needs',
      'JF  - Spine',
      'ER  - ',
    ].join('\n');
    const parsed = parseExportText(ris, 'ris', { origin: 'x.ris', source: 'embase' });
    expect(parsed.records.map((r) => r.line)).toEqual([1, 5]);
    expect(parsed.warnings).toEqual([
      'x.ris: 1 of 2 records have neither authors nor a year (line 5): check the file was read as the right format',
    ]);
    const complete = parseEmbaseCsv(text(), options);
    expect(complete.warnings).toEqual([]);
  });

  it('cannot come from a CSV export whose header has no column authors or years come from', () => {
    const misread = '"Title","Source title","Writers","When"\n"One","Spine","Berg K.","2020"\n';
    expect(() => parseExportText(misread, 'scopus-csv', { origin: 'odd.csv', source: 'scopus' })).toThrow(
      /odd\.csv line 1: not a Scopus CSV export: the header has none of the columns authors and years come from \("Authors", "Author full names", "Year"/,
    );
    expect(() => parseExportText(misread, 'embase-csv', options)).toThrow(/not an Embase CSV export/);
  });
});
