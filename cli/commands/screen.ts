// `living-review screen --review ID --reviewer NAME`: screening in the terminal, one record at a time, reading
// one answer per line from standard input (so a script or a test can drive it):
//   [i]nclude [e]xclude [m]aybe [s]kip [q]uit   (an exclusion then asks for the reason by number)
// Record text is printed with control characters replaced, so a title cannot drive the terminal.
import { createInterface } from 'node:readline';
import {
  type Actor,
  DecisionRejectedError,
  nextRecord,
  type RecordPayload,
  recordDecision,
  type ScreeningDeps,
} from '../../shared/app/screening.ts';
import { isCollectiveAuthor } from '../../shared/domain/citation/citation.ts';
import type { Protocol } from '../../shared/domain/protocol/protocol.ts';
import type { Vote } from '../../shared/domain/screening/events.ts';
import { type Command, requireOption, UsageError } from '../command.ts';
import { dataDirectory, reviewOptions, selectReview } from '../context.ts';
import { terminalText } from '../format.ts';
import { openEmbeddedScreening } from '../serve/wiring.ts';

const STAGE_NAMES = { 'title-abstract': 'title/abstract', 'full-text': 'full text' } as const;
export const PROMPT = '[i]nclude [e]xclude [m]aybe [s]kip [q]uit';

function describe(payload: RecordPayload, protocol: Protocol): string[] {
  const { citation, view } = payload;
  const authors = citation.authors
    .slice(0, 6)
    .map((a) =>
      isCollectiveAuthor(a) ? a.collective : [a.family, a.initials ?? a.given].filter(Boolean).join(' '),
    )
    .join(', ');
  const journal = citation.journal?.title ?? citation.bookTitle ?? 'journal not given';
  const lines = [
    '',
    `— ${view.stage ? STAGE_NAMES[view.stage] : 'closed'}${view.decideAs === 'arbiter' ? ' (conflict to settle)' : ''} · ${view.citationId}`,
    terminalText(citation.title),
    terminalText(`${authors}${citation.authors.length > 6 ? ', et al.' : ''}`),
    terminalText(
      `${journal} · ${citation.year ?? 'year not given'}${citation.pmid ? ` · PMID ${citation.pmid}` : ''}`,
    ),
  ];
  for (const section of citation.abstract) {
    lines.push(terminalText(section.label ? `${section.label}: ${section.text}` : section.text));
  }
  const open = view.stages.find((s) => s.stage === view.stage);
  if (open?.mine)
    lines.push(
      `your current decision: ${open.mine.decision}${open.mine.reasonId ? ` (${open.mine.reasonId})` : ''}`,
    );
  if (view.decideAs === 'arbiter' && open?.decisions) {
    for (const d of open.decisions) {
      const reason = d.reasonId
        ? ` (${protocol.exclusionReasons.find((r) => r.id === d.reasonId)?.label ?? d.reasonId})`
        : '';
      lines.push(terminalText(`  ${d.reviewerId}: ${d.decision}${reason}${d.note ? ` — ${d.note}` : ''}`));
    }
  }
  for (const pair of payload.possibleDuplicates) {
    lines.push(
      terminalText(
        `possible duplicate of ${pair.twin?.citationId ?? '?'}: ${pair.twin?.title ?? ''} (${pair.reason})`,
      ),
    );
  }
  return lines;
}

export interface TerminalScreeningOptions {
  deps: ScreeningDeps;
  protocol: Protocol;
  actor: Actor;
  as: 'screener' | 'arbiter';
  /** One answer per line. */
  lines: AsyncIterator<string>;
  write(text: string): void;
}

export interface TerminalScreeningResult {
  decided: number;
  skipped: number;
  /** True when the reviewer quit (q or end of input) before the queue ran out. */
  quit: boolean;
}

