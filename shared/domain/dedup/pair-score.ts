// Comparing two records field by field and deciding: certain duplicate, possible duplicate (for a person to
// look at) or distinct. The rule is the one a reviewer applies by hand: the same title is not enough (the same
// abstract is presented at several meetings, a correction repeats its article's title, a column keeps its title
// from issue to issue, a Cochrane review is updated), the record must also be the same publication: the same
// authors, year, journal, volume and pages, with no field that says otherwise. What a record lacks is never
// taken as agreement: a record with fewer fields needs the fields it has to agree, and a record without a title
// is never merged on less than a title match would need (an identifier takes the title's place). Identifiers
// confirm but never decide alone (conference abstracts share a supplement's DOI).
//
// Every decision carries why: the fields that agreed, those that differed, and the rule that decided.
import { normaliseDoi, normalisePmid } from '../citation/citation-keys.ts';
import type { DedupRecord } from './dedup-record.ts';
import { ABSTRACT_CHARS } from './dedup-record.ts';
import {
  compareJournals,
  foldText,
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
import {
  isGenericTitle,
  isSupplementAbstract,
  titleMarks as marksOf,
  type NoticeKind,
  noticeKindOfTitle,
  noticeKindOfType,
  noticeSubject,
  titleDistinctions,
  withoutNoticeSuffix,
  withoutRetractedMark,
} from './record-kind.ts';

/** A record with every field normalised once, ready to be compared many times. */
export interface PreparedRecord {
  record: DedupRecord;
  /** The title's forms; empty when the record has no title. */
  titles: TitleForm[];
  /** Labels and distinctive words of each title form (record-kind.ts titleMarks). */
  marks: Map<string, number>[];
  /** Sorted character-bigram codes of each title form's compact text. */
  bigrams: Uint32Array[];
  /** A correction, retraction, expression of concern, comment, reply or reprint notice; null for an item. */
  notice: NoticeKind | null;
  /** A conference abstract in a supplement or abstract book (its page and DOI are shared). */
  supplement: boolean;
  /** The publication type says protocol (true), says something else (false), or is not given (null). */
  protocolType: boolean | null;
  /** The publication type says data set or supplementary material (true), something else, or null. */
  dataType: boolean | null;
  /** The title names a kind of item ("Editorial", "In this issue") or is too short to tell works apart. */
  generic: boolean;
  authors: NormalisedAuthor[];
  journals: JournalForm[];
  year: number | null;
  volume: number | null;
  pages: number[] | null;
  /** The pages are a range of two or more pages (an article, not a one-page abstract or an article number). */
  pageRange: boolean;
  doi: string | null;
  pmid: string | null;
  /** Word pairs of the abstract's beginning; null when it has none (or too little to compare). */
  abstract: Set<string> | null;
}

function bigramCodes(text: string): Uint32Array {
  const codes = new Uint32Array(Math.max(0, text.length - 1));
  for (let i = 0; i + 1 < text.length; i++) codes[i] = (text.charCodeAt(i) << 16) | text.charCodeAt(i + 1);
  return codes.sort();
}

/** Word pairs an abstract needs before it can say two records differ. */
const MIN_ABSTRACT_PAIRS = 25;

function abstractPairs(raw: string | null | undefined): Set<string> | null {
  if (!raw) return null;
  const words = foldText(raw.slice(0, ABSTRACT_CHARS)).split(' ').filter(Boolean);
  const pairs = new Set<string>();
  for (let i = 0; i + 1 < words.length; i++) pairs.add(`${words[i]} ${words[i + 1]}`);
  return pairs.size >= MIN_ABSTRACT_PAIRS ? pairs : null;
}

/** "149-155", "149-55", "iii19-iii32": a start and a later end page. "S354", "e1234", "5-5" are not. */
function isPageRange(raw: string | null): boolean {
  const match = raw ? /^\D*(\d+)\s*[-\u2013\u2010]+\s*\D*(\d+)/.exec(raw) : null;
  return match !== null && match[1] !== match[2];
}

function nullableText(value: string | null | undefined): string | null {
  return value && value.trim().length > 0 ? value : null;
}

/**
 * Publication types of a protocol ("Protocol" in the Cochrane Library, "Clinical Trial Protocol" in MEDLINE):
 * a protocol shares its review's or trial's title, authors and often its CD number or DOI stem.
 */
const PROTOCOL_TYPE = /\bprotocols?\b/i;
/**
 * Publication types of research outputs that accompany an article (a data set, software, a figure or
 * supplementary material deposited with its own DOI, often the article's DOI plus a suffix): each is its own
 * item with the article's title and authors.
 */
const DATA_TYPE = /\b(?:data\s*sets?|datasets?|software|figures?|supplementary)\b/i;

/**
 * A title shorter than this (letters and digits; "Letter to the editor" has 17, "Unilateral neglect in stroke"
 * 25) says too little on its own: see decidePair.
 */
export const INFORMATIVE_TITLE_LENGTH = 25;

export function prepareRecord(record: DedupRecord): PreparedRecord {
  const raw = withoutRetractedMark(record.title ?? '');
  const byTitle = noticeKindOfTitle(raw);
  // A notice is compared on the title of the article it names ("Erratum: X" and "X (vol 3, pg 5, 2009)" are
  // both about "X"); the notice's kind stays with the record.
  const subject = byTitle ? (noticeSubject(raw) ?? withoutNoticeSuffix(raw).title) : raw;
  const titles = titleForms(subject);
  const first = titles[0];
  const type = nullableText(record.type);
  const journal = nullableText(record.journal);
  return {
    record,
    titles,
    marks: titles.map((t) => marksOf(t.tokens)),
    bigrams: titles.map((t) => bigramCodes(t.compact)),
    notice: byTitle ?? noticeKindOfType(type),
    supplement: isSupplementAbstract({
      volume: nullableText(record.volume),
      issue: nullableText(record.issue),
      pages: nullableText(record.pages),
      journal,
      type,
    }),
    protocolType: type === null ? null : PROTOCOL_TYPE.test(type),
    dataType: type === null ? null : DATA_TYPE.test(type),
    generic:
      first === undefined || first.compact.length < INFORMATIVE_TITLE_LENGTH || isGenericTitle(first.tokens),
    authors: normaliseAuthors(record.authors),
    journals: journalForms(journal),
    year: typeof record.year === 'number' && Number.isFinite(record.year) ? record.year : null,
    volume: volumeNumber(nullableText(record.volume)),
    pages: startPages(nullableText(record.pages)),
    pageRange: isPageRange(nullableText(record.pages)),
    doi: normaliseDoi(record.doi),
    pmid: normalisePmid(record.pmid),
    abstract: abstractPairs(record.abstract),
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

export type TitleMatch = 'exact' | 'prefix' | 'fuzzy' | 'missing';

export interface TitleComparison {
  score: number;
  match: TitleMatch;
  /**
   * What tells the two titles apart although they are alike: other numbers or labels ("Part 1" / "Part 2",
   * "phase II" / "phase III"), another population ("women" / "men"), a protocol beside its results. Each as
   * "what a / b". Empty when nothing does (or the titles are not alike).
   */
  distinctions: string[];
  /** Letters and digits in the shorter title of the compared pair. */
  length: number;
}

/** Shortest title (in words) that may match another as its beginning ("Unilateral neglect in stroke"). */
const MIN_PREFIX_TOKENS = 4;

/**
 * Best similarity over the two records' title forms: 1 for the same words ("exact"); "prefix" when one title
 * is the other's beginning (a subtitle or a study group's name dropped, a title cut at a field limit);
 * otherwise the Dice coefficient of character bigrams of the space-less titles (typos, spelling,
 * hyphenation). Distinctions are read on the most similar pair of forms.
 */
export function compareTitles(a: PreparedRecord, b: PreparedRecord): TitleComparison {
  if (a.titles.length === 0 || b.titles.length === 0)
    return { score: 0, match: 'missing', distinctions: [], length: 0 };
  let best: TitleComparison = { score: 0, match: 'fuzzy', distinctions: [], length: 0 };
  for (const [i, x] of a.titles.entries()) {
    for (const [j, y] of b.titles.entries()) {
      const length = Math.min(x.compact.length, y.compact.length);
      if (x.compact === y.compact) return { score: 1, match: 'exact', distinctions: [], length };
      const xShorter = x.compact.length <= y.compact.length;
      const [short, long] = xShorter ? [x, y] : [y, x];
      const prefix = short.tokens.length >= MIN_PREFIX_TOKENS && long.compact.startsWith(short.compact);
      const score = dice(a.bigrams[i]!, b.bigrams[j]!);
      const better = prefix
        ? best.match !== 'prefix' || score > best.score
        : best.match !== 'prefix' && score > best.score;
      if (better) {
        // A title cut inside a word (a field limit) says nothing about the words after the cut: only the shared
        // beginning is compared. A title that ends on a word boundary lacks the rest (a subtitle dropped, or a
        // protocol's "study protocol" added): the rest counts.
        const cut = prefix && !wordBoundary(short, long);
        const marksLong = cut ? marksOf(long.tokens.slice(0, short.tokens.length)) : null;
        const [ma, mb] = xShorter
          ? [a.marks[i]!, marksLong ?? b.marks[j]!]
          : [marksLong ?? a.marks[i]!, b.marks[j]!];
        best = { score, match: prefix ? 'prefix' : 'fuzzy', distinctions: titleDistinctions(ma, mb), length };
      }
    }
  }
  return best;
}

/** True when `short` (a prefix of `long`) ends where a word of `long` ends. */
function wordBoundary(short: TitleForm, long: TitleForm): boolean {
  let length = 0;
  for (const token of long.tokens) {
    length += token.length;
    if (length === short.compact.length) return true;
    if (length > short.compact.length) return false;
  }
  return true;
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

/** A group author ("ASCEND Study Collaborative Group"): no initials, a name of several words. */
function isGroup(author: NormalisedAuthor): boolean {
  return author.initials === '' && author.given === '' && author.family.length > 20;
}

export type AuthorAgreement = 'same' | 'partial' | 'different' | 'unknown';

export interface AuthorComparison {
  agreement: AuthorAgreement;
  /** Authors matched one to one. */
  matched: number;
  /**
   * Enough to stand in for missing venue details: two or more authors matched, or a single author on each
   * side matched with the same initials.
   */
  strong: boolean;
}

/**
 * Authors matched one to one by family name (one typo allowed) and first initial, or with family and given
 * names swapped. "same": at least half of the shorter list matched (lists are often cut to the first few
 * names); "different": none matched. A list of group authors only beside a list of persons only is unknown
 * (one database lists the group, another its members).
 */
export function compareAuthors(
  a: readonly NormalisedAuthor[],
  b: readonly NormalisedAuthor[],
): AuthorComparison {
  if (a.length === 0 || b.length === 0) return { agreement: 'unknown', matched: 0, strong: false };
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
  if (matched === 0) {
    const groupsOnly = (list: readonly NormalisedAuthor[]) => list.every(isGroup);
    const personsOnly = (list: readonly NormalisedAuthor[]) => !list.some(isGroup);
    if ((groupsOnly(a) && personsOnly(b)) || (groupsOnly(b) && personsOnly(a)))
      return { agreement: 'unknown', matched: 0, strong: false };
    return { agreement: 'different', matched: 0, strong: false };
  }
  const agreement = matched * 2 >= Math.min(a.length, b.length) ? 'same' : 'partial';
  const single =
    a.length === 1 && b.length === 1 && a[0]!.initials !== '' && a[0]!.initials === b[0]!.initials;
  return { agreement, matched, strong: agreement === 'same' && (matched >= 2 || single) };
}

export type FieldAgreement = 'same' | 'different' | 'unknown';
export type YearAgreement = 'same' | 'adjacent' | 'different' | 'unknown';

function compareValues<T>(a: T | null, b: T | null): FieldAgreement {
  if (a === null || b === null) return 'unknown';
  return a === b ? 'same' : 'different';
}

function compareYears(a: number | null, b: number | null): YearAgreement {
  if (a === null || b === null) return 'unknown';
  const gap = Math.abs(a - b);
  return gap === 0 ? 'same' : gap === 1 ? 'adjacent' : 'different';
}

function comparePages(a: readonly number[] | null, b: readonly number[] | null): FieldAgreement {
  if (a === null || b === null) return 'unknown';
  return a.some((page) => b.includes(page)) ? 'same' : 'different';
}

/** Word pairs shared, over the smaller abstract (one database may cut an abstract short). */
function compareAbstracts(a: Set<string> | null, b: Set<string> | null): FieldAgreement {
  if (a === null || b === null) return 'unknown';
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let shared = 0;
  for (const pair of small) if (large.has(pair)) shared++;
  const containment = shared / small.size;
  return containment >= 0.6 ? 'same' : containment <= 0.2 ? 'different' : 'unknown';
}

export interface PairEvidence {
  title: TitleComparison;
  /** The notice kind of each record (null: an item, not a notice). */
  notices: [NoticeKind | null, NoticeKind | null];
  /** Which of the two are supplement abstracts. */
  supplements: [boolean, boolean];
  /** Which of the two have a page range of two or more pages. */
  pageRanges: [boolean, boolean];
  /** Whether each publication type says protocol (null: no type given). */
  protocolTypes: [boolean | null, boolean | null];
  /** Whether each publication type says data set or supplementary material (null: no type given). */
  dataTypes: [boolean | null, boolean | null];
  /** Whether either title is generic or short. */
  generic: boolean;
  authors: AuthorAgreement;
  authorsMatched: number;
  authorsStrong: boolean;
  year: YearAgreement;
  journal: JournalAgreement;
  volume: FieldAgreement;
  pages: FieldAgreement;
  doi: FieldAgreement;
  pmid: FieldAgreement;
  abstract: FieldAgreement;
}

export function compareRecords(a: PreparedRecord, b: PreparedRecord): PairEvidence {
  const authors = compareAuthors(a.authors, b.authors);
  return {
    title: compareTitles(a, b),
    notices: [a.notice, b.notice],
    supplements: [a.supplement, b.supplement],
    pageRanges: [a.pageRange, b.pageRange],
    protocolTypes: [a.protocolType, b.protocolType],
    dataTypes: [a.dataType, b.dataType],
    generic: a.generic || b.generic,
    authors: authors.agreement,
    authorsMatched: authors.matched,
    authorsStrong: authors.strong,
    year: compareYears(a.year, b.year),
    journal: compareJournals(a.journals, b.journals),
    volume: compareValues(a.volume, b.volume),
    pages: comparePages(a.pages, b.pages),
    doi: compareValues(a.doi, b.doi),
    pmid: compareValues(a.pmid, b.pmid),
    abstract: compareAbstracts(a.abstract, b.abstract),
  };
}

export type PairDecision = 'duplicate' | 'possible' | 'distinct';

export interface PairScore {
  decision: PairDecision;
  /** 0-1, for ordering a review queue: title similarity with the agreement of the other fields. */
  score: number;
  /** Fields that agreed, e.g. "title exact", "authors same (3 matched)", "pages same". */
  agreed: string[];
  /** Fields that differed and what tells the records apart, e.g. "pages different", "one is a correction". */
  differed: string[];
  /** The rule that decided, in words. */
  why: string;
  /** agreed, then differed, then why: one list for a one-line reason. */
  reasons: string[];
}

/** Title thresholds on the bigram Dice coefficient. */
export const TITLE_CLOSE = 0.8;
export const TITLE_RELATED = 0.55;

/** 2: the same title, typed differently or shortened; 1: related (reworded, translated); 0: another title. */
function titleTier(title: TitleComparison): 0 | 1 | 2 {
  if (title.match === 'missing') return 0;
  return title.match !== 'fuzzy' || title.score >= TITLE_CLOSE ? 2 : title.score >= TITLE_RELATED ? 1 : 0;
}

const NOTICE_WORDS: Record<NoticeKind, string> = {
  correction: 'a correction',
  retraction: 'a retraction notice',
  concern: 'an expression of concern',
  comment: 'a comment',
  reply: 'a reply',
  reprint: 'a reprint notice',
};

/**
 * What makes two records two works whatever else agrees ("hard": never merged, never queued) and what only
 * keeps the pair from being certain ("soft": it may still go to a person).
 */
export function conflictsOf(e: PairEvidence): { hard: string[]; soft: string[] } {
  const hard: string[] = [];
  const soft: string[] = [];
  const [na, nb] = e.notices;
  if (na !== nb) {
    hard.push(
      na && nb
        ? `notices of different kinds (${NOTICE_WORDS[na]}, ${NOTICE_WORDS[nb]})`
        : `one is ${NOTICE_WORDS[(na ?? nb)!]}, the other is not`,
    );
  }
  const [pa, pb] = e.protocolTypes;
  if (pa !== null && pb !== null && pa !== pb)
    hard.push('one is a protocol (its publication type), the other is not');
  const [da, db] = e.dataTypes;
  if (da !== null && db !== null && da !== db)
    hard.push('one is a data set or supplementary material (its publication type), the other is not');
  const place = samePlace(e);
  if (e.title.match !== 'missing' && e.title.distinctions.length > 0) {
    const numbers = e.title.distinctions.some((d) => d.startsWith('numbers '));
    const text = `${numbers ? 'title numbers different' : 'titles differ in'}: ${e.title.distinctions.join('; ')}`;
    // At the same place (year, volume and first page of a full article) a word or number that differs is a
    // database's variant of one title: a person decides. Anywhere else it is a companion paper.
    if (place && !pageShared(e)) soft.push(text);
    else hard.push(text);
  }
  // PubMed gives an article one PMID, but it does hold duplicate records of one article (NLM deletes them when
  // found): two PMIDs for the same authors at the same place (year, volume, first page of a full article) go to
  // a person; anywhere else they are two works.
  if (e.pmid === 'different') {
    if (place && !pageShared(e) && e.authors === 'same' && e.abstract !== 'different')
      soft.push('pmid different (at the same place, by the same authors)');
    else hard.push('pmid different');
  }
  if (e.abstract === 'different') hard.push('abstracts different');
  const sameVenue =
    e.volume === 'same' ||
    (e.volume === 'unknown' && e.year === 'same' && (e.journal === 'same' || e.journal === 'compatible'));
  if (e.pages === 'different' && sameVenue) hard.push('other pages of the same volume');
  else if (e.pages === 'different') soft.push('pages different');
  if (e.year === 'different' && e.doi !== 'same') hard.push('years two or more apart');
  // One DOI years apart: a print date long after the online one, or a DOI stem that names every version of a
  // work (a Cochrane review's CD number without its ".pubN"). A person decides.
  else if (e.year === 'different') soft.push('years two or more apart (the same doi)');
  if (e.doi === 'different') soft.push('doi different');
  if (e.authors === 'different') soft.push('authors different');
  if (e.year === 'adjacent' && !(e.volume === 'same' && e.pages === 'same')) soft.push('year one apart');
  if (e.journal === 'different') soft.push('journal different');
  if (e.volume === 'different') soft.push('volume different');
  const [sa, sb] = e.supplements;
  const [ra, rb] = e.pageRanges;
  if ((sa && !sb && rb) || (sb && !sa && ra))
    soft.push('one is a conference abstract, the other a full article');
  if (e.authors === 'different' && soft.length >= 2) hard.push('other authors and other details');
  else if (soft.length >= 3) hard.push('most details differ');
  return { hard, soft };
}

/** The same year (or one apart, an online and a print date, at the same volume and page), volume and first page. */
function samePlace(e: PairEvidence): boolean {
  return (e.year === 'same' || e.year === 'adjacent') && e.volume === 'same' && e.pages === 'same';
}

/**
 * The first page is shared by many items: a supplement or abstract book page, unless both records give a
 * range of pages (a full article printed in a supplement issue).
 */
function pageShared(e: PairEvidence): boolean {
  return (e.supplements[0] || e.supplements[1]) && !(e.pageRanges[0] && e.pageRanges[1]);
}

/**
 * True when two records must never end in one cluster, even through other records: anything hard, or a soft
 * conflict other than the journal's name (parallel titles look different without being so) and a year one
 * apart (an online date beside a print date).
 */
export function cannotLink(e: PairEvidence): boolean {
  const { hard, soft } = conflictsOf(e);
  return hard.length > 0 || soft.some((s) => s !== 'journal different' && s !== 'year one apart');
}

/**
 * The decision for one pair.
 * - Distinct, whatever else agrees: a notice beside an article (or notices of different kinds), titles that
 *   differ in numbers, labels, population or study phase, different PMIDs (except for the same authors at the
 *   same place: a PubMed duplicate record, for a person) or abstracts, other pages of the same volume, years
 *   two or more apart, or nearly everything else different.
 * - Certain duplicate, with nothing else different (no other DOI, authors, year, journal, volume or pages):
 *   1. the same or a close title confirmed by the same PMID or DOI (in a supplement also by the authors);
 *   2. the same or a close, informative title with the same authors and two of year, journal, volume and first
 *      page the same, or with the authors unknown and three of them the same (never in a supplement, where a
 *      page and a DOI hold many abstracts: there the authors must agree);
 *   3. the very same informative title, two or more of the same authors and the same year (the venue not
 *      exported on one side);
 *   4. a related or translated title at the same place (year, volume and first page) of the same journal with
 *      the same authors, or with the authors unknown and the same journal (not in a supplement); an unrelated
 *      title only with two or more of the same authors (a title given in two languages);
 *   A generic or short title ("Editorial", "Editor's comments") merges only at the same place.
 * - A record without a title: certain only when a PMID or DOI and two details agree with nothing different.
 * - Possible (for a person): an informative same or close title with at most one soft difference and two
 *   other things agreeing (authors, year, journal, volume, page, DOI or abstract); a related title that the
 *   authors and two details confirm; a record without a title sharing an identifier, or the authors and place.
 */
export function decidePair(e: PairEvidence): PairScore {
  const tier = titleTier(e.title);
  const { hard, soft } = conflictsOf(e);
  // In a supplement a page and a DOI are shared by many abstracts: they do not tell one abstract.
  const supplement = e.supplements[0] || e.supplements[1];
  const shared = pageShared(e);
  const place = samePlace(e) && !shared;
  const yearAgrees =
    e.year === 'same' || (e.year === 'adjacent' && e.volume === 'same' && e.pages === 'same');
  const venue = [yearAgrees, e.journal === 'same', e.volume === 'same', e.pages === 'same' && !shared].filter(
    Boolean,
  ).length;
  const idSame = e.pmid === 'same' || (e.doi === 'same' && !supplement);
  const authorsSame = e.authors === 'same';
  /** Nothing says the authors differ, though they do not show they agree either. */
  const authorsOpen = e.authors === 'unknown' || e.authors === 'partial';

  const agreed: string[] = [];
  if (e.title.match === 'exact' || e.title.match === 'prefix') agreed.push(`title ${e.title.match}`);
  else if (tier > 0) agreed.push(`title ${tier === 2 ? 'close' : 'related'} (${e.title.score.toFixed(2)})`);
  if (authorsSame || e.authors === 'partial')
    agreed.push(`authors ${e.authors} (${e.authorsMatched} matched)`);
  if (e.year === 'same') agreed.push('year same');
  else if (e.year === 'adjacent' && yearAgrees) agreed.push('year one apart (same volume and pages)');
  for (const field of ['journal', 'volume', 'pages', 'doi', 'pmid', 'abstract'] as const) {
    const sharedField = (field === 'pages' && shared) || (field === 'doi' && supplement);
    if (e[field] === 'same') agreed.push(`${field} same${sharedField ? ' (shared by a supplement)' : ''}`);
    else if (e[field] === 'compatible') agreed.push(`${field} compatible`);
  }
  const differed = [...hard, ...soft];
  if (e.title.match === 'missing') differed.push('no title to compare');
  else if (tier === 0) differed.push(`title different (${e.title.score.toFixed(2)})`);
  if (e.generic) differed.push('title generic or short');

  const score = Math.max(
    0,
    Math.min(
      1,
      0.5 * (e.title.match === 'exact' ? 1 : e.title.score) +
        0.1 * venue +
        (authorsSame ? 0.1 : 0) +
        (idSame ? 0.1 : 0) -
        0.1 * soft.length -
        0.3 * hard.length,
    ),
  );
  const result = (decision: PairDecision, why: string): PairScore => ({
    decision,
    score: Number(score.toFixed(3)),
    agreed,
    differed,
    why,
    reasons: [...agreed, ...differed, why],
  });

  if (hard.length > 0) return result('distinct', `distinct: ${hard[0]}`);

  if (e.title.match === 'missing') {
    if (idSame && soft.length === 0 && venue >= 2 && e.authors !== 'different')
      return result('duplicate', 'duplicate: no title, but an identifier and two details agree');
    if (e.pmid === 'same' || e.doi === 'same' || (place && authorsSame))
      return result(
        'possible',
        'possible: no title to compare; an identifier or the authors and place agree',
      );
    return result('distinct', 'distinct: no title, too little else agrees');
  }

  const informative = !e.generic;
  if (soft.length === 0) {
    const authorsOk = supplement ? authorsSame : e.authors !== 'different';
    if (tier === 2 && idSame && authorsOk && (informative || place))
      return result('duplicate', 'duplicate: the title and an identifier agree');
    if (tier === 2 && informative && authorsSame && venue >= 2)
      return result('duplicate', 'duplicate: title, authors and two details agree');
    if (tier === 2 && informative && !supplement && authorsOpen && venue >= 3)
      return result('duplicate', 'duplicate: title and three details agree (the authors do not disagree)');
    if (e.title.match === 'exact' && informative && e.authorsStrong && e.year === 'same' && !supplement)
      return result('duplicate', 'duplicate: the same title, authors and year (no venue to compare)');
    if (tier === 2 && place && (authorsSame || (authorsOpen && e.journal === 'same')))
      return result('duplicate', 'duplicate: a generic title at the same place (year, volume, first page)');
    // A related title (reworded, translated) at the same place of a full article: a page of a volume starts
    // one article. Never for one-page items (abstracts share pages even outside marked supplements).
    if (tier === 1 && place && e.pageRanges[0] && e.pageRanges[1]) {
      if ((authorsSame && e.journal !== 'different') || (authorsOpen && e.journal === 'same'))
        return result('duplicate', 'duplicate: a related title at the same place (year, volume, first page)');
    }
  }

  // The journal's name alone differs at the same place with the same authors: one journal's parallel or
  // former title ("Wirtschaftsinformatik" / "Business and Information Systems Engineering").
  if (tier === 2 && place && e.authorsStrong && soft.length === 1 && soft[0] === 'journal different')
    return result('duplicate', 'duplicate: title, authors and place agree under two names of the journal');

  if (!informative && !place) return result('distinct', 'distinct: a generic or short title alone');
  const support =
    (authorsSame ? 1 : 0) +
    (e.year === 'same' || e.year === 'adjacent' ? 1 : 0) +
    (e.journal === 'same' ? 1 : 0) +
    (e.volume === 'same' ? 1 : 0) +
    (e.pages === 'same' && !shared ? 1 : 0) +
    (idSame ? 1 : 0) +
    (e.abstract === 'same' ? 1 : 0);
  if (tier === 2 && soft.length <= 1 && support >= 2)
    return result(
      'possible',
      `possible: the title agrees, ${soft.length > 0 ? soft[0] : 'too little else is known'}`,
    );
  if (tier === 1 && soft.length === 0 && authorsSame && venue >= 2)
    return result('possible', 'possible: a related title with the same authors and details');
  return result('distinct', 'distinct: too little agrees');
}

export function scorePair(a: PreparedRecord, b: PreparedRecord): PairScore {
  return decidePair(compareRecords(a, b));
}
