// ReportPublisher over S3: each file is a PutObject under `<prefix><reviewId>/<path>` in the report bucket
// (versioned by the stateful stack, so every published version of a report is kept). index.html files go last,
// so a reader never gets a page whose plots are not uploaded yet. The URL given to subscribers is
// REPORT_PUBLIC_BASE_URL + key when a public base URL (a CloudFront distribution) is configured, else null.
//
// @aws-sdk/client-s3 is loaded on the first publish (a dynamic import, once per process), not with this module:
// publish-report imports it at init, but an invocation whose report is unchanged (or has no snapshot yet) uploads
// nothing, so the function's init pays only for what every invocation needs (bench/bundle.bench.ts measures it).
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { errorMessage, InputError, LivingReviewError } from '../../errors.ts';
import {
  isSafeReportPath,
  type PublishedReport,
  type ReportFile,
  type ReportPublisher,
} from '../../ports/report-publisher.ts';
import { loadOnce } from '../load-once.ts';
import { publicationOrder } from './local-publisher.ts';

/** @aws-sdk/client-s3, imported on first use. */
const loadS3Sdk = loadOnce(() => import('@aws-sdk/client-s3'));

/** S3 refused or failed an upload. */
export class ReportUploadError extends LivingReviewError {}

export interface S3ReportPublisherOptions {
  bucket: string;
  /** Key prefix, e.g. "reports/" (default ""). */
  prefix?: string;
  /** A public base URL the keys are served under (ends with "/"), or none. */
  publicBaseUrl?: string | undefined;
  client?: S3Client;
  clientConfig?: S3ClientConfig;
}

export class S3ReportPublisher implements ReportPublisher {
  /** The client given, or the one built from `clientConfig` on first publish. */
  private client: S3Client | undefined;
  private readonly clientConfig: S3ClientConfig;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly publicBaseUrl: string | undefined;

  constructor(options: S3ReportPublisherOptions) {
    this.client = options.client;
    this.clientConfig = options.clientConfig ?? {};
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? '';
    this.publicBaseUrl = options.publicBaseUrl
      ? options.publicBaseUrl.endsWith('/')
        ? options.publicBaseUrl
        : `${options.publicBaseUrl}/`
      : undefined;
  }

  keyOf(reviewId: string, path: string): string {
    if (!isSafeReportPath(path) || !isSafeReportPath(reviewId) || reviewId.includes('/')) {
      throw new InputError(`report file ${reviewId}/${path} is not allowed`);
    }
    return `${this.prefix}${reviewId}/${path}`;
  }

  async publish(reviewId: string, files: readonly ReportFile[]): Promise<PublishedReport> {
    const { PutObjectCommand, S3Client } = await loadS3Sdk();
    this.client ??= new S3Client(this.clientConfig);
    for (const file of publicationOrder(files)) {
      const key = this.keyOf(reviewId, file.path);
      try {
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: key,
            Body: typeof file.body === 'string' ? Buffer.from(file.body, 'utf8') : file.body,
            ContentType: file.contentType,
            // The unversioned names (index.html, report.json) change with every version: revalidate.
            CacheControl: /^v\d+\//.test(file.path) ? 'public, max-age=31536000, immutable' : 'no-cache',
          }),
        );
      } catch (error) {
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        throw new ReportUploadError(
          `S3 PutObject s3://${this.bucket}/${key} failed: ${errorMessage(error)}`,
          {
            cause: error,
            retryable: status === undefined || status >= 500 || status === 429,
          },
        );
      }
    }
    const key = this.keyOf(reviewId, 'index.html');
    return { key, url: this.publicBaseUrl ? `${this.publicBaseUrl}${key}` : null };
  }
}
