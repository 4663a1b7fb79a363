// What a validated protocol says to the use cases, apart from the protocol schema (protocol.ts): importing
// these builds no zod schema, which a command that only reads a protocol (the bundled CLI reads cached ones)
// would otherwise pay for at every start.
import type { AnalysisPlan } from './analysis.ts';
import type { Protocol, SourceName } from './protocol.ts';

/**
 * What the statistics of a review are computed from: its variables, tables and survival section (empty when
 * the protocol declares none: a review that screens but extracts nothing).
 */
export function analysisPlanOf(protocol: Protocol): AnalysisPlan {
  return {
    reviewId: protocol.id,
    variables: protocol.extraction?.variables ?? [],
    tables: protocol.tables ?? [],
    survival: protocol.survival ?? { confType: 'log', endpoints: [], comparisons: [], models: [] },
  };
}

/** The query a given source runs: its own, or the protocol's. */
export function sourceQuery(protocol: Protocol, source: SourceName): string {
  const configured = protocol.sources.find((s) => s.name === source);
  return (configured && 'query' in configured ? configured.query : undefined) ?? protocol.query;
}
