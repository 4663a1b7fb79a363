// Europe PMC's REST search answer (format=json, resultType=core) and one result mapped to a Citation.
//
// The shapes follow the answers of https://www.ebi.ac.uk/europepmc/webservices/rest/search: a page carries
// hitCount, nextCursorMark (absent or equal to the cursor sent once the last page has been served) and
// resultList.result; a core result carries id + source (MED, PMC, PPR, AGR, CBA, CTX, ETH, HIR, PAT), the
// identifiers it has (pmid, pmcid, doi), title, authorList.author (fullName, firstName, lastName, initials,
// collectiveName, authorId {type ORCID}), journalInfo (volume, issue, yearOfPublication, monthOfPublication,
// journal {title, isoabbreviation, medlineAbbreviation, issn, essn}), pageInfo, pubYear, abstractText (HTML,
// structured abstracts as <h4>Heading</h4>text), language, pubTypeList.pubType, meshHeadingList,
// keywordList, commentCorrectionList and the dates firstIndexDate / dateOfCreation / firstPublicationDate.
// Everything but id and source is optional: a preprint has no journal, a patent no PMID.
import { z } from 'zod';
import type { AbstractSection, Author, Citation, CitationLink } from '../../domain/citation/citation.ts';
import { normaliseDoi, normalisePmcid, normalisePmid } from '../../domain/citation/citation-keys.ts';
import { decodeEntities, XML_ENTITIES } from '../../domain/text/entities.ts';

const text = z.string();
const numberish = z.union([z.number(), z.string()]);
/** A list Europe PMC sometimes sends as a single value. */
const listOf = <T extends z.ZodType>(item: T) =>
  z
    .union([z.array(item), item])
    .transform((value) => (Array.isArray(value) ? value : [value]) as z.output<T>[]);

export const europePmcAuthorSchema = z.object({
  fullName: text.optional(),
  firstName: text.optional(),
  lastName: text.optional(),
  initials: text.optional(),
  collectiveName: text.optional(),
  authorId: z.object({ type: text.optional(), value: text.optional() }).optional(),
});

export const europePmcResultSchema = z.object({
  id: z.string().min(1),
  source: z.string().min(1),
  pmid: text.optional(),
  pmcid: text.optional(),
  doi: text.optional(),
  title: text.optional(),
  authorString: text.optional(),
  authorList: z.object({ author: listOf(europePmcAuthorSchema).optional() }).optional(),
  journalInfo: z
    .object({
      issue: text.optional(),
      volume: text.optional(),
      yearOfPublication: numberish.optional(),
      monthOfPublication: numberish.optional(),
      dateOfPublication: text.optional(),
      printPublicationDate: text.optional(),
      journal: z
        .object({
          title: text.optional(),
          medlineAbbreviation: text.optional(),
          isoabbreviation: text.optional(),
          issn: text.optional(),
          essn: text.optional(),
        })
        .optional(),
    })
    .optional(),
  bookOrReportDetails: z
    .object({ publisher: text.optional(), yearOfPublication: numberish.optional() })
    .optional(),
  pubYear: numberish.optional(),
  pageInfo: text.optional(),
  abstractText: text.optional(),
  language: text.optional(),
  pubTypeList: z.object({ pubType: listOf(text).optional() }).optional(),
  meshHeadingList: z
    .object({ meshHeading: listOf(z.object({ descriptorName: text.optional() })).optional() })
    .optional(),
  keywordList: z.object({ keyword: listOf(text).optional() }).optional(),
  commentCorrectionList: z
    .object({
      commentCorrection: listOf(
        z.object({
          id: text.optional(),
          source: text.optional(),
          type: text.optional(),
          note: text.optional(),
        }),
      ).optional(),
    })
    .optional(),
  firstIndexDate: text.optional(),
  dateOfCreation: text.optional(),
  firstPublicationDate: text.optional(),
});

export type EuropePmcResult = z.infer<typeof europePmcResultSchema>;
export type EuropePmcAuthor = z.infer<typeof europePmcAuthorSchema>;

/** One page of the search answer. Results are kept raw here and validated one by one (see parsePage). */
export const europePmcPageSchema = z.object({
  hitCount: z.coerce.number().int().min(0),
  nextCursorMark: z.string().optional(),
  resultList: z.object({ result: z.array(z.unknown()).default([]) }).default({ result: [] }),
});

export type EuropePmcPage = {
  hitCount: number;
  nextCursorMark: string | null;
  results: EuropePmcResult[];
};

