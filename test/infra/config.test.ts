// The deployment parameters (CDK context): defaults, and a bad value failing the synth naming its key.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/bundling.ts';
import { parseDeploymentConfig } from '../../infra/config.ts';
import { cdkJsonContext, OWN_FLAG_VALUES, recommendedFeatureFlags } from '../../infra/feature-flags.ts';
import { synthesize, twoProtocolDirectory } from './support.ts';

describe('Function: parseDeploymentConfig', () => {
  it('defaults to 90-day logs, the project protocols, no key, no subscriber, no public site', () => {
    expect(parseDeploymentConfig({ sesSender: 'reviews@example.org' })).toEqual({
      sesSender: 'reviews@example.org',
      logRetentionDays: 90,
      protocolsDir: join(PROJECT_ROOT, 'protocols'),
      withoutMail: false,
      publicReport: false,
    });
  });

  it('refuses a deployment without an SES sender unless the operator opts out (withoutMail)', () => {
    expect(() => parseDeploymentConfig({})).toThrow(
      'invalid CDK context for the living review monitor:\n  sesSender: not set. The report and digest functions (the living report, the weekly digests, trigger notices) send mail through SES and need a sender: -c sesSender=reviews@example.org (an SES-verified address or domain), or -c withoutMail=true to deploy without them',
    );
    expect(parseDeploymentConfig({ withoutMail: 'true' })).toMatchObject({ withoutMail: true });
    expect(parseDeploymentConfig({ withoutMail: true })).toMatchObject({ withoutMail: true });
    expect(() => parseDeploymentConfig({ withoutMail: 'false' })).toThrow(/sesSender: not set/);
    expect(() => parseDeploymentConfig({ withoutMail: 'yes' })).toThrow(
      /withoutMail: expected true or false/,
    );
    expect(() => parseDeploymentConfig({ withoutMail: 'true', sesSender: 'reviews@example.org' })).toThrow(
      /withoutMail: contradicts sesSender/,
    );
    expect(() => parseDeploymentConfig({ withoutMail: 'true', publicReport: 'true' })).toThrow(
      /publicReport: publishes what the report function writes, which deploys only with a sesSender/,
    );
  });

  it('reads -c values as the CLI passes them (strings), blanks as unset', () => {
    const config = parseDeploymentConfig({
      alarmEmail: 'ops@example.org',
      ncbiApiKeySecret: ' living-review/ncbi ',
      ncbiEmail: '',
      unpaywallEmail: 'screening@example.org',
      sesSender: 'reviews@example.org',
      digestRecipients: 'a@example.org, b@example.org',
      reportPublicBaseUrl: 'https://reports.example.org/',
      logRetentionDays: '365',
      cognitoDomainPrefix: 'iesm-screening',
      protocolsDir: '/srv/protocols',
      publicReport: 'true',
    });
    expect(config).toEqual({
      alarmEmail: 'ops@example.org',
      ncbiApiKeySecret: 'living-review/ncbi',
      unpaywallEmail: 'screening@example.org',
      sesSender: 'reviews@example.org',
      digestRecipients: ['a@example.org', 'b@example.org'],
      reportPublicBaseUrl: 'https://reports.example.org/',
      logRetentionDays: 365,
      cognitoDomainPrefix: 'iesm-screening',
      protocolsDir: '/srv/protocols',
      withoutMail: false,
      publicReport: true,
    });
  });

  it('names every bad key', () => {
    expect(() =>
      parseDeploymentConfig({
        alarmEmail: 'not-an-address',
        logRetentionDays: '45',
        cognitoDomainPrefix: 'Upper_Case',
        digestRecipients: 'a@example.org, nope',
        sesSender: 'example.org',
        unpaywallEmail: 'nobody',
        reportPublicBaseUrl: 'http://reports.example.org/',
        deployment: 'Staging_1',
      }),
    ).toThrow(
      /deployment: expected a short name.*\n.*alarmEmail: .*\n.*unpaywallEmail: .*\n.*sesSender: .*\n.*digestRecipients.*\n.*logRetentionDays: expected a CloudWatch Logs retention.*\n.*reportPublicBaseUrl: expected an https URL\n.*cognitoDomainPrefix: expected lower-case/,
    );
  });
});

describe('A named deployment (-c deployment=staging)', () => {
  it('suffixes both stacks and the exports they share, and gets a sign-in domain of its own', () => {
    const s = synthesize(
      { deployment: 'staging', protocolsDir: twoProtocolDirectory(), withoutMail: 'true' },
      { bundle: false },
    );
    expect([s.stateful.stackName, s.stateless.stackName]).toEqual([
      'LivingReviewData-staging',
      'LivingReviewApp-staging',
    ]);
    expect(s.stateful.reportBucketArnExportName).toBe('LivingReviewData-staging-ReportBucketArn');
    const imports = JSON.stringify(s.stack.toJSON()).match(/"Fn::ImportValue":"[^"]+"/g) ?? [];
    expect(imports.length).toBeGreaterThan(0);
    for (const imported of imports)
      expect(imported).toMatch(/"Fn::ImportValue":"LivingReviewData-staging[:-]/);
    const [domain] = Object.values(s.stack.findResources('AWS::Cognito::UserPoolDomain'));
    expect(JSON.stringify(domain?.Properties.Domain)).toContain('lr-screening-staging-');
  });
});

describe('CDK feature flags (cdk.json)', () => {
  it("pins every flag aws-cdk-lib recommends, at the recommended value or the app's own", () => {
    const pinned = cdkJsonContext();
    const recommended = recommendedFeatureFlags();
    const expected = { ...recommended, ...OWN_FLAG_VALUES };
    for (const [flag, value] of Object.entries(expected)) expect(pinned[flag], flag).toEqual(value);
    // The app's own choices are deliberate departures, each explained in infra/feature-flags.ts.
    for (const [flag, value] of Object.entries(OWN_FLAG_VALUES)) expect(recommended[flag]).not.toEqual(value);
  });
});
