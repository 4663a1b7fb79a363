// A schema built on first use (shared/domain/lazy-schema.ts) is the schema itself to whoever reads it: it parses,
// fails, composes and answers `instanceof` exactly as the schema built at once does, and it is built once.
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { lazySchema } from '../../../shared/domain/lazy-schema.ts';

const eagerEvent = () =>
  z.object({
    type: z.literal('decision'),
    seq: z.number().int().min(1),
    note: z.string().nullable(),
    stage: z.enum(['title-abstract', 'full-text']).optional(),
  });

describe('lazySchema', () => {
  it('builds nothing until the schema is first read, then builds it once', () => {
    let builds = 0;
    const schema = lazySchema(() => {
      builds++;
      return eagerEvent();
    });
    expect(builds).toBe(0);
    schema.parse({ type: 'decision', seq: 1, note: null });
    schema.safeParse({ type: 'decision', seq: 2, note: 'n' });
    expect(schema.shape.seq).toBeDefined();
    expect(builds).toBe(1);
  });

  it('parses and fails exactly as the schema built at once', () => {
    const lazy = lazySchema(eagerEvent);
    const eager = eagerEvent();
    for (const input of [
      { type: 'decision', seq: 3, note: null, stage: 'full-text' },
      { type: 'decision', seq: 0, note: 1, stage: 'other', extra: true },
      null,
      'text',
    ]) {
      expect(lazy.safeParse(input)).toEqual(eager.safeParse(input));
    }
    expect(() => lazy.parse({ type: 'decision' })).toThrow(z.ZodError);
  });

  it('composes inside other schemas, lazy or not, and answers instanceof and in', () => {
    const event = lazySchema(eagerEvent);
    const other = lazySchema(() => z.object({ type: z.literal('duplicate'), of: z.string() }));
    const log = lazySchema(() => z.array(z.discriminatedUnion('type', [event, other])));
    const record = z.object({ id: z.string(), log, first: event.optional() });

    const parsed = record.parse({
      id: 'c1',
      log: [
        { type: 'decision', seq: 1, note: null },
        { type: 'duplicate', of: 'c0' },
      ],
    });
    expect(parsed.log).toHaveLength(2);
    expect(record.safeParse({ id: 'c1', log: [{ type: 'merged' }] }).success).toBe(false);
    expect(
      event.extend({ extra: z.boolean() }).parse({ type: 'decision', seq: 1, note: null, extra: true }),
    ).toMatchObject({ extra: true });

    expect(event instanceof z.ZodObject).toBe(true);
    expect(log instanceof z.ZodArray).toBe(true);
    expect('shape' in event).toBe(true);
    expect(Object.getPrototypeOf(event)).toBe(Object.getPrototypeOf(eagerEvent()));
  });

  it('takes what is defined on it (a spy) as the built schema does', () => {
    const schema = lazySchema(eagerEvent);
    const spy = vi.spyOn(schema, 'safeParse').mockImplementationOnce(() => ({ success: false }) as never);
    try {
      expect(schema.safeParse({ type: 'decision', seq: 1, note: null }).success).toBe(false);
      expect(spy).toHaveBeenCalledOnce();
    } finally {
      spy.mockRestore();
    }
    expect(schema.safeParse({ type: 'decision', seq: 1, note: null }).success).toBe(true);
  });
});
