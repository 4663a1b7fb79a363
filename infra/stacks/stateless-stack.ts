// The code and its wiring: one ServiceFunction per folder in functions/, the schedules, the stream mappings, the
// screening API and the alarms. Nothing here holds evidence, so the stack can be destroyed and redeployed at
// will; everything it reads and writes lives in the stateful stack.
//
// Functions, each sized for its work (memory also buys CPU):
// | function | trigger | memory | timeout |
// |---|---|---|---|
// | search-review | the search-request queue (SQS FIFO), fed by a schedule per protocol (its cron); searches every source of the review | 1024 MB | 15 min: a first run backfills from monitoringStart |
// | screening-api | API Gateway HTTP API, Cognito JWT authorizer | 512 MB | 10 s (API Gateway gives up at 30 s) |
// | recompute-stats | table stream, filtered to STUDY# and PATIENT# items | 1024 MB | 5 min |
// | publish-report | table stream (SNAPSHOT_LATEST, NOTICE# inserts) and a schedule per protocol (+1 h) | 1024 MB | 5 min |
// | send-digest | a schedule per protocol (+2 h) | 512 MB | 2 min |
// | watch-retractions | a schedule per protocol (+3 h) | 512 MB | 10 min |
// publish-report and send-digest send mail through SES, so they deploy only with a sender (sesSender); without
// one the operator must say -c withoutMail=true (infra/config.ts).
import {
  Annotations,
  CfnOutput,
  type CfnResource,
  Duration,
  Fn,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  type HttpMethod,
  HttpNoneAuthorizer,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  type IUserPool,
  OAuthScope,
  UserPoolClient,
  UserPoolClientIdentityProvider,
  UserPoolDomain,
} from 'aws-cdk-lib/aws-cognito';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import {
  ContextAttribute,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
} from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke, SqsSendMessage } from 'aws-cdk-lib/aws-scheduler-targets';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Aws, RemovalPolicy, TimeZone } from 'aws-cdk-lib/core';
import type { Construct } from 'constructs';
import { SCREENING_API_ROUTES } from '../../functions/screening-api/routes.ts';
import {
  reportStreamFilterPatterns,
  streamFilterPatterns,
} from '../../shared/adapters/dynamodb/stream-filters.ts';
import type { Protocol } from '../../shared/domain/protocol/protocol.ts';
import { OperatorAlarms } from '../constructs/operator-alarms.ts';
import { ServiceFunction } from '../constructs/service-function.ts';
import { cronHoursLater, SCHEDULE_OFFSETS_HOURS, type ScheduledFunction } from '../schedules.ts';

export interface StatelessStackProps extends StackProps {
  table: ITable;
  reportBucket: IBucket;
  /** The stateful stack's named export of the report bucket's ARN. */
  reportBucketArnExportName: string;
  attachmentBucket: IBucket;
  /** The stateful stack's named export of the attachment bucket's ARN. */
  attachmentBucketArnExportName: string;
  /** The contact Unpaywall requires (UNPAYWALL_EMAIL); none: no open-access lookups. */
  unpaywallEmail?: string | undefined;
  userPool: IUserPool;
  alarmTopic: ITopic;
  scheduleDeadLetters: IQueue;
  runDeadLetters: IQueue;
  streamDeadLetters: IQueue;
  /** The FIFO queue the search schedules send to and the search function consumes. */
  searchRequests: IQueue;
  searchRequestDeadLetters: IQueue;
  /** The protocols read at synth time: one schedule of each scheduled function each. */
  protocols: readonly Protocol[];
  /** Where they were read from: bundled into the functions that read protocols at run time. */
  protocolsDir: string;
  logRetention: RetentionDays;
  ncbi: { apiKeySecret?: string | undefined; email?: string | undefined };
  /** The OpenAlex api key's secret; without one the citation watch runs on Europe PMC alone. */
  openAlex?: { apiKeySecret?: string | undefined };
  /** The SES sender of digests and trigger notices; without one, send-digest and publish-report are left out. */
  ses: { sender?: string | undefined; recipients?: readonly string[] | undefined };
  reportPublicBaseUrl?: string | undefined;
  cognitoDomainPrefix?: string | undefined;
}

