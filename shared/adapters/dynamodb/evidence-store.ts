// EvidenceStore over the single table (table-design.ts): included studies, patient rows and versioned
// statistics snapshots, all in the review's partition.
//
// | item | pk | sk | other attributes |
// |---|---|---|---|
// | included study | `REVIEW#<reviewId>` | `STUDY#<citationId>` | type "included-study", reviewId, citationId, includedAt, includedBy, source ("screening" or "manual"), title, pmid, doi, year, retracted, retractedAt, withdrawn (null or a map {at, by, reason}; absent on older items) |
// | patient row | `REVIEW#<reviewId>` | `PATIENT#<studyId>#<patientId>` | type "patient-row", reviewId, studyId, patientId, row (the validated PatientRow as a map), origin (file name), importedAt |
// | statistics snapshot | `REVIEW#<reviewId>` | `SNAPSHOT#<version, 9 digits>` | type "statistics-snapshot", version, generatedAt, patients, studies, jsonBytes, storedBytes, parts, writeId, body (binary: the first part of gzip(JSON {snapshot, diff})) |
// | snapshot part | `REVIEW#<reviewId>` | `SNAPSHOT_PART#<version, 9 digits>#<writeId>#<part, 3 digits>` | type "snapshot-part", body (binary: part 1, 2, ... of the same gzip) |
// | latest snapshot | `REVIEW#<reviewId>` | `SNAPSHOT_LATEST` | type "snapshot-pointer", version, updatedAt |
//
// Access patterns:
// - include a study: PutItem STUDY# if absent (attribute_not_exists(pk)); already there -> GetItem returns the
//   inclusion as first recorded. Retraction: UpdateItem SET retracted = true if the study exists and is not
//   flagged yet. Withdrawal: UpdateItem SET withdrawn = {at, by, reason} if the study exists and withdrawn is
//   absent or NULL, so the first withdrawal is kept; a failed condition reads the item back, and tries again if
//   the study was included in between.
// - the included studies / the patient rows: Query pk with begins_with(sk, "STUDY#" / "PATIENT#"), strongly
//   consistent, paginated.
// - write patient rows: BatchWriteItem, 25 puts a request, unprocessed items retried with backoff. A put
//   replaces the item with the same key, so a repeated or resumed import writes the same data again.
// - snapshots: the body is JSON {snapshot, diff}, always gzip-compressed (130 patients: 56 KB of JSON -> 6 KB;
//   100,000 patients with a diff naming every added patient: 2.1 MB -> 458 KB, over DynamoDB's 400 KB item
//   limit). It is cut into parts of at most 350,000 bytes: part 0 rides in the snapshot item, the others in
//   SNAPSHOT_PART# items written FIRST under a writeId of their own, so two writers racing for one version
//   never overwrite each other's parts. The snapshot item is then put only if its version is free
//   (attribute_not_exists(pk)): exactly one writer wins a version; the loser deletes its parts.
// - the latest version: GetItem SNAPSHOT_LATEST, moved by UpdateItem with version = :from (or absent for the
//   first), so it only ever moves one version forward. Snapshots are written before the pointer moves; after a
//   crash between the two, the pointer lags by one version until the next recompute finds the version taken
//   and moves it (shared/app/recompute-statistics.ts).
// - the version history: Query begins_with(sk, "SNAPSHOT#") projecting version and generatedAt.
//
// DynamoDB Streams (NEW_AND_OLD_IMAGES) on the table feed functions/recompute-stats, filtered to the STUDY# and
// PATIENT# items; the snapshot items themselves never trigger a recompute.
import { randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { PatientRow } from '../../domain/extraction/patient-row.ts';
import type { SnapshotDiff, StatisticsSnapshot } from '../../domain/stats/snapshot.ts';
import { InputError, StoreError } from '../../errors.ts';
import type {
  EvidenceStore,
  IncludedStudy,
  StoredPatientRow,
  StoredSnapshot,
  StudyWithdrawal,
} from '../../ports/evidence-store.ts';
import { parseItem, TableAccess } from './table-access.ts';
import { type ItemKey, reviewPk } from './table-design.ts';
import { DynamoVerificationStore } from './verification-store.ts';

export const STUDY_PREFIX = 'STUDY#';
export const PATIENT_PREFIX = 'PATIENT#';
export const SNAPSHOT_PREFIX = 'SNAPSHOT#';
export const SNAPSHOT_PART_PREFIX = 'SNAPSHOT_PART#';
export const SNAPSHOT_LATEST_SK = 'SNAPSHOT_LATEST';

/** Largest gzip part stored in one item (DynamoDB's item limit is 400 KB, names and keys included). */
export const SNAPSHOT_PART_BYTES = 350_000;

export function studyItemKey(reviewId: string, citationId: string): ItemKey {
  return { pk: reviewPk(reviewId), sk: `${STUDY_PREFIX}${citationId}` };
}

export function patientRowItemKey(reviewId: string, studyId: string, patientId: string): ItemKey {
  // "#" separates the two ids: a study id holding one could make two different rows share a key.
  if (studyId.includes('#')) throw new InputError(`study id "${studyId}" must not contain "#"`);
  return { pk: reviewPk(reviewId), sk: `${PATIENT_PREFIX}${studyId}#${patientId}` };
}

function versionText(version: number): string {
  if (!Number.isInteger(version) || version < 1 || version > 999_999_999) {
    throw new RangeError(`snapshot version must be an integer from 1 to 999999999, not ${version}`);
  }
  return String(version).padStart(9, '0');
}

export function snapshotItemKey(reviewId: string, version: number): ItemKey {
  return { pk: reviewPk(reviewId), sk: `${SNAPSHOT_PREFIX}${versionText(version)}` };
}

export function snapshotPartItemKey(
  reviewId: string,
  version: number,
  writeId: string,
  part: number,
): ItemKey {
  return {
    pk: reviewPk(reviewId),
    sk: `${SNAPSHOT_PART_PREFIX}${versionText(version)}#${writeId}#${String(part).padStart(3, '0')}`,
  };
}

export function latestSnapshotItemKey(reviewId: string): ItemKey {
  return { pk: reviewPk(reviewId), sk: SNAPSHOT_LATEST_SK };
}

// ---------------------------------------------------------------------------------------------------------
// Item schemas: everything read back is validated before it leaves the adapter.

const studyItemSchema = z.object({
  type: z.literal('included-study'),
  reviewId: z.string(),
  citationId: z.string(),
  includedAt: z.string(),
  includedBy: z.string(),
  source: z.enum(['screening', 'manual']),
  title: z.string(),
  pmid: z.string().nullable(),
  doi: z.string().nullable(),
  year: z.number().int().nullable(),
  retracted: z.boolean(),
  retractedAt: z.string().nullable(),
  // Absent on items written before withdrawals existed: read as null.
  withdrawn: z
    .object({ at: z.string(), by: z.string(), reason: z.string() })
    .nullish()
    .transform((value) => value ?? null),
});

/**
 * A stored patient row: its ids and one value per variable as the import validated it against the protocol of
 * the day (numbers, level or text strings, yes/no booleans, lists of levels, null). Whether it still fits the
 * protocol is the recompute's question (completeRows), not the store's.
 */
export const storedPatientRowSchema = z
  .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.null()]))
  .refine(
    (row) =>
      typeof row.patientId === 'string' &&
      row.patientId !== '' &&
      typeof row.studyId === 'string' &&
      row.studyId !== '',
    'expected a patientId and a studyId',
  )
  .transform((row) => row as unknown as PatientRow);

