// Port: where a review's living report is published. The S3 adapter writes objects under a prefix of the
// report bucket (shared/adapters/report/s3-publisher.ts); the local one writes files under
// <dataDir>/reports/<reviewId>/ (local-publisher.ts). Files are given with paths relative to the review's
// folder ("index.html", "report.json", "v3/index.html"); publishing the same file again overwrites it.
export interface ReportFile {
  /** Relative to the review's folder, "/"-separated, no "..". */
  path: string;
  contentType: string;
  body: string | Uint8Array;
}

export interface PublishedReport {
  /** Where index.html went: the S3 key or the file path. */
  key: string;
  /** A URL readers can open (the bucket's public base URL, or file://), or null when there is none. */
  url: string | null;
}

export interface ReportPublisher {
  publish(reviewId: string, files: readonly ReportFile[]): Promise<PublishedReport>;
}

/** A file path inside a review's folder is safe: relative, "/"-separated, no empty or dot segments. */
export function isSafeReportPath(path: string): boolean {
  return path
    .split('/')
    .every((part) => part !== '' && part !== '.' && part !== '..' && !part.includes('\\'));
}
