// The eSearchResult XML document (esearch.fcgi), validated at the edge.
//
// Shape (NCBI's eSearch_020511.dtd): the root holds either
//   Count, RetMax, RetStart, QueryKey?, WebEnv?, IdList, TranslationSet, TranslationStack?, QueryTranslation
// or a top-level ERROR, then an optional ErrorList (PhraseNotFound*, FieldNotFound*) and an optional
// WarningList (PhraseIgnored*, QuotedPhraseNotFound*, OutputMessage*).
//
// A top-level ERROR is returned as `{ kind: 'error' }` for the client to turn into an EutilsError. ErrorList
// and WarningList entries are not failures: PubMed ran the search anyway, possibly without part of the query,
// so they become warnings a person should read. A body that is not well-formed XML, or not an eSearchResult,
// throws InputError (the client treats it as a damaged response and retries).
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { z } from 'zod';
import { formatIssues } from '../../domain/zod-issues.ts';
import { InputError } from '../../errors.ts';

export interface EsearchResult {
  kind: 'result';
  count: number;
  retMax: number;
  retStart: number;
  /** Present with usehistory=y. */
  queryKey: string | null;
  webEnv: string | null;
  ids: string[];
  queryTranslation: string | null;
  phrasesNotFound: string[];
  fieldsNotFound: string[];
  phrasesIgnored: string[];
  quotedPhrasesNotFound: string[];
  outputMessages: string[];
  /** Every ErrorList / WarningList entry, phrased for a person. */
  warnings: string[];
}

export interface EsearchErrorResult {
  kind: 'error';
  /** The text of each top-level ERROR element. */
  errors: string[];
}

export type EsearchResponse = EsearchResult | EsearchErrorResult;

const REPEATED = new Set([
  'Id',
  'ERROR',
  'PhraseNotFound',
  'FieldNotFound',
  'PhraseIgnored',
  'QuotedPhraseNotFound',
  'OutputMessage',
  'Translation',
]);

const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: true,
  isArray: (name) => REPEATED.has(name),
});

const digits = z.string().regex(/^\d+$/, 'expected a whole number');
/** An element that may be empty (`<IdList/>` parses to ""). */
const list = <T extends z.ZodRawShape>(shape: T) =>
  z
    .union([z.literal(''), z.object(shape)])
    .optional()
    .transform((value) => (value === '' || value === undefined ? null : value));
const texts = z.array(z.string()).optional();

const documentSchema = z.object({
  eSearchResult: z.union([
    z.literal(''),
    z.object({
      ERROR: texts,
      Count: digits.optional(),
      RetMax: digits.optional(),
      RetStart: digits.optional(),
      QueryKey: digits.optional(),
      WebEnv: z.string().min(1).optional(),
      IdList: list({ Id: z.array(digits).optional() }),
      QueryTranslation: z.string().optional(),
      ErrorList: list({ PhraseNotFound: texts, FieldNotFound: texts }),
      WarningList: list({ PhraseIgnored: texts, QuotedPhraseNotFound: texts, OutputMessage: texts }),
    }),
  ]),
});

/** Parses one esearch response body. Throws InputError for anything that is not a usable eSearchResult. */
export function parseEsearchXml(xml: string): EsearchResponse {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new InputError(
      `esearch response is not well-formed XML (line ${valid.err.line}: ${valid.err.msg}); it may have been cut short`,
    );
  }
  const parsed = documentSchema.safeParse(parser.parse(xml));
  if (!parsed.success) {
    throw new InputError(
      `esearch response is not an eSearchResult: ${formatIssues(parsed.error, '(root)', { limit: 5 })}`,
    );
  }
  const root = parsed.data.eSearchResult;
  if (root === '') throw new InputError('esearch response is an empty eSearchResult');
  if (root.ERROR && root.ERROR.length > 0) return { kind: 'error', errors: root.ERROR };
  if (root.Count === undefined) throw new InputError('esearch response has neither Count nor ERROR');

  const count = Number(root.Count);
  const phrasesNotFound = root.ErrorList?.PhraseNotFound ?? [];
  const fieldsNotFound = root.ErrorList?.FieldNotFound ?? [];
  const phrasesIgnored = root.WarningList?.PhraseIgnored ?? [];
  const quotedPhrasesNotFound = root.WarningList?.QuotedPhraseNotFound ?? [];
  const outputMessages = root.WarningList?.OutputMessage ?? [];

  const changed =
    count > 0
      ? ` PubMed ran the rest of the query and found ${count} records: the search is not as written.`
      : '';
  const warnings = [
    ...phrasesNotFound.map((p) => `phrase not found: "${p}".${changed}`),
    ...fieldsNotFound.map((f) => `field not found: "${f}".${changed}`),
    ...phrasesIgnored.map((p) => `phrase ignored: "${p}"`),
    ...quotedPhrasesNotFound.map((p) => `quoted phrase not found: "${p}"`),
    // "No items found." only restates Count 0; anything else PubMed says is worth reading.
    ...outputMessages.filter((m) => !/^No items found\.?$/i.test(m)).map((m) => `PubMed said: ${m}`),
  ];

  return {
    kind: 'result',
    count,
    retMax: Number(root.RetMax ?? '0'),
    retStart: Number(root.RetStart ?? '0'),
    queryKey: root.QueryKey ?? null,
    webEnv: root.WebEnv ?? null,
    ids: root.IdList?.Id ?? [],
    queryTranslation: root.QueryTranslation ?? null,
    phrasesNotFound,
    fieldsNotFound,
    phrasesIgnored,
    quotedPhrasesNotFound,
    outputMessages,
    warnings,
  };
}
