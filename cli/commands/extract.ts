// `living-review extract import FILE --review ID [--format csv|json] [--study ID] [--create-studies] [--by NAME]`:
// validate every patient row of the file against the protocol's variables and rules (all or nothing: one bad
// row names its row and column and nothing is written), check each row's study is included (or, with
// --create-studies, include the studies the file names), store the rows and bring the statistics up to date.
// `living-review extract export --review ID [--out FILE] [--booleans yes-no|true-false|1-0]`: every stored
// patient row as CSV for R (read.csv) or SPSS; `extract import` reads the file back to the same rows.
// `living-review extract verify|resolve --review ID --reviewer NAME ...`: extraction verification (verify-rows.ts).
// `living-review extract template --review ID [--out FILE]`: the CSV header of the review's columns with one
// "#" note per column (type, unit, levels, required); fill it in and import it.
import { readFile, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { extname } from 'node:path';
import { importPatientRows, type PatientRowFormat } from '../../shared/app/import-patient-rows.ts';
import { confirmRows, flagRow, resolveField } from '../../shared/app/verify-extraction.ts';
import {
  type ExportOptions,
  patientRowsTemplate,
  patientRowsToCsv,
} from '../../shared/domain/extraction/export-rows.ts';
import { rowSchemaOf } from '../../shared/domain/extraction/patient-row.ts';
import type { Protocol } from '../../shared/domain/protocol/protocol.ts';
import { errorMessage, InputError } from '../../shared/errors.ts';
import type { CommandOutput } from '../command.ts';
import { type Command, optionalString, requireOption, UsageError } from '../command.ts';
import { openStore, reviewOptions, selectReview, storeOptions } from '../context.ts';
import { screeningOver } from '../serve/wiring.ts';
import { reviewerNamed } from './screen.ts';
import { evidenceStoreOf } from './stats.ts';
import { fieldAssignment, stdinLines, verifyInTerminal } from './verify-rows.ts';

function describeOutcome(outcome: { recorded: boolean; rows: { patientId: string; phase: string }[] }) {
  const rows = outcome.rows.map((r) => `${r.patientId} (${r.phase})`).join(', ');
  return `${outcome.recorded ? 'recorded' : 'already recorded, nothing written'}: ${rows || 'no row waits for you'}`;
}

async function verifyCommand(
  action: 'verify' | 'resolve',
  values: Record<string, unknown>,
  io: CommandOutput,
): Promise<number> {
  const protocol = await selectReview(values);
  if (!protocol.verification) {
    throw new UsageError(`review "${protocol.id}" declares no extraction verification in its protocol`);
  }
  const reviewer = reviewerNamed(protocol, requireOption(values, 'reviewer'));
  const actor = { reviewerId: reviewer.id };
  const study = optionalString(values, 'study');
  const rows = (values.row as string[] | undefined) ?? [];
  const note = optionalString(values, 'note');
  const flags = (values.flag as string[] | undefined) ?? [];
  const field = optionalString(values, 'field');
  const scripted =
    action === 'verify'
      ? values.confirm === true || flags.length > 0
      : values.accept === true || values.keep === true;
  const store = await openStore(values);
  try {
    const deps = screeningOver({ client: store.client, tableName: store.tableName }, [protocol]).verification;
    if (!scripted) {
      const input = stdinLines();
      try {
        const result = await verifyInTerminal({
          deps,
          protocol,
          actor,
          mode: action,
          ...(study ? { studyId: study } : {}),
          lines: input.lines,
          write: (text) => io.out(text),
        });
        io.err(`${result.recorded} recorded, ${result.skipped} skipped${result.quit ? ' (stopped)' : ''}`);
        return 0;
      } finally {
        input.close();
      }
    }
    if (!study)
      throw new UsageError(`extract ${action} needs --study S with --confirm, --flag, --accept or --keep`);
    if (action === 'verify') {
      if (values.confirm === true && flags.length > 0)
        throw new UsageError('give --confirm or --flag, not both');
      if (values.confirm === true) {
        const outcome = await confirmRows(
          deps,
          protocol,
          actor,
          study,
          rows.length > 0 ? { patientIds: rows } : {},
        );
        io.out(describeOutcome(outcome));
        return 0;
      }
      if (rows.length !== 1) throw new UsageError('--flag needs exactly one --row R');
      if (!note) throw new UsageError('--flag needs --note TEXT (why the value is wrong)');
      const outcome = await flagRow(deps, protocol, actor, study, rows[0]!, {
        fields: flags.map((f) => ({ ...fieldAssignment(f), note })),
        as: 'text',
      });
      io.out(describeOutcome(outcome));
      return 0;
    }
    if (rows.length !== 1 || !field) throw new UsageError('extract resolve needs --row R and --field F');
    if (values.accept === true && values.keep === true)
      throw new UsageError('give --accept or --keep, not both');
    const value = optionalString(values, 'value');
    const outcome = await resolveField(deps, protocol, actor, study, rows[0]!, {
      field,
      decision: values.accept === true ? 'accept' : 'keep',
      ...(value !== undefined ? { value } : {}),
      note: note ?? null,
      as: 'text',
    });
    io.out(describeOutcome(outcome));
    return 0;
  } finally {
    await store.close();
  }
}

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
  store: true,
  summary: 'Patient rows: import CSV/JSON (all or nothing), export CSV for R or SPSS, or a CSV template',
  usage:
    'extract import FILE --review ID [--format csv|json] [--study ID] [--create-studies] [--by NAME] [--reviewer NAME] | extract verify --review ID --reviewer NAME [--study S [--row R ...] (--confirm | --flag FIELD=VALUE ... --note TEXT)] | extract resolve --review ID --reviewer NAME [--study S --row R --field F (--accept [--value V] | --keep --note TEXT)] | extract export --review ID [--out FILE] [--booleans yes-no|true-false|1-0] | extract template --review ID [--out FILE]  [--protocol FILE] [--data DIR | --aws-table NAME]',
  options: {
    ...reviewOptions,
    ...storeOptions,
    format: { type: 'string' },
    study: { type: 'string' },
    out: { type: 'string' },
    booleans: { type: 'string' },
    'create-studies': { type: 'boolean' },
    by: { type: 'string' },
    reviewer: { type: 'string' },
    row: { type: 'string', multiple: true },
    confirm: { type: 'boolean' },
    flag: { type: 'string', multiple: true },
    note: { type: 'string' },
    field: { type: 'string' },
    accept: { type: 'boolean' },
    keep: { type: 'boolean' },
    value: { type: 'string' },
  },
  help: [
    'import: --reviewer NAME (a reviewer id or name with the role "extractor"; default: the LIVING_REVIEW_REVIEWER',
    'environment variable) is recorded as the extractor of every new or changed row, which then waits for the',
    "protocol's verifiers. Without one, the rows are stored but wait until an import names their extractor.",
    'verify: lists the rows waiting for the reviewer, then reads one line per row: c confirms it, f FIELD=VALUE',
    'NOTE flags a field with the value you propose (several f lines, then d sends them), s skips, q quits.',
    'For scripts: --study S [--row R ...] --confirm (all waiting rows of S without --row), or --study S --row R',
    '--flag FIELD=VALUE [--flag ...] --note TEXT. Values are written as CSV cells (empty or NA: not reported).',
    'resolve (the extractor, or an arbiter who did not verify the row): each flagged field of a disputed row,',
    'a [VALUE] accepts a proposal (the row is corrected), k NOTE keeps the value; for scripts --study S --row R',
    '--field F --accept [--value V] or --keep --note TEXT. Verifiers do not see each other before a row settles.',
  ].join('\n'),
  positionals: true,
  async run({ values, positionals }, io) {
    const [action, ...files] = positionals;
    if (action === 'import') {
      if (files.length !== 1) throw new UsageError('extract import takes exactly one FILE');
      const file = files[0]!;
      const format = formatOf(file, optionalString(values, 'format'));
      const protocol = await selectReview(values);
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        throw new InputError(`${file}: cannot read (${errorMessage(error)})`, { cause: error });
      }
      const study = optionalString(values, 'study');
      const named = optionalString(values, 'reviewer') ?? process.env.LIVING_REVIEW_REVIEWER;
      const extractor = named && protocol.verification ? reviewerNamed(protocol, named).id : undefined;
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
            ...(extractor ? { extractor } : {}),
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
        if (summary.extraction?.extractor) {
          io.err(
            `${summary.extraction.recorded} row${summary.extraction.recorded === 1 ? '' : 's'} recorded as extracted by ${summary.extraction.extractor}, awaiting verification`,
          );
        }
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
      const protocol = await selectReview(values);
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
    if (action === 'verify' || action === 'resolve') {
      if (files.length !== 0) throw new UsageError(`extract ${action} takes no FILE`);
      return verifyCommand(action, values, io);
    }
    if (action === 'template') {
      if (files.length !== 0) throw new UsageError('extract template takes no FILE (use --out FILE)');
      const protocol = await selectReview(values);
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
        ? `unknown extract action "${action}" (import, verify, resolve, export or template)`
        : 'give import, verify, resolve, export or template',
    );
  },
};