const patientItemSchema = z.object({
  type: z.literal('patient-row'),
  studyId: z.string(),
  patientId: z.string(),
  row: storedPatientRowSchema,
  origin: z.string(),
  importedAt: z.string(),
});

const binarySchema = z.instanceof(Uint8Array);

const snapshotItemSchema = z.object({
  type: z.literal('statistics-snapshot'),
  version: z.number().int().min(1),
  generatedAt: z.string(),
  jsonBytes: z.number().int(),
  storedBytes: z.number().int(),
  parts: z.number().int().min(1),
  writeId: z.string(),
  body: binarySchema,
});

const partItemSchema = z.object({ type: z.literal('snapshot-part'), body: binarySchema });

const pointerItemSchema = z.object({ version: z.number().int().min(0) });

const snapshotEnvelope = {
  reviewId: z.string(),
  version: z.number().int().min(1),
  generatedAt: z.string(),
  patients: z.looseObject({ count: z.number(), synthetic: z.number(), ids: z.array(z.string()) }),
  studies: z.looseObject({ ids: z.array(z.string()), count: z.number() }),
  tables: z.looseObject({ tables: z.array(z.unknown()) }),
};

/** A Kaplan-Meier summary as schema version 1 stored it. */
const v1KmSchema = z.object({
  n: z.number(),
  events: z.number(),
  unknown: z.number(),
  median: z.number().nullable(),
  lcl: z.number().nullable(),
  ucl: z.number().nullable(),
  confType: z.enum(['log', 'log-log']),
});

