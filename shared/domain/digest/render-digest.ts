// The digest as an e-mail: a subject line, an HTML body (inline styles and a single-column layout, as mail
// clients want) and a plain-text body saying the same. Every value from a record or the store is escaped
// (html.ts); the text body needs no escaping but has control characters and line breaks inside a field removed
// so a record cannot fake a line of the digest.

import type { StudyNotice } from '../retraction/notices.ts';
import { NOTICE_LABELS } from '../retraction/notices.ts';
import type { Digest, DigestCandidate, DigestEndpoint, DigestRegistration } from './digest.ts';
import { escapeHtml, link, oneLine, pubmedUrl } from './html.ts';

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

/** "since 2026-01-05 up to 2026-01-12" / "up to 2026-01-12" (first digest). */
export function periodText(period: Digest['period']): string {
  return period.from === null
    ? `up to ${day(period.through)}`
    : `${day(period.from)} to ${day(period.through)}`;
}

export function digestSubject(digest: Digest): string {
  const parts = [plural(digest.candidates.length, 'new candidate')];
  const isRetraction = (n: StudyNotice) => n.kind === 'retraction' || n.kind === 'retracted-publication';
  // A retraction usually comes as two notices (the publication type and the notice): count the studies.
  const retracted = new Set(digest.notices.filter(isRetraction).map((n) => n.citationId));
  if (retracted.size > 0) parts.push(plural(retracted.size, 'retracted study', 'retracted studies'));
  const others = digest.notices.filter((n) => !isRetraction(n)).length;
  if (others > 0) parts.push(plural(others, 'correction notice'));
  if (digest.crossings.length > 0) parts.push(plural(digest.crossings.length, 'update trigger'));
  if (digest.ongoing.length > 0)
    parts.push(plural(digest.ongoing.length, 'ongoing study', 'ongoing studies'));
  if (digest.runSummary.failed > 0) parts.push(plural(digest.runSummary.failed, 'failed run'));
  return oneLine(
    `[${digest.reviewId}] Living review digest: ${parts.join(', ')} (${periodText(digest.period)})`,
  );
}

function noticeEffect(notice: StudyNotice, digest: Digest): string {
  if (notice.kind !== 'retraction' && notice.kind !== 'retracted-publication') return '';
  return digest.onRetraction === 'exclude-patients'
    ? "The study's patients leave the next statistics snapshot."
    : 'The study is flagged; its patients stay in the statistics (protocol: flag-only).';
}

/** "75.5 months (95% CI 70–83.1)", or "not reached". */
function endpointMedian(endpoint: DigestEndpoint): string {
  const n = (value: number | null) => (value === null ? 'NA' : String(Number(value.toFixed(2))));
  if (endpoint.median === null) return `not reached (95% CI ${n(endpoint.lower)}–${n(endpoint.upper)})`;
  return `${n(endpoint.median)}${endpoint.unit ? ` ${endpoint.unit}` : ''} (95% CI ${n(endpoint.lower)}–${n(endpoint.upper)})`;
}

function endpointCounts(endpoint: DigestEndpoint): string {
  return `${endpoint.n} patients, ${endpoint.events} events${endpoint.notReported ? `; ${endpoint.notReported} not reported` : ''}`;
}

// ---------------------------------------------------------------------------------------------------------
// HTML

