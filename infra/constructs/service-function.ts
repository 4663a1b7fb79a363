// One Lambda function of the monitor: a folder under functions/, bundled by the local esbuild with the options
// in infra/bundling.ts, with everything each function needs and nothing it does not.
//
// What every function gets here, so no stack can forget it:
// - Node.js (LAMBDA_NODE_MAJOR) on ARM64 (Graviton: about 20 % cheaper per GB-second than x86).
// - Its own role holding only what its bind* calls grant. No AWS managed policy: the log-writing rights name the
//   function's own log group instead of AWSLambdaBasicExecutionRole's "any log group".
// - An explicit log group with retention (Lambda's implicit one never expires), JSON log format so Powertools'
//   structured lines and the runtime's own lines land in one shape.
// - Source maps: the bundle's .map file and NODE_OPTIONS=--enable-source-maps.
// - Powertools' service name (the folder name) and metrics namespace.
//
// bind* methods pair a grant with the environment variable that tells the handler where the resource is, so a
// function can never hold a permission for something it was not told about, or the reverse.
import { type Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  ApplicationLogLevel,
  Architecture,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
} from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { QUEUE_INDEX } from '../../shared/adapters/dynamodb/table-design.ts';
import {
  assetDirectories,
  bundleAssetsCommand,
  functionBundle,
  functionEntry,
  LAMBDA_NODE_MAJOR,
  lambdaPath,
  PROJECT_ROOT,
  sharedBundleOptions,
} from '../bundling.ts';

/** The Lambda runtime matching LAMBDA_NODE_MAJOR (checked below, so the two cannot drift apart). */
export const LAMBDA_RUNTIME = Runtime.NODEJS_24_X;
if (LAMBDA_RUNTIME.name !== `nodejs${LAMBDA_NODE_MAJOR}.x`) {
  throw new Error(
    `LAMBDA_RUNTIME ${LAMBDA_RUNTIME.name} does not match LAMBDA_NODE_MAJOR ${LAMBDA_NODE_MAJOR}`,
  );
}

/** Powertools Metrics namespace of every function. */
export const METRICS_NAMESPACE = 'LivingReview';

/** Item reads the DynamoDB adapters make (no Scan: every access pattern is a key or a Query). */
export const TABLE_READ_ACTIONS: readonly string[] = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
];
/** Item writes the DynamoDB adapters make (no transactions: see table-design.ts). */
export const TABLE_WRITE_ACTIONS: readonly string[] = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];

export type TableAccess = 'RO' | 'RW';

export interface ServiceFunctionProps {
  /** The folder under functions/ (also this construct's id). */
  name: string;
  description: string;
  /** MB. Also buys CPU: the XML parsing and the statistics are CPU-bound. */
  memorySize: number;
  timeout: Duration;
  logRetention: RetentionDays;
  environment?: Record<string, string>;
  /** The protocol files bundled into functions that read them (the same the schedules are made from). */
  protocolsDir: string;
}

export class ServiceFunction extends Construct {
  readonly name: string;
  readonly role: Role;
  readonly logGroup: LogGroup;
  readonly fn: NodejsFunction;

