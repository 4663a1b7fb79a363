// What the digest, report and retraction functions share: the table client, the citation store over it, the
// protocols by id, and the { reviewId } event every schedule sends.
import { z } from 'zod';
import { DynamoCitationStore } from '../../shared/adapters/dynamodb/citation-store.ts';
import { createDynamoClient } from '../../shared/adapters/dynamodb/dynamo-client.ts';
import type { Protocol } from '../../shared/domain/protocol/protocol.ts';
import { ProtocolError } from '../../shared/errors.ts';

/** A scheduled (or operator's) invocation of one review. */
export const reviewEventSchema = z.object({
  reviewId: z.string().min(1),
  scheduledTime: z.string().optional(),
  executionId: z.string().optional(),
});

export function tableClient(tableName: string) {
  return { client: createDynamoClient(), tableName };
}

export function citationStoreOf(table: ReturnType<typeof tableClient>) {
  return new DynamoCitationStore(table);
}

/** A lookup of the bundled protocols that fails naming the known ones. */
export function protocolsById(protocols: readonly Protocol[]): (reviewId: string) => Protocol {
  const byId = new Map(protocols.map((p) => [p.id, p]));
  return (reviewId) => {
    const protocol = byId.get(reviewId);
    if (!protocol) {
      throw new ProtocolError(
        `no protocol for review "${reviewId}" (bundled: ${[...byId.keys()].join(', ') || 'none'})`,
      );
    }
    return protocol;
  };
}
