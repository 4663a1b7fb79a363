// Attachments in S3 (shared/adapters/attachments/s3-attachments.ts), over real HTTP against a loopback S3
// stand-in that checks signatures and policies with its own code (test/support/s3-stand-in.ts): a browser-style
// multipart POST through the signed form, the limits the policy pins (size, type, key, expiry), the object read
// back (HEAD, a range) and the short-lived presigned GET (expired, tampered or unsigned reads refused: the
// bucket is never public). The POST policy signature is also checked against the AWS SDK's own signer.
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  presignedGetUrl,
  presignedPostFields,
  S3AttachmentStorage,
} from '../../../shared/adapters/attachments/s3-attachments.ts';
import type { UploadForm } from '../../../shared/ports/full-text.ts';
import { type S3StandIn, startS3StandIn } from '../../support/s3-stand-in.ts';

const credentials = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local/secret+key' };
const REGION = 'eu-west-1';
const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(3000, 0x20), Buffer.from('\n%%EOF\n')]);

let s3: S3StandIn;
/** The stand-in's and the form signer's clock; the SDK's presigner signs reads with the system clock. */
let clock = new Date();
let storage: S3AttachmentStorage;

/** SHA-256 (or its HMAC) as the SDK's signer wants it, from node:crypto. */
class Sha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined
      ? createHash('sha256')
      : createHmac('sha256', Buffer.from(this.secret as ArrayBuffer));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === 'string' ? data : Buffer.from(data as ArrayBuffer));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

async function post(form: UploadForm, file: Buffer, overrides: Record<string, string> = {}) {
  const body = new FormData();
  for (const [name, value] of Object.entries({ ...form.fields, ...overrides })) body.append(name, value);
  body.append('file', new Blob([file], { type: 'application/pdf' }), 'paper.pdf');
  const response = await fetch(form.url, { method: 'POST', body });
  return { status: response.status, text: await response.text() };
}

beforeAll(async () => {
  s3 = await startS3StandIn({
    bucket: 'attachments-bucket',
    region: REGION,
    credentials: { [credentials.accessKeyId]: credentials.secretAccessKey },
    now: () => clock,
  });
  storage = new S3AttachmentStorage({
    bucket: s3.bucket,
    bucketUrl: `${s3.endpoint}/${s3.bucket}`,
    clientConfig: {
      endpoint: s3.endpoint,
      forcePathStyle: true,
      region: REGION,
      credentials,
      maxAttempts: 1,
    },
    clock: () => clock,
  });
});

afterAll(async () => {
  await s3?.close();
});

describe('Function: presignedPostFields', () => {
  it("signs the policy as the AWS SDK's Signature Version 4 signer does", async () => {
    const now = new Date('2026-12-07T10:00:00Z');
    const fields = presignedPostFields({
      bucket: 'b',
      key: 'iesm/c1/abcdef12.pdf',
      contentType: 'application/pdf',
      maxBytes: 1000,
      expiresAt: new Date(now.getTime() + 600_000),
      now,
      region: REGION,
      credentials,
    });
    const signer = new SignatureV4({ credentials, region: REGION, service: 's3', sha256: Sha256 });
    const sdk = await signer.sign(fields.policy!, {
      signingDate: now,
      signingRegion: REGION,
      signingService: 's3',
    });
    expect(fields['x-amz-signature']).toBe(sdk);
    expect(fields['x-amz-credential']).toBe(`${credentials.accessKeyId}/20261207/${REGION}/s3/aws4_request`);
    const policy = JSON.parse(Buffer.from(fields.policy!, 'base64').toString('utf8'));
    expect(policy.conditions).toEqual(
      expect.arrayContaining([
        { bucket: 'b' },
        ['content-length-range', 1, 1000],
        { key: 'iesm/c1/abcdef12.pdf' },
        { 'Content-Type': 'application/pdf' },
      ]),
    );
  });
});

