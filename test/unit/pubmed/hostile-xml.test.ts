// Hostile PubMed XML (issue #16, items 7, 8 and 9): raw control characters XML 1.0 forbids, a record nested
// thousands of levels deep, one oversized record, and valid XML whose comments or CDATA sections hold the
// record's own end tag. Each is either read correctly or refused with an InputError naming the file and the
// record; none may crash the reader, take it quadratic time, or cut a record at the wrong place.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parsePubmedXml } from '../../../shared/adapters/pubmed/parse-pubmed-xml.ts';
import {
  MAX_RECORD_BYTES,
  PubmedRecordSplitter,
  splitPubmedXml,
} from '../../../shared/adapters/pubmed/xml-record-splitter.ts';
import {
  MAX_ELEMENT_DEPTH,
  parseXmlElement,
  XmlSyntaxError,
} from '../../../shared/adapters/pubmed/xml-tree.ts';
import { inputError, minimalRecord } from './fixtures.ts';

const record = minimalRecord;

function document(...records: string[]): string {
  return `<?xml version="1.0" ?>\n<PubmedArticleSet>\n${records.join('\n')}\n</PubmedArticleSet>\n`;
}

/** Feeds `bytes` to a fresh splitter in pieces of `chunk` bytes. */
function splitInChunks(bytes: Buffer, chunk: number, options?: { maxRecordBytes?: number }) {
  const splitter = new PubmedRecordSplitter('big.xml', options);
  const records = [];
  for (let at = 0; at < bytes.length; at += chunk)
    records.push(...splitter.push(bytes.subarray(at, at + chunk)));
  records.push(...splitter.end());
  return { splitter, records };
}

describe('raw control characters (XML 1.0 section 2.2)', () => {
  // Character references to these are refused (`&#0;`, `&#x1B;`); the raw characters must be too.
  test.each([
    ['NUL', '\u0000'],
    ['ESC (a terminal escape: ESC[2J clears the screen)', '\u001b[2J'],
    ['BEL', '\u0007'],
    ['vertical tab', '\u000b'],
    ['form feed', '\u000c'],
    ['U+FFFE', '\ufffe'],
    ['U+FFFF', '\uffff'],
  ])('%s in a title is an InputError naming the record', (_label, raw) => {
    const xml = document(record('111'), record('222', `Evil ${raw} title`));
    const error = inputError(() => parsePubmedXml(xml, 'hostile.xml'));
    expect(error.message).toMatch(/^hostile\.xml: record 2 \(PMID 222\), line 4: malformed XML: /);
    expect(error.message).toMatch(/not an XML character/);
  });

  test('in an attribute value, a comment and a processing instruction alike', () => {
    for (const element of [
      '<a b="x\u0001y"/>',
      '<a><!-- x\u0001y --></a>',
      '<a><?pi x\u0001y?></a>',
      '<a><![CDATA[x\u0001y]]></a>',
    ]) {
      expect(() => parseXmlElement(element), element).toThrow(XmlSyntaxError);
      expect(() => parseXmlElement(element)).toThrow(/U\+0001 is not an XML character/);
    }
  });

  test('tab, newline and carriage return, and C1 characters (allowed by XML 1.0), are kept', () => {
    const root = parseXmlElement('<a t="1\t2">x\ty\r\nz \u0085 \u009b</a>');
    expect(root.attributes['t']).toBe('1\t2');
    expect(root.content).toEqual(['x\ty\r\nz \u0085 \u009b']);
  });
});

describe('deep nesting', () => {
  test(`6,000 levels end in an InputError naming the file and the record, not a stack overflow`, () => {
    const deep = `${'<i>'.repeat(6000)}x${'</i>'.repeat(6000)}`;
    const error = inputError(() => parsePubmedXml(document(record('111'), record('333', deep)), 'deep.xml'));
    expect(error.message).toMatch(/^deep\.xml: record 2 \(PMID 333\), line 4: /);
    expect(error.message).toContain(`nested more than ${MAX_ELEMENT_DEPTH} levels deep`);
    expect(error.message).not.toMatch(/call stack/);
  });

  test('the deepest nesting allowed is read', () => {
    // The record itself takes 4 levels (PubmedArticle > MedlineCitation > Article > ArticleTitle).
    const inner = MAX_ELEMENT_DEPTH - 4;
    const deep = `${'<i>'.repeat(inner)}x${'</i>'.repeat(inner)}`;
    const { citations } = parsePubmedXml(document(record('333', deep)), 'deep.xml');
    expect(citations[0]?.title).toBe('x');
  });
});

