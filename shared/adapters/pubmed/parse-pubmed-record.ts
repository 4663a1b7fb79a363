// One PubMed record (PubmedArticle, PubmedBookArticle or DeleteCitation) to a Citation. Every lookup walks
// from the record's own elements down a fixed path, so PMIDs and DOIs of cited or correcting articles
// (ReferenceList, CommentsCorrections) can never be taken for the record's own.
import {
  type Author,
  type Citation,
  type CitationLink,
  citationSchema,
} from '../../domain/citation/citation.ts';
import { normaliseDoi, normalisePmcid, normalisePmid } from '../../domain/citation/citation-keys.ts';
import { formatIssues } from '../../domain/zod-issues.ts';
import { InputError } from '../../errors.ts';
import { isoDate, parseDay, parseMonth, parseYear, yearFromMedlineDate } from './parse-pubmed-dates.ts';
import { describePlace, type RawPubmedRecord, sniffPmid } from './xml-record-splitter.ts';
import {
  childElement,
  childElements,
  optionalText,
  parseXmlElement,
  textContent,
  type XmlElement,
  XmlLimitError,
  XmlSyntaxError,
} from './xml-tree.ts';

export type ParsedPubmedRecord = { citation: Citation } | { deletedPmids: string[] };

/** Thrown inside this module for a record that is well-formed but unusable; becomes an InputError. */
class RecordProblem extends Error {}

/** "0000-0002-4590-7461" from a bare or URL-form ORCID iD whose check digit is right; null otherwise. */
export function normaliseOrcid(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const match = /^\s*(?:https?:\/\/(?:www\.)?orcid\.org\/)?(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dXx])\s*$/.exec(
    raw,
  );
  if (!match) return null;
  const digits = `${match[1]}${match[2]}${match[3]}${match[4]}`.toUpperCase();
  // ISO 7064 MOD 11-2, as ORCID specifies: a mistyped iD names someone else, so it is dropped.
  let total = 0;
  for (const digit of digits.slice(0, 15)) total = (total + Number(digit)) * 2;
  const result = (12 - (total % 11)) % 11;
  const check = result === 10 ? 'X' : String(result);
  if (digits[15] !== check) return null;
  return `${digits.slice(0, 4)}-${digits.slice(4, 8)}-${digits.slice(8, 12)}-${digits.slice(12)}`;
}

function attribute(element: XmlElement | undefined, name: string): string | null {
  const value = element?.attributes[name];
  return value === undefined || value.trim() === '' ? null : value.trim();
}

function texts(elements: XmlElement[]): string[] {
  const found: string[] = [];
  for (const element of elements) {
    const text = textContent(element);
    if (text !== '') found.push(text);
  }
  return found;
}

function readAuthor(author: XmlElement): Author | null {
  // ValidYN="N" marks a name printed wrongly and corrected by another Author entry: not an author.
  if (author.attributes['ValidYN'] === 'N') return null;
  let orcid: string | null = null;
  for (const identifier of childElements(author, 'Identifier')) {
    if (identifier.attributes['Source'] === 'ORCID') {
      orcid = normaliseOrcid(textContent(identifier));
      if (orcid) break;
    }
  }
  const collective = optionalText(childElement(author, 'CollectiveName'));
  if (collective) return { collective, orcid };
  const family = optionalText(childElement(author, 'LastName'));
  if (!family) return null;
  return {
    family,
    given: optionalText(childElement(author, 'ForeName')),
    initials: optionalText(childElement(author, 'Initials')),
    orcid,
  };
}

function readAuthors(list: XmlElement | undefined): Author[] {
  const authors: Author[] = [];
  for (const element of childElements(list, 'Author')) {
    const author = readAuthor(element);
    if (author) authors.push(author);
  }
  return authors;
}

/** The AuthorList of authors (not editors) among `lists`; an untyped list counts as authors. */
function authorList(lists: XmlElement[]): XmlElement | undefined {
  return lists.find((list) => (list.attributes['Type'] ?? 'authors') === 'authors');
}

