// The screening use cases over a table (the embedded store, or a deployment's with --aws-table): what `serve`,
// `screen`, `decisions`, `status` and `include` share. A record that becomes included becomes an included
// study, one an arbiter excludes after its inclusion has it withdrawn (screening-outcomes.ts), and the
// statistics are recomputed, since no stream does it locally: at once for a command, which waits for it; after
// the answer for `serve` (`recomputeInBackground`), as the stream does on AWS, so a decision that includes a
// study does not wait for the statistics (it took twice as long as another decision with three screeners at
// once). Recomputes of a review never overlap there: one asked for while another runs runs once after it.
import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoAppraisalStore } from '../../shared/adapters/dynamodb/appraisal-store.ts';
import { DynamoDigestStore } from '../../shared/adapters/dynamodb/digest-store.ts';
import { DynamoEvidenceStore } from '../../shared/adapters/dynamodb/evidence-store.ts';
import { DynamoScreeningStore } from '../../shared/adapters/dynamodb/screening-store.ts';
import { type EmbeddedStore, openEmbeddedStore } from '../../shared/adapters/embedded/embedded-store.ts';
import type { AppraisalDeps } from '../../shared/app/appraisal.ts';
import { pooledStudies } from '../../shared/app/include-study.ts';
import type { ScreeningDeps, StatusDeps } from '../../shared/app/screening.ts';
import { screeningOutcomeHooks } from '../../shared/app/screening-outcomes.ts';
import type { VerificationDeps } from '../../shared/app/verify-extraction.ts';
import type { Protocol } from '../../shared/domain/protocol/protocol.ts';
import { cliStoreIdleMs } from '../store-directory.ts';

export interface ScreeningWiring {
  /** Brings a review's statistics up to date (in the background with ScreeningOptions.recomputeInBackground). */
  recompute(reviewId: string): Promise<void>;
  /** Resolves once no recompute runs in the background. */
  settled(): Promise<void>;
  screening: DynamoScreeningStore;
  evidence: DynamoEvidenceStore;
  deps: ScreeningDeps;
  /** The appraisal use cases over the same table. */
  appraisal: AppraisalDeps;
  /** The extraction-verification use cases over the same table (the statistics recomputed after each change). */
  verification: VerificationDeps;
}

export interface ScreeningOptions {
  /** Recompute after answering (serve); a recompute that fails is reported here, not to the request. */
  recomputeInBackground?: { onError(reviewId: string, error: unknown): void };
}

/**
 * Runs `work(reviewId)` in the background, one run at a time per review: asked again while one runs, it runs
 * once more after that one (however often it was asked). `settled()` resolves when none runs.
 */
export function coalescedPerReview(
  work: (reviewId: string) => Promise<void>,
  onError: (reviewId: string, error: unknown) => void,
): { schedule(reviewId: string): void; settled(): Promise<void> } {
  const running = new Map<string, Promise<void>>();
  const again = new Set<string>();
  return {
    schedule(reviewId) {
      if (running.has(reviewId)) {
        again.add(reviewId);
        return;
      }
      const run = (async () => {
        do {
          again.delete(reviewId);
          try {
            await work(reviewId);
          } catch (error) {
            onError(reviewId, error);
          }
        } while (again.has(reviewId));
        running.delete(reviewId);
      })();
      running.set(reviewId, run);
    },
    async settled() {
      while (running.size > 0) await Promise.all(running.values());
    },
  };
}

/** `protocols` give each review's onRetraction rule to the statistics (default: exclude-patients). */
export function screeningOver(
  table: { client: DynamoDBDocumentClient; tableName: string },
  protocols: readonly Protocol[],
  options: ScreeningOptions = {},
): ScreeningWiring {
  const screening = new DynamoScreeningStore({ client: table.client, tableName: table.tableName });
  const evidence = new DynamoEvidenceStore({ client: table.client, tableName: table.tableName });
  const clock = () => new Date();
  const recompute = async (reviewId: string) => {
    // Without the protocol (a review the server was not started for) the stream-less recompute waits for the
    // next command that has it.
    const protocol = protocols.find((p) => p.id === reviewId);
    if (!protocol) return;
    // Loaded when a change needs it: the statistics are most of what this wiring would load, and `status`,
    // `decisions` and the screening page's reads never recompute.
    const { recomputeStatistics } = await import('../../shared/app/recompute-statistics.ts');
    await recomputeStatistics({ protocol }, { evidence, clock });
  };
  const background = options.recomputeInBackground
    ? coalescedPerReview(recompute, options.recomputeInBackground.onError)
    : null;
  const afterChange = background ? async (reviewId: string) => background.schedule(reviewId) : recompute;
  return {
    recompute: afterChange,
    settled: () => background?.settled() ?? Promise.resolve(),
    screening,
    evidence,
    deps: {
      citations: screening,
      screening,
      clock,
      newId: randomUUID,
      ...screeningOutcomeHooks({
        citations: screening,
        evidence,
        clock,
        afterChange,
      }),
    },
    appraisal: {
      appraisal: new DynamoAppraisalStore({ client: table.client, tableName: table.tableName }),
      evidence,
      citations: screening,
      clock,
      newId: randomUUID,
    },
    verification: { evidence, clock, newId: randomUUID, afterChange },
  };
}

/** What `status` reads besides screening: the included studies as the statistics pool them, the merges. */
export function statusDepsOver(
  wiring: ScreeningWiring,
  table: { client: DynamoDBDocumentClient; tableName: string },
  protocol: Protocol,
): StatusDeps {
  const digests = new DynamoDigestStore({ client: table.client, tableName: table.tableName });
  return {
    ...wiring.deps,
    includedStudies: async () =>
      pooledStudies(await wiring.evidence.listIncludedStudies(protocol.id), protocol.onRetraction).length,
    citationSources: () => digests.listCitationSources(protocol.id),
  };
}

export interface EmbeddedScreening extends ScreeningWiring {
  embedded: EmbeddedStore;
  close(): Promise<void>;
}

export async function openEmbeddedScreening(
  dataDir: string,
  protocols: readonly Protocol[] = [],
  options: ScreeningOptions = {},
): Promise<EmbeddedScreening> {
  // The idle period every command's server gets (cli/store-directory.ts), whichever command started it.
  const embedded = await openEmbeddedStore({ dataDir, serverIdleMs: cliStoreIdleMs() });
  const wiring = screeningOver(embedded, protocols, options);
  return {
    embedded,
    ...wiring,
    close: async () => {
      await wiring.settled();
      await embedded.close();
    },
  };
}
