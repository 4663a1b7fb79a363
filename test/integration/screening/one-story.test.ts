// One story across screening, the included studies, `status`, `stats` and the living report: `include` of a
// queued record settles it in screening; a study both screeners exclude after its inclusion goes to the
// arbiter; a withdrawn study is not counted as included by `status`; `status` counts duplicates merged as the
// report's PRISMA flow does. Commands run in this process with the options main.ts would have parsed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Command } from '../../../cli/command.ts';
import { includeCommand } from '../../../cli/commands/include.ts';
import { statsCommand } from '../../../cli/commands/stats.ts';
import { statusCommand } from '../../../cli/commands/status.ts';
import { withdrawCommand } from '../../../cli/commands/withdraw.ts';
import { type EmbeddedScreening, openEmbeddedScreening } from '../../../cli/serve/wiring.ts';
import { DynamoDigestStore } from '../../../shared/adapters/dynamodb/digest-store.ts';
import { assembleReport } from '../../../shared/app/publish-report.ts';
import { recordDecision } from '../../../shared/app/screening.ts';
import { replay, statusOf } from '../../../shared/domain/screening/workflow.ts';
import { makeTempDataDir, removeDataDir } from '../../support/store-fixtures.ts';
import { citation, iesm } from './support.ts';

interface Run {
  code: number | undefined;
  stdout: string;
  stderr: string;
}

let dataDir: string;
let s: EmbeddedScreening;
const ids = new Map<string, string>();

async function run(command: Command, values: Record<string, string | boolean>): Promise<Run> {
  const result: Run = { code: undefined, stdout: '', stderr: '' };
  result.code = await command.run(
    { values: { data: dataDir, review: 'iesm', ...values }, positionals: [] },
    {
      out: (text) => {
        result.stdout += `${text}\n`;
      },
      err: (text) => {
        result.stderr += `${text}\n`;
      },
      interactive: false,
    },
  );
  return result;
}

const statusJson = async () => JSON.parse((await run(statusCommand, { format: 'json' })).stdout);
const screeningStatus = async (pmid: string) =>
  statusOf(replay(ids.get(pmid)!, await s.screening.listEvents(iesm.id, ids.get(pmid)!)));

beforeAll(async () => {
  dataDir = makeTempDataDir('one-story');
  s = await openEmbeddedScreening(dataDir, [iesm]);
  const start = Date.parse('2026-03-02T06:00:00Z');
  for (const [i, pmid] of ['801', '802', '803', '804'].entries()) {
    const outcome = await s.embedded.store.recordCitation(
      iesm.id,
      citation(pmid),
      new Date(start + i * 1000),
    );
    ids.set(pmid, outcome.citationId);
  }
  // 804 again from Europe PMC: one citation, two source records (a duplicate the dedup merged).
  await s.embedded.store.recordCitation(
    iesm.id,
    citation('804', { source: 'europepmc', sourceRecordId: 'MED/804' }),
    new Date(start + 10_000),
  );
}, 60_000);

afterAll(async () => {
  await s?.close();
  if (dataDir) await removeDataDir(dataDir);
});

describe('one story', () => {
  it('settles a queued record in screening when it is included, and status and stats count it alike', async () => {
    const included = await run(includeCommand, { citation: ids.get('801')!, by: 'operator' });
    expect(included.code).toBe(0);
    expect(included.stdout).toContain(`included ${ids.get('801')}`);
    expect(await screeningStatus('801')).toBe('included');
    const events = await s.screening.listEvents(iesm.id, ids.get('801')!);
    expect(events).toEqual([
      expect.objectContaining({
        reviewerId: 'operator',
        role: 'direct',
        decision: 'include',
        note: 'included directly',
      }),
    ]);
    const again = await run(includeCommand, { citation: ids.get('801')!, by: 'operator' });
    expect(again.stdout).toContain('was already included');
    const status = await statusJson();
    expect(status.included).toBe(1);
    const stats = await run(statsCommand, {});
    expect(stats.stdout).toContain('of 1 included study');
    // The record left the screening queue.
    expect((await s.embedded.store.listQueue(iesm.id)).map((q) => q.citationId)).not.toContain(
      ids.get('801'),
    );
  });

  it('makes both screeners excluding an included record a conflict for the arbiter', async () => {
    const c = ids.get('801')!;
    for (const reviewerId of ['pp', 'alc']) {
      await recordDecision(s.deps, iesm, { reviewerId }, c, {
        stage: 'title-abstract',
        decision: 'exclude',
        reasonId: 'not-iesm',
        note: null,
      });
    }
    expect(await screeningStatus('801')).toBe('title-abstract-conflict');
    const status = await statusJson();
    expect(status.conflictDetails.map((x: { citationId: string }) => x.citationId)).toContain(c);
    // Until the arbiter decides, the inclusion stands.
    expect(status.included).toBe(1);
    await recordDecision(s.deps, iesm, { reviewerId: 'ash' }, c, {
      stage: 'title-abstract',
      decision: 'include',
      reasonId: null,
      note: null,
    });
    expect(await screeningStatus('801')).toBe('included');
  });

  it('does not count a withdrawn study as included, in status as in stats', async () => {
    await run(includeCommand, { citation: ids.get('802')!, by: 'operator' });
    expect((await statusJson()).included).toBe(2);
    const withdrawn = await run(withdrawCommand, {
      citation: ids.get('802')!,
      reason: 'not-iesm',
      by: 'operator',
    });
    expect(withdrawn.code).toBe(0);
    const status = await statusJson();
    expect(status.included).toBe(1);
    expect((await run(statsCommand, {})).stdout).toContain('of 1 included study');
    const refused = run(includeCommand, { citation: ids.get('802')!, by: 'operator' });
    await expect(refused).rejects.toThrow('a withdrawn inclusion is not included again');
  });

  it("counts duplicates merged as the living report's PRISMA flow does", async () => {
    const pair = await s.screening.recordPossibleDuplicate(iesm.id, {
      citationId: ids.get('803')!,
      twinId: ids.get('804')!,
      reason: 'same title',
      score: 0.99,
      foundAt: '2026-03-02T07:00:00.000Z',
    });
    const { resolvePossibleDuplicate } = await import('../../../shared/app/screening.ts');
    await resolvePossibleDuplicate(s.deps, iesm, { reviewerId: 'pp' }, pair.pairId, 'confirm');
    const status = await statusJson();
    expect(status.duplicatesMerged).toEqual({ automatic: 1, confirmedByReviewers: 1, total: 2 });
    expect(status.duplicates).toBe(2);
    const report = await assembleReport(iesm, {
      evidence: s.evidence,
      citations: s.embedded.store,
      screening: s.screening,
      digests: new DynamoDigestStore({ client: s.embedded.client, tableName: s.embedded.tableName }),
    });
    expect(report?.prisma.identification.duplicatesRemoved).toEqual({
      automatic: status.duplicatesMerged.automatic,
      confirmedByReviewers: status.duplicatesMerged.confirmedByReviewers,
      total: status.duplicates,
    });
    expect(report?.prisma.included.studies).toBe(status.included);
    const text = await run(statusCommand, {});
    expect(text.stdout).toContain('1 included');
    expect(text.stdout).toContain('2 duplicates');
  });
});
