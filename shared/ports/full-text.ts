// Ports of the full-text view: where an open-access copy of a work may be (Unpaywall, by DOI), what is cached
// and attached per citation, and where attached PDFs are kept (a folder under the data directory locally, a
// private S3 bucket on AWS: uploads go straight there through a signed, size- and type-limited form, and are
// read back through short-lived signed links; never public).

/** An open-access copy of a work, as Unpaywall's best location describes it. */
export interface OpenAccessLocation {
  /** The landing page or the PDF. */
  url: string;
  /** A direct PDF, when Unpaywall knows one. */
  pdfUrl: string | null;
  /** "publisher" or "repository". */
  hostType: string | null;
  license: string | null;
  /** "publishedVersion", "acceptedVersion", "submittedVersion". */
  version: string | null;
  /** The repository's name (e.g. "Europe PMC"), for a repository copy. */
  repository: string | null;
}

/** The answer about one DOI: an open-access copy, or none known. */
export interface OpenAccessAnswer {
  found: boolean;
  location: OpenAccessLocation | null;
}

export interface OpenAccessLookup {
  /** Throws an error (retryable or not) when the service failed; "none known" is an answer, not an error. */
  lookup(doi: string, options?: { signal?: AbortSignal }): Promise<OpenAccessAnswer>;
}

/** A lookup's answer as cached on the citation. */
export interface CachedOpenAccess extends OpenAccessAnswer {
  doi: string;
  checkedAt: string;
}

/** A PDF a reviewer attached to a citation. */
export interface Attachment {
  attachmentId: string;
  citationId: string;
  fileName: string;
  size: number;
  /** Where the storage keeps it (an object key / a file path under the attachments folder). */
  key: string;
  uploadedBy: string;
  uploadedAt: string;
}

export interface FullTextStore {
  getOpenAccess(reviewId: string, citationId: string): Promise<CachedOpenAccess | null>;
  /** Caches `answer` on the citation (a later check replaces an earlier one). */
  saveOpenAccess(reviewId: string, citationId: string, answer: CachedOpenAccess): Promise<void>;
  /** Records an attachment; recording the same id again is harmless. */
  putAttachment(reviewId: string, attachment: Attachment): Promise<void>;
  listAttachments(reviewId: string, citationId: string): Promise<Attachment[]>;
}

/** How a browser sends a file straight to storage: a multipart POST of `fields`, then the file as "file". */
export interface UploadForm {
  url: string;
  fields: Record<string, string>;
  expiresAt: string;
}

/** What the storage holds under a key. */
export interface StoredObject {
  size: number;
  contentType: string | null;
  /** The first bytes of the object (enough to check a PDF's "%PDF-" signature). */
  head: Buffer;
}

export interface AttachmentStorage {
  /** A form a browser may POST one file of at most `maxBytes` and type `contentType` to, under `key`. */
  uploadForm(
    key: string,
    limits: { maxBytes: number; contentType: string; expiresInSeconds: number },
  ): Promise<UploadForm>;
  /** What is stored under `key`, or null when nothing is. */
  inspect(key: string): Promise<StoredObject | null>;
  /** A link that reads the object for `expiresInSeconds`, shown inline as `fileName`. */
  readUrl(key: string, options: { expiresInSeconds: number; fileName: string }): Promise<string>;
  /** Origins the page must be allowed to reach (Content-Security-Policy): uploads and reads. */
  origins(): { connect: string[]; frame: string[] };
}
