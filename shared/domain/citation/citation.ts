// A bibliographic record as the monitor understands it, whatever source it came from (PubMed XML today,
// Europe PMC and database exports later). Ids stay strings; "not given" is null, never "".
import { z } from 'zod';

export const personalAuthorSchema = z.object({
  family: z.string().min(1),
  given: z.string().nullable(),
  initials: z.string().nullable(),
  orcid: z.string().nullable(),
});

export const collectiveAuthorSchema = z.object({
  collective: z.string().min(1),
  orcid: z.string().nullable(),
});

export const authorSchema = z.union([personalAuthorSchema, collectiveAuthorSchema]);

export const abstractSectionSchema = z.object({
  /** The section heading as printed (`Label`), e.g. "OBJECTIVES"; null for an unlabelled abstract. */
  label: z.string().nullable(),
  /** NLM's normalised category (BACKGROUND, OBJECTIVE, METHODS, RESULTS, CONCLUSIONS, UNASSIGNED) when given. */
  category: z.string().nullable(),
  text: z.string(),
});

/** Relations PubMed records between articles (CommentsCorrections RefType). */
export const citationLinkSchema = z.object({
  type: z.string().min(1),
  pmid: z.string().nullable(),
  /**
   * The linked article's DOI (lower-case, no resolver prefix) when the link names it by DOI rather than PMID:
   * bioRxiv/medRxiv name a preprint's published version by its DOI. Absent on PubMed's links.
   */
  doi: z.string().nullable().optional(),
  refSource: z.string().nullable(),
});

export const publicationDateSchema = z.object({
  year: z.number().int().nullable(),
  month: z.number().int().min(1).max(12).nullable(),
  day: z.number().int().min(1).max(31).nullable(),
  /** PubMed's free-text date (`MedlineDate`, e.g. "2016 Jul-Sep") when no structured date is given. */
  medlineDate: z.string().nullable(),
});

export const journalSchema = z.object({
  title: z.string().nullable(),
  isoAbbreviation: z.string().nullable(),
  issn: z.string().nullable(),
  volume: z.string().nullable(),
  issue: z.string().nullable(),
  pages: z.string().nullable(),
});

export const citationSchema = z.object({
  /** Where this record came from, e.g. "pubmed", "europepmc", "embase-ris". */
  source: z.string().min(1),
  /** The record's id in that source (the PMID for PubMed). */
  sourceRecordId: z.string().min(1),
  kind: z.enum(['journal-article', 'book-article', 'other']),
  pmid: z.string().regex(/^\d+$/).nullable(),
  /** Lower-cased, without a resolver prefix ("10.1000/xyz"). */
  doi: z.string().nullable(),
  /** Upper-case with its prefix ("PMC1234567"). */
  pmcid: z
    .string()
    .regex(/^PMC\d+$/)
    .nullable(),
  title: z.string(),
  vernacularTitle: z.string().nullable(),
  abstract: z.array(abstractSectionSchema),
  authors: z.array(authorSchema),
  journal: journalSchema.nullable(),
  /** For book records (PubmedBookArticle): the book's title. */
  bookTitle: z.string().nullable(),
  publicationDate: publicationDateSchema,
  /** Publication year: the structured year, else the first year found in a MedlineDate. */
  year: z.number().int().nullable(),
  languages: z.array(z.string()),
  publicationTypes: z.array(z.string()),
  meshHeadings: z.array(z.string()),
  keywords: z.array(z.string()),
  /** MedlineCitation/@Status, e.g. "MEDLINE", "Publisher", "In-Data-Review". */
  pubmedStatus: z.string().nullable(),
  /** Create Date (PubMedPubDate PubStatus="entrez"), ISO yyyy-mm-dd: the date a monitor window is cut on. */
  createdDate: z.string().nullable(),
  links: z.array(citationLinkSchema),
  isRetracted: z.boolean(),
});

export type PersonalAuthor = z.infer<typeof personalAuthorSchema>;
export type CollectiveAuthor = z.infer<typeof collectiveAuthorSchema>;
export type Author = z.infer<typeof authorSchema>;
export type AbstractSection = z.infer<typeof abstractSectionSchema>;
export type CitationLink = z.infer<typeof citationLinkSchema>;
export type Citation = z.infer<typeof citationSchema>;

export function isCollectiveAuthor(author: Author): author is CollectiveAuthor {
  return 'collective' in author;
}
