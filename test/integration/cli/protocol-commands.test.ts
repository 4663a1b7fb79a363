// The commands that help a team write a protocol, run as a user runs them (the real binary): `init` writes a
// commented skeleton that validates as written, `protocol check` names every bad field or prints what a valid
// protocol declares, and `extract template` writes the CSV a team fills in and imports as it is.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runLivingReview } from '../../support/cli-binary.ts';
import { PROTOCOL_DIRECTORY } from '../../support/protocols.ts';

const dir = mkdtempSync(join(tmpdir(), 'lr-protocols-'));
const env = { ...process.env, LIVING_REVIEW_PROTOCOLS: dir, LIVING_REVIEW_STORE_IDLE_MS: '3000' };

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('living-review init', () => {
  it('writes a commented skeleton that passes protocol check, and never overwrites a file', async () => {
    const written = await runLivingReview(['init', '--review', 'my-review'], env);
    expect(written.code, written.stderr).toBe(0);
    const file = join(dir, 'my-review.yaml');
    expect(written.stdout.trim()).toBe(file);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('id: my-review');
    expect(text).toMatch(/^# /m);

    const checked = await runLivingReview(['protocol', 'check', file], env);
    expect(checked.code, checked.stderr).toBe(0);
    expect(checked.stdout).toContain(`${file}: valid protocol "my-review"`);
    expect(checked.stdout).toContain(
      'endpoint os: Overall survival (time os_months, event os_event, months, with median follow-up)',
    );
    expect(checked.stdout).toContain('comparison os_by_surgery: os by surgery');

    const again = await runLivingReview(['init', '--review', 'my-review'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`${file} exists: not overwritten`);
    expect(readFileSync(file, 'utf8')).toBe(text);
    const bad = await runLivingReview(['init', '--review', 'My Review'], env);
    expect(bad.code).toBe(2);
  });
});

describe('living-review protocol check', () => {
  it('prints what the shipped protocols declare', async () => {
    const checked = await runLivingReview(
      [
        'protocol',
        'check',
        join(PROTOCOL_DIRECTORY, 'iesm.yaml'),
        join(PROTOCOL_DIRECTORY, 'breast-ipd.yaml'),
      ],
      env,
    );
    expect(checked.code, checked.stderr).toBe(0);
    expect(checked.stdout).toContain('valid protocol "iesm"');
    expect(checked.stdout).toContain('variables (38):');
    expect(checked.stdout).toContain(
      '    radiotherapy_dose_gy "Radiotherapy dose": number, a number of Gy > 0 and ≤ 200',
    );
    expect(checked.stdout).toContain('valid protocol "breast-ipd"');
    expect(checked.stdout).toContain('comparison rfs_by_study: rfs_overall by study');
    expect(checked.stdout).toContain(
      'trigger: The Kaplan-Meier median of recurrence-free survival moves by more than 3 months',
    );
    expect(checked.stdout).toContain(
      'model rfs_multivariable_strata_study: rfs_overall ~ hormone_therapy + age_years + positive_nodes + tumour_size, strata study (Cox, efron ties)',
    );
    expect(checked.stdout).toContain(
      'trigger: The 95% CI of the hazard ratio of hormone_therapyyes (Cox model "Hormone therapy, adjusted for age, nodes and tumour size") starts or stops excluding 1',
    );
  });

  it('names the file and every bad field of an invalid protocol, typos included', async () => {
    const broken = readFileSync(join(PROTOCOL_DIRECTORY, 'breast-ipd.yaml'), 'utf8')
      .replace('updateTriggers:', 'updateTrigers:')
      .replace('time: rfs_months', 'time: rfs_time')
      .replace('{ name: grade,', '{ name: grade, colour: red,');
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, broken);
    const checked = await runLivingReview(['protocol', 'check', file], env);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toContain(`${file}: invalid protocol`);
    expect(checked.stderr).toContain(
      'updateTrigers: unknown field (not part of the protocol format: a typo?)',
    );
    rmSync(file);
  });
});

describe('living-review extract template', () => {
  it('writes the header and one note per column; filled in, it imports as it is', async () => {
    const template = await runLivingReview(
      ['extract', 'template', '--protocol', join(PROTOCOL_DIRECTORY, 'breast-ipd.yaml')],
      env,
    );
    expect(template.code, template.stderr).toBe(0);
    const lines = template.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      'patientId,studyId,synthetic,age_years,menopausal_status,tumour_size,grade,positive_nodes,pgr_fmol,er_fmol,hormone_therapy,chemotherapy,rfs_months,rfs_event,os_months,os_event',
    );
    expect(lines).toContain('# tumour_size: Tumour size; one of le20, 20to50, gt50; required');
    expect(lines).toContain('# age_years: Age; a whole number of years ≥ 18 and ≤ 100; required');
    expect(lines).toContain('# rfs_event: Recurrence or death (event); 0 (censored) or 1 (event); required');

    const data = await mkdtempDir();
    const filled = join(data, 'rows.csv');
    writeFileSync(
      filled,
      `${template.stdout.trim()}\n` +
        'p1,trial-a,,61,post,le20,2,0,10,20,yes,no,40.5,1,52,0\n' +
        'p2,trial-a,,48,pre,gt50,3,4,,,no,,12,1,12,1\n',
    );
    const imported = await runLivingReview(
      [
        'extract',
        'import',
        filled,
        '--protocol',
        join(PROTOCOL_DIRECTORY, 'breast-ipd.yaml'),
        '--data',
        data,
        '--create-studies',
      ],
      env,
    );
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain('2 patient rows: 2 added');
    rmSync(data, { recursive: true, force: true });
  });
});

async function mkdtempDir(): Promise<string> {
  return mkdtempSync(join(tmpdir(), 'lr-template-'));
}
