// `living-review withdraw` as a user runs it: the real binary in child processes against the embedded store in a
// fresh data directory holding two included studies with patient rows. Withdrawing one recomputes the
// statistics without its patients; a repeat changes nothing; errors are one line with exit codes 1 (failure) and
// 2 (usage); `stats` names the withdrawn study; `include` refuses it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoEvidenceStore } from '../../../shared/adapters/dynamodb/evidence-store.ts';
import { type EmbeddedStore, openEmbeddedStore } from '../../../shared/adapters/embedded/embedded-store.ts';
import { includeStudy } from '../../../shared/app/include-study.ts';
import { latestStatistics, recomputeStatistics } from '../../../shared/app/recompute-statistics.ts';
import { runLivingReview } from '../../support/cli-binary.ts';
import { iesmProtocol } from '../../support/protocols.ts';
import { makeStoreCitation, makeTempDataDir, removeDataDir } from '../../support/store-fixtures.ts';
import { cohortInStudies } from '../evidence/support.ts';

const livingReview = (args: string[]) => runLivingReview(args);

let dataDir: string;
let embedded: EmbeddedStore;
let evidence: DynamoEvidenceStore;
let studies: string[];
/** A stored citation that was never included. */
let notIncluded: string;

beforeAll(async () => {
  dataDir = makeTempDataDir('cli-withdraw');
  embedded = await openEmbeddedStore({ dataDir, serverIdleMs: 10_000 });
  evidence = new DynamoEvidenceStore({ client: embedded.client, tableName: embedded.tableName });
  const clock = () => new Date();
  studies = [];
  for (const pmid of ['39100001', '39100002']) {
    const { citationId } = await embedded.store.recordCitation('iesm', makeStoreCitation({ pmid }), clock());
    await includeStudy(
      { reviewId: 'iesm', citationId, includedBy: 'pp', source: 'manual' },
      { citations: embedded.store, evidence, clock },
    );
    studies.push(citationId);
  }
  notIncluded = (
    await embedded.store.recordCitation('iesm', makeStoreCitation({ pmid: '39100003' }), clock())
  ).citationId;
  await evidence.putPatientRows(
    'iesm',
    cohortInStudies(studies).map((row) => ({ row, origin: 'cohort.csv', importedAt: clock().toISOString() })),
  );
  await recomputeStatistics({ protocol: iesmProtocol() }, { evidence, clock });
});

afterAll(async () => {
  await embedded?.close();
  if (dataDir) await removeDataDir(dataDir);
});

describe('living-review withdraw', () => {
  it('shows its options with --help and is listed by living-review --help', async () => {
    const help = await livingReview(['withdraw', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(
      'usage: living-review withdraw --review ID --citation ID|PMID|DOI --reason TEXT [--by NAME] [--protocol FILE] [--data DIR | --aws-table NAME]',
    );
    expect((await livingReview(['--help'])).stdout).toMatch(/\n {2}withdraw +Withdraw an included study/);
  });

  it('withdraws a study with a protocol reason, recomputes without its patients, and a repeat changes nothing', async () => {
    // Act
    const first = await livingReview([
      'withdraw',
      ...['--review', 'iesm', '--citation', studies[0]!, '--reason', 'neurogenic primary tumour'],
      ...['--by', 'pp', '--data', dataDir],
    ]);
    // The same study named by its PMID.
    const again = await livingReview([
      'withdraw',
      ...['--review', 'iesm', '--citation', 'PMID:39100001', '--reason', 'something else', '--data', dataDir],
    ]);

    // Assess
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout.trim()).toMatch(
      new RegExp(`^withdrew ${studies[0]} from review "iesm" \\(reason: Neurogenic primary tumour\\): `),
    );
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toMatch(
      /was already withdrawn from review "iesm" \(.* by pp, reason: Neurogenic primary tumour\); nothing changed$/,
    );
    const stored = await latestStatistics('iesm', { evidence });
    expect(stored!.snapshot.version).toBe(2);
    expect(stored!.snapshot.patients.count).toBe(65);
    expect(stored!.snapshot.studies.ids).toEqual([studies[1]]);
    expect(stored!.snapshot.studies.withdrawn).toMatchObject([
      { studyId: studies[0], by: 'pp', reason: 'neurogenic-primary' },
    ]);

    const stats = await livingReview(['stats', '--review', 'iesm', '--data', dataDir]);
    expect(stats.code).toBe(0);
    expect(stats.stdout).toContain(`Withdrawn studies, left out with their patients (1): ${studies[0]} (`);
    expect(stats.stdout).toMatch(
      /^- 1 study withdrawn, left out of the statistics: .+ \(Neurogenic primary tumour\)$/m,
    );
    expect(stats.stdout).toContain('- 65 patients removed');
  });

  it('fails in one line: an unknown citation (exit 1), a missing reason (exit 2), including it again (exit 1)', async () => {
    const withdrawing = (citation: string) =>
      livingReview([
        'withdraw',
        '--review',
        'iesm',
        '--citation',
        citation,
        '--reason',
        'x',
        '--data',
        dataDir,
      ]);
    const [notIncludedYet, unknown, unknownPmid] = await Promise.all([
      withdrawing(notIncluded),
      withdrawing('cunknown'),
      withdrawing('39999999'),
    ]);
    expect(notIncludedYet.code).toBe(1);
    expect(notIncludedYet.stdout).toBe('');
    expect(notIncludedYet.stderr.trim().split('\n')).toEqual([
      `living-review withdraw: ${notIncluded} is not an included study of review "iesm": there is no inclusion to withdraw`,
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe(
      'living-review withdraw: "cunknown" names no citation: give its id (c followed by 20 hex digits), a PMID, a DOI or a PMCID',
    );
    expect(unknownPmid.code).toBe(1);
    expect(unknownPmid.stderr.trim()).toBe(
      'living-review withdraw: no citation with PMID 39999999 or PMCID PMC39999999 in review "iesm": import or search it first',
    );

    // Three refusals that write nothing: run at once (one after another, the processes outlast a test under load).
    const [noReason, blank, include] = await Promise.all([
      livingReview(['withdraw', '--review', 'iesm', '--citation', studies[1]!, '--data', dataDir]),
      livingReview([
        'withdraw',
        ...['--review', 'iesm', '--citation', studies[1]!, '--reason', '  ', '--data', dataDir],
      ]),
      livingReview(['include', '--review', 'iesm', '--citation', studies[0]!, '--data', dataDir]),
    ]);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('living-review withdraw: --reason is required');
    expect(blank.code).toBe(1);
    expect(blank.stderr.trim()).toBe('living-review withdraw: a withdrawal needs a reason (--reason TEXT)');
    expect(include.code).toBe(1);
    expect(include.stderr.trim()).toMatch(
      new RegExp(
        `^living-review include: ${studies[0]} was withdrawn from review "iesm" on .* by pp \\(reason: neurogenic-primary\\); a withdrawn inclusion is not included again$`,
      ),
    );
  });
});
