// Screening decisions as append-only events. A record's screening log is the ordered list of its events; its
// state is never stored as truth, only derived from the log (./workflow.ts). Changing one's mind is a new
// event that supersedes the earlier one (the latest decision of a reviewer at a stage counts); the log keeps
// both, so the audit trail shows every change.
import { z } from 'zod';

/** The stages a record goes through: title/abstract, then full text; included after both. */
export const STAGES = ['title-abstract', 'full-text'] as const;
export const stageSchema = z.enum(STAGES);
export type Stage = z.infer<typeof stageSchema>;

export const voteSchema = z.enum(['include', 'exclude', 'maybe']);
export type Vote = z.infer<typeof voteSchema>;

/**
 * Screeners make the two independent decisions of a stage; an arbiter settles a stage in conflict; "direct" is
 * an inclusion recorded outside screening (`living-review include` of a record still in the queue), by the
 * person who recorded it, which settles the record's open stages on "include".
 */
export const decisionRoleSchema = z.enum(['screener', 'arbiter', 'direct']);
export type DecisionRole = z.infer<typeof decisionRoleSchema>;
/** The roles a reviewer decides in on the screening page or in `screen`. */
export type ReviewerRole = Exclude<DecisionRole, 'direct'>;

/** The note a direct inclusion carries. */
export const INCLUDED_DIRECTLY = 'included directly';

const common = {
  /** Position in the record's log, 1-based and gap-free: the store writes an event only at the next position. */
  seq: z.number().int().min(1),
  /** Chosen by the client (or the server when the client sends none): a retry with the same id is a no-op. */
  eventId: z.string().min(1).max(100),
  citationId: z.string().min(1),
  reviewerId: z.string().min(1),
  /** ISO timestamp, from the server's clock. */
  at: z.string().min(1),
};

export const decisionEventSchema = z.object({
  type: z.literal('decision'),
  ...common,
  stage: stageSchema,
  role: decisionRoleSchema,
  decision: voteSchema,
  /** An id from the protocol's shared exclusionReasons; required for "exclude", null otherwise. */
  reasonId: z.string().nullable(),
  note: z.string().nullable(),
});

/** A reviewer confirmed that this citation is a duplicate of `duplicateOf`: it leaves screening for good. */
export const duplicateEventSchema = z.object({
  type: z.literal('duplicate-confirmed'),
  ...common,
  duplicateOf: z.string().min(1),
});

export const screeningEventSchema = z.discriminatedUnion('type', [decisionEventSchema, duplicateEventSchema]);

export type DecisionEvent = z.infer<typeof decisionEventSchema>;
export type DuplicateEvent = z.infer<typeof duplicateEventSchema>;
export type ScreeningEvent = z.infer<typeof screeningEventSchema>;
