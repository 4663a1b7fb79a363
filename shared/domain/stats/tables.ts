// Pooled patient tables driven by a table definition (which variable, which levels, labels, sections), as a
// review's protocol declares them (`tables:`), and renderers to Markdown, CSV and JSON.
//
// Every "n (%)" cell shows its denominator ("70/120 (58.3%)") because denominators differ per variable:
// unknowns are left out variable by variable. Medians read "62 (32–91)".
import { z } from 'zod';
import { formatCsv } from '../extraction/csv.ts';
import { categoricalSummaryOfTally } from './categorical.ts';
import { type Columns, columnsOf, continuousSummaryOf, subsetKey, tallyOf } from './columns.ts';

// ---------------------------------------------------------------------------------------------------------
// Definition

const variable = z.string().min(1);
const label = z.string().min(1);

/** Restricts a row to the patients whose `variable` has `level` (booleans: "yes"/"no"). */
export const subsetSchema = z.strictObject({ variable, level: z.string().min(1) });

const indent = z.number().int().min(0).max(3).default(1);

export const tableRowDefinitionSchema = z.discriminatedUnion('kind', [
  /** The number of patients. */
  z.strictObject({ kind: z.literal('count'), label, indent }),
  /** One level of a categorical (or boolean: level "yes") variable as "count/denominator (percent%)". */
  z.strictObject({
    kind: z.literal('level'),
    label,
    variable,
    level: z.string().min(1),
    subset: subsetSchema.optional(),
    indent,
  }),
  /**
   * Several levels of one variable, one row each. `levels: "observed"` lists the levels present (among the
   * rows matching `levelsFrom` if given), by decreasing count, labelled with the level capitalised.
   */
  z.strictObject({
    kind: z.literal('levels'),
    variable,
    levels: z.union([
      z.array(z.strictObject({ level: z.string().min(1), label })).min(1),
      z.literal('observed'),
    ]),
    levelsFrom: subsetSchema.optional(),
    subset: subsetSchema.optional(),
    indent,
  }),
  /** A numeric variable as "median (min–max)", with the interquartile range (R's type 7) when `iqr`. */
  z.strictObject({
    kind: z.literal('median-range'),
    label,
    variable,
    subset: subsetSchema.optional(),
    iqr: z.boolean().default(false),
    indent,
  }),
]);

export const tableSectionDefinitionSchema = z.strictObject({
  title: z.string().min(1),
  note: z.string().min(1).optional(),
  rows: z.array(tableRowDefinitionSchema).min(1),
});

export const tableDefinitionSchema = z.strictObject({
  id: z.string().min(1),
  title: z.string().min(1),
  note: z.string().min(1).optional(),
  sections: z.array(tableSectionDefinitionSchema).min(1),
});

export type Subset = z.infer<typeof subsetSchema>;
export type TableRowDefinition = z.infer<typeof tableRowDefinitionSchema>;
export type TableDefinition = z.infer<typeof tableDefinitionSchema>;

// ---------------------------------------------------------------------------------------------------------
// Result

interface RowBase {
  /** Stable within a table: the variable, level and subset, e.g. "systemic_metastasis_sites=brain|systemic_metastases=yes". */
  key: string;
  label: string;
  indent: number;
  /** The cell as printed. */
  text: string;
}

export interface CountRow extends RowBase {
  kind: 'count';
  count: number;
}

export interface CategoricalRow extends RowBase {
  kind: 'categorical';
  variable: string;
  level: string;
  subset: Subset | null;
  count: number;
  denominator: number;
  /** Patients (in the subset) whose value is not reported: not in the denominator. */
  unknown: number;
  percent: number | null;
  percentText: string;
}

export interface ContinuousRow extends RowBase {
  kind: 'continuous';
  variable: string;
  subset: Subset | null;
  n: number;
  unknown: number;
  median: number | null;
  min: number | null;
  max: number | null;
  /** The quartiles (R's quantile type 7), on rows that ask for the interquartile range. */
  q1?: number | null;
  q3?: number | null;
}

export type TableRow = CountRow | CategoricalRow | ContinuousRow;

export interface TableSection {
  title: string;
  note: string | null;
  rows: TableRow[];
}

export interface Table {
  id: string;
  title: string;
  note: string | null;
  sections: TableSection[];
}

export interface Tables {
  definitionId: string;
  patients: number;
  /** Rows marked synthetic (invented test patients); renderers say so when it is not 0. */
  syntheticPatients: number;
  tables: Table[];
}

// ---------------------------------------------------------------------------------------------------------
// Building

/** "1" for 1, "14.5", "5.55" for 5.550000000000001: at most two decimals, trailing zeros dropped. */
export function formatNumber(value: number): string {
  return String(Number(value.toFixed(2)));
}

