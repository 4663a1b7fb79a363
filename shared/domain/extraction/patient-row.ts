// One extracted patient (individual patient data) of the IESM review, as the extractors record it and the
// statistics engine reads it. Field names carry their units (age_years, os_months, radiotherapy_dose_gy).
//
// Conventions:
// - `null` means "not reported by the study". It is never "no": a symptom the study did not mention is null.
// - Multi-valued variables (location, systemic_metastasis_sites) are arrays of enumerated levels. `[]` means
//   "reported: none" (e.g. no systemic metastases); `null` means "not reported".
// - Every field except `synthetic` must be present (JSON) or have a column (CSV), so a variable that was not
//   extracted cannot silently turn into "not reported".
// - Events are 0/1 as survival software expects: os_event 1 = died, lc_event 1 = local recurrence.
import { z } from 'zod';

export const SEX_LEVELS = ['male', 'female'] as const;
export const PRIMARY_TUMOUR_LEVELS = ['lung', 'renal', 'breast', 'prostate', 'other'] as const;
export const METASTASIS_SITE_LEVELS = [
  'brain',
  'lung',
  'vertebrae',
  'lymph nodes',
  'liver',
  'long bones',
  'adrenal',
  'colon',
  'leptomeningeal',
  'prostate',
] as const;
export const LOCATION_LEVELS = [
  'cervical',
  'thoracic',
  'lumbar',
  'thoracic-lumbar',
  'lumbar-sacral',
  'thoracic-lumbar-sacral',
] as const;
/** ≥90% of the tumour removed is "complete", <90% "partial"; "biopsy" is biopsy alone. */
export const RESECTION_LEVELS = ['complete', 'partial', 'biopsy'] as const;
/** Complete response, partial response, stable disease, progression (at last follow-up). */
export const RADIOLOGICAL_RESPONSE_LEVELS = ['CR', 'PR', 'SD', 'PD'] as const;
export const STATUS_LEVELS = ['alive', 'dead'] as const;

/** The presenting-symptom flags; `symptom_none` (asymptomatic) is kept apart from them. */
export const SYMPTOM_FIELDS = [
  'symptom_sensory_deficit',
  'symptom_motor_deficit',
  'symptom_paraparesis',
  'symptom_lower_back_pain',
  'symptom_radicular_pain',
  'symptom_incontinence',
  'symptom_urine_retention',
  'symptom_dorsal_pain',
  'symptom_neck_pain',
] as const;

function missingOr(expected: string) {
  return (issue: { input?: unknown }) =>
    issue.input === undefined ? 'missing (use null for "not reported")' : expected;
}

const text = () =>
  z
    .string({ error: missingOr('expected text') })
    .trim()
    .min(1, 'expected text (use null for "not reported")');

const id = (what: string) =>
  z
    .string({
      error: (issue) => (issue.input === undefined ? `missing: expected ${what}` : `expected ${what}`),
    })
    .trim()
    .min(1, `expected ${what}`)
    .regex(/^\S+$/, `expected ${what} without spaces`);

const flag = () => z.boolean({ error: missingOr('expected yes/no (true/false) or null') }).nullable();

const quantity = (unit: string, max: number) =>
  z
    .number({ error: missingOr(`expected a number of ${unit} or null`) })
    .min(0, `expected a number of ${unit} ≥ 0`)
    .max(max, `expected a number of ${unit} ≤ ${max}`)
    .nullable();

const event = () =>
  z
    .union([z.literal(0), z.literal(1)], { error: missingOr('expected 0 (censored) or 1 (event) or null') })
    .nullable();

function oneOf<const L extends readonly [string, ...string[]]>(levels: L) {
  return z.enum(levels, { error: missingOr(`expected one of ${levels.join(', ')}, or null`) }).nullable();
}

function listOf<const L extends readonly [string, ...string[]]>(levels: L) {
  return z
    .array(z.enum(levels, { error: `expected one of ${levels.join(', ')}` }), {
      error: missingOr(`expected a list of ${levels.join(', ')} (or null)`),
    })
    .refine((values) => new Set(values).size === values.length, 'a level is listed twice')
    .nullable();
}

