// Mailer for local runs: each message is composed exactly as for SES and written as an .eml file (RFC 5322, open
// it with any mail client) into an outbox directory, by default <dataDir>/outbox. A file is written under a
// temporary name and renamed, so a reader never sees half a message.
import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Mailer, MailMessage, SentMail } from '../../ports/mailer.ts';
import { composeMime, messageIdOf } from './compose.ts';

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60) || 'message'
  );
}

export class OutboxMailer implements Mailer {
  readonly directory: string;
  /** Every file written by this mailer, in order. */
  readonly written: string[] = [];

  constructor(directory: string) {
    this.directory = resolve(directory);
  }

  async send(message: MailMessage): Promise<SentMail> {
    const raw = await composeMime(message);
    // Private like the rest of the data directory (the default outbox is <data>/outbox).
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    const stamp = (message.date ?? new Date())
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    const name = `${stamp}-${slug(message.subject)}-${randomUUID().slice(0, 8)}.eml`;
    const path = join(this.directory, name);
    const temporary = join(this.directory, `.${name}.tmp`);
    await writeFile(temporary, raw, { mode: 0o600 });
    await rename(temporary, path);
    this.written.push(path);
    return { id: path, messageId: messageIdOf(raw) ?? '' };
  }
}
