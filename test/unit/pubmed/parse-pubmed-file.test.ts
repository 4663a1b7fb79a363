// parsePubmedFile (streaming, optionally with worker threads) against parsePubmedXml, and the record
// splitter under arbitrary chunk boundaries.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import {
  type PubmedFileItem,
  parsePubmedFile,
  parsePubmedXml,
} from '../../../shared/adapters/pubmed/parse-pubmed-xml.ts';
import { PubmedRecordSplitter, splitPubmedXml } from '../../../shared/adapters/pubmed/xml-record-splitter.ts';
import { InputError } from '../../../shared/errors.ts';
import { fixturePath, pubmedArticleSetFixtures, readFixture } from './fixtures.ts';

const scratch = mkdtempSync(join(tmpdir(), 'parse-pubmed-file-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function collect(items: AsyncIterable<PubmedFileItem>): Promise<PubmedFileItem[]> {
  const all: PubmedFileItem[] = [];
  for await (const item of items) all.push(item);
  return all;
}

function records(name: string): string[] {
  const xml = readFixture(name);
  return [...xml.matchAll(/<(PubmedArticle|PubmedBookArticle)>[\s\S]*?<\/\1>/g)].map((m) => m[0]);
}

/** A multi-megabyte file: every fixture record repeated, with fresh PMIDs, plus a DeleteCitation at the end. */
function bigFile(): { path: string; pmids: string[] } {
  const all = pubmedArticleSetFixtures().flatMap(records);
  const pmids: string[] = [];
  const parts = ['<?xml version="1.0" ?>\n<PubmedArticleSet>\n'];
  for (let i = 0; i < 400; i++) {
    const pmid = String(90_000_000 + i);
    pmids.push(pmid);
    parts.push(
      `${all[i % all.length]!.replace(/<PMID Version="1">\d+<\/PMID>/, `<PMID Version="1">${pmid}</PMID>`)}\n`,
    );
  }
  parts.push('<DeleteCitation><PMID Version="1">123</PMID><PMID Version="1">456</PMID></DeleteCitation>\n');
  parts.push('</PubmedArticleSet>\n');
  const path = join(scratch, 'big.xml');
  writeFileSync(path, parts.join(''));
  return { path, pmids };
}

describe('parsePubmedFile', () => {
  test.each(pubmedArticleSetFixtures())('%s: same citations as parsePubmedXml', async (name) => {
    const expected = parsePubmedXml(readFixture(name), fixturePath(name)).citations;
    const items = await collect(parsePubmedFile(fixturePath(name)));
    expect(items).toEqual(expected.map((citation) => ({ citation })));
  });

  const big = bigFile();

  test('a file of many 64 KB chunks streams every record in order, deletions included', async () => {
    const items = await collect(parsePubmedFile(big.path));
    const pmids = items.flatMap((item) => ('citation' in item ? [item.citation.pmid] : []));
    expect(pmids).toEqual(big.pmids);
    expect(items.at(-1)).toEqual({ deletedPmids: ['123', '456'] });
  });

  test('worker threads give the same items in the same order', async () => {
    const inThread = await collect(parsePubmedFile(big.path, { workers: 0 }));
    const withWorkers = await collect(parsePubmedFile(big.path, { workers: 2 }));
    expect(withWorkers).toEqual(inThread);
  });

  test('a consumer that stops early stops the workers', async () => {
    let seen = 0;
    for await (const _item of parsePubmedFile(big.path, { workers: 2 })) {
      seen++;
      if (seen === 3) break;
    }
    expect(seen).toBe(3);
  });

  test.each([0, 2])(
    'a bad record fails with an InputError naming the file and record (workers: %i)',
    async (workers) => {
      const xml = readFixture('pubmed_xml_publisher_aheadofprint_3records.xml');
      const path = join(scratch, `bad-${workers}.xml`);
      writeFileSync(
        path,
        xml.replace('<Title>Analytical chemistry</Title>', '<Title>Analytical chemistry</Titel>'),
      );
      const seen: string[] = [];
      let failure: unknown;
      try {
        for await (const item of parsePubmedFile(path, { workers })) {
          if ('citation' in item) seen.push(item.citation.pmid ?? '');
        }
      } catch (error) {
        failure = error;
      }
      expect(failure).toBeInstanceOf(InputError);
      expect((failure as Error).message).toMatch(
        new RegExp(`^${path}: record 2 \\(PMID 28447797\\), line \\d+: malformed XML`),
      );
      // Records before the bad one may have been yielded (a worker batch fails as a whole); none after it.
      expect(seen.length).toBeLessThanOrEqual(1);
      expect(seen.every((pmid) => pmid === '28454017')).toBe(true);
    },
  );

  test('a truncated file is an InputError', async () => {
    const xml = readFixture('efetch_pubmed_2articles_nonmedline_entity_2025.xml');
    const path = join(scratch, 'truncated.xml');
    writeFileSync(path, xml.slice(0, xml.length - 40));
    await expect(collect(parsePubmedFile(path))).rejects.toThrow(/truncated\.xml: .*(truncated|missing)/);
  });

  test('a missing file is an InputError naming it', async () => {
    const path = join(scratch, 'nope.xml');
    await expect(collect(parsePubmedFile(path))).rejects.toThrow(InputError);
    await expect(collect(parsePubmedFile(path))).rejects.toThrow(`${path}: cannot read`);
  });
});

describe('PubmedRecordSplitter', () => {
  const samples = [
    'efetch_pubmed_2articles_nonmedline_entity_2025.xml',
    'efetch_pubmed_retracted_retractionin_2011.xml',
    // Raw UTF-8 (±, ·, ≈): cuts fall inside multi-byte characters too.
    'efetch_pubmed_mathml_ecollection.xml',
    'pubmed_xml_publisher_aheadofprint_3records.xml',
  ].map((name) => Buffer.from(readFixture(name), 'utf8'));

  test("any chunking of a document's bytes gives the same records, lines and indexes as one piece", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...samples),
        fc.boolean(),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 40 }),
        (document, bom, fractions) => {
          const bytes = bom ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), document]) : document;
          const cuts = [...new Set(fractions.map((f) => Math.floor(f * bytes.length)))].sort((a, b) => a - b);
          const splitter = new PubmedRecordSplitter('x');
          const pieces: ReturnType<typeof splitPubmedXml> = [];
          let from = 0;
          for (const cut of [...cuts, bytes.length]) {
            pieces.push(...splitter.push(bytes.subarray(from, cut)));
            from = cut;
          }
          pieces.push(...splitter.end());
          expect(pieces).toEqual(splitPubmedXml(document.toString('utf8'), 'x'));
        },
      ),
      { numRuns: 200 },
    );
  });

  test('a record that is not valid UTF-8 is an InputError', () => {
    const xml = Buffer.from(readFixture('efetch_pubmed_erratumin_2025.xml'), 'utf8');
    const at = xml.indexOf('Fatty acid');
    const broken = Buffer.concat([xml.subarray(0, at), Buffer.from([0xc3, 0x28]), xml.subarray(at)]);
    const splitter = new PubmedRecordSplitter('latin1.xml');
    expect(() => [...splitter.push(broken), ...splitter.end()]).toThrow(
      /^latin1\.xml: record 1, line 4: the record is not valid UTF-8$/,
    );
  });

  test('records carry their start line', () => {
    const xml = readFixture('pubmed_xml_publisher_aheadofprint_3records.xml');
    const lines = xml.split('\n');
    const starts = lines.flatMap((line, i) => (line.trim() === '<PubmedArticle>' ? [i + 1] : []));
    expect(splitPubmedXml(xml, 'x').map((r) => r.line)).toEqual(starts);
  });

  test('a byte-order mark and comments around records are allowed', () => {
    const xml = `\uFEFF<?xml version="1.0"?><!-- exported --><PubmedArticleSet><!-- a -->${records('efetch_pubmed_erratumin_2025.xml')[0]}<!-- b --></PubmedArticleSet><!-- end -->`;
    expect(splitPubmedXml(xml, 'x').map((r) => r.name)).toEqual(['PubmedArticle']);
  });
});
