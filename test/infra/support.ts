// Builds the CDK app the way infra/app.ts does, with test context, into a temp cloud assembly directory, and
// reads back what the infra tests assert on: the two templates, the acknowledged cdk-nag findings and the
// function assets. Synthesizing bundles every function (esbuild), so each test file does it once.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PROJECT_ROOT } from '../../infra/bundling.ts';
import { createLivingReviewApp, type LivingReviewApp } from '../../infra/living-review-app.ts';

/** The repository's IESM protocol plus a second review on another day and hour. */
export function twoProtocolDirectory(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lr-infra-protocols-'));
  const iesm = readFileSync(join(PROJECT_ROOT, 'protocols', 'iesm.yaml'), 'utf8');
  writeFileSync(join(dir, 'iesm.yaml'), iesm);
  writeFileSync(
    join(dir, 'spinal-cord-compression.yaml'),
    iesm
      .replace(/^id: iesm$/m, 'id: spinal-cord-compression')
      .replace(/^ {2}cron: .*$/m, '  cron: "30 5 ? * THU *"'),
  );
  return dir;
}

export interface SynthesizedApp extends LivingReviewApp {
  outdir: string;
  data: Template;
  stack: Template;
}

export function synthesize(
  context: Record<string, unknown>,
  options: { bundle?: boolean; outdir?: string } = {},
): SynthesizedApp {
  const outdir = options.outdir ?? mkdtempSync(join(tmpdir(), 'lr-cdk-out-'));
  const built = createLivingReviewApp({
    outdir,
    context: {
      'aws:cdk:enable-asset-metadata': true,
      ...(options.bundle === false ? { 'aws:cdk:bundling-stacks': [] } : {}),
      ...context,
    },
  });
  // Throws "Validation failed" on any cdk-nag finding that is not acknowledged.
  built.app.synth();
  return {
    ...built,
    outdir,
    data: Template.fromStack(built.stateful),
    stack: Template.fromStack(built.stateless),
  };
}

/** Every acknowledged finding in the app: construct path -> rule id -> reason. */
export function acknowledgements(app: LivingReviewApp['app']): Map<string, Map<string, string>> {
  const found = new Map<string, Map<string, string>>();
  for (const construct of app.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      const rules = found.get(construct.node.path) ?? new Map<string, string>();
      for (const [rule, reason] of Object.entries(entry.data as Record<string, string>))
        rules.set(rule, reason);
      found.set(construct.node.path, rules);
    }
  }
  return found;
}

export type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Sid?: string };

/**
 * The statements of the inline policies attached to `roleLogicalId`, each statement's actions sorted (their
 * order means nothing to IAM, and the feature flag @aws-cdk/aws-iam:minimizePolicies sorts them).
 */
export function roleStatements(template: Template, roleLogicalId: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((policy) =>
      (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleLogicalId),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[])
    .map((statement) =>
      Array.isArray(statement.Action) ? { ...statement, Action: [...statement.Action].sort() } : statement,
    );
}

export const actionsOf = (statement: Statement) =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];