/**
 * The stored JSON: the snapshot's envelope is checked, the rest is what the domain wrote. Snapshots of schema
 * version 1 (written before the statistics followed the protocol: two fixed curves "os" and "lc" and the
 * reverse-KM follow-up of "os") are read in today's layout, so the first recompute after an upgrade compares
 * like with like and a diff across the change never fails.
 */
const snapshotBodySchema = z.object({
  snapshot: z.union([
    z.looseObject({
      ...snapshotEnvelope,
      schemaVersion: z.literal(2),
      variables: z.record(z.string(), z.unknown()),
      survival: z.looseObject({
        curves: z.record(z.string(), z.unknown()),
        logrank: z.record(z.string(), z.unknown()),
      }),
      // Cox models (absent in snapshots stored before models existed, or when the protocol declares none).
      cox: z.record(z.string(), z.looseObject({ endpoint: z.string() })).optional(),
    }),
    z
      .looseObject({
        ...snapshotEnvelope,
        schemaVersion: z.literal(1),
        km: z.object({ os: v1KmSchema, lc: v1KmSchema, followUp: v1KmSchema }),
      })
      .transform(({ km, schemaVersion: _v1, ...rest }) => {
        const group = (summary: z.infer<typeof v1KmSchema>) => ({
          group: null,
          n: summary.n,
          events: summary.events,
          median: summary.median,
          lower: summary.lcl,
          upper: summary.ucl,
        });
        const curve = (endpoint: 'os' | 'lc') => ({
          endpoint,
          by: null,
          used: km[endpoint].n,
          notReported: km[endpoint].unknown,
          groups: [group(km[endpoint])],
        });
        return {
          ...rest,
          schemaVersion: 2 as const,
          variables: {},
          survival: {
            confType: km.os.confType,
            curves: { os: curve('os'), lc: curve('lc') },
            logrank: {},
            followUp: { os: group(km.followUp) },
          },
        };
      }),
  ]),
  diff: z
    .looseObject({ fromVersion: z.number(), toVersion: z.number(), changed: z.boolean() })
    // A version-1 diff listed KM changes in the old shape: the change list is dropped, the rest kept.
    .transform((diff) =>
      Array.isArray(diff.logrank) ? diff : { ...diff, km: [], logrank: [], variables: [] },
    )
    .nullable(),
});

// ---------------------------------------------------------------------------------------------------------

/** Splits `data` into pieces of at most `size` bytes (at least one piece). */
function chunks(data: Uint8Array, size: number): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  for (let start = 0; start < data.length || pieces.length === 0; start += size) {
    pieces.push(data.subarray(start, start + size));
  }
  return pieces;
}

export interface DynamoEvidenceStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

export class DynamoEvidenceStore implements EvidenceStore {
  private readonly table: TableAccess;
  readonly tableName: string;
  readonly verification: DynamoVerificationStore;

