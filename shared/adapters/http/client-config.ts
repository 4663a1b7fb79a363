// Configuration of the literature-source clients (E-utilities, Europe PMC) from the environment. Each has its
// own variables and fields; what they share is here: the base URL and retry-limit fields, and the reading
// itself (blank counts as unset, then defaults, then overrides, then one ConfigError naming every bad variable).
import { z } from 'zod';
import { formatIssues } from '../../domain/zod-issues.ts';
import { ConfigError } from '../../errors.ts';
import { defaultRetryPolicy } from './retry.ts';

/** Endpoints are resolved against the base URL, so it must end with a slash. */
export function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

export const positiveInt = z.coerce.number().int().positive();

export const httpBaseUrl = z
  .url({ protocol: /^https?$/, error: 'expected an http(s) URL' })
  .transform(withTrailingSlash);

/** The fields PoliteHttp takes from a client's configuration. */
export const retryLimitFields = {
  timeoutMs: positiveInt,
  maxAttempts: positiveInt,
  maxRetryTimeMs: z.coerce.number().int().min(0),
};

/** What every JSON service's client is configured with (its own fields beside these). */
export interface ServiceClientConfig {
  /** Ends with a slash; endpoints are resolved against it. */
  baseUrl: string;
  timeoutMs: number;
  maxAttempts: number;
  maxRetryTimeMs: number;
  requestsPerSecond: number;
}

export const serviceClientFields = {
  baseUrl: httpBaseUrl,
  ...retryLimitFields,
  requestsPerSecond: z.coerce.number().positive(),
};

/** The variables of the ServiceClientConfig fields of a service: <PREFIX>_BASE_URL, <PREFIX>_TIMEOUT_MS, ... */
export function serviceEnvNames(prefix: string): Record<keyof ServiceClientConfig, string> {
  return {
    baseUrl: `${prefix}_BASE_URL`,
    timeoutMs: `${prefix}_TIMEOUT_MS`,
    maxAttempts: `${prefix}_MAX_ATTEMPTS`,
    maxRetryTimeMs: `${prefix}_MAX_RETRY_TIME_MS`,
    requestsPerSecond: `${prefix}_REQUESTS_PER_SECOND`,
  };
}

export const retryLimitDefaults = {
  timeoutMs: 60_000,
  maxAttempts: defaultRetryPolicy.maxAttempts,
  maxRetryTimeMs: defaultRetryPolicy.maxRetryTimeMs,
};

/**
 * Reads each field of `envNames` from its variable (blank counts as unset), else takes its default; defined
 * `overrides` win. Throws ConfigError("invalid <what> configuration: VARIABLE: problem; ...").
 */
export function clientConfigFromEnv<T extends object>(options: {
  what: string;
  schema: z.ZodType<T>;
  envNames: Record<keyof T, string>;
  defaults: Partial<Record<keyof T, unknown>>;
  env: Record<string, string | undefined>;
  overrides: Partial<T>;
}): T {
  const candidate: Record<string, unknown> = {};
  for (const [field, name] of Object.entries(options.envNames) as [keyof T & string, string][]) {
    const value = options.env[name];
    candidate[field] = typeof value === 'string' && value.trim() !== '' ? value : options.defaults[field];
  }
  for (const [key, value] of Object.entries(options.overrides)) {
    if (value !== undefined) candidate[key] = value;
  }
  const parsed = options.schema.safeParse(candidate);
  if (!parsed.success) {
    const names = options.envNames as Record<string, string>;
    const place = (path: readonly PropertyKey[]) => names[String(path[0])] ?? String(path[0]);
    throw new ConfigError(
      `invalid ${options.what} configuration: ${formatIssues(parsed.error, '', { place })}`,
    );
  }
  return parsed.data;
}
