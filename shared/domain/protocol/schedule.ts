// EventBridge cron expressions ("0 6 ? * MON *": minutes hours day-of-month month day-of-week year), read the
// way EventBridge reads them, so the local runner's notion of "due" matches the deployed schedule.
// Supported: numbers, names (JAN-DEC, SUN-SAT), `*`, `?`, lists, ranges and steps. Not supported: L, W, #.

export interface CronSchedule {
  minutes: Set<number>;
  hours: Set<number>;
  daysOfMonth: Set<number> | 'any';
  months: Set<number>;
  /** 0 = Sunday … 6 = Saturday (EventBridge writes them 1-7 or SUN-SAT). */
  daysOfWeek: Set<number> | 'any';
  years: Set<number> | 'any';
}

const monthNames = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const dayNames = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

function parseField(
  field: string,
  min: number,
  max: number,
  names: string[] = [],
  nameBase = min,
): Set<number> {
  const values = new Set<number>();
  const value = (token: string): number => {
    const named = names.indexOf(token.toUpperCase());
    const number = named >= 0 ? named + nameBase : Number(token);
    if (!Number.isInteger(number) || number < min || number > max) {
      throw new Error(`"${token}" is not in ${min}-${max}`);
    }
    return number;
  };
  for (const part of field.split(',')) {
    const [rangeText, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`bad step in "${part}"`);
    let from: number;
    let to: number;
    if (rangeText === '*') {
      from = min;
      to = max;
    } else if (rangeText?.includes('-')) {
      const [a, b] = rangeText.split('-');
      from = value(a ?? '');
      to = value(b ?? '');
    } else {
      from = value(rangeText ?? '');
      to = stepText === undefined ? from : max;
    }
    if (from > to) throw new Error(`empty range "${part}"`);
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

/** Parses a six-field EventBridge cron expression; throws with the offending field named. */
export function parseCron(expression: string): CronSchedule {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 6) throw new Error(`cron needs six fields, got ${fields.length}`);
  const [minute, hour, dayOfMonth, month, dayOfWeek, year] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  // L (last), W (weekday) and # (nth weekday) are whole tokens such as "L", "15W", "6L" or "2#1"; the letters
  // inside names such as WED or JUL are not them.
  const special = (token: string) => token.includes('#') || /^(\d*L|L-\d+|\d+W|LW)$/i.test(token);
  if ([dayOfMonth, dayOfWeek].some((f) => f.split(',').some(special))) {
    throw new Error('L, W and # are not supported');
  }
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    throw new Error('exactly one of day-of-month and day-of-week must be "?"');
  }
  const field = <T>(name: string, parse: () => T): T => {
    try {
      return parse();
    } catch (error) {
      throw new Error(`${name}: ${(error as Error).message}`);
    }
  };
  return {
    minutes: field('minutes', () => parseField(minute, 0, 59)),
    hours: field('hours', () => parseField(hour, 0, 23)),
    daysOfMonth: dayOfMonth === '?' ? 'any' : field('day-of-month', () => parseField(dayOfMonth, 1, 31)),
    months: field('month', () => parseField(month, 1, 12, monthNames, 1)),
    daysOfWeek:
      dayOfWeek === '?'
        ? 'any'
        : field(
            'day-of-week',
            () => new Set([...parseField(dayOfWeek, 1, 7, dayNames, 1)].map((d) => d - 1)),
          ),
    years: year === '*' ? 'any' : field('year', () => parseField(year, 1970, 2199)),
  };
}

function matchesDay(schedule: CronSchedule, date: Date): boolean {
  return (
    schedule.months.has(date.getUTCMonth() + 1) &&
    (schedule.years === 'any' || schedule.years.has(date.getUTCFullYear())) &&
    (schedule.daysOfMonth === 'any' || schedule.daysOfMonth.has(date.getUTCDate())) &&
    (schedule.daysOfWeek === 'any' || schedule.daysOfWeek.has(date.getUTCDay()))
  );
}

/**
 * The latest scheduled time at or before `now` (UTC), searching back at most `maxDays`; null if none.
 * Walks whole days, then the day's hours and minutes, so even a yearly schedule costs a few hundred steps.
 */
export function previousOccurrence(schedule: CronSchedule, now: Date, maxDays = 400): Date | null {
  const hours = [...schedule.hours].sort((a, b) => b - a);
  const minutes = [...schedule.minutes].sort((a, b) => b - a);
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  for (let back = 0; back <= maxDays; back++) {
    const candidateDay = new Date(day.getTime() - back * 86_400_000);
    if (!matchesDay(schedule, candidateDay)) continue;
    for (const hour of hours) {
      for (const minute of minutes) {
        const at = new Date(candidateDay.getTime() + hour * 3_600_000 + minute * 60_000);
        if (at.getTime() <= now.getTime()) return at;
      }
    }
  }
  return null;
}

/** The first scheduled time strictly after `now` (UTC), searching ahead at most `maxDays`; null if none. */
export function nextOccurrence(schedule: CronSchedule, now: Date, maxDays = 400): Date | null {
  const hours = [...schedule.hours].sort((a, b) => a - b);
  const minutes = [...schedule.minutes].sort((a, b) => a - b);
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  for (let ahead = 0; ahead <= maxDays; ahead++) {
    const candidateDay = new Date(day.getTime() + ahead * 86_400_000);
    if (!matchesDay(schedule, candidateDay)) continue;
    for (const hour of hours) {
      for (const minute of minutes) {
        const at = new Date(candidateDay.getTime() + hour * 3_600_000 + minute * 60_000);
        if (at.getTime() > now.getTime()) return at;
      }
    }
  }
  return null;
}
