// What the Lambda functions read from their environment, validated with zod at cold start (a missing or bad
// variable fails the first invocation naming the variable), and the cached read of a secret.
//
// Secrets never travel in environment variables: the stack passes a secret's ARN (e.g.
// NCBI_API_KEY_SECRET_ARN), and the function reads the value through Powertools Parameters, which keeps it in
// memory for `maxAgeSeconds` so a warm function makes no Secrets Manager call per invocation. When the ARN is
// not set (local runs, the contract tests) there is no secret and no AWS call (run from source, Powertools
// Parameters is not even loaded; in a bundle the runtime's Secrets Manager client is loaded but never called).
import type { z } from 'zod';
import { formatIssues } from '../domain/zod-issues.ts';
import { ConfigError } from '../errors.ts';

/**
 * Parses `env` with `schema` (an object of variable names). Throws ConfigError naming every bad variable.
 *
 * @example
 * const env = parseLambdaEnv(z.object({ LIVING_REVIEW_TABLE: z.string().min(1) }), process.env);
 */
export function parseLambdaEnv<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  throw new ConfigError(`invalid function environment: ${formatIssues(parsed.error, '(environment)')}`);
}

export interface SecretReaderOptions {
  /** The secret's ARN (or name); undefined means "no secret": the reader answers undefined. */
  secretId: string | undefined;
  /** How long a read value is reused before Secrets Manager is asked again (a rotated key is seen then). */
  maxAgeSeconds: number;
  /**
   * Picks the value out of the secret string. Default: the whole string, trimmed; a JSON object's single
   * string field also works (the console's key/value editor stores {"key": "value"}).
   */
  extract?: (secretString: string) => string;
}

/** A JSON object with exactly one string field gives that field; anything else is the trimmed text itself. */
export function defaultSecretExtract(secretString: string): string {
  const text = secretString.trim();
  if (text.startsWith('{')) {
    try {
      const value = JSON.parse(text) as unknown;
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        const strings = Object.values(value).filter((field): field is string => typeof field === 'string');
        if (strings.length === 1) return strings[0]!.trim();
      }
    } catch {
      // Not JSON: the text is the secret.
    }
  }
  return text;
}

/**
 * A function that returns the secret's current value (cached by Powertools for maxAgeSeconds), or undefined
 * when no secret is configured.
 */
export function secretReader(options: SecretReaderOptions): () => Promise<string | undefined> {
  const { secretId, maxAgeSeconds } = options;
  const extract = options.extract ?? defaultSecretExtract;
  if (!secretId) return async () => undefined;
  return async () => {
    const { getSecret } = await import('@aws-lambda-powertools/parameters/secrets');
    let value: unknown;
    try {
      value = await getSecret(secretId, { maxAge: maxAgeSeconds });
    } catch (error) {
      throw new ConfigError(`cannot read secret ${secretId}: ${(error as Error).message}`, {
        cause: error,
        retryable: true,
      });
    }
    if (typeof value !== 'string' || value.trim() === '') {
      throw new ConfigError(`secret ${secretId} holds no text value`);
    }
    return extract(value);
  };
}
