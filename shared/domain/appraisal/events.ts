// Appraisal as append-only events, one log per included study (as screening keeps one per record): the design
// the study is appraised as, then every answer of every appraiser and arbiter. The state is derived from the
// log (./workflow.ts), never stored as truth; changing one's answer is a new event.
import { z } from 'zod';

/** Appraisers give the two independent answers to every question; an arbiter settles those that differ. */
export const answerRoleSchema = z.enum(['appraiser', 'arbiter']);
export type AnswerRole = z.infer<typeof answerRoleSchema>;

const common = {
  /** Position in the study's log, 1-based and gap-free: the store writes an event only at the next position. */
  seq: z.number().int().min(1),
  /** Chosen by the client (or the server): a retry with the same id is a no-op. */
  eventId: z.string().min(1).max(100),
  studyId: z.string().min(1),
  reviewerId: z.string().min(1),
  /** ISO timestamp, from the server's clock. */
  at: z.string().min(1),
};

/** The study design the study is appraised as (it picks the tool); only before any answer. */
export const designEventSchema = z.object({
  type: z.literal('design-set'),
  ...common,
  design: z.string().min(1),
});

export const answerEventSchema = z.object({
  type: z.literal('answer'),
  ...common,
  role: answerRoleSchema,
  /** A tool item's id, "level" or "overall" (shared/domain/protocol/appraisal.ts). */
  questionId: z.string().min(1),
  answer: z.string().min(1),
  note: z.string().nullable(),
});

export const appraisalEventSchema = z.discriminatedUnion('type', [designEventSchema, answerEventSchema]);

export type DesignEvent = z.infer<typeof designEventSchema>;
export type AnswerEvent = z.infer<typeof answerEventSchema>;
export type AppraisalEvent = z.infer<typeof appraisalEventSchema>;
