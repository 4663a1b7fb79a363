// How long a store server started by a CLI command waits for the next command (cli/context.ts).
import { describe, expect, it } from 'vitest';
import { CLI_STORE_IDLE_MS, cliStoreIdleMs } from '../../../cli/context.ts';

describe("the CLI's store server idle period", () => {
  it('keeps a server a command started for 5 minutes, so the commands of a session find it running', () => {
    expect(CLI_STORE_IDLE_MS).toBe(300_000);
    expect(cliStoreIdleMs({})).toBe(300_000);
  });

  it('leaves the period to LIVING_REVIEW_STORE_IDLE_MS when it is set (the server reads it)', () => {
    expect(cliStoreIdleMs({ LIVING_REVIEW_STORE_IDLE_MS: '2000' })).toBeUndefined();
  });
});
