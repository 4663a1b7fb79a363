// Issue #16 item 11: an Embase CSV export ("CSV - Fields by Column") was taken for a Scopus CSV and its
// records stored with no year and no authors, silently. It is told apart and read by its own column names
// (a second, independently written fixture beside ovid-and-embase-csv.test.ts's; the warnings for an export
// read as the wrong format are tested there).
import { describe, expect, it } from 'vitest';
import { parseEmbaseCsv } from '../../../shared/adapters/exports/embase-csv.ts';
import { detectExportFormat } from '../../../shared/adapters/exports/parse-export.ts';
import { citationSchema } from '../../../shared/domain/citation/citation.ts';
import { exportText } from './fixtures.ts';

const options = { origin: 'embase.csv', source: 'embase' };

const text = () => exportText('embase-reliability.csv');

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
      [5, '2005000001'],
    ]);
    for (const { citation } of result.records) expect(citationSchema.parse(citation)).toEqual(citation);
    // The untitled row is kept and deduplicated on what it has (issue #12), with a warning.
    expect(result.rejected).toEqual([]);
    expect(result.records[2]!.citation.title).toBe('');
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
});
