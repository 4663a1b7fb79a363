// Port: sends one e-mail. The use cases hand over what the message says (subject, text, HTML, attachments);
// the adapter composes the MIME message (shared/adapters/mail/compose.ts) and delivers it: SES v2 as a raw
// message in AWS (ses-mailer.ts), an .eml file in an outbox directory locally (outbox-mailer.ts).
export interface MailAttachment {
  filename: string;
  contentType: string;
  content: string | Uint8Array;
}

export interface MailMessage {
  from: string;
  to: string[];
  subject: string;
  /** The plain-text body (multipart/alternative's first part). */
  text: string;
  /** The HTML body (multipart/alternative's preferred part). */
  html: string;
  attachments: MailAttachment[];
  /** A Message-ID to use ("<id@host>"); a retried send of the same message then carries the same one. */
  messageId?: string;
  date?: Date;
  /** Extra headers, e.g. X-Living-Review. */
  headers?: Record<string, string>;
}

export interface SentMail {
  /** The transport's id (SES MessageId) or the file written. */
  id: string;
  /** The Message-ID header the message carried. */
  messageId: string;
}

export interface Mailer {
  /** Delivers the message or throws (a LivingReviewError saying whether a retry can help). */
  send(message: MailMessage): Promise<SentMail>;
}
