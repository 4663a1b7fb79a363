// Lambda event-source filter patterns for the table's stream, in one module that both the infra stack (which
// passes each to FilterCriteria.filter()) and the functions import, so synth never loads a function's code.
import { NOTICE_PREFIX } from './digest-store.ts';
import { PATIENT_PREFIX, SNAPSHOT_LATEST_SK, STUDY_PREFIX } from './evidence-store.ts';
import { VERIFICATION_PREFIX } from './verification-store.ts';

/**
 * recompute-stats: only included-study and patient-row items reach the function (the snapshots it writes
 * itself never do), and extraction-verification events (they change which rows are pooled). One pattern,
 * three prefixes (OR).
 */
export const streamFilterPatterns = [
  {
    dynamodb: {
      Keys: {
        sk: { S: [{ prefix: STUDY_PREFIX }, { prefix: PATIENT_PREFIX }, { prefix: VERIFICATION_PREFIX }] },
      },
    },
  },
] as const;

/** publish-report: the latest-snapshot pointer (any change) and inserted notices. */
export const reportStreamFilterPatterns = [
  { dynamodb: { Keys: { sk: { S: [SNAPSHOT_LATEST_SK] } } } },
  { eventName: ['INSERT'], dynamodb: { Keys: { sk: { S: [{ prefix: NOTICE_PREFIX }] } } } },
] as const;
