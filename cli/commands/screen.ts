// `living-review screen --review ID --reviewer NAME`: screening in the terminal, one record at a time, reading
// one answer per line from standard input (so a script or a test can drive it):
//   screener: [i]nclude [e]xclude [m]aybe [s]kip [u]ndo [q]uit   (an exclusion then asks for the reason by number)
//   arbiter:  [i]nclude [e]xclude [s]kip [u]ndo [q]uit           (an arbiter settles: "maybe" is refused, saying why)
// `u` goes back to the record decided last in this session (then the one before, ...) to decide it again: the
// new decision replaces the earlier one, or, once the stage has settled, goes to the arbiter. `--record ID`
// opens one record first (a decision to change, from `living-review decisions`).
// Record text is printed with control characters replaced, so a title cannot drive the terminal.
import { createInterface } from 'node:readline';
import {
  type Actor,
  DecisionRejectedError,
  getRecord,
  nextRecord,
  type RecordPayload,
  recordDecision,
  type ScreeningDeps,
} from '../../shared/app/screening.ts';
import { isCollectiveAuthor } from '../../shared/domain/citation/citation.ts';
import type { Protocol } from '../../shared/domain/protocol/protocol.ts';
import type { ReviewerRole, Stage, Vote } from '../../shared/domain/screening/events.ts';
import { type Command, optionalString, requireOption, UsageError } from '../command.ts';
import { dataDirectory, reviewOptions, selectReview } from '../context.ts';
import { STAGE_NAMES, terminalText } from '../format.ts';
import { openEmbeddedScreening } from '../serve/wiring.ts';

export const PROMPT = '[i]nclude [e]xclude [m]aybe [s]kip [u]ndo [q]uit';
export const ARBITER_PROMPT = '[i]nclude [e]xclude [s]kip [u]ndo [q]uit';
/** Asked when the queue is empty after decisions in this session. */
export const END_PROMPT = '[u]ndo the last decision, or [q]uit';
export const ARBITER_MAYBE_REFUSED =
  '"maybe" is not an answer for an arbiter: a conflict is settled by include or exclude (the record stays in conflict until then)';

function reasonLabel(protocol: Protocol, id: string | null): string {
  if (!id) return '';
  return ` (${protocol.exclusionReasons.find((r) => r.id === id)?.label ?? id})`;
}

