// A statistics snapshot as `living-review stats` prints it: Markdown for people, JSON for other tools (a
// contract: the keys below stay), CSV for R or a spreadsheet. All three carry the same content: patients and
// studies, the tables, the Kaplan-Meier summaries and log-rank tests, and what changed since the previous version.
//
// JSON contract (keys other tools read):
//   patients: number; studies: [{study, patients}];
//   continuous.<variable>: {reported, notReported, median, min, max, q1, q3};
//   categorical.<variable>: {reported, notReported, levels: [{level, count, percent, percentText}]} (percent is
//     the unrounded 100 × count / reported; percentText the one-decimal text the tables print);
//   km.<endpoint or comparison id>: [{group, n, events, median, lower, upper}] (group null for an endpoint;
//     median and limits as R's print(survfit) shows them, in the survival section's confType, "log" by default);
//   logrank.<comparison id>: {chisq, df, p, n, notReported} (or {error, n, notReported} when no test);
//   followUp.<endpoint id>: {n, events, median, lower, upper} (reverse Kaplan-Meier);
//   cox.<model id>: {n, events, terms: [{term, coef, hr, se, z, p, lower, upper}], loglik: [null, model], wald,
//     score, lr, ...} (the protocol's Cox models, see cox-output.ts; {} when it declares none);
//   plus reviewId, version, generatedAt, syntheticPatients, dates, text, survival (denominators and labels),
//   tables (the table JSON) and changes ({fromVersion, lines, diff});
//   sensitivity: the protocol's sensitivity analysis beside the main result, with both denominators (only when
//     the protocol declares one; see sensitivity-output.ts).

import { formatCsv } from '../extraction/csv.ts';
import type { AnalysisPlan } from '../protocol/analysis.ts';
import { endpointUnit } from '../protocol/analysis.ts';
import type { ReportSensitivity } from '../report/appraisal-section.ts';
import { verificationSentence } from '../verification/statistics.ts';
import { coxCsvRows, coxJson, coxMarkdown } from './cox-output.ts';
import { curveLabel, formatP } from './describe-changes.ts';
import {
  medianInterval,
  sensitivityCsvRows,
  sensitivityJson,
  sensitivityMarkdown,
} from './sensitivity-output.ts';
import type { SnapshotDiff, StatisticsSnapshot } from './snapshot.ts';
import type { KmGroupSummary } from './survival-summary.ts';
import { formatNumber, markdownCell, renderTables, type TableFormat, tableCsvRecords } from './tables.ts';

export type StatisticsFormat = TableFormat;

export interface StatisticsOutputInput {
  snapshot: StatisticsSnapshot;
  diff: SnapshotDiff | null;
  plan: AnalysisPlan;
  /** "What changed" lines (describeChanges), empty for the first version. */
  changes: readonly string[];
  /** The protocol's sensitivity analysis (the report's, see sensitivity-output.ts); absent when none declared. */
  sensitivity?: ReportSensitivity | null;
}

function kmEntry(group: KmGroupSummary) {
  return {
    group: group.group,
    n: group.n,
    events: group.events,
    median: group.median,
    lower: group.lower,
    upper: group.upper,
  };
}

