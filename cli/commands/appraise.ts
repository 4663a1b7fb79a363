// `living-review appraise --review ID --reviewer NAME [--as appraiser|arbiter]`: appraise included studies in
// the terminal, one study at a time, reading one answer per line from standard input (like `screen`):
//   a study without a design first asks for it by number; then each question the reviewer still has to answer
//   (an appraiser: the unanswered ones; an arbiter: those in conflict, with both appraisers' answers), answered
//   by number or by answer id; s skips the study, q quits.
import { createInterface } from 'node:readline';
import {
  type AppraisalDeps,
  type AppraisalPayload,
  getAppraisal,
  nextAppraisal,
  recordAnswer,
  setStudyDesign,
} from '../../shared/app/appraisal.ts';
import { type Actor, DecisionRejectedError } from '../../shared/app/screening.ts';
import type { AnswerRole } from '../../shared/domain/appraisal/events.ts';
import type { Protocol } from '../../shared/domain/protocol/protocol.ts';
import { type Command, requireOption, UsageError } from '../command.ts';
import { dataDirectory, reviewOptions, selectReview } from '../context.ts';
import { terminalText } from '../format.ts';
import { openEmbeddedScreening } from '../serve/wiring.ts';
import { reviewerNamed } from './screen.ts';

export interface TerminalAppraisalOptions {
  deps: AppraisalDeps;
  protocol: Protocol;
  actor: Actor;
  as: AnswerRole;
  /** One answer per line. */
  lines: AsyncIterator<string>;
  write(text: string): void;
}

export interface TerminalAppraisalResult {
  /** Answers (and designs) recorded. */
  recorded: number;
  /** Studies skipped. */
  skipped: number;
  /** True when the reviewer quit (q or end of input) before the queue ran out. */
  quit: boolean;
}

function describe(payload: AppraisalPayload): string[] {
  const { study, view } = payload;
  const lines = [
    '',
    `— ${view.toolName ?? 'design not set'}${view.answerAs === 'arbiter' ? ' (conflict to settle)' : ''} · ${study.studyId}`,
    terminalText(study.title),
    terminalText(
      [study.year ?? 'year not given', study.links.pubmed, study.links.doi]
        .filter((x) => x !== null)
        .join(' · '),
    ),
  ];
  if (study.retracted) lines.push('RETRACTED');
  for (const section of study.abstract) {
    lines.push(terminalText(section.label ? `${section.label}: ${section.text}` : section.text));
  }
  return lines;
}

type Choice = { kind: 'value'; id: string } | { kind: 'skip' } | { kind: 'quit' };