export const patientRowShape = {
  /** Unique within the review, e.g. "SYN-001" or "<studyId>-3". */
  patientId: id('a patient id'),
  /** The citation id of the included study this patient was extracted from. */
  studyId: id('a study id'),
  /** True for invented test patients (the synthetic cohort); absent for real ones. */
  synthetic: z.boolean({ error: 'expected true or false' }).optional(),
  sex: oneOf(SEX_LEVELS),
  age_years: quantity('years', 120),
  primary_tumour: oneOf(PRIMARY_TUMOUR_LEVELS),
  /** The primary as the study names it (for "other": melanoma, colorectal, ...). */
  primary_tumour_detail: text().nullable(),
  primary_treatment_surgery: flag(),
  primary_treatment_radiotherapy: flag(),
  primary_treatment_chemotherapy: flag(),
  systemic_metastases: flag(),
  /** `[]` when the patient has no systemic metastases. */
  systemic_metastasis_sites: listOf(METASTASIS_SITE_LEVELS),
  /** 0 for an IESM found together with its primary (synchronous). */
  months_primary_to_iesm: quantity('months', 600),
  synchronous: flag(),
  symptom_sensory_deficit: flag(),
  symptom_motor_deficit: flag(),
  /** Paraparesis (cannot walk): a kind of motor deficit. */
  symptom_paraparesis: flag(),
  symptom_lower_back_pain: flag(),
  symptom_radicular_pain: flag(),
  symptom_incontinence: flag(),
  symptom_urine_retention: flag(),
  symptom_dorsal_pain: flag(),
  symptom_neck_pain: flag(),
  /** Asymptomatic (found at imaging follow-up). */
  symptom_none: flag(),
  cauda_equina_syndrome: flag(),
  diagnostic_mri: flag(),
  diagnostic_myelogram: flag(),
  diagnostic_ct: flag(),
  /** Spinal levels involved; two entries for a patient with two separate lesions. */
  location: listOf(LOCATION_LEVELS).refine(
    (values) => values === null || values.length > 0,
    'expected at least one location (use null for "not reported")',
  ),
  resection: oneOf(RESECTION_LEVELS),
  adjuvant_radiotherapy: flag(),
  /** Total dose; only for patients who had adjuvant radiotherapy. */
  radiotherapy_dose_gy: z
    .number({ error: missingOr('expected a dose in Gy or null') })
    .positive('expected a dose in Gy > 0')
    .max(200, 'expected a dose in Gy ≤ 200')
    .nullable(),
  adjuvant_chemotherapy: flag(),
  symptom_improvement: flag(),
  radiological_response: oneOf(RADIOLOGICAL_RESPONSE_LEVELS),
  local_recurrence: flag(),
  /** Time to local recurrence, or to last follow-up / death without recurrence (censored). */
  lc_months: quantity('months', 600),
  lc_event: event(),
  status: oneOf(STATUS_LEVELS),
  /** Time to death or last follow-up. */
  os_months: quantity('months', 600),
  os_event: event(),
};

const patientRowObject = z.strictObject(patientRowShape);

/** A contradiction between fields: the field it blames and what contradicts what. */
export interface RowContradiction {
  path: keyof typeof patientRowShape;
  message: string;
}

/** The cross-field rules, applied to a row whose fields are individually valid. */
export function patientRowContradictions(row: z.infer<typeof patientRowObject>): RowContradiction[] {
  const issues: RowContradiction[] = [];
  if (row.radiotherapy_dose_gy !== null && row.adjuvant_radiotherapy !== true) {
    issues.push({
      path: 'radiotherapy_dose_gy',
      message: `a dose is given but adjuvant_radiotherapy is ${describe(row.adjuvant_radiotherapy)}; a dose needs adjuvant_radiotherapy = yes`,
    });
  }
  if (row.lc_months !== null && row.os_months !== null && row.lc_months > row.os_months) {
    issues.push({
      path: 'lc_months',
      message: `local-control time ${row.lc_months} is longer than overall-survival time ${row.os_months}`,
    });
  }
  if (row.os_event !== null && row.status !== null && (row.os_event === 1) !== (row.status === 'dead')) {
    issues.push({
      path: 'os_event',
      message: `os_event ${row.os_event} contradicts status "${row.status}" (1 = dead, 0 = alive)`,
    });
  }
  if (
    row.lc_event !== null &&
    row.local_recurrence !== null &&
    (row.lc_event === 1) !== row.local_recurrence
  ) {
    issues.push({
      path: 'lc_event',
      message: `lc_event ${row.lc_event} contradicts local_recurrence = ${describe(row.local_recurrence)} (1 = recurrence)`,
    });
  }
  const sites = row.systemic_metastasis_sites;
  if (sites !== null && sites.length > 0 && row.systemic_metastases !== true) {
    issues.push({
      path: 'systemic_metastasis_sites',
      message: `sites are listed but systemic_metastases is ${describe(row.systemic_metastases)}`,
    });
  }
  if (sites !== null && sites.length === 0 && row.systemic_metastases === true) {
    issues.push({
      path: 'systemic_metastasis_sites',
      message: 'systemic_metastases is yes but no site is listed (use null if the sites were not reported)',
    });
  }
  if (row.synchronous !== null && row.months_primary_to_iesm !== null) {
    if (row.synchronous !== (row.months_primary_to_iesm === 0)) {
      issues.push({
        path: 'synchronous',
        message: `synchronous = ${describe(row.synchronous)} contradicts months_primary_to_iesm = ${row.months_primary_to_iesm} (synchronous means 0 months)`,
      });
    }
  }
  if (row.symptom_paraparesis === true && row.symptom_motor_deficit === false) {
    issues.push({
      path: 'symptom_motor_deficit',
      message: 'paraparesis is a motor deficit, so symptom_motor_deficit cannot be no',
    });
  }
  const present = SYMPTOM_FIELDS.filter((field) => row[field] === true);
  if (row.symptom_none === true && present.length > 0) {
    issues.push({
      path: 'symptom_none',
      message: `an asymptomatic patient cannot have ${present.join(', ')}`,
    });
  }
  if (row.symptom_none === false && SYMPTOM_FIELDS.every((field) => row[field] === false)) {
    issues.push({
      path: 'symptom_none',
      message: 'every symptom is no, so symptom_none must be yes',
    });
  }
  return issues;
}

