// The one formatter of validation problems: "place: message", the root named when the value itself is wrong,
// and (on request) one line per unknown key, named by its own path.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatIssues, issueLines } from '../../../shared/domain/zod-issues.ts';

const schema = z.strictObject({ a: z.string(), inner: z.strictObject({ n: z.number() }) });

describe('issue formatting', () => {
  it('names each problem by its path, and the root by the name given', () => {
    const error = schema.safeParse({ a: 1, inner: { n: 'x' } }).error!;
    expect(formatIssues(error, '(item)')).toBe(
      'a: Invalid input: expected string, received number; inner.n: Invalid input: expected number, received string',
    );
    expect(formatIssues(z.string().safeParse(3).error!, '(item)')).toBe(
      '(item): Invalid input: expected string, received number',
    );
  });

  it('gives each unknown key a line of its own when asked, and one line for all otherwise', () => {
    const issues = schema.safeParse({ a: 'x', inner: { n: 1, typo: 1, other: 2 } }).error!.issues;
    expect(issueLines(issues, { eachUnknownKey: 'unknown field' })).toEqual([
      'inner.typo: unknown field',
      'inner.other: unknown field',
    ]);
    expect(issueLines(issues)).toEqual(['inner: Unrecognized keys: "typo", "other"']);
  });

  it('shows at most `limit` problems', () => {
    const error = schema.safeParse({}).error!;
    expect(issueLines(error.issues, { limit: 1 })).toHaveLength(1);
  });
});