/** The Abstract's sections. OtherAbstract (translations, plain-language summaries) is not read. */
function readAbstract(abstract: XmlElement | undefined): Citation['abstract'] {
  return childElements(abstract, 'AbstractText').map((section) => ({
    label: attribute(section, 'Label'),
    category: attribute(section, 'NlmCategory'),
    text: textContent(section),
  }));
}

function readPublicationDate(pubDate: XmlElement | undefined): Citation['publicationDate'] {
  const medlineDate = optionalText(childElement(pubDate, 'MedlineDate'));
  const year = parseYear(textContent(childElement(pubDate, 'Year'))) ?? yearFromMedlineDate(medlineDate);
  return {
    year,
    month: parseMonth(textContent(childElement(pubDate, 'Month'))),
    day: parseDay(textContent(childElement(pubDate, 'Day'))),
    medlineDate,
  };
}

function readDate(date: XmlElement | undefined): string | null {
  if (!date) return null;
  return isoDate(
    parseYear(textContent(childElement(date, 'Year'))),
    parseMonth(textContent(childElement(date, 'Month'))),
    parseDay(textContent(childElement(date, 'Day'))),
  );
}

/**
 * Create Date (crdt): PubMedPubDate PubStatus="entrez". Records older than that field carry PubStatus
 * "pubmed" (Entrez date), which is what PubMed back-filled crdt from (the 2011 fixture's entrez and pubmed
 * dates agree, while its DateCreated is eight months later), so it comes next; DateCreated (dropped from
 * the DTD in 2018) is the last resort. Null when none is a valid date.
 */
function readCreatedDate(
  history: XmlElement | undefined,
  dateCreated: XmlElement | undefined,
): string | null {
  const dates = childElements(history, 'PubMedPubDate');
  for (const status of ['entrez', 'pubmed']) {
    const date = readDate(dates.find((d) => d.attributes['PubStatus'] === status));
    if (date) return date;
  }
  return readDate(dateCreated);
}

function idsOfType(lists: (XmlElement | undefined)[], type: string): string[] {
  const ids: string[] = [];
  for (const list of lists) {
    for (const id of childElements(list, 'ArticleId')) {
      // The DTD's default IdType is "pubmed".
      if ((id.attributes['IdType'] ?? 'pubmed') === type) ids.push(textContent(id));
    }
  }
  return ids;
}

function readDoi(idLists: (XmlElement | undefined)[], locationIds: XmlElement[]): string | null {
  for (const raw of idsOfType(idLists, 'doi')) {
    const doi = normaliseDoi(raw);
    if (doi) return doi;
  }
  for (const location of locationIds) {
    if (location.attributes['EIdType'] !== 'doi' || location.attributes['ValidYN'] === 'N') continue;
    const doi = normaliseDoi(textContent(location));
    if (doi) return doi;
  }
  return null;
}

function readPmcid(idLists: (XmlElement | undefined)[], otherIds: XmlElement[]): string | null {
  for (const raw of idsOfType(idLists, 'pmc')) {
    const pmcid = normalisePmcid(raw);
    if (pmcid) return pmcid;
  }
  // Old records name their PMC copy only as <OtherID Source="NLM">PMC1165577</OtherID>.
  for (const other of otherIds) {
    const text = textContent(other);
    if (other.attributes['Source'] === 'NLM' && /^PMC\d+$/i.test(text)) return normalisePmcid(text);
  }
  return null;
}

function readLinks(list: XmlElement | undefined): CitationLink[] {
  const links: CitationLink[] = [];
  for (const link of childElements(list, 'CommentsCorrections')) {
    const type = attribute(link, 'RefType');
    // "Cites" is the reference list (dozens per record): not a relation between versions of a work.
    if (!type || type === 'Cites') continue;
    links.push({
      type,
      pmid: normalisePmid(textContent(childElement(link, 'PMID'))),
      refSource: optionalText(childElement(link, 'RefSource')),
    });
  }
  return links;
}

