// `living-review stats --review ID [--format md|json|csv] [--recompute]` (issue #5): the latest statistics
// snapshot of a review. md: Tables I-III, the Kaplan-Meier summaries and what changed since the previous
// version; csv and json: the tables as renderTables writes them, for R or a spreadsheet. --recompute brings the
// snapshot up to date first (the local store has no stream doing it after every write).
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoEvidenceStore } from '../../shared/adapters/dynamodb/evidence-store.ts';
import { latestStatistics, recomputeStatistics } from '../../shared/app/recompute-statistics.ts';
import type { KmSummary, SnapshotDiff, StatisticsSnapshot } from '../../shared/domain/stats/snapshot.ts';
import { formatNumber, renderTables, type TableFormat } from '../../shared/domain/stats/tables.ts';
import { type Command, UsageError } from '../command.ts';
import { openStore, reviewOptions, selectReview, storeOptions } from '../context.ts';
import { whileReading } from '../progress.ts';

/** The evidence adapter over an open embedded store. */
export function evidenceStoreOf(embedded: { client: DynamoDBDocumentClient; tableName: string }) {
  return new DynamoEvidenceStore({ client: embedded.client, tableName: embedded.tableName });
}

const KM_LABELS: Record<keyof StatisticsSnapshot['km'], string> = {
  os: 'Overall survival (months)',
  lc: 'Local control (months)',
  followUp: 'Follow-up, reverse Kaplan-Meier (months)',
};

function number(value: number | null, missing = 'NA'): string {
  return value === null ? missing : formatNumber(value);
}

function kmLine(name: keyof StatisticsSnapshot['km'], km: KmSummary): string {
  const median = km.median === null ? 'not reached' : formatNumber(km.median);
  return `| ${KM_LABELS[name]} | ${km.n} | ${km.events} | ${km.unknown} | ${median} (${number(km.lcl)}–${number(km.ucl)}) |`;
}

function proportionText(
  value: { count: number; denominator: number; percent: number | null } | null,
): string {
  if (!value) return 'absent';
  return value.percent === null
    ? `${value.count}/${value.denominator}`
    : `${value.count}/${value.denominator} (${value.percent.toFixed(1)}%)`;
}

function medianText(
  value: { n: number; median: number | null; min: number | null; max: number | null } | null,
) {
  if (!value) return 'absent';
  if (value.median === null) return `NA (n = ${value.n})`;
  return `${formatNumber(value.median)} (${number(value.min)}–${number(value.max)}), n = ${value.n}`;
}

function signed(value: number): string {
  return `${value > 0 ? '+' : ''}${formatNumber(value)}`;
}

function idList(ids: readonly string[], max = 10): string {
  const shown = ids.slice(0, max).join(', ');
  return ids.length > max ? `${shown}, ... (${ids.length - max} more)` : shown;
}

/** "What changed since vN" as Markdown list lines. */
export function describeDiff(diff: SnapshotDiff): string[] {
  const lines: string[] = [];
  if (diff.patientsAdded.length)
    lines.push(`- patients added (${diff.patientsAdded.length}): ${idList(diff.patientsAdded)}`);
  if (diff.patientsRemoved.length)
    lines.push(`- patients removed (${diff.patientsRemoved.length}): ${idList(diff.patientsRemoved)}`);
  if (diff.studiesAdded.length)
    lines.push(`- studies added (${diff.studiesAdded.length}): ${idList(diff.studiesAdded)}`);
  const withdrawn = diff.studiesWithdrawn ?? [];
  if (withdrawn.length)
    lines.push(
      `- studies withdrawn (${withdrawn.length}): ${withdrawn.map((s) => `${s.studyId} (${s.reason})`).join(', ')}`,
    );
  const removed = diff.studiesRemoved.filter((id) => !withdrawn.some((s) => s.studyId === id));
  if (removed.length) lines.push(`- studies removed (${removed.length}): ${idList(removed)}`);
  for (const change of diff.proportions) {
    const points =
      change.percentagePoints === null
        ? ''
        : ` (${change.percentagePoints > 0 ? '+' : ''}${change.percentagePoints.toFixed(1)} points)`;
    lines.push(
      `- Table ${change.table}, ${change.label}: ${proportionText(change.before)} → ${proportionText(change.after)}${points}`,
    );
  }
  for (const change of diff.medians) {
    const shift = change.shift === null ? '' : ` (median ${signed(change.shift)})`;
    lines.push(
      `- Table ${change.table}, ${change.label}: ${medianText(change.before)} → ${medianText(change.after)}${shift}`,
    );
  }
  for (const change of diff.km) {
    const before = change.before.median === null ? 'not reached' : formatNumber(change.before.median);
    const after = change.after.median === null ? 'not reached' : formatNumber(change.after.median);
    lines.push(
      `- ${KM_LABELS[change.curve]}: median ${before} → ${after} (n ${change.before.n} → ${change.after.n}, events ${change.before.events} → ${change.after.events})`,
    );
  }
  if (lines.length === 0) lines.push('- no reported number moved');
  return lines;
}