/** The JSON contract of `stats --format json` (see the file comment). */
export function statisticsJson(input: StatisticsOutputInput): Record<string, unknown> {
  const { snapshot, plan } = input;
  const continuous: Record<string, unknown> = {};
  const categorical: Record<string, unknown> = {};
  const dates: Record<string, unknown> = {};
  const text: Record<string, unknown> = {};
  for (const [name, summary] of Object.entries(snapshot.variables)) {
    const { kind: _kind, ...rest } = summary;
    if (summary.kind === 'continuous') continuous[name] = rest;
    else if (summary.kind === 'categorical') categorical[name] = rest;
    else if (summary.kind === 'date') dates[name] = rest;
    else text[name] = rest;
  }
  const km: Record<string, unknown> = {};
  const curves: Record<string, unknown> = {};
  for (const [id, set] of Object.entries(snapshot.survival.curves)) {
    km[id] = set.groups.map(kmEntry);
    const endpoint = plan.survival.endpoints.find((e) => e.id === set.endpoint);
    curves[id] = {
      label: curveLabel(id, plan),
      endpoint: set.endpoint,
      by: set.by,
      unit: endpoint ? endpointUnit(endpoint, plan.variables) : null,
      used: set.used,
      notReported: set.notReported,
    };
  }
  const logrank: Record<string, unknown> = {};
  for (const [id, test] of Object.entries(snapshot.survival.logrank)) {
    logrank[id] =
      'error' in test
        ? { error: test.error, n: test.n, notReported: test.notReported }
        : { chisq: test.chisq, df: test.df, p: test.p, n: test.n, notReported: test.notReported };
  }
  const followUp: Record<string, unknown> = {};
  for (const [id, group] of Object.entries(snapshot.survival.followUp)) {
    const { group: _group, ...rest } = kmEntry(group);
    followUp[id] = rest;
  }
  return {
    reviewId: snapshot.reviewId,
    version: snapshot.version,
    generatedAt: snapshot.generatedAt,
    patients: snapshot.patients.count,
    syntheticPatients: snapshot.patients.synthetic,
    studies: snapshot.studies.patients.map(({ studyId, count }) => ({ study: studyId, patients: count })),
    studiesWithoutPatients: snapshot.studies.withoutPatients,
    withdrawnStudies: snapshot.studies.withdrawn ?? [],
    continuous,
    categorical,
    dates,
    text,
    km,
    logrank,
    followUp,
    cox: coxJson(snapshot.cox, plan),
    survival: { confType: snapshot.survival.confType, curves },
    tables: snapshot.tables,
    changes: { fromVersion: input.diff?.fromVersion ?? null, lines: input.changes, diff: input.diff },
    ...(input.sensitivity ? { sensitivity: sensitivityJson(input.sensitivity) } : {}),
  };
}

const EXTRA_COLUMNS = ['curve', 'group', 'events', 'lower', 'upper', 'chisq', 'df', 'p'] as const;
/** Columns added when the protocol declares Cox models (a review without models keeps the header above). */
const COX_COLUMNS = ['hr', 'coef', 'se', 'z'] as const;

/**
 * The CSV: the tables' rows as renderTables writes them, then one row per Kaplan-Meier curve (kind "km"), per
 * median follow-up ("follow-up"), per log-rank test ("logrank") and per "what changed" line ("change"), in the
 * same columns plus curve, group, events, lower, upper, chisq, df and p; with Cox models also one row per term
 * (kind "cox": the model id in section, the term in group) and the columns hr, coef, se and z.
 */
export function statisticsCsv(input: StatisticsOutputInput): string {
  const { snapshot, plan } = input;
  const tables = tableCsvRecords(snapshot.tables);
  const cox = coxCsvRows(snapshot.cox, plan);
  const extraColumns: readonly string[] = snapshot.cox ? [...EXTRA_COLUMNS, ...COX_COLUMNS] : EXTRA_COLUMNS;
  const header = [...tables.header, ...extraColumns];
  const row = (values: Partial<Record<string, string | number | null>>) =>
    header.map((column) => {
      const value = values[column];
      return value === null || value === undefined ? '' : String(value);
    });
  const extra: string[][] = [];
  for (const [id, set] of Object.entries(snapshot.survival.curves)) {
    for (const group of set.groups) {
      extra.push(
        row({
          table: 'Kaplan-Meier',
          section: set.by === null ? 'endpoint' : 'comparison',
          label: curveLabel(id, plan),
          kind: 'km',
          variable: set.by,
          level: group.group,
          n: group.n,
          unknown: set.notReported,
          median: group.median,
          curve: id,
          group: group.group,
          events: group.events,
          lower: group.lower,
          upper: group.upper,
          text: group.median === null ? 'not reached' : formatNumber(group.median),
        }),
      );
    }
  }
  for (const [id, group] of Object.entries(snapshot.survival.followUp)) {
    extra.push(
      row({
        table: 'Kaplan-Meier',
        section: 'follow-up',
        label: `${curveLabel(id, plan)}: median follow-up (reverse Kaplan-Meier)`,
        kind: 'follow-up',
        n: group.n,
        median: group.median,
        curve: id,
        events: group.events,
        lower: group.lower,
        upper: group.upper,
      }),
    );
  }
  for (const [id, test] of Object.entries(snapshot.survival.logrank)) {
    const set = snapshot.survival.curves[id];
    extra.push(
      row({
        table: 'Log-rank',
        section: 'comparison',
        label: curveLabel(id, plan),
        kind: 'logrank',
        variable: set?.by ?? null,
        n: test.n,
        unknown: test.notReported,
        curve: id,
        ...('error' in test
          ? { text: test.error }
          : { chisq: test.chisq, df: test.df, p: test.p, text: `p ${formatP(test.p)}` }),
      }),
    );
  }
  for (const values of cox) extra.push(row(values));
  if (input.sensitivity) for (const values of sensitivityCsvRows(input.sensitivity)) extra.push(row(values));
  for (const line of input.changes) {
    extra.push(
      row({
        table: 'What changed',
        section: `since v${input.diff?.fromVersion ?? ''}`,
        kind: 'change',
        text: line,
      }),
    );
  }
  const padded = tables.rows.map((cells) => [...cells, ...extraColumns.map(() => '')]);
  return formatCsv([header, ...padded, ...extra], { eol: '\n' });
}

