// A review protocol as code: everything the monitor needs to know about one living review: what to search and
// when, how to screen, and what to extract and report (variables, tables, survival endpoints and comparisons).
// Protocol files (YAML or JSON) are validated against this schema at the edge (shared/config/load-protocols.ts):
// every object is strict, so a misspelt field (`updateTrigers`) is an error naming it, never silently dropped.
import { z } from 'zod';
import { analysisReferenceIssues, survivalSchema, tablesSchema } from './analysis.ts';
import { appraisalReferenceIssues, appraisalSchema } from './appraisal.ts';
import { coxTermIssues } from './models.ts';
import { parseCron } from './schedule.ts';
import { updateTriggerSchema } from './update-triggers.ts';
import { extractionSchema, levelValues } from './variables.ts';
import { REVIEWER_ROLES, verificationSchema } from './verification.ts';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD');
const id = z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'expected lower-case letters, digits and dashes');

/**
 * The longest search query taken. E-utilities documents no limit but asks for POST beyond "several hundred
 * characters" (this client always posts); published search strategies run to a few thousand characters. The cap
 * stops a pasted file or a runaway template (1 MB) from being sent to NCBI every week.
 */
export const MAX_QUERY_LENGTH = 20_000;
const query = z
  .string()
  .min(1)
  .max(MAX_QUERY_LENGTH, `expected a query of at most ${MAX_QUERY_LENGTH.toLocaleString('en')} characters`);

export const criterionSchema = z.strictObject({ id, text: z.string().min(1) });

export const exclusionReasonSchema = z.strictObject({
  id,
  label: z.string().min(1),
  /** The exclusion criterion this reason comes from, if any. */
  criterion: id.optional(),
});

export const reviewerSchema = z.strictObject({
  id,
  name: z.string().min(1),
  email: z.email().optional(),
  /**
   * Screeners make the two independent decisions; arbiters settle disagreements (of screening and of
   * appraisal, and resolve flagged extraction values); appraisers appraise included studies, two independently
   * per study; verifiers confirm or flag extracted patient rows (verification.ts).
   */
  roles: z.array(z.enum(REVIEWER_ROLES)).min(1),
});

export const pubmedSourceSchema = z.strictObject({
  name: z.literal('pubmed'),
  /** Defaults to the protocol's query. */
  query: query.optional(),
});

export const europePmcSourceSchema = z.strictObject({
  name: z.literal('europepmc'),
  query: query.optional(),
});

