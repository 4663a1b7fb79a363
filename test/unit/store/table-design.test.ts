import { describe, expect, it } from 'vitest';
import {
  citationItemKey,
  DEFAULT_TABLE_NAME,
  keyClaimItemKey,
  MAX_SORT_KEY_BYTES,
  QUEUE_INDEX,
  QUEUE_PROJECTED_ATTRIBUTES,
  queuePartition,
  queueSortKey,
  runLogItemKey,
  tableDefinition,
  tableNameFromEnv,
  watermarkItemKey,
} from '../../../shared/adapters/dynamodb/table-design.ts';

describe('table design', () => {
  it('names the table from LIVING_REVIEW_TABLE, else "living-review"', () => {
    expect(tableNameFromEnv({})).toBe(DEFAULT_TABLE_NAME);
    expect(tableNameFromEnv({ LIVING_REVIEW_TABLE: '  ' })).toBe('living-review');
    expect(tableNameFromEnv({ LIVING_REVIEW_TABLE: 'lr-prod' })).toBe('lr-prod');
  });

  it('keeps every item of a review in the review partition', () => {
    expect(citationItemKey('iesm', 'c1')).toEqual({ pk: 'REVIEW#iesm', sk: 'CITATION#c1' });
    expect(keyClaimItemKey('iesm', 'pmid:123')).toEqual({ pk: 'REVIEW#iesm', sk: 'KEY#pmid:123' });
    expect(keyClaimItemKey('iesm', 'doi:10.1/x')).toEqual({ pk: 'REVIEW#iesm', sk: 'KEY#doi:10.1/x' });
    expect(watermarkItemKey('iesm', 'pubmed')).toEqual({ pk: 'REVIEW#iesm', sk: 'WATERMARK#pubmed' });
    expect(runLogItemKey('iesm', '2026-03-02T06:00:00.000Z', 'r1')).toEqual({
      pk: 'REVIEW#iesm',
      sk: 'RUN#2026-03-02T06:00:00.000Z#r1',
    });
  });

  it('claims a key too long for a sort key under its kind and SHA-256', () => {
    const key = `title:${'a very long title '.repeat(70)}|2020|smith` as const;
    const claim = keyClaimItemKey('iesm', key);

    expect(claim.sk).toMatch(/^KEY#title:sha256:[0-9a-f]{64}$/);
    expect(keyClaimItemKey('iesm', `${key}x`).sk).not.toBe(claim.sk);
    const atLimit = `title:${'b'.repeat(MAX_SORT_KEY_BYTES - 'KEY#title:'.length)}` as const;
    expect(keyClaimItemKey('iesm', atLimit).sk).toBe(`KEY#${atLimit}`);
    expect(keyClaimItemKey('iesm', `${atLimit}é`).sk).toMatch(/^KEY#title:sha256:/);
  });

  it('orders the queue by arrival time, then id', () => {
    expect(queuePartition('iesm')).toBe('QUEUE#iesm#awaiting-screening');
    const keys = [
      queueSortKey('2026-03-02T06:00:00.001Z', 'ca'),
      queueSortKey('2026-03-02T06:00:00.000Z', 'cb'),
      queueSortKey('2026-03-02T06:00:00.000Z', 'ca'),
    ];
    expect([...keys].sort()).toEqual([keys[2], keys[1], keys[0]]);
  });

  it('defines an on-demand table with the queue index projecting only the queue fields', () => {
    const definition = tableDefinition('t1');
    expect(definition).toMatchObject({
      TableName: 't1',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    });
    expect(definition.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: QUEUE_INDEX,
        KeySchema: [
          { AttributeName: 'gsi1pk', KeyType: 'HASH' },
          { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: QUEUE_PROJECTED_ATTRIBUTES },
      },
    ]);
  });
});
