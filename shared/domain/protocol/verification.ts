// The protocol's extraction-verification section: how many reviewers confirm each extracted patient row, which
// role may verify, and what the statistics read while rows are not verified yet.
//
// - `verifiers`: independent verifiers each row needs besides its extractor (IESM: "extracted by one reviewer
//   and then confirmed independently by two additional reviewers" -> 2).
// - `role`: the reviewers' role that may verify (a verifier never verifies rows they extracted).
// - `statistics`: `verified-only` (the default) pools verified rows alone; `all-rows-flag-unverified` pools
//   every row and says how many are unverified or disputed. A flagged value counts as extracted until resolved.
import { z } from 'zod';

export const REVIEWER_ROLES = ['screener', 'arbiter', 'extractor', 'appraiser', 'verifier'] as const;

export const verificationSchema = z.strictObject({
  verifiers: z.number().int().min(1).max(10),
  role: z.enum(REVIEWER_ROLES).default('verifier'),
  statistics: z.enum(['verified-only', 'all-rows-flag-unverified']).default('verified-only'),
});

export type Verification = z.infer<typeof verificationSchema>;
export type VerificationStatistics = Verification['statistics'];
