// The CDK app synthesized offline (no credentials, no network, functions bundled by the local esbuild), with
// cdk-nag's AwsSolutions checks registered: synth itself fails on any unacknowledged finding. Then the
// templates: the stateful stack's retention and table design, each function's runtime, size, logs and IAM,
// the schedules per protocol, the stream mapping, the screening API and the alarms.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { SCREENING_API_ROUTES } from '../../functions/screening-api/routes.ts';
import { FUNCTION_BUNDLES, PROJECT_ROOT } from '../../infra/bundling.ts';
import {
  ServiceFunction,
  TABLE_READ_ACTIONS,
  TABLE_WRITE_ACTIONS,
} from '../../infra/constructs/service-function.ts';
import { SEARCH_REQUEST_MAX_RECEIVES, SEARCH_REQUEST_VISIBILITY } from '../../infra/stacks/stateful-stack.ts';
import {
  pascalCase,
  REPORT_PREFIX,
  REPORT_STREAM_RETRY_ATTEMPTS,
  RUN_ASYNC_RETRY_ATTEMPTS,
  SCHEDULE_RETRY_ATTEMPTS,
  SEARCH_BATCH_SIZE,
  SEARCH_CONCURRENCY,
  SEARCH_MIN_REMAINING_SECONDS,
  STATS_STREAM_RETRY_ATTEMPTS,
} from '../../infra/stacks/stateless-stack.ts';
import {
  reportStreamFilterPatterns,
  streamFilterPatterns,
} from '../../shared/adapters/dynamodb/stream-filters.ts';
import {
  QUEUE_INDEX,
  QUEUE_PROJECTED_ATTRIBUTES,
  tableDefinition,
} from '../../shared/adapters/dynamodb/table-design.ts';
import {
  actionsOf,
  roleStatements,
  type SynthesizedApp,
  synthesize,
  twoProtocolDirectory,
} from './support.ts';

let s: SynthesizedApp;

beforeAll(() => {
  s = synthesize({
    alarmEmail: 'operator@example.org',
    ncbiApiKeySecret: 'living-review/ncbi-api-key',
    ncbiEmail: 'operator@example.org',
    unpaywallEmail: 'screening@example.org',
    logRetentionDays: '30',
    cognitoDomainPrefix: 'iesm-screening',
    sesSender: 'reviews@example.org',
    digestRecipients: 'team@example.org,editor@example.org',
    protocolsDir: twoProtocolDirectory(),
  });
}, 180_000);

const logicalId = (stack: Stack, construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as CfnFunction);
const functionId = (service: ServiceFunction) => logicalId(s.stateless, service.fn);
const roleId = (service: ServiceFunction) =>
  s.stateless.getLogicalId(service.role.node.defaultChild as CfnRole);
const services = () => [
  s.stateless.search,
  s.stateless.screening,
  s.stateless.stats,
  s.stateless.retractions,
  s.stateless.report!,
  s.stateless.digest!,
];
/** The scheduled functions and how many hours after the protocol's cron each runs. */
const scheduled = () =>
  [
    [s.stateless.search, 0],
    [s.stateless.report!, 1],
    [s.stateless.digest!, 2],
    [s.stateless.retractions, 3],
  ] as const;
type Attribute = 'Ref' | 'Arn' | 'StreamArn' | 'QueueName';
/** The export name the stateless stack imports a stateful resource's Ref or attribute by. */
const exportPattern = (resource: { node: { defaultChild?: unknown } }, attribute: Attribute) => {
  const id = s.stateful.getLogicalId(resource.node.defaultChild as CfnRole);
  return `^LivingReviewData:ExportsOutput${attribute === 'Ref' ? `Ref${id}` : `FnGetAtt${id}${attribute}`}`;
};
/** For Template matchers. */
const importMatch = (resource: { node: { defaultChild?: unknown } }, attribute: Attribute) =>
  Match.objectLike({ 'Fn::ImportValue': Match.stringLikeRegexp(exportPattern(resource, attribute)) });
/** For vitest's toEqual / toMatchObject. */
const importOf = (resource: { node: { defaultChild?: unknown } }, attribute: Attribute) => ({
  'Fn::ImportValue': expect.stringMatching(new RegExp(exportPattern(resource, attribute))),
});

