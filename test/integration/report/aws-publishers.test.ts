// The S3 report publisher and the EventBridge event publisher against a loopback HTTP endpoint recording the
// requests the AWS SDK sends (PutObject per file, index last; PutEvents with the LivingReviewUpdated detail).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EventBridgePublisher,
  EventPublishError,
} from '../../../shared/adapters/events/eventbridge-publisher.ts';
import { S3ReportPublisher } from '../../../shared/adapters/report/s3-publisher.ts';
import { InputError } from '../../../shared/errors.ts';
import type { LivingReviewUpdatedDetail } from '../../../shared/ports/event-publisher.ts';

interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

let server: Server;
let endpoint: string;
const requests: Recorded[] = [];
let eventAnswer: unknown = { FailedEntryCount: 0, Entries: [{ EventId: 'ev-1' }] };

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
      if (req.headers['x-amz-target']) {
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(eventAnswer));
      } else {
        res.writeHead(200, { etag: '"abc"' });
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  // The publishers that build their own clients (below) keep their sockets open: close them from this side.
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

describe('Class: S3ReportPublisher', () => {
  it('puts every file under <prefix><reviewId>/, index.html last, with content types and cache control', async () => {
    const client = new S3Client({
      endpoint,
      region: 'eu-west-1',
      credentials,
      forcePathStyle: true,
      maxAttempts: 1,
    });
    const publisher = new S3ReportPublisher({
      client,
      bucket: 'reports-bucket',
      prefix: 'reports/',
      publicBaseUrl: 'https://reports.example.org',
    });
    requests.length = 0;
    const published = await publisher.publish('iesm', [
      { path: 'v3/index.html', contentType: 'text/html; charset=utf-8', body: '<p>v3</p>' },
      { path: 'index.html', contentType: 'text/html; charset=utf-8', body: '<p>latest</p>' },
      { path: 'report.json', contentType: 'application/json; charset=utf-8', body: '{"version":3}' },
      { path: 'km-os.svg', contentType: 'image/svg+xml', body: '<svg/>' },
    ]);
    client.destroy();
    expect(published).toEqual({
      key: 'reports/iesm/index.html',
      url: 'https://reports.example.org/reports/iesm/index.html',
    });
    expect(requests.map((r) => `${r.method} ${decodeURIComponent(r.path.split('?')[0]!)}`)).toEqual([
      'PUT /reports-bucket/reports/iesm/report.json',
      'PUT /reports-bucket/reports/iesm/km-os.svg',
      'PUT /reports-bucket/reports/iesm/v3/index.html',
      'PUT /reports-bucket/reports/iesm/index.html',
    ]);
    const index = requests[3]!;
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['cache-control']).toBe('no-cache');
    expect(requests[2]!.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(index.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=test\/\d{8}\/eu-west-1\/s3\/aws4_request/,
    );
    // The SDK may send the body with aws-chunked framing; the content is inside it either way.
    expect(index.body.toString('utf8')).toContain('<p>latest</p>');
  });

  it('refuses paths that would leave the review folder', async () => {
    const publisher = new S3ReportPublisher({
      client: new S3Client({ endpoint, region: 'eu-west-1', credentials }),
      bucket: 'b',
    });
    await expect(
      publisher.publish('iesm', [{ path: '../other/index.html', contentType: 'text/html', body: '' }]),
    ).rejects.toBeInstanceOf(InputError);
  });
});

const detail: LivingReviewUpdatedDetail = {
  reviewId: 'iesm',
  version: 3,
  revision: '0123456789abcdef',
  key: 'reports/iesm/index.html',
  url: 'https://reports.example.org/reports/iesm/index.html',
  publishedAt: '2026-01-12T06:00:00.000Z',
  changes: {
    summary: ['5 patients added'],
    fromVersion: 2,
    patientsAdded: 5,
    patientsRemoved: 0,
    studiesAdded: 1,
    studiesRemoved: 0,
    retractedStudies: [{ citationId: 'c1', title: 'A retracted study', pmid: '993' }],
  },
};

describe('Class: EventBridgePublisher', () => {
  it('sends PutEvents with source living-review, detail-type LivingReviewUpdated and the detail as JSON', async () => {
    const client = new EventBridgeClient({ endpoint, region: 'eu-west-1', credentials, maxAttempts: 1 });
    requests.length = 0;
    await new EventBridgePublisher({ client, eventBusName: 'living-review-bus' }).livingReviewUpdated(detail);
    const request = requests[0]!;
    expect(request.headers['x-amz-target']).toBe('AWSEvents.PutEvents');
    const body = JSON.parse(request.body.toString('utf8')) as {
      Entries: Array<{ Source: string; DetailType: string; Detail: string; EventBusName: string }>;
    };
    expect(body.Entries).toHaveLength(1);
    expect(body.Entries[0]).toMatchObject({
      Source: 'living-review',
      DetailType: 'LivingReviewUpdated',
      EventBusName: 'living-review-bus',
    });
    expect(JSON.parse(body.Entries[0]!.Detail)).toEqual(detail);

    eventAnswer = {
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }],
    };
    const failed = await new EventBridgePublisher({ client })
      .livingReviewUpdated(detail)
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(EventPublishError);
    expect((failed as Error).message).toContain('ThrottlingException Rate exceeded');
    eventAnswer = { FailedEntryCount: 0, Entries: [{ EventId: 'ev-1' }] };
    client.destroy();
  });
});