function statisticsHtml(digest: Digest): string[] {
  const stats = digest.statistics;
  if (!stats) return [];
  const out = [
    `<h2 style="${STYLE.h2}">Pooled evidence (statistics version ${escapeHtml(stats.version)})</h2>`,
    `<p><strong data-digest="patients">${escapeHtml(stats.patients)}</strong> patients from <strong data-digest="studies">${escapeHtml(stats.studies)}</strong> studies, computed ${escapeHtml(day(stats.generatedAt))}.</p>`,
  ];
  if (stats.endpoints.length > 0) {
    out.push(
      `<table style="${STYLE.table}"><thead><tr><th style="${STYLE.th}">Kaplan–Meier</th><th style="${STYLE.th}">Median</th><th style="${STYLE.th}">Patients</th></tr></thead><tbody>`,
      ...stats.endpoints.map(
        (e) =>
          `<tr class="endpoint" data-endpoint="${escapeHtml(e.id)}"><td style="${STYLE.td}">${escapeHtml(e.label)}</td><td style="${STYLE.td}">${escapeHtml(endpointMedian(e))}</td><td style="${STYLE.td};${STYLE.muted}">${escapeHtml(endpointCounts(e))}</td></tr>`,
      ),
      '</tbody></table>',
    );
  }
  if (stats.changedInPeriod) {
    out.push(
      `<p style="margin:12px 0 4px;"><strong>What changed in this version</strong></p>`,
      `<ul class="stat-changes">${stats.changes.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>`,
    );
  } else {
    out.push(`<p style="${STYLE.muted}">No new statistics version in this period.</p>`);
  }
  return out;
}

const STYLE = {
  body: 'margin:0;padding:0;background:#f4f5f7;',
  wrap: 'max-width:720px;margin:0 auto;padding:24px 16px;font-family:Segoe UI,Helvetica,Arial,sans-serif;color:#1d2330;font-size:15px;line-height:1.45;',
  h1: 'font-size:22px;margin:0 0 4px;',
  h2: 'font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d7dbe3;padding-bottom:4px;',
  muted: 'color:#5b6473;font-size:13px;',
  card: 'background:#ffffff;border:1px solid #d7dbe3;border-radius:6px;padding:12px 14px;margin:0 0 12px;',
  title: 'font-size:16px;font-weight:600;margin:0 0 4px;',
  alert: 'background:#fff4e5;border:1px solid #f0b35b;border-radius:6px;padding:10px 14px;margin:0 0 12px;',
  danger: 'background:#fdecec;border:1px solid #e08080;border-radius:6px;padding:10px 14px;margin:0 0 12px;',
  table: 'border-collapse:collapse;width:100%;background:#ffffff;',
  th: 'text-align:left;border-bottom:1px solid #d7dbe3;padding:6px 8px;font-size:13px;color:#5b6473;',
  td: 'border-bottom:1px solid #eef0f4;padding:6px 8px;',
  num: 'border-bottom:1px solid #eef0f4;padding:6px 8px;text-align:right;font-variant-numeric:tabular-nums;',
  button:
    'display:inline-block;background:#2454a6;color:#ffffff;text-decoration:none;padding:8px 14px;border-radius:5px;font-weight:600;',
};

function candidateHtml(c: DigestCandidate): string {
  const meta = [c.authors, c.journal, c.year === null ? null : String(c.year)].filter(
    (part): part is string => Boolean(part),
  );
  const ids = [
    c.pmid ? `PMID ${link(c.pubmedUrl, c.pmid)}` : null,
    c.doi ? `DOI ${link(c.doiUrl, c.doi)}` : null,
  ].filter((part): part is string => part !== null);
  return [
    `<div class="candidate" style="${STYLE.card}">`,
    `<p class="candidate-title" style="${STYLE.title}">${escapeHtml(c.title)}</p>`,
    c.retracted
      ? `<p style="color:#a12622;font-weight:600;margin:0 0 4px;">PubMed marks this record as retracted</p>`
      : '',
    meta.length ? `<p style="${STYLE.muted};margin:0 0 4px;">${escapeHtml(meta.join(' · '))}</p>` : '',
    ids.length ? `<p style="${STYLE.muted};margin:0 0 6px;">${ids.join(' · ')}</p>` : '',
    c.foundBy.length
      ? `<p class="found-by" style="${STYLE.muted};margin:0 0 6px;">Citation watch: ${c.foundBy.map(escapeHtml).join('; ')}</p>`
      : '',
    c.abstractSnippet ? `<p style="margin:0;">${escapeHtml(c.abstractSnippet)}</p>` : '',
    '</div>',
  ].join('');
}

