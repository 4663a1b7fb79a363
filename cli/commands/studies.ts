// `living-review studies --review ID [--format text|json]`: the review's included studies: id, first author,
// year, PMID or DOI, patient rows, and state (included, retracted, withdrawn). Any of the id, the PMID and the
// DOI names the study in `--citation` (include, withdraw).
import { listStudies, type StudyListing } from '../../shared/app/list-studies.ts';
import { type Command, formatOption, readFormat } from '../command.ts';
import { openStore, reviewOptions, selectReview, storeOptions } from '../context.ts';
import { jsonText, table, terminalText } from '../format.ts';
import { evidenceStoreOf } from './stats.ts';

export function formatStudies(reviewId: string, listings: readonly StudyListing[]): string {
  if (listings.length === 0) return `review "${reviewId}" has no included study yet`;
  const rows = listings.map(({ study, firstAuthor, patients, state }) => [
    study.citationId,
    terminalText(firstAuthor ?? '(no author)'),
    study.year === null ? '' : String(study.year),
    study.pmid ? `PMID ${study.pmid}` : study.doi ? `doi:${terminalText(study.doi)}` : '',
    String(patients),
    state,
  ]);
  const count = (state: string) => listings.filter((l) => l.state === state).length;
  const pooled = listings.filter((l) => l.state === 'included');
  const summary = [
    `${listings.length} included stud${listings.length === 1 ? 'y' : 'ies'} in review "${reviewId}"`,
    count('withdrawn') ? `${count('withdrawn')} withdrawn` : null,
    count('retracted') ? `${count('retracted')} retracted` : null,
    `${pooled.reduce((sum, l) => sum + l.patients, 0)} patient rows in the others`,
  ].filter(Boolean);
  return `${table(['id', 'first author', 'year', 'PMID / DOI', 'patients', 'state'], rows)}\n${summary.join(', ')}`;
}

export const studiesCommand: Command = {
  name: 'studies',
  store: true,
  summary: "A review's included studies: id, first author, year, PMID/DOI, patient rows, state",
  usage: 'studies --review ID [--format text|json] [--protocol FILE] [--data DIR | --aws-table NAME]',
  help: [
    'state: included (pooled), retracted (PubMed flags it; its patients leave the statistics under',
    'onRetraction: exclude-patients), withdrawn (living-review withdraw; never pooled).',
    'json: one object per study: the inclusion as stored, firstAuthor, patients and state.',
  ].join('\n'),
  options: { ...reviewOptions, ...storeOptions, ...formatOption() },
  async run({ values }, io) {
    const format = readFormat(values, ['text', 'json']);
    const protocol = await selectReview(values);
    const connection = await openStore(values);
    try {
      const listings = await listStudies(protocol.id, {
        evidence: evidenceStoreOf(connection),
        citations: connection.store,
      });
      io.out(
        format === 'json'
          ? jsonText(
              listings.map(({ study, firstAuthor, patients, state }) => ({
                ...study,
                firstAuthor,
                patients,
                state,
              })),
              2,
            )
          : formatStudies(protocol.id, listings),
      );
      return 0;
    } finally {
      await connection.close();
    }
  },
};