function idList(ids: readonly string[], max = 10): string {
  const shown = ids.slice(0, max).join(', ');
  return ids.length > max ? `${shown}, ... (${ids.length - max} more)` : shown;
}

/** The Markdown report of one snapshot: counts, tables, Kaplan-Meier and log-rank, what changed. */
export function statisticsMarkdown(input: StatisticsOutputInput): string {
  const { snapshot, plan } = input;
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
  if (snapshot.verification) out.push(verificationSentence(snapshot.verification));
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
    if (snapshot.tables.tables.length > 0) out.push(renderTables(snapshot.tables, 'md').trimEnd(), '');
    const sets = Object.entries(snapshot.survival.curves);
    if (sets.length > 0) {
      out.push('### Kaplan–Meier', '');
      out.push('| Curve | n | Events | Not reported | Median (95% CI) |', '| --- | --- | --- | --- | --- |');
      for (const [id, set] of sets) {
        const endpoint = plan.survival.endpoints.find((e) => e.id === set.endpoint);
        const unit = endpoint ? endpointUnit(endpoint, plan.variables) : null;
        const label = `${curveLabel(id, plan)}${unit ? ` (${unit})` : ''}`;
        set.groups.forEach((group, index) => {
          const name = group.group === null ? label : `${label}: ${group.group}`;
          const notReported = index === 0 ? String(set.notReported) : '';
          out.push(
            `| ${markdownCell(name)} | ${group.n} | ${group.events} | ${notReported} | ${medianInterval(group)} |`,
          );
        });
        const follow = snapshot.survival.followUp[id];
        if (follow) {
          out.push(
            `| ${markdownCell(`${label}: median follow-up (reverse KM)`)} | ${follow.n} | ${follow.events} | | ${medianInterval(follow)} |`,
          );
        }
        const test = snapshot.survival.logrank[id];
        if (test) {
          out.push(
            `| ${markdownCell(`${label}: log-rank`)} | ${test.n} | | ${test.notReported} | ${'error' in test ? markdownCell(test.error) : `chi-square ${formatNumber(test.chisq)}, df ${test.df}, p ${formatP(test.p)}`} |`,
          );
        }
      }
      out.push(
        '',
        `Medians with ${snapshot.survival.confType}-transformed 95% confidence intervals, as R survival prints them. "Not reported": patients left out of the curve because the time, the event or the grouping variable is not reported.`,
        '',
      );
    }
    out.push(...coxMarkdown(snapshot.cox, plan));
    if (input.sensitivity) out.push(...sensitivityMarkdown(input.sensitivity));
  }
  if (input.diff === null) {
    out.push('### What changed', '', 'This is the first version: nothing to compare with.');
  } else {
    out.push(
      `### What changed since v${input.diff.fromVersion}`,
      '',
      ...input.changes.map((line) => `- ${line}`),
    );
  }
  return `${out.join('\n')}\n`;
}

/** The snapshot in one of the three formats. */
export function renderStatistics(input: StatisticsOutputInput, format: StatisticsFormat): string {
  switch (format) {
    case 'md':
      return statisticsMarkdown(input);
    case 'json':
      return `${JSON.stringify(statisticsJson(input), null, 2)}\n`;
    case 'csv':
      return statisticsCsv(input);
  }
}
