// OpenAlex's answers (https://developers.openalex.org, the Work object and list responses) and one work mapped to
// a Citation.
//
// A list answer is { meta: { count, per_page, next_cursor, ... }, results: [Work...] }. The Work fields read here:
// id ("https://openalex.org/W..."), doi ("https://doi.org/10..."), title / display_name, publication_year,
// publication_date, ids { openalex, doi, pmid ("https://pubmed.ncbi.nlm.nih.gov/N"), pmcid }, language (ISO
// 639-1), type ("article", "preprint", "review", ...), primary_location { source { display_name, issn_l, type } },
// authorships [{ author { display_name, orcid }, raw_author_name }], biblio { volume, issue, first_page,
// last_page }, abstract_inverted_index (word -> positions), referenced_works (W ids), is_retracted,
// created_date. Everything but id is optional: OpenAlex leaves out what it does not have.
import { z } from 'zod';
import type { Author, Citation } from '../../domain/citation/citation.ts';
import { normaliseDoi, normalisePmcid, normalisePmid } from '../../domain/citation/citation-keys.ts';
import { htmlText } from '../europepmc/europepmc-record.ts';

const text = z.string();
const nullableText = text.nullable().optional();

export const openAlexWorkSchema = z.object({
  id: z.string().regex(/^https:\/\/openalex\.org\/W\d+$/, 'expected an OpenAlex work id'),
  doi: nullableText,
  title: nullableText,
  display_name: nullableText,
  publication_year: z.number().int().nullable().optional(),
  publication_date: nullableText,
  ids: z
    .object({ openalex: nullableText, doi: nullableText, pmid: nullableText, pmcid: nullableText })
    .partial()
    .optional(),
  language: nullableText,
  type: nullableText,
  primary_location: z
    .object({
      source: z
        .object({ display_name: nullableText, issn_l: nullableText, type: nullableText })
        .nullable()
        .optional(),
    })
    .nullable()
    .optional(),
  authorships: z
    .array(
      z.object({
        author: z.object({ display_name: nullableText, orcid: nullableText }).optional(),
        raw_author_name: nullableText,
      }),
    )
    .optional(),
  biblio: z
    .object({ volume: nullableText, issue: nullableText, first_page: nullableText, last_page: nullableText })
    .nullable()
    .optional(),
  abstract_inverted_index: z.record(z.string(), z.array(z.number().int())).nullable().optional(),
  referenced_works: z.array(z.string()).optional(),
  is_retracted: z.boolean().optional(),
  created_date: nullableText,
});

export type OpenAlexWork = z.infer<typeof openAlexWorkSchema>;

export const openAlexListSchema = z.object({
  meta: z.object({
    count: z.number().int().min(0),
    next_cursor: z.string().nullable().optional(),
  }),
  results: z.array(z.unknown()),
});

/** "W2741809807" from "https://openalex.org/W2741809807". */
export function openAlexId(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1);
}

/** The abstract OpenAlex keeps as an inverted index (word -> positions), read back in order. */
export function abstractFromInvertedIndex(index: Record<string, number[]> | null | undefined): string {
  if (!index) return '';
  const words: string[] = [];
  for (const [word, positions] of Object.entries(index)) {
    for (const position of positions) words[position] = word;
  }
  return words.filter((w) => w !== undefined).join(' ');
}

const ORCID = /(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$/i;

/** "Ada M. Okafor" -> family "Okafor", given "Ada M.", initials "AM". */
function author(name: string, orcid: string | null | undefined): Author | null {
  const full = htmlText(name);
  if (!full) return null;
  const parts = full.split(/\s+/);
  const family = parts.pop()!;
  const given = parts.join(' ') || null;
  const initials = given ? given.replace(/[^\p{Lu}]/gu, '') || null : null;
  return { family, given, initials, orcid: ORCID.exec(orcid ?? '')?.[1]?.toUpperCase() ?? null };
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})/;

export function citationFromOpenAlex(work: OpenAlexWork, source: string): Citation {
  const location = work.primary_location?.source;
  const biblio = work.biblio;
  const pages = biblio?.first_page
    ? biblio.last_page && biblio.last_page !== biblio.first_page
      ? `${biblio.first_page}-${biblio.last_page}`
      : biblio.first_page
    : null;
  const date = DAY.exec(work.publication_date ?? '');
  const year = work.publication_year ?? (date ? Number(date[1]) : null);
  const abstract = abstractFromInvertedIndex(work.abstract_inverted_index);
  const journal = location?.display_name
    ? {
        title: location.display_name,
        isoAbbreviation: null,
        issn: location.issn_l ?? null,
        volume: biblio?.volume ?? null,
        issue: biblio?.issue ?? null,
        pages,
      }
    : null;
  return {
    source,
    sourceRecordId: openAlexId(work.id),
    kind: journal && location?.type === 'journal' ? 'journal-article' : 'other',
    pmid: normalisePmid(work.ids?.pmid ? openAlexId(work.ids.pmid) : null),
    doi: normaliseDoi(work.doi ?? work.ids?.doi),
    pmcid: normalisePmcid(work.ids?.pmcid ? openAlexId(work.ids.pmcid) : null),
    title: htmlText(work.title ?? work.display_name ?? ''),
    vernacularTitle: null,
    abstract: abstract ? [{ label: null, category: null, text: abstract }] : [],
    authors: (work.authorships ?? [])
      .map((a) => author(a.author?.display_name ?? a.raw_author_name ?? '', a.author?.orcid))
      .filter((a): a is Author => a !== null),
    journal,
    bookTitle: null,
    publicationDate: {
      year,
      month: date ? Number(date[2]) : null,
      day: date ? Number(date[3]) : null,
      medlineDate: null,
    },
    year,
    languages: work.language ? [work.language] : [],
    publicationTypes: work.type ? [work.type] : [],
    meshHeadings: [],
    keywords: [],
    pubmedStatus: null,
    createdDate: DAY.exec(work.created_date ?? '')?.[0] ?? null,
    links: [],
    isRetracted: work.is_retracted ?? false,
  };
}
