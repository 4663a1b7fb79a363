// The living report's appraisal section over the real store: the per-study table, the traffic-light figures and
// the sensitivity analysis leaving out the studies judged at high risk, with both denominators.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleReport, reportFiles } from '../../../shared/app/publish-report.ts';
import type { PatientRow } from '../../../shared/domain/extraction/patient-row.ts';
import { renderReportHtml } from '../../../shared/domain/report/render-report.ts';
import {
  type Harness,
  include,
  openHarness,
  protocolFor,
  putPatients,
  recompute,
  recordCitations,
  studyCitation,
} from '../report/harness.ts';
import { appraisalDepsOf, settleAppraisal } from './support.ts';

let h: Harness;
const protocol = protocolFor('appraisal-report');
let studies: string[];
let rows: PatientRow[];

beforeAll(async () => {
  h = await openHarness('appraisal-report');
  studies = await recordCitations(
    h,
    protocol.id,
    ['2101', '2102', '2103', '2104', '2105'].map((p) => studyCitation(p)),
  );
  await include(h, protocol.id, studies);
  rows = await putPatients(h, protocol.id, studies, 60);
  await recompute(h, protocol);
  const deps = appraisalDepsOf(h);
  // 2101, 2102: low risk; 2103: high (4 of 8 no); 2104: case series, high (5 of 10 no); 2105 not appraised.
  await settleAppraisal(deps, protocol, studies[0]!, { design: 'case-report' });
  await settleAppraisal(deps, protocol, studies[1]!, { design: 'case-report', level: '5' });
  await settleAppraisal(deps, protocol, studies[2]!, {
    design: 'case-report',
    no: ['demographics', 'history-timeline', 'diagnostics', 'lessons'],
  });
  await settleAppraisal(deps, protocol, studies[3]!, {
    design: 'case-series',
    no: ['consecutive', 'complete', 'setting', 'statistics', 'standard-measurement'],
  });
});

afterAll(async () => {
  await h?.close();
});

describe('report appraisal section', () => {
  it('lists every settled appraisal and leaves the high-risk studies out of the sensitivity analysis', async () => {
    const report = (await assembleReport(protocol, { ...h, appraisals: appraisalDepsOf(h).appraisal }))!;
    const section = report.appraisal!;
    expect(section.studies.map((s) => [s.studyId, s.judgement, s.level])).toEqual(
      [
        [studies[0], 'low', '4'],
        [studies[1], 'low', '5'],
        [studies[2], 'high', '4'],
        [studies[3], 'high', '4'],
      ].sort((a, b) => a[0]!.localeCompare(b[0]!)),
    );
    expect(section.pending).toBe(1);
    expect(section.tools.map((t) => t.id)).toEqual(['jbi-case-report', 'jbi-case-series']);
    const first = section.studies.find((s) => s.studyId === studies[0])!;
    expect(first.answers[0]).toEqual({ questionId: 'demographics', answer: 'yes', settledBy: 'arbiter' });

    const sensitivity = section.sensitivity!;
    const highRisk = new Set([studies[2], studies[3]]);
    expect(sensitivity.leftOut.map((l) => l.studyId).sort()).toEqual([...highRisk].sort());
    expect(sensitivity.main).toEqual({ patients: 60, studies: 5 });
    const kept = rows.filter((r) => !highRisk.has(r.studyId));
    expect(sensitivity.sensitivity).toEqual({ patients: kept.length, studies: 3 });
    expect(sensitivity.notYetAppraised).toBe(1);
    // Each endpoint's curve in the sensitivity analysis uses only the kept patients who report it.
    const os = sensitivity.curves.find((c) => c.id === 'os')!;
    const reportsOs = (r: PatientRow) => r.os_months !== null && r.os_event !== null;
    expect(os.main!.n).toBe(rows.filter(reportsOs).length);
    expect(os.sensitivity!.n).toBe(kept.filter(reportsOs).length);
    expect(os.sensitivity!.events).toBe(kept.filter((r) => reportsOs(r) && r.os_event === 1).length);

    const html = renderReportHtml(report);
    expect(html).toContain('<section id="appraisal">');
    expect(html).toContain(`data-sensitivity="sensitivity-patients">${kept.length}<`);
    const files = reportFiles(report).map((f) => f.path);
    expect(files).toContain('appraisal-jbi-case-report.svg');
    expect(files).toContain('v1/appraisal-jbi-case-series.svg');
  });

  it('leaves the report as it was for a review that declares no appraisal', async () => {
    const { appraisal: _, ...withoutAppraisal } = protocol;
    const report = (await assembleReport(withoutAppraisal, {
      ...h,
      appraisals: appraisalDepsOf(h).appraisal,
    }))!;
    expect(report.appraisal).toBeUndefined();
    expect(renderReportHtml(report)).not.toContain('id="appraisal"');
  });
});