/** Europe PMC's preprints only (SRC:PPR); a preprint linked to its published version is that work. */
export const preprintsSourceSchema = z.strictObject({
  name: z.literal('preprints'),
  query: z.string().min(1).optional(),
  /**
   * Also ask bioRxiv/medRxiv's published-article data for the preprints (10.1101/...) Europe PMC has not
   * linked to a published version. On unless `false`: free, no key, one request per such preprint a run.
   */
  biorxiv: z.boolean().optional(),
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
  /** ClinicalTrials.gov's query.term: other terms the registrations must match; none by default. */
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

export const scheduleSchema = z.strictObject({
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

export const protocolSchema = z
  .strictObject({
    id,
    title: z.string().min(1),
    /** The search as the review states it (PubMed syntax). */
    query,
    sources: z.array(sourceSchema).min(1),
    /** The original search date: monitoring starts here. */
    monitoringStart: isoDate,
    schedule: scheduleSchema,
    eligibility: z.strictObject({
      inclusion: z.array(criterionSchema).min(1),
      exclusion: z.array(criterionSchema),
    }),
    /** One shared list of exclusion reasons, used by every reviewer at every stage. */
    exclusionReasons: z.array(exclusionReasonSchema).min(1),
    reviewers: z.array(reviewerSchema).min(1),
    /** Terms highlighted on the screening page. */
    keyTerms: z.array(z.string().min(1)).default([]),
    digest: z.strictObject({
      recipients: z.array(z.email()).min(1),
      /** Send a digest even when the week brought nothing new. */
      sendWhenEmpty: z.boolean().default(false),
    }),
    updateTriggers: z.array(updateTriggerSchema).default([]),
    /**
     * The evidence the published review pooled (e.g. 130 patients from 51 studies). Update triggers are then
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
    /** The variables extracted per patient and the rules between them (variables.ts). */
    extraction: extractionSchema.optional(),
    /** The pooled tables: sections and rows over the variables (stats/tables.ts). */
    tables: tablesSchema.optional(),
    /** Survival endpoints and comparisons (analysis.ts). */
    survival: survivalSchema.optional(),
    /** Critical appraisal: tools, levels of evidence, the sensitivity analysis (appraisal.ts). */
    appraisal: appraisalSchema.optional(),
    /** Extraction verification: verifiers per row, who verifies, what the statistics read (verification.ts). */
    verification: verificationSchema.optional(),
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
    if (protocol.appraisal) {
      for (const issue of appraisalReferenceIssues(protocol.appraisal)) {
        ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
      }
      if (protocol.reviewers.filter((r) => r.roles.includes('appraiser')).length < 2) {
        ctx.addIssue({
          code: 'custom',
          path: ['reviewers'],
          message: 'dual appraisal needs at least two reviewers with the role "appraiser"',
        });
      }
    }
    if (protocol.verification) {
      const { verifiers, role } = protocol.verification;
      if (!protocol.extraction) {
        ctx.addIssue({
          code: 'custom',
          path: ['verification'],
          message: 'extraction verification needs the extraction variables it verifies',
        });
      }
      const able = protocol.reviewers.filter((r) => r.roles.includes(role)).length;
      if (able < verifiers) {
        ctx.addIssue({
          code: 'custom',
          path: ['verification', 'verifiers'],
          message: `${verifiers} verifiers per row need at least ${verifiers} reviewers with the role "${role}" (found ${able})`,
        });
      }
    }
    for (const issue of analysisReferenceIssues(protocol.extraction, protocol.tables, protocol.survival)) {
      ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    }
    if ((protocol.tables || protocol.survival) && !protocol.extraction) {
      ctx.addIssue({
        code: 'custom',
        path: ['extraction'],
        message: 'tables and survival endpoints need the extraction variables they are computed from',
      });
    }
    protocol.updateTriggers.forEach((trigger, index) => {
      const path = ['updateTriggers', index];
      if (trigger.kind === 'proportion-shift') {
        const variable = protocol.extraction?.variables.find((v) => v.name === trigger.variable);
        const levels = variable ? levelValues(variable) : null;
        if (!variable) {
          ctx.addIssue({
            code: 'custom',
            path: [...path, 'variable'],
            message: `no variable "${trigger.variable}"`,
          });
        } else if (levels && !levels.includes(trigger.level)) {
          ctx.addIssue({
            code: 'custom',
            path: [...path, 'level'],
            message: `${trigger.variable} has no level "${trigger.level}" (levels: ${levels.join(', ')})`,
          });
        }
      }
      if (trigger.kind === 'cox-hr-crosses') {
        const models = protocol.survival?.models ?? [];
        const variables = protocol.extraction?.variables ?? [];
        for (const issue of coxTermIssues(trigger.model, trigger.term, path, models, variables)) {
          ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
        }
      }
      if (trigger.kind === 'km-median-shift') {
        const endpoint = protocol.survival?.endpoints.find((e) => e.id === trigger.endpoint);
        if (!endpoint) {
          const declared = protocol.survival?.endpoints.map((e) => e.id).join(', ') || 'none';
          ctx.addIssue({
            code: 'custom',
            path: [...path, 'endpoint'],
            message: `no endpoint "${trigger.endpoint}" (declared: ${declared})`,
          });
        } else if (trigger.followUp && !endpoint.followUp) {
          ctx.addIssue({
            code: 'custom',
            path: [...path, 'followUp'],
            message: `endpoint "${trigger.endpoint}" does not report follow-up (set followUp: true on it)`,
          });
        }
      }
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
