// Use cases of the full-text view: where a reviewer can read a record (PubMed, PMC, the DOI resolver, an
// open-access copy Unpaywall knows), and the PDFs reviewers attach to it.
//
// Open access, primary course: the answer cached on the citation, while fresh (a copy found: 90 days; none
// known: 14 days, since copies appear) and about the citation's current DOI; otherwise Unpaywall is asked and
// its answer cached. A failed lookup is reported as such and not cached (the next view asks again); without an
// e-mail configured there are no lookups (Unpaywall requires one), and the view says so.
//
// Attaching a PDF, primary course:
//   1. The page asks for an upload (file name, size): the size is checked against the limit, an attachment id
//      is drawn, and the storage signs a form for that one key, type application/pdf and at most the limit.
//   2. The browser sends the file straight to the storage with the form (S3 on AWS: the API never sees it).
//   3. The page confirms: the storage is asked what it holds under the key (nothing: 404; too large, or not
//      starting with "%PDF-": refused), then the attachment is recorded. Confirming twice records it once.
// Every listed reviewer of the review may read and attach (a PDF of the paper gives no decision away).
import type { Citation } from '../domain/citation/citation.ts';
import { type FullTextLink, fullTextLinks } from '../domain/citation/full-text-links.ts';
import type { Protocol } from '../domain/protocol/protocol.ts';
import { errorMessage } from '../errors.ts';
import type {
  Attachment,
  AttachmentStorage,
  FullTextStore,
  OpenAccessLocation,
  OpenAccessLookup,
  UploadForm,
} from '../ports/full-text.ts';
import { type Actor, InvalidRequestError, NotAllowedError, NotFoundError } from './screening.ts';

export interface FullTextDeps {
  citations: { getCitation(reviewId: string, citationId: string): Promise<{ citation: Citation } | null> };
  store: FullTextStore;
  /** Null when no e-mail is configured for Unpaywall. */
  openAccess: OpenAccessLookup | null;
  /** Null when attachments are not configured (e.g. no bucket). */
  storage: AttachmentStorage | null;
  clock: () => Date;
  newId: () => string;
  /** The largest PDF accepted, in bytes (default 50 MB). */
  maxAttachmentBytes?: number;
}

export const DEFAULT_MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024;
const FOUND_FRESH_DAYS = 90;
const NONE_FRESH_DAYS = 14;
/** How long upload forms and read links last. */
const UPLOAD_SECONDS = 10 * 60;
const READ_SECONDS = 5 * 60;

export type OpenAccessView =
  | { status: 'found'; location: OpenAccessLocation; checkedAt: string }
  | { status: 'none'; checkedAt: string }
  /** No DOI: nothing to ask Unpaywall. */
  | { status: 'no-doi' }
  /** No e-mail configured: Unpaywall is not asked. */
  | { status: 'off'; message: string }
  | { status: 'failed'; message: string };

export interface AttachmentView extends Omit<Attachment, 'key'> {
  /** A short-lived link that reads the PDF. */
  url: string;
}

export interface FullTextView {
  citationId: string;
  links: FullTextLink[];
  openAccess: OpenAccessView;
  attachments: AttachmentView[];
  uploads: { enabled: boolean; maxBytes: number };
}

function listedReviewer(protocol: Protocol, actor: Actor) {
  const reviewer = protocol.reviewers.find((r) => r.id === actor.reviewerId);
  if (!reviewer)
    throw new NotAllowedError(`${actor.reviewerId} is not a reviewer of review "${protocol.id}"`);
  return reviewer;
}

async function citationOf(deps: FullTextDeps, protocol: Protocol, citationId: string): Promise<Citation> {
  const stored = await deps.citations.getCitation(protocol.id, citationId);
  if (!stored) throw new NotFoundError(`no citation ${citationId} in review "${protocol.id}"`);
  return stored.citation;
}

function fresh(checkedAt: string, found: boolean, now: Date): boolean {
  const days = found ? FOUND_FRESH_DAYS : NONE_FRESH_DAYS;
  return now.getTime() - Date.parse(checkedAt) < days * 86_400_000;
}

async function openAccessOf(
  deps: FullTextDeps,
  reviewId: string,
  citationId: string,
  citation: Citation,
): Promise<OpenAccessView> {
  if (!citation.doi) return { status: 'no-doi' };
  const now = deps.clock();
  const cached = await deps.store.getOpenAccess(reviewId, citationId);
  const usable =
    cached && cached.doi === citation.doi && fresh(cached.checkedAt, cached.found, now) ? cached : null;
  let answer = usable;
  if (!answer) {
    if (!deps.openAccess) {
      return cached && cached.doi === citation.doi
        ? viewOf(cached)
        : {
            status: 'off',
            message: 'open-access lookups are off: set UNPAYWALL_EMAIL (Unpaywall asks for a contact e-mail)',
          };
    }
    try {
      const found = await deps.openAccess.lookup(citation.doi);
      answer = { ...found, doi: citation.doi, checkedAt: now.toISOString() };
      await deps.store.saveOpenAccess(reviewId, citationId, answer);
    } catch (error) {
      return { status: 'failed', message: `Unpaywall could not be asked: ${errorMessage(error)}` };
    }
  }
  return viewOf(answer);
}

