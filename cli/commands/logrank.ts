// `living-review logrank --input FILE [--format text|json]`: the log-rank test (R survdiff, rho = 0) of a JSON
// array of rows {time, event (0/1), group} (issue #5). Groups are in R's factor order (sorted; numbers
// numerically).
//
// text (the default) is what R prints for `print(survdiff(Surv(time, event) ~ group))`
// (shared/domain/stats/r-print.ts). json prints {chisq, df, p_value, observed, expected, groups, n_per_group,
// variance_matrix} in the layout of test/fixtures/reference/ref-logrank.json.
import { logRank } from '../../shared/domain/stats/log-rank.ts';
import { toRJson } from '../../shared/domain/stats/r-json.ts';
import { printSurvdiff } from '../../shared/domain/stats/r-print.ts';
import { InputError } from '../../shared/errors.ts';
import { type Command, formatOption, readFormat, requireOption } from '../command.ts';
import { readSurvivalRows, SURVIVAL_INPUT_HELP } from './km.ts';

export const logrankCommand: Command = {
  name: 'logrank',
  summary: "Log-rank test (rho = 0) of a JSON file of {time, event, group} rows, printed as R's survdiff",
  usage: 'logrank --input FILE [--format text|json]',
  help: SURVIVAL_INPUT_HELP,
  options: { input: { type: 'string' }, ...formatOption() },
  async run({ values }, io) {
    const file = requireOption(values, 'input');
    const format = readFormat(values, ['text', 'json']);
    const rows = await readSurvivalRows(file);
    if (rows.length === 0)
      throw new InputError(`${file}: no rows (logRank requires at least one observation)`);
    const missing = rows.findIndex((row) => row.group === undefined);
    if (missing !== -1)
      throw new InputError(`${file}: rows[${missing}].group: required for the log-rank test`);
    const result = logRank(rows.map((row) => ({ time: row.time, event: row.event, group: row.group! })));
    if (format === 'text') {
      io.out(printSurvdiff(result).join('\n'));
      return 0;
    }
    io.out(
      toRJson({
        chisq: result.chisq,
        df: result.df,
        p_value: result.p_value,
        observed: result.observed,
        expected: result.expected,
        groups: result.groups,
        n_per_group: result.n_per_group,
        variance_matrix: result.variance_matrix,
      }),
    );
    return 0;
  },
};
