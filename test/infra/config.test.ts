// The deployment parameters (CDK context): defaults, and a bad value failing the synth naming its key.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/bundling.ts';
import { parseDeploymentConfig } from '../../infra/config.ts';

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
        reportPublicBaseUrl: 'http://reports.example.org/',
      }),
    ).toThrow(
      /alarmEmail: .*\n.*sesSender: .*\n.*digestRecipients.*\n.*logRetentionDays: expected a CloudWatch Logs retention.*\n.*reportPublicBaseUrl: expected an https URL\n.*cognitoDomainPrefix: expected lower-case/,
    );
  });
});