  constructor(options: DynamoEvidenceStoreOptions) {
    this.table = new TableAccess(options.client, options.tableName);
    this.tableName = options.tableName;
    this.verification = new DynamoVerificationStore(options);
  }

  // -------------------------------------------------------------------------------------------------------
  // Included studies

  async includeStudy(study: IncludedStudy): Promise<{ created: boolean; study: IncludedStudy }> {
    const key = studyItemKey(study.reviewId, study.citationId);
    const what = this.describe(study.reviewId, key);
    if (await this.table.putIfAbsent({ ...key, type: 'included-study', ...study }, what)) {
      return { created: true, study };
    }
    const existing = await this.getIncludedStudy(study.reviewId, study.citationId);
    if (!existing) throw new StoreError(`${what} was there a moment ago and is gone`, { retryable: true });
    return { created: false, study: existing };
  }

  async getIncludedStudy(reviewId: string, citationId: string): Promise<IncludedStudy | null> {
    const key = studyItemKey(reviewId, citationId);
    const item = await this.get(key, this.describe(reviewId, key));
    return item ? toStudy(this.parse(studyItemSchema, item, this.describe(reviewId, key))) : null;
  }

  async listIncludedStudies(reviewId: string): Promise<IncludedStudy[]> {
    const items = await this.queryPrefix(
      reviewId,
      STUDY_PREFIX,
      `the included studies of review "${reviewId}"`,
    );
    return items.map((item) =>
      toStudy(this.parse(studyItemSchema, item, `an included study of review "${reviewId}"`)),
    );
  }

  async markStudyRetracted(reviewId: string, citationId: string, retractedAt: string): Promise<boolean> {
    const key = studyItemKey(reviewId, citationId);
    const what = this.describe(reviewId, key);
    const marked = await this.table.conditionalUpdate(
      {
        Key: key,
        UpdateExpression: 'SET retracted = :true, retractedAt = :at',
        ConditionExpression: '#type = :study AND retracted = :false',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: {
          ':true': true,
          ':false': false,
          ':at': retractedAt,
          ':study': 'included-study',
        },
      },
      what,
    );
    if (marked) return true;
    if (!(await this.get(key, what))) {
      throw new StoreError(`review "${reviewId}": ${citationId} is not an included study`);
    }
    return false;
  }

  async withdrawStudy(
    reviewId: string,
    citationId: string,
    withdrawal: StudyWithdrawal,
  ): Promise<{ changed: boolean; study: IncludedStudy } | null> {
    const key = studyItemKey(reviewId, citationId);
    const what = this.describe(reviewId, key);
    // The condition fails for two reasons: the study is already withdrawn, or there was no study yet. In the
    // second case an inclusion may land between the failed update and the read, which then finds a study that
    // is not withdrawn: the withdrawal was never written, so it is tried again against the study that now exists.
    for (let attempt = 1; ; attempt++) {
      const result = await this.table.conditionalUpdate(
        {
          Key: key,
          UpdateExpression: 'SET withdrawn = :withdrawn',
          ConditionExpression:
            '#type = :study AND (attribute_not_exists(withdrawn) OR attribute_type(withdrawn, :null))',
          ExpressionAttributeNames: { '#type': 'type' },
          ExpressionAttributeValues: {
            ':withdrawn': { at: withdrawal.at, by: withdrawal.by, reason: withdrawal.reason },
            ':study': 'included-study',
            ':null': 'NULL',
          },
          ReturnValues: 'ALL_NEW',
        },
        what,
      );
      if (result)
        return { changed: true, study: toStudy(this.parse(studyItemSchema, result.Attributes, what)) };
      const existing = await this.getIncludedStudy(reviewId, citationId);
      if (!existing) return null;
      if (existing.withdrawn) return { changed: false, study: existing };
      // A study item never loses its withdrawal, so a second miss means the store is not behaving.
      if (attempt >= 3) {
        throw new StoreError(`${what}: the withdrawal's condition keeps failing on a study not withdrawn`, {
          retryable: true,
        });
      }
    }
  }

