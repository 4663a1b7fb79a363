// MIME composition with nodemailer's MailComposer (the composer behind nodemailer's transports): a message with
// a text and an HTML body and attachments becomes
//
//   multipart/mixed
//     multipart/alternative
//       text/plain; charset=utf-8   (quoted-printable)
//       text/html; charset=utf-8    (quoted-printable)
//     <attachment>; name=...        (base64, Content-Disposition: attachment)
//
// with encoded-word headers for non-ASCII subjects and names. The same bytes go to SES (SendEmail Content.Raw)
// and into the local outbox's .eml files.
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { InputError } from '../../errors.ts';
import type { MailMessage } from '../../ports/mailer.ts';

function toBuffer(content: string | Uint8Array): Buffer {
  return typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
}

/** A Message-ID of the form "<local@host>"; a bare "local@host" is wrapped. */
export function normaliseMessageId(messageId: string): string {
  const trimmed = messageId.trim();
  return trimmed.startsWith('<') ? trimmed : `<${trimmed}>`;
}

/** The raw RFC 5322 message (CRLF line ends). */
export async function composeMime(message: MailMessage): Promise<Buffer> {
  if (message.to.length === 0) throw new InputError(`message "${message.subject}" has no recipient`);
  const composer = new MailComposer({
    from: message.from,
    to: message.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
    date: message.date ?? new Date(),
    ...(message.messageId ? { messageId: normaliseMessageId(message.messageId) } : {}),
    headers: message.headers ?? {},
    attachments: message.attachments.map((attachment) => ({
      filename: attachment.filename,
      contentType: attachment.contentType,
      content: toBuffer(attachment.content),
      contentDisposition: 'attachment' as const,
    })),
    textEncoding: 'quoted-printable',
  });
  return composer.compile().build();
}

/** The Message-ID header of a composed message. */
export function messageIdOf(raw: Buffer): string | null {
  const head = raw.subarray(0, Math.min(raw.length, 64 * 1024)).toString('utf8');
  const end = head.search(/\r?\n\r?\n/);
  const headers = (end === -1 ? head : head.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  return /^message-id:\s*(.+)$/im.exec(headers)?.[1]?.trim() ?? null;
}
