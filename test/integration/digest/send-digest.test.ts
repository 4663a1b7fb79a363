// sendDigest on the embedded store: the period since the last digest, counts from the screening workflow, the
// marker moving only after a successful send, no second digest for a retried period, nothing sent when nothing
// is new; and the send-digest Lambda handler over the same store.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSendDigestHandler } from '../../../functions/send-digest/handler.ts';
import { OutboxMailer } from '../../../shared/adapters/mail/outbox-mailer.ts';
import { DigestBusyError, type SendDigestDeps, sendDigest } from '../../../shared/app/send-digest.ts';
import { InputError } from '../../../shared/errors.ts';
import type { Mailer } from '../../../shared/ports/mailer.ts';
import {
  decide,
  type Harness,
  openHarness,
  protocolFor,
  recordCitations,
  saveRun,
  studyCitation,
} from '../report/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await openHarness('digest');
});
afterAll(async () => {
  await h?.close();
});

const HOSTILE =
  '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script> IESM of the cauda equina';

function deps(overrides: Partial<SendDigestDeps> = {}): SendDigestDeps {
  return {
    citations: h.citations,
    screening: h.screening,
    digests: h.digests,
    mailer: h.mailer,
    clock: h.clock,
    from: 'digest@example.org',
    screeningBaseUrl: 'https://screen.example.org/',
    ...overrides,
  };
}

function outboxFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.eml'))
      .sort();
  } catch {
    return [];
  }
}

