// `living-review stats` with the protocol's sensitivity analysis, over the real store: four studies, one judged
// at high risk of bias by its (settled) appraisal, one not appraised yet. The sensitivity numbers are R's
// (survival 3.5-3, test/fixtures/appraisal/PROVENANCE.md) for the patients of the three remaining studies, and
// every format prints both denominators, patients and studies, for the main and the sensitivity analysis.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statsCommand } from '../../../cli/commands/stats.ts';
import { latestStatistics } from '../../../shared/app/recompute-statistics.ts';
import type { PatientRow } from '../../../shared/domain/extraction/patient-row.ts';
import { analysisPlanOf } from '../../../shared/domain/protocol/plan.ts';
import { renderStatistics } from '../../../shared/domain/stats/statistics-output.ts';
import { REPO_ROOT } from '../../support/store-fixtures.ts';
import { loadSyntheticCohort } from '../../unit/extraction/reference-fixtures.ts';
import {
  type Harness,
  include,
  openHarness,
  protocolFor,
  recompute,
  recordCitations,
  studyCitation,
} from '../report/harness.ts';
import { appraisalDepsOf, settleAppraisal } from './support.ts';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'appraisal');

interface RFit {
  n: number;
  events: number;
  median: number | null;
  lower: number | null;
  upper: number | null;
}
interface RAnalysis {
  patients: number;
  studies: number;
  os: RFit;
  lc: RFit;
}
const R = JSON.parse(readFileSync(join(FIXTURES, 'sensitivity-km.json'), 'utf8')) as {
  main: RAnalysis;
  sensitivity: RAnalysis;
};

/** Patient id -> study label (S1-S4), as R read them. */
function studyLabels(): Map<string, string> {
  const [, ...lines] = readFileSync(join(FIXTURES, 'sensitivity-cohort.csv'), 'utf8').trim().split('\n');
  return new Map(lines.map((line) => line.split(',') as [string, string]).map(([id, study]) => [id, study]));
}

// The review is IESM itself (the command reads protocols/iesm.yaml), in a data directory of its own.
const protocol = protocolFor('iesm');
let h: Harness;
let studies: string[];
let rows: PatientRow[];

async function stats(format: 'md' | 'json' | 'csv') {
  let out = '';
  let err = '';
  const code = await statsCommand.run(
    { values: { data: h.dataDir, review: 'iesm', format }, positionals: [] },
    {
      out: (text) => {
        out += `${text}\n`;
      },
      err: (text) => {
        err += `${text}\n`;
      },
      interactive: false,
    },
  );
  expect(err).toBe('');
  expect(code).toBe(0);
  return out;
}

beforeAll(async () => {
  h = await openHarness('appraisal-stats');
  studies = await recordCitations(
    h,
    protocol.id,
    ['4101', '4102', '4103', '4104'].map((p) => studyCitation(p)),
  );
  await include(h, protocol.id, studies);
  const labels = studyLabels();
  const byLabel = new Map(['S1', 'S2', 'S3', 'S4'].map((label, i) => [label, studies[i]!]));
  rows = loadSyntheticCohort()
    .filter((row) => labels.has(row.patientId))
    .map((row) => ({ ...row, studyId: byLabel.get(labels.get(row.patientId)!)! }));
  expect(rows).toHaveLength(90);
  const importedAt = h.clock().toISOString();
  await h.evidence.putPatientRows(
    protocol.id,
    rows.map((row) => ({ row, origin: 'sensitivity-cohort.csv', importedAt })),
  );
  await recompute(h, protocol);
  const deps = appraisalDepsOf(h);
  // S1: 4 of 8 items "no": high risk (left out). S2: low. S3: 2 "no": moderate. S4: not appraised (kept).
  await settleAppraisal(deps, protocol, studies[0]!, {
    design: 'case-report',
    no: ['demographics', 'history-timeline', 'diagnostics', 'lessons'],
  });
  await settleAppraisal(deps, protocol, studies[1]!, { design: 'case-report' });
  await settleAppraisal(deps, protocol, studies[2]!, { design: 'case-report', no: ['treatment', 'lessons'] });
}, 120_000);

