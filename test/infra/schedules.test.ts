// When the scheduled functions of a review run, relative to its search cron; and the app without an SES sender.
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { cronHoursLater, SCHEDULE_OFFSETS_HOURS } from '../../infra/schedules.ts';
import { synthesize, twoProtocolDirectory } from './support.ts';

describe('Function: cronHoursLater', () => {
  it('moves the hours field, keeping every other field', () => {
    expect(cronHoursLater('0 6 ? * MON *', 2)).toBe('0 8 ? * MON *');
    expect(cronHoursLater('15 5,11 ? * MON-FRI *', 3)).toBe('15 8,14 ? * MON-FRI *');
    expect(cronHoursLater('  0 6 ? * MON *  ', 0)).toBe('0 6 ? * MON *');
  });

  it('refuses what would cross midnight or is not a plain hour list, naming the protocol', () => {
    expect(() => cronHoursLater('0 22 ? * MON *', 2, 'protocol late')).toThrow(
      /protocol late: cannot run 2 h after "0 22 \? \* MON \*" on the same day/,
    );
    expect(() => cronHoursLater('0 */6 ? * MON *', 1, 'protocol x')).toThrow(/hours field must be one hour/);
    expect(() => cronHoursLater('0 6 * *', 1)).toThrow(/not a six-field/);
  });

  it('runs the report, the digest and the retraction watch after the search, in that order', () => {
    expect(
      Object.entries(SCHEDULE_OFFSETS_HOURS)
        .sort((a, b) => a[1] - b[1])
        .map(([name]) => name),
    ).toEqual(['search-review', 'publish-report', 'send-digest', 'watch-retractions']);
  });
});

describe('App: without an SES sender (-c withoutMail=true)', () => {
  it('leaves out the two mailing functions with a warning, and schedules the others', () => {
    const s = synthesize({ protocolsDir: twoProtocolDirectory(), withoutMail: 'true' }, { bundle: false });
    expect(s.stateless.report).toBeUndefined();
    expect(s.stateless.digest).toBeUndefined();
    Annotations.fromStack(s.stateless).hasWarning(
      '*',
      Match.stringLikeRegexp('withoutMail: publish-report and send-digest are not deployed'),
    );
    expect(Object.keys(s.stack.findResources('AWS::Lambda::Function'))).toHaveLength(4);
    expect(Object.keys(s.stack.findResources('AWS::Scheduler::Schedule'))).toHaveLength(4);
    // the statistics function's stream and the search function's queue
    expect(Object.keys(s.stack.findResources('AWS::Lambda::EventSourceMapping'))).toHaveLength(2);
    expect(JSON.stringify(s.stack.toJSON())).not.toContain('ses:Send');
  });
});
