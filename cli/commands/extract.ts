// `living-review extract import FILE --review ID [--format csv|json] [--study ID] [--create-studies] [--by NAME]`:
// validate every patient row of the file against the protocol's variables and rules (all or nothing: one bad
// row names its row and column and nothing is written), check each row's study is included (or, with
// --create-studies, include the studies the file names), store the rows and bring the statistics up to date.
// `living-review extract export --review ID [--out FILE] [--booleans yes-no|true-false|1-0]`: every stored
// patient row as CSV for R (read.csv) or SPSS; `extract import` reads the file back to the same rows.
// `living-review extract template --review ID [--out FILE]`: the CSV header of the review's columns with one
// "#" note per column (type, unit, levels, required); fill it in and import it.
import { readFile, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { extname } from 'node:path';
import { importPatientRows, type PatientRowFormat } from '../../shared/app/import-patient-rows.ts';
import {
  type ExportOptions,
  patientRowsTemplate,
  patientRowsToCsv,
} from '../../shared/domain/extraction/export-rows.ts';
import { rowSchemaOf } from '../../shared/domain/extraction/patient-row.ts';
import type { Protocol } from '../../shared/domain/protocol/protocol.ts';
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

function schemaOf(protocol: Protocol) {
  if (!protocol.extraction) {
    throw new InputError(
      `review "${protocol.id}" declares no extraction variables: add an extraction section to its protocol (see living-review init)`,
    );
  }
  return rowSchemaOf(protocol.extraction);
}

function operator(values: Record<string, unknown>): string {
  const by = optionalString(values, 'by');
  if (by) return by;
  try {
    return userInfo().username || 'operator';
  } catch {
    return 'operator';
  }
}

export const extractCommand: Command = {
  name: 'extract',
  summary: 'Patient rows: import CSV/JSON (all or nothing), export CSV for R or SPSS, or a CSV template',
  usage:
    'extract import FILE --review ID [--format csv|json] [--study ID] [--create-studies] [--by NAME] | extract export --review ID [--out FILE] [--booleans yes-no|true-false|1-0] | extract template --review ID [--out FILE]  [--protocol FILE] [--data DIR | --aws-table NAME]',
  options: {
    ...reviewOptions,
    ...storeOptions,
    format: { type: 'string' },
    study: { type: 'string' },
    out: { type: 'string' },
    booleans: { type: 'string' },
    'create-studies': { type: 'boolean' },
    by: { type: 'string' },
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
      const store = await openStore(values);
      try {
        const summary = await importPatientRows(
          {
            protocol,
            text,
            format,
            origin: file,
            ...(study ? { defaultStudyId: study } : {}),
            ...(values['create-studies'] === true ? { createStudies: { by: operator(values) } } : {}),
          },
          { evidence: evidenceStoreOf(store), citations: store.store, clock: () => new Date() },
        );
        const stats = summary.statistics;
        if (summary.studiesCreated.length > 0) {
          io.err(
            `included ${summary.studiesCreated.length} new stud${summary.studiesCreated.length === 1 ? 'y' : 'ies'}: ${summary.studiesCreated.join(', ')}`,
          );
        }
        for (const warning of summary.warnings) io.err(`warning: ${warning}`);
        io.out(
          `${file}: ${summary.read} patient rows: ${summary.added} added, ${summary.updated} updated, ${summary.moved} moved to another study, ${summary.unchanged} unchanged; statistics ${
            stats.changed ? `version ${stats.version} stored` : `unchanged (version ${stats.version})`
          }`,
        );
        return 0;
      } finally {
        await store.close();
      }
    }
    if (action === 'export') {
      if (files.length !== 0) throw new UsageError('extract export takes no FILE (use --out FILE)');
      const booleans = optionalString(values, 'booleans') ?? 'yes-no';
      if (!(BOOLEAN_STYLES as readonly string[]).includes(booleans)) {
        throw new UsageError(`--booleans must be one of ${BOOLEAN_STYLES.join(', ')}, not "${booleans}"`);
      }
      const protocol = selectReview(values);
      const schema = schemaOf(protocol);
      const store = await openStore(values);
      try {
        const stored = await evidenceStoreOf(store).listPatientRows(protocol.id);
        const rows = stored
          .map(({ row }) => row)
          .sort((a, b) => (a.patientId < b.patientId ? -1 : a.patientId > b.patientId ? 1 : 0));
        const style = booleans as ExportOptions['booleans'];
        const out = optionalString(values, 'out');
        if (out) {
          // A file as RFC 4180 says (CRLF line ends), as R, SPSS and spreadsheets read it.
          await writeFile(out, patientRowsToCsv(rows, schema, { booleans: style }), 'utf8');
          io.err(`wrote ${rows.length} patient rows of review "${protocol.id}" to ${out}`);
        } else {
          // A pipe gets "\n" line ends (io.out ends the last line).
          io.out(patientRowsToCsv(rows, schema, { booleans: style, eol: '\n' }).replace(/\n$/, ''));
        }
        if (rows.length === 0)
          io.err(`review "${protocol.id}" has no patient rows yet: only the header was written`);
        return 0;
      } finally {
        await store.close();
      }
    }
    if (action === 'template') {
      if (files.length !== 0) throw new UsageError('extract template takes no FILE (use --out FILE)');
      const protocol = selectReview(values);
      const template = patientRowsTemplate(schemaOf(protocol), protocol.id);
      const out = optionalString(values, 'out');
      if (out) {
        await writeFile(out, template, { encoding: 'utf8', flag: 'wx' }).catch(
          (error: NodeJS.ErrnoException) => {
            throw new InputError(
              error.code === 'EEXIST'
                ? `${out} exists: not overwritten`
                : `${out}: cannot write (${errorMessage(error)})`,
            );
          },
        );
        io.err(`wrote the patient-row template of review "${protocol.id}" to ${out}`);
      } else {
        io.out(template.replace(/\n$/, ''));
      }
      return 0;
    }
    throw new UsageError(
      action
        ? `unknown extract action "${action}" (import, export or template)`
        : 'give import, export or template',
    );
  },
};