describe('Stack: stateful (evidence, retained)', () => {
  it('declares the table exactly as table-design.ts does: keys, the "queue" index, on-demand', () => {
    const design = tableDefinition('living-review');
    s.data.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: design.KeySchema,
      AttributeDefinitions: Match.arrayWith(design.AttributeDefinitions!.map((a) => Match.objectLike(a))),
      BillingMode: 'PAY_PER_REQUEST',
      GlobalSecondaryIndexes: [
        {
          IndexName: QUEUE_INDEX,
          KeySchema: design.GlobalSecondaryIndexes![0]!.KeySchema,
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: QUEUE_PROJECTED_ATTRIBUTES },
        },
      ],
    });
  });

  it('streams new and old images, keeps point-in-time recovery, is encrypted and protected from deletion', () => {
    s.data.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        SSESpecification: { SSEEnabled: true },
      }),
    });
  });

  it('retains every resource that holds data when the stack is deleted', () => {
    for (const type of [
      'AWS::DynamoDB::Table',
      'AWS::S3::Bucket',
      'AWS::SQS::Queue',
      'AWS::Cognito::UserPool',
      'AWS::SNS::Topic',
    ]) {
      const resources = Object.values(s.data.findResources(type));
      expect(resources.length, type).toBeGreaterThan(0);
      for (const resource of resources) expect(resource.DeletionPolicy, type).toBe('Retain');
    }
  });

  it('keeps the report bucket private, versioned, encrypted and TLS-only, with access logs', () => {
    s.data.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({})] },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'report/' }),
    });
    const policies = Object.values(s.data.findResources('AWS::S3::BucketPolicy'));
    const reportPolicy = policies.find((p) =>
      JSON.stringify(p.Properties.Bucket).includes(
        s.stateful.getLogicalId(s.stateful.reportBucket.node.defaultChild as CfnRole),
      ),
    );
    expect(reportPolicy?.Properties.PolicyDocument.Statement).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      ]),
    );
  });

  it('encrypts every dead-letter queue, keeps messages 14 days, refuses non-TLS access', () => {
    const queues = s.data.findResources('AWS::SQS::Queue');
    const searchRequests = logicalId(s.stateful, s.stateful.searchRequests);
    const deadLetters = Object.entries(queues).filter(([id]) => id !== searchRequests);
    expect(deadLetters).toHaveLength(4);
    for (const [, queue] of deadLetters) {
      expect(queue.Properties).toMatchObject({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 86_400,
      });
      expect(queue.Properties.RedrivePolicy).toBeUndefined();
    }
    const policies = Object.values(s.data.findResources('AWS::SQS::QueuePolicy'));
    expect(policies).toHaveLength(5);
    for (const policy of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 'sqs:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
  });

  it('queues search requests FIFO with a FIFO dead-letter queue, hidden six times the search timeout', () => {
    const queues = s.data.findResources('AWS::SQS::Queue');
    const requests = queues[logicalId(s.stateful, s.stateful.searchRequests)];
    const deadLetters = logicalId(s.stateful, s.stateful.searchRequestDeadLetters);
    expect(requests?.Properties).toEqual({
      FifoQueue: true,
      ContentBasedDeduplication: true,
      VisibilityTimeout: SEARCH_REQUEST_VISIBILITY.toSeconds(),
      MessageRetentionPeriod: 4 * 86_400,
      SqsManagedSseEnabled: true,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [deadLetters, 'Arn'] },
        maxReceiveCount: SEARCH_REQUEST_MAX_RECEIVES,
      },
    });
    expect(queues[deadLetters]?.Properties).toMatchObject({ FifoQueue: true });
    expect(requests?.DeletionPolicy).toBe('Retain');
    // AWS's advice for a queue a Lambda polls: visibility at least six times the function's timeout.
    const searchFn = s.stack.toJSON().Resources[functionId(s.stateless.search)];
    expect(SEARCH_REQUEST_VISIBILITY.toSeconds()).toBeGreaterThanOrEqual(6 * searchFn.Properties.Timeout);
  });

  it("encrypts the alarm topic with its own rotated KMS key, which only this app's alarms may publish with", () => {
    const keys = s.data.findResources('AWS::KMS::Key');
    expect(Object.keys(keys)).toHaveLength(1);
    const [keyId, key] = Object.entries(keys)[0]!;
    expect(key.DeletionPolicy).toBe('Retain');
    expect(key.Properties.EnableKeyRotation).toBe(true);
    s.data.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });

    // The confused-deputy conditions: CloudWatch acting for an alarm of the app stack, in this account.
    const alarmsOfTheApp = {
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      ArnLike: {
        'aws:SourceArn': {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':cloudwatch:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':alarm:LivingReviewApp-*',
            ],
          ],
        },
      },
    };
    const keyStatements = key.Properties.KeyPolicy.Statement as {
      Principal: { Service?: string; AWS?: unknown };
      Action: string | string[];
      Condition?: unknown;
    }[];
    const services = keyStatements.filter((statement) => statement.Principal.Service);
    expect(services).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
        Condition: alarmsOfTheApp,
      }),
    ]);
    const topicPolicy = Object.values(s.data.findResources('AWS::SNS::TopicPolicy'))[0]!;
    expect(topicPolicy.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Condition: alarmsOfTheApp,
      }),
    );
    // Every alarm is named so the condition matches it.
    for (const alarm of Object.values(s.stack.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmName).toMatch(/^LivingReviewApp-/);
    }
  });

  it('subscribes the operator to the alarm topic; reviewers cannot sign up and need TOTP MFA', () => {
    s.data.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'operator@example.org',
    });
    s.data.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: Match.objectLike({ AllowAdminCreateUserOnly: true }),
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12, RequireSymbols: true }) },
    });
  });
});

