import { describe, expect, it } from 'vitest';
import {
  DEFAULT_EUTILS_BASE_URL,
  eutilsConfigFromEnv,
  eutilsDate,
  isTransientNetworkError,
} from '../../../shared/adapters/pubmed/eutils-client.ts';
import { ConfigError, EutilsError } from '../../../shared/errors.ts';

describe('eutilsConfigFromEnv', () => {
  it('defaults to NCBI, tool living-review-monitor, no key, no email', () => {
    expect(eutilsConfigFromEnv({})).toEqual({
      baseUrl: DEFAULT_EUTILS_BASE_URL,
      tool: 'living-review-monitor',
      timeoutMs: 60_000,
      maxAttempts: 5,
      maxRetryTimeMs: 120_000,
    });
    expect(DEFAULT_EUTILS_BASE_URL).toBe('https://eutils.ncbi.nlm.nih.gov/entrez/eutils/');
  });

  it('reads every variable, treating blank as unset', () => {
    const config = eutilsConfigFromEnv({
      NCBI_EUTILS_BASE_URL: 'http://127.0.0.1:8080/entrez/eutils',
      NCBI_TOOL: 'my-review',
      NCBI_EMAIL: 'ops@example.org',
      NCBI_API_KEY: '0123456789abcdef0123456789abcdef0123',
      NCBI_TIMEOUT_MS: '15000',
      NCBI_MAX_ATTEMPTS: '3',
      NCBI_MAX_RETRY_TIME_MS: '30000',
      NCBI_REQUESTS_PER_SECOND: ' ',
    });
    expect(config).toEqual({
      baseUrl: 'http://127.0.0.1:8080/entrez/eutils/',
      tool: 'my-review',
      email: 'ops@example.org',
      apiKey: '0123456789abcdef0123456789abcdef0123',
      timeoutMs: 15_000,
      maxAttempts: 3,
      maxRetryTimeMs: 30_000,
    });
  });

  it('takes the API key as a plain field (from Secrets Manager in AWS) over the environment', () => {
    const config = eutilsConfigFromEnv({ NCBI_API_KEY: 'fromenv' }, { apiKey: 'fromsecret' });
    expect(config.apiKey).toBe('fromsecret');
  });

  it('names every bad variable', () => {
    expect(() =>
      eutilsConfigFromEnv({
        NCBI_EUTILS_BASE_URL: 'ftp://ncbi',
        NCBI_TOOL: 'has spaces',
        NCBI_EMAIL: 'not-an-address',
        NCBI_MAX_ATTEMPTS: '0',
      }),
    ).toThrow(ConfigError);
    let thrown: unknown = null;
    try {
      eutilsConfigFromEnv({ NCBI_EUTILS_BASE_URL: 'ftp://ncbi', NCBI_TOOL: 'has spaces', NCBI_EMAIL: 'x' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const message = (thrown as Error).message;
    expect(message).toMatch(/^invalid E-utilities configuration: /);
    expect(message).toContain('NCBI_EUTILS_BASE_URL: expected an http(s) URL');
    expect(message).toContain('NCBI_TOOL: expected a tool name without spaces');
    expect(message).toContain('NCBI_EMAIL: ');
  });
});

describe('helpers', () => {
  it('eutilsDate writes a day as E-utilities wants it', () => {
    expect(eutilsDate('2024-02-29')).toBe('2024/02/29');
    expect(eutilsDate('2024/02/29')).toBe('2024/02/29');
    expect(() => eutilsDate('2024-2-9')).toThrow(EutilsError);
  });

  it('isTransientNetworkError knows resets, refusals, undici socket errors and cut gzip streams', () => {
    const coded = (code: string) => Object.assign(new Error(code), { code });
    for (const code of [
      'ECONNRESET',
      'ECONNREFUSED',
      'EPIPE',
      'UND_ERR_SOCKET',
      'UND_ERR_HEADERS_TIMEOUT',
      'Z_BUF_ERROR',
    ]) {
      expect(isTransientNetworkError(coded(code))).toBe(true);
    }
    expect(isTransientNetworkError(new Error('fetch failed', { cause: coded('ECONNRESET') }))).toBe(true);
    for (const code of ['UND_ERR_INVALID_ARG', 'UND_ERR_ABORTED', 'ENOTFOUND', 'ERR_INVALID_URL']) {
      expect(isTransientNetworkError(coded(code))).toBe(false);
    }
    expect(isTransientNetworkError(new Error('no code'))).toBe(false);
  });
});