function ownPmid(document: XmlElement): string {
  const pmid = normalisePmid(textContent(childElement(document, 'PMID')));
  if (!pmid) throw new RecordProblem(`<${document.name}> has no valid <PMID>`);
  return pmid;
}

function isRetracted(publicationTypes: string[], links: CitationLink[]): boolean {
  return (
    publicationTypes.some((type) => type.toLowerCase() === 'retracted publication') ||
    links.some((link) => link.type === 'RetractionIn')
  );
}

function journalArticle(record: XmlElement): Citation {
  const medline = childElement(record, 'MedlineCitation');
  if (!medline) throw new RecordProblem('<PubmedArticle> has no <MedlineCitation>');
  const pmid = ownPmid(medline);
  const article = childElement(medline, 'Article');
  if (!article) throw new RecordProblem('<MedlineCitation> has no <Article>');
  const pubmedData = childElement(record, 'PubmedData');
  const journal = childElement(article, 'Journal');
  const issue = childElement(journal, 'JournalIssue');
  const pagination = childElement(article, 'Pagination');
  const startPage = optionalText(childElement(pagination, 'StartPage'));
  const endPage = optionalText(childElement(pagination, 'EndPage'));
  const idLists = [childElement(pubmedData, 'ArticleIdList')];
  const publicationDate = readPublicationDate(childElement(issue, 'PubDate'));
  const publicationTypes = texts(
    childElements(childElement(article, 'PublicationTypeList'), 'PublicationType'),
  );
  const links = readLinks(childElement(medline, 'CommentsCorrectionsList'));
  return {
    source: 'pubmed',
    sourceRecordId: pmid,
    kind: 'journal-article',
    pmid,
    doi: readDoi(idLists, childElements(article, 'ELocationID')),
    pmcid: readPmcid(idLists, childElements(medline, 'OtherID')),
    title: textContent(childElement(article, 'ArticleTitle')),
    vernacularTitle: optionalText(childElement(article, 'VernacularTitle')),
    abstract: readAbstract(childElement(article, 'Abstract')),
    authors: readAuthors(authorList(childElements(article, 'AuthorList'))),
    journal: {
      title: optionalText(childElement(journal, 'Title')),
      isoAbbreviation: optionalText(childElement(journal, 'ISOAbbreviation')),
      issn: optionalText(childElement(journal, 'ISSN')),
      volume: optionalText(childElement(issue, 'Volume')),
      issue: optionalText(childElement(issue, 'Issue')),
      pages:
        optionalText(childElement(pagination, 'MedlinePgn')) ??
        (startPage && endPage ? `${startPage}-${endPage}` : startPage),
    },
    bookTitle: null,
    publicationDate,
    year: publicationDate.year,
    languages: texts(childElements(article, 'Language')),
    publicationTypes,
    meshHeadings: texts(
      childElements(childElement(medline, 'MeshHeadingList'), 'MeshHeading').flatMap((heading) =>
        childElements(heading, 'DescriptorName'),
      ),
    ),
    keywords: texts(childElements(medline, 'KeywordList').flatMap((list) => childElements(list, 'Keyword'))),
    pubmedStatus: attribute(medline, 'Status'),
    createdDate: readCreatedDate(childElement(pubmedData, 'History'), childElement(medline, 'DateCreated')),
    links,
    isRetracted: isRetracted(publicationTypes, links),
  };
}