describe('Stack: stateless (functions and wiring)', () => {
  it('has one function per functions/ folder with a handler, each listed in infra/bundling.ts', () => {
    const folders = readdirSync(join(PROJECT_ROOT, 'functions')).filter((name) =>
      existsSync(join(PROJECT_ROOT, 'functions', name, 'handler.ts')),
    );
    expect(FUNCTION_BUNDLES.map((b) => b.name).sort()).toEqual(folders.sort());
    const wired = s.stateless.node.children.filter((c): c is ServiceFunction => c instanceof ServiceFunction);
    expect(wired.map((w) => w.name).sort()).toEqual(folders.sort());
    expect(Object.keys(s.stack.findResources('AWS::Lambda::Function'))).toHaveLength(folders.length);
  });

  it('runs every function on Node.js 24, ARM64, JSON logs into its own log group, source maps on', () => {
    const sizes = {
      'search-review': [1024, 900],
      'screening-api': [512, 10],
      'recompute-stats': [1024, 300],
      'publish-report': [1024, 300],
      'send-digest': [512, 120],
      'watch-retractions': [512, 600],
    };
    for (const service of services()) {
      const [memory, timeout] = sizes[service.name as keyof typeof sizes];
      const fn = s.stack.toJSON().Resources[functionId(service)];
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: memory,
        Timeout: timeout,
        LoggingConfig: {
          LogFormat: 'JSON',
          LogGroup: { Ref: s.stateless.getLogicalId(service.logGroup.node.defaultChild as CfnRole) },
        },
        Environment: {
          Variables: expect.objectContaining({
            NODE_OPTIONS: '--enable-source-maps',
            POWERTOOLS_SERVICE_NAME: service.name,
            LIVING_REVIEW_TABLE: expect.anything(),
          }),
        },
      });
    }
    const groups = Object.values(s.stack.findResources('AWS::Logs::LogGroup'));
    expect(groups).toHaveLength(services().length + 1);
    for (const group of groups) expect(group.Properties.RetentionInDays).toBe(30);
  });

  it('bundles each function with its run-time files: protocols as JSON, the screening page', () => {
    const assetDir = (service: ServiceFunction) =>
      join(s.outdir, s.stack.toJSON().Resources[functionId(service)].Metadata['aws:asset:path']);
    for (const service of services()) {
      expect(existsSync(join(assetDir(service), 'index.mjs')), service.name).toBe(true);
      expect(existsSync(join(assetDir(service), 'index.mjs.map')), service.name).toBe(true);
      expect(readdirSync(join(assetDir(service), 'protocols')).sort()).toEqual([
        'iesm.json',
        'spinal-cord-compression.json',
      ]);
    }
    expect(readdirSync(join(assetDir(s.stateless.screening), 'web', 'screening')).sort()).toEqual(
      readdirSync(join(PROJECT_ROOT, 'web', 'screening')).sort(),
    );
    const protocol = JSON.parse(
      readFileSync(join(assetDir(s.stateless.search), 'protocols', 'iesm.json'), 'utf8'),
    );
    expect(protocol).toMatchObject({ id: 'iesm', schedule: { cron: '0 6 ? * MON *' } });
  });

  it('makes one schedule per protocol and scheduled function, in UTC, with retries and a dead-letter queue', () => {
    const schedules = Object.values(s.stack.findResources('AWS::Scheduler::Schedule'));
    expect(schedules).toHaveLength(2 * scheduled().length);
    for (const [service, offset] of scheduled()) {
      for (const [reviewId, hour, rest] of [
        ['iesm', 6, '? * MON *'],
        ['spinal-cord-compression', 5, '? * THU *'],
      ] as const) {
        const minute = reviewId === 'iesm' ? 0 : 30;
        s.stack.hasResourceProperties('AWS::Scheduler::Schedule', {
          ScheduleExpression: `cron(${minute} ${hour + offset} ${rest})`,
          ScheduleExpressionTimezone: 'Etc/UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: {
            ...(service === s.stateless.search
              ? {
                  // The search schedules send to the search-request queue, in the review's message group.
                  Arn: importMatch(s.stateful.searchRequests, 'Arn'),
                  SqsParameters: { MessageGroupId: reviewId },
                }
              : { Arn: { 'Fn::GetAtt': [functionId(service), 'Arn'] } }),
            Input: JSON.stringify({
              reviewId,
              scheduledTime: '<aws.scheduler.scheduled-time>',
              executionId: '<aws.scheduler.execution-id>',
            }),
            RetryPolicy: {
              MaximumRetryAttempts: SCHEDULE_RETRY_ATTEMPTS,
              MaximumEventAgeInSeconds: 6 * 3600,
            },
            DeadLetterConfig: { Arn: importMatch(s.stateful.scheduleDeadLetters, 'Arn') },
            RoleArn: Match.anyValue(),
          },
        });
      }
    }
  });

  it('delivers the event the search function contract test uses (test/fixtures/events/scheduled-iesm.json)', () => {
    const fixture = JSON.parse(
      readFileSync(join(PROJECT_ROOT, 'test', 'fixtures', 'events', 'scheduled-iesm.json'), 'utf8'),
    ) as Record<string, string>;
    const schedule = Object.values(s.stack.findResources('AWS::Scheduler::Schedule')).find((r) =>
      (r.Properties.Target.Input as string).includes('"iesm"'),
    );
    expect(schedule).toBeDefined();
    const delivered = (schedule!.Properties.Target.Input as string)
      .replace('<aws.scheduler.scheduled-time>', fixture.scheduledTime!)
      .replace('<aws.scheduler.execution-id>', fixture.executionId!);
    expect(JSON.parse(delivered)).toEqual(fixture);
  });

  it('retries a failed scheduled run twice, then sends it to the run dead-letter queue', () => {
    const invoked = scheduled().filter(([service]) => service !== s.stateless.search);
    expect(Object.keys(s.stack.findResources('AWS::Lambda::EventInvokeConfig'))).toHaveLength(invoked.length);
    for (const [service] of invoked) {
      s.stack.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: functionId(service) },
        MaximumRetryAttempts: RUN_ASYNC_RETRY_ATTEMPTS,
        MaximumEventAgeInSeconds: 6 * 3600,
        DestinationConfig: { OnFailure: { Destination: importMatch(s.stateful.runDeadLetters, 'Arn') } },
      });
    }
  });

  it('feeds the search function from the search-request queue: partial batch responses, two at once', () => {
    const mappings = Object.values(s.stack.findResources('AWS::Lambda::EventSourceMapping'));
    const search = mappings.filter((m) => m.Properties.FunctionName.Ref === functionId(s.stateless.search));
    expect(search).toHaveLength(1);
    expect(search[0]?.Properties).toEqual({
      FunctionName: { Ref: functionId(s.stateless.search) },
      EventSourceArn: importOf(s.stateful.searchRequests, 'Arn'),
      BatchSize: SEARCH_BATCH_SIZE,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: SEARCH_CONCURRENCY },
    });
    // Each of the concurrent searches keeps to its share of NCBI's rate, and leaves a batch's last requests
    // for another invocation rather than start them with too little time left.
    const env = s.stack.toJSON().Resources[functionId(s.stateless.search)].Properties.Environment.Variables;
    expect(env).toMatchObject({
      SEARCH_CONCURRENCY: String(SEARCH_CONCURRENCY),
      SEARCH_MIN_REMAINING_SECONDS: String(SEARCH_MIN_REMAINING_SECONDS),
    });
    const searchFn = s.stack.toJSON().Resources[functionId(s.stateless.search)];
    expect(SEARCH_MIN_REMAINING_SECONDS).toBeLessThan(searchFn.Properties.Timeout);
  });

  it('feeds the statistics function from the table stream, filtered to inclusions and patient rows', () => {
    const mappings = Object.values(s.stack.findResources('AWS::Lambda::EventSourceMapping'));
    expect(mappings).toHaveLength(3);
    const stats = mappings.find((m) => m.Properties.FunctionName.Ref === functionId(s.stateless.stats));
    expect(stats?.Properties).toMatchObject({
      EventSourceArn: importOf(s.stateful.table, 'StreamArn'),
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: STATS_STREAM_RETRY_ATTEMPTS,
      MaximumRecordAgeInSeconds: 86_400,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ParallelizationFactor: 1,
      DestinationConfig: { OnFailure: { Destination: importOf(s.stateful.streamDeadLetters, 'Arn') } },
      FilterCriteria: { Filters: streamFilterPatterns.map((p) => ({ Pattern: JSON.stringify(p) })) },
    });
    const pattern = JSON.stringify(stats?.Properties.FilterCriteria);
    expect(pattern).toContain('STUDY#');
    expect(pattern).toContain('PATIENT#');
  });

  it('feeds the report function from the stream too, filtered to the snapshot pointer and new notices', () => {
    const mappings = Object.values(s.stack.findResources('AWS::Lambda::EventSourceMapping'));
    const report = mappings.find((m) => m.Properties.FunctionName.Ref === functionId(s.stateless.report!));
    expect(report?.Properties).toMatchObject({
      EventSourceArn: importOf(s.stateful.table, 'StreamArn'),
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 10,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: REPORT_STREAM_RETRY_ATTEMPTS,
      MaximumRecordAgeInSeconds: 86_400,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: importOf(s.stateful.streamDeadLetters, 'Arn') } },
      FilterCriteria: { Filters: reportStreamFilterPatterns.map((p) => ({ Pattern: JSON.stringify(p) })) },
    });
  });

  it('puts every screening route behind the Cognito JWT authorizer except the page and its files', () => {
    const routes = Object.values(s.stack.findResources('AWS::ApiGatewayV2::Route'));
    expect(routes).toHaveLength(SCREENING_API_ROUTES.length);
    const authorizerId = Object.keys(s.stack.findResources('AWS::ApiGatewayV2::Authorizer'))[0];
    for (const spec of SCREENING_API_ROUTES) {
      const route = routes.find((r) => r.Properties.RouteKey === `${spec.method} ${spec.path}`);
      expect(route, `${spec.method} ${spec.path}`).toBeDefined();
      if (spec.auth === 'jwt') {
        expect(route?.Properties).toMatchObject({
          AuthorizationType: 'JWT',
          AuthorizerId: { Ref: authorizerId },
        });
      } else {
        expect(route?.Properties.AuthorizationType).toBe('NONE');
      }
    }
    s.stack.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Audience: [Match.anyValue()], Issuer: Match.anyValue() },
    });
    s.stack.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AccessLogSettings: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('context.requestId'),
      },
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
    s.stack.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'iesm-screening' });
  });

  it('signs reviewers in with the authorization code flow and PKCE, never the implicit flow', () => {
    const clients = Object.entries(s.stack.findResources('AWS::Cognito::UserPoolClient'));
    expect(clients).toHaveLength(1);
    const [clientId, client] = clients[0]!;
    // A public client (the page holds no secret): the code is only worth something with the page's verifier.
    expect(client.Properties).toMatchObject({
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      GenerateSecret: false,
      CallbackURLs: [expect.anything()],
    });
    // The page learns where to sign in from its function's environment; no output hands out a token URL.
    const env =
      s.stack.toJSON().Resources[functionId(s.stateless.screening)].Properties.Environment.Variables;
    expect(env).toMatchObject({
      COGNITO_CLIENT_ID: { Ref: clientId },
      COGNITO_DOMAIN_URL: expect.anything(),
      SCREENING_URL: expect.anything(),
    });
    expect(JSON.stringify(env.SCREENING_URL)).toEqual(JSON.stringify(client.Properties.CallbackURLs[0]));
    expect(JSON.stringify(s.stack.toJSON().Outputs)).not.toMatch(/response_type=token/);
  });

  it('alarms the operator on errors and throttles of every function and on every dead-letter queue', () => {
    const alarms = Object.values(s.stack.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(services().length * 2 + 4 + 1);
    for (const alarm of alarms) {
      const waiting = alarm.Properties.MetricName === 'ApproximateAgeOfOldestMessage';
      expect(alarm.Properties).toMatchObject({
        Threshold: waiting ? 8 * 3600 : 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [importOf(s.stateful.alarmTopic, 'Ref')],
        OKActions: [importOf(s.stateful.alarmTopic, 'Ref')],
      });
    }
    const metrics = alarms.map((a) => `${a.Properties.Namespace}/${a.Properties.MetricName}`);
    expect(metrics.filter((m) => m === 'AWS/Lambda/Errors')).toHaveLength(services().length);
    expect(metrics.filter((m) => m === 'AWS/Lambda/Throttles')).toHaveLength(services().length);
    expect(metrics.filter((m) => m === 'AWS/SQS/ApproximateNumberOfMessagesVisible')).toHaveLength(4);
    const waiting = alarms.filter((a) => a.Properties.MetricName === 'ApproximateAgeOfOldestMessage');
    expect(waiting).toHaveLength(1);
    expect(waiting[0]?.Properties.Dimensions).toEqual([
      { Name: 'QueueName', Value: importOf(s.stateful.searchRequests, 'QueueName') },
    ]);
    const deadLetterQueues = alarms
      .filter((a) => a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible')
      .map((a) => JSON.stringify(a.Properties.Dimensions));
    expect(deadLetterQueues.join()).toContain(
      s.stateful.getLogicalId(s.stateful.searchRequestDeadLetters.node.defaultChild as CfnRole),
    );
  });
});

