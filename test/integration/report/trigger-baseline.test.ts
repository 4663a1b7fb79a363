// Update triggers while the published review's own data are still being entered, study by study (each
// `extract import --study` a new statistics version): without a triggerBaseline, "at least 5 new patients" fires
// during that data entry; with the published review's size as the baseline, nothing is evaluated until the
// pooled evidence reaches it, and growth is then measured from that version. On the embedded store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateTriggers } from '../../../shared/app/evaluate-triggers.ts';
import type { Protocol } from '../../../shared/domain/protocol/protocol.ts';
import {
  type Harness,
  include,
  openHarness,
  protocolFor,
  putPatients,
  recompute,
  recordCitations,
  studyCitation,
} from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await openHarness('trigger-baseline');
});
afterAll(async () => {
  await h?.close();
});

const trigger = { kind: 'new-patients', atLeast: 5 } as const;

/** The published review entered as three studies of 8, 8 and 8 patients (versions 1-3), then 6 new ones. */
async function enterStudyByStudy(protocol: Protocol, pmidBase: number) {
  const ids = await recordCitations(h, protocol.id, [
    studyCitation(String(pmidBase + 1)),
    studyCitation(String(pmidBase + 2)),
    studyCitation(String(pmidBase + 3)),
    studyCitation(String(pmidBase + 4)),
  ]);
  const evaluate = () =>
    evaluateTriggers(
      { protocol },
      {
        evidence: h.evidence,
        digests: h.digests,
        mailer: h.mailer,
        clock: h.clock,
        from: 'digest@example.org',
      },
    );
  const outcomes = [];
  for (const [index, studyId] of ids.slice(0, 3).entries()) {
    await include(h, protocol.id, [studyId]);
    await putPatients(h, protocol.id, [studyId], 8, index * 8);
    await recompute(h, protocol);
    outcomes.push(await evaluate());
  }
  // A new study with 6 patients arrives from the living search.
  await include(h, protocol.id, [ids[3]!]);
  await putPatients(h, protocol.id, [ids[3]!], 6, 24);
  await recompute(h, protocol);
  outcomes.push(await evaluate());
  return outcomes;
}

describe('Update triggers and the published review (triggerBaseline)', () => {
  it('without a baseline, "5 new patients" fires while the published data are entered', async () => {
    const protocol = protocolFor('baseline-none', { updateTriggers: [trigger] });
    const outcomes = await enterStudyByStudy(protocol, 39_200_000);
    expect(outcomes.map((o) => o.version)).toEqual([1, 2, 3, 4]);
    expect(outcomes.map((o) => o.notification)).toEqual(['none', 'sent', 'sent', 'sent']);
  });

  it('with the published size as baseline, nothing fires until it is pooled; then growth counts from there', async () => {
    const protocol = protocolFor('baseline-published', {
      updateTriggers: [trigger],
      triggerBaseline: { patients: 24, studies: 3 },
    });
    const sentBefore = h.mailer.written.length;
    const outcomes = await enterStudyByStudy(protocol, 39_300_000);
    expect(outcomes.map((o) => o.version)).toEqual([1, 2, 3, 4]);
    expect(outcomes.map((o) => o.notification)).toEqual(['none', 'none', 'none', 'sent']);
    expect(outcomes[2]!.evaluations).toEqual([]);
    expect(outcomes[3]!.crossings).toEqual([
      expect.objectContaining({ triggerId: 'new-patients-5', version: 4, baselineVersion: 3, observed: 6 }),
    ]);
    expect(h.mailer.written.length).toBe(sentBefore + 1);
  });

  it('evaluates nothing while the pooled evidence stays below the baseline', async () => {
    const protocol = protocolFor('baseline-unreached', {
      updateTriggers: [trigger],
      triggerBaseline: { patients: 130, studies: 51 },
    });
    const outcomes = await enterStudyByStudy(protocol, 39_400_000);
    expect(outcomes.every((o) => o.notification === 'none' && o.evaluations.length === 0)).toBe(true);
    expect(await h.digests.listCrossings(protocol.id)).toEqual([]);
  });
});
