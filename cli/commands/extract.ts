// `living-review extract import FILE --review ID [--format csv|json] [--study ID]`: validate every patient row
// of the file (all or nothing: one bad row names its row and column and nothing is written), check each row's
// study is included, store the rows and bring the statistics up to date.
// `living-review extract export --review ID [--out FILE] [--booleans yes-no|true-false|1-0]`: every stored
// patient row as CSV for R (read.csv) or SPSS; `extract import` reads the file back to the same rows.
import { readFile, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { importPatientRows, type PatientRowFormat } from '../../shared/app/import-patient-rows.ts';
import { type ExportOptions, patientRowsToCsv } from '../../shared/domain/extraction/export-rows.ts';
import { errorMessage, InputError } from '../../shared/errors.ts';
import { type Command, optionalString, UsageError } from '../command.ts';
import { openStore, reviewOptions, selectReview, storeOptions } from '../context.ts';
import { evidenceStoreOf } from './stats.ts';

const BOOLEAN_STYLES = ['yes-no', 'true-false', '1-0'] as const;

function formatOf(file: string, flag: string | undefined): PatientRowFormat {
  const format = flag ?? (extname(file).toLowerCase() === '.json' ? 'json' : 'csv');
  if (format !== 'csv' && format !== 'json')
    throw new UsageError(`--format must be csv or json, not "${format}"`);
  return format;
}

export const extractCommand: Command = {
  name: 'extract',
  summary: 'Import patient rows from CSV/JSON (all or nothing) or export them as CSV for R or SPSS',
  usage:
    'extract import FILE --review ID [--format csv|json] [--study ID] | extract export --review ID [--out FILE] [--booleans yes-no|true-false|1-0]  [--protocol FILE] [--data DIR | --aws-table NAME]',
  options: {
    ...reviewOptions,
    ...storeOptions,
    format: { type: 'string' },
    study: { type: 'string' },
    out: { type: 'string' },
    booleans: { type: 'string' },
  },
  positionals: true,
  async run({ values, positionals }, io) {
    const [action, ...files] = positionals;
    if (action === 'import') {
      if (files.length !== 1) throw new UsageError('extract import takes exactly one FILE');
      const file = files[0]!;
      const format = formatOf(file, optionalString(values, 'format'));
      const protocol = selectReview(values);
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        throw new InputError(`${file}: cannot read (${errorMessage(error)})`, { cause: error });
      }
      const study = optionalString(values, 'study');
      const embedded = await openStore(values);
      try {
        const summary = await importPatientRows(
          {
            reviewId: protocol.id,
            text,
            format,
            origin: file,
            onRetraction: protocol.onRetraction,
            ...(study ? { defaultStudyId: study } : {}),
          },
          { evidence: evidenceStoreOf(embedded), clock: () => new Date() },
        );
        const stats = summary.statistics;
        io.out(
          `${file}: ${summary.read} patient rows: ${summary.added} added, ${summary.updated} updated, ${summary.moved} moved to another study, ${summary.unchanged} unchanged; statistics ${
            stats.changed ? `version ${stats.version} stored` : `unchanged (version ${stats.version})`
          }`,
        );
        return 0;
      } finally {
        await embedded.close();
      }
    }
    if (action === 'export') {
      if (files.length !== 0) throw new UsageError('extract export takes no FILE (use --out FILE)');
      const booleans = optionalString(values, 'booleans') ?? 'yes-no';
      if (!(BOOLEAN_STYLES as readonly string[]).includes(booleans)) {
        throw new UsageError(`--booleans must be one of ${BOOLEAN_STYLES.join(', ')}, not "${booleans}"`);
      }
      const protocol = selectReview(values);
      const embedded = await openStore(values);
      try {
        const stored = await evidenceStoreOf(embedded).listPatientRows(protocol.id);
        const rows = stored
          .map(({ row }) => row)
          .sort((a, b) => (a.patientId < b.patientId ? -1 : a.patientId > b.patientId ? 1 : 0));
        const style = booleans as ExportOptions['booleans'];
        const out = optionalString(values, 'out');
        if (out) {
          // A file as RFC 4180 says (CRLF line ends), as R, SPSS and spreadsheets read it.
          await writeFile(out, patientRowsToCsv(rows, { booleans: style }), 'utf8');
          io.err(`wrote ${rows.length} patient rows of review "${protocol.id}" to ${out}`);
        } else {
          // A pipe gets "\n" line ends (io.out ends the last line).
          io.out(patientRowsToCsv(rows, { booleans: style, eol: '\n' }).replace(/\n$/, ''));
        }
        if (rows.length === 0)
          io.err(`review "${protocol.id}" has no patient rows yet: only the header was written`);
        return 0;
      } finally {
        await embedded.close();
      }
    }
    throw new UsageError(
      action ? `unknown extract action "${action}" (import or export)` : 'give import or export',
    );
  },
};
