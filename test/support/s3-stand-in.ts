// A loopback stand-in for the few S3 calls attachments make, checking what S3 checks, with its own code:
// - POST /<bucket> (a browser's "POST Object" form): the policy's Signature Version 4 (recomputed here from the
//   secret), its expiration, and its conditions (bucket, every signed field, content-length-range) against the
//   form; the file must come last. Stores the object with the form's Content-Type. 204, or 403 with S3's codes.
// - GET /<bucket>/<key> with a presigned query: the signature (canonical request, string to sign, recomputed
//   here) and X-Amz-Date + X-Amz-Expires; expired or tampered links get 403. Without any authentication, 403:
//   the bucket is private.
// - HEAD and GET (with Range) /<bucket>/<key> with an Authorization header from the SDK: the access key must
//   be one it knows (the header signature itself is not recomputed).
// Path-style URLs only (the SDK's forcePathStyle).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StoredS3Object {
  body: Buffer;
  contentType: string;
}

export interface S3StandIn {
  endpoint: string;
  bucket: string;
  objects: Map<string, StoredS3Object>;
  requests: Array<{ method: string; path: string; status: number }>;
  close(): Promise<void>;
}

const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

function key4(secret: string, date: string, region: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), 's3'), 'aws4_request');
}

/** RFC 3986 encoding as SigV4 wants it (each byte outside the unreserved set). */
function uriEncode(text: string, slash = true): string {
  return [...Buffer.from(text, 'utf8')]
    .map((byte) => {
      const char = String.fromCharCode(byte);
      if (/[A-Za-z0-9\-._~]/.test(char) || (!slash && char === '/')) return char;
      return `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

function s3Error(res: ServerResponse, status: number, code: string, message: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(body);
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startS3StandIn(options: {
  bucket: string;
  region: string;
  credentials: Record<string, string>;
  now?: () => Date;
}): Promise<S3StandIn> {
  const now = options.now ?? (() => new Date());
  const objects = new Map<string, StoredS3Object>();
  const requests: S3StandIn['requests'] = [];
  let base = '';

  const postObject = async (req: IncomingMessage, res: ServerResponse) => {
    const form = await new Request(`${base}/`, {
      method: 'POST',
      headers: { 'content-type': String(req.headers['content-type'] ?? '') },
      body: await readAll(req),
    }).formData();
    const names = [...form.keys()];
    if (names.at(-1) !== 'file')
      return s3Error(res, 400, 'InvalidArgument', 'the file must be the last field');
    const field = (name: string) => {
      const value = form.get(name);
      return typeof value === 'string' ? value : null;
    };
    const policy = field('policy');
    const credential = field('x-amz-credential');
    const signature = field('x-amz-signature');
    if (!policy || !credential || !signature || field('x-amz-algorithm') !== 'AWS4-HMAC-SHA256') {
      return s3Error(res, 403, 'AccessDenied', 'the form is not signed');
    }
    const [accessKey, date, region, service] = credential.split('/');
    const secret = options.credentials[accessKey ?? ''];
    if (!secret || service !== 's3' || region !== options.region) {
      return s3Error(res, 403, 'InvalidAccessKeyId', 'unknown access key');
    }
    const expected = hmac(key4(secret, date!, region), policy);
    if (
      !timingSafeEqual(
        expected,
        Buffer.from(signature, 'hex').length === 32 ? Buffer.from(signature, 'hex') : Buffer.alloc(32),
      )
    ) {
      return s3Error(res, 403, 'SignatureDoesNotMatch', 'the policy signature does not match');
    }
    const document = JSON.parse(Buffer.from(policy, 'base64').toString('utf8')) as {
      expiration: string;
      conditions: Array<Record<string, string> | [string, string | number, string | number]>;
    };
    if (Date.parse(document.expiration) < now().getTime()) {
      return s3Error(res, 403, 'AccessDenied', 'Invalid according to Policy: Policy expired.');
    }
    const file = form.get('file') as Blob;
    for (const condition of document.conditions) {
      if (Array.isArray(condition)) {
        const [op, a, b] = condition;
        if (op === 'content-length-range' && (file.size < Number(a) || file.size > Number(b))) {
          return s3Error(res, 400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size');
        }
        continue;
      }
      for (const [name, value] of Object.entries(condition)) {
        const given = name === 'bucket' ? options.bucket : field(name);
        if (given !== value) {
          return s3Error(
            res,
            403,
            'AccessDenied',
            `Invalid according to Policy: Policy Condition failed: ["eq", "$${name}", "${value}"]`,
          );
        }
      }
    }
    objects.set(field('key')!, {
      body: Buffer.from(await file.arrayBuffer()),
      contentType: field('Content-Type') ?? 'binary/octet-stream',
    });
    res.writeHead(204);
    res.end();
  };

  /** True when a presigned GET's query authenticates it (or answers the error itself). */
  const presignedOk = (req: IncomingMessage, res: ServerResponse, url: URL): boolean => {
    const q = url.searchParams;
    const credential = q.get('X-Amz-Credential') ?? '';
    const [accessKey, date, region] = credential.split('/');
    const secret = options.credentials[accessKey ?? ''];
    if (!secret) {
      s3Error(res, 403, 'InvalidAccessKeyId', 'unknown access key');
      return false;
    }
    const amzDate = q.get('X-Amz-Date') ?? '';
    const signedAt = Date.parse(
      amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
    );
    const expires = Number(q.get('X-Amz-Expires'));
    if (!Number.isFinite(signedAt) || now().getTime() > signedAt + expires * 1000) {
      s3Error(res, 403, 'AccessDenied', 'Request has expired');
      return false;
    }
    const query = [...q.entries()]
      .filter(([name]) => name !== 'X-Amz-Signature')
      .map(([name, value]) => [uriEncode(name), uriEncode(value)] as const)
      .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : 1))
      .map(([name, value]) => `${name}=${value}`)
      .join('&');
    const signedHeaders = (q.get('X-Amz-SignedHeaders') ?? 'host').split(';');
    const headers = signedHeaders
      .map((name) => `${name}:${String(req.headers[name] ?? '').trim()}\n`)
      .join('');
    const canonical = [
      'GET',
      uriEncode(decodeURIComponent(url.pathname), false),
      query,
      headers,
      signedHeaders.join(';'),
      'UNSIGNED-PAYLOAD',
    ].join('\n');
    const toSign = [
      'AWS4-HMAC-SHA256',
      amzDate,
      `${date}/${region}/s3/aws4_request`,
      createHash('sha256').update(canonical).digest('hex'),
    ].join('\n');
    const expected = hmac(key4(secret, date!, region!), toSign).toString('hex');
    if (expected !== q.get('X-Amz-Signature')) {
      s3Error(res, 403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match');
      return false;
    }
    return true;
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', base);
    const record = { method: req.method ?? '', path: url.pathname, status: 0 };
    requests.push(record);
    res.on('finish', () => {
      record.status = res.statusCode;
    });
    try {
      const [, bucket, ...rest] = url.pathname.split('/');
      if (bucket !== options.bucket) return s3Error(res, 404, 'NoSuchBucket', 'no such bucket');
      if (req.method === 'POST' && rest.length === 0) return await postObject(req, res);
      const key = decodeURIComponent(rest.join('/'));
      const auth = String(req.headers.authorization ?? '');
      if (url.searchParams.has('X-Amz-Signature')) {
        if (!presignedOk(req, res, url)) return;
      } else if (
        !/^AWS4-HMAC-SHA256 Credential=([^/]+)\//.test(auth) ||
        !options.credentials[/Credential=([^/]+)\//.exec(auth)![1]!]
      ) {
        return s3Error(res, 403, 'AccessDenied', 'Access Denied');
      }
      const object = objects.get(key);
      if (!object) return s3Error(res, 404, 'NoSuchKey', 'The specified key does not exist.');
      const contentType = url.searchParams.get('response-content-type') ?? object.contentType;
      const disposition = url.searchParams.get('response-content-disposition');
      const headers: Record<string, string> = {
        'content-type': contentType,
        etag: `"${createHash('md5').update(object.body).digest('hex')}"`,
        ...(disposition ? { 'content-disposition': disposition } : {}),
      };
      if (req.method === 'HEAD') {
        res.writeHead(200, { ...headers, 'content-length': String(object.body.length) });
        return res.end();
      }
      const range = /^bytes=(\d+)-(\d+)$/.exec(String(req.headers.range ?? ''));
      if (range) {
        const slice = object.body.subarray(Number(range[1]), Number(range[2]) + 1);
        res.writeHead(206, {
          ...headers,
          'content-length': String(slice.length),
          'content-range': `bytes ${range[1]}-${Number(range[1]) + slice.length - 1}/${object.body.length}`,
        });
        return res.end(slice);
      }
      res.writeHead(200, { ...headers, 'content-length': String(object.body.length) });
      res.end(object.body);
    } catch (error) {
      if (!res.headersSent) s3Error(res, 500, 'InternalError', String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint: base,
    bucket: options.bucket,
    objects,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
