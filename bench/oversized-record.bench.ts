// Benchmark "one oversized PubMed record" (issue #16 item 8): the splitter used to join every 64 KB chunk to
// all the bytes of the open record before it, so one record cost quadratic time (20 MB 6 s, 40 MB 29 s,
// 80 MB 170 s). This cuts one record of 20, 40 and 80 MB (the size cap lifted) in 64 KB chunks, as
// parsePubmedFile reads a file, and prints the time, MB/s and bytes copied per byte: linear work shows as a
// flat MB/s and a constant copy ratio. Then, with the default cap, how soon an 80 MB record is refused, and
// what parsing the largest record the cap admits costs.
// Usage: npx tsx bench/oversized-record.bench.ts
import { parsePubmedXml } from '../shared/adapters/pubmed/parse-pubmed-xml.ts';
import { MAX_RECORD_BYTES, PubmedRecordSplitter } from '../shared/adapters/pubmed/xml-record-splitter.ts';

const CHUNK = 1 << 16;

/** A PubmedArticleSet holding one record of about `bytes` bytes (a long structured abstract). */
function documentWithOneRecord(bytes: number): Buffer {
  const section = `<AbstractText Label="RESULTS">${'Overall survival was longer after resection. '.repeat(40)}</AbstractText>`;
  const abstract = `<Abstract>${section.repeat(Math.ceil(bytes / section.length))}</Abstract>`;
  return Buffer.from(
    `<?xml version="1.0" ?>\n<PubmedArticleSet>\n<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">999</PMID><Article PubModel="Print"><Journal><JournalIssue><PubDate><Year>2024</Year></PubDate></JournalIssue><Title>J</Title></Journal><ArticleTitle>Big</ArticleTitle>${abstract}<Language>eng</Language></Article></MedlineCitation></PubmedArticle>\n</PubmedArticleSet>\n`,
    'utf8',
  );
}

function split(bytes: Buffer, maxRecordBytes: number) {
  const splitter = new PubmedRecordSplitter('bench.xml', { maxRecordBytes });
  const started = performance.now();
  let records = 0;
  let error: string | null = null;
  try {
    for (let at = 0; at < bytes.length; at += CHUNK)
      records += splitter.push(bytes.subarray(at, at + CHUNK)).length;
    records += splitter.end().length;
  } catch (caught) {
    error = (caught as Error).message;
  }
  return { seconds: (performance.now() - started) / 1000, records, copied: splitter.bytesCopied, error };
}

console.log(`one record cut from 64 KB chunks, the size cap lifted (median of 3 runs):`);
console.log('record MB  seconds     MB/s  bytes copied per byte');
for (const megabytes of [20, 40, 80]) {
  const bytes = documentWithOneRecord(megabytes * 1e6);
  const runs = [0, 1, 2].map(() => split(bytes, Number.POSITIVE_INFINITY));
  const seconds = runs.map((r) => r.seconds).sort((a, b) => a - b)[1]!;
  const { copied, records } = runs[0]!;
  if (records !== 1) throw new Error(`expected 1 record, got ${records}`);
  console.log(
    `${String(megabytes).padStart(9)}  ${seconds.toFixed(3).padStart(7)}  ${(bytes.length / 1e6 / seconds).toFixed(0).padStart(7)}  ${(copied / bytes.length).toFixed(2).padStart(21)}`,
  );
}

const refused = split(documentWithOneRecord(80e6), MAX_RECORD_BYTES);
console.log(
  `\ndefault cap (${MAX_RECORD_BYTES / 2 ** 20} MiB): an 80 MB record is refused after ${refused.seconds.toFixed(3)} s: ${refused.error}`,
);

const largest = documentWithOneRecord(MAX_RECORD_BYTES - 4096).toString('utf8');
const started = performance.now();
const { citations } = parsePubmedXml(largest, 'bench.xml');
const seconds = (performance.now() - started) / 1000;
console.log(
  `parsing a ${(largest.length / 1e6).toFixed(1)} MB record (just under the cap) to a citation: ${seconds.toFixed(2)} s, ` +
    `${citations.length} citation, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
);
