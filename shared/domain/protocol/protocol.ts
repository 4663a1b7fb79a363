// A review protocol as code: everything the monitor needs to know about one living review.
// Protocol files (YAML or JSON) are validated against this schema at the edge (shared/config/load-protocols.ts).
import { z } from 'zod';
import { parseCron } from './schedule.ts';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD');
const id = z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'expected lower-case letters, digits and dashes');

export const criterionSchema = z.object({ id, text: z.string().min(1) });

export const exclusionReasonSchema = z.object({
  id,
  label: z.string().min(1),
  /** The exclusion criterion this reason comes from, if any. */
  criterion: id.optional(),
});

export const reviewerSchema = z.object({
  id,
  name: z.string().min(1),
  email: z.email().optional(),
  /** Screeners make the two independent decisions; arbiters settle disagreements. */
  roles: z.array(z.enum(['screener', 'arbiter', 'extractor'])).min(1),
});

export const pubmedSourceSchema = z.object({
  name: z.literal('pubmed'),
  /** Defaults to the protocol's query. */
  query: z.string().min(1).optional(),
});

export const europePmcSourceSchema = z.object({
  name: z.literal('europepmc'),
  query: z.string().min(1).optional(),
});

/** Europe PMC's preprints only (SRC:PPR); a preprint linked to its published version is that work. */
export const preprintsSourceSchema = z.strictObject({
  name: z.literal('preprints'),
  query: z.string().min(1).optional(),
});

/** Citation watch: works newly citing the included studies; once per new inclusion, its references too. */
export const citationsSourceSchema = z.strictObject({
  name: z.literal('citations'),
  /** OpenAlex needs an api key: without one (or past its daily budget) Europe PMC runs alone. */
  via: z
    .array(z.enum(['europepmc', 'openalex']))
    .min(1)
    .default(['europepmc', 'openalex']),
  /** Which inclusions get the one-off references and citing works: through screening, or all. */
  seed: z.enum(['screening', 'all']).default('screening'),
});

/** Ongoing studies from ClinicalTrials.gov (listed apart, never screened). */
export const clinicalTrialsSourceSchema = z.strictObject({
  name: z.literal('clinicaltrials'),
  /** ClinicalTrials.gov's query.cond: the conditions, joined with OR. */
  conditions: z.array(z.string().min(1)).min(1),
  /** query.term, e.g. "intradural AND metastasis"; none by default. */
  query: z.string().min(1).optional(),
});

/** Crossref's update notices (publishers' and Retraction Watch's) for the included studies' DOIs. */
export const crossrefSourceSchema = z.strictObject({ name: z.literal('crossref') });

export const sourceSchema = z.discriminatedUnion('name', [
  pubmedSourceSchema,
  europePmcSourceSchema,
  preprintsSourceSchema,
  citationsSourceSchema,
  clinicalTrialsSourceSchema,
  crossrefSourceSchema,
]);

export const scheduleSchema = z.object({
  /** An EventBridge cron expression, six fields: minutes hours day-of-month month day-of-week year. */
  cron: z.string().superRefine((cron, ctx) => {
    try {
      parseCron(cron);
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        message: `not an EventBridge cron expression: ${(error as Error).message}`,
      });
    }
  }),
  /** Schedules run in UTC, locally and in AWS, so "due" means the same everywhere. */
  timezone: z.literal('UTC').default('UTC'),
  /** Days each window reaches back before the watermark; dedup makes the overlap safe. */
  overlapDays: z.number().int().min(0).max(30).default(3),
});

export const updateTriggerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('new-patients'), atLeast: z.number().int().min(1) }),
  z.object({ kind: z.literal('new-studies'), atLeast: z.number().int().min(1) }),
  z.object({
    kind: z.literal('proportion-shift'),
    variable: z.string().min(1),
    level: z.string().min(1),
    percentagePoints: z.number().positive(),
  }),
  z.object({ kind: z.literal('km-median-shift'), curve: z.string().min(1), months: z.number().positive() }),
]);

export const protocolSchema = z
  .object({
    id,
    title: z.string().min(1),
    /** The search as the review states it (PubMed syntax). */
    query: z.string().min(1),
    sources: z.array(sourceSchema).min(1),
    /** The original search date: monitoring starts here. */
    monitoringStart: isoDate,
    schedule: scheduleSchema,
    eligibility: z.object({
      inclusion: z.array(criterionSchema).min(1),
      exclusion: z.array(criterionSchema),
    }),
    /** One shared list of exclusion reasons, used by every reviewer at every stage. */
    exclusionReasons: z.array(exclusionReasonSchema).min(1),
    reviewers: z.array(reviewerSchema).min(1),
    /** Terms highlighted on the screening page. */
    keyTerms: z.array(z.string().min(1)).default([]),
    digest: z.object({
      recipients: z.array(z.email()).min(1),
      /** Send a digest even when the week brought nothing new. */
      sendWhenEmpty: z.boolean().default(false),
    }),
    updateTriggers: z.array(updateTriggerSchema).default([]),
    /**
     * The evidence the published review pooled (IESM: 130 patients from 51 studies). Update triggers are then
     * measured from the first statistics version that pools at least this much, and none fires while the
     * published data are still being entered (study by study, each import a new version). Without it, from
     * version 1.
     */
    triggerBaseline: z
      .object({
        patients: z.number().int().min(0).default(0),
        studies: z.number().int().min(0).default(0),
      })
      .strict()
      .optional(),
    /** What happens to an included study that is later retracted. */
    onRetraction: z.enum(['exclude-patients', 'flag-only']).default('exclude-patients'),
  })
  .superRefine((protocol, ctx) => {
    const screeners = protocol.reviewers.filter((r) => r.roles.includes('screener'));
    if (screeners.length < 2) {
      ctx.addIssue({
        code: 'custom',
        path: ['reviewers'],
        message: 'dual screening needs at least two screeners',
      });
    }
    if (!protocol.reviewers.some((r) => r.roles.includes('arbiter'))) {
      ctx.addIssue({
        code: 'custom',
        path: ['reviewers'],
        message: 'at least one reviewer must be an arbiter',
      });
    }
    const seen = new Set<string>();
    protocol.reviewers.forEach((reviewer, index) => {
      if (seen.has(reviewer.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['reviewers', index, 'id'],
          message: `duplicate reviewer id "${reviewer.id}"`,
        });
      }
      seen.add(reviewer.id);
    });
    const criteria = new Set(protocol.eligibility.exclusion.map((c) => c.id));
    protocol.exclusionReasons.forEach((reason, index) => {
      if (reason.criterion && !criteria.has(reason.criterion)) {
        ctx.addIssue({
          code: 'custom',
          path: ['exclusionReasons', index, 'criterion'],
          message: `no exclusion criterion "${reason.criterion}"`,
        });
      }
    });
  });

export type Protocol = z.infer<typeof protocolSchema>;
export type ProtocolInput = z.input<typeof protocolSchema>;
export type Reviewer = z.infer<typeof reviewerSchema>;
export type ExclusionReason = z.infer<typeof exclusionReasonSchema>;
export type UpdateTrigger = z.infer<typeof updateTriggerSchema>;
export type SourceName = z.infer<typeof sourceSchema>['name'];
export type SourceEntry = z.infer<typeof sourceSchema>;

/** The query a given source runs: its own, or the protocol's. */
export function sourceQuery(protocol: Protocol, source: SourceName): string {
  const configured = protocol.sources.find((s) => s.name === source);
  return (configured && 'query' in configured ? configured.query : undefined) ?? protocol.query;
}
