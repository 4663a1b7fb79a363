// Comparing two records field by field and deciding: certain duplicate, possible duplicate (for a person to
// look at) or distinct. The rule is the one a reviewer applies by hand: the same title is not enough (the same
// abstract is presented at several meetings, a thesis is summarised in Dissertation Abstracts, a Cochrane
// review is updated), the record must also be the same publication: same year, journal, volume and pages,
// with no field that says otherwise. Identifiers confirm but never decide alone (conference abstracts share a
// supplement's DOI).
import { normaliseDoi, normalisePmid } from '../citation/citation-keys.ts';
import type { DedupRecord } from './dedup-record.ts';
import {
  compareJournals,
  isNoticeTitle,
  isNoticeType,
  type JournalAgreement,
  type JournalForm,
  journalForms,
  type NormalisedAuthor,
  normaliseAuthors,
  startPages,
  type TitleForm,
  titleForms,
  volumeNumber,
} from './normalise.ts';

/** A record with every field normalised once, ready to be compared many times. */
export interface PreparedRecord {
  record: DedupRecord;
  titles: TitleForm[];
  /** An erratum, correction, retraction notice, comment or reply, by its title or its type (isNoticeType). */
  notice: boolean;
  /** Sorted character-bigram codes of each title form's compact text. */
  bigrams: Uint32Array[];
  authors: NormalisedAuthor[];
  journals: JournalForm[];
  year: number | null;
  volume: number | null;
  pages: number[] | null;
  doi: string | null;
  pmid: string | null;
}

function bigramCodes(text: string): Uint32Array {
  const codes = new Uint32Array(Math.max(0, text.length - 1));
  for (let i = 0; i + 1 < text.length; i++) codes[i] = (text.charCodeAt(i) << 16) | text.charCodeAt(i + 1);
  return codes.sort();
}

export function prepareRecord(record: DedupRecord): PreparedRecord {
  const titles = titleForms(record.title ?? '');
  return {
    record,
    titles,
    notice: isNoticeTitle(record.title ?? '') || isNoticeType(record.publicationTypes),
    bigrams: titles.map((t) => bigramCodes(t.compact)),
    authors: normaliseAuthors(record.authors),
    journals: journalForms(record.journal),
    year: typeof record.year === 'number' && Number.isFinite(record.year) ? record.year : null,
    volume: volumeNumber(record.volume),
    pages: startPages(record.pages),
    doi: normaliseDoi(record.doi),
    pmid: normalisePmid(record.pmid),
  };
}

/** Dice coefficient over two sorted bigram multisets. */
function dice(a: Uint32Array, b: Uint32Array): number {
  if (a.length === 0 || b.length === 0) return 0;
  let i = 0;
  let j = 0;
  let common = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      common++;
      i++;
      j++;
    } else if (a[i]! < b[j]!) i++;
    else j++;
  }
  return (2 * common) / (a.length + b.length);
}

export type TitleMatch = 'exact' | 'prefix' | 'fuzzy';

export interface TitleComparison {
  score: number;
  match: TitleMatch;
  /**
   * The titles carry different numbers ("FOCUS 1" / "FOCUS 2", "(D2)" / "(D4)", "Part 1" / "Part 2"): companion
   * papers, not one paper typed twice. Numbers one title lacks (a cut or extended title) do not count.
   */
  numbersDiffer: boolean;
  /** One is a notice (erratum, retraction, comment, reply) about an article, the other is not. */
  kindDiffers: boolean;
  /** Letters and digits in the shorter title of the compared pair: a short title ("Editorial") says little. */
  length: number;
}

/** Shortest title (in words) that may match another as its beginning ("Unilateral neglect in stroke"). */
const MIN_PREFIX_TOKENS = 4;

function numbersOf(title: TitleForm): Set<string> {
  return new Set(title.tokens.filter((t) => /\d/.test(t)));
}

function numbersDiffer(x: TitleForm, y: TitleForm): boolean {
  const a = numbersOf(x);
  const b = numbersOf(y);
  const aInB = [...a].every((n) => b.has(n));
  const bInA = [...b].every((n) => a.has(n));
  return !aInB && !bInA;
}

/**
 * Best similarity over the two records' title forms: 1 for the same words ("exact"); "prefix" when one title
 * is the other's beginning (a subtitle or a study group's name dropped, a title cut at a field limit);
 * otherwise the Dice coefficient of character bigrams of the space-less titles (typos, spelling,
 * hyphenation). Numbers are compared on the most similar pair of forms.
 */