export function formatCount(count: number, denominator: number, percentText: string): string {
  return denominator === 0 ? `${count}/0` : `${count}/${denominator} (${percentText}%)`;
}

export function formatMedianRange(median: number | null, min: number | null, max: number | null): string {
  if (median === null || min === null || max === null) return 'NA';
  return `${formatNumber(median)} (${formatNumber(min)}–${formatNumber(max)})`;
}

/** "54 (21–90); IQR 45–64". */
export function formatMedianRangeIqr(
  median: number | null,
  min: number | null,
  max: number | null,
  q1: number | null,
  q3: number | null,
): string {
  const base = formatMedianRange(median, min, max);
  if (base === 'NA' || q1 === null || q3 === null) return base;
  return `${base}; IQR ${formatNumber(q1)}–${formatNumber(q3)}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function categoricalRows(
  columns: Columns,
  definition: Extract<TableRowDefinition, { kind: 'level' | 'levels' }>,
): CategoricalRow[] {
  let wanted: { level: string; label: string }[];
  if (definition.kind === 'level') {
    wanted = [{ level: definition.level, label: definition.label }];
  } else if (definition.levels === 'observed') {
    const source = tallyOf(columns, definition.variable, definition.levelsFrom);
    wanted = categoricalSummaryOfTally(source, definition.variable).levels.map(({ level }) => ({
      level,
      label: capitalise(level),
    }));
  } else {
    wanted = definition.levels;
  }
  const summary = categoricalSummaryOfTally(
    tallyOf(columns, definition.variable, definition.subset),
    definition.variable,
    wanted.map((w) => w.level),
  );
  return summary.levels.map((level, index) => ({
    kind: 'categorical',
    key: `${definition.variable}=${level.level}${subsetKey(definition.subset)}`,
    label: wanted[index]!.label,
    indent: definition.indent,
    text: formatCount(level.count, level.denominator, level.percentText),
    variable: definition.variable,
    level: level.level,
    subset: definition.subset ?? null,
    count: level.count,
    denominator: level.denominator,
    unknown: summary.unknown,
    percent: level.percent,
    percentText: level.percentText,
  }));
}

function buildRows(columns: Columns, definition: TableRowDefinition): TableRow[] {
  switch (definition.kind) {
    case 'count':
      return [
        {
          kind: 'count',
          key: 'patients',
          label: definition.label,
          indent: definition.indent,
          text: String(columns.rows.length),
          count: columns.rows.length,
        },
      ];
    case 'level':
    case 'levels':
      return categoricalRows(columns, definition);
    case 'median-range': {
      const summary = continuousSummaryOf(columns, definition.variable, definition.subset);
      const row: ContinuousRow = {
        kind: 'continuous',
        key: `median(${definition.variable})${subsetKey(definition.subset)}`,
        label: definition.label,
        indent: definition.indent,
        text: formatMedianRange(summary.median, summary.min, summary.max),
        variable: definition.variable,
        subset: definition.subset ?? null,
        n: summary.n,
        unknown: summary.unknown,
        median: summary.median,
        min: summary.min,
        max: summary.max,
      };
      if (definition.iqr) {
        row.q1 = summary.q1;
        row.q3 = summary.q3;
        row.key = `median-iqr(${definition.variable})${subsetKey(definition.subset)}`;
        row.text = formatMedianRangeIqr(summary.median, summary.min, summary.max, summary.q1, summary.q3);
      }
      return [row];
    }
  }
}

/**
 * Builds the tables a definition describes from patient rows. Rows are plain objects keyed by variable; a
 * variable missing from a row is an error (never a silent "not reported"). `definitionId` names the
 * definition (the review's id).
 */
export function buildTables(
  definitionId: string,
  definitions: readonly TableDefinition[],
  rows: readonly object[],
  columns: Columns = columnsOf(rows, 'tables'),
): Tables {
  const tables = definitions.map((table): Table => {
    const sections = table.sections.map(
      (section): TableSection => ({
        title: section.title,
        note: section.note ?? null,
        rows: section.rows.flatMap((row) => buildRows(columns, row)),
      }),
    );
    const seen = new Set<string>();
    for (const row of sections.flatMap((section) => section.rows)) {
      if (seen.has(row.key)) throw new RangeError(`table ${table.id} has the row ${row.key} twice`);
      seen.add(row.key);
    }
    return { id: table.id, title: table.title, note: table.note ?? null, sections };
  });
  const syntheticPatients = rows.filter((row) => (row as { synthetic?: unknown }).synthetic === true).length;
  return { definitionId, patients: rows.length, syntheticPatients, tables };
}

/** Every row of every table, with the table it belongs to. */
export function tableRows(tables: Tables): { table: Table; section: TableSection; row: TableRow }[] {
  return tables.tables.flatMap((table) =>
    table.sections.flatMap((section) => section.rows.map((row) => ({ table, section, row }))),
  );
}

// ---------------------------------------------------------------------------------------------------------
// Rendering

export type TableFormat = 'md' | 'csv' | 'json';

const NBSP = '\u00a0';

/** Text safe inside a Markdown table cell (pipes and backslashes escaped, one line). */
export function markdownCell(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('|', '\\|').replace(/\r?\n/g, ' ');
}

function renderMarkdown(tables: Tables): string {
  const out: string[] = [];
  if (tables.syntheticPatients > 0) {
    out.push(
      `> **Synthetic data:** ${tables.syntheticPatients} of ${tables.patients} patients are invented test records, not real patients.`,
      '',
    );
  }
  for (const table of tables.tables) {
    out.push(`### Table ${markdownCell(table.id)}. ${markdownCell(table.title)}`, '');
    out.push('| Characteristic | Value |', '| --- | --- |');
    for (const section of table.sections) {
      out.push(`| **${markdownCell(section.title)}** | |`);
      for (const row of section.rows) {
        out.push(`| ${NBSP.repeat(2 * row.indent)}${markdownCell(row.label)} | ${markdownCell(row.text)} |`);
      }
    }
    const iqr = table.sections.some((s) =>
      s.rows.some((row) => row.kind === 'continuous' && row.q1 !== undefined),
    );
    const notes = [
      `Counts are n/N (%), N = the patients with the variable reported; medians are median (range)${iqr ? '; IQR: interquartile range (quartiles as R computes them, type 7)' : ''}.`,
      ...table.sections.flatMap((s) => (s.note ? [`*${s.title}.* ${s.note}`] : [])),
      ...(table.note ? [table.note] : []),
    ];
    for (const note of notes) out.push('', note.replace(/\r?\n/g, ' '));
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

const CSV_COLUMNS = [
  'table',
  'section',
  'label',
  'kind',
  'variable',
  'level',
  'subset',
  'count',
  'denominator',
  'unknown',
  'percent',
  'n',
  'median',
  'min',
  'max',
  'q1',
  'q3',
  'text',
] as const;

function csvRecord(
  table: Table,
  section: TableSection,
  row: TableRow,
  columns: readonly (typeof CSV_COLUMNS)[number][],
): string[] {
  const cell = (value: number | string | null | undefined) =>
    value === null || value === undefined ? '' : String(value);
  const subset = 'subset' in row && row.subset ? `${row.subset.variable}=${row.subset.level}` : '';
  const values: Record<(typeof CSV_COLUMNS)[number], string> = {
    table: table.id,
    section: section.title,
    label: row.label,
    kind: row.kind,
    variable: row.kind === 'count' ? '' : row.variable,
    level: row.kind === 'categorical' ? row.level : '',
    subset,
    count: row.kind === 'continuous' ? '' : cell(row.count),
    denominator: row.kind === 'categorical' ? cell(row.denominator) : '',
    unknown: row.kind === 'count' ? '' : cell(row.unknown),
    percent: row.kind === 'categorical' ? cell(row.percent) : '',
    n: row.kind === 'continuous' ? cell(row.n) : '',
    median: row.kind === 'continuous' ? cell(row.median) : '',
    min: row.kind === 'continuous' ? cell(row.min) : '',
    max: row.kind === 'continuous' ? cell(row.max) : '',
    q1: row.kind === 'continuous' ? cell(row.q1) : '',
    q3: row.kind === 'continuous' ? cell(row.q3) : '',
    text: row.text,
  };
  return columns.map((column) => values[column]);
}

/** The CSV columns: q1 and q3 only when some row reports the interquartile range (older files keep theirs). */
function csvColumns(tables: Tables): (typeof CSV_COLUMNS)[number][] {
  const iqr = tableRows(tables).some(({ row }) => row.kind === 'continuous' && row.q1 !== undefined);
  return CSV_COLUMNS.filter((column) => iqr || (column !== 'q1' && column !== 'q3'));
}

/** The CSV header and one record per table row (renderTables' CSV, for callers that add rows of their own). */
export function tableCsvRecords(tables: Tables): { header: string[]; rows: string[][] } {
  const columns = csvColumns(tables);
  return {
    header: columns,
    rows: tableRows(tables).map(({ table, section, row }) => csvRecord(table, section, row, columns)),
  };
}

/**
 * The tables as Markdown (for a report or a terminal), CSV (one line per row with every number, for R or a
 * spreadsheet) or JSON (the structured object).
 */
export function renderTables(tables: Tables, format: TableFormat): string {
  switch (format) {
    case 'md':
      return renderMarkdown(tables);
    case 'csv': {
      const { header, rows } = tableCsvRecords(tables);
      return formatCsv([header, ...rows], { eol: '\n' });
    }
    case 'json':
      return `${JSON.stringify(tables, null, 2)}\n`;
  }
}