describe('AWS SDK clients loaded on first use', () => {
  it('S3ReportPublisher and EventBridgePublisher build their clients from clientConfig when first used', async () => {
    const clientConfig = { endpoint, region: 'eu-west-1', credentials, maxAttempts: 1 };
    const publisher = new S3ReportPublisher({
      bucket: 'reports-bucket',
      clientConfig: { ...clientConfig, forcePathStyle: true },
    });
    const events = new EventBridgePublisher({ clientConfig });
    requests.length = 0;
    const files = [{ path: 'index.html', contentType: 'text/html; charset=utf-8', body: '<p>latest</p>' }];
    expect(await publisher.publish('iesm', files)).toEqual({ key: 'iesm/index.html', url: null });
    await publisher.publish('iesm', files);
    await events.livingReviewUpdated(detail);
    expect(requests.map((r) => `${r.method} ${decodeURIComponent(r.path.split('?')[0]!)}`)).toEqual([
      'PUT /reports-bucket/iesm/index.html',
      'PUT /reports-bucket/iesm/index.html',
      'POST /',
    ]);
    expect(requests[2]!.headers['x-amz-target']).toBe('AWSEvents.PutEvents');
  });

  it('the S3, SES and EventBridge adapters import their SDK client only dynamically (not at a bundle init)', async () => {
    const adapters = {
      's3-publisher': ['report/s3-publisher.ts', '@aws-sdk/client-s3'],
      'ses-mailer': ['mail/ses-mailer.ts', '@aws-sdk/client-sesv2'],
      'eventbridge-publisher': ['events/eventbridge-publisher.ts', '@aws-sdk/client-eventbridge'],
    } as const;
    for (const [name, [file, sdk]] of Object.entries(adapters)) {
      const result = await build({
        entryPoints: [new URL(`../../../shared/adapters/${file}`, import.meta.url).pathname],
        bundle: true,
        write: false,
        format: 'esm',
        platform: 'node',
        external: ['@aws-sdk/*'],
        metafile: true,
        logLevel: 'silent',
      });
      const imports = Object.values(result.metafile.outputs).flatMap((output) => output.imports);
      const sdkImports = imports.filter((i) => i.path.startsWith('@aws-sdk/'));
      expect(
        sdkImports.map((i) => `${name}: ${i.kind} ${i.path}`),
        'only a dynamic import of its own client',
      ).toEqual([`${name}: dynamic-import ${sdk}`]);
    }
  });
});
