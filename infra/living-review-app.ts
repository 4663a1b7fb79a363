// Builds the whole CDK app: the stateful stack (evidence, RETAINed), the stateless stack (functions and wiring)
// and cdk-nag's AwsSolutions checks over both. infra/app.ts runs it for the CDK CLI; the infra tests build it
// the same way, so a finding cdk-nag reports in `cdk synth` fails a test too.
import { App, type AppProps, Aws, Validations } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadProtocolDirectory } from '../shared/config/load-protocols.ts';
import { type DeploymentConfig, deploymentConfigFromContext } from './config.ts';
import { cdkJsonContext } from './feature-flags.ts';
import { StatefulStack } from './stacks/stateful-stack.ts';
import { StatelessStack } from './stacks/stateless-stack.ts';

export const STATEFUL_STACK_ID = 'LivingReviewData';
export const STATELESS_STACK_ID = 'LivingReviewApp';

/** The stack ids of a deployment: the plain ids, or suffixed with its name (`-c deployment=staging`). */
export function stackIds(deployment: string | undefined): { stateful: string; stateless: string } {
  const suffix = deployment ? `-${deployment}` : '';
  return { stateful: `${STATEFUL_STACK_ID}${suffix}`, stateless: `${STATELESS_STACK_ID}${suffix}` };
}

export interface LivingReviewApp {
  app: App;
  config: DeploymentConfig;
  stateful: StatefulStack;
  stateless: StatelessStack;
}

export function createLivingReviewApp(props: AppProps = {}): LivingReviewApp {
  const app = new App({
    ...props,
    // cdk.json's context (the feature flags, pinned) is what the CDK CLI passes; an app built elsewhere (the
    // tests) starts from the same, so both synthesize the same templates.
    context: { ...cdkJsonContext(), ...props.context },
  });
  const config = deploymentConfigFromContext(app.node);
  // Synth-time: an invalid protocol fails the synth naming the file and field, before anything deploys.
  const protocols = loadProtocolDirectory(config.protocolsDir);
  // Environment-agnostic stacks (no account/region lookups): synth needs neither credentials nor network.
  // The CLI's profile or AWS_REGION decides where they deploy.
  // Every physical name derives from the stack names (or is generated), so a named deployment can live beside
  // another in the same account and region; only the sign-in domain needs its own default.
  const ids = stackIds(config.deployment);
  const stateful = new StatefulStack(app, ids.stateful, {
    description:
      'Living review monitor: evidence (table, report bucket, user pool), search requests, dead letters, alarm topic. RETAINed.',
    ...(config.alarmEmail ? { alarmEmail: config.alarmEmail } : {}),
    alarmNamePrefix: `${ids.stateless}-`,
    publicReport: config.publicReport,
  });
  const stateless = new StatelessStack(app, ids.stateless, {
    description: 'Living review monitor: functions, schedules, stream mapping, screening API, alarms',
    table: stateful.table,
    reportBucket: stateful.reportBucket,
    reportBucketArnExportName: stateful.reportBucketArnExportName,
    attachmentBucket: stateful.attachmentBucket,
    attachmentBucketArnExportName: stateful.attachmentBucketArnExportName,
    unpaywallEmail: config.unpaywallEmail,
    userPool: stateful.userPool,
    alarmTopic: stateful.alarmTopic,
    scheduleDeadLetters: stateful.scheduleDeadLetters,
    runDeadLetters: stateful.runDeadLetters,
    streamDeadLetters: stateful.streamDeadLetters,
    searchRequests: stateful.searchRequests,
    searchRequestDeadLetters: stateful.searchRequestDeadLetters,
    protocols,
    protocolsDir: config.protocolsDir,
    logRetention: config.logRetentionDays as RetentionDays,
    ncbi: { apiKeySecret: config.ncbiApiKeySecret, email: config.ncbiEmail },
    openAlex: { apiKeySecret: config.openAlexApiKeySecret },
    ses: { sender: config.sesSender, recipients: config.digestRecipients },
    // The public site's address when there is one; otherwise what the operator serves the bucket under.
    reportPublicBaseUrl: stateful.publicReportSite?.baseUrl ?? config.reportPublicBaseUrl,
    cognitoDomainPrefix:
      config.cognitoDomainPrefix ??
      (config.deployment ? `lr-screening-${config.deployment}-${Aws.ACCOUNT_ID}` : undefined),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, config, stateful, stateless };
}
