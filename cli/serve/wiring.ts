// The screening use cases over the embedded store: what `serve`, `screen` and `status` share. A record whose
// full text settles on "include" becomes an included study (includeStudy), and the statistics are recomputed
// at once, since no stream does it locally.
import { randomUUID } from 'node:crypto';
import { DynamoEvidenceStore } from '../../shared/adapters/dynamodb/evidence-store.ts';
import { DynamoScreeningStore } from '../../shared/adapters/dynamodb/screening-store.ts';
import { type EmbeddedStore, openEmbeddedStore } from '../../shared/adapters/embedded/embedded-store.ts';
import { includeStudy } from '../../shared/app/include-study.ts';
import { recomputeStatistics } from '../../shared/app/recompute-statistics.ts';
import type { ScreeningDeps } from '../../shared/app/screening.ts';
import type { Protocol } from '../../shared/domain/protocol/protocol.ts';

export interface EmbeddedScreening {
  embedded: EmbeddedStore;
  screening: DynamoScreeningStore;
  evidence: DynamoEvidenceStore;
  deps: ScreeningDeps;
  close(): Promise<void>;
}

/** `protocols` give each review's onRetraction rule to the statistics (default: exclude-patients). */
export async function openEmbeddedScreening(
  dataDir: string,
  protocols: readonly Protocol[] = [],
): Promise<EmbeddedScreening> {
  const embedded = await openEmbeddedStore({ dataDir });
  const screening = new DynamoScreeningStore({ client: embedded.client, tableName: embedded.tableName });
  const evidence = new DynamoEvidenceStore({ client: embedded.client, tableName: embedded.tableName });
  const clock = () => new Date();
  return {
    embedded,
    screening,
    evidence,
    deps: {
      citations: screening,
      screening,
      clock,
      newId: randomUUID,
      onIncluded: async ({ reviewId, citationId, includedBy }) => {
        const protocol = protocols.find((p) => p.id === reviewId);
        await includeStudy(
          { reviewId, citationId, includedBy, source: 'screening' },
          {
            citations: screening,
            evidence,
            clock,
            // Without the protocol (a review the server was not started for) the stream-less recompute waits
            // for the next command that has it.
            ...(protocol
              ? { afterInclusion: () => recomputeStatistics({ protocol }, { evidence, clock }) }
              : {}),
          },
        );
      },
    },
    close: () => embedded.close(),
  };
}
