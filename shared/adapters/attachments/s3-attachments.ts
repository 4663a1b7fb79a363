// Attached PDFs in a private S3 bucket (the stateful stack's attachment bucket: no public access, TLS only).
// A browser uploads a file straight to S3 with a presigned POST whose policy pins the key, the content type
// (application/pdf) and a size range, and expires in minutes; files are read back through presigned GET links
// that expire in minutes. The function signing them holds only s3:PutObject and s3:GetObject on the
// attachment keys (infra/constructs/service-function.ts, bindAttachmentBucket).
//
// Both are signed here with AWS Signature Version 4, from the function's own credentials: the POST policy (policy
// JSON -> base64 -> HMAC-SHA256 with the key derived from the secret, date, region and "s3";
// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-authentication-HTTPPOST.html) and the GET link (query
// authentication: the canonical request of the GET, its hash in the string to sign; sigv4-query-string-auth).
// The SDK has no presigned POST in the version this project pins, and its GET presigner is not among the
// packages every Lambda runtime ships; the tests check both against the SDK's own signer and presigner.
// @aws-sdk/client-s3 (HEAD and a ranged GET to confirm an upload) loads on first use, as s3-publisher.ts does:
// most requests to the screening function never touch an attachment.
import { createHash, createHmac } from 'node:crypto';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { StoreError } from '../../errors.ts';
import type { AttachmentStorage, StoredObject, UploadForm } from '../../ports/full-text.ts';
import { loadOnce } from '../load-once.ts';

const loadS3Sdk = loadOnce(() => import('@aws-sdk/client-s3'));

export interface S3AttachmentOptions {
  /** The client given, or one built from `clientConfig` on first use. */
  client?: S3Client;
  clientConfig?: S3ClientConfig;
  bucket: string;
  /** The bucket's base URL for uploads and the page's CSP; default https://<bucket>.s3.<region>.amazonaws.com. */
  bucketUrl?: string;
  clock?: () => Date;
}

const amzDate = (date: Date) =>
  date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/** SigV4's signing key: HMAC chain of the secret over date, region, service and "aws4_request". */
export function signingKey(secret: string, dateStamp: string, region: string, service: string): Buffer {
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, dateStamp), region), service), 'aws4_request');
}

/** The fields of a browser POST upload to `bucket` (S3's "POST Object" form) under `policy`'s conditions. */
export function presignedPostFields(request: {
  bucket: string;
  key: string;
  contentType: string;
  maxBytes: number;
  expiresAt: Date;
  now: Date;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string | undefined };
}): Record<string, string> {
  const date = amzDate(request.now);
  const dateStamp = date.slice(0, 8);
  const credential = `${request.credentials.accessKeyId}/${dateStamp}/${request.region}/s3/aws4_request`;
  const signed: Record<string, string> = {
    key: request.key,
    'Content-Type': request.contentType,
    'x-amz-algorithm': 'AWS4-HMAC-SHA256',
    'x-amz-credential': credential,
    'x-amz-date': date,
    ...(request.credentials.sessionToken ? { 'x-amz-security-token': request.credentials.sessionToken } : {}),
  };
  const policy = Buffer.from(
    JSON.stringify({
      expiration: request.expiresAt.toISOString(),
      conditions: [
        { bucket: request.bucket },
        ['content-length-range', 1, request.maxBytes],
        ...Object.entries(signed).map(([name, value]) => ({ [name]: value })),
      ],
    }),
    'utf8',
  ).toString('base64');
  const signature = createHmac(
    'sha256',
    signingKey(request.credentials.secretAccessKey, dateStamp, request.region, 's3'),
  )
    .update(policy)
    .digest('hex');
  return { ...signed, policy, 'x-amz-signature': signature };
}

