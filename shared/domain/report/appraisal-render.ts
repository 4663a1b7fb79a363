// The appraisal section of the report page: the per-study appraisal table, one traffic-light figure (SVG) per
// tool (a row per study, a column per item and the overall judgement; colour and a glyph per cell, so it reads
// in grey print too), and the sensitivity analysis beside the main result with both denominators. Every value
// from a protocol or a record is escaped; cells carry data-* attributes a test can read back.
import { escapeHtml, link, pubmedUrl } from '../digest/html.ts';
import type { KmGroupSummary } from '../stats/survival-summary.ts';
import { formatNumber } from '../stats/tables.ts';
import type { Rating, ReportAppraisal, ReportAppraisalTool } from './appraisal-section.ts';

export const RATING_COLOURS: Record<Rating, string> = {
  good: '#2e9d4f',
  some: '#e3a81b',
  bad: '#d43c3c',
  none: '#b8bec9',
};
const GLYPHS: Record<Rating, string> = { good: '+', some: '?', bad: '−', none: '·' };

/** A figure row's label: the PMID (titles of one review look alike once shortened), else the shortened title. */
function studyLabel(study: { title: string; pmid: string | null; year: number | null }): string {
  const name = study.pmid
    ? `PMID ${study.pmid}`
    : study.title.length > 42
      ? `${study.title.slice(0, 41)}…`
      : study.title;
  return study.year === null ? name : `${name} (${study.year})`;
}

/** The traffic-light figure of one tool's studies; null when no settled study used the tool. */
export function renderAppraisalSvg(section: ReportAppraisal, tool: ReportAppraisalTool): string | null {
  const studies = section.studies.filter((s) => s.toolId === tool.id);
  if (studies.length === 0) return null;
  const rating = new Map(tool.answers.map((a) => [a.id, a.rating]));
  const judgementRating = new Map(section.judgements.map((j) => [j.id, j.rating]));
  const labelWidth = 330;
  const cell = 30;
  const top = 40;
  const columns = tool.items.length + 1;
  const width = labelWidth + columns * cell + 20;
  const legendTop = top + studies.length * cell + 24;
  const legendRows = tool.answers.length + section.judgements.length + 1;
  const height = legendTop + legendRows * 18 + 10;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="appraisal-figure" data-tool="${escapeHtml(tool.id)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(`${tool.name}: answers per study`)}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<title>${escapeHtml(tool.name)}</title>`,
  ];
  tool.items.forEach((item, i) => {
    const x = labelWidth + i * cell + cell / 2;
    out.push(
      `<text x="${x}" y="${top - 12}" text-anchor="middle" fill="#1d2330"><title>${escapeHtml(item.text)}</title>${i + 1}</text>`,
    );
  });
  out.push(
    `<text x="${labelWidth + tool.items.length * cell + cell / 2}" y="${top - 12}" text-anchor="middle" font-weight="bold" fill="#1d2330">All</text>`,
  );
  studies.forEach((study, row) => {
    const y = top + row * cell + cell / 2;
    out.push(
      `<text x="${labelWidth - 10}" y="${y + 4}" text-anchor="end" fill="#1d2330">${escapeHtml(studyLabel(study))}</text>`,
    );
    const answers = new Map(study.answers.map((a) => [a.questionId, a.answer]));
    const cells = [
      ...tool.items.map((item) => ({
        key: item.id,
        answer: answers.get(item.id) ?? null,
        rating: rating.get(answers.get(item.id) ?? ''),
      })),
      { key: 'overall', answer: study.judgement, rating: judgementRating.get(study.judgement ?? '') },
    ];
    cells.forEach((c, i) => {
      const r: Rating = c.rating ?? 'none';
      const x = labelWidth + i * cell + cell / 2;
      out.push(
        `<g data-study="${escapeHtml(study.studyId)}" data-item="${escapeHtml(c.key)}" data-answer="${escapeHtml(c.answer ?? '')}" data-rating="${r}">`,
        `<circle cx="${x}" cy="${y}" r="11" fill="${RATING_COLOURS[r]}"${c.key === 'overall' ? ' stroke="#1d2330" stroke-width="1.5"' : ''}/>`,
        `<text x="${x}" y="${y + 4}" text-anchor="middle" fill="#fff" font-weight="bold">${GLYPHS[r]}</text>`,
        '</g>',
      );
    });
  });
  let y = legendTop;
  const legend = (r: Rating, text: string) => {
    out.push(
      `<circle cx="20" cy="${y - 4}" r="6" fill="${RATING_COLOURS[r]}"/>`,
      `<text x="32" y="${y}" fill="#1d2330">${escapeHtml(text)}</text>`,
    );
    y += 18;
  };
  for (const answer of tool.answers) legend(answer.rating, `${GLYPHS[answer.rating]} ${answer.label}`);
  out.push(`<text x="14" y="${y}" fill="#5b6473">Overall (All):</text>`);
  y += 18;
  for (const judgement of section.judgements) legend(judgement.rating, judgement.label);
  out.push('</svg>');
  return out.join('');
}