  // -------------------------------------------------------------------------------------------------------
  // Patient rows

  async listPatientRows(reviewId: string): Promise<StoredPatientRow[]> {
    const items = await this.queryPrefix(
      reviewId,
      PATIENT_PREFIX,
      `the patient rows of review "${reviewId}"`,
    );
    return items.map((item) => {
      const parsed = this.parse(
        patientItemSchema,
        item,
        `patient row ${String(item.sk)} of review "${reviewId}"`,
      );
      return { row: parsed.row, origin: parsed.origin, importedAt: parsed.importedAt };
    });
  }

  async putPatientRows(reviewId: string, rows: readonly StoredPatientRow[]): Promise<void> {
    const requests = rows.map(({ row, origin, importedAt }) => ({
      PutRequest: {
        Item: {
          ...patientRowItemKey(reviewId, row.studyId, row.patientId),
          type: 'patient-row',
          reviewId,
          studyId: row.studyId,
          patientId: row.patientId,
          row,
          origin,
          importedAt,
        },
      },
    }));
    await this.batchWrite(requests, `patient rows of review "${reviewId}"`);
  }

  async deletePatientRows(
    reviewId: string,
    keys: readonly { studyId: string; patientId: string }[],
  ): Promise<void> {
    const requests = keys.map(({ studyId, patientId }) => ({
      DeleteRequest: { Key: patientRowItemKey(reviewId, studyId, patientId) },
    }));
    await this.batchWrite(requests, `patient rows of review "${reviewId}"`);
  }

  // -------------------------------------------------------------------------------------------------------
  // Snapshots

  async latestSnapshotVersion(reviewId: string): Promise<number> {
    const key = latestSnapshotItemKey(reviewId);
    const item = await this.get(key, this.describe(reviewId, key));
    return item ? this.parse(pointerItemSchema, item, this.describe(reviewId, key)).version : 0;
  }

  async getSnapshot(reviewId: string, version: number): Promise<StoredSnapshot | null> {
    const key = snapshotItemKey(reviewId, version);
    const what = this.describe(reviewId, key);
    const item = await this.get(key, what);
    if (!item) return null;
    const head = this.parse(snapshotItemSchema, item, what);
    const parts: Uint8Array[] = [head.body];
    for (let part = 1; part < head.parts; part++) {
      const partKey = snapshotPartItemKey(reviewId, version, head.writeId, part);
      const partWhat = this.describe(reviewId, partKey);
      const partItem = await this.get(partKey, partWhat);
      if (!partItem) throw new StoreError(`${what}: its part ${part} (${partKey.sk}) is missing`);
      parts.push(this.parse(partItemSchema, partItem, partWhat).body);
    }
    let body: unknown;
    try {
      body = JSON.parse(gunzipSync(Buffer.concat(parts)).toString('utf8'));
    } catch (error) {
      throw new StoreError(`${what}: the stored body does not decompress to JSON`, { cause: error });
    }
    const parsed = this.parse(snapshotBodySchema, body, what);
    if (parsed.snapshot.version !== version || parsed.snapshot.reviewId !== reviewId) {
      throw new StoreError(
        `${what} holds version ${parsed.snapshot.version} of review "${parsed.snapshot.reviewId}"`,
      );
    }
    return {
      // The envelope is checked above; the rest is the JSON the domain wrote for this very version.
      snapshot: parsed.snapshot as unknown as StatisticsSnapshot,
      diff: parsed.diff as unknown as SnapshotDiff | null,
      storage: { jsonBytes: head.jsonBytes, storedBytes: head.storedBytes, items: head.parts },
    };
  }