describe('comments, CDATA and processing instructions inside a record', () => {
  const tricky = [
    ['a comment', '<!-- </PubmedArticle> -->'],
    ['a CDATA section', '<![CDATA[ </PubmedArticle> ]]>'],
    ['a processing instruction', '<?note </PubmedArticle> ?>'],
    ['a comment holding "<![CDATA["', '<!-- <![CDATA[ </PubmedArticle> -->'],
  ] as const;

  test.each(tricky)('the end tag inside %s does not end the record', (_label, markup) => {
    const xml = document(record('111', `Before ${markup} after`), record('222'));
    const { citations } = parsePubmedXml(xml, 'valid.xml');
    expect(citations.map((c) => c.pmid)).toEqual(['111', '222']);
    const expected = markup.startsWith('<![CDATA[') ? 'Before </PubmedArticle> after' : 'Before after';
    expect(citations[0]?.title).toBe(expected);
  });

  test('whatever the chunking, the records are the same as in one piece', () => {
    const xml = document(
      record('111', 'A <!-- </PubmedArticle> --> b'),
      record('222', 'C <![CDATA[ ]] ] </PubmedArticle> --> ]]> d'),
      record('333'),
    );
    const bytes = Buffer.from(xml, 'utf8');
    const whole = splitPubmedXml(xml, 'x');
    expect(whole.map((r) => r.index)).toEqual([1, 2, 3]);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), (chunk) => {
        const splitter = new PubmedRecordSplitter('x');
        const pieces = [];
        for (let at = 0; at < bytes.length; at += chunk)
          pieces.push(...splitter.push(bytes.subarray(at, at + chunk)));
        pieces.push(...splitter.end());
        expect(pieces).toEqual(whole);
      }),
      { numRuns: 64 },
    );
  });

  test('a comment left open inside a record is a truncated record, not a shorter one', () => {
    const xml = document(record('111', 'A <!-- never closed'), record('222'));
    const error = inputError(() => parsePubmedXml(xml, 'open.xml'));
    expect(error.message).toMatch(/^open\.xml: record 1 \(PMID 111\), line 3: /);
  });
});

describe('an oversized record', () => {
  /** One record whose abstract is `bytes` long (many AbstractText sections, as a huge real record has). */
  function bigRecord(pmid: string, bytes: number): string {
    const section = `<AbstractText Label="L">${'word '.repeat(200)}</AbstractText>`;
    const abstract = `<Abstract>${section.repeat(Math.ceil(bytes / section.length))}</Abstract>`;
    return record(pmid, 'Big', abstract);
  }

  test('is refused past the size cap with an InputError naming the record and the cap', () => {
    const bytes = Buffer.from(document(record('111'), bigRecord('222', 300_000), record('333')), 'utf8');
    const error = inputError(() => splitInChunks(bytes, 4096, { maxRecordBytes: 200_000 }));
    expect(error.message).toMatch(/^big\.xml: record 2 \(PMID 222\), line 4: /);
    expect(error.message).toContain('larger than 200,000 bytes');
    // The same when the whole record arrives in one piece.
    const whole = inputError(() => splitInChunks(bytes, bytes.length, { maxRecordBytes: 200_000 }));
    expect(whole.message).toBe(error.message);
  });

  test('the default cap is 16 MiB, far above the largest real PubMed records (a few MB)', () => {
    expect(MAX_RECORD_BYTES).toBe(16 * 1024 * 1024);
  });

  test('is cut in linear work: each byte is copied a bounded number of times, whatever the record size', () => {
    // Counting work, not time: the bytes the splitter copies while it holds one open record. Reading a
    // record in 64 KB chunks used to re-copy everything read so far for every chunk (1 MB: ~8 MB copied;
    // 4 MB: ~128 MB, quadratic); it must be a small constant times the record's size at every size.
    const ratios = [1_000_000, 4_000_000].map((size) => {
      const bytes = Buffer.from(document(bigRecord('222', size)), 'utf8');
      const { splitter, records } = splitInChunks(bytes, 1 << 16);
      expect(records).toHaveLength(1);
      return splitter.bytesCopied / bytes.length;
    });
    for (const ratio of ratios) expect(ratio).toBeLessThan(3);
  });
});