describe('Function: sendDigest', () => {
  it('digests the new candidates, the runs and the screening counts, then moves the marker', async () => {
    const protocol = protocolFor('digest-a');
    const outbox = join(h.dataDir, 'outbox-a');
    const mailer = new OutboxMailer(outbox);
    const [c1, c2, c3] = await recordCitations(h, protocol.id, [
      studyCitation('501', { title: HOSTILE }),
      studyCitation('502'),
      studyCitation('503'),
    ]);
    await saveRun(h, protocol.id, {
      counts: { found: 4, fetched: 4, new: 3, alreadyKnown: 0, duplicates: 1, queued: 3, deleted: 0 },
      warnings: ['phrase not found: x'],
    });
    // c2 is excluded by both screeners; c3 waits for a second decision; c1 waits for its first.
    await decide(h, protocol.id, c2!, [
      ['pp', 'screener', 'title-abstract', 'exclude', 'not-iesm'],
      ['alc', 'screener', 'title-abstract', 'exclude', 'not-iesm'],
    ]);
    await decide(h, protocol.id, c3!, [['pp', 'screener', 'title-abstract', 'include', null]]);

    const outcome = await sendDigest({ protocol }, deps({ mailer }));
    expect(outcome).toMatchObject({
      status: 'sent',
      candidates: 3,
      recipients: ['iesm-review-team@example.org'],
    });
    const files = outboxFiles(outbox);
    expect(files).toHaveLength(1);
    const mail = await simpleParser(readFileSync(join(outbox, files[0]!)));
    expect(mail.subject).toBe(
      `[digest-a] Living review digest: 3 new candidates (up to ${outcome.period.through.slice(0, 10)})`,
    );
    expect(mail.text).toContain(HOSTILE);
    expect(mail.text).toContain('Records found: 4');
    expect(mail.text).toContain('Duplicates removed: 1');
    expect(mail.text).toContain('  - pubmed: phrase not found: x');
    expect(mail.text).toContain('2 records wait for a screening decision');
    expect(mail.text).toContain('title-abstract: 1 awaiting a first decision, 1 a second, 0 in conflict');
    expect(mail.text).toContain('Screening page: https://screen.example.org/?review=digest-a');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain('<img');
    expect(mail.html).toContain('&lt;script&gt;window.pwned=2&lt;/script&gt;');
    expect(mail.attachments[0]?.content.toString('utf8').match(/^TY {2}- JOUR/gm)).toHaveLength(3);
    expect(c1).toBeDefined();

    const marker = await h.digests.getDigestMarker(protocol.id);
    expect(marker).toMatchObject({
      through: outcome.period.through,
      messageId: '<digest.digest-a.beginning@living-review.invalid>',
    });

    // Nothing new since: no second digest, the marker stays.
    expect(await sendDigest({ protocol }, deps({ mailer }))).toMatchObject({
      status: 'nothing-new',
      period: { from: marker!.through },
    });
    expect(outboxFiles(outbox)).toHaveLength(1);

    // One more record: the next digest holds it alone.
    await recordCitations(h, protocol.id, [studyCitation('504')]);
    const next = await sendDigest({ protocol }, deps({ mailer }));
    expect(next).toMatchObject({ status: 'sent', candidates: 1, period: { from: marker!.through } });
    expect(outboxFiles(outbox)).toHaveLength(2);
  });

  it('sends an empty digest when the protocol asks for one', async () => {
    const protocol = protocolFor('digest-empty', {
      digest: { recipients: ['a@example.org'], sendWhenEmpty: true },
    });
    const mailer = new OutboxMailer(join(h.dataDir, 'outbox-empty'));
    const outcome = await sendDigest({ protocol }, deps({ mailer, screening: undefined }));
    expect(outcome).toMatchObject({ status: 'sent', candidates: 0, recipients: ['a@example.org'] });
    const mail = await simpleParser(readFileSync(mailer.written[0]!));
    expect(mail.attachments).toEqual([]);
    expect(mail.text).toContain('No new records arrived in this period.');
    expect(mail.text).toContain('0 records wait for a screening decision (arrival queue).');
  });

  it('does not send a period twice when the first attempt died after sending, and then moves the marker', async () => {
    const protocol = protocolFor('digest-retry');
    await recordCitations(h, protocol.id, [studyCitation('601')]);
    const mailer = new OutboxMailer(join(h.dataDir, 'outbox-retry'));
    // The first attempt sends, marks its claim done, and dies before moving the marker.
    const dying: SendDigestDeps['digests'] = Object.assign(
      Object.create(h.digests) as SendDigestDeps['digests'],
      {
        advanceDigestMarker: async () => {
          throw new Error('Lambda timed out');
        },
      },
    );
    await expect(sendDigest({ protocol }, deps({ mailer, digests: dying }))).rejects.toThrow(
      'Lambda timed out',
    );
    expect(mailer.written).toHaveLength(1);
    expect(await h.digests.getDigestMarker(protocol.id)).toBeNull();

    const retried = await sendDigest({ protocol }, deps({ mailer }));
    expect(retried).toMatchObject({
      status: 'already-sent',
      messageId: '<digest.digest-retry.beginning@living-review.invalid>',
    });
    expect(mailer.written).toHaveLength(1);
    expect(await h.digests.getDigestMarker(protocol.id)).toMatchObject({ through: retried.period.through });
  });

  it('leaves the marker and frees the period when the send fails, so the retry sends it', async () => {
    const protocol = protocolFor('digest-fail');
    await recordCitations(h, protocol.id, [studyCitation('701')]);
    const failing: Mailer = {
      send: async () => {
        throw new Error('SES unavailable');
      },
    };
    await expect(sendDigest({ protocol }, deps({ mailer: failing }))).rejects.toThrow('SES unavailable');
    expect(await h.digests.getDigestMarker(protocol.id)).toBeNull();
    const mailer = new OutboxMailer(join(h.dataDir, 'outbox-fail'));
    expect(await sendDigest({ protocol }, deps({ mailer }))).toMatchObject({ status: 'sent', candidates: 1 });
  });

  it('lets only one of two concurrent invocations send (the other is told to retry)', async () => {
    const protocol = protocolFor('digest-race');
    await recordCitations(h, protocol.id, [studyCitation('801')]);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const mailer = new OutboxMailer(join(h.dataDir, 'outbox-race'));
    const slow: Mailer = {
      send: async (message) => {
        await gate;
        return mailer.send(message);
      },
    };
    const first = sendDigest({ protocol }, deps({ mailer: slow }));
    // Let the first take the claim before the second starts.
    for (let i = 0; i < 50 && !(await h.digests.listCitationSources(protocol.id)).length; i++)
      await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 200));
    const second = await sendDigest({ protocol }, deps({ mailer: slow })).catch((error: unknown) => error);
    release();
    expect(second).toBeInstanceOf(DigestBusyError);
    expect((second as DigestBusyError).retryable).toBe(true);
    expect(await first).toMatchObject({ status: 'sent' });
    expect(mailer.written).toHaveLength(1);
  });
});

describe('Lambda: send-digest', () => {
  it('parses the scheduled event, sends through the mailer it was built with, and rejects a bad event', async () => {
    const protocol = protocolFor('digest-lambda');
    await recordCitations(h, protocol.id, [studyCitation('901')]);
    const mailer = new OutboxMailer(join(h.dataDir, 'outbox-lambda'));
    const handler = createSendDigestHandler({
      ...deps({ mailer }),
      protocols: [protocol],
      recipients: ['ops@example.org'],
    });
    const result = await handler({ reviewId: 'digest-lambda', scheduledTime: '2026-01-12T06:00:00Z' });
    expect(result).toMatchObject({
      reviewId: 'digest-lambda',
      status: 'sent',
      recipients: ['ops@example.org'],
    });
    await expect(handler({ review: 'digest-lambda' })).rejects.toBeInstanceOf(InputError);
    await expect(handler({ reviewId: 'unknown' })).rejects.toThrow('no protocol for review "unknown"');
  });
});
