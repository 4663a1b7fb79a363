// RIS exports of Ovid (Embase), Scopus and Web of Science: fields per flavour, records rejected by line, and
// structure errors that reject the whole file.
import { describe, expect, it } from 'vitest';
import { detectExportFormat } from '../../../shared/adapters/exports/parse-export.ts';
import { parseRis } from '../../../shared/adapters/exports/ris.ts';
import { citationSchema } from '../../../shared/domain/citation/citation.ts';
import { InputError } from '../../../shared/errors.ts';
import { exportText } from './fixtures.ts';

const parse = (text: string, source = 'embase') => parseRis(text, { origin: 'test.ris', source });

describe('Ovid Embase RIS (CRLF, T1/A1/Y1/N2, run-on abstract, DOI as URL)', () => {
  const result = parse(exportText('embase-ovid.ris'));

  it('reads every record, each a valid Citation, and names the line of the one without a title', () => {
    expect(result.format).toBe('ris');
    expect(result.records.map((r) => r.line)).toEqual([1, 34, 54, 71, 88]);
    for (const { citation } of result.records) expect(citationSchema.parse(citation)).toEqual(citation);
    expect(result.rejected).toEqual([]);
    expect(result.warnings).toEqual([
      expect.stringMatching(/1 of 5 record\(s\) have no title \(the first on line 88\)/),
    ]);
  });

  it('maps the review record field by field', () => {
    const review = result.records[0]!.citation;
    expect(review).toMatchObject({
      source: 'embase',
      sourceRecordId: '2013456789',
      kind: 'journal-article',
      pmid: null,
      doi: '10.1007/s11060-021-03800-4',
      title:
        'Intradural extramedullary spinal metastases from non-neurogenic primary tumours: A systematic review',
      year: 2021,
      journal: {
        title: 'Journal of Neuro-Oncology',
        isoAbbreviation: 'J. Neuro-Oncol.',
        issn: '0167-594X',
        volume: '154',
        issue: '3',
        pages: '301-309',
      },
      languages: ['English'],
      publicationTypes: ['Review'],
    });
    expect(review.authors).toEqual([
      { family: 'Moreau', given: null, initials: 'C', orcid: null },
      { family: 'Tanaka', given: null, initials: 'H', orcid: null },
      { family: 'Okafor', given: null, initials: 'A', orcid: null },
    ]);
    expect(review.keywords).toEqual(['*spinal cord metastasis/su [Surgery]', 'human', 'systematic review']);
  });

  it('joins the run-on abstract lines and splits its inline headings', () => {
    expect(result.records[0]!.citation.abstract.map((s) => s.label)).toEqual([
      'Background',
      'Methods',
      'Results',
      'Conclusion',
    ]);
    const [background] = result.records[0]!.citation.abstract;
    expect(background?.text).toBe(
      'Intradural extramedullary (IDEM) metastases from tumours outside the central nervous system are rare and their management is debated.',
    );
  });

  it('keeps both conference abstracts with their shared supplement DOI and their own pages', () => {
    const [a, b] = [result.records[2]!.citation, result.records[3]!.citation];
    expect([a.doi, b.doi]).toEqual(['10.1093/neuonc/noab196.001', '10.1093/neuonc/noab196.001']);
    expect([a.journal?.pages, b.journal?.pages]).toEqual(['vi1', 'vi2']);
    expect(a.publicationTypes).toEqual(['Conference Abstract']);
  });
});

describe('Scopus RIS (T2 journal, EID in the link, C2 PubMed ID, C7 article number)', () => {
  const result = parse(exportText('scopus.ris'), 'scopus');

  it('takes the EID from the UR link, the PMID from C2, the journal from T2, the pages from C7 when alone', () => {
    expect(result.rejected).toEqual([]);
    expect(result.records.map((r) => r.citation.sourceRecordId)).toEqual([
      '2-s2.0-85112345678',
      '2-s2.0-85084000001',
      '2-s2.0-85150000002',
    ]);
    const [review, , melanoma] = result.records.map((r) => r.citation);
    expect(review).toMatchObject({
      pmid: '34567890',
      journal: { title: 'Journal of Neuro-Oncology', isoAbbreviation: 'J. Neuro-Oncol.', issn: '0167594X' },
    });
    expect(review!.authors[0]).toEqual({ family: 'Moreau', given: null, initials: 'C', orcid: null });
    expect(melanoma).toMatchObject({ pmid: null, journal: { pages: '1098765', issue: null }, abstract: [] });
  });
});

