// Bad input: truncated or malformed XML, records without a PMID, documents that are not PubmedArticleSet.
// Each must be an InputError naming the origin (and the record and line when there is one), never a result
// with fewer records.
import fc from 'fast-check';
import { describe, expect, test, vi } from 'vitest';
import { parsePubmedXml } from '../../../shared/adapters/pubmed/parse-pubmed-xml.ts';
import { citationSchema } from '../../../shared/domain/citation/citation.ts';
import { inputError, minimalRecord, readFixture } from './fixtures.ts';

const PROLOG =
  '<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n';

const record = minimalRecord;

function document(...records: string[]): string {
  return `${PROLOG}<PubmedArticleSet>\n${records.join('\n')}\n</PubmedArticleSet>\n`;
}

describe('truncated documents', () => {
  const fixtures = [
    'efetch_pubmed_2articles_nonmedline_entity_2025.xml',
    'efetch_pubmed_structured_abstract_inline_markup.xml',
    'efetch_pubmed_book_genereviews_2025.xml',
    'pubmed_xml_publisher_aheadofprint_3records.xml',
  ];

  test.each(fixtures)('%s cut anywhere before the end of </PubmedArticleSet> is an InputError', (name) => {
    const xml = readFixture(name);
    const complete = xml.lastIndexOf('</PubmedArticleSet>') + '</PubmedArticleSet>'.length;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: complete - 1 }), (cut) => {
        const error = inputError(() =>
          parsePubmedXml(xml.slice(0, cut), `https://example.org/efetch?cut=${cut}`),
        );
        expect(error.message).toContain(`https://example.org/efetch?cut=${cut}`);
      }),
      { numRuns: 150 },
    );
  });

  test('cut inside a record: names the record, its PMID and the problem', () => {
    const xml = readFixture('efetch_pubmed_2articles_nonmedline_entity_2025.xml');
    const second = xml.indexOf('<PubmedArticle>', xml.indexOf('</PubmedArticle>'));
    const cut = xml.slice(0, second + 3000);
    const error = inputError(() => parsePubmedXml(cut, 'efetch.xml'));
    // Both records of this compact file are on line 4.
    expect(error.message).toMatch(/^efetch\.xml: record 2 \(PMID 11700088\), line 4: /);
    expect(error.message).toContain('truncated');
  });

  test('cut between records: the missing root end tag is reported', () => {
    const xml = readFixture('pubmed_xml_publisher_aheadofprint_3records.xml');
    const cut = xml.slice(0, xml.lastIndexOf('</PubmedArticleSet>'));
    const error = inputError(() => parsePubmedXml(cut, 'three.xml'));
    expect(error.message).toContain('three.xml');
    expect(error.message).toContain('</PubmedArticleSet> is missing');
  });

  test('nothing at all', () => {
    expect(inputError(() => parsePubmedXml('', 'empty-response')).message).toContain('empty-response');
  });
});

describe('malformed records', () => {
  const cases: [string, (xml: string) => string, RegExp][] = [
    [
      'mismatched end tag',
      (xml) => xml.replace('</Title>', '</Titel>'),
      /end tag <\/Titel> does not match <Title>/,
    ],
    ['bare ampersand', (xml) => xml.replace('&amp; community', '& community'), /"&"/],
    [
      'undefined entity',
      (xml) => xml.replace('&amp; community', '&nbsp;community'),
      /undefined entity &nbsp;/,
    ],
    [
      'unquoted attribute',
      (xml) => xml.replace('<ArticleId IdType="doi"', '<ArticleId IdType=doi'),
      /not quoted/,
    ],
    [
      'repeated attribute',
      (xml) => xml.replace('<ArticleId IdType="doi"', '<ArticleId IdType="doi" IdType="pii"'),
      /repeated/,
    ],
    [
      'reference to a non-XML character',
      (xml) => xml.replace('&amp; community', '&#x1; community'),
      /not an XML character/,
    ],
    ['stray "<"', (xml) => xml.replace('Family &amp;', 'Family <'), /does not start a tag/],
    ['unclosed element', (xml) => xml.replace('</Abstract>', ''), /does not match|not closed/],
  ];

  test.each(cases)('%s: InputError naming origin, record, PMID and line', (_label, corrupt, problem) => {
    const xml = readFixture('pubmed_xml_medlinedate_indatareview.xml');
    const bad = corrupt(xml);
    expect(bad).not.toBe(xml);
    const error = inputError(() => parsePubmedXml(bad, 'export.xml'));
    expect(error.message).toMatch(/^export\.xml: record 1 \(PMID 27214671\), line \d+: malformed XML: /);
    expect(error.message).toMatch(problem);
  });

  test('the line points at the problem in a pretty-printed file', () => {
    const xml = readFixture('pubmed_xml_medlinedate_indatareview.xml');
    const line = xml.split('\n').findIndex((l) => l.includes('<Title>')) + 1;
    const error = inputError(() => parsePubmedXml(xml.replace('</Title>', '</Titel>'), 'x.xml'));
    expect(error.message).toContain(`line ${line}:`);
  });

  test('all or nothing: one bad record among good ones returns nothing', () => {
    const bad = record('222').replace('</ArticleTitle>', '</ArticleTitel>');
    const error = inputError(() => parsePubmedXml(document(record('111'), bad, record('333')), 'batch-7'));
    expect(error.message).toMatch(/^batch-7: record 2 \(PMID 222\), line 5: malformed XML/);
  });
});

