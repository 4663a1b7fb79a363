// The living report of the synthetic IESM cohort: its numbers are the snapshot's, its curves are drawn from the
// same patients, its page escapes record fields, and its revision changes only when its content does.
import { describe, expect, it } from 'vitest';
import { kmCurveData, numberAtRisk, renderKmSvg, timeAxis } from '../../../shared/domain/report/km-plot.ts';
import { buildPrismaFlow } from '../../../shared/domain/report/prisma.ts';
import { renderReportHtml } from '../../../shared/domain/report/render-report.ts';
import { buildLivingReport, type ReportInput, reportRevision } from '../../../shared/domain/report/report.ts';
import { kaplanMeier } from '../../../shared/domain/stats/kaplan-meier.ts';
import { computeStatisticsSnapshot, diffSnapshots } from '../../../shared/domain/stats/snapshot.ts';
import { tableRows } from '../../../shared/domain/stats/tables.ts';
import { iesmPlan } from '../../support/protocols.ts';
import { loadSyntheticCohort } from '../extraction/reference-fixtures.ts';

const plan = iesmPlan();

const cohort = loadSyntheticCohort();
const studyIds = [...new Set(cohort.map((row) => row.studyId))].sort();
const v1 = computeStatisticsSnapshot({
  plan,
  version: 1,
  rows: cohort.slice(0, 100),
  includedStudies: studyIds,
  generatedAt: '2026-01-01T00:00:00.000Z',
});
const v2 = computeStatisticsSnapshot({
  plan,
  version: 2,
  rows: cohort,
  includedStudies: studyIds,
  generatedAt: '2026-01-08T00:00:00.000Z',
});
const HOSTILE = '<script>window.pwned=1</script><img src=x onerror=alert(1)>';

function input(overrides: Partial<ReportInput> = {}): ReportInput {
  return {
    review: { id: 'iesm', title: 'IESM <living> review', onRetraction: 'exclude-patients' },
    plan,
    snapshot: v2,
    diff: diffSnapshots(v1, v2),
    rows: cohort,
    studies: studyIds.map((citationId, index) => ({
      citationId,
      title: index === 0 ? `${HOSTILE} retracted study` : `Study ${citationId}`,
      pmid: String(1000 + index),
      doi: null,
      year: 2000 + (index % 20),
      source: 'manual' as const,
      retracted: index === 0,
      retractedAt: index === 0 ? '2026-01-07T00:00:00.000Z' : null,
    })),
    prisma: buildPrismaFlow({
      records: [],
      exclusionReasons: [],
      studies: [],
      runs: [],
      onRetraction: 'exclude-patients',
      snapshot: { studies: v2.studies.count, patients: v2.patients.count },
    }),
    notices: [
      {
        citationId: studyIds[0]!,
        studyTitle: `${HOSTILE} retracted study`,
        studyPmid: '1000',
        kind: 'retraction',
        noticePmid: '195582',
        refSource: 'Nature. 1976 Jun 3;261(5559):432',
        detectedAt: '2026-01-07T00:00:00.000Z',
      },
    ],
    crossings: [],
    runs: [
      {
        runId: 'r1',
        source: 'pubmed',
        query: '(intradural extramedullary) AND <metastases>',
        window: { from: '2025-12-29', to: '2026-01-05' },
        startedAt: '2026-01-05T06:00:00.000Z',
        finishedAt: '2026-01-05T06:01:00.000Z',
        outcome: 'succeeded',
        counts: { found: 7, fetched: 7, new: 5, alreadyKnown: 0, duplicates: 2, queued: 5, deleted: 0 },
        warnings: [],
        error: null,
      },
    ],
    ...overrides,
  };
}