function viewOf(answer: {
  found: boolean;
  location: OpenAccessLocation | null;
  checkedAt: string;
}): OpenAccessView {
  return answer.found && answer.location
    ? { status: 'found', location: answer.location, checkedAt: answer.checkedAt }
    : { status: 'none', checkedAt: answer.checkedAt };
}

async function attachmentView(storage: AttachmentStorage, attachment: Attachment): Promise<AttachmentView> {
  const { key, ...rest } = attachment;
  return {
    ...rest,
    url: await storage.readUrl(key, { expiresInSeconds: READ_SECONDS, fileName: attachment.fileName }),
  };
}

export async function fullTextOf(
  deps: FullTextDeps,
  protocol: Protocol,
  actor: Actor,
  citationId: string,
): Promise<FullTextView> {
  listedReviewer(protocol, actor);
  const citation = await citationOf(deps, protocol, citationId);
  const [openAccess, attachments] = await Promise.all([
    openAccessOf(deps, protocol.id, citationId, citation),
    deps.storage ? deps.store.listAttachments(protocol.id, citationId) : Promise.resolve([]),
  ]);
  const storage = deps.storage;
  return {
    citationId,
    links: fullTextLinks(citation),
    openAccess,
    attachments: storage ? await Promise.all(attachments.map((a) => attachmentView(storage, a))) : [],
    uploads: { enabled: storage !== null, maxBytes: deps.maxAttachmentBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES },
  };
}

function storageOf(deps: FullTextDeps): AttachmentStorage {
  if (!deps.storage) throw new InvalidRequestError('attachments are not configured on this server');
  return deps.storage;
}

/** The key an attachment is stored under. */
export function attachmentKey(reviewId: string, citationId: string, attachmentId: string): string {
  return `${reviewId}/${citationId}/${attachmentId}.pdf`;
}

export async function startAttachmentUpload(
  deps: FullTextDeps,
  protocol: Protocol,
  actor: Actor,
  citationId: string,
  file: { fileName: string; size: number },
): Promise<{ attachmentId: string; upload: UploadForm; maxBytes: number }> {
  listedReviewer(protocol, actor);
  const storage = storageOf(deps);
  await citationOf(deps, protocol, citationId);
  const maxBytes = deps.maxAttachmentBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES;
  if (file.size > maxBytes) {
    throw new InvalidRequestError(
      `${file.fileName} is ${file.size} bytes: attachments are limited to ${maxBytes} bytes`,
    );
  }
  const attachmentId = deps.newId();
  const upload = await storage.uploadForm(attachmentKey(protocol.id, citationId, attachmentId), {
    maxBytes,
    contentType: 'application/pdf',
    expiresInSeconds: UPLOAD_SECONDS,
  });
  return { attachmentId, upload, maxBytes };
}

export async function confirmAttachment(
  deps: FullTextDeps,
  protocol: Protocol,
  actor: Actor,
  citationId: string,
  attachmentId: string,
  file: { fileName: string },
): Promise<AttachmentView> {
  const reviewer = listedReviewer(protocol, actor);
  const storage = storageOf(deps);
  await citationOf(deps, protocol, citationId);
  const key = attachmentKey(protocol.id, citationId, attachmentId);
  const stored = await storage.inspect(key);
  if (!stored) throw new NotFoundError(`nothing was uploaded as attachment ${attachmentId}`);
  const maxBytes = deps.maxAttachmentBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES;
  if (stored.size > maxBytes)
    throw new InvalidRequestError(`the upload is ${stored.size} bytes, over the ${maxBytes}-byte limit`);
  if (!stored.head.subarray(0, 5).equals(Buffer.from('%PDF-'))) {
    throw new InvalidRequestError('the upload is not a PDF (it does not start with "%PDF-")');
  }
  const existing = (await deps.store.listAttachments(protocol.id, citationId)).find(
    (a) => a.attachmentId === attachmentId,
  );
  const attachment: Attachment = existing ?? {
    attachmentId,
    citationId,
    fileName: file.fileName,
    size: stored.size,
    key,
    uploadedBy: reviewer.id,
    uploadedAt: deps.clock().toISOString(),
  };
  if (!existing) await deps.store.putAttachment(protocol.id, attachment);
  return attachmentView(storage, attachment);
}