describe('records that are not usable citations', () => {
  test('a record without a PMID', () => {
    const noPmid = record('444').replace('<PMID Version="1">444</PMID>', '');
    const error = inputError(() => parsePubmedXml(document(record('111'), noPmid), 'no-pmid.xml'));
    expect(error.message).toMatch(/^no-pmid\.xml: record 2, line 5: <MedlineCitation> has no valid <PMID>/);
  });

  test('a PMID that is not a number', () => {
    const error = inputError(() => parsePubmedXml(document(record('12a')), 'x.xml'));
    expect(error.message).toContain('record 1');
    expect(error.message).toContain('no valid <PMID>');
  });

  test('a PubmedArticle without MedlineCitation', () => {
    const xml = document('<PubmedArticle><PubmedData/></PubmedArticle>');
    expect(inputError(() => parsePubmedXml(xml, 'x.xml')).message).toContain('has no <MedlineCitation>');
  });

  test('a record the Citation schema rejects is an InputError naming the field', () => {
    const spy = vi
      .spyOn(citationSchema, 'safeParse')
      .mockImplementationOnce(
        (value) =>
          citationSchema.extend({ title: citationSchema.shape.title.min(500) }).safeParse(value) as never,
      );
    try {
      const error = inputError(() => parsePubmedXml(document(record('555')), 'schema.xml'));
      expect(error.message).toMatch(
        /^schema\.xml: record 1 \(PMID 555\), line 4: not a valid citation \(title: /,
      );
    } finally {
      spy.mockRestore();
    }
  });
});

describe('documents that are not a PubmedArticleSet', () => {
  test.each([
    [
      'an esearch result',
      '<?xml version="1.0"?>\n<eSearchResult><Count>0</Count></eSearchResult>',
      /found <eSearchResult>/,
    ],
    ['an HTML error page', '<!DOCTYPE html>\n<html><body>WWW Error 500</body></html>', /found <html>/],
    ['a JSON rate-limit body', '{"error":"API rate limit exceeded","count":"11"}', /not an XML document/],
    ['text after the root', `${document(record('1'))}trailing`, /text after <\/PubmedArticleSet>/],
    ['text between records', document(record('1'), 'oops', record('2')), /text between records/],
    ['an unknown element among records', document(record('1'), '<Foo/>'), /unexpected <Foo>/],
    ['a second root', `${document(record('1'))}<PubmedArticleSet/>`, /content after <\/PubmedArticleSet>/],
  ])('%s', (_label, xml, problem) => {
    const error = inputError(() => parsePubmedXml(xml, 'https://eutils.example/efetch'));
    expect(error.message).toMatch(/^https:\/\/eutils\.example\/efetch: /);
    expect(error.message).toMatch(problem);
  });
});

describe('empty sets and deletions', () => {
  test('an empty PubmedArticleSet (a withdrawn PMID) is zero records', () => {
    expect(parsePubmedXml(`${PROLOG}<PubmedArticleSet></PubmedArticleSet>`, 'x')).toEqual({
      citations: [],
      deletedPmids: [],
    });
    expect(parsePubmedXml('<PubmedArticleSet/>', 'x')).toEqual({ citations: [], deletedPmids: [] });
  });

  test('DeleteCitation PMIDs are reported as deleted, never as records', () => {
    const xml = document(
      record('111'),
      record('222'),
      '<DeleteCitation>\n<PMID Version="1">30000001</PMID>\n<PMID Version="1">30000002</PMID>\n</DeleteCitation>',
    );
    const parsed = parsePubmedXml(xml, 'pubmed25n1300.xml');
    expect(parsed.citations.map((c) => c.pmid)).toEqual(['111', '222']);
    expect(parsed.deletedPmids).toEqual(['30000001', '30000002']);
  });

  test('a document holding only a DeleteCitation', () => {
    const parsed = parsePubmedXml(
      document('<DeleteCitation><PMID Version="1">0042</PMID></DeleteCitation>'),
      'x',
    );
    expect(parsed).toEqual({ citations: [], deletedPmids: ['42'] });
  });

  test('a DeleteCitation with a bad PMID is an InputError', () => {
    const xml = document('<DeleteCitation><PMID Version="1">abc</PMID></DeleteCitation>');
    expect(inputError(() => parsePubmedXml(xml, 'x')).message).toContain('invalid PMID "abc"');
  });
});
