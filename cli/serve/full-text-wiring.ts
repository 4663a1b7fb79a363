// The full-text view `serve` offers over a table, in its own module: its Unpaywall client brings the HTTP client
// (undici), which the other screening commands (`status`, `screen`, `decisions`, ...) need not load at start.
import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoFullTextStore } from '../../shared/adapters/dynamodb/full-text-store.ts';
import { DynamoScreeningStore } from '../../shared/adapters/dynamodb/screening-store.ts';
import { UnpaywallClient, unpaywallConfigFromEnv } from '../../shared/adapters/unpaywall/unpaywall-client.ts';
import type { FullTextDeps } from '../../shared/app/full-text.ts';
import type { AttachmentStorage } from '../../shared/ports/full-text.ts';

/**
 * The full-text view over the table: open-access lookups through Unpaywall when UNPAYWALL_EMAIL is set (the
 * stand-in or a mirror with UNPAYWALL_BASE_URL), attachments stored by `attachments` (none: uploads off).
 */
export function fullTextOver(
  table: { client: DynamoDBDocumentClient; tableName: string },
  attachments: AttachmentStorage | null,
  env: Record<string, string | undefined> = process.env,
): FullTextDeps & { close(): Promise<void> } {
  const config = unpaywallConfigFromEnv(env);
  const unpaywall = config ? new UnpaywallClient(config) : null;
  return {
    citations: new DynamoScreeningStore({ client: table.client, tableName: table.tableName }),
    store: new DynamoFullTextStore(table.client, table.tableName),
    openAccess: unpaywall,
    storage: attachments,
    clock: () => new Date(),
    newId: randomUUID,
    close: async () => {
      await unpaywall?.close();
    },
  };
}