function km(summary: KmGroupSummary | null, unit: string | null): string {
  if (!summary) return '–';
  const median =
    summary.median === null ? 'not reached' : `${formatNumber(summary.median)}${unit ? ` ${unit}` : ''}`;
  const ci =
    summary.lower === null && summary.upper === null
      ? ''
      : ` (${summary.lower === null ? 'NA' : formatNumber(summary.lower)}–${summary.upper === null ? 'NA' : formatNumber(summary.upper)})`;
  const events = `${summary.events} event${summary.events === 1 ? '' : 's'}`;
  return `${escapeHtml(median)}${escapeHtml(ci)}<br><span class="note">n = ${summary.n}, ${events}</span>`;
}

/** The section's HTML (empty when the review declares no appraisal). */
export function appraisalSectionHtml(section: ReportAppraisal | null | undefined): string {
  if (!section) return '';
  const out: string[] = ['<section id="appraisal"><h2>Critical appraisal</h2>'];
  const judgement = new Map(section.judgements.map((j) => [j.id, j]));
  const levelLabel = new Map((section.levels?.values ?? []).map((l) => [l.id, l.label]));
  const toolName = new Map(section.tools.map((t) => [t.id, t.name]));
  if (section.studies.length === 0) {
    out.push('<p>No study has a settled appraisal yet.</p>');
  } else {
    out.push(
      `<table class="appraisal-table"><thead><tr><th>Study</th><th>Design</th><th>Tool</th>${section.levels ? `<th>Level (${escapeHtml(section.levels.scheme)})</th>` : ''}<th>Overall</th><th class="num">Settled by arbiter</th></tr></thead><tbody>`,
      ...section.studies.map((s) => {
        const j = s.judgement ? judgement.get(s.judgement) : undefined;
        const chip = j
          ? `<span class="chip" style="background:${RATING_COLOURS[j.rating]}"></span> ${escapeHtml(j.label)}`
          : '–';
        const level = section.levels
          ? `<td data-level="${escapeHtml(s.studyId)}" title="${escapeHtml(levelLabel.get(s.level ?? '') ?? '')}">${escapeHtml(s.level ?? '–')}</td>`
          : '';
        const arbitrated = s.answers.filter((a) => a.settledBy === 'arbiter').length;
        const study = `${escapeHtml(s.title)}${s.pmid ? ` (PMID ${link(pubmedUrl(s.pmid), s.pmid)})` : ''}`;
        return `<tr data-appraised="${escapeHtml(s.studyId)}"><td>${study}</td><td>${escapeHtml(s.design)}</td><td>${escapeHtml(toolName.get(s.toolId) ?? s.toolId)}</td>${level}<td data-judgement="${escapeHtml(s.studyId)}">${chip}</td><td class="num">${arbitrated}</td></tr>`;
      }),
      '</tbody></table>',
    );
  }
  if (section.pending > 0) {
    out.push(
      `<p class="note">${section.pending} included ${section.pending === 1 ? 'study is' : 'studies are'} still being appraised.</p>`,
    );
  }
  for (const tool of section.tools) {
    const svg = renderAppraisalSvg(section, tool);
    if (!svg) continue;
    out.push(
      `<div class="figure" id="appraisal-${escapeHtml(tool.id)}"><p><strong>${escapeHtml(tool.name)}</strong></p>${svg}`,
      `<ol class="note">${tool.items.map((i) => `<li>${escapeHtml(i.text)}</li>`).join('')}</ol></div>`,
    );
  }
  const s = section.sensitivity;
  if (s) {
    out.push(
      `<h3 id="sensitivity">Sensitivity analysis: ${escapeHtml(s.label)}</h3>`,
      `<table class="sensitivity"><thead><tr><th></th><th>All pooled studies</th><th>${escapeHtml(s.label)}</th></tr></thead><tbody>`,
      `<tr><td>Patients</td><td class="num" data-sensitivity="main-patients">${s.main.patients}</td><td class="num" data-sensitivity="sensitivity-patients">${s.sensitivity.patients}</td></tr>`,
      `<tr><td>Studies</td><td class="num" data-sensitivity="main-studies">${s.main.studies}</td><td class="num" data-sensitivity="sensitivity-studies">${s.sensitivity.studies}</td></tr>`,
      ...s.curves.map(
        (c) =>
          `<tr data-sensitivity-curve="${escapeHtml(c.id)}"><td>${escapeHtml(c.label)}: median (95% CI)</td><td class="num">${km(c.main, c.unit)}</td><td class="num">${km(c.sensitivity, c.unit)}</td></tr>`,
      ),
      '</tbody></table>',
      `<p class="note">Left out: ${s.leftOut.length === 0 ? 'no study' : s.leftOut.map((l) => `${escapeHtml(l.title)} (${escapeHtml(l.why)})`).join('; ')}.${s.notYetAppraised > 0 ? ` ${s.notYetAppraised} pooled ${s.notYetAppraised === 1 ? 'study is' : 'studies are'} not appraised yet and stay in both.` : ''}</p>`,
    );
  }
  out.push('</section>');
  return out.join('\n');
}
