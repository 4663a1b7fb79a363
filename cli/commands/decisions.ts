// `living-review decisions --review ID --reviewer NAME`: one reviewer's own decisions, newest first, with
// where each stands now, as the reviewer may see it (blinded: another screener's decision shows only once the
// stage has settled). Filters: --stage, --decision, --reason (an exclusion reason id or label), --search
// (words in the title or abstract). Reopen one to change it with `living-review screen --record ID`.
import { type MyDecision, myDecisions } from '../../shared/app/screening.ts';
import type { Protocol } from '../../shared/domain/protocol/protocol.ts';
import { stageSchema, voteSchema } from '../../shared/domain/screening/events.ts';
import { type Command, optionalString, requireOption, UsageError } from '../command.ts';
import { dataDirectory, reviewOptions, selectReview } from '../context.ts';
import { jsonText, STAGE_NAMES, table, terminalText } from '../format.ts';
import { openEmbeddedScreening } from '../serve/wiring.ts';
import { reviewerNamed } from './screen.ts';

/** Where the decision's stage stands now, as its reviewer may know it. */
export function standing(d: MyDecision): string {
  const stage = d.stageView;
  if (!stage) return 'no longer counts (an earlier stage changed)';
  if (stage.reopened) return 'settled, back with the arbiter';
  if (stage.settled) {
    const how = stage.result!.settledBy === 'direct' ? ' (included directly)' : '';
    return `settled: ${stage.result!.decision}${how}`;
  }
  return 'open: you may change it';
}

function decisionText(protocol: Protocol, d: MyDecision): string {
  const reason = d.reasonId
    ? ` (${protocol.exclusionReasons.find((r) => r.id === d.reasonId)?.label ?? d.reasonId})`
    : '';
  return `${d.decision}${reason}`;
}

export function formatDecisions(protocol: Protocol, decisions: readonly MyDecision[]): string {
  if (decisions.length === 0) return 'no decisions';
  return table(
    ['when', 'stage', 'decision', 'now', 'record', 'title'],
    decisions.map((d) => [
      d.at.slice(0, 16).replace('T', ' '),
      STAGE_NAMES[d.stage],
      terminalText(decisionText(protocol, d)),
      standing(d),
      d.citationId,
      terminalText(d.title.length > 70 ? `${d.title.slice(0, 69)}…` : d.title),
    ]),
  );
}

export const decisionsCommand: Command = {
  name: 'decisions',
  store: true,
  summary:
    "One reviewer's own screening decisions, newest first, with filters (reopen one with screen --record)",
  usage:
    'decisions --review ID --reviewer NAME [--stage title-abstract|full-text] [--decision include|exclude|maybe] [--reason ID|LABEL] [--search TEXT] [--format table|json] [--data DIR] [--protocol FILE]',
  options: {
    ...reviewOptions,
    reviewer: { type: 'string' },
    stage: { type: 'string' },
    decision: { type: 'string' },
    reason: { type: 'string' },
    search: { type: 'string' },
    format: { type: 'string', default: 'table' },
  },
  async run({ values }, io) {
    const protocol = await selectReview(values);
    const reviewer = reviewerNamed(protocol, requireOption(values, 'reviewer'));
    const format = values.format ?? 'table';
    if (format !== 'table' && format !== 'json')
      throw new UsageError(`--format must be table or json, not "${format}"`);
    const stage = optionalString(values, 'stage');
    if (stage !== undefined && !stageSchema.safeParse(stage).success) {
      throw new UsageError(`--stage must be title-abstract or full-text, not "${stage}"`);
    }
    const decision = optionalString(values, 'decision');
    if (decision !== undefined && !voteSchema.safeParse(decision).success) {
      throw new UsageError(`--decision must be include, exclude or maybe, not "${decision}"`);
    }
    const reasonText = optionalString(values, 'reason');
    const reason = reasonText
      ? protocol.exclusionReasons.find(
          (r) => r.id === reasonText || r.label.toLowerCase() === reasonText.toLowerCase(),
        )
      : undefined;
    if (reasonText && !reason) {
      throw new UsageError(
        `review "${protocol.id}" has no exclusion reason "${reasonText}" (reasons: ${protocol.exclusionReasons.map((r) => r.id).join(', ')})`,
      );
    }
    const search = optionalString(values, 'search');
    const screening = await openEmbeddedScreening(dataDirectory(values), [protocol]);
    try {
      const all: MyDecision[] = [];
      let after: string | null = null;
      do {
        const page = await myDecisions(
          screening.deps,
          protocol,
          { reviewerId: reviewer.id },
          {
            ...(stage ? { stage: stage as MyDecision['stage'] } : {}),
            ...(decision ? { decision: decision as MyDecision['decision'] } : {}),
            ...(reason ? { reasonId: reason.id } : {}),
            ...(search ? { text: search } : {}),
            limit: 200,
            after,
          },
        );
        all.push(...page.decisions);
        after = page.next;
      } while (after);
      io.out(format === 'json' ? jsonText(all, 2) : formatDecisions(protocol, all));
      io.err(`${all.length} decision${all.length === 1 ? '' : 's'} by ${reviewer.id}`);
      return 0;
    } finally {
      await screening.close();
    }
  },
};
