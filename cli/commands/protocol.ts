// `living-review init --review ID [--out FILE]`: write a commented protocol skeleton (protocols/<ID>.yaml by
// default; an existing file is never overwritten).
// `living-review protocol check [FILE ...] [--format text|json]`: validate protocol files (every file in the
// protocols directory when none is given) and print what each declares; an invalid file fails with every bad
// field named.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  defaultProtocolDirectory,
  loadProtocolDirectory,
  loadProtocolFile,
} from '../../shared/config/load-protocols.ts';
import { endpointUnit, STUDY_VARIABLE } from '../../shared/domain/protocol/analysis.ts';
import { analysisPlanOf } from '../../shared/domain/protocol/plan.ts';
import type { Protocol } from '../../shared/domain/protocol/protocol.ts';
import { describeVariable } from '../../shared/domain/protocol/variables.ts';
import { describeTrigger } from '../../shared/domain/triggers/evaluate.ts';
import { errorMessage, InputError } from '../../shared/errors.ts';
import { type Command, optionalString, UsageError } from '../command.ts';
import { jsonText } from '../format.ts';
import { protocolSkeleton } from './protocol-skeleton.ts';

const REVIEW_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;

export const initCommand: Command = {
  name: 'init',
  summary: 'Write a commented protocol skeleton for a new review',
  usage: 'init --review ID [--out FILE]',
  options: { review: { type: 'string' }, out: { type: 'string' } },
  async run({ values }, io) {
    const id = optionalString(values, 'review');
    if (!id) throw new UsageError('--review ID is required');
    if (!REVIEW_ID.test(id)) {
      throw new UsageError(`--review "${id}": expected 2-63 lower-case letters, digits and dashes`);
    }
    const out = optionalString(values, 'out') ?? join(defaultProtocolDirectory(), `${id}.yaml`);
    const today = new Date().toISOString().slice(0, 10);
    try {
      await writeFile(out, protocolSkeleton(id, today), { encoding: 'utf8', flag: 'wx' });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new InputError(
        code === 'EEXIST'
          ? `${out} exists: not overwritten`
          : `${out}: cannot write (${errorMessage(error)})`,
      );
    }
    io.out(out);
    io.err(
      `wrote a protocol skeleton for review "${id}": edit it, then check it with living-review protocol check ${out}`,
    );
    return 0;
  },
};

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** What a valid protocol declares, one line per part, for a person checking it. */
export function describeProtocol(protocol: Protocol, file: string): string {
  const plan = analysisPlanOf(protocol);
  const lines = [`${file}: valid protocol "${protocol.id}": ${protocol.title}`];
  lines.push(
    `  sources: ${protocol.sources.map((s) => s.name).join(', ')}; query of ${protocol.query.length} characters`,
  );
  lines.push(
    `  schedule: ${protocol.schedule.cron} (UTC), windows overlap ${plural(protocol.schedule.overlapDays, 'day')}; monitoring from ${protocol.monitoringStart}`,
  );
  const roles = (role: string) =>
    protocol.reviewers.filter((r) => (r.roles as string[]).includes(role)).length;
  lines.push(
    `  reviewers: ${protocol.reviewers.length} (${plural(roles('screener'), 'screener')}, ${plural(roles('arbiter'), 'arbiter')}, ${plural(roles('extractor'), 'extractor')}); ${plural(protocol.exclusionReasons.length, 'exclusion reason')}`,
  );
  lines.push(
    `  digest to: ${protocol.digest.recipients.join(', ')}; on retraction: ${protocol.onRetraction}`,
  );
  if (plan.variables.length === 0) {
    lines.push('  extraction: none (the review screens but extracts no patient data)');
  } else {
    lines.push(`  variables (${plan.variables.length}):`);
    for (const v of plan.variables) {
      lines.push(
        `    ${v.name}${v.label ? ` "${v.label}"` : ''}: ${v.type}, ${describeVariable(v)}${v.required ? '' : ', optional column'}`,
      );
    }
    lines.push(`  rules: ${protocol.extraction?.rules.length ?? 0}`);
  }
  for (const table of plan.tables) {
    const rows = table.sections.reduce((sum, s) => sum + s.rows.length, 0);
    lines.push(
      `  table ${table.id}: ${table.title} (${plural(table.sections.length, 'section')}, ${plural(rows, 'row definition')})`,
    );
  }
  for (const e of plan.survival.endpoints) {
    lines.push(
      `  endpoint ${e.id}: ${e.label} (time ${e.time}, event ${e.event}, ${endpointUnit(e, plan.variables)}${e.followUp ? ', with median follow-up' : ''})`,
    );
  }
  for (const c of plan.survival.comparisons) {
    lines.push(
      `  comparison ${c.id}: ${c.endpoint} by ${c.by === STUDY_VARIABLE ? 'study' : c.by} (Kaplan-Meier per group, log-rank)`,
    );
  }
  for (const m of plan.survival.models) {
    const covariates = m.covariates.map((c) =>
      c.reference ? `${c.variable} (reference ${c.reference})` : c.variable,
    );
    const strata = m.strata ? `, strata ${m.strata === STUDY_VARIABLE ? 'study' : m.strata}` : '';
    lines.push(`  model ${m.id}: ${m.endpoint} ~ ${covariates.join(' + ')}${strata} (Cox, ${m.ties} ties)`);
  }
  const context = {
    endpoints: new Map(
      plan.survival.endpoints.map((e) => [e.id, { label: e.label, unit: endpointUnit(e, plan.variables) }]),
    ),
    models: new Map(plan.survival.models.map((m) => [m.id, m.label])),
  };
  for (const trigger of protocol.updateTriggers)
    lines.push(`  trigger: ${describeTrigger(trigger, context)}`);
  return lines.join('\n');
}

export const protocolCommand: Command = {
  name: 'protocol',
  summary: 'Check protocol files and print what each declares',
  usage: 'protocol check [FILE ...] [--format text|json]',
  options: { format: { type: 'string', default: 'text' } },
  positionals: true,
  async run({ values, positionals }, io) {
    const [action, ...files] = positionals;
    if (action !== 'check') {
      throw new UsageError(action ? `unknown protocol action "${action}" (check)` : 'give check');
    }
    const format = optionalString(values, 'format') ?? 'text';
    if (format !== 'text' && format !== 'json')
      throw new UsageError(`--format must be text or json, not "${format}"`);
    const checked: { file: string; protocol: Protocol }[] =
      files.length > 0
        ? files.map((file) => ({ file, protocol: loadProtocolFile(file) }))
        : loadProtocolDirectory(defaultProtocolDirectory()).map((protocol) => ({
            file: `${defaultProtocolDirectory()} (review ${protocol.id})`,
            protocol,
          }));
    if (format === 'json') {
      io.out(jsonText(checked.length === 1 ? checked[0]!.protocol : checked.map((c) => c.protocol), 2));
    } else {
      io.out(checked.map(({ file, protocol }) => describeProtocol(protocol, file)).join('\n\n'));
    }
    return 0;
  },
};
