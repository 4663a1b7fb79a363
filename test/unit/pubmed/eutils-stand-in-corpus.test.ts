// The stand-in's corpora: real records cut out of recorded PubMed XML byte for byte, and synthetic ones that
// the project's own parser reads back.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusFromPubmedXml, syntheticCorpus } from '../../../cli/demo/stand-in-corpus.ts';
import { parsePubmedXml } from '../../../shared/adapters/pubmed/parse-pubmed-xml.ts';
import { InputError } from '../../../shared/errors.ts';

const fixture = (name: string) =>
  readFileSync(join(import.meta.dirname, '../../fixtures/pubmed', name), 'utf8');

describe('corpusFromPubmedXml', () => {
  it('cuts a compact efetch answer into records, byte for byte, with their entrez dates', () => {
    const text = fixture('efetch_pubmed_2articles_nonmedline_entity_2025.xml');
    const corpus = corpusFromPubmedXml(text);
    expect(corpus.map((r) => r.pmid)).toEqual(['11748933', '11700088']);
    expect(corpus.map((r) => r.createdDate)).toEqual(['2001-12-26', '2001-11-09']);
    for (const record of corpus) {
      expect(text.includes(record.xml)).toBe(true);
      expect(record.xml.startsWith('<PubmedArticle>')).toBe(true);
      expect(record.xml.endsWith('</PubmedArticle>')).toBe(true);
    }
  });

  it('reads the pretty layout, a book record and the first PMID only', () => {
    const pretty = corpusFromPubmedXml(fixture('pubmed_xml_publisher_aheadofprint_3records.xml'));
    expect(pretty.map((r) => r.pmid)).toEqual(['28454017', '28447797', '28431317']);
    const book = corpusFromPubmedXml(fixture('efetch_pubmed_book_genereviews_2025.xml'));
    expect(book.map((r) => r.pmid)).toEqual(['20301577']);
    expect(book[0]!.xml.startsWith('<PubmedBookArticle>')).toBe(true);
    // ErratumIn carries a second PMID (35767954) inside the record.
    expect(corpusFromPubmedXml(fixture('efetch_pubmed_erratumin_2025.xml')).map((r) => r.pmid)).toEqual([
      '35649368',
    ]);
  });

  it('agrees with the parser on every record it cuts', () => {
    for (const name of [
      'efetch_pubmed_2articles_nonmedline_entity_2025.xml',
      'efetch_pubmed_retracted_retractionin_2011.xml',
      'pubmed_xml_publisher_aheadofprint_3records.xml',
      'efetch_pubmed_vernacular_numeric_entities_2025.xml',
    ]) {
      const corpus = corpusFromPubmedXml(fixture(name));
      const parsed = parsePubmedXml(fixture(name), name).citations;
      expect(corpus.map((r) => [r.pmid, r.createdDate])).toEqual(parsed.map((c) => [c.pmid, c.createdDate]));
    }
  });

  it('refuses text without records, or a record without a date', () => {
    expect(() => corpusFromPubmedXml('<PubmedArticleSet></PubmedArticleSet>', 'empty.xml')).toThrow(
      /^empty.xml: no PubmedArticle/,
    );
    expect(() =>
      corpusFromPubmedXml(
        '<PubmedArticle><MedlineCitation><PMID Version="1">1</PMID></MedlineCitation></PubmedArticle>',
      ),
    ).toThrow(InputError);
  });
});

describe('syntheticCorpus', () => {
  it('gives distinct PMIDs and DOIs on dates inside the range, the same for the same seed', () => {
    const corpus = syntheticCorpus(500, { from: '2024-02-20', to: '2024-03-05', seed: 9 });
    expect(new Set(corpus.map((r) => r.pmid)).size).toBe(500);
    expect(corpus.every((r) => r.createdDate >= '2024-02-20' && r.createdDate <= '2024-03-05')).toBe(true);
    expect(new Set(corpus.map((r) => r.createdDate)).size).toBe(15);
    expect(syntheticCorpus(500, { from: '2024-02-20', to: '2024-03-05', seed: 9 })).toEqual(corpus);
    expect(syntheticCorpus(5, { from: '2024-02-20', to: '2024-03-05', seed: 10 })[0]!.xml).not.toBe(
      corpus[0]!.xml,
    );
  });

  it.each([false, true])('writes records the parser reads back (compact: %s)', (compact) => {
    const corpus = syntheticCorpus(50, {
      from: '2023-12-30',
      to: '2024-01-02',
      seed: 4,
      compact,
      firstPmid: 100,
    });
    const xml = `<?xml version="1.0" ?>\n<PubmedArticleSet>\n${corpus.map((r) => r.xml).join('\n')}\n</PubmedArticleSet>`;
    const { citations } = parsePubmedXml(xml, 'synthetic');
    expect(citations.map((c) => [c.pmid, c.createdDate])).toEqual(corpus.map((r) => [r.pmid, r.createdDate]));
    expect(new Set(citations.map((c) => c.doi)).size).toBe(50);
    expect(citations[0]).toMatchObject({
      pmid: '100',
      doi: '10.5555/lrm.synthetic.100',
      kind: 'journal-article',
    });
    expect(corpusFromPubmedXml(xml)).toEqual(corpus);
  });
});
