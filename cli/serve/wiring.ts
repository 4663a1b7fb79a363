// The screening use cases over the embedded store: what `serve`, `screen` and `status` share.
import { randomUUID } from 'node:crypto';
import { DynamoScreeningStore } from '../../shared/adapters/dynamodb/screening-store.ts';
import { type EmbeddedStore, openEmbeddedStore } from '../../shared/adapters/embedded/embedded-store.ts';
import type { ScreeningDeps } from '../../shared/app/screening.ts';

export interface EmbeddedScreening {
  embedded: EmbeddedStore;
  screening: DynamoScreeningStore;
  deps: ScreeningDeps;
  close(): Promise<void>;
}

export async function openEmbeddedScreening(dataDir: string): Promise<EmbeddedScreening> {
  const embedded = await openEmbeddedStore({ dataDir });
  const screening = new DynamoScreeningStore({ client: embedded.client, tableName: embedded.tableName });
  return {
    embedded,
    screening,
    deps: { citations: screening, screening, clock: () => new Date(), newId: randomUUID },
    close: () => embedded.close(),
  };
}
