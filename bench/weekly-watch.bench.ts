// What a weekly run of a review with 50 included studies costs each source, at the real polite rates (E-utilities
// 3/s without a key, Europe PMC 5/s, OpenAlex 10/s, Crossref 5/s lowered to what its headers state), against
// the loopback stand-ins enforcing those services' limits: requests per source and endpoint, OpenAlex's spend of
// its $1 daily budget, the most requests any service saw in one second, and the wall time. Prints figures,
// asserts nothing (the weekly-cost test asserts the counts).
//
//   npx tsx bench/weekly-watch.bench.ts
import { describeRequests } from '../shared/domain/monitor/request-counts.ts';
import { weeklyWatchCost } from '../test/support/weekly-watch.ts';

const cost = await weeklyWatchCost({ politeRates: true });
console.log(
  'weekly run, 50 included studies (48 published, 2 newly screened and seeded), 10 new PubMed records',
);
for (const result of cost.results) {
  const requests =
    result.status === 'succeeded' ? describeRequests(result.run.requests ?? {}) : result.status;
  console.log(`  ${result.source.padEnd(20)} ${requests}`);
}
console.log(`  ${'crossref'.padEnd(20)} ${describeRequests(cost.crossref)} (retraction watch, 52 DOIs)`);
console.log(
  `  OpenAlex spend: $${cost.openAlexSpentUsd.toFixed(4)} of the free $1.00 a day (${((cost.openAlexSpentUsd / 1) * 100).toFixed(2)}%)`,
);
console.log(
  `  most requests in any one second: ${Object.entries(cost.maxPerSecond)
    .map(([service, n]) => `${service} ${n}`)
    .join(', ')}`,
);
console.log(`  wall time (search and retraction watch): ${(cost.durationMs / 1000).toFixed(1)} s`);