/**
 * One entry of an article's reference list (the references endpoint, format=json): `match` "Y" with `id` and
 * `source` when Europe PMC holds the cited work, else only what the reference itself says.
 */
export const europePmcReferenceSchema = z.object({
  id: text.optional(),
  source: text.optional(),
  citationType: text.optional(),
  title: text.optional(),
  authorString: text.optional(),
  journalAbbreviation: text.optional(),
  publicationTitle: text.optional(),
  issue: text.optional(),
  volume: text.optional(),
  pubYear: numberish.optional(),
  pageInfo: text.optional(),
  citedOrder: numberish.optional(),
  match: text.optional(),
  doi: text.optional(),
  essn: text.optional(),
  issn: text.optional(),
});

export type EuropePmcReference = z.infer<typeof europePmcReferenceSchema>;

/** One page of the references endpoint's answer (page numbers, not cursors). */
export const europePmcReferencePageSchema = z.object({
  hitCount: z.coerce.number().int().min(0),
  request: z.object({ page: z.coerce.number().int().optional() }).optional(),
  referenceList: z.object({ reference: z.array(z.unknown()).default([]) }).default({ reference: [] }),
});

const TAG = /<\/?[A-Za-z][\w:.-]*(?:\s[^<>]*)?\/?>/g;
const NAMED = { ...XML_ENTITIES, nbsp: ' ' };

/** HTML reduced to its text: tags dropped (inline markup joins its word), entities decoded, spaces collapsed. */
export function htmlText(html: string): string {
  return decodeEntities(html.replace(/<br\s*\/?>/gi, ' ').replace(TAG, ''), { named: NAMED })
    .replace(/\s+/g, ' ')
    .trim();
}

/** `<h4>Background</h4>text<h4>Methods</h4>text` as labelled sections; a plain abstract as one section. */
export function abstractSections(html: string | undefined): AbstractSection[] {
  if (!html || html.trim() === '') return [];
  const parts = html.split(/<h[1-6][^>]*>([\s\S]*?)<\/h[1-6]>/i);
  const sections: AbstractSection[] = [];
  const lead = htmlText(parts[0] ?? '');
  if (lead) sections.push({ label: null, category: null, text: lead });
  for (let i = 1; i + 1 < parts.length; i += 2) {
    const label = htmlText(parts[i] ?? '') || null;
    const body = htmlText(parts[i + 1] ?? '');
    if (body || label) sections.push({ label, category: null, text: body });
  }
  return sections;
}

function optional(value: string | undefined | null): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}

function toInt(value: string | number | undefined): number | null {
  if (value === undefined) return null;
  const n = typeof value === 'number' ? value : Number(String(value).trim());
  return Number.isInteger(n) ? n : null;
}

const ORCID = /^(?:https?:\/\/orcid\.org\/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$/i;

function author(raw: EuropePmcAuthor): Author | null {
  const orcid =
    raw.authorId?.type?.toUpperCase() === 'ORCID'
      ? (ORCID.exec(raw.authorId.value?.trim() ?? '')?.[1]?.toUpperCase() ?? null)
      : null;
  const collective = optional(raw.collectiveName);
  if (collective) return { collective, orcid };
  const family = optional(raw.lastName);
  if (family) {
    return { family, given: optional(raw.firstName), initials: optional(raw.initials), orcid };
  }
  // Only "Smith JA": the family name, then the initials.
  const full = optional(raw.fullName);
  if (!full) return null;
  const match = /^(.*\S)\s+([A-Z]{1,4})$/.exec(full);
  return match
    ? { family: match[1]!, given: null, initials: match[2]!, orcid }
    : { family: full, given: null, initials: null, orcid };
}

/** "Retraction in" -> "RetractionIn": Europe PMC's comment/correction types named as PubMed's RefType. */
function refType(type: string): string {
  return type
    .trim()
    .split(/\s+/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1).toLowerCase())
    .join('');
}

const DAY = /^(\d{4}-\d{2}-\d{2})/;

/** The record's first-index date (what the search window is cut on), YYYY-MM-DD. */
export function firstIndexDay(result: EuropePmcResult): string | null {
  return DAY.exec(result.firstIndexDate ?? result.dateOfCreation ?? '')?.[1] ?? null;
}

/** The id a Europe PMC record keeps in provenance: "<source>/<id>" (ids are unique only within a source). */
export function europePmcRecordId(result: Pick<EuropePmcResult, 'id' | 'source'>): string {
  return `${result.source}/${result.id}`;
}

