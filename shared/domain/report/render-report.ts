// The living report as one static HTML page (no script; a print-friendly stylesheet inline), with the
// Kaplan-Meier plots inlined as SVG. Every value from a record, a protocol or the store is escaped. Numbers
// carry data-* attributes (data-count="identified", data-km="os-median", ...) so a test or a scraper can read
// them back without parsing prose.

import { escapeHtml, link, pubmedUrl } from '../digest/html.ts';
import { NOTICE_LABELS } from '../retraction/notices.ts';
import { formatP } from '../stats/describe-changes.ts';
import type { KmGroupSummary } from '../stats/survival-summary.ts';
import { formatNumber, type Table } from '../stats/tables.ts';
import { verificationSentence } from '../verification/statistics.ts';
import { appraisalSectionHtml } from './appraisal-render.ts';
import { renderCoxModelsHtml } from './cox-report.ts';
import { renderKmSvg } from './km-plot.ts';
import type { PrismaFlow, ReasonCount } from './prisma.ts';
import type { LivingReport, ReportCurveSet } from './report.ts';

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 "Segoe UI", Helvetica, Arial, sans-serif; color: #1d2330; background: #f4f5f7; }
main { max-width: 980px; margin: 0 auto; padding: 28px 20px 60px; }
header h1 { font-size: 26px; margin: 0 0 6px; }
.meta { color: #5b6473; margin: 0 0 4px; }
section { background: #fff; border: 1px solid #d7dbe3; border-radius: 8px; padding: 18px 20px; margin: 20px 0; }
section h2 { font-size: 19px; margin: 0 0 12px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #eef0f4; vertical-align: top; }
th { color: #5b6473; font-weight: 600; border-bottom: 1px solid #d7dbe3; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: 10px 0 6px; }
tr.section-row td { font-weight: 600; background: #f7f8fa; }
.chip { display: inline-block; width: 11px; height: 11px; border-radius: 50%; vertical-align: middle; }
svg.appraisal-figure { max-width: 100%; height: auto; }
.note { color: #5b6473; font-size: 13px; }
.alert { background: #fdecec; border-color: #e08080; }
.alert-soft { background: #fff4e5; border-color: #f0b35b; }
.synthetic { background: #fff4e5; border: 1px solid #f0b35b; border-radius: 6px; padding: 8px 12px; }
.figure { overflow-x: auto; margin: 8px 0 20px; }
.figure svg { max-width: 100%; height: auto; }
.prisma { display: grid; grid-template-columns: 120px 1fr 1fr; gap: 12px 18px; align-items: stretch; }
.prisma .phase { writing-mode: vertical-rl; transform: rotate(180deg); background: #2454a6; color: #fff; border-radius: 6px; text-align: center; font-weight: 600; padding: 8px 4px; grid-row: span 1; }
.prisma .box { border: 1.5px solid #1d2330; border-radius: 4px; padding: 8px 10px; background: #fff; font-size: 14px; }
.prisma .box.side { border-style: solid; background: #fafbfc; }
.prisma .box ul { margin: 4px 0 0; padding-left: 18px; }
.prisma .empty { }
.identities { margin-top: 12px; }
.identity-ok { color: #1f7a3a; }
.identity-bad { color: #a12622; font-weight: 600; }
ul.changes li { margin: 2px 0; }
code { font-size: 13px; }
@media print { body { background: #fff; } section { break-inside: avoid; border: none; } }
`;

function n(value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : String(value);
}

function num(value: number | null): string {
  return value === null ? 'NA' : formatNumber(value);
}

function count(name: string, value: number | null | undefined): string {
  return `<strong data-count="${escapeHtml(name)}">${escapeHtml(n(value))}</strong>`;
}

function tableHtml(table: Table): string {
  const rows: string[] = [];
  for (const section of table.sections) {
    rows.push(`<tr class="section-row"><td colspan="2">${escapeHtml(section.title)}</td></tr>`);
    for (const row of section.rows) {
      rows.push(
        `<tr data-row="${escapeHtml(row.key)}"><td style="padding-left:${8 + 16 * row.indent}px">${escapeHtml(row.label)}</td><td class="num" data-cell="${escapeHtml(`${table.id}/${row.key}`)}">${escapeHtml(row.text)}</td></tr>`,
      );
    }
  }
  const iqr = table.sections.some((section) =>
    section.rows.some((row) => row.kind === 'continuous' && row.q1 !== undefined),
  );
  const notes = [
    `Counts are n/N (%), N = the patients with the variable reported; medians are median (range)${iqr ? '; IQR: interquartile range (quartiles as R computes them, type 7)' : ''}.`,
    ...table.sections.flatMap((s) => (s.note ? [`${s.title}. ${s.note}`] : [])),
    ...(table.note ? [table.note] : []),
  ];
  return [
    `<table class="stats-table" id="table-${escapeHtml(table.id)}">`,
    `<caption>Table ${escapeHtml(table.id)}. ${escapeHtml(table.title)}</caption>`,
    '<thead><tr><th>Characteristic</th><th class="num">Value</th></tr></thead>',
    `<tbody>${rows.join('')}</tbody></table>`,
    ...notes.map((note) => `<p class="note">${escapeHtml(note)}</p>`),
  ].join('\n');
}

function kmRow(key: string, label: string, km: KmGroupSummary, notReported: number | null): string {
  const median = km.median === null ? 'not reached' : formatNumber(km.median);
  return `<tr><td>${escapeHtml(label)}</td><td class="num">${km.n}</td><td class="num">${km.events}</td><td class="num">${notReported === null ? '' : notReported}</td><td class="num" data-km="${escapeHtml(key)}-median">${escapeHtml(median)}</td><td class="num">${escapeHtml(num(km.lower))}–${escapeHtml(num(km.upper))}</td></tr>`;
}

/** The plot of one endpoint or comparison as SVG (null when it cannot be drawn: see the set's note). */
export function renderCurveSetSvg(set: ReportCurveSet): string | null {
  if (!set.plot) return null;
  return renderKmSvg(
    set.plot.map((curve) => ({ label: curve.label, curve: curve.data })),
    {
      title: set.label,
      timeLabel: `Time (${set.unit})`,
      probabilityLabel: set.endpointLabel,
      id: `km-${set.id}`,
    },
  );
}

function curveSetRows(set: ReportCurveSet): string[] {
  if (set.kind === 'endpoint') {
    const rows = [kmRow(set.id, set.label, set.groups[0]!, set.notReported)];
    if (set.followUp) {
      rows.push(
        kmRow(
          `${set.id}-follow-up`,
          `${set.label}: median follow-up (reverse Kaplan–Meier)`,
          set.followUp,
          null,
        ),
      );
    }
    return rows;
  }
  const rows = set.groups.map((group) =>
    kmRow(`${set.id}:${group.group}`, `${set.label}: ${group.label ?? group.group}`, group, null),
  );
  const test = set.logrank;
  const result =
    test === null
      ? 'no test'
      : 'error' in test
        ? `no log-rank test: ${test.error}`
        : `log-rank chi-square ${formatNumber(test.chisq)} on ${test.df} df, p <span data-logrank="${escapeHtml(set.id)}">${escapeHtml(formatP(test.p))}</span>`;
  rows.push(
    `<tr class="logrank"><td colspan="6">${escapeHtml(set.label)}: ${result}; ${set.used} patients (${set.notReported} not reported: time, event or ${escapeHtml(set.by?.label ?? 'group')})</td></tr>`,
  );
  return rows;
}

function reasonsList(reasons: readonly ReasonCount[]): string {
  if (reasons.length === 0) return '';
  return `<ul>${reasons
    .map(
      (r) =>
        `<li>${escapeHtml(r.label)} (n = <span data-reason="${escapeHtml(r.reasonId)}">${r.count}</span>)</li>`,
    )
    .join('')}</ul>`;
}

/** What happens to retracted studies' patients, as the protocol says and as it was applied. */
function retractionPolicyText(
  onRetraction: LivingReport['onRetraction'],
  retracted: number,
  excluded: number,
): string {
  const policy =
    onRetraction === 'exclude-patients'
      ? "The protocol leaves a retracted study's patients out of the statistics"
      : 'The protocol flags a retracted study and keeps its patients in the statistics';
  if (retracted === 0) return `${policy}; no included study is retracted.`;
  return onRetraction === 'exclude-patients'
    ? `${policy}: ${excluded} stud${excluded === 1 ? 'y' : 'ies'} left out.`
    : `${policy}: flagged only.`;
}

function prismaHtml(flow: PrismaFlow, onRetraction: LivingReport['onRetraction']): string {
  const id = flow.identification;
  const sources = id.bySource
    .map(
      (s) =>
        `<li>${escapeHtml(s.source)} (n = <span data-source="${escapeHtml(s.source)}">${s.records}</span>)</li>`,
    )
    .join('');
  const inc = flow.included;
  const cells = [
    '<div class="phase">Identification</div>',
    `<div class="box">Records identified (n = ${count('identified', id.identified)})<ul>${sources || '<li>none yet</li>'}</ul>${flow.outsideFlow ? `<span class="note">Not counted here: ${count('outside-flow', flow.outsideFlow)} records of studies included outside the screening workflow (see Included).</span>` : ''}</div>`,
    otherMethodsHtml(flow),
    `<div class="box side">Records removed before screening: duplicates (n = ${count('duplicates-removed', id.duplicatesRemoved.total)})<ul><li>found by the monitor's deduplication (n = ${count('duplicates-automatic', id.duplicatesRemoved.automatic)})</li><li>confirmed by reviewers (n = ${count('duplicates-confirmed', id.duplicatesRemoved.confirmedByReviewers)})</li></ul></div>`,
    '<div class="phase">Screening</div>',
    `<div class="box">Records after duplicates removed (n = ${count('after-duplicates', flow.screening.recordsAfterDuplicates)})<br>Records screened (n = ${count('screened', flow.screening.screened)})<br><span class="note">awaiting title/abstract screening: ${count('awaiting-screening', flow.screening.awaiting)}</span></div>`,
    `<div class="box side">Records excluded (n = ${count('excluded-title-abstract', flow.screening.excluded)})${reasonsList(flow.screening.exclusionReasons)}${flow.screening.exclusionReasons.length ? '<span class="note">A record may carry both screeners\' reasons.</span>' : ''}</div>`,
    '<div class="phase">Eligibility</div>',
    `<div class="box">Reports sought for retrieval (n = ${count('sought', flow.eligibility.sought)})<br>Reports assessed for eligibility (n = ${count('assessed', flow.eligibility.assessed)})<br><span class="note">awaiting full-text assessment: ${count('awaiting-full-text', flow.eligibility.awaiting)}</span></div>`,
    `<div class="box side">Reports excluded (n = ${count('excluded-full-text', flow.eligibility.excluded)})${reasonsList(flow.eligibility.exclusionReasons)}</div>`,
    // Two rows: what was included, then what the statistics pool. The phase label spans both, so no box
    // ever falls into the narrow label column.
    '<div class="phase" style="grid-row: span 2">Included</div>',
    `<div class="box">New studies included from screening (n = ${count('new-studies', inc.newFromScreening)})<br>Total studies included in review (n = ${count('studies', inc.studies)})<ul><li>through screening (n = ${count('studies-screening', inc.studiesFromScreening)})</li><li>included otherwise: the original review, manual inclusions (n = ${count('studies-other', inc.studiesOther)})</li></ul></div>`,
    inc.withdrawn
      ? `<div class="box side">Studies withdrawn after inclusion (n = ${count('withdrawn', inc.withdrawn)})${reasonsList(inc.withdrawalReasons)}<span class="note">Not among the studies included; their patients are left out of the statistics.</span></div>`
      : '<div class="empty"></div>',
    `<div class="box">Studies pooled in the statistics (n = ${count('studies-pooled', inc.studiesInStatistics)})<br>Patients included (n = ${count('patients', inc.patients)})</div>`,
    `<div class="box side">Retracted studies (n = ${count('retracted', inc.retracted)})<br><span class="note">${retractionPolicyText(onRetraction, inc.retracted, inc.retractedExcluded)}</span></div>`,
  ];
  const updates = flow.updates
    .map(
      (u) =>
        `<tr><td>${u.startedAt ? escapeHtml(u.startedAt.slice(0, 10)) : 'imported'}</td><td>${escapeHtml(u.source ?? '–')}</td><td>${u.window ? `${escapeHtml(u.window.from)} to ${escapeHtml(u.window.to)}` : '–'}</td><td class="num">${n(u.found)}</td><td class="num">${n(u.identified)}</td><td class="num">${n(u.duplicatesRemoved)}</td><td class="num">${u.records}</td><td class="num">${u.excluded}</td><td class="num">${u.included}</td><td class="num">${u.duplicatesConfirmed}</td><td class="num">${u.inScreening}</td></tr>`,
    )
    .join('');
  const identities = flow.identities
    .map(
      (i) =>
        `<li class="${i.holds ? 'identity-ok' : 'identity-bad'}">${escapeHtml(i.name)}: ${i.left} ${i.holds ? '=' : '≠'} ${i.right}</li>`,
    )
    .join('');
  return [
    `<div class="prisma">${cells.join('')}</div>`,
    '<h3>Per update</h3>',
    '<table id="prisma-updates"><thead><tr><th>Run</th><th>Source</th><th>Window</th><th class="num">Found</th><th class="num">Identified</th><th class="num">Duplicates</th><th class="num">Records</th><th class="num">Excluded</th><th class="num">Included</th><th class="num">Dup. confirmed</th><th class="num">In screening</th></tr></thead>',
    `<tbody>${updates || '<tr><td colspan="11">No search has run yet.</td></tr>'}</tbody></table>`,
    `<details class="identities"><summary>How the counts add up</summary><ul>${identities}</ul></details>`,
  ].join('\n');
}

/**
 * PRISMA 2020's "identified from other methods": the records the citation watch found, by source. Rendered in
 * the Identification row beside the databases.
 */
function otherMethodsHtml(flow: PrismaFlow): string {
  const other = flow.identification.otherMethods;
  if (other.citationSearching === 0) return '';
  const sources = other.bySource
    .map(
      (s) =>
        `<li>${escapeHtml(s.source)} (n = <span data-source="${escapeHtml(s.source)}">${s.records}</span>)</li>`,
    )
    .join('');
  return `<div class="box side other-methods">Records identified from other methods: citation searching (n = ${count('citation-searching', other.citationSearching)})<ul>${sources}</ul><span class="note">Works citing the included studies, and the references of newly included ones; counted in the records identified.</span></div>`;
}

/** Ongoing studies (trial registrations): coming evidence, listed apart from the studies pooled. */
function ongoingStudiesHtml(report: LivingReport): string {
  if (!report.ongoing) return '';
  const rows = report.ongoing
    .map(
      (o) =>
        `<tr data-registration="${escapeHtml(o.id)}"><td>${o.url ? link(o.url, o.id) : escapeHtml(o.id)}</td><td>${escapeHtml(o.title)}</td><td>${escapeHtml(o.status ?? '–')}</td><td>${escapeHtml(o.conditions.join('; '))}</td><td class="num">${n(o.enrollment)}</td><td>${escapeHtml(o.completionDate ?? '–')}</td><td>${escapeHtml(o.lastUpdatePosted)}${o.hasResults ? ' (results posted)' : ''}</td></tr>`,
    )
    .join('');
  return [
    '<section id="ongoing-studies"><h2>Ongoing studies</h2>',
    `<p class="note">Registered trials of the review's conditions (<span data-count="ongoing">${report.ongoing.length}</span>), new or updated since monitoring began. They are not screened or pooled; a trial that publishes enters through the searches.</p>`,
    '<table><thead><tr><th>Registration</th><th>Title</th><th>Status</th><th>Conditions</th><th class="num">Enrolment</th><th>Completion</th><th>Last update</th></tr></thead>',
    `<tbody>${rows || '<tr><td colspan="7">None reported yet.</td></tr>'}</tbody></table></section>`,
  ].join('\n');
}

/** The report page. `svg` holds the plots when given (else they are drawn here). */
export function renderReportHtml(report: LivingReport): string {
  const out: string[] = [];
  const title = `${report.title}: living report, version ${report.version}`;
  out.push(
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${CSS}</style></head><body><main>`,
    '<header>',
    `<h1>${escapeHtml(report.title)}</h1>`,
    `<p class="meta">Living systematic review <code>${escapeHtml(report.reviewId)}</code> · statistics version <strong data-version>${report.version}</strong> computed ${escapeHtml(report.statisticsGeneratedAt)}</p>`,
    `<p class="meta"><strong data-count="header-patients">${report.patients.count}</strong> patients from <strong data-count="header-studies">${report.studies.filter((s) => s.pooled).length}</strong> pooled studies (${report.studies.filter((s) => !s.withdrawn).length} included${report.studies.some((s) => s.withdrawn) ? `, ${report.studies.filter((s) => s.withdrawn).length} withdrawn` : ''}). <a href="report.json">report.json</a> holds every number on this page.</p>`,
    ...(report.verification
      ? [`<p class="meta" data-verification>${escapeHtml(verificationSentence(report.verification))}</p>`]
      : []),
    '</header>',
  );
  if (report.patients.synthetic > 0) {
    out.push(
      `<p class="synthetic"><strong>Synthetic data:</strong> ${report.patients.synthetic} of ${report.patients.count} patients are invented test records, not real patients.</p>`,
    );
  }
  if (report.retractions.studies.length > 0 || report.retractions.notices.length > 0) {
    const retracted = report.retractions.studies
      .map(
        (s) =>
          `<li class="retracted-study"><strong>Retracted:</strong> ${escapeHtml(s.title)}${s.pmid ? ` (PMID ${link(pubmedUrl(s.pmid), s.pmid)})` : ''}. ${s.patientsExcluded ? 'Its patients are left out of the statistics from the version computed after the retraction.' : 'Flagged only: its patients stay in the statistics (protocol).'}</li>`,
      )
      .join('');
    const notices = report.retractions.notices
      .map(
        (notice) =>
          `<tr><td>${escapeHtml(NOTICE_LABELS[notice.kind])}</td><td>${escapeHtml(notice.studyTitle)}${notice.studyPmid ? ` (PMID ${link(pubmedUrl(notice.studyPmid), notice.studyPmid)})` : ''}</td><td>${notice.noticePmid ? link(pubmedUrl(notice.noticePmid), notice.noticePmid) : ''} ${escapeHtml(notice.refSource ?? '')}</td><td>${escapeHtml(notice.detectedAt.slice(0, 10))}</td></tr>`,
      )
      .join('');
    out.push(
      `<section id="retractions" class="${report.retractions.studies.length ? 'alert' : 'alert-soft'}"><h2>Retractions and corrections</h2>`,
      retracted ? `<ul>${retracted}</ul>` : '',
      notices
        ? `<table><thead><tr><th>Notice</th><th>Study</th><th>Notice record</th><th>Found</th></tr></thead><tbody>${notices}</tbody></table>`
        : '',
      '</section>',
    );
  }
  if (report.triggers.length > 0) {
    out.push(
      '<section id="triggers" class="alert-soft"><h2>Update triggers crossed</h2><ul>',
      ...report.triggers.map(
        (t) =>
          `<li><strong>Version ${t.version}:</strong> ${escapeHtml(t.description)}. <span class="note">${escapeHtml(t.detail)}</span></li>`,
      ),
      '</ul></section>',
    );
  }
  out.push('<section id="changes">');
  // Studies, patients and Kaplan-Meier medians first; the table rows that moved behind a disclosure.
  const headline = report.changes.summary.filter((line) => !line.startsWith('Table '));
  const rows = report.changes.summary.filter((line) => line.startsWith('Table '));
  if (report.changes.fromVersion === null) {
    out.push('<h2>What changed</h2><p>This is the first version: nothing to compare with.</p>');
  } else {
    out.push(
      `<h2>What changed since version ${report.changes.fromVersion}</h2>`,
      `<ul class="changes">${headline.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>`,
      rows.length
        ? `<details><summary>${rows.length} table row${rows.length === 1 ? '' : 's'} changed</summary><ul class="changes">${rows.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul></details>`
        : '',
    );
  }
  out.push('</section>');

  out.push('<section id="tables"><h2>Patient characteristics, treatment and outcomes</h2>');
  if (report.patients.count === 0) out.push('<p>No patient rows yet: there is nothing to tabulate.</p>');
  else for (const table of report.tables.tables) out.push(tableHtml(table));
  out.push('</section>');

  out.push('<section id="km"><h2>Kaplan–Meier estimates</h2>');
  const sets = report.survival.curves;
  if (sets.length === 0) {
    out.push('<p>The protocol declares no survival endpoint.</p>');
  } else {
    out.push(
      '<table><thead><tr><th>Curve</th><th class="num">n</th><th class="num">Events</th><th class="num">Not reported</th><th class="num">Median</th><th class="num">95% CI</th></tr></thead><tbody>',
      ...sets.flatMap(curveSetRows),
      '</tbody></table>',
      `<p class="note">Medians with ${escapeHtml(report.survival.confType)}-transformed 95% confidence intervals, as R survival prints them; times in each endpoint's unit. A curve uses the patients who report its time and event (and, for a comparison, the grouping variable).</p>`,
    );
    for (const set of sets) {
      out.push(`<div class="figure" id="km-${escapeHtml(set.id)}">`);
      const svg = renderCurveSetSvg(set);
      if (svg) out.push(svg);
      else out.push(`<p class="note">${escapeHtml(set.label)}: ${escapeHtml(set.note ?? 'no curve')}</p>`);
      out.push('</div>');
    }
  }
  out.push('</section>');
  out.push(renderCoxModelsHtml(report.cox ?? []));

  out.push(
    '<section id="prisma"><h2>PRISMA 2020 flow</h2>',
    prismaHtml(report.prisma, report.onRetraction),
    '</section>',
  );

  out.push('<section id="studies"><h2>Included studies</h2>');
  const reasonLabels = new Map(
    report.prisma.included.withdrawalReasons.map((r) => [r.reasonId, r.label] as const),
  );
  out.push(
    '<table><thead><tr><th>Study</th><th>Year</th><th>PMID</th><th class="num">Patients</th><th>Status</th></tr></thead><tbody>',
    ...report.studies.map(
      (s) =>
        `<tr${s.retracted ? ' class="retracted"' : ''}><td>${escapeHtml(s.title)}</td><td>${n(s.year)}</td><td>${s.pmid ? link(pubmedUrl(s.pmid), s.pmid) : '–'}</td><td class="num">${s.patients}</td><td>${s.withdrawn ? `<strong>withdrawn</strong> ${escapeHtml(s.withdrawn.at.slice(0, 10))} by ${escapeHtml(s.withdrawn.by)}: ${escapeHtml(reasonLabels.get(s.withdrawn.reason) ?? s.withdrawn.reason)}` : s.retracted ? '<strong>retracted</strong>' : s.pooled ? 'pooled' : 'not pooled'}</td></tr>`,
    ),
    '</tbody></table></section>',
  );

  const ongoing = ongoingStudiesHtml(report);
  if (ongoing) out.push(ongoing);
  out.push(appraisalSectionHtml(report.appraisal));
  out.push('<section id="search-log"><h2>Search log</h2>');
  out.push(
    '<table><thead><tr><th>Started</th><th>Source</th><th>Window (Create Date)</th><th>Outcome</th><th class="num">Found</th><th class="num">New</th><th class="num">Duplicates</th><th class="num">Queued</th><th>Query</th></tr></thead><tbody>',
    ...report.searchLog.map(
      (run) =>
        `<tr data-run="${escapeHtml(run.runId)}"><td>${escapeHtml(run.startedAt.replace('T', ' ').slice(0, 16))}</td><td>${escapeHtml(run.source)}</td><td>${escapeHtml(run.window.from)} to ${escapeHtml(run.window.to)}</td><td>${escapeHtml(run.outcome)}${run.error ? `: ${escapeHtml(run.error)}` : ''}${run.warnings.length ? ` (${run.warnings.length} warning${run.warnings.length === 1 ? '' : 's'})` : ''}</td><td class="num">${run.counts.found}</td><td class="num">${run.counts.new}</td><td class="num">${run.counts.duplicates}</td><td class="num">${run.counts.queued}</td><td><code>${escapeHtml(run.query)}</code></td></tr>`,
    ),
    report.searchLog.length === 0 ? '<tr><td colspan="9">No search has run yet.</td></tr>' : '',
    '</tbody></table></section>',
  );
  out.push(
    `<p class="note">Version ${report.version} of the living report of review ${escapeHtml(report.reviewId)}, generated by the living-review monitor.</p>`,
    '</main></body></html>',
  );
  return `${out.join('\n')}\n`;
}
