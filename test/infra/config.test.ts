// The deployment parameters (CDK context): defaults, and a bad value failing the synth naming its key.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/bundling.ts';
import { parseDeploymentConfig } from '../../infra/config.ts';
import { synthesize, twoProtocolDirectory } from './support.ts';

describe('Function: parseDeploymentConfig', () => {
  it('defaults to 90-day logs, the project protocols, no key, no subscriber', () => {
    expect(parseDeploymentConfig({})).toEqual({
      logRetentionDays: 90,
      protocolsDir: join(PROJECT_ROOT, 'protocols'),
    });
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
    const s = synthesize({ deployment: 'staging', protocolsDir: twoProtocolDirectory() }, { bundle: false });
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