function bookArticle(record: XmlElement): Citation {
  const document = childElement(record, 'BookDocument');
  if (!document) throw new RecordProblem('<PubmedBookArticle> has no <BookDocument>');
  const pmid = ownPmid(document);
  const book = childElement(document, 'Book');
  const bookData = childElement(record, 'PubmedBookData');
  const idLists = [childElement(document, 'ArticleIdList'), childElement(bookData, 'ArticleIdList')];
  const publicationDate = readPublicationDate(childElement(book, 'PubDate'));
  const publicationTypes = texts(childElements(document, 'PublicationType'));
  const links = readLinks(childElement(document, 'CommentsCorrectionsList'));
  const bookTitle = optionalText(childElement(book, 'BookTitle'));
  // A chapter's authors are the BookDocument's AuthorList Type="authors"; a whole book's are the Book's.
  // Editors (Type="editors") are never authors.
  const authors =
    authorList(childElements(document, 'AuthorList')) ?? authorList(childElements(book, 'AuthorList'));
  return {
    source: 'pubmed',
    sourceRecordId: pmid,
    kind: 'book-article',
    pmid,
    doi: readDoi(idLists, childElements(document, 'ELocationID')),
    pmcid: readPmcid(idLists, []),
    title: optionalText(childElement(document, 'ArticleTitle')) ?? bookTitle ?? '',
    vernacularTitle: optionalText(childElement(document, 'VernacularTitle')),
    abstract: readAbstract(childElement(document, 'Abstract')),
    authors: readAuthors(authors),
    journal: null,
    bookTitle,
    publicationDate,
    year: publicationDate.year,
    languages: texts(childElements(document, 'Language')),
    publicationTypes,
    meshHeadings: [],
    keywords: texts(childElements(document, 'KeywordList').flatMap((list) => childElements(list, 'Keyword'))),
    pubmedStatus: null,
    createdDate: readCreatedDate(childElement(bookData, 'History'), undefined),
    links,
    isRetracted: isRetracted(publicationTypes, links),
  };
}

function deletedPmids(record: XmlElement): string[] {
  return childElements(record, 'PMID').map((element) => {
    const pmid = normalisePmid(textContent(element));
    if (!pmid) throw new RecordProblem(`<DeleteCitation> lists an invalid PMID "${textContent(element)}"`);
    return pmid;
  });
}

function lineOf(raw: RawPubmedRecord, offset: number): number {
  let line = raw.line;
  for (let i = raw.xml.indexOf('\n'); i !== -1 && i < offset; i = raw.xml.indexOf('\n', i + 1)) line++;
  return line;
}

/**
 * Parses one record cut out by the splitter. Throws InputError naming `origin`, the record's index, its
 * PMID when known and the line, for XML that is not well-formed, a record without a PMID, or a record that
 * does not make a valid Citation.
 */
export function parsePubmedRecord(raw: RawPubmedRecord, origin: string): ParsedPubmedRecord {
  let element: XmlElement;
  try {
    element = parseXmlElement(raw.xml);
  } catch (error) {
    if (!(error instanceof XmlSyntaxError)) throw error;
    const place = describePlace(origin, {
      index: raw.index,
      pmid: sniffPmid(raw.xml),
      line: lineOf(raw, error.offset),
    });
    const problem = error instanceof XmlLimitError ? error.message : `malformed XML: ${error.message}`;
    throw new InputError(`${place}: ${problem}`, { cause: error });
  }
  let citation: Citation;
  try {
    if (raw.name === 'DeleteCitation') return { deletedPmids: deletedPmids(element) };
    citation = raw.name === 'PubmedBookArticle' ? bookArticle(element) : journalArticle(element);
  } catch (error) {
    if (!(error instanceof RecordProblem)) throw error;
    const place = describePlace(origin, { index: raw.index, pmid: sniffPmid(raw.xml), line: raw.line });
    throw new InputError(`${place}: ${error.message}`);
  }
  const checked = citationSchema.safeParse(citation);
  if (!checked.success) {
    const place = describePlace(origin, { index: raw.index, pmid: citation.pmid, line: raw.line });
    throw new InputError(`${place}: not a valid citation (${formatIssues(checked.error, '')})`);
  }
  return { citation: checked.data };
}
