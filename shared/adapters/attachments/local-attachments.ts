// Attached PDFs on this machine, for the local server: files under <data>/attachments/ (folders and files only
// the owner may read), uploaded and read back through links signed by this server process, as S3 does with
// presigned forms and links on AWS (s3-attachments.ts). A signed upload form names one key, one content type and
// a size limit, and expires; a read link names one key and expires. The signing secret lives only in this
// process's memory, so a restart voids every link (the page asks for fresh ones).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { AttachmentStorage, StoredObject, UploadForm } from '../../ports/full-text.ts';

/** Keys the storage accepts: <review>/<citation>/<attachment id>.pdf, nothing that could leave the folder. */
export const ATTACHMENT_KEY =
  /^[a-z0-9][a-z0-9-]{1,62}\/[A-Za-z0-9][A-Za-z0-9._-]{0,99}\/[A-Za-z0-9-]{8,64}\.pdf$/;

export const UPLOAD_PATH = '/files/upload';
export const READ_PATH = '/files/read';

/** The fields of a signed upload form, checked when the form comes back. */
export interface LocalUploadFields {
  key: string;
  contentType: string;
  maxBytes: number;
  expires: number;
}

export class LocalAttachmentStorage implements AttachmentStorage {
  private readonly secret = randomBytes(32);
  readonly directory: string;

  constructor(
    dataDir: string,
    private readonly clock: () => Date = () => new Date(),
    /** Prefix of the links; default none: links relative to the page, so they work by whatever name it was reached. */
    private readonly baseUrl: () => string = () => '',
  ) {
    this.directory = join(dataDir, 'attachments');
  }

  private sign(parts: readonly (string | number)[]): string {
    return createHmac('sha256', this.secret).update(parts.join('\n')).digest('base64url');
  }

  private verify(parts: readonly (string | number)[], signature: string): boolean {
    const expected = Buffer.from(this.sign(parts));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  private pathOf(key: string): string {
    if (!ATTACHMENT_KEY.test(key)) throw new Error(`not an attachment key: ${key}`);
    return join(this.directory, key);
  }

  async uploadForm(
    key: string,
    limits: { maxBytes: number; contentType: string; expiresInSeconds: number },
  ): Promise<UploadForm> {
    this.pathOf(key);
    const expires = Math.floor(this.clock().getTime() / 1000) + limits.expiresInSeconds;
    const fields = {
      key,
      'Content-Type': limits.contentType,
      'max-bytes': String(limits.maxBytes),
      expires: String(expires),
    };
    return {
      url: `${this.baseUrl()}${UPLOAD_PATH}`,
      fields: {
        ...fields,
        signature: this.sign(['upload', key, limits.contentType, limits.maxBytes, expires]),
      },
      expiresAt: new Date(expires * 1000).toISOString(),
    };
  }

  /** Checks a returned form's fields; the reason it is refused, or the fields. */
  checkUpload(
    fields: Record<string, string>,
  ): { ok: true; upload: LocalUploadFields } | { ok: false; reason: string } {
    const key = fields.key ?? '';
    const contentType = fields['Content-Type'] ?? '';
    const maxBytes = Number(fields['max-bytes']);
    const expires = Number(fields.expires);
    if (!ATTACHMENT_KEY.test(key) || !Number.isInteger(maxBytes) || !Number.isInteger(expires)) {
      return { ok: false, reason: 'the form is not one this server signed' };
    }
    if (!this.verify(['upload', key, contentType, maxBytes, expires], fields.signature ?? '')) {
      return { ok: false, reason: 'the form is not one this server signed' };
    }
    if (expires * 1000 < this.clock().getTime()) return { ok: false, reason: 'the form has expired' };
    return { ok: true, upload: { key, contentType, maxBytes, expires } };
  }

  /** Stores an uploaded file (written whole to a temporary file, then moved into place). */
  store(key: string, body: Buffer): void {
    const path = this.pathOf(key);
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    chmodSync(this.directory, 0o700);
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, body, { mode: 0o600 });
    renameSync(temporary, path);
  }

  async inspect(key: string): Promise<StoredObject | null> {
    const path = this.pathOf(key);
    if (!existsSync(path)) return null;
    const size = statSync(path).size;
    const head = Buffer.alloc(Math.min(8, size));
    const fd = openSync(path, 'r');
    try {
      readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
    return { size, contentType: 'application/pdf', head };
  }

  async readUrl(key: string, options: { expiresInSeconds: number; fileName: string }): Promise<string> {
    this.pathOf(key);
    const expires = Math.floor(this.clock().getTime() / 1000) + options.expiresInSeconds;
    const query = new URLSearchParams({
      key,
      name: options.fileName,
      expires: String(expires),
      signature: this.sign(['read', key, options.fileName, expires]),
    });
    return `${this.baseUrl()}${READ_PATH}?${query}`;
  }

  /** The file a read link names, if the link is this server's and has not expired. */
  checkRead(
    query: URLSearchParams,
  ): { ok: true; path: string; fileName: string } | { ok: false; status: number; reason: string } {
    const key = query.get('key') ?? '';
    const fileName = query.get('name') ?? '';
    const expires = Number(query.get('expires'));
    if (!ATTACHMENT_KEY.test(key) || !Number.isInteger(expires)) {
      return { ok: false, status: 403, reason: 'not a link this server signed' };
    }
    if (!this.verify(['read', key, fileName, expires], query.get('signature') ?? '')) {
      return { ok: false, status: 403, reason: 'not a link this server signed' };
    }
    if (expires * 1000 < this.clock().getTime())
      return { ok: false, status: 403, reason: 'the link has expired' };
    const path = this.pathOf(key);
    if (!existsSync(path)) return { ok: false, status: 404, reason: 'no such file' };
    return { ok: true, path, fileName };
  }

  origins(): { connect: string[]; frame: string[] } {
    return { connect: [], frame: ["'self'"] };
  }
}
