// `living-review extract verify` and `extract resolve`: extraction verification in the terminal, line by line
// from stdin (as `screen` and `appraise`), or in one go for scripts.
//
//   extract verify --review ID --reviewer NAME [--study S]          list what waits, then one row at a time:
//       c = confirm, f FIELD=VALUE NOTE = flag a field (several f lines, then d to send them), s, q
//   extract verify ... --study S [--row R ...] --confirm            confirm rows (all waiting ones of S)
//   extract verify ... --study S --row R --flag FIELD=VALUE [--flag ...] --note TEXT
//   extract resolve --review ID --reviewer NAME [--study S]         each disputed field: a [VALUE] = accept a
//       proposal, k NOTE = keep the value, s, q
//   extract resolve ... --study S --row R --field F (--accept [--value V] | --keep) [--note TEXT]
//
// Values are written as in the import's CSV cells (empty or NA = not reported, levels in any case, lists
// separated by ";").
import { createInterface } from 'node:readline';
import type { Actor } from '../../shared/app/screening.ts';
import { DecisionRejectedError, InvalidRequestError } from '../../shared/app/screening.ts';
import {
  confirmRows,
  flagRow,
  type RowForReviewer,
  resolveField,
  type VerificationDeps,
  verificationQueue,
} from '../../shared/app/verify-extraction.ts';
import type { Protocol } from '../../shared/domain/protocol/protocol.ts';
import { UsageError } from '../command.ts';
import { terminalText } from '../format.ts';

export interface TerminalVerificationOptions {
  deps: VerificationDeps;
  protocol: Protocol;
  actor: Actor;
  mode: 'verify' | 'resolve';
  studyId?: string;
  lines: AsyncIterator<string>;
  write(text: string): void;
}

function show(value: unknown): string {
  if (value === null || value === undefined) return 'not reported';
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.join(';');
  return String(value);
}

function describeRow(protocol: Protocol, item: RowForReviewer): string[] {
  const lines = [
    '',
    `— study ${item.studyId} · patient ${item.row.patientId} (extracted by ${item.view.extractor})`,
    terminalText(item.studyTitle),
  ];
  for (const variable of protocol.extraction?.variables ?? []) {
    lines.push(terminalText(`  ${variable.name}: ${show(item.row[variable.name])}`));
  }
  return lines;
}

/** "FIELD=VALUE" -> its parts. */
export function fieldAssignment(text: string): { field: string; value: string } {
  const at = text.indexOf('=');
  if (at <= 0) throw new UsageError(`expected FIELD=VALUE, not "${text}"`);
  return { field: text.slice(0, at).trim(), value: text.slice(at + 1).trim() };
}

export async function verifyInTerminal(
  options: TerminalVerificationOptions,
): Promise<{ recorded: number; skipped: number; quit: boolean }> {
  const { deps, protocol, actor, write } = options;
  const result = { recorded: 0, skipped: 0, quit: false };
  const read = async (prompt: string): Promise<string | null> => {
    write(prompt);
    const next = await options.lines.next();
    return next.done ? null : String(next.value).trim();
  };
  const queue = await verificationQueue(deps, protocol, actor, {
    ...(options.studyId ? { studyId: options.studyId } : {}),
  });
  const items = options.mode === 'verify' ? queue.verify : queue.resolve;
  write(
    `${items.length} row${items.length === 1 ? '' : 's'} ${options.mode === 'verify' ? 'wait for your verification' : 'wait for you to resolve their flags'} (of ${queue.counts.rows} rows: ${queue.counts.verified} verified, ${queue.counts.awaiting} awaiting verification, ${queue.counts.disputed} disputed${queue.counts.notRecorded > 0 ? `, ${queue.counts.notRecorded} without a recorded extractor` : ''})`,
  );
  const attempt = async (action: () => Promise<unknown>) => {
    try {
      await action();
      result.recorded++;
      return true;
    } catch (error) {
      if (!(error instanceof DecisionRejectedError) && !(error instanceof InvalidRequestError)) throw error;
      write(`not recorded: ${error.message}`);
      return false;
    }
  };
  for (const item of items) {
    for (const line of describeRow(protocol, item)) write(line);
    const { studyId } = item;
    const patientId = item.row.patientId;
    if (options.mode === 'verify') {
      const flags: { field: string; value: string; note: string }[] = [];
      for (;;) {
        const line = await read(
          flags.length === 0
            ? 'c to confirm, f FIELD=VALUE NOTE to flag a field, s to skip, q to quit:'
            : `${flags.length} flag${flags.length === 1 ? '' : 's'}: another f line, d to send, s to drop them and skip:`,
        );
        if (line === null || line.toLowerCase() === 'q') return { ...result, quit: true };
        if (line.toLowerCase() === 's') {
          result.skipped++;
          break;
        }
        if (line.toLowerCase() === 'c' && flags.length === 0) {
          await attempt(() => confirmRows(deps, protocol, actor, studyId, { patientIds: [patientId] }));
          break;
        }
        if (line.toLowerCase() === 'd' && flags.length > 0) {
          await attempt(() =>
            flagRow(deps, protocol, actor, studyId, patientId, { fields: flags, as: 'text' }),
          );
          break;
        }
        const flag = /^f\s+([^=\s]+)=(\S*)\s+(.+)$/i.exec(line);
        if (flag) flags.push({ field: flag[1]!, value: flag[2]!, note: flag[3]! });
        else write(`"${terminalText(line)}" is not c, f FIELD=VALUE NOTE, d, s or q`);
      }
      continue;
    }
    for (const field of item.view.open ?? []) {
      for (const verdict of item.view.verdicts ?? []) {
        for (const flag of verdict.fields.filter((f) => f.field === field)) {
          write(
            terminalText(`  ${verdict.reviewerId} flags ${field}: ${show(flag.proposed)} — ${flag.note}`),
          );
        }
      }
      const line = await read(
        `${field} is ${show(item.row[field])}: a [VALUE] to accept a proposal, k NOTE to keep it, s to skip, q to quit:`,
      );
      if (line === null || line.toLowerCase() === 'q') return { ...result, quit: true };
      if (line.toLowerCase() === 's') {
        result.skipped++;
        break;
      }
      const accept = /^a(?:\s+(.*))?$/i.exec(line);
      const keep = /^k\s+(.+)$/i.exec(line);
      if (accept) {
        await attempt(() =>
          resolveField(deps, protocol, actor, studyId, patientId, {
            field,
            decision: 'accept',
            ...(accept[1] !== undefined ? { value: accept[1] } : {}),
            note: null,
            as: 'text',
          }),
        );
      } else if (keep) {
        await attempt(() =>
          resolveField(deps, protocol, actor, studyId, patientId, {
            field,
            decision: 'keep',
            note: keep[1]!,
          }),
        );
      } else {
        write(`"${terminalText(line)}" is not a [VALUE], k NOTE, s or q`);
        result.skipped++;
        break;
      }
    }
  }
  return result;
}

export function stdinLines() {
  const input = createInterface({ input: process.stdin, terminal: false });
  return { lines: input[Symbol.asyncIterator](), close: () => input.close() };
}
