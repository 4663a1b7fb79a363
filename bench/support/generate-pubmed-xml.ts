// Writes a large PubMed XML file for benchmarks: the records of the NCBI fixtures (test/fixtures/pubmed),
// repeated in turn with fresh PMIDs until the file reaches the requested size. The mix keeps both layouts
// (compact 2025 efetch lines and pretty-printed older files), books, MathML and long reference lists.
// Usage: npx tsx bench/support/generate-pubmed-xml.ts OUT.xml [MEGABYTES=50]

import { once } from 'node:events';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { splitPubmedXml } from '../../shared/adapters/pubmed/xml-record-splitter.ts';

const FIXTURES = join(import.meta.dirname, '../../test/fixtures/pubmed');
const FIRST_PMID = 60_000_000;

/** Every PubmedArticle / PubmedBookArticle of the fixtures, as XML text. */
export function fixtureRecords(dir = FIXTURES): string[] {
  const records: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.xml')) continue;
    const xml = readFileSync(join(dir, name), 'utf8');
    if (!/<PubmedArticleSet[\s>]/.test(xml.slice(0, 1000))) continue;
    for (const raw of splitPubmedXml(xml, name)) if (raw.name !== 'DeleteCitation') records.push(raw.xml);
  }
  return records;
}

/** The record with its own PMID (first <PMID>, and its pubmed ArticleId) replaced. */
function withPmid(record: string, pmid: number): string {
  const own = /<PMID[^>]*>(\d+)<\/PMID>/.exec(record)?.[1];
  if (!own) throw new Error('fixture record without a PMID');
  return record
    .replace(/<PMID([^>]*)>\d+<\/PMID>/, `<PMID$1>${pmid}</PMID>`)
    .replaceAll(
      `<ArticleId IdType="pubmed">${own}</ArticleId>`,
      `<ArticleId IdType="pubmed">${pmid}</ArticleId>`,
    );
}

export interface GeneratedFile {
  path: string;
  bytes: number;
  records: number;
}

export async function generatePubmedXml(path: string, megabytes: number): Promise<GeneratedFile> {
  const templates = fixtureRecords();
  const target = megabytes * 1_000_000;
  const out = createWriteStream(path);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
    return Buffer.byteLength(text);
  };
  let bytes = await write(
    '<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n<PubmedArticleSet>\n',
  );
  let records = 0;
  const footer = '</PubmedArticleSet>\n';
  while (bytes + footer.length < target) {
    bytes += await write(`${withPmid(templates[records % templates.length]!, FIRST_PMID + records)}\n`);
    records++;
  }
  bytes += await write(footer);
  out.end();
  await once(out, 'finish');
  return { path, bytes, records };
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const [out, megabytes = '50'] = process.argv.slice(2);
  if (!out) {
    console.error('usage: generate-pubmed-xml.ts OUT.xml [MEGABYTES]');
    process.exit(2);
  }
  const file = await generatePubmedXml(out, Number(megabytes));
  console.log(`${file.path}: ${file.records} records, ${(file.bytes / 1e6).toFixed(1)} MB`);
}
