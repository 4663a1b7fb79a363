// CitationWatchStore and OngoingStudyStore over the single table (table-design.ts), in the review's partition.
//
// | item | pk | sk | other attributes |
// |---|---|---|---|
// | study relation | `REVIEW#<reviewId>` | `RELATION#<citationId>#<studyId>#<cites or cited-by>` | type "study-relation", reviewId, citationId, studyId, direction, sources (string set), firstFoundAt |
// | seed marker | `REVIEW#<reviewId>` | `WATCH_SEEDED#<source>#<studyId>` | type "watch-seeded", source, studyId, seededAt |
// | registration | `REVIEW#<reviewId>` | `TRIAL#<registry>#<id>` (TRIAL#clinicaltrials#NCT01234567) | type "trial-registration", registration (map), lastUpdatePosted, firstSeenAt, updatedAt |
// | preprint | `REVIEW#<reviewId>` | `PREPRINT#<Europe PMC id>` | type "preprint", preprintId, citationId, publishedPmid and publishedDoi (null while pending), status ("pending" or "linked"), at |
//
// Access patterns, single-item writes that are no-ops or the same change when repeated:
// - a relation: UpdateItem ADD sources :source, SET firstFoundAt if_not_exists: a relation two sources report
//   is one item listing both; listed with a Query on RELATION#.
// - seed markers: PutItem (the same item again changes nothing that matters); read with a Query on
//   WATCH_SEEDED#<source>#.
// - a preprint: PutItem of a pending one only if absent or pending; a linked one (its published version's PMID
//   known) replaces it (a linked preprint never goes back to pending); the pending ones are a Query on PREPRINT#
//   filtered on status. A pending one may carry the published DOI bioRxiv/medRxiv named, its PMID not yet known.
// - a registration: PutItem if absent ('new'); else UpdateItem conditional on a stored lastUpdatePosted older
//   than the arriving one ('updated'); a failed condition is 'unchanged'. Listed with a Query on TRIAL#.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { RelationDirection } from '../../domain/watch/study-relation.ts';
import type { TrialRegistration } from '../../domain/watch/trial-registration.ts';
import type {
  CitationWatchStore,
  OngoingStudyStore,
  RegistrationOutcome,
  StoredPreprint,
  StoredRegistration,
  StoredRelation,
} from '../../ports/watch-store.ts';
import { parseItem, TableAccess } from './table-access.ts';
import { type ItemKey, keyPart, reviewPk } from './table-design.ts';

export const RELATION_PREFIX = 'RELATION#';
export const SEEDED_PREFIX = 'WATCH_SEEDED#';
export const TRIAL_PREFIX = 'TRIAL#';
export const PREPRINT_PREFIX = 'PREPRINT#';

export function relationKey(
  reviewId: string,
  citationId: string,
  studyId: string,
  direction: RelationDirection,
): ItemKey {
  return {
    pk: reviewPk(reviewId),
    sk: `${RELATION_PREFIX}${keyPart(citationId, 'a citation id')}#${keyPart(studyId, 'a study id')}#${direction}`,
  };
}

export function seededKey(reviewId: string, source: string, studyId: string): ItemKey {
  return {
    pk: reviewPk(reviewId),
    sk: `${SEEDED_PREFIX}${keyPart(source, 'a source')}#${keyPart(studyId, 'a study id')}`,
  };
}

export function registrationKey(reviewId: string, registry: string, id: string): ItemKey {
  return {
    pk: reviewPk(reviewId),
    sk: `${TRIAL_PREFIX}${keyPart(registry, 'a registry')}#${keyPart(id, 'a registry id')}`,
  };
}

const stringSet = z.union([z.set(z.string()), z.array(z.string())]).transform((value) => [...value].sort());

const relationSchema = z.object({
  reviewId: z.string(),
  citationId: z.string(),
  studyId: z.string(),
  direction: z.enum(['cites', 'cited-by']),
  sources: stringSet,
  firstFoundAt: z.string(),
});

const seededSchema = z.object({ studyId: z.string() });

const preprintSchema = z.object({
  reviewId: z.string(),
  preprintId: z.string(),
  citationId: z.string(),
  publishedPmid: z.string().nullable(),
  /** Absent on items written before bioRxiv/medRxiv's links were read. */
  publishedDoi: z.string().nullable().default(null),
  status: z.enum(['pending', 'linked']),
  at: z.string(),
});

const registrationSchema = z.object({
  registry: z.string(),
  id: z.string(),
  title: z.string(),
  status: z.string().nullable(),
  conditions: z.array(z.string()),
  interventions: z.array(z.string()),
  sponsor: z.string().nullable(),
  studyType: z.string().nullable(),
  phases: z.array(z.string()),
  enrollment: z.number().nullable(),
  startDate: z.string().nullable(),
  completionDate: z.string().nullable(),
  firstPosted: z.string().nullable(),
  lastUpdatePosted: z.string(),
  hasResults: z.boolean(),
});

const storedRegistrationSchema = z.object({
  reviewId: z.string(),
  registration: registrationSchema,
  firstSeenAt: z.string(),
  updatedAt: z.string().nullable(),
});

export class DynamoWatchStore implements CitationWatchStore, OngoingStudyStore {
  private readonly table: TableAccess;

  constructor(options: { client: DynamoDBDocumentClient; tableName: string }) {
    this.table = new TableAccess(options.client, options.tableName);
  }

