import { ConditionalCheckFailedException, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { isRetryableStoreFailure, toStoreError } from '../../../shared/adapters/dynamodb/table-access.ts';
import { StoreError } from '../../../shared/errors.ts';

const sdkError = (name: string, status: number, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status }, ...extra });

describe('isRetryableStoreFailure', () => {
  it.each([
    ['ProvisionedThroughputExceededException', 400],
    ['ThrottlingException', 400],
    ['RequestLimitExceeded', 400],
    ['InternalServerError', 500],
    ['ServiceUnavailable', 503],
  ])('retries %s', (name, status) => {
    expect(isRetryableStoreFailure(sdkError(name, status))).toBe(true);
  });

  it('retries any 5xx and dropped connections', () => {
    expect(isRetryableStoreFailure(sdkError('Whatever', 502))).toBe(true);
    expect(isRetryableStoreFailure(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isRetryableStoreFailure(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(true);
  });

  it('does not retry validation errors, missing tables or non-errors', () => {
    expect(isRetryableStoreFailure(sdkError('ValidationException', 400))).toBe(false);
    expect(
      isRetryableStoreFailure(new ResourceNotFoundException({ message: 'no table', $metadata: {} })),
    ).toBe(false);
    expect(isRetryableStoreFailure(null)).toBe(false);
    expect(isRetryableStoreFailure('boom')).toBe(false);
  });
});

describe('toStoreError', () => {
  it('names the operation and the item, keeps the cause, and carries retryability', () => {
    const cause = sdkError('ThrottlingException', 400);
    const error = toStoreError(cause, 'PutItem', 'review "r", item KEY#pmid:1');

    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toBe(
      'DynamoDB PutItem failed for review "r", item KEY#pmid:1: ThrottlingException happened',
    );
    expect(error.cause).toBe(cause);
    expect(error.retryable).toBe(true);
  });

  it('adds the error name when the message lacks it', () => {
    const error = toStoreError(
      new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      'UpdateItem',
      'x',
    );
    expect(error.message).toBe(
      'DynamoDB UpdateItem failed for x: ConditionalCheckFailedException: The conditional request failed',
    );
    expect(error.retryable).toBe(false);
  });

  it('passes a StoreError through', () => {
    const original = new StoreError('already translated', { retryable: true });
    expect(toStoreError(original, 'Query', 'x')).toBe(original);
  });
});
