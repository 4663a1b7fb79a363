// Paging a list to its end and reconciling it with the count the service stated: what every paged client here
// does the same way (Europe PMC's cursorMark, OpenAlex's cursor, ClinicalTrials.gov's page token, Crossref's
// next-cursor). A smaller answer is never taken for a complete one:
//
// - an item that comes back twice, or more items than counted, fails the list;
// - a later page that counts differently (the list changed while it was paged) fails it;
// - the list ends when every counted item has arrived; a page that ends it early (empty, no next cursor, or the
//   cursor it was asked with sent back) fails it, naming how many of how many arrived.
//
// Each failure is built by the client (`fail`), so it is the client's error class, retryable: the next run reads
// the window again.

/** One answered page: the count it states (null when only the first page states one), the next cursor. */
export interface CountedPage<T> {
  count: number | null;
  next: string | null;
  items: T[];
}

export interface ReconciledPagesOptions<T> {
  /** The first page's cursor ("*", or null for a list with no cursor on its first request). */
  first: string | null;
  fetch: (cursor: string | null) => Promise<CountedPage<T>>;
  idOf: (item: T) => string;
  /** What the items are, e.g. "records"; and the singular for one of them, e.g. "record". */
  noun: { one: string; many: string };
  /** The service, as the messages name it ("Europe PMC"). */
  service: string;
  /** The client's error for a list that cannot be complete. */
  fail: (message: string) => Error;
}

/** Every page of the list, each yielded once checked, with the list's count. */
export async function* reconciledPages<T>(
  options: ReconciledPagesOptions<T>,
): AsyncGenerator<{ count: number; items: T[] }, void, undefined> {
  const { noun, fail } = options;
  const seen = new Set<string>();
  let cursor = options.first;
  let count: number | null = null;
  for (let page = 1; ; page++) {
    const answer = await options.fetch(cursor);
    if (count === null) {
      if (answer.count === null) throw fail(`the first page states no count of ${noun.many}`);
      count = answer.count;
    } else if (answer.count !== null && answer.count !== count) {
      throw fail(
        `page ${page} counts ${answer.count} ${noun.many} where the first page counted ${count}: the window changed while it was being paged. Run it again.`,
      );
    }
    for (const item of answer.items) {
      const id = options.idOf(item);
      if (seen.has(id)) {
        throw fail(
          `${noun.one} ${id} came back twice (again on page ${page}); the cursor is not a stable list`,
        );
      }
      seen.add(id);
    }
    if (seen.size > count) throw fail(`fetched ${seen.size} ${noun.many}, more than the ${count} counted`);
    yield { count, items: answer.items };
    if (seen.size === count) return;
    const next = answer.next;
    if (next === null || next === cursor || answer.items.length === 0) {
      throw fail(
        `fetched ${seen.size} of ${count} ${noun.many}: ${options.service} ${
          answer.items.length === 0
            ? 'answered an empty page (the end of the results)'
            : next === null
              ? 'gave no next cursor'
              : `sent back the same cursor (${next}): it does not advance`
        } on page ${page}. The run stops here rather than report a smaller window as complete.`,
      );
    }
    cursor = next;
  }
}