describe('Least privilege: IAM per function', () => {
  const tableResources = () => [
    importOf(s.stateful.table, 'Arn'),
    { 'Fn::Join': ['', [importOf(s.stateful.table, 'Arn'), `/index/${QUEUE_INDEX}`]] },
  ];

  it('gives each function role only inline statements: no managed policy, no wildcard action', () => {
    for (const service of services()) {
      const role = s.stack.toJSON().Resources[roleId(service)];
      expect(role.Properties.ManagedPolicyArns, service.name).toBeUndefined();
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        expect.objectContaining({ Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }),
      ]);
    }
    for (const policy of Object.values(s.stack.findResources('AWS::IAM::Policy'))) {
      for (const statement of policy.Properties.PolicyDocument.Statement) {
        for (const action of actionsOf(statement)) expect(action).not.toMatch(/\*/);
        if (statement.Resource === '*') expect(statement.Action).toBe('dynamodb:ListStreams');
      }
    }
  });

  it('search-review: its log group, the table and queue index, the api key secret, the search-request queue', () => {
    const statements = roleStatements(s.stack, roleId(s.stateless.search));
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: {
          'Fn::GetAtt': [
            s.stateless.getLogicalId(s.stateless.search.logGroup.node.defaultChild as CfnRole),
            'Arn',
          ],
        },
      },
      {
        Sid: 'TableReadWrite',
        Effect: 'Allow',
        Action: [...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS].sort(),
        Resource: tableResources(),
      },
      {
        Effect: 'Allow',
        Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
        Resource: expect.objectContaining({
          'Fn::Join': ['', expect.arrayContaining([':secret:living-review/ncbi-api-key-??????'])],
        }),
      },
      {
        Effect: 'Allow',
        Action: [
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:GetQueueUrl',
          'sqs:ReceiveMessage',
        ],
        Resource: importOf(s.stateful.searchRequests, 'Arn'),
      },
    ]);
    const env = s.stack.toJSON().Resources[functionId(s.stateless.search)].Properties.Environment.Variables;
    expect(env.NCBI_API_KEY_SECRET_ARN).toBeDefined();
    expect(env.NCBI_API_KEY).toBeUndefined();
    expect(env).toMatchObject({
      LIVING_REVIEW_PROTOCOLS: '/var/task/protocols',
      NCBI_EMAIL: 'operator@example.org',
      EUROPEPMC_EMAIL: 'operator@example.org',
    });
  });

  it("screening-api: its log group, the table, and put/get on the attachment bucket's objects, nothing else", () => {
    const statements = roleStatements(s.stack, roleId(s.stateless.screening));
    expect(statements.map((st) => st.Sid ?? actionsOf(st)[0])).toEqual([
      'logs:CreateLogStream',
      'TableReadWrite',
      'AttachmentReadWrite',
    ]);
    expect(statements[1]?.Resource).toEqual(tableResources());
    // The order of a statement's actions means nothing to IAM (and follows the CDK's feature flags).
    expect(actionsOf(statements[2]!).sort()).toEqual(['s3:GetObject', 's3:PutObject']);
    expect(statements[2]).toMatchObject({
      Resource: { 'Fn::Join': ['', [{ 'Fn::ImportValue': 'LivingReviewData-AttachmentBucketArn' }, '/*']] },
    });
    const env = s.stack.findResources('AWS::Lambda::Function', {
      Properties: { Description: Match.stringLikeRegexp('^Screening page') },
    });
    const variables = Object.values(env)[0]?.Properties.Environment.Variables;
    expect(variables).toMatchObject({
      UNPAYWALL_EMAIL: 'screening@example.org',
      ATTACHMENTS_BUCKET: { 'Fn::ImportValue': expect.stringContaining('AttachmentBucket') },
    });
  });

  it('keeps the attachment bucket private, versioned, encrypted and TLS-only, open to POSTs from the API only', () => {
    const bucketId = s.stateful.getLogicalId(s.stateful.attachmentBucket.node.defaultChild as CfnRole);
    const bucket = s.data.findResources('AWS::S3::Bucket')[bucketId]!;
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties).toMatchObject({
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: expect.objectContaining({ LogFilePrefix: 'attachments/' }),
      CorsConfiguration: {
        CorsRules: [
          {
            AllowedMethods: ['POST'],
            AllowedOrigins: [
              { 'Fn::Join': ['', ['https://*.execute-api.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
            ],
            AllowedHeaders: ['*'],
            MaxAge: 3000,
          },
        ],
      },
    });
    const policy = Object.values(s.data.findResources('AWS::S3::BucketPolicy')).find((p) =>
      JSON.stringify(p.Properties.Bucket).includes(bucketId),
    );
    expect(policy?.Properties.PolicyDocument.Statement).toEqual([
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ]);
  });

  it('recompute-stats: its log group, the table, the table stream, its dead-letter queue', () => {
    const statements = roleStatements(s.stack, roleId(s.stateless.stats));
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Sid: 'TableReadWrite', Resource: tableResources() }),
        expect.objectContaining({
          Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
          Resource: importOf(s.stateful.table, 'StreamArn'),
        }),
        expect.objectContaining({ Action: 'dynamodb:ListStreams', Resource: '*' }),
        expect.objectContaining({
          Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
          Resource: importOf(s.stateful.streamDeadLetters, 'Arn'),
        }),
      ]),
    );
    expect(statements).toHaveLength(5);
    expect(JSON.stringify(statements)).not.toContain('secretsmanager');
  });

  it('watch-retractions: its log group, the table, the api key secret, the run dead-letter queue', () => {
    const statements = roleStatements(s.stack, roleId(s.stateless.retractions));
    expect(statements.map((st) => st.Sid ?? actionsOf(st)[0])).toEqual([
      'logs:CreateLogStream',
      'TableReadWrite',
      'secretsmanager:DescribeSecret',
      'sqs:GetQueueAttributes',
    ]);
    expect(statements[3]?.Resource).toEqual(importOf(s.stateful.runDeadLetters, 'Arn'));
  });

  it('publish-report: report objects under reports/, PutEvents on the default bus, SES from the sender, the stream', () => {
    const statements = roleStatements(s.stack, roleId(s.stateless.report!));
    const bySid = (sid: string) => statements.find((st) => st.Sid === sid);
    expect(bySid('ReportWrite')).toEqual({
      Sid: 'ReportWrite',
      Effect: 'Allow',
      Action: 's3:PutObject',
      Resource: {
        'Fn::Join': ['', [{ 'Fn::ImportValue': 'LivingReviewData-ReportBucketArn' }, `/${REPORT_PREFIX}*`]],
      },
    });
    expect(bySid('SesSend')).toMatchObject({ Action: ['ses:SendEmail', 'ses:SendRawEmail'] });
    const identities = JSON.stringify(bySid('SesSend')?.Resource);
    expect(identities).toContain(':identity/reviews@example.org');
    expect(identities).toContain(':identity/example.org');
    const putEvents = statements.find((st) => actionsOf(st).includes('events:PutEvents'));
    expect(JSON.stringify(putEvents?.Resource)).toContain(':event-bus/default');
    expect(statements.map((st) => st.Sid ?? actionsOf(st)[0]).sort()).toEqual(
      [
        'logs:CreateLogStream',
        'TableReadWrite',
        'ReportWrite',
        'events:PutEvents',
        'SesSend',
        // both dead-letter queues in one statement (@aws-cdk/aws-iam:minimizePolicies merges them)
        'sqs:GetQueueAttributes',
        'dynamodb:ListStreams',
        'dynamodb:DescribeStream',
      ].sort(),
    );
    const env = s.stack.toJSON().Resources[functionId(s.stateless.report!)].Properties.Environment.Variables;
    expect(env).toMatchObject({
      REPORT_PREFIX,
      EVENT_BUS_NAME: 'default',
      DIGEST_FROM: 'reviews@example.org',
      DIGEST_RECIPIENTS: 'team@example.org,editor@example.org',
      REPORT_BUCKET: importOf(s.stateful.reportBucket, 'Ref'),
    });
  });

  it('send-digest: its log group, the table, SES from the sender, the run dead-letter queue; links the screening page', () => {
    const statements = roleStatements(s.stack, roleId(s.stateless.digest!));
    expect(statements.map((st) => st.Sid ?? actionsOf(st)[0])).toEqual([
      'logs:CreateLogStream',
      'TableReadWrite',
      'SesSend',
      'sqs:GetQueueAttributes',
    ]);
    const env = s.stack.toJSON().Resources[functionId(s.stateless.digest!)].Properties.Environment.Variables;
    expect(env).toMatchObject({
      DIGEST_FROM: 'reviews@example.org',
      DIGEST_RECIPIENTS: 'team@example.org,editor@example.org',
    });
    expect(JSON.stringify(env.SCREENING_BASE_URL)).toContain('.execute-api.');
  });

  it('lets the schedules invoke only the scheduled functions, send search requests and write their dead-letter queue', () => {
    const role = Object.entries(s.stack.findResources('AWS::IAM::Role')).find(([, r]) =>
      JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('scheduler.amazonaws.com'),
    );
    expect(role).toBeDefined();
    expect(role![1].Properties.AssumeRolePolicyDocument.Statement[0].Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
    });
    const statements = roleStatements(s.stack, role![0]);
    expect(new Set(statements.flatMap(actionsOf))).toEqual(
      new Set(['lambda:InvokeFunction', 'sqs:SendMessage']),
    );
    const invoked = JSON.stringify(
      statements.filter((st) => actionsOf(st).includes('lambda:InvokeFunction')),
    );
    for (const [service] of scheduled()) {
      if (service !== s.stateless.search) expect(invoked).toContain(functionId(service));
    }
    for (const other of [s.stateless.screening, s.stateless.stats, s.stateless.search])
      expect(invoked).not.toContain(functionId(other));
    const sent = statements
      .filter((st) => actionsOf(st).includes('sqs:SendMessage'))
      .flatMap((st) => (Array.isArray(st.Resource) ? st.Resource : [st.Resource]));
    expect(sent).toHaveLength(2);
    expect(sent).toEqual(
      expect.arrayContaining([
        importOf(s.stateful.scheduleDeadLetters, 'Arn'),
        importOf(s.stateful.searchRequests, 'Arn'),
      ]),
    );
  });
});

describe('Outputs', () => {
  it('names every function, for the operate steps (aws lambda invoke --function-name ...)', () => {
    const outputs = s.stack.toJSON().Outputs as Record<string, { Value: unknown }>;
    for (const service of services()) {
      expect(outputs[`${pascalCase(service.name)}FunctionName`]?.Value, service.name).toEqual({
        Ref: functionId(service),
      });
    }
    expect(pascalCase('search-pubmed')).toBe('SearchPubmed');
  });
});
