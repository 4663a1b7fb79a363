import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  clientConfigFromEnv,
  httpBaseUrl,
  retryLimitDefaults,
  retryLimitFields,
} from '../../../shared/adapters/http/client-config.ts';
import { ConfigError } from '../../../shared/errors.ts';

interface TestConfig {
  baseUrl: string;
  timeoutMs: number;
  maxAttempts: number;
  maxRetryTimeMs: number;
  label?: string | undefined;
}

const schema = z.object({ baseUrl: httpBaseUrl, ...retryLimitFields, label: z.string().optional() });
const envNames = {
  baseUrl: 'T_BASE_URL',
  timeoutMs: 'T_TIMEOUT_MS',
  maxAttempts: 'T_MAX_ATTEMPTS',
  maxRetryTimeMs: 'T_MAX_RETRY_TIME_MS',
  label: 'T_LABEL',
};
const read = (env: Record<string, string | undefined>, overrides: Partial<TestConfig> = {}) =>
  clientConfigFromEnv<TestConfig>({
    what: 'Test',
    schema,
    envNames,
    defaults: { baseUrl: 'https://example.org/api', ...retryLimitDefaults },
    env,
    overrides,
  });

describe('clientConfigFromEnv', () => {
  it('takes defaults for unset and blank variables, and ends the base URL with a slash', () => {
    expect(read({ T_TIMEOUT_MS: '  ', T_LABEL: '' })).toEqual({
      baseUrl: 'https://example.org/api/',
      timeoutMs: 60_000,
      maxAttempts: 5,
      maxRetryTimeMs: 120_000,
    });
  });

  it('reads the variables, and defined overrides win over them', () => {
    const config = read(
      { T_BASE_URL: 'http://127.0.0.1:9/x/', T_MAX_ATTEMPTS: '2', T_LABEL: 'from env' },
      { label: 'override', maxRetryTimeMs: undefined },
    );
    expect(config).toEqual({
      baseUrl: 'http://127.0.0.1:9/x/',
      timeoutMs: 60_000,
      maxAttempts: 2,
      maxRetryTimeMs: 120_000,
      label: 'override',
    });
  });

  it('names every bad variable in one ConfigError', () => {
    const attempt = () =>
      read({ T_BASE_URL: 'ftp://example.org', T_MAX_ATTEMPTS: '0', T_MAX_RETRY_TIME_MS: '-1' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(
      /^invalid Test configuration: T_BASE_URL: expected an http\(s\) URL; T_MAX_ATTEMPTS: .+; T_MAX_RETRY_TIME_MS: .+$/,
    );
  });
});
