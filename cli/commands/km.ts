// `living-review km --input FILE [--conf-type log|log-log]`: Kaplan-Meier curves of a JSON array of rows
// {time, event (0/1), group?} (issue #5). Prints {"curves": [...]} in the layout of
// test/fixtures/reference/ref-km-datasets.json: per curve strata (null or the group), n, events, table
// (columns: time, n_risk, n_event, n_censor, surv, std_err, se_surv, cumhaz, std_chaz), lower and upper for
// the chosen conf type, and median_print. Inf, NaN and NA are written "Inf", "NaN" and null.
import { readFile } from 'node:fs/promises';
import { kaplanMeier } from '../../shared/domain/stats/kaplan-meier.ts';
import { kaplanMeierByGroup } from '../../shared/domain/stats/kaplan-meier-by-group.ts';
import { toRJson } from '../../shared/domain/stats/r-json.ts';
import type { ConfType, KaplanMeierCurve } from '../../shared/domain/stats/survival-curve.ts';
import { parseSurvivalRows, type SurvivalRow } from '../../shared/domain/stats/survival-input.ts';
import { errorMessage, InputError } from '../../shared/errors.ts';
import { type Command, optionalString, requireOption, UsageError } from '../command.ts';

/** Reads FILE and parses it as JSON; a file that cannot be read or parsed is an InputError naming it. */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError(`${file}: cannot read (${errorMessage(error)})`, { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(`${file}: not JSON (${errorMessage(error)})`, { cause: error });
  }
}

/** Reads FILE and validates it as survival rows; every problem names the row and field. */
export async function readSurvivalRows(file: string): Promise<SurvivalRow[]> {
  const value = await readJsonFile(file);
  try {
    return parseSurvivalRows(value);
  } catch (error) {
    throw new InputError(`${file}: ${errorMessage(error)}`, { cause: error });
  }
}

/** The printed layout of one curve. */
function printable(curve: KaplanMeierCurve) {
  return {
    strata: curve.strata,
    n: curve.n,
    events: curve.events,
    table: curve.table,
    lower: curve.lower,
    upper: curve.upper,
    median_print: curve.median_print,
  };
}

export const kmCommand: Command = {
  name: 'km',
  summary: 'Kaplan-Meier curves (R survfit conventions) of a JSON file of {time, event, group?} rows',
  usage: 'km --input FILE [--conf-type log|log-log]',
  options: { input: { type: 'string' }, 'conf-type': { type: 'string' } },
  async run({ values }, io) {
    const file = requireOption(values, 'input');
    const confType = optionalString(values, 'conf-type') ?? 'log';
    if (confType !== 'log' && confType !== 'log-log') {
      throw new UsageError(`--conf-type must be log or log-log, not "${confType}"`);
    }
    const rows = await readSurvivalRows(file);
    if (rows.length === 0)
      throw new InputError(`${file}: no rows (kaplanMeier requires at least one observation)`);
    const options = { confType: confType as ConfType };
    const curves = rows.some((row) => row.group !== undefined)
      ? kaplanMeierByGroup(
          rows.map((row) => ({ time: row.time, event: row.event, group: row.group! })),
          options,
        )
      : [kaplanMeier(rows, options)];
    io.out(toRJson({ curves: curves.map(printable) }));
    return 0;
  },
};