export function citationFromEuropePmc(result: EuropePmcResult): Citation {
  const source = result.source.toUpperCase();
  const pmid = normalisePmid(result.pmid ?? (source === 'MED' ? result.id : null));
  const pmcid = normalisePmcid(result.pmcid ?? (source === 'PMC' ? result.id : null));
  const info = result.journalInfo;
  const journal = info
    ? {
        title: optional(info.journal?.title),
        isoAbbreviation: optional(info.journal?.isoabbreviation ?? info.journal?.medlineAbbreviation),
        issn: optional(info.journal?.issn ?? info.journal?.essn),
        volume: optional(info.volume),
        issue: optional(info.issue),
        pages: optional(result.pageInfo),
      }
    : null;
  const year =
    toInt(info?.yearOfPublication) ??
    toInt(result.pubYear) ??
    toInt(result.bookOrReportDetails?.yearOfPublication);
  const month = toInt(info?.monthOfPublication);
  const publicationTypes = (result.pubTypeList?.pubType ?? []).map((t) => t.trim()).filter(Boolean);
  const links: CitationLink[] = (result.commentCorrectionList?.commentCorrection ?? [])
    .filter((c) => optional(c.type))
    .map((c) => ({
      type: refType(c.type!),
      pmid: c.source?.toUpperCase() === 'MED' ? normalisePmid(c.id) : null,
      refSource: optional(c.note),
    }));
  return {
    source: 'europepmc',
    sourceRecordId: europePmcRecordId(result),
    kind: info ? 'journal-article' : 'other',
    pmid,
    doi: normaliseDoi(result.doi),
    pmcid,
    title: htmlText(result.title ?? ''),
    vernacularTitle: null,
    abstract: abstractSections(result.abstractText),
    authors: (result.authorList?.author ?? []).map(author).filter((a): a is Author => a !== null),
    journal,
    bookTitle: null,
    publicationDate: {
      year,
      month: month !== null && month >= 1 && month <= 12 ? month : null,
      day: null,
      medlineDate: null,
    },
    year,
    languages: optional(result.language) ? [result.language!.trim()] : [],
    publicationTypes,
    meshHeadings: (result.meshHeadingList?.meshHeading ?? [])
      .map((m) => optional(m.descriptorName))
      .filter((d): d is string => d !== null),
    keywords: (result.keywordList?.keyword ?? []).map((k) => k.trim()).filter(Boolean),
    pubmedStatus: null,
    createdDate: firstIndexDay(result),
    links,
    isRetracted:
      publicationTypes.some((t) => t.toLowerCase() === 'retracted publication') ||
      links.some((l) => l.type === 'RetractionIn'),
  };
}

/** "Smith J, Doe AB, Roe C." as authors (family name and initials). */
function authorsOfString(authorString: string | undefined): Author[] {
  return (authorString ?? '')
    .replace(/\.$/, '')
    .split(/,\s*/)
    .map((name) => name.trim())
    .filter(Boolean)
    .map((name) => author({ fullName: name }))
    .filter((a): a is Author => a !== null);
}

/**
 * A reference Europe PMC could not match to a record it holds, as a citation of what the reference says
 * (title, authors, journal, year, DOI when given). Null without a title: nothing to screen or deduplicate.
 */
export function citationFromReference(reference: EuropePmcReference, recordId: string): Citation | null {
  const title = htmlText(reference.title ?? '');
  if (!title) return null;
  const year = toInt(reference.pubYear);
  const journalTitle = optional(reference.publicationTitle ?? reference.journalAbbreviation);
  return {
    source: 'europepmc',
    sourceRecordId: recordId,
    kind: journalTitle ? 'journal-article' : 'other',
    pmid: reference.source?.toUpperCase() === 'MED' ? normalisePmid(reference.id) : null,
    doi: normaliseDoi(reference.doi),
    pmcid: null,
    title,
    vernacularTitle: null,
    abstract: [],
    authors: authorsOfString(reference.authorString),
    journal: journalTitle
      ? {
          title: journalTitle,
          isoAbbreviation: optional(reference.journalAbbreviation),
          issn: optional(reference.issn ?? reference.essn),
          volume: optional(reference.volume),
          issue: optional(reference.issue),
          pages: optional(reference.pageInfo),
        }
      : null,
    bookTitle: null,
    publicationDate: { year, month: null, day: null, medlineDate: null },
    year,
    languages: [],
    publicationTypes: [],
    meshHeadings: [],
    keywords: [],
    pubmedStatus: null,
    createdDate: null,
    links: [],
    isRetracted: false,
  };
}
