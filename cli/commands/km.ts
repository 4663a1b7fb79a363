// `living-review km --input FILE [--conf-type log|log-log] [--rmean] [--format text|json]`: Kaplan-Meier curves
// of a JSON array of rows {time, event (0/1), group?} (issue #5).
//
// text (the default) is what R prints for `print(survfit(Surv(time, event) ~ group))`: n, events, the median
// and its confidence limits per curve (shared/domain/stats/r-print.ts); --rmean adds R's restricted mean
// columns, as `print(fit, print.rmean = TRUE, rmean = "common")`.
// json prints {"curves": [...]} in the layout of test/fixtures/reference/ref-km-datasets.json: per curve
// strata (null or the group), n, events, table (columns: time, n_risk, n_event, n_censor, surv, std_err,
// se_surv, cumhaz, std_chaz), lower and upper for the chosen conf type, and median_print. Inf, NaN and NA are
// written "Inf", "NaN" and null.
import { readFile } from 'node:fs/promises';
import { kaplanMeier } from '../../shared/domain/stats/kaplan-meier.ts';
import { kaplanMeierByGroup } from '../../shared/domain/stats/kaplan-meier-by-group.ts';
import { toRJson } from '../../shared/domain/stats/r-json.ts';
import { printSurvfit } from '../../shared/domain/stats/r-print.ts';
import type { ConfType, KaplanMeierCurve } from '../../shared/domain/stats/survival-curve.ts';
import { parseSurvivalRows, type SurvivalRow } from '../../shared/domain/stats/survival-input.ts';
import { errorMessage, InputError } from '../../shared/errors.ts';
import {
  type Command,
  formatOption,
  optionalString,
  readFormat,
  requireOption,
  UsageError,
} from '../command.ts';

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

export const SURVIVAL_INPUT_HELP = [
  'FILE is a JSON array of rows: {"time": a number, "event": 0 or 1, "group": a string or a number}, e.g.',
  '  [{"time": 5.2, "event": 1, "group": "complete"}, {"time": 12, "event": 0, "group": "partial"}]',
  "Groups are taken in R's factor order (sorted; numbers numerically). The text output is what R prints for",
  'the same data with the grouping variable named "group"; --format json prints every number R computes.',
].join('\n');

export const kmCommand: Command = {
  name: 'km',
  summary: "Kaplan-Meier curves of a JSON file of {time, event, group?} rows, printed as R's survfit",
  usage: 'km --input FILE [--conf-type log|log-log] [--rmean] [--format text|json]',
  help: `${SURVIVAL_INPUT_HELP}\n(group is optional here: without it, one curve.) --rmean adds the restricted mean columns.`,
  options: {
    input: { type: 'string' },
    'conf-type': { type: 'string' },
    rmean: { type: 'boolean' },
    ...formatOption(),
  },
  async run({ values }, io) {
    const file = requireOption(values, 'input');
    const format = readFormat(values, ['text', 'json']);
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
    io.out(
      format === 'json'
        ? toRJson({ curves: curves.map(printable) })
        : printSurvfit(curves, { rmean: values.rmean === true }).join('\n'),
    );
    return 0;
  },
};
