// RIS export of citations (the format EndNote, Zotero, Mendeley and Rayyan import): one record per citation,
// `TY  - ` first and `ER  - ` last, CRLF line ends as the RIS specification asks. Values are put on one line
// (line breaks and control characters become spaces), so a field can never start a tag of its own.
import { type Author, type Citation, isCollectiveAuthor } from '../citation/citation.ts';
import { oneLine } from './html.ts';

function risAuthor(author: Author): string {
  if (isCollectiveAuthor(author)) return author.collective;
  return author.given ? `${author.family}, ${author.given}` : author.family;
}

function pages(value: string | null): { start: string | null; end: string | null } {
  if (!value) return { start: null, end: null };
  const [start, end] = value.split(/[-\u2013]/, 2).map((part) => part.trim());
  return { start: start || null, end: end || null };
}

function date(citation: Citation): string | null {
  const { year, month, day } = citation.publicationDate;
  if (year === null) return null;
  const pad = (n: number | null) => (n === null ? '' : String(n).padStart(2, '0'));
  return `${year}/${pad(month)}/${pad(day)}/`;
}

/** One citation as RIS lines (without the line ends). */
export function risRecord(citation: Citation): string[] {
  const lines: string[] = [];
  const tag = (name: string, value: string | number | null | undefined) => {
    const text = oneLine(value);
    if (text) lines.push(`${name}  - ${text}`);
  };
  tag('TY', citation.kind === 'book-article' ? 'CHAP' : citation.kind === 'journal-article' ? 'JOUR' : 'GEN');
  tag('TI', citation.title || citation.vernacularTitle);
  for (const author of citation.authors) tag('AU', risAuthor(author));
  tag('PY', citation.year);
  tag('DA', date(citation));
  if (citation.journal) {
    tag('T2', citation.journal.title);
    tag('J2', citation.journal.isoAbbreviation);
    tag('SN', citation.journal.issn);
    tag('VL', citation.journal.volume);
    tag('IS', citation.journal.issue);
    const { start, end } = pages(citation.journal.pages);
    tag('SP', start);
    tag('EP', end);
  } else {
    tag('T2', citation.bookTitle);
  }
  tag(
    'AB',
    citation.abstract
      .map((section) => (section.label ? `${section.label}: ${section.text}` : section.text))
      .join(' '),
  );
  for (const keyword of [...citation.keywords, ...citation.meshHeadings]) tag('KW', keyword);
  for (const language of citation.languages) tag('LA', language);
  tag('DO', citation.doi);
  if (citation.pmid) {
    tag('AN', citation.pmid);
    tag('UR', `https://pubmed.ncbi.nlm.nih.gov/${citation.pmid}/`);
  }
  if (citation.isRetracted) tag('N1', 'Retracted publication (PubMed)');
  lines.push('ER  - ');
  return lines;
}

/** The citations as one RIS document (CRLF line ends, a blank line between records). */
export function toRis(citations: readonly Citation[]): string {
  return citations.map((citation) => `${risRecord(citation).join('\r\n')}\r\n`).join('\r\n');
}
