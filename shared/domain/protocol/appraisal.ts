// The protocol's appraisal section: critical-appraisal tools as data, levels of evidence, and the sensitivity
// analysis that leaves out studies judged at high risk (or below a level of evidence).
//
// - `designs`: the study designs a review appraises (case report, case series, randomised trial, ...). Each
//   included study is given one, and its design picks the tool that applies to it.
// - `judgements`: the overall judgement scale, best first (e.g. low, moderate, high risk of bias). The report
//   colours them green to red by position.
// - `tools`: checklists (JBI) or domain tools (RoB-style). Each has its items, the answers an appraiser may
//   give, the designs it applies to and how the overall judgement is formed:
//     `rule: count`       count the items answered with one of `counted` answers; the first threshold reached
//                         gives the judgement, else `otherwise` (JBI checklists);
//     `rule: worst`       every answer maps to a judgement; the worst one wins (RoB 2-style domain tools);
//     `rule: appraisers`  the appraisers give the overall judgement themselves, as one more question.
// - `levels`: a levels-of-evidence scheme (Oxford CEBM 2011), best first; each appraiser assigns one per study.
// - `sensitivity`: which studies the sensitivity analysis leaves out.
//
// Every question (a tool's items, the level, an appraisers' overall judgement) is answered independently by
// two appraisers and settled by an arbiter when they differ (shared/domain/appraisal/).
import { z } from 'zod';

const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected lower-case letters, digits and dashes');

/** Question ids the workflow adds to a tool's items: they cannot be item ids. */
export const LEVEL_QUESTION = 'level';
export const OVERALL_QUESTION = 'overall';

export const appraisalItemSchema = z.strictObject({
  id,
  /** The question as the appraisers read it. */
  text: z.string().min(1),
});

const countRuleSchema = z.strictObject({
  rule: z.literal('count'),
  /** The answers that count against the study (e.g. no, unclear). */
  counted: z.array(id).min(1),
  /** Checked in order: the first whose count is reached gives the judgement. */
  thresholds: z.array(z.strictObject({ judgement: id, atLeast: z.number().int().min(1) })).min(1),
  otherwise: id,
});

const worstRuleSchema = z.strictObject({
  rule: z.literal('worst'),
  /** The judgement each answer stands for. */
  judgementOf: z.record(z.string(), id),
});

const appraisersRuleSchema = z.strictObject({ rule: z.literal('appraisers') });

export const overallRuleSchema = z.discriminatedUnion('rule', [
  countRuleSchema,
  worstRuleSchema,
  appraisersRuleSchema,
]);

export const appraisalToolSchema = z.strictObject({
  id,
  name: z.string().min(1),
  /** Where the items come from (the published tool they paraphrase). */
  source: z.string().min(1).optional(),
  appliesTo: z.array(id).min(1),
  answers: z.array(z.strictObject({ id, label: z.string().min(1) })).min(2),
  items: z.array(appraisalItemSchema).min(1),
  overall: overallRuleSchema,
});

export const appraisalSchema = z.strictObject({
  designs: z.array(z.strictObject({ id, label: z.string().min(1) })).min(1),
  /** The overall judgement scale, best first. */
  judgements: z.array(z.strictObject({ id, label: z.string().min(1) })).min(2),
  tools: z.array(appraisalToolSchema).min(1),
  levels: z
    .strictObject({
      scheme: z.string().min(1),
      /** Best first. */
      values: z
        .array(z.strictObject({ id: z.string().regex(/^[0-9A-Za-z]{1,8}$/), label: z.string().min(1) }))
        .min(2),
    })
    .optional(),
  sensitivity: z
    .strictObject({
      label: z.string().min(1),
      leaveOut: z
        .strictObject({
          /** Studies whose overall judgement is one of these. */
          judgements: z.array(id).default([]),
          /** Studies whose level is worse than this one. */
          levelsWorseThan: z.string().optional(),
        })
        .refine((l) => l.judgements.length > 0 || l.levelsWorseThan !== undefined, {
          message: 'say which studies to leave out: judgements, levelsWorseThan or both',
        }),
    })
    .optional(),
});

export type Appraisal = z.infer<typeof appraisalSchema>;
export type AppraisalTool = z.infer<typeof appraisalToolSchema>;
export type OverallRule = z.infer<typeof overallRuleSchema>;

export interface AppraisalIssue {
  path: (string | number)[];
  message: string;
}

function duplicates<T>(values: readonly T[], key: (value: T) => string): number[] {
  const seen = new Set<string>();
  const repeated: number[] = [];
  values.forEach((value, index) => {
    if (seen.has(key(value))) repeated.push(index);
    seen.add(key(value));
  });
  return repeated;
}