afterAll(async () => {
  await h?.close();
});

describe('stats with the sensitivity analysis', () => {
  it('prints the JSON contract unchanged plus the sensitivity analysis, with R numbers', async () => {
    const json = JSON.parse(await stats('json'));
    // The keys other tools read stay as they were, in order; the analysis is one key added at the end.
    const stored = (await latestStatistics(protocol.id, { evidence: h.evidence }))!;
    const without = JSON.parse(
      renderStatistics(
        { snapshot: stored.snapshot, diff: stored.diff, plan: analysisPlanOf(protocol), changes: [] },
        'json',
      ),
    );
    expect(Object.keys(json)).toEqual([...Object.keys(without), 'sensitivity']);
    expect(json.patients).toBe(90);

    const s = json.sensitivity;
    expect(s.label).toBe('Leaving out studies at high risk of bias');
    expect(s.leftOut).toEqual([
      {
        study: studies[0],
        title: 'Intradural extramedullary metastasis: case series 4101',
        why: 'High risk of bias',
      },
    ]);
    expect(s.notYetAppraised).toBe(1);
    expect(s.main).toEqual({ patients: R.main.patients, studies: R.main.studies });
    expect(s.sensitivity).toEqual({ patients: R.sensitivity.patients, studies: R.sensitivity.studies });
    for (const endpoint of ['os', 'lc'] as const) {
      expect(s.km[endpoint].main).toEqual(R.main[endpoint]);
      expect(s.km[endpoint].sensitivity).toEqual(R.sensitivity[endpoint]);
    }
    // The main column is the main result itself.
    expect(s.km.os.main).toEqual({ ...json.km.os[0], group: undefined });
    expect(s.km.os.unit).toBe('months');
  });

  it('prints both denominators beside the main result in Markdown and CSV', async () => {
    const md = await stats('md');
    expect(md).toContain('### Sensitivity analysis: Leaving out studies at high risk of bias');
    expect(md).toContain('| Patients | 90 | 67 |');
    expect(md).toContain('| Studies | 4 | 3 |');
    expect(md).toContain(
      '| Overall survival (months): median (95% CI) | 6.7 (5.6–NA); n 90, 46 events | 6.1 (5.4–NA); n 67, 36 events |',
    );
    expect(md).toContain(
      `Left out (1): ${studies[0]} “Intradural extramedullary metastasis: case series 4101”`,
    );
    expect(md).toContain('Not yet appraised, kept in both analyses: 1 study.');
    // Beside the main result: after the Kaplan-Meier table, before what changed.
    expect(md.indexOf('### Kaplan–Meier')).toBeLessThan(md.indexOf('### Sensitivity analysis'));
    expect(md.indexOf('### Sensitivity analysis')).toBeLessThan(md.indexOf('### What changed'));

    const [header, ...lines] = (await stats('csv')).trim().split('\n');
    const columns = header!.split(',');
    const records = lines
      .map((line) => line.split(','))
      .filter((cells) => cells[columns.indexOf('table')] === 'Sensitivity analysis')
      .map((cells) => Object.fromEntries(columns.map((c, i) => [c, cells[i]])));
    const count = (section: string, level: string) =>
      records.find((r) => r.kind === 'sensitivity-count' && r.section === section && r.level === level)?.n;
    expect([count('main', 'patients'), count('main', 'studies')]).toEqual(['90', '4']);
    expect([count('sensitivity', 'patients'), count('sensitivity', 'studies')]).toEqual(['67', '3']);
    const os = (section: string) =>
      records.find((r) => r.kind === 'sensitivity-km' && r.section === section && r.curve === 'os')!;
    expect([os('main').n, os('main').events, os('main').median, os('main').lower, os('main').upper]).toEqual([
      '90',
      '46',
      '6.7',
      '5.6',
      '',
    ]);
    expect(Number(os('sensitivity').median)).toBe(R.sensitivity.os.median);
    expect(Number(os('sensitivity').lower)).toBe(R.sensitivity.os.lower);
    expect(records.find((r) => r.kind === 'sensitivity-left-out')?.level).toBe(studies[0]);
  });
});
