// The deployment's parameters, read from CDK context (cdk.json's "context", or `-c key=value` on the command
// line) and validated with zod before any construct is built: a bad value fails the synth naming the key.
//
// | context key | meaning | default |
// |---|---|---|
// | alarmEmail | address subscribed to the alarm topic (confirm the e-mail AWS sends) | none: subscribe later |
// | ncbiApiKeySecret | name or ARN of a Secrets Manager secret holding the NCBI api_key | none: 3 requests/s |
// | ncbiEmail | the operator's address, sent to NCBI (and Europe PMC, OpenAlex, Crossref) with every request | none |
// | openAlexApiKeySecret | name or ARN of a Secrets Manager secret holding the OpenAlex api key | none: Europe PMC's citation watch alone |
// | unpaywallEmail | the contact Unpaywall requires with every lookup of an open-access copy (the screening page) | none: no lookups |
// | sesSender | the address digests and trigger notices are sent from (SES-verified, or its domain is) | required, unless withoutMail |
// | withoutMail | true: deploy without the report and digest functions (they send mail), on purpose | false |
// | publicReport | true: a public read-only site for the living reports (CloudFront, origin access control) | false |
// | digestRecipients | comma-separated addresses; replace every protocol's digest.recipients | the protocols' |
// | reportPublicBaseUrl | the https URL the report bucket is served under (e.g. a CloudFront distribution) | none |
// | logRetentionDays | CloudWatch Logs retention of every function's log group | 90 |
// | cognitoDomainPrefix | the reviewers' sign-in domain, <prefix>.auth.<region>.amazoncognito.com | lr-screening-<account> |
// | protocolsDir | the protocol files, one schedule each (relative to the project root) | protocols |
// | deployment | a name for a second deployment in the same account and region (e.g. staging): suffixes the stack names | none |
import { isAbsolute, join } from 'node:path';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { z } from 'zod';
import { formatIssues } from '../shared/domain/zod-issues.ts';
import { PROJECT_ROOT } from './bundling.ts';

const optionalText = z.preprocess(
  (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
  z.string().trim().optional(),
);
const optionalEmail = z.preprocess(
  (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
  z.email().optional(),
);
/** A context flag: true/false, or "true"/"false" as `-c key=value` passes it. */
const flag = z.preprocess(
  (value) => (value === 'true' ? true : value === 'false' || value === '' ? false : value),
  z.boolean({ error: 'expected true or false' }).default(false),
);
const retentionValues = new Set(
  Object.values(RetentionDays).filter((value): value is number => typeof value === 'number'),
);

export const deploymentConfigSchema = z
  .object({
    deployment: optionalText.refine(
      (value) => value === undefined || /^[a-z][a-z0-9-]{0,19}$/.test(value),
      'expected a short name: a lower-case letter, then up to 19 lower-case letters, digits and hyphens',
    ),
    alarmEmail: optionalEmail,
    ncbiApiKeySecret: optionalText,
    ncbiEmail: optionalEmail,
    openAlexApiKeySecret: optionalText,
    unpaywallEmail: optionalEmail,
    sesSender: optionalEmail,
    digestRecipients: optionalText
      .transform((value) =>
        value
          ?.split(',')
          .map((address) => address.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.email()).optional()),
    logRetentionDays: z.coerce
      .number()
      .int()
      .default(90)
      .refine(
        (days) => retentionValues.has(days),
        'expected a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, 60, 90, ...)',
      ),
    reportPublicBaseUrl: z.preprocess(
      (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
      z.url({ protocol: /^https$/, error: 'expected an https URL' }).optional(),
    ),
    cognitoDomainPrefix: optionalText.refine(
      (value) => value === undefined || /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(value),
      'expected lower-case letters, digits and hyphens',
    ),
    protocolsDir: z
      .string()
      .default('protocols')
      .transform((dir) => (isAbsolute(dir) ? dir : join(PROJECT_ROOT, dir))),
    withoutMail: flag,
    publicReport: flag,
  })
  .superRefine((config, context) => {
    // Deploying without a sender silently left out the living report and the digests: the operator says so.
    if (!config.sesSender && !config.withoutMail) {
      context.addIssue({
        code: 'custom',
        path: ['sesSender'],
        message:
          'not set. The report and digest functions (the living report, the weekly digests, trigger notices) send mail through SES and need a sender: -c sesSender=reviews@example.org (an SES-verified address or domain), or -c withoutMail=true to deploy without them',
      });
    }
    if (config.sesSender && config.withoutMail) {
      context.addIssue({
        code: 'custom',
        path: ['withoutMail'],
        message: 'contradicts sesSender: give one or the other',
      });
    }
    if (config.publicReport && !config.sesSender) {
      context.addIssue({
        code: 'custom',
        path: ['publicReport'],
        message: 'publishes what the report function writes, which deploys only with a sesSender',
      });
    }
  });

export type DeploymentConfig = z.infer<typeof deploymentConfigSchema>;
export type DeploymentConfigInput = z.input<typeof deploymentConfigSchema>;

const keys = Object.keys(deploymentConfigSchema.shape) as (keyof DeploymentConfig)[];

/** Validates `input`; throws naming every bad key. */
export function parseDeploymentConfig(input: Record<string, unknown>): DeploymentConfig {
  const parsed = deploymentConfigSchema.safeParse(input);
  if (!parsed.success) {
    const problems = formatIssues(parsed.error, '(context)', { separator: '\n  ' });
    throw new Error(`invalid CDK context for the living review monitor:\n  ${problems}`);
  }
  return parsed.data;
}

/** The parameters from an app's context (cdk.json and -c key=value). */
export function deploymentConfigFromContext(node: Node): DeploymentConfig {
  const input: Record<string, unknown> = {};
  for (const key of keys) {
    const value = node.tryGetContext(key);
    if (value !== undefined) input[key] = value;
  }
  return parseDeploymentConfig(input);
}
