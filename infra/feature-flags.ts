// The CDK feature flags of this app: every flag aws-cdk-lib recommends (its recommended-feature-flags.json, as
// `cdk init` would write them), pinned in cdk.json's "context" so that upgrading aws-cdk-lib never changes a
// deployed resource silently: a new recommended flag fails test/infra/config.test.ts until it is set on purpose.
// Two values are this app's own choices, and differ from or add to the recommendation:
// - "@aws-cdk/core:defaultCrossStackReferences": "strong": the stateless stack imports the table, queues, topic
//   and pool as CloudFormation exports, so CloudFormation refuses to remove an export still in use.
// - "@aws-cdk/core:validateAgainstDefaultRules": true: synth fails on a template CloudFormation would reject.
// Setting every flag also silences the CDK CLI's "feature flags are not configured" notice.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './bundling.ts';

/** cdk.json's "context": the pinned feature flags (and any parameters an operator put there). */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

/** aws-cdk-lib's recommended value of every feature flag it knows. */
export function recommendedFeatureFlags(): Record<string, unknown> {
  return JSON.parse(
    readFileSync(join(PROJECT_ROOT, 'node_modules', 'aws-cdk-lib', 'recommended-feature-flags.json'), 'utf8'),
  ) as Record<string, unknown>;
}

/** The flags this app sets differently from the recommendation, and why (see above). */
export const OWN_FLAG_VALUES: Readonly<Record<string, unknown>> = {
  '@aws-cdk/core:defaultCrossStackReferences': 'strong',
};
