// Web of Science tab-delimited exports, UTF-16LE ("Win") and UTF-8: the full tag header, trailing tabs,
// "; "-separated authors, group authors, early-access records; structure errors reject the file.
import { describe, expect, it } from 'vitest';
import { parseWosTab } from '../../../shared/adapters/exports/wos-tab.ts';
import { citationSchema } from '../../../shared/domain/citation/citation.ts';
import { InputError } from '../../../shared/errors.ts';
import { exportBytes, exportText } from './fixtures.ts';

const parse = (text: string) => parseWosTab(text, { origin: 'savedrecs.txt', source: 'wos' });

describe('a Web of Science tab-delimited export', () => {
  const win = parse(exportText('wos-tab-win.txt'));

  it('decodes the UTF-16LE file to the same records as the UTF-8 one', () => {
    expect(exportBytes('wos-tab-win.txt').subarray(0, 2)).toEqual(Buffer.from([0xff, 0xfe]));
    expect(parse(exportText('wos-tab-utf8.txt'))).toEqual(win);
  });

  it('reads each row, the one without a title too, and builds valid Citations', () => {
    expect(win.records.map((r) => [r.line, r.citation.sourceRecordId])).toEqual([
      [2, 'WOS:000687654300001'],
      [3, 'WOS:000765432100009'],
      [4, 'WOS:001100000000045'],
      [5, 'WOS:000750000000012'],
    ]);
    for (const { citation } of win.records) expect(citationSchema.parse(citation)).toEqual(citation);
    expect(win.rejected).toEqual([]);
    expect(win.warnings).toEqual([
      expect.stringMatching(/1 of 4 record\(s\) have no title \(the first on line 5\)/),
    ]);
  });

  it('maps the tags: AF names, SO, JI, PD month, BP-EP, DI, PM, DE and ID keywords', () => {
    expect(win.records[0]!.citation).toMatchObject({
      pmid: '34567890',
      doi: '10.1007/s11060-021-03800-4',
      year: 2021,
      publicationDate: { month: 9 },
      journal: {
        title: 'JOURNAL OF NEURO-ONCOLOGY',
        isoAbbreviation: 'J. Neuro-Oncol.',
        issn: '0167-594X',
        volume: '154',
        issue: '3',
        pages: '301-309',
      },
      keywords: ['Intradural extramedullary', 'Spinal metastasis', 'SURVIVAL', 'SURGERY'],
      publicationTypes: ['Review'],
    });
    expect(win.records[0]!.citation.authors.map((a) => ('family' in a ? a.given : null))).toEqual([
      'Camille',
      'Hiroshi',
      'Ada',
    ]);
  });

  it('reads an early-access record: the year from EA, the article number as its page, the group author', () => {
    expect(win.records[2]!.citation).toMatchObject({
      year: 2024,
      journal: { volume: null, pages: '45' },
      publicationTypes: ['Article', 'Early Access'],
    });
    expect(win.records[2]!.citation.authors).toEqual([
      { family: 'Berg', given: 'Karl', initials: 'K', orcid: null },
      { collective: 'Nordic Spine Tumour Group', orcid: null },
    ]);
  });
});

describe('Web of Science structure errors: the whole file is refused, naming the line', () => {
  it('refuses a header without TI', () => {
    expect(() => parse('PT\tAU\tSO\nJ\tBerg, K\tSPINE\n')).toThrow(
      /line 1: not a Web of Science tab-delimited export/,
    );
  });

  it('refuses a row with more cells than the header has tags', () => {
    const text = 'PT\tAU\tTI\tUT\nJ\tBerg, K\tA title\tWOS:1\tstray\tmore\n';
    expect(() => parse(text)).toThrow(InputError);
    expect(() => parse(text)).toThrow(/line 2: the row has 6 cells where the header has 4 tags/);
  });

  it('refuses an empty file', () => {
    expect(() => parse('\n\n')).toThrow(/empty file/);
  });
});