describe('Web of Science RIS (full names, DA month, AN accession number)', () => {
  const result = parse(exportText('wos.ris'), 'wos');

  it('reads full author names, the month from DA and the WOS accession number', () => {
    expect(result.records).toHaveLength(2);
    const review = result.records[0]!.citation;
    expect(review).toMatchObject({
      sourceRecordId: 'WOS:000687654300001',
      year: 2021,
      publicationDate: { year: 2021, month: 9, day: null, medlineDate: null },
      journal: { title: 'JOURNAL OF NEURO-ONCOLOGY', issn: '0167-594X' },
    });
    expect(review.authors[1]).toEqual({ family: 'Tanaka', given: 'Hiroshi', initials: 'H', orcid: null });
  });
});

describe('RIS details', () => {
  it('reads book chapters as book articles with their book title', () => {
    const text =
      'TY  - CHAP\nTI  - Spinal metastases\nT2  - Textbook of spine oncology\nPY  - 2019\nAU  - Berg, Karl\nER  - \n';
    const [record] = parse(text).records;
    expect(record!.citation).toMatchObject({
      kind: 'book-article',
      journal: null,
      bookTitle: 'Textbook of spine oncology',
    });
  });

  it('gives a record without an accession number a stable id from its content', () => {
    const text = 'TY  - JOUR\nTI  - A title\nPY  - 2020\nAU  - Berg, K.\nER  - \n';
    const once = parse(text).records[0]!.citation.sourceRecordId;
    expect(once).toMatch(/^h[0-9a-f]{16}$/);
    expect(parse(`\n\n${text}`).records[0]!.citation.sourceRecordId).toBe(once);
    expect(parse(text.replace('2020', '2021')).records[0]!.citation.sourceRecordId).not.toBe(once);
  });

  it('accepts one space before the hyphen and a PMID written out in a note', () => {
    const text = 'TY - JOUR\nTI - A title\nN1 - PMID: 12345\nER -\n';
    expect(parse(text).records[0]!.citation.pmid).toBe('12345');
  });
});

describe("Ovid's own RIS: a number before each record, a full-text link after it (issue #16 item 10)", () => {
  const result = parse(exportText('ovid-numbered.ris'));
  const plain = parse(exportText('embase-ovid.ris'));

  it('skips the text between records and reads the same records as the plain export', () => {
    // The untitled record (line 105) is kept and deduplicated on what it has (issue #12: nothing is refused
    // for a missing optional field); the plain export holds the same five records.
    expect(result.records.map((r) => r.line)).toEqual([2, 39, 63, 84, 105]);
    expect(result.records.map((r) => r.citation)).toEqual(plain.records.map((r) => r.citation));
    expect(result.rejected).toEqual([]);
  });

  it('says how many lines it skipped, and where', () => {
    const untitled =
      'test.ris: 1 of 5 record(s) have no title (the first on line 105); they are deduplicated on what they have';
    expect(result.warnings).toEqual([
      'test.ris: skipped 15 line(s) of text between records (the first on line 1: "1.")',
      untitled,
    ]);
    expect(plain.warnings).toEqual([untitled.replace('line 105', `line ${plain.records[4]!.line}`)]);
  });

  it('is detected as RIS without --format', () => {
    expect(detectExportFormat(exportText('ovid-numbered.ris'), 'ovid.ris')).toBe('ris');
  });
});

describe('RIS structure errors: the whole file is refused, naming the line', () => {
  const cases: [string, string, RegExp][] = [
    [
      'a record that never ends',
      'TY  - JOUR\nTI  - One\nER  - \nTY  - JOUR\nTI  - Two\n',
      /record that starts on line 4 never ends/,
    ],
    [
      'TY inside a record',
      'TY  - JOUR\nTI  - One\nTY  - JOUR\nTI  - Two\nER  - \n',
      /line 3: a new record \(TY\) starts before the record of line 1 has ended/,
    ],
    [
      'a tag outside a record',
      'TI  - Stray\nTY  - JOUR\nTI  - One\nER  - \n',
      /line 1: tag TI outside a record/,
    ],
    ['no record at all', '\n\n', /no RIS record/],
    [
      'text and no record',
      'Exported from somewhere\n',
      /no RIS record \(TY {2}- \.\.\.\) found \(line 1: "Exported from somewhere"\)/,
    ],
  ];
  it.each(cases)('%s', (_name, text, message) => {
    expect(() => parse(text)).toThrow(InputError);
    expect(() => parse(text)).toThrow(message);
  });
});
