// When each review's scheduled functions run. A protocol states one time, its search's cron
// (schedule.cron, EventBridge syntax, UTC); the other weekly functions of the review follow it the same day:
//
//   search-review       at the protocol's time             the new records are queued
//   publish-report      1 h later                          the report's search log and PRISMA counts follow the run
//   send-digest         2 h later                          the digest tells the team what the run found
//   watch-retractions   3 h later                          re-fetches included studies, away from the search's NCBI traffic
//
// The offset is added to the hours field, so that field must be one hour or a list of hours that stay on the
// same day; anything else fails the synth naming the protocol (a day boundary would need the day-of-week
// field moved too).

export const SCHEDULE_OFFSETS_HOURS = {
  'search-review': 0,
  'publish-report': 1,
  'send-digest': 2,
  'watch-retractions': 3,
} as const;

export type ScheduledFunction = keyof typeof SCHEDULE_OFFSETS_HOURS;

/** The six-field cron `hours` later on the same day. */
export function cronHoursLater(cron: string, hours: number, origin = 'schedule'): string {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 6)
    throw new Error(`${origin}: "${cron}" is not a six-field EventBridge cron expression`);
  if (hours === 0) return fields.join(' ');
  const hourField = fields[1]!;
  if (!/^\d{1,2}(,\d{1,2})*$/.test(hourField)) {
    throw new Error(
      `${origin}: cannot run ${hours} h after "${cron}": its hours field must be one hour or a list of hours`,
    );
  }
  const shifted = hourField.split(',').map((h) => Number(h) + hours);
  if (shifted.some((h) => h > 23)) {
    throw new Error(
      `${origin}: cannot run ${hours} h after "${cron}" on the same day: schedule the search before ${24 - hours}:00 UTC`,
    );
  }
  fields[1] = shifted.join(',');
  return fields.join(' ');
}
