// Blocking: a record is compared only with records that share at least one key with it, so the work grows with
// the number of likely matches instead of with the square of the collection. Every key comes from the record
// alone (no collection statistics), so a record gets the same keys whether it is deduplicated in one batch or
// checked on arrival against stored records.
import type { PreparedRecord } from './pair-score.ts';

/** Words a title's beginning key is made of. */
const TITLE_START_WORDS = 4;
/** Longest words of a title that make its order-free key (survives reordering and a changed beginning). */
const LONG_WORDS = 3;

/**
 * The keys of a record:
 * - `t:` the first four words of each title form (the whole title, each language of a bilingual title);
 * - `w:` the three longest words of each title form, sorted (a changed first word, a subtitle dropped);
 * - `l:` year + volume + first page (the publication's place, whatever the title says or its language);
 * - `a:` first author + year + first page (the same when the volume is missing).
 * Identifiers make no blocking key: records sharing a PMID or DOI meet through the store's key claims (and
 * in one batch through the in-memory index's exact comparisons), and a shared identifier alone never makes
 * a duplicate when the titles differ.
 */
export function blockingKeys(record: PreparedRecord): string[] {
  const keys = new Set<string>();
  for (const title of record.titles) {
    keys.add(`t:${title.tokens.slice(0, TITLE_START_WORDS).join(' ')}`);
    if (title.tokens.length >= LONG_WORDS) {
      const longest = [...new Set(title.tokens)]
        .sort((x, y) => y.length - x.length || (x < y ? -1 : x > y ? 1 : 0))
        .slice(0, LONG_WORDS)
        .sort();
      keys.add(`w:${longest.join(' ')}`);
    }
  }
  const firstAuthor = record.authors[0]?.family;
  for (const page of record.pages ?? []) {
    if (record.year !== null && record.volume !== null) keys.add(`l:${record.year}|${record.volume}|${page}`);
    if (record.year !== null && firstAuthor) keys.add(`a:${firstAuthor}|${record.year}|${page}`);
  }
  return [...keys];
}