/** Cross-references inside the appraisal section, each naming the field it is about. */
export function appraisalReferenceIssues(appraisal: Appraisal): AppraisalIssue[] {
  const issues: AppraisalIssue[] = [];
  const at = (path: (string | number)[], message: string) =>
    issues.push({ path: ['appraisal', ...path], message });
  const designs = new Set(appraisal.designs.map((d) => d.id));
  const judgements = new Set(appraisal.judgements.map((j) => j.id));
  const judgementList = appraisal.judgements.map((j) => j.id).join(', ');
  for (const index of duplicates(appraisal.designs, (d) => d.id))
    at(['designs', index, 'id'], 'duplicate design id');
  for (const index of duplicates(appraisal.judgements, (j) => j.id)) {
    at(['judgements', index, 'id'], 'duplicate judgement id');
  }
  for (const index of duplicates(appraisal.tools, (t) => t.id))
    at(['tools', index, 'id'], 'duplicate tool id');
  const toolOfDesign = new Map<string, string>();
  appraisal.tools.forEach((tool, t) => {
    const answers = new Set(tool.answers.map((a) => a.id));
    const answerList = tool.answers.map((a) => a.id).join(', ');
    tool.appliesTo.forEach((design, d) => {
      if (!designs.has(design)) {
        at(['tools', t, 'appliesTo', d], `no design "${design}" (designs: ${[...designs].join(', ')})`);
      } else if (toolOfDesign.has(design)) {
        at(
          ['tools', t, 'appliesTo', d],
          `design "${design}" already has the tool "${toolOfDesign.get(design)}"`,
        );
      } else toolOfDesign.set(design, tool.id);
    });
    for (const index of duplicates(tool.answers, (a) => a.id))
      at(['tools', t, 'answers', index, 'id'], 'duplicate answer');
    for (const index of duplicates(tool.items, (i) => i.id))
      at(['tools', t, 'items', index, 'id'], 'duplicate item id');
    tool.items.forEach((item, i) => {
      if (item.id === LEVEL_QUESTION || item.id === OVERALL_QUESTION) {
        at(['tools', t, 'items', i, 'id'], `"${item.id}" is reserved for the ${item.id} question`);
      }
    });
    const rule = tool.overall;
    if (rule.rule === 'count') {
      rule.counted.forEach((answer, c) => {
        if (!answers.has(answer))
          at(['tools', t, 'overall', 'counted', c], `no answer "${answer}" (answers: ${answerList})`);
      });
      rule.thresholds.forEach((threshold, h) => {
        if (!judgements.has(threshold.judgement)) {
          at(
            ['tools', t, 'overall', 'thresholds', h, 'judgement'],
            `no judgement "${threshold.judgement}" (judgements: ${judgementList})`,
          );
        }
        if (threshold.atLeast > tool.items.length) {
          at(
            ['tools', t, 'overall', 'thresholds', h, 'atLeast'],
            `the tool has only ${tool.items.length} items`,
          );
        }
      });
      if (!judgements.has(rule.otherwise)) {
        at(
          ['tools', t, 'overall', 'otherwise'],
          `no judgement "${rule.otherwise}" (judgements: ${judgementList})`,
        );
      }
    }
    if (rule.rule === 'worst') {
      for (const [answer, judgement] of Object.entries(rule.judgementOf)) {
        if (!answers.has(answer))
          at(
            ['tools', t, 'overall', 'judgementOf', answer],
            `no answer "${answer}" (answers: ${answerList})`,
          );
        if (!judgements.has(judgement)) {
          at(
            ['tools', t, 'overall', 'judgementOf', answer],
            `no judgement "${judgement}" (judgements: ${judgementList})`,
          );
        }
      }
      for (const answer of answers) {
        if (!(answer in rule.judgementOf))
          at(['tools', t, 'overall', 'judgementOf'], `answer "${answer}" maps to no judgement`);
      }
    }
  });
  if (appraisal.levels) {
    for (const index of duplicates(appraisal.levels.values, (l) => l.id)) {
      at(['levels', 'values', index, 'id'], 'duplicate level');
    }
  }
  const leaveOut = appraisal.sensitivity?.leaveOut;
  leaveOut?.judgements.forEach((judgement, j) => {
    if (!judgements.has(judgement)) {
      at(
        ['sensitivity', 'leaveOut', 'judgements', j],
        `no judgement "${judgement}" (judgements: ${judgementList})`,
      );
    }
  });
  if (leaveOut?.levelsWorseThan !== undefined) {
    const levels = appraisal.levels?.values.map((l) => l.id) ?? [];
    if (!levels.includes(leaveOut.levelsWorseThan)) {
      at(
        ['sensitivity', 'leaveOut', 'levelsWorseThan'],
        appraisal.levels
          ? `no level "${leaveOut.levelsWorseThan}" (levels: ${levels.join(', ')})`
          : 'the protocol declares no levels',
      );
    }
  }
  return issues;
}

/** The tool that applies to a design, or null when the protocol has none for it. */
export function toolForDesign(appraisal: Appraisal, design: string): AppraisalTool | null {
  return appraisal.tools.find((t) => t.appliesTo.includes(design)) ?? null;
}
