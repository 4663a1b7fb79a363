// Everything that holds evidence or must outlive a redeploy: the table, the report and attachment buckets, the search-request
// queue and the dead-letter queues, the operator's alarm topic and the reviewers' user pool. Every resource here is RETAINed, and the table
// also has deletion protection: deleting the app (or this stack) never deletes a citation, a screening decision,
// a patient row or a published report. The functions live in the stateless stack, which can be destroyed and
// redeployed freely.

import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AccountRecovery, FeaturePlan, Mfa, UserPool, type UserPoolProps } from 'aws-cdk-lib/aws-cognito';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  HttpMethods,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { DEFAULT_TABLE_NAME, tableDefinition } from '../../shared/adapters/dynamodb/table-design.ts';
import { PublicReportSite } from '../constructs/public-report-site.ts';

/**
 * The search-request queue's visibility timeout: six times the search function's 15-minute timeout, as AWS
 * advises for a Lambda-polled queue (a message a running batch holds never reappears while it runs).
 */
export const SEARCH_REQUEST_VISIBILITY = Duration.minutes(90);
/** Deliveries of a search request before it is dead-lettered: retried 1.5 h apart, about 6 h in all. */
export const SEARCH_REQUEST_MAX_RECEIVES = 4;

export interface StatefulStackProps extends StackProps {
  /** Subscribed to the alarm topic by email when given (the address must confirm the subscription). */
  alarmEmail?: string;
  /**
   * The names of the alarms that publish to the alarm topic start with this (the app stack's name and "-"):
   * only they may use the topic and its key.
   */
  alarmNamePrefix: string;
  /** A public read-only site for the living reports (constructs/public-report-site.ts). */
  publicReport?: boolean;
}

/** Key schema, attribute types and the GSIs of the table, read from table-design.ts's CreateTable input. */
export function tableKeysFromDesign(definition: CreateTableCommandInput) {
  const types = new Map(
    (definition.AttributeDefinitions ?? []).map((a) => [a.AttributeName, a.AttributeType] as const),
  );
  const attribute = (name: string | undefined) => {
    const type = name ? types.get(name) : undefined;
    if (!name || !type) throw new Error(`table design: attribute ${name} has no definition`);
    const mapped = { S: AttributeType.STRING, N: AttributeType.NUMBER, B: AttributeType.BINARY }[type];
    return { name, type: mapped };
  };
  const keyOf = (schema: CreateTableCommandInput['KeySchema'], keyType: 'HASH' | 'RANGE') =>
    schema?.find((k) => k.KeyType === keyType)?.AttributeName;
  const partitionKey = attribute(keyOf(definition.KeySchema, 'HASH'));
  const sortName = keyOf(definition.KeySchema, 'RANGE');
  const indexes = (definition.GlobalSecondaryIndexes ?? []).map((index) => {
    const projection = index.Projection?.ProjectionType ?? 'ALL';
    const indexSort = keyOf(index.KeySchema, 'RANGE');
    return {
      indexName: index.IndexName!,
      partitionKey: attribute(keyOf(index.KeySchema, 'HASH')),
      ...(indexSort ? { sortKey: attribute(indexSort) } : {}),
      projectionType: {
        ALL: ProjectionType.ALL,
        KEYS_ONLY: ProjectionType.KEYS_ONLY,
        INCLUDE: ProjectionType.INCLUDE,
      }[projection],
      ...(projection === 'INCLUDE' ? { nonKeyAttributes: index.Projection?.NonKeyAttributes ?? [] } : {}),
    };
  });
  if (definition.BillingMode !== 'PAY_PER_REQUEST')
    throw new Error('table design: expected on-demand billing');
  return { partitionKey, sortKey: sortName ? attribute(sortName) : undefined, indexes };
}

