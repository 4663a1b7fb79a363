// The code and its wiring: one ServiceFunction per folder in functions/, the schedules, the stream mapping, the
// screening API and the alarms. Nothing here holds evidence, so the stack can be destroyed and redeployed at
// will; everything it reads and writes lives in the stateful stack.
//
// Functions, each sized for its work (memory also buys CPU):
// | function | trigger | table | memory | timeout |
// |---|---|---|---|---|
// | search-pubmed | one EventBridge schedule per protocol, { reviewId } | RW | 1024 MB | 15 min: a first run backfills from the protocol's monitoringStart |
// | screening-api | API Gateway HTTP API, Cognito JWT authorizer | RW | 512 MB | 10 s (API Gateway gives up at 30 s) |
// | recompute-stats | DynamoDB stream, filtered to STUDY# and PATIENT# items | RW | 1024 MB | 5 min |
import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
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
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  ContextAttribute,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
} from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Aws, RemovalPolicy, TimeZone } from 'aws-cdk-lib/core';
import type { Construct } from 'constructs';
import { streamFilterPatterns } from '../../functions/recompute-stats/handler.ts';
import { SCREENING_API_ROUTES } from '../../functions/screening-api/routes.ts';
import type { Protocol } from '../../shared/domain/protocol/protocol.ts';
import { OperatorAlarms } from '../constructs/operator-alarms.ts';
import { ServiceFunction } from '../constructs/service-function.ts';

export interface StatelessStackProps extends StackProps {
  table: ITable;
  userPool: IUserPool;
  alarmTopic: ITopic;
  scheduleDeadLetters: IQueue;
  searchDeadLetters: IQueue;
  statsDeadLetters: IQueue;
  /** The protocols read at synth time: one schedule each. */
  protocols: readonly Protocol[];
  /** Where they were read from: bundled into the functions that read protocols at run time. */
  protocolsDir: string;
  logRetention: RetentionDays;
  ncbi: { apiKeySecret?: string | undefined; email?: string | undefined };
  cognitoDomainPrefix?: string | undefined;
}

/** Scheduler's retries of an invocation it could not deliver (throttled, Lambda unavailable). */
export const SCHEDULE_RETRY_ATTEMPTS = 4;
/** Lambda's own retries of a search run that failed (NCBI down for a while, a store hiccup). */
export const SEARCH_ASYNC_RETRY_ATTEMPTS = 2;
/** Stream batches: retried this often (bisected on error), then their positions go to the DLQ. */
export const STATS_STREAM_RETRY_ATTEMPTS = 5;

export class StatelessStack extends Stack {
  readonly search: ServiceFunction;
  readonly screening: ServiceFunction;
  readonly stats: ServiceFunction;
  readonly schedules: Map<string, Schedule> = new Map();
  readonly screeningApi: HttpApi;
  readonly alarms: OperatorAlarms;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { table, logRetention, protocolsDir } = props;
    this.alarms = new OperatorAlarms(this, 'Alarms', props.alarmTopic);

    // -------------------------------------------------------------------------------------------------
    // search-pubmed: one monitor cycle of one review, on the review's schedule.
    this.search = new ServiceFunction(this, {
      name: 'search-pubmed',
      description: 'Searches PubMed for one review ({ reviewId }), deduplicates and queues new citations',
      memorySize: 1024,
      timeout: Duration.minutes(15),
      logRetention,
      protocolsDir,
      environment: {
        NCBI_TOOL: 'living-review-monitor',
        ...(props.ncbi.email ? { NCBI_EMAIL: props.ncbi.email } : {}),
      },
    }).bindTable(table, 'RW');
    if (props.ncbi.apiKeySecret) {
      const secret = props.ncbi.apiKeySecret.startsWith('arn:')
        ? Secret.fromSecretCompleteArn(this, 'NcbiApiKey', props.ncbi.apiKeySecret)
        : Secret.fromSecretNameV2(this, 'NcbiApiKey', props.ncbi.apiKeySecret);
      this.search.bindSecret(secret, 'NCBI_API_KEY_SECRET_ARN');
    }
    // A run that fails (NCBI unreachable past the client's own retries) is retried twice by Lambda, then its
    // event lands in the dead-letter queue; the watermark has not moved, so the next run covers the window.
    this.search.fn.configureAsyncInvoke({
      retryAttempts: SEARCH_ASYNC_RETRY_ATTEMPTS,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(props.searchDeadLetters),
    });
    // One role for every schedule: it may invoke the search function (and, as CDK's grantInvoke writes it, that
    // function's versions) and send to the schedule dead-letter queue. Nothing else.
    const schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'EventBridge Scheduler: invokes search-pubmed for each review schedule',
    });
    Validations.of(schedulerRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::<searchpubmedFunction24D197CE.Arn>:*]',
      reason:
        "lambda:InvokeFunction on the search function's own versions (<arn>:*), as CDK's grantInvoke writes it for Scheduler's Lambda target; no other function is reachable.",
    });
    for (const protocol of props.protocols) {
      const schedule = new Schedule(this, `Schedule-${protocol.id}`, {
        description: `Monitor cycle of review ${protocol.id} (cron ${protocol.schedule.cron}, UTC)`,
        schedule: ScheduleExpression.expression(`cron(${protocol.schedule.cron})`, TimeZone.ETC_UTC),
        target: new LambdaInvoke(this.search.fn, {
          input: ScheduleTargetInput.fromObject({
            reviewId: protocol.id,
            scheduledTime: ContextAttribute.scheduledTime,
            executionId: ContextAttribute.executionId,
          }),
          retryAttempts: SCHEDULE_RETRY_ATTEMPTS,
          maxEventAge: Duration.hours(6),
          deadLetterQueue: props.scheduleDeadLetters,
          role: schedulerRole,
        }),
      });
      this.schedules.set(protocol.id, schedule);
    }

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
        onFailure: new SqsDlq(props.statsDeadLetters),
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
    }).bindTable(table, 'RW');
    this.screeningApi = this.screeningHttpApi(props);

    // -------------------------------------------------------------------------------------------------
    for (const service of [this.search, this.stats, this.screening]) this.alarms.watchFunction(service);
    this.alarms
      .watchDeadLetters('schedule', props.scheduleDeadLetters, 'a scheduled search could not be delivered.')
      .watchDeadLetters('search', props.searchDeadLetters, 'a search run failed after every retry.')
      .watchDeadLetters(
        'stats',
        props.statsDeadLetters,
        'stream records could not be turned into statistics.',
      );

    this.acknowledgeFindings();
  }

  private screeningHttpApi(props: StatelessStackProps): HttpApi {
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
      // The page takes the ID token from the URL fragment Cognito's managed login redirects to.
      oAuth: {
        flows: { implicitCodeGrant: true },
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
    const integration = new HttpLambdaIntegration('Screening', this.screening.fn);
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
    new CfnOutput(this, 'ScreeningUrl', { value: stage.url, description: 'The screening page' });
    new CfnOutput(this, 'ScreeningSignInUrl', {
      value: `${domain.baseUrl()}/login?client_id=${client.userPoolClientId}&response_type=token&scope=openid+email+profile&redirect_uri=${stage.url}`,
      description: 'Reviewers sign in here; Cognito then opens the screening page with their token',
    });
    return api;
  }

  /** cdk-nag findings that are the design, each with its reason (test/infra asserts there are no others). */
  private acknowledgeFindings(): void {
    Validations.of(this.stats.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'dynamodb:ListStreams, which the stream event source needs, has no resource-level permissions; the stream reads themselves name the table stream ARN.',
    });
  }
}
