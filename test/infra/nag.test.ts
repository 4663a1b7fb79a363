// cdk-nag (AwsSolutions pack) over the whole app. The app acknowledges a few findings, each with its reason
// (infra/stacks/*.ts). This file checks the acknowledgements both ways: synthesized with them, the app has no
// finding left; synthesized with acknowledge() switched off, it has exactly the acknowledged findings, so no
// acknowledgement is stale or broader than the finding it answers. Functions are not bundled here (the
// findings do not depend on code); test/infra/app.test.ts synthesizes with bundling.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CfnResource, Validations } from 'aws-cdk-lib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { acknowledgements, synthesize, twoProtocolDirectory } from './support.ts';

const context = () => ({
  alarmEmail: 'operator@example.org',
  ncbiApiKeySecret: 'living-review/ncbi-api-key',
  sesSender: 'reviews@example.org',
  protocolsDir: twoProtocolDirectory(),
});

interface Report {
  pluginReports: {
    pluginName: string;
    violations: { ruleName: string; severity: string; violatingConstructs: { constructPath: string }[] }[];
  }[];
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('cdk-nag AwsSolutions', () => {
  it('leaves no unacknowledged finding, and gives every acknowledgement a reason', () => {
    const s = synthesize(context(), { bundle: false });
    const acknowledged = acknowledgements(s.app);
    const rules = [...acknowledged.values()].flatMap((byRule) => [...byRule.keys()]);
    const fnArn = (name: string) => {
      const service = s.stateless.node.findChild(name).node.findChild('Function');
      return `<${s.stateless.getLogicalId(service.node.defaultChild as CfnResource)}.Arn>:*`;
    };
    expect(rules.sort()).toEqual(
      [
        'Annotation::AwsSolutions-APIG4',
        'Annotation::AwsSolutions-APIG4',
        'Annotation::AwsSolutions-APIG4',
        'Annotation::AwsSolutions-COG8',
        // dynamodb:ListStreams of the two stream consumers (recompute-stats, publish-report)
        'Annotation::AwsSolutions-IAM5[Resource::*]',
        'Annotation::AwsSolutions-IAM5[Resource::*]',
        'Annotation::AwsSolutions-IAM5[Resource::LivingReviewData-ReportBucketArn/reports/*]',
        // the screening API's presigned POSTs and GETs of attached PDFs
        'Annotation::AwsSolutions-IAM5[Resource::LivingReviewData-AttachmentBucketArn/*]',
        // the schedules invoke these three directly (search-review's send to its queue)
        ...['watch-retractions', 'publish-report', 'send-digest'].map(
          (name) => `Annotation::AwsSolutions-IAM5[Resource::${fnArn(name)}]`,
        ),
        // the three destination dead-letter queues (the search-request queue's own is named by its redrive policy)
        'Annotation::AwsSolutions-SQS3',
        'Annotation::AwsSolutions-SQS3',
        'Annotation::AwsSolutions-SQS3',
      ].sort(),
    );
    for (const [path, byRule] of acknowledged) {
      for (const [rule, reason] of byRule) expect(reason.length, `${path} ${rule}`).toBeGreaterThan(60);
    }
  });

  for (const [label, extra] of [
    ['', {}],
    [', with the public report site', { publicReport: 'true' }],
  ] as const) {
    it(`finds exactly the acknowledged findings when acknowledgements are switched off${label}`, () => {
      // Prepare: the acknowledgements as the app declares them, then an app built without any.
      const expected = acknowledgements(synthesize({ ...context(), ...extra }, { bundle: false }).app);
      vi.spyOn(Validations.prototype, 'acknowledge').mockImplementation(function (this: Validations) {});

      // Act
      const outdir = mkdtempSync(join(tmpdir(), 'lr-cdk-out-'));
      let failure: unknown = null;
      try {
        synthesize({ ...context(), ...extra }, { bundle: false, outdir });
      } catch (error) {
        failure = error;
      }

      // Assess
      expect(String(failure)).toMatch(/AwsSolutions/);
      // CDK writes the report file, or (depending on how the failure surfaces) lists the findings in the error.
      const reportPath = join(outdir, 'validation-report.json');
      const found = existsSync(reportPath)
        ? (
            (JSON.parse(readFileSync(reportPath, 'utf8')) as Report).pluginReports.find(
              (p) => p.pluginName === 'AwsSolutions',
            )?.violations ?? []
          ).flatMap((v) => v.violatingConstructs.map((c) => `${c.constructPath} ${v.ruleName}`))
        : [...String(failure).matchAll(/^\s+(\S+) \S+\n\s+Acknowledge with 'AwsSolutions::([^']+)'/gm)].map(
            (m) => `${m[1]} ${m[2]}`,
          );
      expect(found.length).toBeGreaterThan(0);
      // Every finding answers to an acknowledgement at or above its construct, with the same rule id; every
      // acknowledgement (construct, rule) answers at least one finding.
      const acknowledged = [...expected].flatMap(([path, byRule]) =>
        [...byRule.keys()].map((rule) => `${path} ${rule.replace(/^Annotation::/, '')}`),
      );
      const used = new Set<string>();
      for (const violation of found) {
        const [constructPath, rule] = [
          violation.slice(0, violation.indexOf(' ')),
          violation.slice(violation.indexOf(' ') + 1),
        ];
        const owner = acknowledged.find((ack) => {
          const [path, ackRule] = [ack.slice(0, ack.indexOf(' ')), ack.slice(ack.indexOf(' ') + 1)];
          return constructPath.startsWith(`${path}/`) && ackRule === rule;
        });
        expect(owner, `unacknowledged: ${violation}`).toBeDefined();
        used.add(owner!);
      }
      expect([...used].sort()).toEqual([...acknowledged].sort());
    });
  }
});
