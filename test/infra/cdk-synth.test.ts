// `cdk synth` as an operator runs it, with no AWS credentials or configuration (a fresh HOME, no AWS_*
// variables, instance metadata off) and, where the kernel allows an unprivileged network namespace
// (`unshare -rn`), with no network at all: only the local esbuild bundles and the CDK CLI runs offline.
// Where it does not, the test's name and stderr say the network was not cut.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/bundling.ts';

const withoutNetwork = spawnSync('unshare', ['-rn', 'true']).status === 0;
// Where the kernel refuses an unprivileged network namespace the synth still runs, with no credentials, but the
// network is not cut: the test's name says which, and the run's output says so too, so it never passes as
// "offline" unseen.
const networkNote = withoutNetwork
  ? 'and no network'
  : 'but WITH the network (unshare -rn is refused here, so being offline is not checked)';
if (!withoutNetwork) process.stderr.write(`cdk-synth.test.ts: synth ${networkNote}\n`);

describe('CLI: cdk synth', () => {
  it(`synthesizes both stacks with no credentials ${networkNote}`, () => {
    // Prepare
    const output = mkdtempSync(join(tmpdir(), 'lr-cdk-synth-'));
    const home = mkdtempSync(join(tmpdir(), 'lr-cdk-home-'));
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: home,
      CDK_DISABLE_CLI_TELEMETRY: 'true',
      AWS_EC2_METADATA_DISABLED: 'true',
      npm_config_cache: join(home, '.npm'),
      npm_config_update_notifier: 'false',
    };
    // The one parameter a synth cannot do without: an SES sender, or saying there is none on purpose.
    const cdk = [
      join(PROJECT_ROOT, 'node_modules', '.bin', 'cdk'),
      'synth',
      '--quiet',
      '--output',
      output,
      '-c',
      'withoutMail=true',
    ];

    // Act
    const result = withoutNetwork
      ? spawnSync('unshare', ['-rn', ...cdk], { cwd: PROJECT_ROOT, env, encoding: 'utf8', timeout: 300_000 })
      : spawnSync(cdk[0]!, cdk.slice(1), { cwd: PROJECT_ROOT, env, encoding: 'utf8', timeout: 300_000 });

    // Assess
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    // Every feature flag is set in cdk.json: no "feature flags are not configured" notice.
    expect(`${result.stdout}\n${result.stderr}`).not.toMatch(/feature flags?/i);
    expect(readdirSync(output)).toEqual(
      expect.arrayContaining([
        'LivingReviewData.template.json',
        'LivingReviewApp.template.json',
        'manifest.json',
      ]),
    );
    const stack = JSON.parse(readFileSync(join(output, 'LivingReviewApp.template.json'), 'utf8'));
    const schedules = Object.values(
      stack.Resources as Record<string, { Type: string; Properties: never }>,
    ).filter((r) => r.Type === 'AWS::Scheduler::Schedule');
    // Without a sender: the search and the retraction watch of each shipped protocol (IESM and the breast IPD
    // review), and no digest or report function.
    const reviews = schedules.map(
      (schedule) => JSON.parse((schedule.Properties as { Target: { Input: string } }).Target.Input).reviewId,
    );
    expect(reviews.sort()).toEqual(['breast-ipd', 'breast-ipd', 'iesm', 'iesm']);
  }, 300_000);

  it('refuses to synthesize without an SES sender unless told to go without mail', () => {
    const home = mkdtempSync(join(tmpdir(), 'lr-cdk-home-'));
    const result = spawnSync(
      join(PROJECT_ROOT, 'node_modules', '.bin', 'cdk'),
      ['synth', '--quiet', '--output', mkdtempSync(join(tmpdir(), 'lr-cdk-synth-'))],
      {
        cwd: PROJECT_ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: home, CDK_DISABLE_CLI_TELEMETRY: 'true' },
        encoding: 'utf8',
        timeout: 300_000,
      },
    );
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(
      'sesSender: not set. The report and digest functions (the living report, the weekly digests, trigger notices) send mail through SES and need a sender',
    );
    expect(result.stderr).toContain('-c withoutMail=true to deploy without them');
  }, 300_000);
});
