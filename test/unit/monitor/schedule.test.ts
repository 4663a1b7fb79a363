import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, scheduledWindow, watermarkAfter } from '../../../shared/domain/monitor/search-window.ts';
import { nextOccurrence, parseCron, previousOccurrence } from '../../../shared/domain/protocol/schedule.ts';

describe('EventBridge cron', () => {
  it('reads day names, numbers (1 = Sunday) and steps the way EventBridge does', () => {
    const mondays = parseCron('0 6 ? * MON *');
    expect([...(mondays.daysOfWeek as Set<number>)]).toEqual([1]);
    expect([...(parseCron('0 6 ? * 2 *').daysOfWeek as Set<number>)]).toEqual([1]);
    expect([...parseCron('0/15 * * * ? *').minutes]).toEqual([0, 15, 30, 45]);
    expect([...parseCron('0 8 1 JAN-MAR ? *').months]).toEqual([1, 2, 3]);
  });

  it('rejects malformed expressions naming the field', () => {
    expect(() => parseCron('0 6 * * MON *')).toThrow(/exactly one of day-of-month and day-of-week/);
    expect(() => parseCron('0 25 ? * MON *')).toThrow(/hours: "25" is not in 0-23/);
    expect(() => parseCron('0 6 ? * MON')).toThrow(/six fields/);
    expect(() => parseCron('0 6 L * ? *')).toThrow(/not supported/);
    expect(() => parseCron('0 6 ? * 6L *')).toThrow(/not supported/);
    expect(() => parseCron('0 6 15W * ? *')).toThrow(/not supported/);
    expect(() => parseCron('0 6 ? * 2#1 *')).toThrow(/not supported/);
  });

  it('reads names that contain the letters L and W (WED, JUL, APR-JUL) as names', () => {
    expect([...(parseCron('0 6 ? * WED *').daysOfWeek as Set<number>)]).toEqual([3]);
    expect([...parseCron('0 6 ? JUL WED *').months]).toEqual([7]);
    expect([...parseCron('0 6 1 APR-JUL ? *').months]).toEqual([4, 5, 6, 7]);
  });

  it('finds the previous and next Monday 06:00', () => {
    const schedule = parseCron('0 6 ? * MON *');
    const tuesday = new Date('2026-11-24T07:00:00Z');
    expect(previousOccurrence(schedule, tuesday)?.toISOString()).toBe('2026-11-23T06:00:00.000Z');
    expect(nextOccurrence(schedule, tuesday)?.toISOString()).toBe('2026-11-30T06:00:00.000Z');
    const exactly = new Date('2026-11-30T06:00:00Z');
    expect(previousOccurrence(schedule, exactly)?.toISOString()).toBe(exactly.toISOString());
  });

  it('brackets every instant between its previous and next occurrence', () => {
    const schedule = parseCron('30 6,18 ? * MON-FRI *');
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }),
        (now) => {
          const previous = previousOccurrence(schedule, now)!;
          const next = nextOccurrence(schedule, now)!;
          expect(previous.getTime()).toBeLessThanOrEqual(now.getTime());
          expect(next.getTime()).toBeGreaterThan(now.getTime());
          expect(next.getTime() - previous.getTime()).toBeLessThanOrEqual(4 * 86_400_000);
        },
      ),
    );
  });
});

describe('search windows', () => {
  it('starts at the monitoring start, then at the watermark minus the overlap', () => {
    expect(
      scheduledWindow({
        monitoringStart: '2022-05-27',
        completedThrough: null,
        overlapDays: 3,
        today: '2026-11-24',
      }),
    ).toEqual({
      from: '2022-05-27',
      to: '2026-11-24',
    });
    expect(
      scheduledWindow({
        monitoringStart: '2022-05-27',
        completedThrough: '2026-11-23',
        overlapDays: 3,
        today: '2026-11-30',
      }),
    ).toEqual({ from: '2026-11-20', to: '2026-11-30' });
    expect(
      scheduledWindow({
        monitoringStart: '2022-05-27',
        completedThrough: '2022-05-28',
        overlapDays: 3,
        today: '2022-06-01',
      }),
    ).toEqual({ from: '2022-05-27', to: '2022-06-01' });
  });

  it('never moves the watermark past yesterday, backwards, or over a gap', () => {
    const base = { monitoringStart: '2022-05-27', today: '2026-11-24' };
    expect(
      watermarkAfter({ ...base, completedThrough: null, window: { from: '2022-05-27', to: '2026-11-24' } }),
    ).toBe('2026-11-23');
    expect(
      watermarkAfter({
        ...base,
        completedThrough: '2026-11-23',
        window: { from: '2026-11-20', to: '2026-11-24' },
      }),
    ).toBeNull();
    expect(
      watermarkAfter({
        ...base,
        completedThrough: '2023-01-01',
        window: { from: '2023-03-01', to: '2023-04-01' },
      }),
    ).toBeNull();
    expect(
      watermarkAfter({
        ...base,
        completedThrough: '2023-01-01',
        window: { from: '2023-01-02', to: '2023-04-01' },
      }),
    ).toBe('2023-04-01');
  });

  it('adds days across month and leap-year ends', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
  });
});