export function compareTitles(a: PreparedRecord, b: PreparedRecord): TitleComparison {
  const kindDiffers = a.notice !== b.notice;
  let best: TitleComparison = { score: 0, match: 'fuzzy', numbersDiffer: false, kindDiffers, length: 0 };
  for (const [i, x] of a.titles.entries()) {
    for (const [j, y] of b.titles.entries()) {
      const length = Math.min(x.compact.length, y.compact.length);
      if (x.compact === y.compact)
        return { score: 1, match: 'exact', numbersDiffer: false, kindDiffers, length };
      const [short, long] = x.compact.length <= y.compact.length ? [x, y] : [y, x];
      const prefix = short.tokens.length >= MIN_PREFIX_TOKENS && long.compact.startsWith(short.compact);
      const score = dice(a.bigrams[i]!, b.bigrams[j]!);
      const better = prefix
        ? best.match !== 'prefix' || score > best.score
        : best.match !== 'prefix' && score > best.score;
      if (better) {
        best = {
          score,
          match: prefix ? 'prefix' : 'fuzzy',
          numbersDiffer: numbersDiffer(x, y),
          kindDiffers,
          length,
        };
      }
    }
  }
  return best;
}

function sameFamily(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 2 || Math.min(a.length, b.length) < 4) return false;
  return withinOneEdit(a, b) || withinOneEdit(b, a);
}

/** One insertion, deletion or substitution apart ("grundstrm" / "grundstrom"). */
function withinOneEdit(a: string, b: string): boolean {
  if (a.length > b.length) return withinOneEdit(b, a);
  if (b.length - a.length > 1) return false;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  if (a.length === b.length) return a.slice(i + 1) === b.slice(i + 1);
  return a.slice(i) === b.slice(i + 1);
}

function compatibleInitials(a: string, b: string): boolean {
  return a.length === 0 || b.length === 0 || a[0] === b[0];
}

/** `x` exported with family and given names swapped ("Ching-yi, Wu" for "Wu, Ching-yi" or "Wu, C. Y."). */
function swapped(x: NormalisedAuthor, y: NormalisedAuthor): boolean {
  if (x.given.length === 0 || !sameFamily(x.given, y.family)) return false;
  return y.given.length > 0 ? sameFamily(y.given, x.family) : y.initials[0]?.toLowerCase() === x.family[0];
}

function sameAuthor(x: NormalisedAuthor, y: NormalisedAuthor): boolean {
  return (
    (sameFamily(x.family, y.family) && compatibleInitials(x.initials, y.initials)) ||
    swapped(x, y) ||
    swapped(y, x)
  );
}

export type AuthorAgreement = 'same' | 'partial' | 'different' | 'unknown';

/**
 * Authors matched one to one by family name (one typo allowed) and first initial, or with family and given
 * names swapped. "same": at least half of the shorter list matched (lists are often cut to the first few
 * names); "different": none matched.
 */
export function compareAuthors(
  a: readonly NormalisedAuthor[],
  b: readonly NormalisedAuthor[],
): AuthorAgreement {
  if (a.length === 0 || b.length === 0) return 'unknown';
  const used = new Set<number>();
  let matched = 0;
  for (const x of a) {
    for (const [j, y] of b.entries()) {
      if (used.has(j)) continue;
      if (sameAuthor(x, y)) {
        used.add(j);
        matched++;
        break;
      }
    }
  }
  if (matched === 0) return 'different';
  return matched * 2 >= Math.min(a.length, b.length) ? 'same' : 'partial';
}

export type FieldAgreement = 'same' | 'different' | 'unknown';

function compareValues<T>(a: T | null, b: T | null): FieldAgreement {
  if (a === null || b === null) return 'unknown';
  return a === b ? 'same' : 'different';
}

function comparePages(a: readonly number[] | null, b: readonly number[] | null): FieldAgreement {
  if (a === null || b === null) return 'unknown';
  return a.some((page) => b.includes(page)) ? 'same' : 'different';
}

export interface PairEvidence {
  title: TitleComparison;
  authors: AuthorAgreement;
  year: FieldAgreement;
  journal: JournalAgreement;
  volume: FieldAgreement;
  pages: FieldAgreement;
  doi: FieldAgreement;
  pmid: FieldAgreement;
}

export function compareRecords(a: PreparedRecord, b: PreparedRecord): PairEvidence {
  return {
    title: compareTitles(a, b),
    authors: compareAuthors(a.authors, b.authors),
    year: compareValues(a.year, b.year),
    journal: compareJournals(a.journals, b.journals),
    volume: compareValues(a.volume, b.volume),
    pages: comparePages(a.pages, b.pages),
    doi: compareValues(a.doi, b.doi),
    pmid: compareValues(a.pmid, b.pmid),
  };
}

export type PairDecision = 'duplicate' | 'possible' | 'distinct';

export interface PairScore {
  decision: PairDecision;
  /** 0-1, for ordering a review queue: title similarity with the agreement of the other fields. */
  score: number;
  /** What decided it, e.g. "title exact", "year same", "pages different". */
  reasons: string[];
}

/** Title thresholds on the bigram Dice coefficient. */
export const TITLE_CLOSE = 0.8;
export const TITLE_RELATED = 0.55;
/**
 * A title shorter than this (letters and digits; "Letter to the editor" has 17, "Unilateral neglect in stroke"
 * 25) says too little on its own: see decidePair.
 */
