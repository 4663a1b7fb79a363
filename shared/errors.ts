// One class per failure mode. `retryable` tells a caller (a Lambda, the CLI) whether trying again can help.
export class LivingReviewError extends Error {
  readonly retryable: boolean;
  constructor(message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retryable = options?.retryable ?? false;
  }
}

/** A protocol file that does not validate. The message names the file and every bad field. */
export class ProtocolError extends LivingReviewError {}

/** Input that cannot be parsed (XML, CSV, JSON rows). The message names the place (file, record, line). */
export class InputError extends LivingReviewError {}

/** E-utilities failed or answered with something that is not a complete result. */
export class EutilsError extends LivingReviewError {}

/** The store refused or failed a write or read. */
export class StoreError extends LivingReviewError {}

/** Configuration (environment, CLI flags) is missing or invalid. */
export class ConfigError extends LivingReviewError {}

/**
 * A source's allowance for today is used up (OpenAlex's daily budget). Not a fault to retry now: the run is
 * deferred, its watermark unmoved, and the next scheduled run reads the window again.
 */
export class AllowanceExhaustedError extends LivingReviewError {}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Whether `error` or any error in its cause chain is a `kind`. */
export function hasCause(error: unknown, kind: abstract new (...args: never[]) => Error): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof kind) return true;
  }
  return false;
}