export async function screenInTerminal(options: TerminalScreeningOptions): Promise<TerminalScreeningResult> {
  const { deps, protocol, actor, write } = options;
  const skip: string[] = [];
  const result: TerminalScreeningResult = { decided: 0, skipped: 0, quit: false };
  const read = async (): Promise<string | null> => {
    const next = await options.lines.next();
    return next.done ? null : String(next.value).trim().toLowerCase();
  };
  for (;;) {
    const payload = await nextRecord(deps, protocol, actor, { as: options.as, skip });
    if (!payload) {
      write(options.as === 'arbiter' ? 'No conflicts await you.' : 'Nothing awaits you.');
      return result;
    }
    for (const line of describe(payload, protocol)) write(line);
    let decision: { vote: Vote; reasonId: string | null } | null = null;
    while (!decision) {
      write(PROMPT);
      const answer = await read();
      if (answer === null || answer === 'q') {
        result.quit = true;
        return result;
      }
      if (answer === 's') break;
      if (answer === 'i') decision = { vote: 'include', reasonId: null };
      else if (answer === 'm') decision = { vote: 'maybe', reasonId: null };
      else if (answer === 'e') {
        protocol.exclusionReasons.forEach((r, i) => {
          write(`  ${i + 1}. ${r.label}`);
        });
        for (;;) {
          write(`reason [1-${protocol.exclusionReasons.length}], or c to cancel:`);
          const pick = await read();
          if (pick === null) {
            result.quit = true;
            return result;
          }
          if (pick === 'c') break;
          const reason = protocol.exclusionReasons[Number(pick) - 1];
          if (/^\d+$/.test(pick) && reason) {
            decision = { vote: 'exclude', reasonId: reason.id };
            break;
          }
          write(`"${terminalText(pick)}" is not a reason number`);
        }
      } else write(`"${terminalText(answer)}": answer i, e, m, s or q`);
    }
    if (!decision) {
      skip.push(payload.view.citationId);
      result.skipped++;
      continue;
    }
    try {
      const outcome = await recordDecision(deps, protocol, actor, payload.view.citationId, {
        stage: payload.view.stage!,
        decision: decision.vote,
        reasonId: decision.reasonId,
        note: null,
      });
      result.decided++;
      const stage = outcome.view.stages.find((s) => s.stage === payload.view.stage);
      write(
        `recorded: ${decision.vote}${decision.reasonId ? ` (${decision.reasonId})` : ''}${stage?.settled ? ' · stage settled' : ''}`,
      );
    } catch (error) {
      if (!(error instanceof DecisionRejectedError)) throw error;
      write(`not recorded: ${error.message}`);
      skip.push(payload.view.citationId);
    }
  }
}

export const screenCommand: Command = {
  name: 'screen',
  summary: 'Screen records in the terminal (answers read line by line from stdin)',
  usage:
    'screen --review ID --reviewer NAME (reviewer id or name) [--as screener|arbiter] [--data DIR] [--protocol FILE]',
  options: { ...reviewOptions, reviewer: { type: 'string' }, as: { type: 'string' } },
  async run({ values }, io) {
    const protocol = selectReview(values);
    const wanted = requireOption(values, 'reviewer');
    const reviewer =
      protocol.reviewers.find((r) => r.id === wanted) ??
      protocol.reviewers.find((r) => r.name.toLowerCase() === wanted.toLowerCase());
    if (!reviewer) {
      throw new UsageError(
        `review "${protocol.id}" lists no reviewer "${wanted}" (reviewers: ${protocol.reviewers.map((r) => r.id).join(', ')})`,
      );
    }
    const as = values.as ?? (reviewer.roles.includes('screener') ? 'screener' : 'arbiter');
    if (as !== 'screener' && as !== 'arbiter') throw new UsageError('--as must be screener or arbiter');
    const screening = await openEmbeddedScreening(dataDirectory(values), [protocol]);
    const input = createInterface({ input: process.stdin, terminal: false });
    try {
      const result = await screenInTerminal({
        deps: screening.deps,
        protocol,
        actor: { reviewerId: reviewer.id },
        as,
        lines: input[Symbol.asyncIterator](),
        write: (text) => io.out(text),
      });
      io.err(`${result.decided} decided, ${result.skipped} skipped${result.quit ? ' (stopped)' : ''}`);
      return 0;
    } finally {
      input.close();
      await screening.close();
    }
  },
};
