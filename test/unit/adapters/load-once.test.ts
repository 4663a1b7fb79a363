// loadOnce: what the S3, SES and EventBridge adapters load their SDK client through.
import { describe, expect, it } from 'vitest';
import { loadOnce } from '../../../shared/adapters/load-once.ts';

describe('Function: loadOnce', () => {
  it('loads on the first call only, and every caller shares that load', async () => {
    let loads = 0;
    const load = loadOnce(async () => ({ module: ++loads }));
    expect(loads).toBe(0);
    const [a, b] = await Promise.all([load(), load()]);
    expect(await load()).toBe(a);
    expect(b).toBe(a);
    expect(loads).toBe(1);
  });

  it('tries again after a failed load instead of keeping the failure', async () => {
    let attempts = 0;
    const load = loadOnce(async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('ENOENT: the package is missing');
      return 'loaded';
    });
    await expect(load()).rejects.toThrow(/ENOENT/);
    expect(await load()).toBe('loaded');
    expect(await load()).toBe('loaded');
    expect(attempts).toBe(2);
  });
});