export async function appraiseInTerminal(
  options: TerminalAppraisalOptions,
): Promise<TerminalAppraisalResult> {
  const { deps, protocol, actor, write } = options;
  const skip: string[] = [];
  const result: TerminalAppraisalResult = { recorded: 0, skipped: 0, quit: false };
  /** Reads a choice among `choices` (by number or id) until one is valid, or s / q / end of input. */
  const choose = async (choices: ReadonlyArray<{ id: string; label: string }>): Promise<Choice> => {
    choices.forEach((c, i) => {
      write(`  ${i + 1}. ${terminalText(c.label)}`);
    });
    for (;;) {
      write(`answer [1-${choices.length}], s to skip the study, q to quit:`);
      const next = await options.lines.next();
      if (next.done) return { kind: 'quit' };
      const line = String(next.value).trim();
      if (line.toLowerCase() === 'q') return { kind: 'quit' };
      if (line.toLowerCase() === 's') return { kind: 'skip' };
      const chosen = /^\d+$/.test(line) ? choices[Number(line) - 1] : choices.find((c) => c.id === line);
      if (chosen) return { kind: 'value', id: chosen.id };
      write(`"${terminalText(line)}" is not one of the answers`);
    }
  };
  const record = async (action: () => Promise<unknown>): Promise<boolean> => {
    try {
      await action();
      result.recorded++;
      return true;
    } catch (error) {
      if (!(error instanceof DecisionRejectedError)) throw error;
      write(`not recorded: ${error.message}`);
      return false;
    }
  };
  for (;;) {
    let payload = await nextAppraisal(deps, protocol, actor, { as: options.as, skip });
    if (!payload) {
      write(
        options.as === 'arbiter' ? 'No appraisal conflicts await you.' : 'No studies await your appraisal.',
      );
      return result;
    }
    const studyId = payload.study.studyId;
    for (const line of describe(payload)) write(line);
    let skipped = false;
    if (!payload.view.design) {
      write('study design:');
      const pick = await choose(payload.designs);
      if (pick.kind === 'quit') return { ...result, quit: true };
      if (
        pick.kind === 'skip' ||
        !(await record(() => setStudyDesign(deps, protocol, actor, studyId, { design: pick.id })))
      ) {
        skipped = true;
      } else payload = await getAppraisal(deps, protocol, actor, studyId);
    }
    const todo = skipped
      ? []
      : payload.view.questions.filter((q) =>
          payload.view.answerAs === 'arbiter' ? q.inConflict && !q.arbiter : !q.mine,
        );
    for (const [index, question] of todo.entries()) {
      write(`${index + 1}/${todo.length} ${terminalText(question.text)}`);
      for (const other of question.appraisers ?? []) {
        write(terminalText(`  ${other.reviewerId}: ${other.answer}${other.note ? ` — ${other.note}` : ''}`));
      }
      const pick = await choose(question.answers);
      if (pick.kind === 'quit') return { ...result, quit: true };
      if (pick.kind === 'skip') {
        skipped = true;
        break;
      }
      const ok = await record(() =>
        recordAnswer(deps, protocol, actor, studyId, {
          questionId: question.id,
          answer: pick.id,
          note: null,
        }),
      );
      if (!ok) {
        skipped = true;
        break;
      }
    }
    if (skipped) {
      skip.push(studyId);
      result.skipped++;
      continue;
    }
    const after = await getAppraisal(deps, protocol, actor, studyId);
    write(
      after.view.settled
        ? `settled: ${after.view.judgement ?? 'no judgement'}${after.view.level ? ` · level ${after.view.level}` : ''}`
        : `recorded your answers to ${studyId}`,
    );
    if (!after.view.settled) skip.push(studyId);
  }
}

export const appraiseCommand: Command = {
  name: 'appraise',
  store: true,
  summary: 'Appraise included studies in the terminal (answers read line by line from stdin)',
  usage:
    'appraise --review ID --reviewer NAME (reviewer id or name) [--as appraiser|arbiter] [--data DIR] [--protocol FILE]',
  options: { ...reviewOptions, reviewer: { type: 'string' }, as: { type: 'string' } },
  async run({ values }, io) {
    const protocol = await selectReview(values);
    if (!protocol.appraisal)
      throw new UsageError(`review "${protocol.id}" declares no appraisal in its protocol`);
    const reviewer = reviewerNamed(protocol, requireOption(values, 'reviewer'));
    const as = values.as ?? (reviewer.roles.includes('appraiser') ? 'appraiser' : 'arbiter');
    if (as !== 'appraiser' && as !== 'arbiter') throw new UsageError('--as must be appraiser or arbiter');
    if (!reviewer.roles.includes(as)) {
      throw new UsageError(`${reviewer.id} is not an ${as} of review "${protocol.id}"`);
    }
    const store = await openEmbeddedScreening(dataDirectory(values), [protocol]);
    const input = createInterface({ input: process.stdin, terminal: false });
    try {
      const result = await appraiseInTerminal({
        deps: store.appraisal,
        protocol,
        actor: { reviewerId: reviewer.id },
        as,
        lines: input[Symbol.asyncIterator](),
        write: (text) => io.out(text),
      });
      io.err(`${result.recorded} recorded, ${result.skipped} skipped${result.quit ? ' (stopped)' : ''}`);
      return 0;
    } finally {
      input.close();
      await store.close();
    }
  },
};
