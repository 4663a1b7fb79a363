// What a weekly run of a review with 50 included studies costs each source (test/support/weekly-watch.ts): the
// requests are counted exactly, by source and endpoint, and OpenAlex's spend is far inside its free daily budget
// ($1 with a key). The same scenario at the real polite rates is bench/weekly-watch.bench.ts.
import { describe, expect, it } from 'vitest';
import { weeklyWatchCost } from '../../support/weekly-watch.ts';

describe('a weekly run for 50 included studies', () => {
  it("sends each source a handful of requests, and spends a tiny share of OpenAlex's daily budget", async () => {
    const cost = await weeklyWatchCost({ politeRates: false });
    expect(cost.results.map((r) => [r.source, r.status])).toEqual([
      ['pubmed', 'succeeded'],
      ['citations-europepmc', 'succeeded'],
      ['citations-openalex', 'succeeded'],
    ]);
    expect(cost.requests).toEqual({
      // One esearch, one efetch page of the ten new records.
      pubmed: { esearch: 1, efetch: 1 },
      // One search per included study for its citing works in the week's window (52), then each of the two new
      // inclusions' seed: every citing work, its reference list, and one search reading its 25 references.
      'citations-europepmc': { search: 52 + 2 * 2, references: 2 },
      // The 52 studies looked up by PMID (two calls of 50), the week's citing works of all (two calls), every
      // work citing the two new ones (one call), and each one's 25 references (one call each).
      'citations-openalex': { works: 2 + 2 + 1 + 2 },
    });
    // Two Crossref requests per 20 DOIs: 52 DOIs, three chunks.
    expect(cost.crossref).toEqual({ works: 6 });
    // OpenAlex charges $0.0001 per list call: seven calls, 0.07% of the free daily $1.
    expect(cost.openAlexSpentUsd).toBeCloseTo(0.0007, 8);
  });
});
