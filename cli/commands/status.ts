// `living-review status --review ID`: screening counts per stage, Cohen's kappa between the screeners, and the
// records in conflict. `--format json` prints the whole report as JSON.
import { type StatusReport, statusReport } from '../../shared/app/screening.ts';
import { type Command, formatOption, readFormat } from '../command.ts';
import { dataDirectory, reviewOptions, selectReview } from '../context.ts';
import { jsonText, STAGE_NAMES, terminalText } from '../format.ts';
import { openEmbeddedScreening, statusDepsOver } from '../serve/wiring.ts';

function fixed(value: number | null): string {
  return value === null ? 'undefined' : value.toFixed(2);
}

export function formatStatus(report: StatusReport): string {
  const lines = [
    `review ${report.reviewId}: ${report.records} records · ${report.included} included · ${report.excluded} excluded · ${report.duplicates} duplicates`,
    '',
    `${'stage'.padEnd(16)}${'awaiting 1st'.padStart(13)}${'awaiting 2nd'.padStart(13)}${'in conflict'.padStart(12)}${'settled'.padStart(9)}  (included/excluded, by arbiter)`,
  ];
  for (const s of report.stages) {
    lines.push(
      `${STAGE_NAMES[s.stage].padEnd(16)}${String(s.awaitingFirst).padStart(13)}${String(s.awaitingSecond).padStart(13)}${String(s.inConflict).padStart(12)}${String(s.settled).padStart(9)}  (${s.settledIncluded}/${s.settledExcluded}, ${s.settledByArbiter})`,
    );
  }
  lines.push('', "agreement between screeners (Cohen's kappa over records both decided):");
  if (report.agreement.length === 0) lines.push('  none yet');
  for (const a of report.agreement) {
    lines.push(
      `  ${STAGE_NAMES[a.stage].padEnd(15)} ${a.reviewers.join(' vs ')}: kappa ${fixed(a.kappa)} over ${a.n} records (observed ${fixed(a.observedAgreement)}, chance ${fixed(a.expectedAgreement)})`,
    );
  }
  lines.push('', `conflicts (${report.conflictDetails.length}):`);
  if (report.conflictDetails.length === 0) lines.push('  none');
  for (const c of report.conflictDetails) {
    lines.push(terminalText(`  ${STAGE_NAMES[c.stage].padEnd(15)} ${c.citationId}  ${c.title}`));
  }
  return lines.join('\n');
}

export const statusCommand: Command = {
  name: 'status',
  store: true,
  summary: 'Screening progress of a review: counts per stage, kappa, conflicts',
  usage: 'status --review ID [--format text|json] [--data DIR] [--protocol FILE]',
  options: { ...reviewOptions, ...formatOption() },
  async run({ values }, io) {
    const format = readFormat(values, ['text', 'json']);
    const protocol = await selectReview(values);
    const screening = await openEmbeddedScreening(dataDirectory(values), [protocol]);
    try {
      const report = await statusReport(statusDepsOver(screening, screening.embedded, protocol), protocol);
      io.out(format === 'json' ? jsonText(report, 2) : formatStatus(report));
      return 0;
    } finally {
      await screening.close();
    }
  },
};
