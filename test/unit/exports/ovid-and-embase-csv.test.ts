// Real exports that were refused or misread (issue #16, items 10 and 11): Ovid's own RIS, with a record number
// before each record and a "Link to the Ovid Full Text" line after it, and Embase's CSV export, which shares
// Scopus's "Title" and "Source title" columns.
import { describe, expect, it } from 'vitest';
import { parseEmbaseCsv } from '../../../shared/adapters/exports/embase-csv.ts';
import { detectExportFormat, parseExportText } from '../../../shared/adapters/exports/parse-export.ts';
import { parseRis } from '../../../shared/adapters/exports/ris.ts';
import { citationSchema } from '../../../shared/domain/citation/citation.ts';
import { exportText } from './fixtures.ts';

describe("Ovid's own RIS (issue #16, item 10)", () => {
  const text = exportText('ovid-own.ris');

  it('is told as RIS from its content, though its first line is a record number', () => {
    expect(detectExportFormat(text, 'ovid-own.ris')).toBe('ris');
  });

  it('is read whole: the text between records is skipped and counted', () => {
    const result = parseRis(text, { origin: 'ovid-own.ris', source: 'embase' });
    expect(result.records.map((r) => [r.line, r.citation.sourceRecordId])).toEqual([
      [2, '2013456789'],
      [24, '35011122'],
      [41, '2016222333'],
    ]);
    for (const { citation } of result.records) expect(citationSchema.parse(citation)).toEqual(citation);
    expect(result.records[1]!.citation.pmid).toBe('35011122');
    expect(result.rejected).toEqual([]);
    expect(result.warnings).toEqual([
      'ovid-own.ris: skipped 9 line(s) of text between records (the first on line 1: "1.")',
    ]);
  });
});

describe('Embase CSV (issue #16, item 11)', () => {
  const text = exportText('embase.csv');

  it('is told from Scopus CSV by the columns only Embase writes', () => {
    expect(detectExportFormat(text, 'embase.csv')).toBe('embase-csv');
  });

  it("is read with its authors, years, types and ids, after the search query's line", () => {
    const result = parseEmbaseCsv(text, { origin: 'embase.csv', source: 'embase' });
    expect(result.records.map((r) => r.line)).toEqual([4, 5, 7]);
    for (const { citation } of result.records) expect(citationSchema.parse(citation)).toEqual(citation);
    const [review, abstract, erratum] = result.records.map((r) => r.citation);
    expect(review).toMatchObject({
      sourceRecordId: '2013456789',
      pmid: '34567890',
      doi: '10.1007/s11060-021-03800-4',
      year: 2021,
      journal: { title: 'Journal of Neuro-Oncology', volume: '154', issue: '3', pages: '301-309' },
      publicationTypes: ['Review'],
      authors: [
        { family: 'Moreau', initials: 'C' },
        { family: 'Tanaka', initials: 'H' },
        { family: 'Okafor', initials: 'A' },
      ],
    });
    expect(review!.abstract.map((s) => s.label)).toEqual(['Background', 'Methods']);
    expect(abstract).toMatchObject({ publicationTypes: ['Conference Abstract'], journal: { pages: 'vi45' } });
    expect(abstract!.abstract[0]!.text).toBe('Spinal radiosurgery was given to 40 patients.');
    expect(erratum).toMatchObject({ authors: [], publicationTypes: ['Erratum'], year: 2022 });
    expect(result.warnings).toEqual([
      expect.stringMatching(/skipped 1 row\(s\) before the header \(the first on line 1: "SEARCH QUERY,/),
      'embase.csv: 1 of 3 record(s) have no authors (the first on line 7); they are deduplicated on what they have',
    ]);
  });

  it('read as Scopus CSV anyway, says that no record has authors or a year', () => {
    const result = parseExportText(text, 'scopus-csv', { origin: 'embase.csv', source: 'embase' });
    expect(result.warnings).toEqual(
      expect.arrayContaining([
        "embase.csv: no record has authors (read as scopus-csv: is that the file's format? give --format)",
        "embase.csv: no record has a year (read as scopus-csv: is that the file's format? give --format)",
      ]),
    );
  });
});
