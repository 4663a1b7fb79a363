// Extraction verification as append-only events, one log per included study (as appraisal keeps one per
// study): who extracted each patient row (and which version of it), each verifier's confirmation or flags,
// and each resolution of a flagged field. The state is derived from the log (./workflow.ts), never stored as
// truth; a correction is a new event and a new version of the row.
import { z } from 'zod';

/** A row's content version: SHA-256 of its canonical JSON (shared/domain/extraction/patient-row.ts). */
const version = z.string().regex(/^[0-9a-f]{64}$/, 'expected a row version (64 hex digits)');

export const rowRefSchema = z.object({ patientId: z.string().min(1), version });
export type RowRef = z.infer<typeof rowRefSchema>;

/** A value as the rows hold it (null: not reported). */
export const variableValueSchema = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.array(z.string()).readonly(),
  z.null(),
]);

const common = {
  /** Position in the study's log, 1-based and gap-free: the store writes an event only at the next position. */
  seq: z.number().int().min(1),
  /** Chosen by the client (or derived from what the event says): a retry with the same id is a no-op. */
  eventId: z.string().min(1).max(200),
  studyId: z.string().min(1),
  reviewerId: z.string().min(1),
  /** ISO timestamp, from the server's clock. */
  at: z.string().min(1),
};

/** Rows imported (new, or with changed content) by their extractor: each starts a new verification round. */
export const extractedEventSchema = z.object({
  type: z.literal('extracted'),
  ...common,
  rows: z.array(rowRefSchema).min(1),
});

/** A verifier confirms rows as they read them (each at the version they saw). */
export const confirmedEventSchema = z.object({
  type: z.literal('confirmed'),
  ...common,
  rows: z.array(rowRefSchema).min(1),
});

export const flaggedFieldSchema = z.object({
  field: z.string().min(1),
  proposed: variableValueSchema,
  note: z.string().min(1),
});
export type FlaggedField = z.infer<typeof flaggedFieldSchema>;

/** A verifier flags fields of one row, each with the value they propose and why. */
export const flaggedEventSchema = z.object({
  type: z.literal('flagged'),
  ...common,
  row: rowRefSchema,
  fields: z.array(flaggedFieldSchema).min(1),
});

export const resolverRoleSchema = z.enum(['extractor', 'arbiter']);
export type ResolverRole = z.infer<typeof resolverRoleSchema>;

/**
 * The extractor (or an arbiter who did not verify the row) resolves one flagged field: accept a proposed value
 * (the row gets it: a new version, `version` after) or keep the extracted value with a note.
 */
export const resolvedEventSchema = z.object({
  type: z.literal('resolved'),
  ...common,
  role: resolverRoleSchema,
  /** The row as it stood before this resolution. */
  row: rowRefSchema,
  field: z.string().min(1),
  decision: z.enum(['accept', 'keep']),
  /** The field's value after the resolution (the accepted proposal, or the kept value). */
  value: variableValueSchema,
  note: z.string().nullable(),
  /** The row's version after the resolution (the same as row.version when kept). */
  version,
});

export const verificationEventSchema = z.discriminatedUnion('type', [
  extractedEventSchema,
  confirmedEventSchema,
  flaggedEventSchema,
  resolvedEventSchema,
]);

export type ExtractedEvent = z.infer<typeof extractedEventSchema>;
export type ConfirmedEvent = z.infer<typeof confirmedEventSchema>;
export type FlaggedEvent = z.infer<typeof flaggedEventSchema>;
export type ResolvedEvent = z.infer<typeof resolvedEventSchema>;
export type VerificationEvent = z.infer<typeof verificationEventSchema>;
