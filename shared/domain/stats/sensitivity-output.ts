// The protocol's sensitivity analysis as `living-review stats` prints it, beside the main result: the numbers are
// the report's (buildAppraisalSection in ../report/appraisal-section.ts computes them; nothing is computed here),
// shown with both denominators, patients and studies, for the main and the sensitivity analysis.
//
// JSON (the key `sensitivity`, present only when the protocol declares a sensitivity analysis):
//   {label, leftOut: [{study, title, why}], notYetAppraised, main: {patients, studies},
//    sensitivity: {patients, studies}, km: {<endpoint id>: {label, unit, main: KM | null, sensitivity: KM | null}}}
//   with KM = {n, events, median, lower, upper} as in `km` (median and limits as R's print(survfit) shows them).
// CSV: rows of table "Sensitivity analysis", section "main" or "sensitivity": kind "sensitivity-count" (level
// "patients" or "studies", the number in n), kind "sensitivity-km" (one per endpoint: curve, n, events, median,
// lower, upper), and kind "sensitivity-left-out" (section "left out": the study in level, why in text).
import type { ReportSensitivity } from '../report/appraisal-section.ts';
import type { KmGroupSummary } from './survival-summary.ts';
import { markdownCell as cell, formatNumber } from './tables.ts';

function km(group: KmGroupSummary | null) {
  if (!group) return null;
  return { n: group.n, events: group.events, median: group.median, lower: group.lower, upper: group.upper };
}

export function sensitivityJson(sensitivity: ReportSensitivity) {
  return {
    label: sensitivity.label,
    leftOut: sensitivity.leftOut.map((s) => ({ study: s.studyId, title: s.title, why: s.why })),
    notYetAppraised: sensitivity.notYetAppraised,
    main: sensitivity.main,
    sensitivity: sensitivity.sensitivity,
    km: Object.fromEntries(
      sensitivity.curves.map((curve) => [
        curve.id,
        {
          label: curve.label,
          unit: curve.unit,
          main: km(curve.main),
          sensitivity: km(curve.sensitivity),
        },
      ]),
    ),
  };
}

/** "6.7 (5.6–NA)", as the Kaplan-Meier table prints a median. */
export function medianInterval(group: KmGroupSummary): string {
  const n = (value: number | null) => (value === null ? 'NA' : formatNumber(value));
  return `${group.median === null ? 'not reached' : formatNumber(group.median)} (${n(group.lower)}–${n(group.upper)})`;
}

function kmCell(group: KmGroupSummary | null): string {
  if (!group) return 'no curve';
  return `${medianInterval(group)}; n ${group.n}, ${group.events} event${group.events === 1 ? '' : 's'}`;
}

export function sensitivityMarkdown(sensitivity: ReportSensitivity): string[] {
  const { main, sensitivity: kept } = sensitivity;
  const out = [
    `### Sensitivity analysis: ${cell(sensitivity.label)}`,
    '',
    '| | Main analysis | Sensitivity analysis |',
    '| --- | --- | --- |',
    `| Patients | ${main.patients} | ${kept.patients} |`,
    `| Studies | ${main.studies} | ${kept.studies} |`,
  ];
  for (const curve of sensitivity.curves) {
    const label = `${curve.label}${curve.unit ? ` (${curve.unit})` : ''}: median (95% CI)`;
    out.push(`| ${cell(label)} | ${kmCell(curve.main)} | ${kmCell(curve.sensitivity)} |`);
  }
  out.push('');
  out.push(
    sensitivity.leftOut.length === 0
      ? 'Left out: none (no settled appraisal meets the rule).'
      : `Left out (${sensitivity.leftOut.length}): ${sensitivity.leftOut.map((s) => `${s.studyId} “${cell(s.title)}” (${cell(s.why)})`).join('; ')}.`,
  );
  if (sensitivity.notYetAppraised > 0) {
    out.push(
      `Not yet appraised, kept in both analyses: ${sensitivity.notYetAppraised} stud${sensitivity.notYetAppraised === 1 ? 'y' : 'ies'}.`,
    );
  }
  out.push('');
  return out;
}

/** The CSV rows, as column -> value (statisticsCsv places them in its columns). */
export function sensitivityCsvRows(
  sensitivity: ReportSensitivity,
): Array<Partial<Record<string, string | number | null>>> {
  const rows: Array<Partial<Record<string, string | number | null>>> = [];
  const table = 'Sensitivity analysis';
  for (const [section, counts] of [
    ['main', sensitivity.main],
    ['sensitivity', sensitivity.sensitivity],
  ] as const) {
    for (const level of ['patients', 'studies'] as const) {
      rows.push({
        table,
        section,
        label: sensitivity.label,
        kind: 'sensitivity-count',
        level,
        n: counts[level],
      });
    }
    for (const curve of sensitivity.curves) {
      const group = section === 'main' ? curve.main : curve.sensitivity;
      if (!group) continue;
      rows.push({
        table,
        section,
        label: curve.label,
        kind: 'sensitivity-km',
        n: group.n,
        median: group.median,
        curve: curve.id,
        events: group.events,
        lower: group.lower,
        upper: group.upper,
        text: group.median === null ? 'not reached' : formatNumber(group.median),
      });
    }
  }
  for (const study of sensitivity.leftOut) {
    rows.push({
      table,
      section: 'left out',
      label: sensitivity.label,
      kind: 'sensitivity-left-out',
      level: study.studyId,
      text: `${study.why}: ${study.title}`,
    });
  }
  return rows;
}