  async recordRelation(relation: {
    reviewId: string;
    citationId: string;
    studyId: string;
    direction: RelationDirection;
    source: string;
    foundAt: string;
  }): Promise<void> {
    const key = relationKey(relation.reviewId, relation.citationId, relation.studyId, relation.direction);
    await this.update(relation.reviewId, key, {
      UpdateExpression:
        'SET #type = :type, reviewId = :review, citationId = :citation, studyId = :study, direction = :direction, firstFoundAt = if_not_exists(firstFoundAt, :at) ADD sources :source',
      ExpressionAttributeNames: { '#type': 'type' },
      ExpressionAttributeValues: {
        ':type': 'study-relation',
        ':review': relation.reviewId,
        ':citation': relation.citationId,
        ':study': relation.studyId,
        ':direction': relation.direction,
        ':at': relation.foundAt,
        ':source': new Set([relation.source]),
      },
    });
  }

  async listRelations(reviewId: string): Promise<StoredRelation[]> {
    const items = await this.query(reviewId, RELATION_PREFIX, `the study relations of review "${reviewId}"`);
    return items.map((item) => this.parse(relationSchema, item, `a study relation of review "${reviewId}"`));
  }

  async seededStudies(reviewId: string, source: string): Promise<Set<string>> {
    const items = await this.query(
      reviewId,
      `${SEEDED_PREFIX}${keyPart(source, 'a source')}#`,
      `the ${source} seed markers of review "${reviewId}"`,
    );
    return new Set(items.map((item) => this.parse(seededSchema, item, 'a seed marker').studyId));
  }

  async markSeeded(reviewId: string, source: string, studyIds: readonly string[], at: string): Promise<void> {
    for (const studyId of studyIds) {
      const key = seededKey(reviewId, source, studyId);
      await this.table.put(
        { Item: { ...key, type: 'watch-seeded', reviewId, source, studyId, seededAt: at } },
        this.describe(reviewId, key),
      );
    }
  }

  async recordPreprint(preprint: StoredPreprint): Promise<void> {
    const key = {
      pk: reviewPk(preprint.reviewId),
      sk: `${PREPRINT_PREFIX}${keyPart(preprint.preprintId, 'a preprint id')}`,
    };
    // Linked once the published version's PMID is known; a DOI alone (bioRxiv/medRxiv's) keeps it pending, so
    // the PMID is looked up again each run.
    const linked = preprint.publishedPmid !== null;
    // A pending record never replaces a linked one (the condition fails and nothing is written).
    await this.table.conditionalPut(
      {
        Item: { ...key, type: 'preprint', ...preprint, status: linked ? 'linked' : 'pending' },
        ...(linked
          ? {}
          : {
              ConditionExpression: 'attribute_not_exists(pk) OR #status = :pending',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':pending': 'pending' },
            }),
      },
      this.describe(preprint.reviewId, key),
    );
  }

  async pendingPreprints(reviewId: string): Promise<StoredPreprint[]> {
    const items = await this.query(reviewId, PREPRINT_PREFIX, `the preprints of review "${reviewId}"`);
    return items
      .map((item) => this.parse(preprintSchema, item, `a preprint of review "${reviewId}"`))
      .filter((p) => p.status === 'pending')
      .map(({ status: _status, ...preprint }) => preprint);
  }

  async recordRegistration(
    reviewId: string,
    registration: TrialRegistration,
    now: Date,
  ): Promise<RegistrationOutcome> {
    const key = registrationKey(reviewId, registration.registry, registration.id);
    const at = now.toISOString();
    const first = {
      ...key,
      type: 'trial-registration',
      reviewId,
      registration,
      lastUpdatePosted: registration.lastUpdatePosted,
      firstSeenAt: at,
      updatedAt: null,
    };
    if (await this.table.putIfAbsent(first, this.describe(reviewId, key))) return 'new';
    const updated = await this.update(
      reviewId,
      key,
      {
        UpdateExpression: 'SET registration = :registration, lastUpdatePosted = :posted, updatedAt = :at',
        ConditionExpression: 'lastUpdatePosted < :posted',
        ExpressionAttributeValues: {
          ':registration': registration,
          ':posted': registration.lastUpdatePosted,
          ':at': at,
        },
      },
      true,
    );
    return updated ? 'updated' : 'unchanged';
  }

  async listRegistrations(reviewId: string): Promise<StoredRegistration[]> {
    const items = await this.query(reviewId, TRIAL_PREFIX, `the ongoing studies of review "${reviewId}"`);
    return items.map((item) =>
      this.parse(storedRegistrationSchema, item, `an ongoing study of review "${reviewId}"`),
    );
  }

  // -------------------------------------------------------------------------------------------------------

  /** An UpdateItem; with `conditional`, false when its condition failed. */
  private async update(
    reviewId: string,
    key: ItemKey,
    input: {
      UpdateExpression: string;
      ConditionExpression?: string;
      ExpressionAttributeNames?: Record<string, string>;
      ExpressionAttributeValues: Record<string, unknown>;
    },
    conditional = false,
  ): Promise<boolean> {
    const what = this.describe(reviewId, key);
    if (!conditional) {
      await this.table.update({ Key: key, ...input }, what);
      return true;
    }
    return (await this.table.conditionalUpdate({ Key: key, ...input }, what)) !== null;
  }

  private query(reviewId: string, prefix: string, what: string): Promise<Record<string, unknown>[]> {
    return this.table.queryPrefix({ reviewId, prefix }, what);
  }

  private parse<T extends z.ZodType>(schema: T, item: unknown, what: string): z.output<T> {
    return parseItem(schema, item, what);
  }

  private describe(reviewId: string, key: ItemKey): string {
    return this.table.describe(reviewId, key);
  }
}
