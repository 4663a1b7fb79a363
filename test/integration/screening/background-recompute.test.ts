// `serve`'s wiring recomputes the statistics after answering (cli/serve/wiring.ts): a record included through
// screening becomes an included study at once, and the statistics catch up in the background; closing the
// wiring waits for them. Over the real embedded store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openEmbeddedScreening } from '../../../cli/serve/wiring.ts';
import { latestStatistics } from '../../../shared/app/recompute-statistics.ts';
import { includeDirectly } from '../../../shared/app/screening.ts';
import { citation, iesm } from './support.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('recomputing in the background (serve)', () => {
  it('includes the study at once and brings the statistics up to date before closing', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lr-background-recompute-'));
    dirs.push(dataDir);
    const errors: unknown[] = [];
    const screening = await openEmbeddedScreening(dataDir, [iesm], {
      recomputeInBackground: { onError: (_reviewId, error) => errors.push(error) },
    });
    let closed = false;
    try {
      const { citationId } = await screening.embedded.store.recordCitation(
        iesm.id,
        citation('770001'),
        new Date('2026-01-05T06:00:00Z'),
      );
      const outcome = await includeDirectly(screening.deps, iesm, citationId, 'pp');
      expect(outcome.kind).toBe('included');
      // The included study is there when the decision answers; the statistics follow.
      const studies = await screening.evidence.listIncludedStudies(iesm.id);
      expect(studies.map((s) => s.citationId)).toEqual([citationId]);
      await screening.close();
      closed = true;
      expect(errors).toEqual([]);
      const reopened = await openEmbeddedScreening(dataDir, [iesm]);
      try {
        const latest = await latestStatistics(iesm.id, { evidence: reopened.evidence });
        expect(latest?.snapshot.studies.ids).toEqual([citationId]);
      } finally {
        await reopened.close();
      }
    } finally {
      if (!closed) await screening.close();
    }
  });
});