function noticeHtml(notice: StudyNotice, digest: Digest): string {
  const retraction = notice.kind === 'retraction' || notice.kind === 'retracted-publication';
  const study = notice.studyPmid
    ? `${escapeHtml(notice.studyTitle)} (PMID ${link(pubmedUrl(notice.studyPmid), notice.studyPmid)})`
    : escapeHtml(notice.studyTitle);
  const source = [
    notice.refSource ? escapeHtml(notice.refSource) : null,
    notice.noticePmid ? `PMID ${link(pubmedUrl(notice.noticePmid), notice.noticePmid)}` : null,
  ].filter(Boolean);
  return [
    `<div class="notice notice-${escapeHtml(notice.kind)}" style="${retraction ? STYLE.danger : STYLE.alert}">`,
    `<strong>${escapeHtml(NOTICE_LABELS[notice.kind])}:</strong> ${study}`,
    source.length ? `<br><span style="${STYLE.muted}">Notice: ${source.join(' · ')}</span>` : '',
    retraction ? `<br>${escapeHtml(noticeEffect(notice, digest))}` : '',
    '</div>',
  ].join('');
}

export function renderDigestHtml(digest: Digest): string {
  const runs = digest.runSummary;
  const out: string[] = [];
  out.push(
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(digestSubject(digest))}</title></head>`,
    `<body style="${STYLE.body}"><div style="${STYLE.wrap}">`,
    `<h1 style="${STYLE.h1}">${escapeHtml(digest.reviewTitle)}</h1>`,
    `<p style="${STYLE.muted}">Living review digest · review <code>${escapeHtml(digest.reviewId)}</code> · ${escapeHtml(periodText(digest.period))}</p>`,
  );
  if (digest.notices.length > 0 || digest.crossings.length > 0) {
    out.push(`<h2 style="${STYLE.h2}">Needs attention</h2>`);
    for (const notice of digest.notices) out.push(noticeHtml(notice, digest));
    for (const crossing of digest.crossings) {
      out.push(
        `<div class="crossing" style="${STYLE.alert}"><strong>Update trigger crossed (statistics version ${escapeHtml(crossing.version)}):</strong> ${escapeHtml(crossing.description)}<br><span style="${STYLE.muted}">${escapeHtml(crossing.detail)}</span></div>`,
      );
    }
  }
  out.push(`<h2 style="${STYLE.h2}">New candidates (${digest.candidates.length})</h2>`);
  if (digest.candidates.length === 0) {
    out.push('<p>No new records arrived in this period.</p>');
  } else {
    out.push(
      `<p style="${STYLE.muted}">All ${digest.candidates.length} are attached as an RIS file for a reference manager.</p>`,
    );
    for (const candidate of digest.candidates) out.push(candidateHtml(candidate));
  }
  out.push(...ongoingHtml(digest));
  out.push(...statisticsHtml(digest));
  out.push(`<h2 style="${STYLE.h2}">Searches</h2>`);
  out.push(
    `<table role="presentation" style="${STYLE.table}"><tbody>`,
    ...[
      [
        'Runs',
        runs.runs,
        `${runs.succeeded} succeeded, ${runs.failed} failed${runs.running ? `, ${runs.running} running` : ''}`,
      ],
      ['Records found', runs.found, ''],
      ['Duplicates removed', runs.duplicatesRemoved, ''],
      ['Queued for screening', runs.queued, ''],
      ['Warnings', runs.warnings.length, ''],
    ].map(
      ([label, value, note]) =>
        `<tr><td style="${STYLE.td}">${escapeHtml(label)}</td><td style="${STYLE.num}">${escapeHtml(value)}</td><td style="${STYLE.td};${STYLE.muted}">${escapeHtml(note)}</td></tr>`,
    ),
    '</tbody></table>',
  );
  for (const failure of runs.failures) {
    out.push(
      `<div class="failure" style="${STYLE.danger}"><strong>Failed run ${escapeHtml(failure.runId)}</strong> (${escapeHtml(failure.source)}, ${escapeHtml(failure.window.from)} to ${escapeHtml(failure.window.to)}): ${escapeHtml(failure.error)}</div>`,
    );
  }
  if (runs.warnings.length > 0) {
    out.push(
      `<ul style="${STYLE.muted}">${runs.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>`,
    );
  }
  out.push(`<h2 style="${STYLE.h2}">Screening</h2>`);
  out.push(
    `<p><strong>${escapeHtml(digest.screening.waiting)}</strong> ${digest.screening.waiting === 1 ? 'record waits' : 'records wait'} for a screening decision${digest.screening.source === 'queue' ? ' (arrival queue)' : ''}.</p>`,
  );
  if (digest.screening.stages.length > 0) {
    out.push(
      `<table style="${STYLE.table}"><thead><tr><th style="${STYLE.th}">Stage</th><th style="${STYLE.th}">Awaiting 1st</th><th style="${STYLE.th}">Awaiting 2nd</th><th style="${STYLE.th}">Conflicts</th></tr></thead><tbody>`,
      ...digest.screening.stages.map(
        (s) =>
          `<tr><td style="${STYLE.td}">${escapeHtml(s.stage)}</td><td style="${STYLE.num}">${s.awaitingFirst}</td><td style="${STYLE.num}">${s.awaitingSecond}</td><td style="${STYLE.num}">${s.inConflict}</td></tr>`,
      ),
      '</tbody></table>',
    );
  }
  if (digest.screeningUrl) {
    out.push(
      `<p style="margin-top:16px;">${link(digest.screeningUrl, 'Open the screening page').replace('<a ', `<a style="${STYLE.button}" `)}</p>`,
    );
  }
  out.push(
    `<p style="${STYLE.muted};margin-top:28px;">Generated ${escapeHtml(digest.generatedAt)} by the living-review monitor.</p>`,
    '</div></body></html>',
  );
  return `${out.join('\n')}\n`;
}

/** The ongoing studies the registries reported in the period: a list apart, never screening candidates. */
function ongoingHtml(digest: Digest): string[] {
  if (digest.ongoing.length === 0) return [];
  const item = (r: DigestRegistration) =>
    `<li class="ongoing-study"><strong>${r.url ? link(r.url, r.id) : escapeHtml(r.id)}</strong> (${r.change}) ${escapeHtml(r.title)}<br><span style="${STYLE.muted}">${escapeHtml(
      [r.status, r.conditions.join(', '), r.sponsor, `last update posted ${r.lastUpdatePosted}`]
        .filter(Boolean)
        .join(' · '),
    )}</span></li>`;
  return [
    `<h2 style="${STYLE.h2}">Ongoing studies (${digest.ongoing.length})</h2>`,
    `<p style="${STYLE.muted}">Trial registrations new or updated in this period: listed for the team, not queued for screening.</p>`,
    `<ul>${digest.ongoing.map(item).join('')}</ul>`,
  ];
}

function ongoingText(digest: Digest): string[] {
  if (digest.ongoing.length === 0) return [];
  const out = [`ONGOING STUDIES (${digest.ongoing.length}, not queued for screening)`, ''];
  for (const r of digest.ongoing) {
    out.push(`* ${oneLine(r.id)} (${r.change}): ${oneLine(r.title)}`);
    const meta = [oneLine(r.status), oneLine(r.conditions.join(', ')), oneLine(r.sponsor)].filter(Boolean);
    if (meta.length) out.push(`  ${meta.join(' · ')}`);
    out.push(`  Last update posted ${oneLine(r.lastUpdatePosted)}${r.url ? `: ${oneLine(r.url)}` : ''}`);
  }
  out.push('');
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Text

export function renderDigestText(digest: Digest): string {
  const runs = digest.runSummary;
  const out: string[] = [
    oneLine(digest.reviewTitle),
    `Living review digest, review ${oneLine(digest.reviewId)}, ${periodText(digest.period)}`,
    '',
  ];
  if (digest.notices.length > 0 || digest.crossings.length > 0) {
    out.push('NEEDS ATTENTION', '');
    for (const notice of digest.notices) {
      const study = notice.studyPmid
        ? `${oneLine(notice.studyTitle)} (PMID ${oneLine(notice.studyPmid)})`
        : oneLine(notice.studyTitle);
      out.push(`* ${NOTICE_LABELS[notice.kind]}: ${study}`);
      const source = [
        oneLine(notice.refSource),
        notice.noticePmid ? `PMID ${oneLine(notice.noticePmid)}` : '',
      ]
        .filter(Boolean)
        .join(', ');
      if (source) out.push(`  Notice: ${source}`);
      const effect = noticeEffect(notice, digest);
      if (effect) out.push(`  ${effect}`);
    }
    for (const crossing of digest.crossings) {
      out.push(
        `* Update trigger crossed (statistics version ${crossing.version}): ${oneLine(crossing.description)}`,
      );
      out.push(`  ${oneLine(crossing.detail)}`);
    }
    out.push('');
  }
  out.push(`NEW CANDIDATES (${digest.candidates.length})`, '');
  if (digest.candidates.length === 0) out.push('No new records arrived in this period.', '');
  else out.push(`All ${digest.candidates.length} are attached as an RIS file for a reference manager.`, '');
  digest.candidates.forEach((c, index) => {
    out.push(`${index + 1}. ${oneLine(c.title)}`);
    if (c.retracted) out.push('   PubMed marks this record as retracted.');
    const meta = [oneLine(c.authors), oneLine(c.journal), c.year === null ? '' : String(c.year)].filter(
      Boolean,
    );
    if (meta.length) out.push(`   ${meta.join(' · ')}`);
    if (c.pubmedUrl) out.push(`   PubMed: ${c.pubmedUrl}`);
    if (c.doiUrl) out.push(`   DOI: ${c.doiUrl}`);
    if (c.abstractSnippet) out.push(`   ${oneLine(c.abstractSnippet)}`);
    for (const found of c.foundBy) out.push(`   Citation watch: ${oneLine(found)}`);
    out.push('');
  });
  out.push(...ongoingText(digest));
  const stats = digest.statistics;
  if (stats) {
    out.push(
      `POOLED EVIDENCE (statistics version ${stats.version})`,
      '',
      `${stats.patients} patients from ${stats.studies} studies, computed ${day(stats.generatedAt)}.`,
    );
    for (const e of stats.endpoints) {
      out.push(`${oneLine(e.label)}: median ${endpointMedian(e)}; ${endpointCounts(e)}`);
    }
    if (stats.changedInPeriod) {
      out.push('What changed in this version:');
      for (const line of stats.changes) out.push(`  - ${oneLine(line)}`);
    } else {
      out.push('No new statistics version in this period.');
    }
    out.push('');
  }
  out.push(
    'SEARCHES',
    '',
    `Runs: ${runs.runs} (${runs.succeeded} succeeded, ${runs.failed} failed${runs.running ? `, ${runs.running} running` : ''})`,
    `Records found: ${runs.found}`,
    `Duplicates removed: ${runs.duplicatesRemoved}`,
    `Queued for screening: ${runs.queued}`,
    `Warnings: ${runs.warnings.length}`,
  );
  for (const warning of runs.warnings) out.push(`  - ${oneLine(warning)}`);
  for (const failure of runs.failures) {
    out.push(
      `FAILED run ${oneLine(failure.runId)} (${oneLine(failure.source)}, ${failure.window.from} to ${failure.window.to}): ${oneLine(failure.error)}`,
    );
  }
  out.push(
    '',
    'SCREENING',
    '',
    `${digest.screening.waiting} ${digest.screening.waiting === 1 ? 'record waits' : 'records wait'} for a screening decision${digest.screening.source === 'queue' ? ' (arrival queue)' : ''}.`,
  );
  for (const s of digest.screening.stages) {
    out.push(
      `  ${s.stage}: ${s.awaitingFirst} awaiting a first decision, ${s.awaitingSecond} a second, ${s.inConflict} in conflict`,
    );
  }
  if (digest.screeningUrl) out.push(`Screening page: ${digest.screeningUrl}`);
  out.push('', `Generated ${digest.generatedAt} by the living-review monitor.`);
  return `${out.join('\n')}\n`;
}