describe('Function: buildLivingReport', () => {
  const report = buildLivingReport(input());

  it('states the snapshot numbers: patients, tables, Kaplan-Meier summaries', () => {
    expect(report.version).toBe(2);
    expect(report.patients).toEqual({ count: 130, synthetic: v2.patients.synthetic });
    expect(report.tables).toEqual(v2.tables);
    const sets = new Map(report.survival.curves.map((set) => [set.id, set]));
    expect([...sets.keys()]).toEqual([
      ...plan.survival.endpoints.map((e) => e.id),
      ...plan.survival.comparisons.map((c) => c.id),
    ]);
    for (const [id, set] of sets) {
      expect(set.groups.map(({ label: _label, ...group }) => group)).toEqual(v2.survival.curves[id]!.groups);
      expect({ used: set.used, notReported: set.notReported }).toEqual({
        used: v2.survival.curves[id]!.used,
        notReported: v2.survival.curves[id]!.notReported,
      });
      expect(set.logrank).toEqual(v2.survival.logrank[id] ?? null);
    }
    expect(sets.get('os')!.followUp).toEqual(v2.survival.followUp.os);
    expect(sets.get('lc')!.endpointLabel).toBe('Local control');
    expect(sets.get('os_by_adjuvant_radiotherapy')).toMatchObject({
      label: 'Overall survival by Adjuvant radiotherapy',
      used: 120,
      notReported: 10,
    });
    const perStudy = Object.fromEntries(v2.studies.patients.map((s) => [s.studyId, s.count]));
    for (const study of report.studies) expect(study.patients).toBe(perStudy[study.citationId] ?? 0);
  });

  it('draws the curves from the same patients: n, events and median as the snapshot says', () => {
    const set = report.survival.curves.find((c) => c.id === 'os')!;
    const os = set.plot![0]!.data;
    const [summary] = v2.survival.curves.os!.groups;
    expect(os.n).toBe(summary!.n);
    expect(os.events).toBe(summary!.events);
    expect(os.median.median).toBe(summary!.median);
    const fit = kaplanMeier(
      cohort.map((row) => ({ time: row.os_months as number, event: row.os_event as 0 | 1 })),
    );
    expect(os.surv).toEqual(fit.table.surv);
    expect(os.nRisk).toEqual(fit.table.n_risk);
    // A comparison: one plotted curve per group, in the snapshot's group order, with its labels.
    const byResponse = report.survival.curves.find((c) => c.id === 'os_by_resection')!;
    expect(byResponse.plot!.map((curve) => curve.group)).toEqual(
      v2.survival.curves.os_by_resection!.groups.map((g) => g.group),
    );
    expect(byResponse.plot!.map((curve) => curve.data.n)).toEqual(
      v2.survival.curves.os_by_resection!.groups.map((g) => g.n),
    );
  });

  it('leaves a curve out, saying why, when the rows no longer give the snapshot', () => {
    // One death recorded as censored since: the events no longer match the snapshot's.
    const edited = cohort.map((row) =>
      row.patientId === cohort.find((r) => r.os_event === 1)!.patientId
        ? { ...row, os_event: 0 as const }
        : row,
    );
    const stale = buildLivingReport(input({ rows: edited }));
    const os = stale.survival.curves.find((c) => c.id === 'os')!;
    expect(os.plot).toBeNull();
    expect(os.note).toContain('rows were edited since');
    expect(os.groups[0]).toMatchObject(v2.survival.curves.os!.groups[0]!);
    // Local control is untouched by the edit: still drawn.
    expect(stale.survival.curves.find((c) => c.id === 'lc')!.plot).not.toBeNull();
  });

  it('names retracted studies and summarises the changes with study titles', () => {
    expect(report.retractions.studies).toEqual([
      expect.objectContaining({ title: `${HOSTILE} retracted study`, pmid: '1000', patientsExcluded: true }),
    ]);
    expect(report.changes.fromVersion).toBe(1);
    expect(report.changes.summary).toContain('30 patients added');
  });

  it('names a withdrawn study with its reason in what changed, and marks it in the studies and PRISMA', () => {
    // Prepare: ten patients come from a second study; v3 withdraws it (a protocol reason), and its patients
    // leave the statistics.
    const gone = 'c-duplicate-publication';
    const rows = cohort.map((row, index) => (index < 10 ? { ...row, studyId: gone } : row));
    const withdrawal = { at: '2026-01-09T00:00:00.000Z', by: 'pp', reason: 'not-iesm' };
    const both = computeStatisticsSnapshot({
      plan,
      version: 2,
      rows,
      includedStudies: [...studyIds, gone],
      generatedAt: '2026-01-08T00:00:00.000Z',
    });
    const v3 = computeStatisticsSnapshot({
      plan,
      version: 3,
      rows: rows.filter((row) => row.studyId !== gone),
      includedStudies: studyIds,
      withdrawnStudies: [{ studyId: gone, ...withdrawal }],
      generatedAt: '2026-01-09T00:00:00.000Z',
    });
    const diff = diffSnapshots(both, v3);
    const lost = 10;
    const studies = [
      ...input().studies,
      {
        citationId: gone,
        title: `Study ${gone}`,
        pmid: '2000',
        doi: null,
        year: 2021,
        source: 'manual' as const,
        retracted: false,
        retractedAt: null,
        withdrawn: withdrawal,
      },
    ];

    // Act
    const withdrawn = buildLivingReport(
      input({
        snapshot: v3,
        diff,
        rows: rows.filter((row) => row.studyId !== gone),
        studies,
        prisma: buildPrismaFlow({
          records: [],
          exclusionReasons: [{ id: 'not-iesm', label: 'Not an IESM' }],
          studies: studies.map((s) => ({ ...s, withdrawn: s.withdrawn ?? null })),
          runs: [],
          onRetraction: 'exclude-patients',
          snapshot: { studies: v3.studies.count, patients: v3.patients.count },
        }),
      }),
    );
    const html = renderReportHtml(withdrawn);

    // Assess
    expect(diff.studiesRemoved).toEqual([gone]);
    expect(diff.studiesWithdrawn).toEqual([{ studyId: gone, ...withdrawal }]);
    expect(v3.studies.count).toBe(both.studies.count - 1);
    expect(v3.patients.count).toBe(both.patients.count - lost);
    expect(withdrawn.changes.summary).toContain(
      `1 study withdrawn, left out of the statistics: Study ${gone} (Not an IESM)`,
    );
    expect(withdrawn.changes.summary).toContain(`${lost} patients removed`);
    expect(withdrawn.changes.summary.join('\n')).not.toMatch(/removed: /);
    expect(withdrawn.prisma.included).toMatchObject({ studies: studyIds.length, withdrawn: 1 });
    expect(withdrawn.prisma.identities.every((i) => i.holds)).toBe(true);
    expect(html).toContain('<strong>withdrawn</strong> 2026-01-09 by pp: Not an IESM');
    expect(html).toContain('Studies withdrawn after inclusion (n = ');
  });

  it('has a revision that changes with the content and only with it', () => {
    expect(reportRevision(buildLivingReport(input()))).toBe(reportRevision(report));
    expect(reportRevision(buildLivingReport(input({ notices: [] })))).not.toBe(reportRevision(report));
    expect(reportRevision(report)).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('Function: renderReportHtml', () => {
  const report = buildLivingReport(input());
  const html = renderReportHtml(report);

  it('shows every table cell of the snapshot', () => {
    for (const { table, row } of tableRows(v2.tables)) {
      const cell = new RegExp(
        `data-cell="${table.id}/${row.key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}">([^<]*)<`,
      );
      const match = cell.exec(
        html.replaceAll('&amp;', '&').replaceAll('&#39;', "'").replaceAll('&quot;', '"'),
      );
      expect(match?.[1]?.replaceAll('&lt;', '<').replaceAll('&gt;', '>')).toBe(row.text);
    }
    expect(html).toContain(`data-km="os-median">${v2.survival.curves.os!.groups[0]!.median}<`);
    expect(html).toContain(`data-logrank="os_by_resection">`);
  });

  it('escapes study titles, notices and queries; the page has no script', () => {
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;window.pwned=1&lt;/script&gt;');
    expect(html).toContain('(intradural extramedullary) AND &lt;metastases&gt;');
    expect(html).toContain('IESM &lt;living&gt; review');
    expect(html).toMatch(/<section id="retractions" class="alert">/);
    expect(html).toContain('<svg');
  });
});

describe('Function: renderKmSvg', () => {
  const curve = kmCurveData([
    { time: 1, event: 1 },
    { time: 2, event: 0 },
    { time: 3, event: 1 },
    { time: 3, event: 0 },
    { time: 14, event: 1 },
  ])!;

  it('counts patients at risk as those with time >= t', () => {
    expect([0, 1, 1.5, 3, 4, 14, 15].map((t) => numberAtRisk(curve, t))).toEqual([5, 5, 4, 3, 1, 1, 0]);
    expect(timeAxis(14)).toEqual({ step: 2, end: 14, ticks: [0, 2, 4, 6, 8, 10, 12, 14] });
    expect(timeAxis(130).step).toBe(24);
  });

  it('draws a step curve from (0, 1), a band, censor marks and the numbers at risk', () => {
    const svg = renderKmSvg([{ label: null, curve }], {
      title: 'OS <test>',
      timeLabel: 'Time (months)',
      probabilityLabel: 'Overall survival',
      id: 'os',
    });
    const path = /class="km-curve" d="([^"]+)"/.exec(svg)![1]!;
    // One horizontal and one vertical move per table row after the start.
    expect(path.match(/H/g)).toHaveLength(curve.time.length);
    expect(path.match(/V/g)).toHaveLength(curve.time.length);
    expect(svg).toContain('class="km-band"');
    expect(svg.match(/class="km-censor"/g)).toHaveLength(1);
    // Two censorings (times 2 and 3): two "+" marks of two strokes each.
    expect(/class="km-censor" d="([^"]+)"/.exec(svg)![1]!.match(/M/g)).toHaveLength(4);
    const atRisk = [...svg.matchAll(/class="km-at-risk"[^>]*>(\d+)</g)].map((m) => Number(m[1]));
    expect(atRisk).toEqual(timeAxis(14).ticks.map((t) => numberAtRisk(curve, t)));
    expect(svg).toContain('OS &lt;test&gt;');
    expect(svg).not.toContain('<test>');
  });
});

describe('Function: renderKmSvg layout', () => {
  const two = [
    {
      label: 'complete',
      curve: kmCurveData([1, 2, 3, 4, 9].map((time, i) => ({ time, event: (i % 2) as 0 | 1 })))!,
    },
    { label: 'partial', curve: kmCurveData([2, 5, 6, 8].map((time) => ({ time, event: 1 as const })))! },
  ];
  const svg = renderKmSvg(two, {
    title: 'LC',
    timeLabel: 'Time (months)',
    probabilityLabel: 'Local control',
    id: 'lc',
  });

  it('labels the probability axis with the endpoint, never "Survival probability"', () => {
    expect(svg).toContain('class="km-y-label"');
    expect(/class="km-y-label"[^>]*>([^<]*)</.exec(svg)![1]).toBe('Local control');
    expect(svg).not.toContain('Survival probability');
    expect(/class="km-x-label"[^>]*>([^<]*)</.exec(svg)![1]).toBe('Time (months)');
  });

  it('draws one curve per group and puts the legend right of the plot area, covering no curve', () => {
    expect(svg.match(/class="km-curve"/g)).toHaveLength(2);
    const plotRight = Math.max(
      ...[
        ...svg.matchAll(/<line x1="[\d.]+" x2="([\d.]+)" y1="[\d.]+" y2="[\d.]+" stroke="#1d2330"\/>/g),
      ].map((m) => Number(m[1])),
    );
    const curveXs = [...svg.matchAll(/class="km-curve" d="([^"]+)"/g)].flatMap((m) =>
      [...m[1]!.matchAll(/[MH]([\d.]+)/g)].map((h) => Number(h[1])),
    );
    const legend = /<g class="km-legend">([\s\S]*?)<\/g>/.exec(svg)![1]!;
    const legendXs = [...legend.matchAll(/ x1?="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(Math.max(...curveXs)).toBeLessThanOrEqual(plotRight);
    expect(Math.min(...legendXs)).toBeGreaterThan(plotRight);
    expect(legend).toContain('complete');
    expect(legend).toContain('partial');
    // One row of numbers at risk per group.
    expect(new Set([...svg.matchAll(/class="km-at-risk" data-group="([^"]*)"/g)].map((m) => m[1]))).toEqual(
      new Set(['complete', 'partial']),
    );
  });
});

describe('Function: renderReportHtml, retraction policy and PRISMA', () => {
  it('says what the protocol does with retracted studies, also when there is none', () => {
    const none = renderReportHtml(buildLivingReport(input({ studies: [], notices: [] })));
    expect(none).toContain(
      "The protocol leaves a retracted study's patients out of the statistics; no included study is retracted.",
    );
    expect(none).not.toContain('flagged only');
    const flagOnly = renderReportHtml(
      buildLivingReport(
        input({ studies: [], notices: [], review: { id: 'iesm', title: 't', onRetraction: 'flag-only' } }),
      ),
    );
    expect(flagOnly).toContain(
      'The protocol flags a retracted study and keeps its patients in the statistics',
    );
  });

  it('keeps every PRISMA box out of the label column: the Included label spans both of its rows', () => {
    const html = renderReportHtml(buildLivingReport(input()));
    const prisma = /<div class="prisma">([\s\S]*?)<\/div>\n<h3>/.exec(html)![1]!;
    const cells = [...prisma.matchAll(/<div class="(phase|box|box side|empty)"/g)].map((m) => m[1]);
    // Grid of three columns: every phase cell starts a row (index divisible by 3), except the second row of
    // "Included", which the spanning label covers.
    const included = cells.lastIndexOf('phase');
    cells.forEach((cell, index) => {
      if (cell === 'phase') expect(index % 3).toBe(0);
    });
    expect(cells.slice(included)).toEqual([
      'phase',
      'box',
      expect.stringMatching(/box side|empty/),
      'box',
      'box side',
    ]);
    expect(prisma).toContain('grid-row: span 2');
  });
});
