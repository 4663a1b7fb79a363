// PubMed XML (efetch responses, baseline and update files) to Citations. The document is cut into records by
// a hand-written splitter and each record is read by a strict tree reader (xml-tree.ts) that checks
// well-formedness as it goes, so truncated or corrupted input is an InputError rather than fewer records.
import type { Citation } from '../../domain/citation/citation.ts';
import { InputError } from '../../errors.ts';
import { parsePubmedFileRecords } from './parse-pubmed-file.ts';
import { parsePubmedRecord } from './parse-pubmed-record.ts';
import { splitPubmedXml } from './xml-record-splitter.ts';

export interface ParsedPubmedXml {
  citations: Citation[];
  deletedPmids: string[];
}

export type PubmedFileItem = { citation: Citation } | { deletedPmids: string[] };

export interface ParsePubmedFileOptions {
  /**
   * Worker threads to parse records in while this thread reads and splits the file. Default 0: parse in
   * this thread, which measured faster on two cores (see bench/parse.bench.ts).
   */
  workers?: number;
}

/**
 * Parse a whole efetch response / PubMed XML file. `origin` names the place in errors (file path or URL).
 * All or nothing: any bad record throws InputError and nothing is returned.
 */
export function parsePubmedXml(xml: string, origin: string): ParsedPubmedXml {
  if (typeof xml !== 'string') throw new InputError(`${origin}: expected XML text`);
  const citations: Citation[] = [];
  const deletedPmids: string[] = [];
  for (const raw of splitPubmedXml(xml, origin)) {
    const parsed = parsePubmedRecord(raw, origin);
    if ('citation' in parsed) citations.push(parsed.citation);
    else deletedPmids.push(...parsed.deletedPmids);
  }
  return { citations, deletedPmids };
}

/**
 * Bounded-memory parse of a file of any size: yields parsed records in order. Memory stays at a few
 * megabytes of text in flight whatever the file size. Throws InputError at the first bad record (records
 * before it have been yielded by then: callers that need all-or-nothing must buffer).
 */
export function parsePubmedFile(
  path: string,
  options: ParsePubmedFileOptions = {},
): AsyncIterable<PubmedFileItem> {
  return parsePubmedFileRecords(path, options);
}