function describe(payload: RecordPayload, protocol: Protocol, stage: Stage, changing: boolean): string[] {
  const { citation, view } = payload;
  const authors = citation.authors
    .slice(0, 6)
    .map((a) =>
      isCollectiveAuthor(a) ? a.collective : [a.family, a.initials ?? a.given].filter(Boolean).join(' '),
    )
    .join(', ');
  const journal = citation.journal?.title ?? citation.bookTitle ?? 'journal not given';
  const at = view.stages.find((s) => s.stage === stage);
  const conflict = view.decideAs === 'arbiter' && view.stage === stage;
  const lines = [
    '',
    `— ${STAGE_NAMES[stage]}${conflict ? (at?.reopened ? ' (reopened: settle it again)' : ' (conflict to settle)') : ''}${changing ? ' · changing your decision' : ''} · ${view.citationId}`,
    terminalText(citation.title),
    terminalText(`${authors}${citation.authors.length > 6 ? ', et al.' : ''}`),
    terminalText(
      `${journal} · ${citation.year ?? 'year not given'}${citation.pmid ? ` · PMID ${citation.pmid}` : ''}`,
    ),
  ];
  for (const section of citation.abstract) {
    lines.push(terminalText(section.label ? `${section.label}: ${section.text}` : section.text));
  }
  if (at?.mine) {
    lines.push(
      `your current decision: ${at.mine.decision}${at.mine.reasonId ? ` (${at.mine.reasonId})` : ''}`,
    );
  }
  if (changing && at?.settled) {
    lines.push('this stage has settled: a new decision goes to the arbiter, who sees the change');
  }
  if (at?.decisions && (conflict || at.settled)) {
    for (const d of at.decisions) {
      lines.push(
        terminalText(
          `  ${d.reviewerId} (${d.role}): ${d.decision}${reasonLabel(protocol, d.reasonId)}${d.note ? ` — ${d.note}` : ''}`,
        ),
      );
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

/** The stage a reviewer decides again when a record is reopened: the last one they decided and may change. */
export function reopenStage(payload: RecordPayload): Stage | null {
  const mine = payload.view.stages.filter((s) => s.mine && s.decideAs);
  return mine.at(-1)?.stage ?? (payload.view.decideAs ? payload.view.stage : null);
}

export interface TerminalScreeningOptions {
  deps: ScreeningDeps;
  protocol: Protocol;
  actor: Actor;
  as: ReviewerRole;
  /** One answer per line. */
  lines: AsyncIterator<string>;
  write(text: string): void;
  /** A record to open first (to change a decision on it). */
  record?: string;
}

export interface TerminalScreeningResult {
  decided: number;
  skipped: number;
  /** True when the reviewer quit (q or end of input) before the queue ran out. */
  quit: boolean;
}

interface Item {
  payload: RecordPayload;
  stage: Stage;
  changing: boolean;
}

export async function screenInTerminal(options: TerminalScreeningOptions): Promise<TerminalScreeningResult> {
  const { deps, protocol, actor, write } = options;
  const skip: string[] = [];
  /** Decided in this session, last on top: what `u` goes back to. */
  const decided: Array<{ citationId: string; stage: Stage }> = [];
  const result: TerminalScreeningResult = { decided: 0, skipped: 0, quit: false };
  const arbiter = options.as === 'arbiter';
  const read = async (): Promise<string | null> => {
    const next = await options.lines.next();
    return next.done ? null : String(next.value).trim().toLowerCase();
  };
  const reopen = async (citationId: string, stage: Stage | null): Promise<Item | null> => {
    const payload = await getRecord(deps, protocol, actor, citationId);
    const at = stage ?? reopenStage(payload);
    if (!at || !payload.view.stages.find((s) => s.stage === at)?.decideAs) {
      write(
        `you cannot decide on ${citationId} now${payload.view.outcome ? ` (it is ${payload.view.outcome})` : ''}`,
      );
      return null;
    }
    return { payload, stage: at, changing: true };
  };
  let pending: Item | null = options.record ? await reopen(options.record, null) : null;
  for (;;) {
    let item = pending;
    pending = null;
    if (!item) {
      const payload = await nextRecord(deps, protocol, actor, { as: options.as, skip });
      if (!payload) {
        write(arbiter ? 'No conflicts await you.' : 'Nothing awaits you.');
        // The last decision may still be undone before leaving.
        if (decided.length === 0) return result;
        write(END_PROMPT);
        const answer = await read();
        if (answer !== 'u') return result;
        const last = decided.pop()!;
        pending = await reopen(last.citationId, last.stage);
        continue;
      }
      item = { payload, stage: payload.view.stage!, changing: false };
    }
    for (const line of describe(item.payload, protocol, item.stage, item.changing)) write(line);
    let decision: { vote: Vote; reasonId: string | null } | null = null;
    let undo = false;
    while (!decision && !undo) {
      write(arbiter ? ARBITER_PROMPT : PROMPT);
      const answer = await read();
      if (answer === null || answer === 'q') {
        result.quit = true;
        return result;
      }
      if (answer === 's') break;
      if (answer === 'u') {
        const last = decided.pop();
        if (!last) write('nothing to undo in this session');
        else {
          pending = await reopen(last.citationId, last.stage);
          undo = pending !== null;
        }
        continue;
      }
      if (answer === 'i') decision = { vote: 'include', reasonId: null };
      else if (answer === 'm' && arbiter) write(ARBITER_MAYBE_REFUSED);
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
      } else write(`"${terminalText(answer)}": answer ${arbiter ? 'i, e, s, u or q' : 'i, e, m, s, u or q'}`);
    }
    if (undo) continue;
    const citationId = item.payload.view.citationId;
    if (!decision) {
      if (!item.changing) skip.push(citationId);
      result.skipped++;
      continue;
    }
    try {
      const outcome = await recordDecision(deps, protocol, actor, citationId, {
        stage: item.stage,
        decision: decision.vote,
        reasonId: decision.reasonId,
        note: null,
      });
      result.decided++;
      decided.push({ citationId, stage: item.stage });
      const stage = outcome.view.stages.find((s) => s.stage === item.stage);
      const effect = stage?.reopened
        ? ' · sent to the arbiter (the stage had settled)'
        : stage?.settled
          ? ' · stage settled'
          : '';
      write(`recorded: ${decision.vote}${decision.reasonId ? ` (${decision.reasonId})` : ''}${effect}`);
    } catch (error) {
      if (!(error instanceof DecisionRejectedError)) throw error;
      write(`not recorded: ${error.message}`);
      if (!item.changing) skip.push(citationId);
    }
  }
}

export const screenCommand: Command = {
  name: 'screen',
  store: true,
  summary: 'Screen records in the terminal (answers read line by line from stdin; u undoes)',
  usage:
    'screen --review ID --reviewer NAME (reviewer id or name) [--as screener|arbiter] [--record ID] [--data DIR] [--protocol FILE]',
  options: {
    ...reviewOptions,
    reviewer: { type: 'string' },
    as: { type: 'string' },
    record: { type: 'string' },
  },
  async run({ values }, io) {
    const protocol = await selectReview(values);
    const reviewer = reviewerNamed(protocol, requireOption(values, 'reviewer'));
    const as = values.as ?? (reviewer.roles.includes('screener') ? 'screener' : 'arbiter');
    if (as !== 'screener' && as !== 'arbiter') throw new UsageError('--as must be screener or arbiter');
    const screening = await openEmbeddedScreening(dataDirectory(values), [protocol]);
    const input = createInterface({ input: process.stdin, terminal: false });
    const record = optionalString(values, 'record');
    try {
      const result = await screenInTerminal({
        deps: screening.deps,
        protocol,
        actor: { reviewerId: reviewer.id },
        as,
        lines: input[Symbol.asyncIterator](),
        write: (text) => io.out(text),
        ...(record ? { record } : {}),
      });
      io.err(`${result.decided} decided, ${result.skipped} skipped${result.quit ? ' (stopped)' : ''}`);
      return 0;
    } finally {
      input.close();
      await screening.close();
    }
  },
};

/** The review's reviewer by id, or by name (any case); a usage error listing them otherwise. */
export function reviewerNamed(protocol: Protocol, wanted: string) {
  const reviewer =
    protocol.reviewers.find((r) => r.id === wanted) ??
    protocol.reviewers.find((r) => r.name.toLowerCase() === wanted.toLowerCase());
  if (!reviewer) {
    throw new UsageError(
      `review "${protocol.id}" lists no reviewer "${wanted}" (reviewers: ${protocol.reviewers.map((r) => r.id).join(', ')})`,
    );
  }
  return reviewer;
}