export class StatefulStack extends Stack {
  readonly table: Table;
  readonly reportBucket: Bucket;
  /**
   * The report bucket's ARN under a fixed export name: the report function's object-level grant names it, and
   * its cdk-nag acknowledgement must quote the exact resource (an automatic export's name carries a hash).
   */
  readonly reportBucketArnExportName: string;
  /**
   * PDFs reviewers attach to citations: private, uploaded straight from the page through presigned POSTs and read
   * back through presigned GETs (shared/adapters/attachments/s3-attachments.ts). Its ARN under a fixed export name,
   * for the same reason as the report bucket's.
   */
  readonly attachmentBucket: Bucket;
  readonly attachmentBucketArnExportName: string;
  readonly alarmTopic: Topic;
  /** Encrypts the alarm topic; only CloudWatch, for the app's alarms, may use it (besides the account). */
  readonly alarmTopicKey: Key;
  readonly userPool: UserPool;
  /** Scheduled invocations EventBridge Scheduler could not deliver. */
  readonly scheduleDeadLetters: Queue;
  /** Scheduled runs (report, digest, retraction watch) that failed after Lambda's asynchronous retries. */
  readonly runDeadLetters: Queue;
  /**
   * The reviews' search requests (FIFO, one message group per review): the schedules send here and the search
   * function consumes them, at most two reviews at once (NCBI's rate limit is per deployment, not per review).
   */
  readonly searchRequests: Queue;
  /** Search requests that failed SEARCH_REQUEST_MAX_RECEIVES times. */
  readonly searchRequestDeadLetters: Queue;
  /** Stream batches the statistics or report function could not process (their shard positions, to replay). */
  readonly streamDeadLetters: Queue;
  /** The public report site, when the deployment asked for one. */
  readonly publicReportSite: PublicReportSite | undefined;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);

    const design = tableKeysFromDesign(tableDefinition(DEFAULT_TABLE_NAME));
    this.table = new Table(this, 'Table', {
      partitionKey: design.partitionKey,
      ...(design.sortKey ? { sortKey: design.sortKey } : {}),
      billingMode: BillingMode.PAY_PER_REQUEST,
      // The statistics function recomputes from inclusions and patient rows as they change.
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      // The AWS-managed key: encrypted at rest, and no key policy for the functions' roles to keep in step.
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of design.indexes) this.table.addGlobalSecondaryIndex(index);

    // Server access logs for the report bucket; kept a year, then expired (they hold no evidence).
    const accessLogs = new Bucket(this, 'ReportAccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.reportBucket = new Bucket(this, 'ReportBucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'report/',
      // Old versions of a report are the review's published history: no lifecycle rule expires them.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.publicReportSite = props.publicReport
      ? new PublicReportSite(this, 'PublicReports', { reportBucket: this.reportBucket })
      : undefined;

    this.reportBucketArnExportName = `${this.stackName}-ReportBucketArn`;
    this.exportValue(this.reportBucket.bucketArn, { name: this.reportBucketArnExportName });

    // Attached PDFs are part of the evidence (the full texts reviewers decided on): private, versioned, retained.
    // The page uploads to it from the screening API's origin (an execute-api host of this region) by a POST whose
    // policy the API signed; nothing is public, every read is a presigned GET.
    this.attachmentBucket = new Bucket(this, 'AttachmentBucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'attachments/',
      cors: [
        {
          allowedMethods: [HttpMethods.POST],
          allowedOrigins: [`https://*.execute-api.${Aws.REGION}.amazonaws.com`],
          allowedHeaders: ['*'],
          maxAge: 3000,
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.attachmentBucketArnExportName = `${this.stackName}-AttachmentBucketArn`;
    this.exportValue(this.attachmentBucket.bucketArn, { name: this.attachmentBucketArnExportName });

    // Dead-letter queues of Lambda and Scheduler destinations: cdk-nag cannot see that they are dead-letter
    // queues (nothing in the template redrives into them), hence the acknowledgement.
    const deadLetterQueue = (name: string, purpose: string) => {
      const queue = new Queue(this, name, {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
        removalPolicy: RemovalPolicy.RETAIN,
      });
      Validations.of(queue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: `This queue is itself a dead-letter destination (${purpose}); nothing consumes it but the operator.`,
      });
      return queue;
    };
    this.scheduleDeadLetters = deadLetterQueue('ScheduleDeadLetters', "EventBridge Scheduler's DLQ");
    this.runDeadLetters = deadLetterQueue(
      'RunDeadLetters',
      "the scheduled functions' asynchronous on-failure destination",
    );
    // A FIFO queue's dead letters must be FIFO too. Its redrive policy names it, so cdk-nag knows what it is.
    this.searchRequestDeadLetters = new Queue(this, 'SearchRequestDeadLetters', {
      fifo: true,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.searchRequests = new Queue(this, 'SearchRequests', {
      fifo: true,
      // A schedule delivered twice within five minutes (Scheduler is at-least-once) is one message; later
      // duplicates find the review "not due" and search nothing.
      contentBasedDeduplication: true,
      visibilityTimeout: SEARCH_REQUEST_VISIBILITY,
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.searchRequestDeadLetters, maxReceiveCount: SEARCH_REQUEST_MAX_RECEIVES },
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.streamDeadLetters = deadLetterQueue(
      'StreamDeadLetters',
      "the table stream mappings' on-failure destination",
    );

    // The alarm topic is encrypted with a key of its own: CloudWatch cannot publish under the AWS-managed SNS
    // key. The publishers are this app's alarms and nothing else: CloudWatch may use the key and publish to
    // the topic only on behalf of an alarm of this account and region named by the app stack (the
    // confused-deputy conditions AWS documents for CloudWatch); the account's own principals keep the
    // key's default administration.
    const cloudWatch = new ServicePrincipal('cloudwatch.amazonaws.com');
    const fromTheAppsAlarms = {
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      ArnLike: {
        'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:${props.alarmNamePrefix}*`,
      },
    };
    this.alarmTopicKey = new Key(this, 'AlarmTopicKey', {
      description: 'Living review monitor: encrypts the alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.alarmTopicKey.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AppAlarmsPublish',
        principals: [cloudWatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: fromTheAppsAlarms,
      }),
    );
    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: 'Living review monitor alarms',
      enforceSSL: true,
      masterKey: this.alarmTopicKey,
    });
    this.alarmTopic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AppAlarmsPublish',
        principals: [cloudWatch],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: fromTheAppsAlarms,
      }),
    );
    // Retained with its confirmed subscriptions: redeploying or deleting the app does not unsubscribe anyone.
    this.alarmTopic.applyRemovalPolicy(RemovalPolicy.RETAIN);
    if (props.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));

    // Reviewers sign in here (the screening API's JWT authorizer trusts this pool). Accounts are created by the
    // operator; nobody can sign up.
    const userPoolProps: UserPoolProps = {
      selfSignUpEnabled: false,
      signInAliases: { email: true, username: true },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: FeaturePlan.ESSENTIALS,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    };
    this.userPool = new UserPool(this, 'Reviewers', userPoolProps);
    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason:
        'The Plus plan sells threat protection (adaptive authentication, compromised-credential checks) for pools with self sign-up and many users; this pool has a handful of operator-created reviewer accounts, no sign-up, and TOTP MFA required for every sign-in.',
    });

    // What an operator needs after a deploy (infra/README.md): where to subscribe, whom to create, what to redrive.
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'ReportBucketName', { value: this.reportBucket.bucketName });
    new CfnOutput(this, 'AttachmentBucketName', { value: this.attachmentBucket.bucketName });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn });
    new CfnOutput(this, 'ReviewerUserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'ScheduleDeadLettersUrl', { value: this.scheduleDeadLetters.queueUrl });
    new CfnOutput(this, 'RunDeadLettersUrl', { value: this.runDeadLetters.queueUrl });
    new CfnOutput(this, 'SearchRequestsUrl', { value: this.searchRequests.queueUrl });
    new CfnOutput(this, 'SearchRequestDeadLettersUrl', { value: this.searchRequestDeadLetters.queueUrl });
    new CfnOutput(this, 'StreamDeadLettersUrl', { value: this.streamDeadLetters.queueUrl });
    if (this.publicReportSite) {
      new CfnOutput(this, 'PublicReportsUrl', {
        value: `${this.publicReportSite.baseUrl}/reports/`,
        description:
          'The living reports, public: <url><reviewId>/ (latest), <reviewId>/v<n>/, <reviewId>/status.json',
      });
    }
  }
}
