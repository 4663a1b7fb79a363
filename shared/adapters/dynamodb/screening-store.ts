// ScreeningStore over the single table (see table-design.ts for the citation items this adds to).
//
// | item | pk | sk | other attributes |
// |---|---|---|---|
// | screening event | `REVIEW#<reviewId>` | `SCREENING#<citationId>#<seq, 6 digits>` | type "screening-event", event (map) |
// | possible duplicate | `REVIEW#<reviewId>` | `POSSIBLE_DUPLICATE#<a>#<b>` (a < b) | type "possible-duplicate", the PossibleDuplicate fields |
// | citation (existing item) | `REVIEW#<reviewId>` | `CITATION#<citationId>` | + screeningStatus (derived), screeningVersion (the log position it reflects), gsi1pk `QUEUE#<reviewId>#<screeningStatus>` |
//
// Writes, all conditional single-item writes with deterministic keys (dynalite has no transactions):
// - append: PutItem of the event at its seq, if absent. Two writers racing for one position: one wins, the
//   other is told so and re-reads (shared/app/screening.ts). A retried append of the same event finds its
//   position taken and re-reads too, where it finds its own event id.
// - derived status: UpdateItem of the citation item, only if it is a citation and its screeningVersion is
//   older, so out-of-order writers can never move a status backwards. Moving gsi1pk in the same write moves
//   the citation to its new queue.
// - a pair's resolution: UpdateItem only while the pair is pending (the first resolution wins).
// Reads of one log are strongly consistent, so a writer always judges a decision against the latest log.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { type Citation, citationSchema } from '../../domain/citation/citation.ts';
import { type ScreeningEvent, screeningEventSchema } from '../../domain/screening/events.ts';
import { SCREENING_STATUSES, type ScreeningStatus } from '../../domain/screening/workflow.ts';
import { StoreError } from '../../errors.ts';
import {
  type PossibleDuplicate,
  possibleDuplicatePairId,
  type ScreeningQueueEntry,
  type ScreeningStore,
} from '../../ports/screening-store.ts';
import { toStoreError } from './citation-store.ts';
import { citationItemKey, type ItemKey, QUEUE_INDEX, queuePartition, reviewPk } from './table-design.ts';
import { queryAllPages } from './query-pages.ts';

export const SCREENING_PREFIX = 'SCREENING#';
export const POSSIBLE_DUPLICATE_PREFIX = 'POSSIBLE_DUPLICATE#';

export function screeningEventKey(reviewId: string, citationId: string, seq: number): ItemKey {
  return { pk: reviewPk(reviewId), sk: `${SCREENING_PREFIX}${citationId}#${String(seq).padStart(6, '0')}` };
}

export function possibleDuplicateKey(reviewId: string, pairId: string): ItemKey {
  const [a, b] = pairId.split('~');
  return { pk: reviewPk(reviewId), sk: `${POSSIBLE_DUPLICATE_PREFIX}${a}#${b}` };
}

const eventItemSchema = z.object({ type: z.literal('screening-event'), event: screeningEventSchema });

const possibleDuplicateSchema = z.object({
  pairId: z.string(),
  citationId: z.string(),
  twinId: z.string(),
  reason: z.string(),
  agreed: z.array(z.string()).optional(),
  differed: z.array(z.string()).optional(),
  score: z.number().nullable(),
  foundAt: z.string(),
  status: z.enum(['pending', 'confirmed', 'split']),
  resolvedBy: z.string().nullable(),
  resolvedAt: z.string().nullable(),
});

const queueItemSchema = z.object({
  citationId: z.string(),
  title: z.string(),
  year: z.number().int().nullable(),
  queuedAt: z.string(),
});

const citationItemSchema = z.object({ type: z.literal('citation'), citation: citationSchema });

function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException'
  );
}

function parse<T extends z.ZodType>(schema: T, item: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(item);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(item)'}: ${i.message}`).join('; ');
    throw new StoreError(`${what} does not have the expected shape: ${issues}`);
  }
  return parsed.data;
}

export interface DynamoScreeningStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

export class DynamoScreeningStore implements ScreeningStore {
  private readonly client: DynamoDBDocumentClient;
  readonly tableName: string;

