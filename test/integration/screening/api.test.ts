// The screening API over real HTTP on 127.0.0.1 and the real embedded store (dynalite), seeded through the
// CitationStore.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replay, statusOf } from '../../../shared/domain/screening/workflow.ts';
import { call, citation, decisionPath, type Harness, iesm, otherReview, startHarness } from './support.ts';

let h: Harness;
const id = (pmid: string) => h.ids.get(pmid)!;

beforeAll(async () => {
  h = await startHarness('api', [
    // 111 is settled only by the team-counts test, so that test depends on no other's state.
    ...['101', '102', '103', '104', '105', '106', '107', '108', '109', '110', '111'].map((pmid) => ({
      reviewId: iesm.id,
      citation: citation(pmid),
    })),
    { reviewId: otherReview.id, citation: citation('901') },
  ]);
});

afterAll(async () => {
  await h?.close();
});

describe('authentication', () => {
  it('answers 401 without a token, with a wrong token, and with a non-bearer scheme', async () => {
    const none = await call(h.server, null, '/api/me');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    const wrong = await call(h.server, null, '/api/me', {
      headers: { authorization: 'Bearer lr_not-a-real-token-000000000' },
    });
    expect(wrong.status).toBe(401);
    const basic = await call(h.server, null, '/api/me', { headers: { authorization: 'Basic cHA6cHA=' } });
    expect(basic.status).toBe(401);
    const post = await call(h.server, null, decisionPath(iesm.id, id('101')), {
      body: { stage: 'title-abstract', decision: 'include' },
    });
    expect(post.status).toBe(401);
  });

  it('serves the page without a token, with a CSP that allows no inline script', async () => {
    const page = await call(h.server, null, '/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const script = await call(h.server, null, '/assets/screening.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('text/javascript');
    expect((await call(h.server, null, '/assets/other.js')).status).toBe(404);
  });

  it('names the reviewer and only the reviews that list them', async () => {
    const me = await call<{ reviewerId: string; reviews: Array<{ id: string }> }>(h.server, 'pp', '/api/me');
    expect(me.status).toBe(200);
    expect(me.body.reviewerId).toBe('pp');
    expect(me.body.reviews.map((r) => r.id)).toEqual(['iesm']);
  });

  it('refuses a request whose Host is not the loopback address it listens on', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${h.server.url}/api/me`, { headers: { host: 'evil.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
  });
});

describe('authorization', () => {
  it('answers 403 on a review that does not list the reviewer, and on an unknown review', async () => {
    const other = h.ids.get('901')!;
    expect((await call(h.server, 'pp', `/api/reviews/${otherReview.id}`)).status).toBe(403);
    expect((await call(h.server, 'pp', `/api/reviews/${otherReview.id}/next`)).status).toBe(403);
    expect((await call(h.server, 'pp', `/api/reviews/${otherReview.id}/records/${other}`)).status).toBe(403);
    const post = await call(h.server, 'pp', decisionPath(otherReview.id, other), {
      body: { stage: 'title-abstract', decision: 'include' },
    });
    expect(post.status).toBe(403);
    expect((await call(h.server, 'zed', `/api/reviews/${iesm.id}/next`)).status).toBe(403);
    expect((await call(h.server, 'pp', '/api/reviews/no-such-review/next')).status).toBe(403);
    // Nothing was written by the refused decision.
    expect(await h.screening.screening.listEvents(otherReview.id, other)).toEqual([]);
  });

  it('keeps conflicts to arbiters, and decisions to screeners and arbiters', async () => {
    expect((await call(h.server, 'pp', `/api/reviews/${iesm.id}/conflicts`)).status).toBe(403);
    expect((await call(h.server, 'ash', `/api/reviews/${iesm.id}/next?as=screener`)).status).toBe(403);
    const arbiterEarly = await call(h.server, 'ash', decisionPath(iesm.id, id('110')), {
      body: { stage: 'title-abstract', decision: 'include' },
    });
    expect(arbiterEarly.status).toBe(409);
    expect(arbiterEarly.body).toMatchObject({ error: { code: 'not-in-conflict' } });
  });
});

describe('CSRF and input checks', () => {
  const path = () => decisionPath(iesm.id, id('109'));
  const body = { stage: 'title-abstract', decision: 'include' };

  it('refuses a state change that is not JSON, or comes from another origin', async () => {
    const form = await call(h.server, 'pp', path(), {
      body: 'stage=title-abstract&decision=include',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    const text = await call(h.server, 'pp', path(), {
      body: JSON.stringify(body),
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    const foreign = await call(h.server, 'pp', path(), { body, headers: { origin: 'http://evil.example' } });
    expect(foreign.status).toBe(403);
    const crossSite = await call(h.server, 'pp', path(), {
      body,
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(crossSite.status).toBe(403);
    expect(await h.screening.screening.listEvents(iesm.id, id('109'))).toEqual([]);
    const sameOrigin = await call(h.server, 'pp', path(), { body, headers: { origin: h.server.url } });
    expect(sameOrigin.status).toBe(201);
  });

  it('validates bodies and reasons', async () => {
    const bad = await call(h.server, 'alc', path(), { body: { stage: 'abstract', decision: 'yes' } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('stage');
    const extra = await call(h.server, 'alc', path(), { body: { ...body, reviewerId: 'pp' } });
    expect(extra.status).toBe(400);
    const notJson = await call(h.server, 'alc', path(), {
      body: '{"stage":',
      headers: { 'content-type': 'application/json' },
    });
    expect(notJson.status).toBe(400);
    const reason = await call(h.server, 'alc', path(), {
      body: { ...body, decision: 'exclude', reasonId: 'made-up' },
    });
    expect(reason.status).toBe(400);
    const noReason = await call(h.server, 'alc', path(), { body: { ...body, decision: 'exclude' } });
    expect(noReason.status).toBe(409);
    expect(noReason.body).toMatchObject({ error: { code: 'reason-required' } });
    const huge = await call(h.server, 'alc', path(), { body: { ...body, note: 'x'.repeat(70_000) } });
    expect(huge.status).toBe(413);
    expect(await h.screening.screening.listEvents(iesm.id, id('109'))).toHaveLength(1);
  });
});

describe('blinding, enforced by the API', () => {
  it("never shows the other screener's decision before the stage settles", async () => {
    const c = id('101');
    const first = await call(h.server, 'pp', decisionPath(iesm.id, c), {
      body: { stage: 'title-abstract', decision: 'exclude', reasonId: 'not-iesm', note: 'PP-PRIVATE-NOTE' },
    });
    expect(first.status).toBe(201);
    for (const path of [`/api/reviews/${iesm.id}/records/${c}`, `/api/reviews/${iesm.id}/next`]) {
      const seen = await call(h.server, 'alc', path);
      expect(seen.status).toBe(200);
      expect(JSON.stringify(seen.body)).not.toContain('PP-PRIVATE-NOTE');
      expect(JSON.stringify(seen.body)).not.toContain('not-iesm');
    }
    const next = await call<{
      record: { view: { citationId: string; stages: Array<{ decisions: unknown; mine: unknown }> } };
    }>(h.server, 'alc', `/api/reviews/${iesm.id}/next`);
    expect(next.body.record.view.citationId).toBe(c);
    expect(next.body.record.view.stages[0]).toMatchObject({ decisions: null, mine: null });

    // alc disagrees: a conflict. Neither screener is told so; the arbiter sees both decisions.
    await call(h.server, 'alc', decisionPath(iesm.id, c), {
      body: { stage: 'title-abstract', decision: 'include' },
    });
    const ppView = await call(h.server, 'pp', `/api/reviews/${iesm.id}/records/${c}`);
    expect(JSON.stringify(ppView.body)).not.toContain('"alc"');
    expect(JSON.stringify(ppView.body)).not.toContain('conflict');
    const conflicts = await call<{
      conflicts: Array<{
        citationId: string;
        view: { stages: Array<{ decisions: Array<{ reviewerId: string; note: string | null }> }> };
      }>;
    }>(h.server, 'ash', `/api/reviews/${iesm.id}/conflicts`);
    const entry = conflicts.body.conflicts.find((x) => x.citationId === c)!;
    expect(entry.view.stages[0]?.decisions.map((d) => [d.reviewerId, d.note])).toEqual([
      ['pp', 'PP-PRIVATE-NOTE'],
      ['alc', null],
    ]);

    // The arbiter settles it; now the screeners see the settled stage, decisions included.
    const settled = await call(h.server, 'ash', decisionPath(iesm.id, c), {
      body: { stage: 'title-abstract', decision: 'include' },
    });
    expect(settled.status).toBe(201);
    const after = await call<{
      record: { view: { stage: string; stages: Array<{ settled: boolean; decisions: unknown[] }> } };
    }>(h.server, 'alc', `/api/reviews/${iesm.id}/records/${c}`);
    expect(after.body.record.view.stage).toBe('full-text');
    expect(after.body.record.view.stages[0]).toMatchObject({ settled: true });
    expect(after.body.record.view.stages[0]?.decisions).toHaveLength(3);
  });

  it('keeps team counts from screeners and gives them to arbiters', async () => {
    const mine = await call<{ team: unknown; mine: { reviewerId: string } }>(
      h.server,
      'pp',
      `/api/reviews/${iesm.id}/progress`,
    );
    expect(mine.body.team).toBeNull();
    expect(mine.body.mine.reviewerId).toBe('pp');
    const settledTitleAbstract = async () => {
      const team = await call<{ team: { stages: Array<{ stage: string; settled: number }> } }>(
        h.server,
        'ash',
        `/api/reviews/${iesm.id}/progress`,
      );
      expect(team.body.team.stages[0]).toMatchObject({ stage: 'title-abstract' });
      return team.body.team.stages[0]!.settled;
    };
    const before = await settledTitleAbstract();
    // Both screeners exclude record 111: the stage settles, and the arbiter's count says so.
    for (const reviewer of ['pp', 'alc']) {
      const decided = await call(h.server, reviewer, decisionPath(iesm.id, id('111')), {
        body: { stage: 'title-abstract', decision: 'exclude', reasonId: 'not-iesm' },
      });
      expect(decided.status).toBe(201);
    }
    expect(await settledTitleAbstract()).toBe(before + 1);
  });
});

describe('concurrent decisions on one record', () => {
  async function check(pmid: string) {
    const events = await h.screening.screening.listEvents(iesm.id, id(pmid));
    const state = replay(id(pmid), events);
    const entry = (await h.screening.screening.listCitations(iesm.id)).find(
      (e) => e.citationId === id(pmid),
    )!;
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(entry.status).toBe(statusOf(state));
    return { events, state };
  }

  it('records two reviewers deciding at the same moment, both of them', async () => {
    const c = id('102');
    const [a, b] = await Promise.all([
      call(h.server, 'pp', decisionPath(iesm.id, c), {
        body: { stage: 'title-abstract', decision: 'include' },
      }),
      call(h.server, 'alc', decisionPath(iesm.id, c), {
        body: { stage: 'title-abstract', decision: 'include' },
      }),
    ]);
    expect([a.status, b.status]).toEqual([201, 201]);
    const { events, state } = await check('102');
    expect(events.map((e) => e.reviewerId).sort()).toEqual(['alc', 'pp']);
    expect(state.stage).toBe('full-text');
  });

  it('records the same reviewer twice at once, in one order, the later one counting', async () => {
    const c = id('103');
    const answers = await Promise.all([
      call(h.server, 'pp', decisionPath(iesm.id, c), {
        body: { stage: 'title-abstract', decision: 'include' },
      }),
      call(h.server, 'pp', decisionPath(iesm.id, c), {
        body: { stage: 'title-abstract', decision: 'exclude', reasonId: 'paediatric' },
      }),
    ]);
    expect(answers.map((x) => x.status)).toEqual([201, 201]);
    const { events, state } = await check('103');
    expect(events).toHaveLength(2);
    const latest = events[1]!;
    expect(state.stages[0]?.screenerDecisions).toEqual([latest]);
    const view = await call<{ record: { view: { stages: Array<{ mine: { decision: string } }> } } }>(
      h.server,
      'pp',
      `/api/reviews/${iesm.id}/records/${c}`,
    );
    expect(view.body.record.view.stages[0]?.mine.decision).toBe(
      latest.type === 'decision' ? latest.decision : null,
    );
  });

  it('records a retried request (same eventId) once, even when both copies arrive together', async () => {
    const c = id('104');
    const body = { stage: 'title-abstract', decision: 'maybe', eventId: 'retry-0000-0001' };
    const answers = await Promise.all([
      call(h.server, 'alc', decisionPath(iesm.id, c), { body }),
      call(h.server, 'alc', decisionPath(iesm.id, c), { body }),
      call(h.server, 'alc', decisionPath(iesm.id, c), { body }),
    ]);
    expect(answers.map((x) => x.status).sort()).toEqual([200, 200, 201]);
    const { events } = await check('104');
    expect(events).toHaveLength(1);
    const stolen = await call(h.server, 'pp', decisionPath(iesm.id, c), { body });
    expect(stolen.status).toBe(409);
  });

  it('loses nothing under a burst of changes of mind from both screeners', async () => {
    const c = id('105');
    const votes = ['maybe', 'include', 'maybe', 'include', 'maybe'];
    const answers = await Promise.all(
      votes.flatMap((vote, i) => [
        call(h.server, 'pp', decisionPath(iesm.id, c), {
          body: { stage: 'title-abstract', decision: vote, note: `pp-${i}` },
        }),
        call(h.server, 'alc', decisionPath(iesm.id, c), {
          body: { stage: 'title-abstract', decision: 'maybe', note: `alc-${i}` },
        }),
      ]),
    );
    expect(answers.every((x) => x.status === 201)).toBe(true);
    const { events, state } = await check('105');
    expect(events).toHaveLength(10);
    expect(new Set(events.map((e) => (e.type === 'decision' ? e.note : null))).size).toBe(10);
    expect(statusOf(state)).toBe('title-abstract-conflict');
  });

  it("records an arbiter's two racing decisions one after the other: the later one is the settlement", async () => {
    const c = id('106');
    await call(h.server, 'pp', decisionPath(iesm.id, c), {
      body: { stage: 'title-abstract', decision: 'include' },
    });
    await call(h.server, 'alc', decisionPath(iesm.id, c), {
      body: { stage: 'title-abstract', decision: 'exclude', reasonId: 'not-iesm' },
    });
    const [a, b] = await Promise.all([
      call(h.server, 'ash', decisionPath(iesm.id, c), {
        body: { stage: 'title-abstract', decision: 'include' },
      }),
      call(h.server, 'ash', decisionPath(iesm.id, c), {
        body: { stage: 'title-abstract', decision: 'exclude', reasonId: 'not-iesm' },
      }),
    ]);
    // The second settles again: an arbiter may change their own settlement (their undo).
    expect([a.status, b.status]).toEqual([201, 201]);
    const { events, state } = await check('106');
    expect(events).toHaveLength(4);
    const last = events[3]!;
    expect(state.stages[0]?.result).toMatchObject({
      settledBy: 'arbiter',
      decision: last.type === 'decision' ? last.decision : null,
      settledSeq: 4,
    });
  });
});

describe('possible duplicates', () => {
  it('shows the twin and lets a reviewer confirm the pair, which takes the record out of screening', async () => {
    const pair = await h.screening.screening.recordPossibleDuplicate(iesm.id, {
      citationId: id('108'),
      twinId: id('107'),
      reason: 'title exact, authors same (2 matched), year one apart',
      agreed: ['title exact', 'authors same (2 matched)'],
      differed: ['year one apart'],
      score: 0.97,
      foundAt: '2026-01-05T07:00:00.000Z',
    });
    const again = await h.screening.screening.recordPossibleDuplicate(iesm.id, {
      citationId: id('107'),
      twinId: id('108'),
      reason: 'found the other way round',
      score: 0.5,
      foundAt: '2026-01-06T07:00:00.000Z',
    });
    expect(again).toEqual(pair);
    const seen = await call<{
      record: { possibleDuplicates: Array<{ pairId: string; twin: { citationId: string } }> };
    }>(h.server, 'alc', `/api/reviews/${iesm.id}/records/${id('108')}`);
    expect(seen.body.record.possibleDuplicates).toEqual([
      expect.objectContaining({
        pairId: pair.pairId,
        agreed: ['title exact', 'authors same (2 matched)'],
        differed: ['year one apart'],
        score: 0.97,
        twin: expect.objectContaining({ citationId: id('107') }),
      }),
    ]);
    const path = `/api/reviews/${iesm.id}/possible-duplicates/${pair.pairId}`;
    expect((await call(h.server, 'zed', path, { body: { action: 'confirm' } })).status).toBe(403);
    const confirmed = await call(h.server, 'alc', path, { body: { action: 'confirm' } });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ pair: { status: 'confirmed', resolvedBy: 'alc' } });
    expect((await call(h.server, 'pp', path, { body: { action: 'confirm' } })).status).toBe(200);
    expect((await call(h.server, 'pp', path, { body: { action: 'split' } })).status).toBe(409);
    const entry = (await h.screening.screening.listCitations(iesm.id)).find(
      (e) => e.citationId === id('108'),
    );
    expect(entry?.status).toBe('duplicate');
    const events = await h.screening.screening.listEvents(iesm.id, id('108'));
    expect(events.filter((e) => e.type === 'duplicate-confirmed')).toHaveLength(1);
    const after = await call(h.server, 'alc', `/api/reviews/${iesm.id}/records/${id('108')}`);
    expect(after.body).toMatchObject({ record: { possibleDuplicates: [], view: { outcome: 'duplicate' } } });
  });

  it('answers 404 for an unknown pair', async () => {
    const missing = await call(h.server, 'pp', `/api/reviews/${iesm.id}/possible-duplicates/cx~cy`, {
      body: { action: 'split' },
    });
    expect(missing.status).toBe(404);
  });
});

describe('the citation item carries the derived status', () => {
  it('moves a record between queues as decisions arrive', async () => {
    const queue = await h.screening.embedded.store.listQueue(iesm.id);
    // 110 was never decided on: it is still in the arrival queue; decided records have left it.
    expect(queue.map((e) => e.citationId)).toContain(id('110'));
    expect(queue.map((e) => e.citationId)).not.toContain(id('102'));
  });
});

describe('inclusion', () => {
  it('makes a record whose full text both screeners include an included study, once', async () => {
    const c = id('107');
    for (const stage of ['title-abstract', 'full-text']) {
      for (const reviewer of ['pp', 'alc']) {
        const answer = await call(h.server, reviewer, decisionPath(iesm.id, c), {
          body: { stage, decision: 'include' },
        });
        expect(answer.status).toBe(201);
      }
    }
    const study = await h.screening.evidence.getIncludedStudy(iesm.id, c);
    expect(study).toMatchObject({ citationId: c, source: 'screening', includedBy: 'alc', pmid: '107' });
    const entry = (await h.screening.screening.listCitations(iesm.id)).find((e) => e.citationId === c);
    expect(entry?.status).toBe('included');
    // pp changes their full-text decision after the record settled: the study stays included while the
    // stage waits for the arbiter, who sees the change; the arbiter excludes it and the study is withdrawn.
    const change = await call(h.server, 'pp', decisionPath(iesm.id, c), {
      body: { stage: 'full-text', decision: 'exclude', reasonId: 'not-iesm' },
    });
    expect(change.status).toBe(201);
    expect(change.body).toMatchObject({ view: { stage: 'full-text', outcome: null } });
    expect((await h.screening.evidence.getIncludedStudy(iesm.id, c))?.withdrawn).toBeNull();
    const conflicts = await call<{
      conflicts: Array<{
        citationId: string;
        view: { stages: Array<{ reopened: boolean | null; history: unknown[] }> };
      }>;
    }>(h.server, 'ash', `/api/reviews/${iesm.id}/conflicts`);
    const reopened = conflicts.body.conflicts.find((x) => x.citationId === c)!;
    expect(reopened.view.stages[1]).toMatchObject({ reopened: true });
    expect(reopened.view.stages[1]?.history).toHaveLength(3);
    const settled = await call(h.server, 'ash', decisionPath(iesm.id, c), {
      body: { stage: 'full-text', decision: 'exclude', reasonId: 'not-iesm' },
    });
    expect(settled.status).toBe(201);
    expect(await h.screening.evidence.getIncludedStudy(iesm.id, c)).toMatchObject({
      withdrawn: { by: 'ash', reason: 'not-iesm' },
    });
    const after = (await h.screening.screening.listCitations(iesm.id)).find((e) => e.citationId === c);
    expect(after?.status).toBe('excluded');
  });
});
