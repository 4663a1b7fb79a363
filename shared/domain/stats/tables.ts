// Pooled patient tables driven by a table definition (which variable, which levels, labels, sections), with
// the IESM review's Tables I-III shipped as one such definition, and renderers to Markdown, CSV and JSON.
//
// Every "n (%)" cell shows its denominator ("70/120 (58.3%)") because denominators differ per variable:
// unknowns are left out variable by variable. Medians read "62 (32–91)".
import { z } from 'zod';
import { formatCsv } from '../extraction/csv.ts';
import { categoricalSummary, levelsOf } from './categorical.ts';
import { continuousSummary } from './continuous-summary.ts';

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
  /** A numeric variable as "median (min–max)". */
  z.strictObject({
    kind: z.literal('median-range'),
    label,
    variable,
    subset: subsetSchema.optional(),
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

export const tablesDefinitionSchema = z.strictObject({
  id: z.string().min(1),
  tables: z.array(tableDefinitionSchema).min(1),
});

export type Subset = z.infer<typeof subsetSchema>;
export type TableRowDefinition = z.infer<typeof tableRowDefinitionSchema>;
export type TablesDefinition = z.infer<typeof tablesDefinitionSchema>;
export type TablesDefinitionInput = z.input<typeof tablesDefinitionSchema>;

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

function subsetKey(subset: Subset | undefined): string {
  return subset ? `|${subset.variable}=${subset.level}` : '';
}

function inSubset(rows: readonly object[], subset: Subset | undefined): readonly object[] {
  if (!subset) return rows;
  return rows.filter((row, index) => {
    if (!(subset.variable in row)) {
      throw new RangeError(`tables: row ${index + 1} has no field "${subset.variable}" (subset)`);
    }
    const levels = levelsOf((row as Record<string, unknown>)[subset.variable], subset.variable);
    return levels?.includes(subset.level) ?? false;
  });
}

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

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function categoricalRows(
  rows: readonly object[],
  definition: Extract<TableRowDefinition, { kind: 'level' | 'levels' }>,
): CategoricalRow[] {
  let wanted: { level: string; label: string }[];
  if (definition.kind === 'level') {
    wanted = [{ level: definition.level, label: definition.label }];
  } else if (definition.levels === 'observed') {
    const source = inSubset(rows, definition.levelsFrom);
    wanted = categoricalSummary(source, definition.variable).levels.map(({ level }) => ({
      level,
      label: capitalise(level),
    }));
  } else {
    wanted = definition.levels;
  }
  const scope = inSubset(rows, definition.subset);
  const summary = categoricalSummary(
    scope,
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

function buildRows(rows: readonly object[], definition: TableRowDefinition): TableRow[] {
  switch (definition.kind) {
    case 'count':
      return [
        {
          kind: 'count',
          key: 'patients',
          label: definition.label,
          indent: definition.indent,
          text: String(rows.length),
          count: rows.length,
        },
      ];
    case 'level':
    case 'levels':
      return categoricalRows(rows, definition);
    case 'median-range': {
      const summary = continuousSummary(inSubset(rows, definition.subset), definition.variable);
      return [
        {
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
        },
      ];
    }
  }
}

/**
 * Builds the tables a definition describes from patient rows. Rows are plain objects keyed by variable; a
 * variable missing from a row is an error (never a silent "not reported").
 */
export function buildTables(definitionInput: TablesDefinitionInput, rows: readonly object[]): Tables {
  const definition = tablesDefinitionSchema.parse(definitionInput);
  const tables = definition.tables.map((table): Table => {
    const sections = table.sections.map(
      (section): TableSection => ({
        title: section.title,
        note: section.note ?? null,
        rows: section.rows.flatMap((row) => buildRows(rows, row)),
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
  return { definitionId: definition.id, patients: rows.length, syntheticPatients, tables };
}

/** Every row of every table, with the table it belongs to. */
export function tableRows(tables: Tables): { table: Table; section: TableSection; row: TableRow }[] {
  return tables.tables.flatMap((table) =>
    table.sections.flatMap((section) => section.rows.map((row) => ({ table, section, row }))),
  );
}

// ---------------------------------------------------------------------------------------------------------
// The IESM review (Tables I-III of the publication)

const yes = (variable: string, label: string, indent = 1) =>
  ({ kind: 'level', variable, level: 'yes', label, indent }) as const;

export const IESM_TABLES: TablesDefinitionInput = {
  id: 'iesm',
  tables: [
    {
      id: 'I',
      title: "Summary of patients' demographics and primary tumours' characteristics",
      sections: [
        { title: 'Cohort', rows: [{ kind: 'count', label: 'Cohort size (no.)', indent: 0 }] },
        {
          title: 'Demographics',
          rows: [
            { kind: 'median-range', variable: 'age_years', label: 'Age (years), median (range)' },
            {
              kind: 'levels',
              variable: 'sex',
              levels: [
                { level: 'male', label: 'Sex (male)' },
                { level: 'female', label: 'Sex (female)' },
              ],
            },
          ],
        },
        {
          title: 'Primary tumour',
          rows: [
            {
              kind: 'levels',
              variable: 'primary_tumour',
              levels: [
                { level: 'lung', label: 'Lung' },
                { level: 'renal', label: 'Renal' },
                { level: 'breast', label: 'Breast' },
                { level: 'prostate', label: 'Prostate' },
                { level: 'other', label: 'Others' },
              ],
            },
            {
              kind: 'levels',
              variable: 'primary_tumour_detail',
              levels: 'observed',
              levelsFrom: { variable: 'primary_tumour', level: 'other' },
              indent: 2,
            },
          ],
        },
        {
          title: 'Treatment of primary tumour',
          rows: [
            yes('primary_treatment_surgery', 'Surgery'),
            yes('primary_treatment_radiotherapy', 'Radiotherapy'),
            yes('primary_treatment_chemotherapy', 'Chemotherapy'),
          ],
        },
        {
          title: 'Secondary metastases',
          note: 'Sites are percentages of the patients with systemic metastases; a patient may have several sites.',
          rows: [
            yes('systemic_metastases', 'Patients with systemic metastases'),
            {
              kind: 'levels',
              variable: 'systemic_metastasis_sites',
              subset: { variable: 'systemic_metastases', level: 'yes' },
              indent: 2,
              levels: [
                { level: 'brain', label: 'Brain' },
                { level: 'lung', label: 'Lung' },
                { level: 'vertebrae', label: 'Vertebrae' },
                { level: 'lymph nodes', label: 'Lymph nodes' },
                { level: 'liver', label: 'Liver' },
                { level: 'long bones', label: 'Long bones' },
                { level: 'adrenal', label: 'Adrenal gland' },
                { level: 'colon', label: 'Colon' },
                { level: 'leptomeningeal', label: 'Leptomeningeal' },
                { level: 'prostate', label: 'Prostate' },
              ],
            },
          ],
        },
        {
          title: 'Time from primary tumour to IESMs',
          rows: [
            { kind: 'median-range', variable: 'months_primary_to_iesm', label: 'Months, median (range)' },
            yes('synchronous', 'Synchronous IESMs'),
          ],
        },
      ],
    },
    {
      id: 'II',
      title: 'Summary of clinical and radiological features of intradural extramedullary spinal metastases',
      sections: [
        {
          title: 'Presenting symptoms',
          rows: [
            yes('symptom_sensory_deficit', 'Sensory deficits'),
            yes('symptom_motor_deficit', 'Motor deficits'),
            yes('symptom_paraparesis', 'Paraparesis (cannot walk)'),
            yes('symptom_lower_back_pain', 'Lower back pain'),
            yes('symptom_radicular_pain', 'Radicular pain'),
            yes('symptom_incontinence', 'Incontinence'),
            yes('symptom_urine_retention', 'Urine retention'),
            yes('symptom_dorsal_pain', 'Dorsal pain'),
            yes('symptom_neck_pain', 'Neck pain'),
            yes('symptom_none', 'No symptoms'),
          ],
        },
        {
          title: 'Acute cauda equina syndrome',
          rows: [yes('cauda_equina_syndrome', 'Acute cauda equina syndrome')],
        },
        {
          title: 'Diagnostic protocols',
          rows: [
            yes('diagnostic_mri', 'MRI'),
            yes('diagnostic_myelogram', 'Myelogram'),
            yes('diagnostic_ct', 'CT spine'),
          ],
        },
        {
          title: 'Location',
          note: 'A patient with separate lesions counts under each location, so percentages can add up to more than 100%.',
          rows: [
            {
              kind: 'levels',
              variable: 'location',
              levels: [
                { level: 'lumbar', label: 'Lumbar' },
                { level: 'thoracic', label: 'Thoracic' },
                { level: 'thoracic-lumbar', label: 'Thoracic-Lumbar' },
                { level: 'cervical', label: 'Cervical' },
                { level: 'lumbar-sacral', label: 'Lumbar-Sacral' },
                { level: 'thoracic-lumbar-sacral', label: 'Thoracic-Lumbar-Sacral' },
              ],
            },
          ],
        },
      ],
    },
    {
      id: 'III',
      title: 'Summary of treatment strategies and outcomes',
      sections: [
        {
          title: 'Management',
          rows: [
            {
              kind: 'levels',
              variable: 'resection',
              levels: [
                { level: 'complete', label: 'Complete resection' },
                { level: 'partial', label: 'Partial resection' },
                { level: 'biopsy', label: 'Biopsy' },
              ],
            },
            yes('adjuvant_radiotherapy', 'Radiation therapy'),
            {
              kind: 'median-range',
              variable: 'radiotherapy_dose_gy',
              subset: { variable: 'adjuvant_radiotherapy', level: 'yes' },
              label: 'Dose (Gy), median (range)',
              indent: 2,
            },
            yes('adjuvant_chemotherapy', 'Systemic chemotherapy'),
          ],
        },
        {
          title: 'Post-treatment outcomes',
          rows: [yes('symptom_improvement', 'Post-treatment symptom improvement')],
        },
        {
          title: 'Radiological response',
          rows: [
            {
              kind: 'levels',
              variable: 'radiological_response',
              levels: [
                { level: 'CR', label: 'Complete response' },
                { level: 'PR', label: 'Partial response' },
                { level: 'SD', label: 'Stable disease' },
                { level: 'PD', label: 'Progression' },
              ],
            },
          ],
        },
        { title: 'Recurrence', rows: [yes('local_recurrence', 'Recurrence of IESMs')] },
        {
          title: 'Outcome (months), median (range)',
          note: 'Plain medians of the recorded times; Kaplan-Meier medians are in the statistics snapshot.',
          rows: [
            {
              kind: 'median-range',
              variable: 'lc_months',
              subset: { variable: 'local_recurrence', level: 'yes' },
              label: 'Local control (patients with recurrence)',
            },
            { kind: 'median-range', variable: 'os_months', label: 'Overall survival' },
          ],
        },
        {
          title: 'Status',
          rows: [
            {
              kind: 'levels',
              variable: 'status',
              levels: [
                { level: 'alive', label: 'Alive' },
                { level: 'dead', label: 'Dead' },
              ],
            },
          ],
        },
      ],
    },
  ],
};

/** Tables I-III of the IESM review from its patient rows. */
export function iesmTables(rows: readonly object[]): Tables {
  return buildTables(IESM_TABLES, rows);
}

// ---------------------------------------------------------------------------------------------------------
// Rendering

export type TableFormat = 'md' | 'csv' | 'json';

const NBSP = '\u00a0';

function markdownCell(text: string): string {
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
    const notes = [
      'Counts are n/N (%), N = the patients with the variable reported; medians are median (range).',
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
  'text',
] as const;

function csvRecord(table: Table, section: TableSection, row: TableRow): string[] {
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
    text: row.text,
  };
  return CSV_COLUMNS.map((column) => values[column]);
}

/**
 * The tables as Markdown (for a report or a terminal), CSV (one line per row with every number, for R or a
 * spreadsheet) or JSON (the structured object).
 */
export function renderTables(tables: Tables, format: TableFormat): string {
  switch (format) {
    case 'md':
      return renderMarkdown(tables);
    case 'csv':
      return formatCsv(
        [
          [...CSV_COLUMNS],
          ...tableRows(tables).map(({ table, section, row }) => csvRecord(table, section, row)),
        ],
        { eol: '\n' },
      );
    case 'json':
      return `${JSON.stringify(tables, null, 2)}\n`;
  }
}