  async putSnapshot(
    reviewId: string,
    snapshot: StatisticsSnapshot,
    diff: SnapshotDiff | null,
  ): Promise<boolean> {
    if (snapshot.reviewId !== reviewId) {
      throw new RangeError(`putSnapshot: snapshot of review "${snapshot.reviewId}" given for "${reviewId}"`);
    }
    const version = snapshot.version;
    const json = Buffer.from(JSON.stringify({ snapshot, diff }), 'utf8');
    const gzip = gzipSync(json);
    const parts = chunks(gzip, SNAPSHOT_PART_BYTES);
    const writeId = randomUUID().replaceAll('-', '').slice(0, 16);
    const partKeys = parts
      .slice(1)
      .map((_, index) => snapshotPartItemKey(reviewId, version, writeId, index + 1));

    // Parts first, under this write's own id: nobody else writes these keys.
    for (const [index, partKey] of partKeys.entries()) {
      await this.put(
        { ...partKey, type: 'snapshot-part', reviewId, version, writeId, body: parts[index + 1]! },
        this.describe(reviewId, partKey),
      );
    }
    const key = snapshotItemKey(reviewId, version);
    const what = this.describe(reviewId, key);
    const head = {
      ...key,
      type: 'statistics-snapshot',
      reviewId,
      version,
      generatedAt: snapshot.generatedAt,
      patients: snapshot.patients.count,
      studies: snapshot.studies.count,
      jsonBytes: json.length,
      storedBytes: gzip.length,
      parts: parts.length,
      writeId,
      body: parts[0]!,
    };
    if (await this.table.putIfAbsent(head, what)) return true;
    // Another writer holds this version: our parts are nobody's.
    for (const partKey of partKeys) {
      try {
        await this.table.delete(partKey, this.describe(reviewId, partKey));
      } catch {
        // An orphan part is harmless (no snapshot names its writeId); leave it.
      }
    }
    return false;
  }

  async advanceLatestSnapshot(reviewId: string, from: number, to: number): Promise<boolean> {
    const key = latestSnapshotItemKey(reviewId);
    const what = this.describe(reviewId, key);
    const moved = await this.table.conditionalUpdate(
      {
        Key: key,
        UpdateExpression: 'SET #type = :type, version = :to, updatedAt = :at',
        ConditionExpression: from === 0 ? 'attribute_not_exists(version)' : 'version = :from',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: {
          ':type': 'snapshot-pointer',
          ':to': to,
          ':at': new Date().toISOString(),
          ...(from === 0 ? {} : { ':from': from }),
        },
      },
      what,
    );
    return moved !== null;
  }

  async listSnapshotVersions(reviewId: string): Promise<{ version: number; generatedAt: string }[]> {
    const items = await this.queryPrefix(
      reviewId,
      SNAPSHOT_PREFIX,
      `the snapshots of review "${reviewId}"`,
      'version, generatedAt',
    );
    const schema = z.object({ version: z.number().int(), generatedAt: z.string() });
    return items.map((item) => this.parse(schema, item, `a snapshot of review "${reviewId}"`));
  }

  // -------------------------------------------------------------------------------------------------------
  // Primitives

  private describe(reviewId: string, key: ItemKey): string {
    return this.table.describe(reviewId, key);
  }

  private parse<T extends z.ZodType>(schema: T, item: unknown, what: string): z.output<T> {
    return parseItem(schema, item, what, 5);
  }

  private get(key: ItemKey, what: string): Promise<Record<string, unknown> | undefined> {
    return this.table.get(key, what);
  }

  private put(item: Record<string, unknown>, what: string): Promise<void> {
    return this.table.put({ Item: item }, what);
  }

  private queryPrefix(
    reviewId: string,
    prefix: string,
    what: string,
    projection?: string,
  ): Promise<Record<string, unknown>[]> {
    return this.table.queryPrefix({ reviewId, prefix, ...(projection ? { projection } : {}) }, what);
  }

  private batchWrite(requests: readonly Record<string, unknown>[], what: string): Promise<void> {
    return this.table.batchWrite(requests, what);
  }
}

function toStudy(item: z.infer<typeof studyItemSchema>): IncludedStudy {
  const { type: _type, ...study } = item;
  return study;
}
