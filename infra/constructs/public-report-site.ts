// The living reports as a public, read-only web site (context `publicReport=true`; off by default): a CloudFront
// distribution in front of the private report bucket, reaching it through origin access control (the bucket
// stays private: its policy lets only this distribution read, and only GET). Readers see
//
//   https://<domain>/reports/<reviewId>/             the latest report (index.html), short cache
//   https://<domain>/reports/<reviewId>/v<n>/         version n as published, cached long: it never changes
//   https://<domain>/reports/<reviewId>/status.json   last search, next due, records waiting (review-status.ts)
//
// A CloudFront Function (viewer request) serves index.html for a folder URL and answers 404 to anything outside
// reports/, so no other key of the bucket is ever fetched. Responses carry strict security headers; HTTP
// redirects to HTTPS. The distribution lives in the stateful stack because the bucket's policy (there) must
// name it; it holds no data, and deleting it deletes nothing the reviews produced.
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Function as CloudFrontFunction,
  Distribution,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type IBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** The key prefix the report function writes under (stateless-stack.ts REPORT_PREFIX), as a URL path. */
export const PUBLIC_REPORT_PATH = '/reports/';
/** How long a reader may see an older latest report or status after an update. */
export const LATEST_TTL = Duration.minutes(5);
/** A published version never changes. */
export const VERSION_TTL = Duration.days(365);

/**
 * The viewer-request function: `/reports/x/` -> `/reports/x/index.html`; anything outside /reports/ or with a
 * dot-segment -> 404. CloudFront Functions run the cloudfront-js-2.0 runtime (ES 5.1 plus some newer syntax).
 */
export const VIEWER_REQUEST_CODE = `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.indexOf('${PUBLIC_REPORT_PATH}') !== 0 || uri.indexOf('/../') !== -1 || uri.indexOf('/./') !== -1) {
    return { statusCode: 404, statusDescription: 'Not Found' };
  }
  if (uri.charAt(uri.length - 1) === '/') request.uri = uri + 'index.html';
  return request;
}`;

export class PublicReportSite extends Construct {
  readonly distribution: Distribution;
  /** https://<domain>, without a trailing slash (the report function's REPORT_PUBLIC_BASE_URL). */
  readonly baseUrl: string;

  constructor(scope: Construct, id: string, props: { reportBucket: IBucket }) {
    super(scope, id);

    const viewerRequest = new CloudFrontFunction(this, 'ViewerRequest', {
      code: FunctionCode.fromInline(VIEWER_REQUEST_CODE),
      runtime: FunctionRuntime.JS_2_0,
      comment: 'Living reports: folder URLs to index.html; nothing outside /reports/',
    });
    const headers = new ResponseHeadersPolicy(this, 'Headers', {
      comment: 'Living reports: strict security headers',
      securityHeadersBehavior: {
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        // The report is self-contained HTML with inline SVG and styles, and no script.
        contentSecurityPolicy: {
          contentSecurityPolicy:
            "default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
          override: true,
        },
      },
    });
    const latest = new CachePolicy(this, 'Latest', {
      comment: 'Living reports: the latest report and status, refreshed within minutes',
      defaultTtl: LATEST_TTL,
      maxTtl: LATEST_TTL,
      minTtl: Duration.seconds(0),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    const origin = S3BucketOrigin.withOriginAccessControl(props.reportBucket);
    const behavior = {
      origin,
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
      compress: true,
      responseHeadersPolicy: headers,
      functionAssociations: [{ function: viewerRequest, eventType: FunctionEventType.VIEWER_REQUEST }],
    };

    // CloudFront's standard logs need a bucket that accepts ACLs; kept 90 days (they name readers' addresses).
    const logs = new Bucket(this, 'Logs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(logs).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        "This bucket holds the public report site's CloudFront access logs; logging its own accesses would log the logging.",
    });

    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Living review reports (public, read-only)',
      defaultBehavior: { ...behavior, cachePolicy: latest },
      additionalBehaviors: {
        // Published versions: reports/<review>/v<n>/...
        [`${PUBLIC_REPORT_PATH.slice(1)}*/v*/*`]: {
          ...behavior,
          cachePolicy: new CachePolicy(this, 'Versions', {
            comment: 'Living reports: published versions, which never change',
            defaultTtl: VERSION_TTL,
            maxTtl: VERSION_TTL,
            minTtl: Duration.days(1),
            enableAcceptEncodingGzip: true,
            enableAcceptEncodingBrotli: true,
          }),
        },
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'cloudfront/',
    });
    this.baseUrl = `https://${this.distribution.distributionDomainName}`;

    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason: 'A published systematic review is for readers anywhere: no geographic restriction.',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR2',
      reason:
        'Static, read-only files with no forms, queries or cookies (GET and HEAD only, nothing outside /reports/); a WAF web ACL (about $5 a month) would cost more than the whole deployment. CloudFront keeps AWS Shield Standard.',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR4',
      reason:
        "The distribution uses CloudFront's own *.cloudfront.net certificate, whose viewer TLS policy CloudFront fixes; a custom domain with its ACM certificate (TLSv1.2_2021) is the operator's choice.",
    });
  }
}
