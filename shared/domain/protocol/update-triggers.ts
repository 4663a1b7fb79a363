// What makes a review's statistics worth a new report version (the protocol's `updateTriggers`), apart from the
// protocol schema (protocol.ts) so that the digest store reads stored triggers without building that schema.
import { z } from 'zod';

export const updateTriggerSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('new-patients'), atLeast: z.number().int().min(1) }),
  z.strictObject({ kind: z.literal('new-studies'), atLeast: z.number().int().min(1) }),
  /** A level of a declared variable: its "n (%)" row moved by more than so many percentage points. */
  z.strictObject({
    kind: z.literal('proportion-shift'),
    variable: z.string().min(1),
    level: z.string().min(1),
    percentagePoints: z.number().positive(),
  }),
  /**
   * A declared endpoint's Kaplan-Meier median (or, with `followUp: true`, its median follow-up) moved by more
   * than `moreThan` (in the endpoint's time unit), or went from reached to not reached or back.
   */
  z.strictObject({
    kind: z.literal('km-median-shift'),
    endpoint: z.string().min(1),
    followUp: z.boolean().default(false),
    moreThan: z.number().positive(),
  }),
  /**
   * A term of a declared Cox model: its hazard ratio (`measure: hr`, the default) went from one side of
   * `threshold` to the other, or (`measure: ci`) its 95% CI went from including `threshold` to excluding it (or
   * back): e.g. threshold 1, the treatment effect became significant or stopped being so.
   */
  z.strictObject({
    kind: z.literal('cox-hr-crosses'),
    model: z.string().min(1),
    term: z.string().min(1),
    threshold: z.number().positive().default(1),
    measure: z.enum(['hr', 'ci']).default('hr'),
  }),
]);
