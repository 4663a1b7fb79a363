// PubMed's MEDLINE format (.nbib): continuation lines, FAU/AU pairs, ORCIDs, group authors, LID/AID DOIs,
// MeSH, Create Date, comments and corrections; structure errors reject the file.
import { describe, expect, it } from 'vitest';
import { parseMedline } from '../../../shared/adapters/exports/medline.ts';
import { citationSchema } from '../../../shared/domain/citation/citation.ts';
import { InputError } from '../../../shared/errors.ts';
import { exportText } from './fixtures.ts';

const parse = (text: string) => parseMedline(text, { origin: 'pubmed.nbib', source: 'pubmed-nbib' });

describe('a PubMed .nbib export', () => {
  const result = parse(exportText('pubmed.nbib'));

  it('reads every record, the one without a title too, and names its line in a warning', () => {
    expect(result.format).toBe('medline');
    expect(result.records.map((r) => [r.line, r.citation.pmid])).toEqual([
      [1, '34567890'],
      [57, '35011122'],
      [90, '29876543'],
      [120, '36000001'],
    ]);
    for (const { citation } of result.records) expect(citationSchema.parse(citation)).toEqual(citation);
    expect(result.records[3]!.citation.title).toBe('');
    expect(result.rejected).toEqual([]);
    expect(result.warnings).toContain(
      'pubmed.nbib: 1 of 4 record(s) have no title (the first on line 120); they are deduplicated on what they have',
    );
  });

  it('joins continuation lines and splits the structured abstract', () => {
    const review = result.records[0]!.citation;
    expect(review.title).toBe(
      'Intradural extramedullary spinal metastases from non-neurogenic primary tumours: a systematic review.',
    );
    expect(review.abstract.map((s) => s.label)).toEqual(['BACKGROUND', 'METHODS', 'RESULTS', 'CONCLUSION']);
    expect(review.abstract[2]?.text).toBe(
      '130 patients from 51 studies were included; median overall survival was 6 months.',
    );
  });

  it('pairs FAU with AU, attaches the ORCID to its author and keeps the group author', () => {
    expect(result.records[0]!.citation.authors).toEqual([
      { family: 'Moreau', given: 'Camille', initials: 'C', orcid: '0000-0002-1825-0097' },
      { family: 'Tanaka', given: 'Hiroshi', initials: 'H', orcid: null },
      { family: 'Okafor', given: 'Ada', initials: 'A', orcid: null },
      { collective: 'Spine Oncology Study Group', orcid: null },
    ]);
    expect(result.records[1]!.citation.authors[1]).toEqual({
      family: 'Garcia',
      given: 'Maria Jose',
      initials: 'MJ',
      orcid: null,
    });
  });

  it('maps the journal, the DOI (not the pii), MeSH descriptors, keywords and the Create Date', () => {
    expect(result.records[0]!.citation).toMatchObject({
      source: 'pubmed-nbib',
      sourceRecordId: '34567890',
      doi: '10.1007/s11060-021-03800-4',
      year: 2021,
      publicationDate: { year: 2021, month: 9, day: null, medlineDate: null },
      journal: {
        title: 'Journal of neuro-oncology',
        isoAbbreviation: 'J Neurooncol',
        issn: '1573-7373',
        volume: '154',
        issue: '3',
        pages: '301-309',
      },
      languages: ['eng'],
      publicationTypes: ['Journal Article', 'Systematic Review'],
      meshHeadings: ['Humans', 'Spinal Cord Neoplasms', 'Survival Analysis'],
      keywords: ['Intradural extramedullary', 'Spinal metastasis'],
      createdDate: '2021-07-09',
      isRetracted: false,
    });
    // Ahead of print: the DOI from the second LID line, no volume or pages.
    expect(result.records[1]!.citation).toMatchObject({
      doi: '10.1016/j.wneu.2022.01.012',
      journal: { volume: null, pages: null },
      publicationDate: { year: 2022, month: 1 },
    });
  });

  it('reads a retraction from PT and RIN', () => {
    expect(result.records[2]!.citation).toMatchObject({
      isRetracted: true,
      links: [{ type: 'RetractionIn', pmid: '31500001', refSource: 'World Neurosurg. 2019 Oct;130:600.' }],
    });
  });
});

describe('MEDLINE structure errors: the whole file is refused, naming the line', () => {
  const cases: [string, string, RegExp][] = [
    [
      'a line that is neither a tag nor a continuation',
      'PMID- 1\nTI  - A title\nsome stray text\n',
      /line 3: "some stray text" is neither a MEDLINE tag line/,
    ],
    [
      'a record that does not start with PMID',
      'PMID- 1\nTI  - A\n\nTI  - B\nPMID- 2\n',
      /line 4: a record starts with TI, not PMID/,
    ],
    ['no record at all', '\r\n\r\n', /no MEDLINE record/],
  ];
  it.each(cases)('%s', (_name, text, message) => {
    expect(() => parse(text)).toThrow(InputError);
    expect(() => parse(text)).toThrow(message);
  });

  it('takes CRLF line ends and a PMID line inside a block as the next record', () => {
    const result = parse('PMID- 1\r\nTI  - One\r\nPMID- 2\r\nTI  - Two\r\n');
    expect(result.records.map((r) => [r.line, r.citation.title])).toEqual([
      [1, 'One'],
      [3, 'Two'],
    ]);
  });
});
