// Appraisals settled through the use cases (as the API and the CLI record them), for the report tests.
import { randomUUID } from 'node:crypto';
import { DynamoAppraisalStore } from '../../../shared/adapters/dynamodb/appraisal-store.ts';
import { type AppraisalDeps, recordAnswer, setStudyDesign } from '../../../shared/app/appraisal.ts';
import { toolForDesign } from '../../../shared/domain/protocol/appraisal.ts';
import type { Protocol } from '../../../shared/domain/protocol/protocol.ts';
import type { Harness } from '../report/harness.ts';

export function appraisalDepsOf(h: Harness): AppraisalDeps {
  const table = { client: h.embedded.client, tableName: h.embedded.tableName };
  return {
    appraisal: new DynamoAppraisalStore(table),
    evidence: h.evidence,
    citations: h.citations,
    clock: h.clock,
    newId: randomUUID,
  };
}

/**
 * Appraises a study with the IESM tools: pp and alc answer every item "yes" except those in `no` (both agree),
 * pp says level `level`; alc says "unclear" to the first item, which the arbiter ash settles as "yes".
 */
export async function settleAppraisal(
  deps: AppraisalDeps,
  protocol: Protocol,
  studyId: string,
  options: { design: 'case-report' | 'case-series'; no?: string[]; level?: string },
): Promise<void> {
  const tool = toolForDesign(protocol.appraisal!, options.design)!;
  await setStudyDesign(deps, protocol, { reviewerId: 'pp' }, studyId, { design: options.design });
  for (const reviewerId of ['pp', 'alc']) {
    for (const [index, item] of tool.items.entries()) {
      const answer = options.no?.includes(item.id)
        ? 'no'
        : index === 0 && reviewerId === 'alc'
          ? 'unclear'
          : 'yes';
      await recordAnswer(deps, protocol, { reviewerId }, studyId, {
        questionId: item.id,
        answer,
        note: null,
      });
    }
    await recordAnswer(deps, protocol, { reviewerId }, studyId, {
      questionId: 'level',
      answer: options.level ?? '4',
      note: null,
    });
  }
  if (!options.no?.includes(tool.items[0]!.id)) {
    await recordAnswer(deps, protocol, { reviewerId: 'ash' }, studyId, {
      questionId: tool.items[0]!.id,
      answer: 'yes',
      note: null,
    });
  }
}
