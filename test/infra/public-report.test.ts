// The public report site (-c publicReport=true, infra/constructs/public-report-site.ts): off by default; when on,
// a CloudFront distribution reads the private report bucket through origin access control only, serves only
// /reports/ (folder URLs as their index.html), caches published versions long and the latest report and
// status briefly, sends security headers, logs, and tells the report function its public address. cdk-nag
// passes with the site's acknowledgements (CFR1, CFR2, CFR4 on the distribution, S1 on its log bucket).
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { LATEST_TTL, VERSION_TTL, VIEWER_REQUEST_CODE } from '../../infra/constructs/public-report-site.ts';
import { acknowledgements, type SynthesizedApp, synthesize, twoProtocolDirectory } from './support.ts';

const context = { sesSender: 'reviews@example.org', protocolsDir: twoProtocolDirectory() };
let s: SynthesizedApp;

beforeAll(() => {
  s = synthesize({ ...context, publicReport: 'true' }, { bundle: false });
}, 180_000);

/** The viewer-request function, run as CloudFront runs it: handler(event) -> request or response. */
function viewerRequest(uri: string): { uri?: string; statusCode?: number } {
  const handler = new Function(`${VIEWER_REQUEST_CODE}; return handler;`)() as (event: unknown) => {
    uri?: string;
    statusCode?: number;
  };
  return handler({ request: { uri, method: 'GET', headers: {} } });
}

describe('Public report site', () => {
  it('is not deployed unless asked for', () => {
    const plain = synthesize(context, { bundle: false });
    expect(plain.stateful.publicReportSite).toBeUndefined();
    expect(Object.keys(plain.data.findResources('AWS::CloudFront::Distribution'))).toHaveLength(0);
    expect(plain.data.toJSON().Outputs.PublicReportsUrl).toBeUndefined();
  });

  it('reads the private bucket through origin access control, and only this distribution may', () => {
    s.data.resourceCountIs('AWS::CloudFront::Distribution', 1);
    s.data.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    s.data.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
      }),
    });
    const bucketId = s.stateful.getLogicalId(s.stateful.reportBucket.node.defaultChild as never);
    s.data.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    const policies = Object.values(s.data.findResources('AWS::S3::BucketPolicy')).filter(
      (policy) => JSON.stringify(policy.Properties.Bucket) === JSON.stringify({ Ref: bucketId }),
    );
    expect(policies).toHaveLength(1);
    const statements = policies[0]!.Properties.PolicyDocument.Statement as Record<string, unknown>[];
    const reads = statements.filter((st) =>
      JSON.stringify(st.Principal).includes('cloudfront.amazonaws.com'),
    );
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatchObject({ Effect: 'Allow', Action: 's3:GetObject' });
    expect(JSON.stringify(reads[0]!.Condition)).toContain('AWS:SourceArn');
    expect(JSON.stringify(reads[0]!.Condition)).toContain(':distribution/');
  });

  it('serves /reports/ only, over HTTPS, GET and HEAD, with folder URLs as index.html', () => {
    const [distribution] = Object.values(s.data.findResources('AWS::CloudFront::Distribution'));
    const config = distribution!.Properties.DistributionConfig;
    expect(config.DefaultCacheBehavior).toMatchObject({
      ViewerProtocolPolicy: 'redirect-to-https',
      AllowedMethods: ['GET', 'HEAD'],
      Compress: true,
    });
    expect(config.CacheBehaviors).toEqual([
      expect.objectContaining({ PathPattern: 'reports/*/v*/*', ViewerProtocolPolicy: 'redirect-to-https' }),
    ]);
    expect(config.Logging).toMatchObject({ Prefix: 'cloudfront/' });
    s.data.hasResourceProperties('AWS::CloudFront::Function', {
      FunctionConfig: Match.objectLike({ Runtime: 'cloudfront-js-2.0' }),
    });
    expect(viewerRequest('/reports/iesm/')).toMatchObject({ uri: '/reports/iesm/index.html' });
    expect(viewerRequest('/reports/iesm/v3/')).toMatchObject({ uri: '/reports/iesm/v3/index.html' });
    expect(viewerRequest('/reports/iesm/status.json')).toMatchObject({ uri: '/reports/iesm/status.json' });
    expect(viewerRequest('/')).toEqual({ statusCode: 404, statusDescription: 'Not Found' });
    expect(viewerRequest('/cloudfront/log.gz')).toMatchObject({ statusCode: 404 });
    expect(viewerRequest('/reports/../secret')).toMatchObject({ statusCode: 404 });
  });

  it('caches published versions for a year and the latest report and status for minutes', () => {
    const ttls = Object.values(s.data.findResources('AWS::CloudFront::CachePolicy')).map((policy) => {
      const c = policy.Properties.CachePolicyConfig;
      return [c.DefaultTTL, c.MaxTTL];
    });
    expect(ttls.sort()).toEqual(
      [
        [LATEST_TTL.toSeconds(), LATEST_TTL.toSeconds()],
        [VERSION_TTL.toSeconds(), VERSION_TTL.toSeconds()],
      ].sort(),
    );
  });

  it('sends strict security headers', () => {
    s.data.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.objectLike({
          ContentSecurityPolicy: Match.objectLike({
            ContentSecurityPolicy: Match.stringLikeRegexp("default-src 'none'"),
          }),
          FrameOptions: { FrameOption: 'DENY', Override: true },
          StrictTransportSecurity: Match.objectLike({ AccessControlMaxAgeSec: 31_536_000 }),
        }),
      }),
    });
  });

  it('gives the report function and the operator its address', () => {
    const outputs = s.data.toJSON().Outputs;
    expect(JSON.stringify(outputs.PublicReportsUrl.Value)).toContain('DomainName');
    const [report] = Object.values(s.stack.findResources('AWS::Lambda::Function')).filter((fn) =>
      JSON.stringify(fn.Properties.Environment?.Variables ?? {}).includes('REPORT_BUCKET'),
    );
    const base = report!.Properties.Environment.Variables.REPORT_PUBLIC_BASE_URL;
    expect(JSON.stringify(base)).toContain('Fn::ImportValue');
  });

  it('passes cdk-nag with the site acknowledged for what it is', () => {
    const acknowledged = acknowledgements(s.app);
    const site = [...acknowledged.entries()].filter(([path]) => path.includes('/PublicReports/'));
    expect(site.flatMap(([, rules]) => [...rules.keys()]).sort()).toEqual(
      ['CFR1', 'CFR2', 'CFR4', 'S1'].map((rule) => `Annotation::AwsSolutions-${rule}`).sort(),
    );
  });
});