describe('Function: presignedGetUrl', () => {
  it("gives the very link the AWS SDK's presigner gives", async () => {
    const signingDate = new Date('2026-12-07T10:00:00Z');
    // Without the checksum defaults, which add x-amz-checksum-mode and a checksum of the empty body to a
    // GetObject link (not wanted here: the browser reads the PDF and checks nothing).
    const client = new S3Client({
      region: REGION,
      credentials,
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    const key = 'iesm/c5a1/0a1b2c3d-0000 (v2).pdf';
    const sdk = await getSignedUrl(
      client,
      new GetObjectCommand({
        Bucket: 'attachments-bucket',
        Key: key,
        ResponseContentType: 'application/pdf',
        ResponseContentDisposition: 'inline; filename="Rossi 2024.pdf"',
      }),
      { expiresIn: 300, signingDate },
    );
    const ours = presignedGetUrl({
      url: new URL(
        `https://attachments-bucket.s3.${REGION}.amazonaws.com/${key.split('/').map(encodeURIComponent).join('/')}`,
      ),
      query: {
        'response-content-disposition': 'inline; filename="Rossi 2024.pdf"',
        'response-content-type': 'application/pdf',
        'x-id': 'GetObject',
      },
      now: signingDate,
      expiresInSeconds: 300,
      region: REGION,
      credentials,
    });
    const sorted = (url: string) => {
      const parsed = new URL(url);
      return [parsed.origin + parsed.pathname, [...parsed.searchParams.entries()].sort()];
    };
    expect(sorted(ours)).toEqual(sorted(sdk));
    client.destroy();
  });
});

describe('Class: S3AttachmentStorage', () => {
  const key = 'iesm/c1/0a1b2c3d-0000.pdf';

  it('takes a PDF through the signed form, and reads it back through a short-lived signed link', async () => {
    const form = await storage.uploadForm(key, {
      maxBytes: 10_000,
      contentType: 'application/pdf',
      expiresInSeconds: 600,
    });
    expect(form.url).toBe(`${s3.endpoint}/${s3.bucket}`);
    expect(await post(form, PDF)).toMatchObject({ status: 204 });
    expect(s3.objects.get(key)?.contentType).toBe('application/pdf');
    const stored = await storage.inspect(key);
    expect(stored).toMatchObject({ size: PDF.length, contentType: 'application/pdf' });
    expect(stored?.head.toString('latin1')).toBe('%PDF-1.7');
    const link = await storage.readUrl(key, { expiresInSeconds: 300, fileName: 'Rossi 2024 "case".pdf' });
    const read = await fetch(link);
    expect(read.status).toBe(200);
    expect(Buffer.from(await read.arrayBuffer()).equals(PDF)).toBe(true);
    expect(read.headers.get('content-type')).toBe('application/pdf');
    expect(read.headers.get('content-disposition')).toBe('inline; filename="Rossi 2024 _case_.pdf"');
  });

  it('refuses reads that are unsigned, tampered with or expired: the bucket is never public', async () => {
    const link = await storage.readUrl(key, { expiresInSeconds: 300, fileName: 'paper.pdf' });
    expect((await fetch(`${s3.endpoint}/${s3.bucket}/${key}`)).status).toBe(403);
    const other = link.replace('0a1b2c3d-0000', '0a1b2c3d-9999');
    expect((await fetch(other)).status).toBe(403);
    const longer = link.replace(/X-Amz-Expires=\d+/, 'X-Amz-Expires=604800');
    expect((await fetch(longer)).status).toBe(403);
    const saved = clock;
    clock = new Date(Date.now() + 301_000);
    try {
      const expired = await fetch(link);
      expect(expired.status).toBe(403);
      expect(await expired.text()).toContain('Request has expired');
    } finally {
      clock = saved;
    }
  });

  it('holds uploads to the form: size, type, key and expiry', async () => {
    const form = await storage.uploadForm('iesm/c1/0a1b2c3d-0001.pdf', {
      maxBytes: 1_000,
      contentType: 'application/pdf',
      expiresInSeconds: 600,
    });
    const tooLarge = await post(form, PDF);
    expect(tooLarge.status).toBe(400);
    expect(tooLarge.text).toContain('EntityTooLarge');
    const small = Buffer.from('%PDF-1.4 tiny');
    expect((await post(form, small, { 'Content-Type': 'text/html' })).status).toBe(403);
    expect((await post(form, small, { key: 'iesm/c1/somewhere-else.pdf' })).status).toBe(403);
    const tampered = JSON.parse(Buffer.from(form.fields.policy!, 'base64').toString('utf8'));
    tampered.conditions[1] = ['content-length-range', 1, 10_000_000];
    const forged = Buffer.from(JSON.stringify(tampered)).toString('base64');
    expect((await post(form, small, { policy: forged })).text).toContain('SignatureDoesNotMatch');
    const saved = clock;
    clock = new Date(clock.getTime() + 601_000);
    try {
      expect((await post(form, small)).text).toContain('Policy expired');
    } finally {
      clock = saved;
    }
    expect(s3.objects.has('iesm/c1/0a1b2c3d-0001.pdf')).toBe(false);
    expect((await post(form, small)).status).toBe(204);
    expect(await storage.inspect('iesm/c1/0a1b2c3d-0001.pdf')).toMatchObject({ size: small.length });
  });

  it('reports nothing stored under a key nothing was uploaded to', async () => {
    expect(await storage.inspect('iesm/c1/never-uploaded.pdf')).toBeNull();
  });

  it('lets the page reach the bucket, and only it (its CSP)', () => {
    expect(storage.origins()).toEqual({ connect: [s3.endpoint], frame: [s3.endpoint] });
  });
});