function describe(value: boolean | null): string {
  if (value === null) return 'not reported';
  return value ? 'yes' : 'no';
}

export const patientRowSchema = patientRowObject.superRefine((row, ctx) => {
  for (const issue of patientRowContradictions(row)) {
    ctx.addIssue({ code: 'custom', path: [issue.path], message: issue.message });
  }
});

export type PatientRow = z.infer<typeof patientRowSchema>;
export type PatientField = keyof PatientRow;

/** How a field is written in a CSV cell. */
export type ColumnKind =
  | { kind: 'text' }
  | { kind: 'number' }
  | { kind: 'boolean' }
  | { kind: 'event' }
  | { kind: 'level'; levels: readonly string[] }
  | { kind: 'levels'; levels: readonly string[] };

const TEXT = { kind: 'text' } as const;
const NUMBER = { kind: 'number' } as const;
const BOOLEAN = { kind: 'boolean' } as const;
const EVENT = { kind: 'event' } as const;

/** Every field with its cell kind, in the column order used for export. */
export const PATIENT_COLUMNS: { readonly [F in PatientField]-?: ColumnKind } = {
  patientId: TEXT,
  studyId: TEXT,
  synthetic: BOOLEAN,
  sex: { kind: 'level', levels: SEX_LEVELS },
  age_years: NUMBER,
  primary_tumour: { kind: 'level', levels: PRIMARY_TUMOUR_LEVELS },
  primary_tumour_detail: TEXT,
  primary_treatment_surgery: BOOLEAN,
  primary_treatment_radiotherapy: BOOLEAN,
  primary_treatment_chemotherapy: BOOLEAN,
  systemic_metastases: BOOLEAN,
  systemic_metastasis_sites: { kind: 'levels', levels: METASTASIS_SITE_LEVELS },
  months_primary_to_iesm: NUMBER,
  synchronous: BOOLEAN,
  symptom_sensory_deficit: BOOLEAN,
  symptom_motor_deficit: BOOLEAN,
  symptom_paraparesis: BOOLEAN,
  symptom_lower_back_pain: BOOLEAN,
  symptom_radicular_pain: BOOLEAN,
  symptom_incontinence: BOOLEAN,
  symptom_urine_retention: BOOLEAN,
  symptom_dorsal_pain: BOOLEAN,
  symptom_neck_pain: BOOLEAN,
  symptom_none: BOOLEAN,
  cauda_equina_syndrome: BOOLEAN,
  diagnostic_mri: BOOLEAN,
  diagnostic_myelogram: BOOLEAN,
  diagnostic_ct: BOOLEAN,
  location: { kind: 'levels', levels: LOCATION_LEVELS },
  resection: { kind: 'level', levels: RESECTION_LEVELS },
  adjuvant_radiotherapy: BOOLEAN,
  radiotherapy_dose_gy: NUMBER,
  adjuvant_chemotherapy: BOOLEAN,
  symptom_improvement: BOOLEAN,
  radiological_response: { kind: 'level', levels: RADIOLOGICAL_RESPONSE_LEVELS },
  local_recurrence: BOOLEAN,
  lc_months: NUMBER,
  lc_event: EVENT,
  status: { kind: 'level', levels: STATUS_LEVELS },
  os_months: NUMBER,
  os_event: EVENT,
};

export const PATIENT_FIELDS = Object.keys(PATIENT_COLUMNS) as PatientField[];

/** Fields that may be left out of a file (everything else needs a column or a key). */
export const OPTIONAL_FIELDS: ReadonlySet<PatientField> = new Set<PatientField>(['synthetic']);