  constructor(options: DynamoScreeningStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  async listEvents(reviewId: string, citationId: string): Promise<ScreeningEvent[]> {
    return this.queryEvents(
      reviewId,
      `${SCREENING_PREFIX}${citationId}#`,
      `the screening log of ${citationId}`,
    );
  }

  async listReviewEvents(reviewId: string): Promise<ScreeningEvent[]> {
    return this.queryEvents(reviewId, SCREENING_PREFIX, `the screening logs of review "${reviewId}"`);
  }

  async appendEvent(reviewId: string, event: ScreeningEvent): Promise<boolean> {
    const key = screeningEventKey(reviewId, event.citationId, event.seq);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key, type: 'screening-event', reviewId, event },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw toStoreError(error, 'PutItem', this.describe(reviewId, key));
    }
  }

  async saveStatus(reviewId: string, citationId: string, version: number, status: ScreeningStatus) {
    const key = citationItemKey(reviewId, citationId);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET screeningStatus = :status, screeningVersion = :version, gsi1pk = :queue',
          ConditionExpression:
            '#type = :citation AND (attribute_not_exists(screeningVersion) OR screeningVersion < :version)',
          ExpressionAttributeNames: { '#type': 'type' },
          ExpressionAttributeValues: {
            ':status': status,
            ':version': version,
            ':queue': queuePartition(reviewId, status),
            ':citation': 'citation',
          },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw toStoreError(error, 'UpdateItem', this.describe(reviewId, key));
      // A newer status is there already (fine), or this is not a citation (a caller's mistake).
      const { Item } = await this.get(key, this.describe(reviewId, key));
      if (Item?.type !== 'citation') {
        throw new StoreError(`review "${reviewId}": ${citationId} is not a stored citation`);
      }
    }
  }

  async listCitations(reviewId: string): Promise<ScreeningQueueEntry[]> {
    // One query per queue: the index projects the small queue fields, and the partition names the status.
    const queues = await Promise.all(
      SCREENING_STATUSES.map(async (status) => {
        const items = await this.queryAll(
          {
            TableName: this.tableName,
            IndexName: QUEUE_INDEX,
            KeyConditionExpression: 'gsi1pk = :queue',
            ExpressionAttributeValues: { ':queue': queuePartition(reviewId, status) },
          },
          `the ${status} queue of review "${reviewId}"`,
        );
        return items.map((item) => ({
          ...parse(queueItemSchema, item, `a queue entry of "${reviewId}"`),
          status,
        }));
      }),
    );
    // The index is eventually consistent on AWS: an item moving between queues may briefly show in both.
    const byId = new Map<string, ScreeningQueueEntry>();
    for (const entry of queues.flat()) byId.set(entry.citationId, entry);
    return [...byId.values()].sort(
      (a, b) => a.queuedAt.localeCompare(b.queuedAt) || a.citationId.localeCompare(b.citationId),
    );
  }

  /**
   * The citation alone, whatever its screening status (the screening use cases need only the record). Null
   * when there is no citation under that id (nothing, or a duplicate's redirect).
   */
  async getCitation(reviewId: string, citationId: string): Promise<{ citation: Citation } | null> {
    const key = citationItemKey(reviewId, citationId);
    const what = this.describe(reviewId, key);
    const { Item } = await this.get(key, what);
    if (Item?.type !== 'citation') return null;
    return { citation: parse(citationItemSchema, Item, what).citation };
  }

  async recordPossibleDuplicate(
    reviewId: string,
    pair: Pick<
      PossibleDuplicate,
      'citationId' | 'twinId' | 'reason' | 'score' | 'foundAt' | 'agreed' | 'differed'
    >,
  ): Promise<PossibleDuplicate> {
    if (pair.citationId === pair.twinId)
      throw new StoreError('a citation cannot be its own possible duplicate');
    const pairId = possibleDuplicatePairId(pair.citationId, pair.twinId);
    const key = possibleDuplicateKey(reviewId, pairId);
    const item: PossibleDuplicate = {
      pairId,
      ...pair,
      status: 'pending',
      resolvedBy: null,
      resolvedAt: null,
    };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key, type: 'possible-duplicate', reviewId, ...item },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return item;
    } catch (error) {
      if (!isConditionFailure(error)) throw toStoreError(error, 'PutItem', this.describe(reviewId, key));
      const existing = await this.getPossibleDuplicate(reviewId, pairId);
      if (!existing) throw new StoreError(`review "${reviewId}": pair ${pairId} vanished`);
      return existing;
    }
  }

  async getPossibleDuplicate(reviewId: string, pairId: string): Promise<PossibleDuplicate | null> {
    if (!/^[^~#]+~[^~#]+$/.test(pairId)) return null;
    const key = possibleDuplicateKey(reviewId, pairId);
    const what = this.describe(reviewId, key);
    const { Item } = await this.get(key, what);
    return Item ? parse(possibleDuplicateSchema, Item, what) : null;
  }

  async listPossibleDuplicates(reviewId: string): Promise<PossibleDuplicate[]> {
    const items = await this.queryAll(
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': reviewPk(reviewId), ':prefix': POSSIBLE_DUPLICATE_PREFIX },
        ConsistentRead: true,
      },
      `the possible duplicates of review "${reviewId}"`,
    );
    return items.map((item) => parse(possibleDuplicateSchema, item, `a possible duplicate of "${reviewId}"`));
  }

  async resolvePossibleDuplicate(
    reviewId: string,
    pairId: string,
    resolution: { status: 'confirmed' | 'split'; resolvedBy: string; resolvedAt: string },
  ): Promise<{ resolved: boolean; pair: PossibleDuplicate }> {
    const key = possibleDuplicateKey(reviewId, pairId);
    const what = this.describe(reviewId, key);
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET #status = :status, resolvedBy = :by, resolvedAt = :at',
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': resolution.status,
            ':by': resolution.resolvedBy,
            ':at': resolution.resolvedAt,
            ':pending': 'pending',
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { resolved: true, pair: parse(possibleDuplicateSchema, Attributes, what) };
    } catch (error) {
      if (!isConditionFailure(error)) throw toStoreError(error, 'UpdateItem', what);
      const pair = await this.getPossibleDuplicate(reviewId, pairId);
      if (!pair) throw new StoreError(`review "${reviewId}": no possible-duplicate pair ${pairId}`);
      return { resolved: false, pair };
    }
  }

  private async queryEvents(reviewId: string, prefix: string, what: string): Promise<ScreeningEvent[]> {
    const items = await this.queryAll(
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': reviewPk(reviewId), ':prefix': prefix },
        ConsistentRead: true,
      },
      what,
    );
    return items.map((item) => parse(eventItemSchema, item, what).event);
  }

  private describe(reviewId: string, key: ItemKey): string {
    return `review "${reviewId}", item ${key.sk} in table "${this.tableName}"`;
  }

  private async get(key: ItemKey, what: string) {
    try {
      return await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
      );
    } catch (error) {
      throw toStoreError(error, 'GetItem', what);
    }
  }

  private async queryAll(input: QueryCommandInput, what: string): Promise<Record<string, unknown>[]> {
    return queryAllPages(this.client, input, what);
  }
}
