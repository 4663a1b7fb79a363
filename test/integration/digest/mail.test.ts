// The composed message read back with mailparser (from the local outbox's .eml), and the SES v2 request the
// SES mailer sends, recorded by a loopback HTTP endpoint standing in for SES.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { type ParsedMail, simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxMailer } from '../../../shared/adapters/mail/outbox-mailer.ts';
import { MailDeliveryError, SesMailer } from '../../../shared/adapters/mail/ses-mailer.ts';
import { buildDigest } from '../../../shared/domain/digest/digest.ts';
import {
  digestSubject,
  renderDigestHtml,
  renderDigestText,
} from '../../../shared/domain/digest/render-digest.ts';
import { toRis } from '../../../shared/domain/digest/ris.ts';
import type { MailMessage } from '../../../shared/ports/mailer.ts';
import { makeStoreCitation } from '../../support/store-fixtures.ts';

const HOSTILE = '<img src=x onerror=alert(1)> Ré-résection <script>alert(2)</script>';
const citation = makeStoreCitation({ pmid: '4242', title: HOSTILE, doi: '10.1000/x' });
const digest = buildDigest({
  reviewId: 'iesm',
  reviewTitle: 'IESM review',
  period: { from: null, through: '2026-01-08T00:00:00.000Z' },
  generatedAt: '2026-01-08T00:00:00.000Z',
  candidates: [{ citationId: 'c1', queuedAt: '2026-01-07T00:00:00.000Z', citation }],
  runs: [],
  screening: { source: 'queue', waiting: 1, stages: [] },
  screeningUrl: null,
  onRetraction: 'exclude-patients',
});

function message(overrides: Partial<MailMessage> = {}): MailMessage {
  return {
    from: 'Living Review <digest@example.org>',
    to: ['team@example.org', 'arbiter@example.org'],
    subject: digestSubject(digest),
    text: renderDigestText(digest),
    html: renderDigestHtml(digest),
    attachments: [
      {
        filename: 'iesm-candidates.ris',
        contentType: 'application/x-research-info-systems',
        content: toRis([citation]),
      },
    ],
    messageId: '<digest.iesm.beginning@living-review.invalid>',
    date: new Date('2026-01-08T06:00:00.000Z'),
    headers: { 'X-Living-Review': 'iesm' },
    ...overrides,
  };
}

let outbox: string;
beforeAll(() => {
  outbox = mkdtempSync(join(tmpdir(), 'lr-outbox-'));
});
afterAll(() => {
  rmSync(outbox, { recursive: true, force: true });
});

describe('Class: OutboxMailer (MIME structure)', () => {
  let raw: Buffer;
  let parsed: ParsedMail;

  beforeAll(async () => {
    const mailer = new OutboxMailer(outbox);
    const sent = await mailer.send(message());
    expect(sent.id.endsWith('.eml')).toBe(true);
    expect(sent.messageId).toBe('<digest.iesm.beginning@living-review.invalid>');
    raw = readFileSync(sent.id);
    parsed = await simpleParser(raw);
  });

  it('is multipart/mixed holding multipart/alternative (text, then HTML) and the RIS attachment', () => {
    const head = raw.toString('utf8');
    expect(head).toMatch(/^Content-Type: multipart\/mixed; boundary=/m);
    const mixed = /^Content-Type: multipart\/mixed; boundary="([^"]+)"/m.exec(head)![1]!;
    const parts = head.split(`--${mixed}`).slice(1, -1);
    expect(parts).toHaveLength(2);
    expect(parts[0]).toMatch(/Content-Type: multipart\/alternative;/);
    const alternative = /boundary="([^"]+)"/.exec(parts[0]!)![1]!;
    const inner = parts[0]!.split(`--${alternative}`).slice(1, -1);
    expect(inner.map((p) => /Content-Type: ([^;\r\n]+)/.exec(p)![1])).toEqual(['text/plain', 'text/html']);
    expect(parts[1]).toMatch(/Content-Type: application\/x-research-info-systems/);
    expect(parts[1]).toMatch(/Content-Disposition: attachment; filename=iesm-candidates\.ris/);
  });

  it('has the headers: from, to, subject, date, message id, MIME version and our own', () => {
    expect(parsed.from?.value).toEqual([{ name: 'Living Review', address: 'digest@example.org' }]);
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value.map((a) => a.address) : []).toEqual([
      'team@example.org',
      'arbiter@example.org',
    ]);
    expect(parsed.subject).toBe('[iesm] Living review digest: 1 new candidate (up to 2026-01-08)');
    expect(parsed.messageId).toBe('<digest.iesm.beginning@living-review.invalid>');
    expect(parsed.date?.toISOString()).toBe('2026-01-08T06:00:00.000Z');
    expect(parsed.headers.get('mime-version')).toBe('1.0');
    expect(parsed.headers.get('x-living-review')).toBe('iesm');
  });

  it('decodes to the bodies as rendered, the hostile title as text in both', () => {
    expect(parsed.text).toBe(renderDigestText(digest));
    expect(parsed.html).toBe(renderDigestHtml(digest));
    expect(parsed.text).toContain(HOSTILE);
    expect(parsed.html).not.toContain('<script>');
    expect(parsed.html).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
    const [ris] = parsed.attachments;
    expect(ris?.filename).toBe('iesm-candidates.ris');
    expect(ris?.content.toString('utf8')).toBe(toRis([citation]));
  });
});

interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

describe('Class: SesMailer (SendEmail request against a loopback endpoint)', () => {
  let server: Server;
  const requests: Recorded[] = [];
  let answer: { status: number; body: unknown } = { status: 200, body: { MessageId: 'ses-0001' } };
  let client: SESv2Client;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        requests.push({
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        res.writeHead(answer.status, {
          'content-type': 'application/json',
          ...(answer.status >= 400
            ? { 'x-amzn-errortype': String((answer.body as { __type?: string }).__type ?? '') }
            : {}),
        });
        res.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    client = new SESv2Client({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    client?.destroy();
    // The mailer that builds its own client (below) keeps its socket open: close it from this side.
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('POSTs SendEmail with the composed message in Content.Raw.Data, signed, with sender and recipients', async () => {
    const mailer = new SesMailer({ client, configurationSetName: 'digests' });
    const sent = await mailer.send(message());
    expect(sent).toEqual({ id: 'ses-0001', messageId: '<digest.iesm.beginning@living-review.invalid>' });
    const request = requests.at(-1)!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/v2/email/outbound-emails');
    expect(request.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=test\/\d{8}\/eu-west-1\/ses\/aws4_request/,
    );
    const body = JSON.parse(request.body) as {
      FromEmailAddress: string;
      Destination: { ToAddresses: string[] };
      Content: { Raw: { Data: string } };
      ConfigurationSetName: string;
    };
    expect(body.FromEmailAddress).toBe('Living Review <digest@example.org>');
    expect(body.Destination.ToAddresses).toEqual(['team@example.org', 'arbiter@example.org']);
    expect(body.ConfigurationSetName).toBe('digests');
    expect(Object.keys(body.Content)).toEqual(['Raw']);
    const mime = await simpleParser(Buffer.from(body.Content.Raw.Data, 'base64'));
    expect(mime.subject).toBe(digestSubject(digest));
    expect(mime.text).toBe(renderDigestText(digest));
    expect(mime.attachments.map((a) => a.contentType)).toEqual(['application/x-research-info-systems']);
  });

  it('reports a refused message as not retryable and a throttled one as retryable', async () => {
    const mailer = new SesMailer({ client });
    answer = { status: 400, body: { __type: 'MessageRejected', message: 'Email address is not verified.' } };
    const refused = await mailer.send(message()).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(MailDeliveryError);
    expect((refused as MailDeliveryError).retryable).toBe(false);
    expect((refused as Error).message).toContain('Email address is not verified');
    answer = { status: 429, body: { __type: 'TooManyRequestsException', message: 'slow down' } };
    const throttled = await mailer.send(message()).catch((error: unknown) => error);
    expect((throttled as MailDeliveryError).retryable).toBe(true);
    answer = { status: 200, body: { MessageId: 'ses-0001' } };
  });

  it('builds its SES client from clientConfig on the first message (the SDK is imported then, not at load)', async () => {
    const { port } = server.address() as AddressInfo;
    const mailer = new SesMailer({
      clientConfig: {
        endpoint: `http://127.0.0.1:${port}`,
        region: 'eu-west-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        maxAttempts: 1,
      },
    });
    requests.length = 0;
    const sent = await mailer.send(message());
    expect(sent.id).toBe('ses-0001');
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /v2/email/outbound-emails']);
    expect(requests[0]!.headers.authorization).toMatch(/\/eu-west-1\/ses\/aws4_request/);
  });
});