/** The Markdown report of one snapshot and its diff. */
export function renderStatisticsMarkdown(snapshot: StatisticsSnapshot, diff: SnapshotDiff | null): string {
  const out: string[] = [
    `# Statistics of review "${snapshot.reviewId}", version ${snapshot.version}`,
    '',
    `Computed ${snapshot.generatedAt} from ${snapshot.patients.count} patient${snapshot.patients.count === 1 ? '' : 's'} in ${snapshot.studies.patients.length} of ${snapshot.studies.count} included stud${snapshot.studies.count === 1 ? 'y' : 'ies'}.`,
  ];
  if (snapshot.studies.withoutPatients.length > 0) {
    out.push(
      `Included studies without patient rows yet (${snapshot.studies.withoutPatients.length}): ${idList(snapshot.studies.withoutPatients)}.`,
    );
  }
  const withdrawn = snapshot.studies.withdrawn ?? [];
  if (withdrawn.length > 0) {
    out.push(
      `Withdrawn studies, left out with their patients (${withdrawn.length}): ${withdrawn.map((s) => `${s.studyId} (${s.at} by ${s.by}: ${s.reason})`).join(', ')}.`,
    );
  }
  out.push('');
  if (snapshot.patients.count === 0) {
    out.push(`Review "${snapshot.reviewId}" has no patient rows yet: there is nothing to tabulate.`, '');
  } else {
    out.push(renderTables(snapshot.tables, 'md').trimEnd(), '');
    out.push('### Kaplan–Meier', '');
    out.push('| Curve | n | Events | Not reported | Median (95% CI) |', '| --- | --- | --- | --- | --- |');
    for (const name of Object.keys(KM_LABELS) as (keyof StatisticsSnapshot['km'])[]) {
      out.push(kmLine(name, snapshot.km[name]));
    }
    out.push('', 'Medians with log-transformed 95% confidence intervals, as R survival prints them.', '');
  }
  if (diff === null) {
    out.push('### What changed', '', 'This is the first version: nothing to compare with.');
  } else {
    out.push(`### What changed since v${diff.fromVersion}`, '', ...describeDiff(diff));
  }
  return `${out.join('\n')}\n`;
}

export const statsCommand: Command = {
  name: 'stats',
  summary: "A review's latest statistics: Tables I-III, Kaplan-Meier medians and what changed",
  usage:
    'stats --review ID [--format md|json|csv] [--recompute] [--protocol FILE] [--data DIR | --aws-table NAME]',
  options: {
    ...reviewOptions,
    ...storeOptions,
    format: { type: 'string', default: 'md' },
    recompute: { type: 'boolean' },
  },
  async run({ values }, io) {
    const format = values.format ?? 'md';
    if (format !== 'md' && format !== 'json' && format !== 'csv') {
      throw new UsageError(`--format must be md, json or csv, not "${format}"`);
    }
    const protocol = selectReview(values);
    const embedded = await openStore(values);
    try {
      const evidence = evidenceStoreOf(embedded);
      if (values.recompute === true) {
        const outcome = await whileReading(io, embedded, 'recomputing', () =>
          recomputeStatistics(
            { reviewId: protocol.id, onRetraction: protocol.onRetraction },
            { evidence, clock: () => new Date() },
          ),
        );
        io.err(
          outcome.changed
            ? `stored version ${outcome.version}`
            : `nothing changed${outcome.version ? ` since version ${outcome.version}` : ''}`,
        );
      }
      const stored = await latestStatistics(protocol.id, { evidence });
      if (!stored) {
        const message = `review "${protocol.id}" has no statistics yet: no snapshot is stored (include studies with living-review include, import patient rows with living-review extract import)`;
        if (format === 'md') {
          io.out(message);
          return 0;
        }
        io.err(`living-review stats: ${message}`);
        return 1;
      }
      const { snapshot, diff } = stored;
      if (format === 'md') {
        io.out(renderStatisticsMarkdown(snapshot, diff).trimEnd());
        return 0;
      }
      if (snapshot.patients.count === 0) {
        io.err(
          `living-review stats: review "${protocol.id}" has no patient rows yet (version ${snapshot.version})`,
        );
      }
      io.out(renderTables(snapshot.tables, format as TableFormat).trimEnd());
      return 0;
    } finally {
      await embedded.close();
    }
  },
};