  constructor(scope: Construct, props: ServiceFunctionProps) {
    super(scope, props.name);
    this.name = props.name;
    const bundle = functionBundle(props.name);

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      // Operational logs only: every run's outcome is also kept in the table (run logs), which is retained.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${props.name} function`,
    });
    this.logGroup.grantWrite(this.role);

    const environment: Record<string, string> = {
      // Stack traces name the TypeScript source lines through the bundle's .map file.
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: props.name,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    };
    if (bundle.copy.includes('protocols')) environment.LIVING_REVIEW_PROTOCOLS = lambdaPath('protocols');
    if (bundle.copy.includes('web/screening'))
      environment.LIVING_REVIEW_WEB_DIR = lambdaPath('web/screening');

    const o = sharedBundleOptions;
    this.fn = new NodejsFunction(this, 'Function', {
      entry: functionEntry(props.name),
      handler: 'handler',
      description: props.description,
      runtime: LAMBDA_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel.INFO,
      systemLogLevelV2: SystemLogLevel.WARN,
      environment: { ...environment, ...props.environment },
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}/package-lock.json`,
      bundling: {
        format: o.format === 'esm' ? OutputFormat.ESM : OutputFormat.CJS,
        target: o.target,
        minify: o.minify,
        sourceMap: o.sourcemap,
        sourcesContent: o.sourcesContent,
        mainFields: [...o.mainFields],
        banner: o.banner,
        externalModules: [...o.external],
        esbuildArgs: Object.fromEntries(
          Object.entries(o.alias).map(([name, path]) => [`--alias:${name}`, path]),
        ),
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir, outputDir) =>
            bundle.copy.length > 0
              ? [
                  bundleAssetsCommand(
                    assetDirectories(bundle, { protocolsDir: props.protocolsDir }),
                    outputDir,
                  ),
                ]
              : [],
        },
      },
    });
  }

  /**
   * Item access to the table and its "queue" index, named exactly (no index/* wildcard), and
   * LIVING_REVIEW_TABLE. The table's AWS-managed key needs no grant.
   */
  bindTable(table: ITable, access: TableAccess): this {
    const actions = access === 'RO' ? TABLE_READ_ACTIONS : [...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS];
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: access === 'RO' ? 'TableRead' : 'TableReadWrite',
        actions: [...actions],
        resources: [table.tableArn, `${table.tableArn}/index/${QUEUE_INDEX}`],
      }),
    );
    this.fn.addEnvironment('LIVING_REVIEW_TABLE', table.tableName);
    return this;
  }

  /** Reads the secret (Powertools Parameters at cold start); its ARN, never its value, in `envName`. */
  bindSecret(secret: ISecret, envName: string): this {
    secret.grantRead(this.role);
    this.fn.addEnvironment(envName, secret.secretArn);
    return this;
  }

  /**
   * PutObject under `prefix` in the report bucket (no read, no delete: the bucket's versions keep every
   * published report); REPORT_BUCKET and REPORT_PREFIX.
   */
  bindReportBucket(bucket: { bucketName: string; bucketArn: string }, prefix: string): this {
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'ReportWrite',
        actions: ['s3:PutObject'],
        resources: [`${bucket.bucketArn}/${prefix}*`],
      }),
    );
    this.fn.addEnvironment('REPORT_BUCKET', bucket.bucketName);
    this.fn.addEnvironment('REPORT_PREFIX', prefix);
    return this;
  }

  /**
   * The screening API's attachments: s3:PutObject (the presigned POSTs it signs carry its rights) and
   * s3:GetObject (its presigned GETs, and the HEAD and first bytes it reads to confirm an upload) on the
   * bucket's objects; nothing on the bucket itself, no delete. ATTACHMENTS_BUCKET.
   */
  bindAttachmentBucket(bucket: { bucketName: string; bucketArn: string }): this {
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'AttachmentReadWrite',
        actions: ['s3:PutObject', 's3:GetObject'],
        resources: [`${bucket.bucketArn}/*`],
      }),
    );
    this.fn.addEnvironment('ATTACHMENTS_BUCKET', bucket.bucketName);
    return this;
  }

  /**
   * Sending through SES v2 (SendEmail with raw content) from `sender`, an address: allowed on the address's
   * identity and on its domain's (SES checks whichever identity is verified); DIGEST_FROM.
   */
  bindSesSender(sender: string): this {
    const domain = sender.slice(sender.lastIndexOf('@') + 1);
    const identity = (name: string) =>
      Stack.of(this).formatArn({ service: 'ses', resource: 'identity', resourceName: name });
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'SesSend',
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: [identity(sender), identity(domain)],
      }),
    );
    this.fn.addEnvironment('DIGEST_FROM', sender);
    return this;
  }

  /** PutEvents on the bus (LivingReviewUpdated); EVENT_BUS_NAME. */
  bindEventBus(bus: IEventBus): this {
    bus.grantPutEventsTo(this.role);
    this.fn.addEnvironment('EVENT_BUS_NAME', bus.eventBusName);
    return this;
  }
}