/** RFC 3986 encoding as Signature Version 4 wants it; `/` kept in paths. */
function uriEncode(text: string, keepSlash: boolean): string {
  return [...Buffer.from(text, 'utf8')]
    .map((byte) => {
      const char = String.fromCharCode(byte);
      return /[A-Za-z0-9\-._~]/.test(char) || (keepSlash && char === '/')
        ? char
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

/**
 * A GET link for `url` (the object's URL: virtual-hosted or path-style) that S3 honours for `expiresInSeconds`
 * from `now`, with `query` (response-content-type, ...) among the signed parameters.
 */
export function presignedGetUrl(request: {
  url: URL;
  query: Record<string, string>;
  now: Date;
  expiresInSeconds: number;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string | undefined };
}): string {
  const date = amzDate(request.now);
  const dateStamp = date.slice(0, 8);
  const scope = `${dateStamp}/${request.region}/s3/aws4_request`;
  const params: Record<string, string> = {
    ...request.query,
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD',
    'X-Amz-Credential': `${request.credentials.accessKeyId}/${scope}`,
    'X-Amz-Date': date,
    'X-Amz-Expires': String(request.expiresInSeconds),
    'X-Amz-SignedHeaders': 'host',
    ...(request.credentials.sessionToken ? { 'X-Amz-Security-Token': request.credentials.sessionToken } : {}),
  };
  const query = Object.entries(params)
    .map(([name, value]) => [uriEncode(name, false), uriEncode(value, false)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const path = uriEncode(decodeURIComponent(request.url.pathname), true);
  const canonical = ['GET', path, query, `host:${request.url.host}\n`, 'host', 'UNSIGNED-PAYLOAD'].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', date, scope, createHash('sha256').update(canonical).digest('hex')].join(
    '\n',
  );
  const signature = createHmac(
    'sha256',
    signingKey(request.credentials.secretAccessKey, dateStamp, request.region, 's3'),
  )
    .update(toSign)
    .digest('hex');
  return `${request.url.origin}${path}?${query}&X-Amz-Signature=${signature}`;
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

export class S3AttachmentStorage implements AttachmentStorage {
  private client: S3Client | undefined;
  private readonly clientConfig: S3ClientConfig;
  readonly bucket: string;
  private readonly clock: () => Date;
  private readonly bucketUrl: string | undefined;

  constructor(options: S3AttachmentOptions) {
    this.client = options.client;
    this.clientConfig = options.clientConfig ?? {};
    this.bucket = options.bucket;
    this.clock = options.clock ?? (() => new Date());
    this.bucketUrl = options.bucketUrl;
  }

  private async s3(): Promise<S3Client> {
    if (!this.client) {
      const { S3Client } = await loadS3Sdk();
      this.client = new S3Client(this.clientConfig);
    }
    return this.client;
  }

  private async region(): Promise<string> {
    const region = (await this.s3()).config.region;
    return typeof region === 'function' ? await region() : String(region);
  }

  private async base(): Promise<string> {
    return this.bucketUrl ?? `https://${this.bucket}.s3.${await this.region()}.amazonaws.com`;
  }

  async uploadForm(
    key: string,
    limits: { maxBytes: number; contentType: string; expiresInSeconds: number },
  ): Promise<UploadForm> {
    const now = this.clock();
    const expiresAt = new Date(now.getTime() + limits.expiresInSeconds * 1000);
    const credentials = await (await this.s3()).config.credentials();
    const fields = presignedPostFields({
      bucket: this.bucket,
      key,
      contentType: limits.contentType,
      maxBytes: limits.maxBytes,
      expiresAt,
      now,
      region: await this.region(),
      credentials,
    });
    return { url: await this.base(), fields, expiresAt: expiresAt.toISOString() };
  }

  async inspect(key: string): Promise<StoredObject | null> {
    const what = `attachment ${key} in bucket ${this.bucket}`;
    const [client, { HeadObjectCommand, GetObjectCommand }] = await Promise.all([this.s3(), loadS3Sdk()]);
    try {
      const head = await client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      const first = await client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: 'bytes=0-7' }),
      );
      const bytes = first.Body ? Buffer.from(await first.Body.transformToByteArray()) : Buffer.alloc(0);
      return { size: head.ContentLength ?? 0, contentType: head.ContentType ?? null, head: bytes };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw new StoreError(`S3 could not read ${what}: ${(error as Error).message}`, {
        cause: error,
        retryable: true,
      });
    }
  }

  async readUrl(key: string, options: { expiresInSeconds: number; fileName: string }): Promise<string> {
    const safeName = options.fileName.replace(/[^A-Za-z0-9._ -]/g, '_');
    const base = await this.base();
    return presignedGetUrl({
      url: new URL(
        `${base.replace(/\/$/, '')}/${key
          .split('/')
          .map((part) => uriEncode(part, false))
          .join('/')}`,
      ),
      query: {
        'response-content-disposition': `inline; filename="${safeName}"`,
        'response-content-type': 'application/pdf',
        'x-id': 'GetObject',
      },
      now: this.clock(),
      expiresInSeconds: options.expiresInSeconds,
      region: await this.region(),
      credentials: await (await this.s3()).config.credentials(),
    });
  }

  origins(): { connect: string[]; frame: string[] } {
    // Synchronous for the CSP: the region-qualified virtual-hosted URL, or the configured one.
    const base =
      this.bucketUrl ?? `https://${this.bucket}.s3.${process.env.AWS_REGION ?? 'us-east-1'}.amazonaws.com`;
    const origin = new URL(base).origin;
    return { connect: [origin], frame: [origin] };
  }
}