/** Scheduler's retries of an invocation it could not deliver (throttled, Lambda unavailable). */
export const SCHEDULE_RETRY_ATTEMPTS = 4;
/** Lambda's own retries of a scheduled run that failed (NCBI down for a while, a store hiccup). */
export const RUN_ASYNC_RETRY_ATTEMPTS = 2;
/** Stream batches: retried this often (bisected on error), then their positions go to the DLQ. */
export const STATS_STREAM_RETRY_ATTEMPTS = 5;
export const REPORT_STREAM_RETRY_ATTEMPTS = 3;
/**
 * Searches running at once, however many reviews are due (the search queue's maximum concurrency, the least
 * Lambda allows): each search keeps to 1/SEARCH_CONCURRENCY of NCBI's rate, so together they keep to it.
 */
export const SEARCH_CONCURRENCY = 2;
/** Search requests per invocation: run one after another, each review's in order. */
export const SEARCH_BATCH_SIZE = 5;
/** A search request is not started with less of the 15-minute invocation left (it waits for another). */
export const SEARCH_MIN_REMAINING_SECONDS = 300;
/** Where the living report's files go in the report bucket: reports/<reviewId>/... */
export const REPORT_PREFIX = 'reports/';

/** "search-pubmed" -> "SearchPubmed". */
export function pascalCase(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

export class StatelessStack extends Stack {
  readonly search: ServiceFunction;
  readonly screening: ServiceFunction;
  readonly stats: ServiceFunction;
  readonly retractions: ServiceFunction;
  readonly report: ServiceFunction | undefined;
  readonly digest: ServiceFunction | undefined;
  /** Every schedule, by "<function> <reviewId>". */
  readonly schedules: Map<string, Schedule> = new Map();
  readonly screeningApi: HttpApi;
  readonly alarms: OperatorAlarms;
  private readonly schedulerRole: Role;
  private readonly reportBucketArnExportName: string;
  private readonly attachmentBucketArnExportName: string;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    this.reportBucketArnExportName = props.reportBucketArnExportName;
    this.attachmentBucketArnExportName = props.attachmentBucketArnExportName;
    const { table, logRetention, protocolsDir } = props;
    this.alarms = new OperatorAlarms(this, 'Alarms', props.alarmTopic);
    const ncbiKey = props.ncbi.apiKeySecret ? this.secret('NcbiApiKey', props.ncbi.apiKeySecret) : undefined;
    const openAlexKey = props.openAlex?.apiKeySecret
      ? this.secret('OpenAlexApiKey', props.openAlex.apiKeySecret)
      : undefined;
    const ncbiEnvironment = {
      NCBI_TOOL: 'living-review-monitor',
      ...(props.ncbi.email ? { NCBI_EMAIL: props.ncbi.email } : {}),
    };

    // One role for every schedule: it may invoke the scheduled functions (and, as CDK's grantInvoke writes it,
    // their versions) and send to the schedule dead-letter queue. Nothing else.
    this.schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'EventBridge Scheduler: invokes the scheduled living review functions',
    });

    // -------------------------------------------------------------------------------------------------
    // search-review: one monitor cycle per review, on the review's schedule, through the search-request queue.
    this.search = new ServiceFunction(this, {
      name: 'search-review',
      description: "Searches one review's sources ({ reviewId }), deduplicates and queues new citations",
      memorySize: 1024,
      // The queue's visibility timeout is six times this (stateful-stack.ts); change both together.
      timeout: Duration.minutes(15),
      logRetention,
      protocolsDir,
      environment: {
        ...ncbiEnvironment,
        // Europe PMC and OpenAlex, for protocols that list them, are asked with the same contact address.
        ...(props.ncbi.email ? { EUROPEPMC_EMAIL: props.ncbi.email, OPENALEX_EMAIL: props.ncbi.email } : {}),
        SEARCH_CONCURRENCY: String(SEARCH_CONCURRENCY),
        SEARCH_MIN_REMAINING_SECONDS: String(SEARCH_MIN_REMAINING_SECONDS),
      },
    }).bindTable(table, 'RW');
    if (ncbiKey) this.search.bindSecret(ncbiKey, 'NCBI_API_KEY_SECRET_ARN');
    if (openAlexKey) this.search.bindSecret(openAlexKey, 'OPENALEX_API_KEY_SECRET_ARN');
    this.search.fn.addEventSource(
      new SqsEventSource(props.searchRequests, {
        batchSize: SEARCH_BATCH_SIZE,
        maxConcurrency: SEARCH_CONCURRENCY,
        reportBatchItemFailures: true,
      }),
    );
    this.scheduleSearches(props);

    // -------------------------------------------------------------------------------------------------
    // recompute-stats: the statistics of every review whose inclusions or patient rows changed.
    this.stats = new ServiceFunction(this, {
      name: 'recompute-stats',
      description: 'Recomputes pooled statistics when included studies or patient rows change (table stream)',
      memorySize: 1024,
      timeout: Duration.minutes(5),
      logRetention,
      protocolsDir,
    }).bindTable(table, 'RW');
    this.stats.fn.addEventSource(
      new DynamoEventSource(table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        // An import of many patient rows arrives as many stream records: gather them for one recompute.
        maxBatchingWindow: Duration.seconds(10),
        bisectBatchOnError: true,
        retryAttempts: STATS_STREAM_RETRY_ATTEMPTS,
        maxRecordAge: Duration.days(1),
        reportBatchItemFailures: true,
        parallelizationFactor: 1,
        onFailure: new SqsDlq(props.streamDeadLetters),
        filters: streamFilterPatterns.map((pattern) => FilterCriteria.filter(pattern)),
      }),
    );

    // -------------------------------------------------------------------------------------------------
    // screening-api: the screening page and its API behind API Gateway, reviewers signed in with Cognito.
    this.screening = new ServiceFunction(this, {
      name: 'screening-api',
      description: 'Screening page and API (API Gateway HTTP API, Cognito JWT authorizer)',
      memorySize: 512,
      timeout: Duration.seconds(10),
      logRetention,
      protocolsDir,
      ...(props.unpaywallEmail ? { environment: { UNPAYWALL_EMAIL: props.unpaywallEmail } } : {}),
    })
      .bindTable(table, 'RW')
      .bindAttachmentBucket({
        bucketName: props.attachmentBucket.bucketName,
        bucketArn: Fn.importValue(props.attachmentBucketArnExportName),
      });
    const screeningApi = this.screeningHttpApi(props, this.screening);
    this.screeningApi = screeningApi.api;

    // -------------------------------------------------------------------------------------------------
    // watch-retractions: re-fetches the included studies' PubMed records (and asks Crossref about their DOIs
    // when the protocol lists it), weekly.
    this.retractions = new ServiceFunction(this, {
      name: 'watch-retractions',
      description:
        "Re-fetches one review's included studies from PubMed (and Crossref) and records retractions and corrections",
      memorySize: 512,
      timeout: Duration.minutes(10),
      logRetention,
      protocolsDir,
      environment: {
        ...ncbiEnvironment,
        // Crossref's polite pool is asked for with the same contact address.
        ...(props.ncbi.email ? { CROSSREF_EMAIL: props.ncbi.email } : {}),
      },
    }).bindTable(table, 'RW');
    if (ncbiKey) this.retractions.bindSecret(ncbiKey, 'NCBI_API_KEY_SECRET_ARN');
    this.scheduleEachReview(this.retractions, 'watch-retractions', props);

    // -------------------------------------------------------------------------------------------------
    // publish-report and send-digest: they mail (trigger notices, digests), so they need a sender.
    const sender = props.ses.sender;
    if (sender) {
      const recipients = props.ses.recipients?.length
        ? { DIGEST_RECIPIENTS: props.ses.recipients.join(',') }
        : undefined;
      this.report = new ServiceFunction(this, {
        name: 'publish-report',
        description:
          "Publishes a review's living report, evaluates its update triggers, emits LivingReviewUpdated",
        memorySize: 1024,
        timeout: Duration.minutes(5),
        logRetention,
        protocolsDir,
        environment: {
          ...recipients,
          ...(props.reportPublicBaseUrl ? { REPORT_PUBLIC_BASE_URL: props.reportPublicBaseUrl } : {}),
        },
      })
        .bindTable(table, 'RW')
        .bindReportBucket(
          {
            bucketName: props.reportBucket.bucketName,
            bucketArn: Fn.importValue(props.reportBucketArnExportName),
          },
          REPORT_PREFIX,
        )
        .bindEventBus(EventBus.fromEventBusName(this, 'DefaultBus', 'default'))
        .bindSesSender(sender);
      this.report.fn.addEventSource(
        new DynamoEventSource(table, {
          startingPosition: StartingPosition.TRIM_HORIZON,
          batchSize: 10,
          maxBatchingWindow: Duration.seconds(10),
          bisectBatchOnError: true,
          retryAttempts: REPORT_STREAM_RETRY_ATTEMPTS,
          maxRecordAge: Duration.days(1),
          reportBatchItemFailures: true,
          parallelizationFactor: 1,
          onFailure: new SqsDlq(props.streamDeadLetters),
          filters: reportStreamFilterPatterns.map((pattern) => FilterCriteria.filter(pattern)),
        }),
      );
      this.scheduleEachReview(this.report, 'publish-report', props);

      this.digest = new ServiceFunction(this, {
        name: 'send-digest',
        description: "Sends one review's weekly digest through SES",
        memorySize: 512,
        timeout: Duration.minutes(2),
        logRetention,
        protocolsDir,
        environment: { ...recipients, SCREENING_BASE_URL: screeningApi.url },
      })
        .bindTable(table, 'RW')
        .bindSesSender(sender);
      this.scheduleEachReview(this.digest, 'send-digest', props);
    } else {
      // Only with -c withoutMail=true (infra/config.ts refuses a deployment that simply forgot the sender).
      Annotations.of(this).addWarningV2(
        'living-review:no-ses-sender',
        'withoutMail: publish-report and send-digest are not deployed (no living report, no digests, no trigger notices). Deploy with -c sesSender=reviews@example.org (an SES-verified address or domain) to have them.',
      );
    }

    // -------------------------------------------------------------------------------------------------
    const services = [this.search, this.stats, this.screening, this.retractions, this.report, this.digest];
    for (const service of services) {
      if (!service) continue;
      this.alarms.watchFunction(service);
      // The operate steps (infra/README.md) name functions by these outputs, e.g. SearchReviewFunctionName.
      new CfnOutput(this, `${pascalCase(service.name)}FunctionName`, {
        value: service.fn.functionName,
        description: `The ${service.name} function (aws lambda invoke --function-name ...)`,
      });
    }
    this.alarms
      .watchDeadLetters('schedule', props.scheduleDeadLetters, 'a scheduled run could not be delivered.')
      .watchDeadLetters(
        'search-request',
        props.searchRequestDeadLetters,
        "a review's search failed on every delivery (its run logs, `living-review runs`, say why).",
      )
      .watchQueueAge(
        'search-request',
        props.searchRequests,
        Duration.hours(8),
        "a search request has waited over 8 hours: is the search function's queue trigger disabled?",
      )
      .watchDeadLetters('run', props.runDeadLetters, 'a scheduled run failed after every retry.')
      .watchDeadLetters('stream', props.streamDeadLetters, 'table stream records could not be processed.');

    this.acknowledgeFindings();
  }

  private secret(id: string, nameOrArn: string): ISecret {
    return nameOrArn.startsWith('arn:')
      ? Secret.fromSecretCompleteArn(this, id, nameOrArn)
      : Secret.fromSecretNameV2(this, id, nameOrArn);
  }

  /**
   * One schedule per protocol that sends { reviewId, scheduledTime, executionId } to the search-request queue,
   * in the review's own message group, at the protocol's cron.
   */
  private scheduleSearches(props: StatelessStackProps): void {
    for (const protocol of props.protocols) {
      const cron = cronHoursLater(
        protocol.schedule.cron,
        SCHEDULE_OFFSETS_HOURS['search-review'],
        `protocol ${protocol.id}`,
      );
      const schedule = new Schedule(this, `search-review-${protocol.id}`, {
        description: `search-review of review ${protocol.id} (cron ${cron}, UTC), through the search-request queue`,
        schedule: ScheduleExpression.expression(`cron(${cron})`, TimeZone.ETC_UTC),
        target: new SqsSendMessage(props.searchRequests, {
          input: this.scheduledInput(protocol.id),
          messageGroupId: protocol.id,
          retryAttempts: SCHEDULE_RETRY_ATTEMPTS,
          maxEventAge: Duration.hours(6),
          deadLetterQueue: props.scheduleDeadLetters,
          role: this.schedulerRole,
        }),
      });
      this.schedules.set(`search-review ${protocol.id}`, schedule);
    }
  }

  /** What every schedule of a review sends: the review, and when and which execution sent it. */
  private scheduledInput(reviewId: string): ScheduleTargetInput {
    return ScheduleTargetInput.fromObject({
      reviewId,
      scheduledTime: ContextAttribute.scheduledTime,
      executionId: ContextAttribute.executionId,
    });
  }

  /**
   * One schedule per protocol for `service`, at the protocol's cron plus the function's offset (schedules.ts),
   * invoking it asynchronously with { reviewId, scheduledTime, executionId }. A run that fails is retried by
   * Lambda, then lands in the run dead-letter queue.
   */
  private scheduleEachReview(
    service: ServiceFunction,
    name: Exclude<ScheduledFunction, 'search-review'>,
    props: StatelessStackProps,
  ): void {
    service.fn.configureAsyncInvoke({
      retryAttempts: RUN_ASYNC_RETRY_ATTEMPTS,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(props.runDeadLetters),
    });
    const offset = SCHEDULE_OFFSETS_HOURS[name];
    for (const protocol of props.protocols) {
      const cron = cronHoursLater(protocol.schedule.cron, offset, `protocol ${protocol.id}`);
      const schedule = new Schedule(this, `${name}-${protocol.id}`, {
        description: `${name} of review ${protocol.id} (cron ${cron}, UTC)`,
        schedule: ScheduleExpression.expression(`cron(${cron})`, TimeZone.ETC_UTC),
        target: new LambdaInvoke(service.fn, {
          input: this.scheduledInput(protocol.id),
          retryAttempts: SCHEDULE_RETRY_ATTEMPTS,
          maxEventAge: Duration.hours(6),
          deadLetterQueue: props.scheduleDeadLetters,
          role: this.schedulerRole,
        }),
      });
      this.schedules.set(`${name} ${protocol.id}`, schedule);
    }
  }

  private screeningHttpApi(
    props: StatelessStackProps,
    screening: ServiceFunction,
  ): { api: HttpApi; url: string } {
    const api = new HttpApi(this, 'ScreeningApi', {
      description: 'Living review screening',
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, 'ScreeningApiAccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // The handler matches routes on the raw path, so the API uses the $default stage (no stage prefix).
    const stage = new HttpStage(this, 'ScreeningApiStage', {
      httpApi: api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: 50, burstLimit: 100 },
      // HTTP API context variables only (the CDK default format names REST API ones); no request bodies, no
      // tokens: the reviewer appears as the token's subject.
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            integrationLatency: '$context.integrationLatency',
            subject: '$context.authorizer.claims.sub',
            error: '$context.error.message',
          }),
        ),
      },
    });
    const client = new UserPoolClient(this, 'ScreeningClient', {
      userPool: props.userPool,
      generateSecret: false,
      // The authorization code flow with PKCE: the page (a public client, no secret) trades the code for
      // tokens with its one-time verifier, so no token travels in a URL (shared/adapters/http/sign-in.ts).
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: [stage.url],
        logoutUrls: [stage.url],
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
    });
    const domain = new UserPoolDomain(this, 'ScreeningSignIn', {
      userPool: props.userPool,
      cognitoDomain: { domainPrefix: props.cognitoDomainPrefix ?? `lr-screening-${Aws.ACCOUNT_ID}` },
    });
    const authorizer = new HttpUserPoolAuthorizer('Reviewers', props.userPool, { userPoolClients: [client] });
    const integration = new HttpLambdaIntegration('Screening', screening.fn);
    for (const route of SCREENING_API_ROUTES) {
      const routes = api.addRoutes({
        path: route.path,
        methods: [route.method as HttpMethod],
        integration,
        authorizer: route.auth === 'jwt' ? authorizer : new HttpNoneAuthorizer(),
      });
      if (route.auth === 'none') {
        for (const r of routes) {
          Validations.of(r).acknowledge({
            id: 'AwsSolutions-APIG4',
            reason: `${route.method} ${route.path} serves the screening page's static files, which hold no review data; the page then signs in through Cognito and calls the JWT-protected /api routes.`,
          });
        }
      }
    }
    // Where the page sends reviewers to sign in, and where Cognito sends them back (the callback URL).
    screening.fn.addEnvironment('COGNITO_DOMAIN_URL', domain.baseUrl());
    screening.fn.addEnvironment('COGNITO_CLIENT_ID', client.userPoolClientId);
    screening.fn.addEnvironment('SCREENING_URL', stage.url);
    new CfnOutput(this, 'ScreeningUrl', {
      value: stage.url,
      description: 'The screening page: reviewers open it and sign in with their Cognito account',
    });
    return { api, url: stage.url };
  }

  /** cdk-nag findings that are the design, each with its reason (test/infra/nag.test.ts checks them). */
  private acknowledgeFindings(): void {
    for (const service of [this.stats, this.report]) {
      if (!service) continue;
      Validations.of(service.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'dynamodb:ListStreams, which the stream event source needs, has no resource-level permissions; the stream reads themselves name the table stream ARN.',
      });
    }
    Validations.of(this.screening.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${this.attachmentBucketArnExportName}/*]`,
      reason:
        "s3:PutObject and s3:GetObject on the attachment bucket's objects (<review>/<citation>/<attachment id>.pdf, drawn per upload): the presigned POSTs and GETs the API signs for reviewers; no bucket-level action, no delete, no other bucket.",
    });
    if (this.report) {
      Validations.of(this.report.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${this.reportBucketArnExportName}/${REPORT_PREFIX}*]`,
        reason: `s3:PutObject on the object keys under ${REPORT_PREFIX} in the report bucket (the report's files, one folder per review); no other bucket, no read or delete.`,
      });
    }
    // The schedules invoke these functions directly; search-review's schedules send to its queue instead.
    for (const service of [this.retractions, this.report, this.digest]) {
      if (!service) continue;
      const fn = this.getLogicalId(service.fn.node.defaultChild as CfnResource);
      Validations.of(this.schedulerRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${fn}.Arn>:*]`,
        reason: `lambda:InvokeFunction on the ${service.name} function's own versions (<arn>:*), as CDK's grantInvoke writes it for Scheduler's Lambda target; no other function is reachable.`,
      });
    }
  }
}