export const INFORMATIVE_TITLE_LENGTH = 25;

/**
 * 2: the same title, typed differently or shortened; 1: related (or close but with other numbers);
 * 0: another title.
 */
function titleTier(title: TitleComparison): 0 | 1 | 2 {
  const tier =
    title.match !== 'fuzzy' || title.score >= TITLE_CLOSE ? 2 : title.score >= TITLE_RELATED ? 1 : 0;
  return title.numbersDiffer || title.kindDiffers ? (Math.min(tier, 1) as 0 | 1) : tier;
}

/**
 * The decision for one pair.
 * - Certain duplicate: the same or a close title, authors not different, and the publication details agree:
 *   no conflict among year, journal, volume and first page and at least two of them the same; or, for the
 *   very same title, one conflict outweighed by the other three and the authors (a year given as the online
 *   date, a page typed wrong; a close title with another page is a companion paper). A translated or
 *   re-worded title (related, not close) is a duplicate only when year, volume and first page all agree, and
 *   the authors agree with the journal not different, or are unknown with the same journal: a page of a
 *   volume holds one article.
 * - Titles carrying different numbers, or a notice (erratum, retraction, comment) beside an article, are at
 *   most related; a notice and an article are never certain duplicates. A short title ("Editorial", "Reply to the editor") needs more: the same year, volume and
 *   page, or the same authors with three of year, journal, volume and page the same.
 * - Identifiers: a shared DOI or PMID confirms a close title; with a different title it is only a possible
 *   duplicate (conference abstracts share a supplement's DOI). Different DOIs or PMIDs are never certain.
 * - Possible: a close title that the publication details do not confirm (unless nearly everything else
 *   differs: other authors with any other detail, or three of year, journal, volume and page), or a related
 *   title that they do.
 */
export function decidePair(e: PairEvidence): PairScore {
  const tier = titleTier(e.title);
  const reasons = [
    e.title.match === 'fuzzy' ? `title ${e.title.score.toFixed(2)}` : `title ${e.title.match}`,
    ...(e.title.numbersDiffer ? ['title numbers different'] : []),
    ...(e.title.kindDiffers ? ['one is a notice (erratum, retraction, comment)'] : []),
    ...(['authors', 'year', 'journal', 'volume', 'pages', 'doi', 'pmid'] as const)
      .filter((field) => e[field] !== 'unknown')
      .map((field) => `${field} ${e[field]}`),
  ];
  const details = [e.year, e.volume, e.pages, e.journal];
  // "compatible" journals ("Lancet" / "Lancet Oncology") count neither way.
  const agreements = details.filter((d) => d === 'same').length;
  const conflicts = details.filter((d) => d === 'different').length;
  const score = Math.max(
    0,
    Math.min(
      1,
      0.5 * (e.title.match === 'exact' ? 1 : e.title.score) +
        0.1 * agreements +
        (e.authors === 'same' ? 0.1 : 0) -
        0.1 * conflicts -
        (e.authors === 'different' ? 0.2 : 0),
    ),
  );
  const result = (decision: PairDecision): PairScore => ({
    decision,
    score: Number(score.toFixed(3)),
    reasons,
  });

  const idConflict = e.doi === 'different' || e.pmid === 'different';
  const idSame = e.doi === 'same' || e.pmid === 'same';
  if (idConflict) return result(tier >= 2 ? 'possible' : 'distinct');
  if (idSame) return result(tier >= 2 && e.authors !== 'different' ? 'duplicate' : 'possible');

  const samePlace = e.year === 'same' && e.volume === 'same' && e.pages === 'same';
  const informative =
    e.title.length >= INFORMATIVE_TITLE_LENGTH || samePlace || (e.authors === 'same' && agreements >= 3);
  // A notice (erratum, correction, retraction) beside an article is related to it, never the same work.
  if (e.authors !== 'different' && !e.title.kindDiffers) {
    if (tier >= 2 && informative && conflicts === 0 && agreements >= 2) return result('duplicate');
    if (
      e.title.match === 'exact' &&
      informative &&
      conflicts === 1 &&
      agreements >= 3 &&
      e.authors === 'same'
    )
      return result('duplicate');
    if (
      tier >= 1 &&
      samePlace &&
      ((e.authors === 'same' && e.journal !== 'different') ||
        (e.authors === 'unknown' && e.journal === 'same'))
    )
      return result('duplicate');
  }
  const againstIt = e.authors === 'different' ? conflicts > 0 : conflicts > 2;
  if ((tier >= 2 && !againstIt) || (tier >= 1 && agreements >= 2 && conflicts === 0))
    return result('possible');
  return result('distinct');
}

export function scorePair(a: PreparedRecord, b: PreparedRecord): PairScore {
  return decidePair(compareRecords(a, b));
}
