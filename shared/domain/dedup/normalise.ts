// Normalisation for fuzzy deduplication: every field reduced to what survives re-typing between databases.
// Titles lose markup, entities, language tags, editorial notes ("[Erratum appears in ...]", "[abstract]") and
// the square brackets MEDLINE puts round a translated title; authors become family names plus initials;
// journal names become token lists that can be compared with their ISO 4 abbreviations; pages, volumes and
// years become numbers. Pure functions, no I/O.
import { normaliseTitle } from '../citation/citation-keys.ts';
import { decodeEntities as decodeReferences } from '../text/entities.ts';
import type { DedupAuthor } from './dedup-record.ts';

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  ndash: '-',
  mdash: '-',
  hyphen: '-',
  minus: '-',
  hellip: '...',
  lsquo: "'",
  rsquo: "'",
  ldquo: '"',
  rdquo: '"',
  plusmn: '±',
  times: '×',
  deg: '°',
  middot: '·',
  micro: 'µ',
  szlig: 'ß',
  aelig: 'æ',
  oelig: 'œ',
  oslash: 'ø',
  alpha: 'α',
  beta: 'β',
  gamma: 'γ',
  delta: 'δ',
  epsilon: 'ε',
  kappa: 'κ',
  lambda: 'λ',
  mu: 'μ',
  pi: 'π',
  sigma: 'σ',
  tau: 'τ',
  omega: 'ω',
  ge: '≥',
  le: '≤',
};

/** `&amp;`, `&eacute;`, `&#233;` and `&#xE9;` decoded; unknown entities left as they are. */
export function decodeEntities(text: string): string {
  return decodeReferences(text, { named: NAMED_ENTITIES, unknown: foldedEntity });
}

/** A name in another case (`&AMP;`), or a Latin letter with a mark (&eacute; &Uuml; &ccedil;) -> the bare letter. */
function foldedEntity(name: string): string | undefined {
  const named = NAMED_ENTITIES[name.toLowerCase()];
  if (named) return named;
  const accented = /^([a-zA-Z])(?:acute|grave|uml|circ|tilde|cedil|ring|caron|slash|macr|ogon|dot)$/.exec(
    name,
  );
  return accented?.[1];
}

/** HTML / JATS / MathML tags (`<i>`, `</sup>`, `<mml:mi>`) removed; "p < 0.05" is not a tag and stays. */
export function stripMarkup(text: string): string {
  return text.replace(/<\/?[a-zA-Z][\w:.-]*(?:\s[^<>]*)?\/?>/g, ' ');
}

const LETTER_FOLDS: Record<string, string> = {
  æ: 'ae',
  œ: 'oe',
  ß: 'ss',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
  α: 'alpha',
  β: 'beta',
  γ: 'gamma',
  δ: 'delta',
  ε: 'epsilon',
  κ: 'kappa',
  λ: 'lambda',
  μ: 'mu',
  π: 'pi',
  σ: 'sigma',
  τ: 'tau',
  ω: 'omega',
};
const LETTER_FOLD_PATTERN = new RegExp(`[${Object.keys(LETTER_FOLDS).join('')}]`, 'g');

/**
 * Case, diacritics, entities, markup and punctuation folded away: "Grüne &amp; <i>Müller</i>" -> "grune muller".
 * Builds on the citation title key's normalisation and adds entities and letters NFKD cannot split.
 */
export function foldText(text: string): string {
  // Tags go first with the careful pattern; a "<" or ">" left is a sign, and must not reach the title key's
  // tag pattern, which would drop "< 0.05 and n >" as one tag.
  return normaliseTitle(stripMarkup(decodeEntities(text)).replace(/[<>]/g, ' '))
    .replace(LETTER_FOLD_PATTERN, (c) => LETTER_FOLDS[c] ?? c)
    .replace(/\s+/g, ' ')
    .trim();
}

// ---------------------------------------------------------------------------------------------------- titles

const LANGUAGES = [
  'afrikaans',
  'arabic',
  'bulgarian',
  'catalan',
  'chinese',
  'croatian',
  'czech',
  'danish',
  'dutch',
  'english',
  'estonian',
  'finnish',
  'french',
  'german',
  'greek',
  'hebrew',
  'hungarian',
  'icelandic',
  'indonesian',
  'italian',
  'japanese',
  'korean',
  'latvian',
  'lithuanian',
  'malay',
  'norwegian',
  'persian',
  'polish',
  'portuguese',
  'romanian',
  'russian',
  'serbian',
  'slovak',
  'slovenian',
  'spanish',
  'swedish',
  'thai',
  'turkish',
  'ukrainian',
  'vietnamese',
  'multiple languages',
];

/** "[Chinese]", "[Article in German]", "[French, English abstract]": a note on the language, not title text. */
const LANGUAGE_TAG = new RegExp(
  String.raw`\[\s*(?:article in\s+)?(?:${LANGUAGES.join('|')})(?:\s*[,;/]?\s*(?:with\s+)?(?:english\s+)?(?:abstract|summary)s?)?\s*\]`,
  'gi',
);

/**
 * Editorial notes a database appends or inserts: errata, "[abstract]", "[corrected]" (may be cut short), and a
 * bare publication type ("[letter]"). A bracketed title that merely starts with "Comment" or "Letter" stays.
 */
const EDITORIAL_NOTE =
  /\[\s*(?:published\s+erratum|erratum|corrected|added|abstr|abstract|meeting\s+abstract|see\s+comments?)\b[^\]]*(?:\]|$)|\[\s*(?:letter|editorial|comment|review)\s*\]/gi;

/**
 * Where a second, original-language title or an export field leaks into the title field: EMBASE's
 * "<ORIGINAL> ...", and RIS tags run into the text ("... LA: Chi", "... TO: Espirometria ...").
 */
const TRAILING_FIELD = /\s*(?:<ORIGINAL>|\s(?:LA|TO):\s).*$/s;

export interface TitleForm {
  /** Folded words. */
  tokens: string[];
  /** The words without spaces: "non-small-cell" and "nonsmall cell" meet here. */
  compact: string;
}

/** Text between brackets at depth 0 and the text outside them. */
function bracketParts(text: string): { inside: string[]; outside: string } {
  const inside: string[] = [];
  let outside = '';
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '[') {
      if (depth === 0) current = '';
      else current += char;
      depth++;
    } else if (char === ']' && depth > 0) {
      depth--;
      if (depth === 0) inside.push(current);
      else current += char;
    } else if (depth > 0) current += char;
    else outside += char;
  }
  if (depth > 0) inside.push(current);
  return { inside, outside };
}

/** The title with language tags, editorial notes and leaked fields removed, quotes and brackets trimmed. */
export function cleanTitle(raw: string): string {
  return stripMarkup(decodeEntities(raw).replace(TRAILING_FIELD, ''))
    .replace(EDITORIAL_NOTE, ' ')
    .replace(LANGUAGE_TAG, ' ')
    .replace(/\s+/g, ' ')
    .replace(/^[\s"'\u201c\u201d\u2018\u2019]+|[\s"'\u201c\u201d\u2018\u2019.]+$/g, '')
    .trim();
}

function toForm(text: string): TitleForm | null {
  const folded = foldText(text);
  if (folded.length === 0) return null;
  const tokens = folded.split(' ');
  return { tokens, compact: tokens.join('') };
}

/** Shortest part of a title worth comparing on its own (a subtitle or one language of a bilingual title). */
const MIN_PART_TOKENS = 4;

/**
 * The forms a title can be compared in: the whole cleaned title, plus, when it has them, each language of a
 * bilingual title ("Original; Translation", "Original = Translation") and a bracketed translated title beside
 * an original one ("[English title] Original title"). A title that is all one bracket is a translated title:
 * its brackets are dropped.
 */
export function titleForms(raw: string): TitleForm[] {
  const cleaned = cleanTitle(raw);
  const texts = [cleaned];
  const { inside, outside } = bracketParts(cleaned);
  if (inside.length > 0) texts.push(...inside, outside);
  for (const text of [...texts]) {
    const parts = text.split(/\s*;\s+|\s+=\s+/);
    if (parts.length > 1) texts.push(...parts);
  }
  const forms: TitleForm[] = [];
  const seen = new Set<string>();
  for (const [index, text] of texts.entries()) {
    const form = toForm(text);
    if (!form || seen.has(form.compact)) continue;
    if (index > 0 && form.tokens.length < MIN_PART_TOKENS) continue;
    seen.add(form.compact);
    forms.push(form);
  }
  return forms;
}

// --------------------------------------------------------------------------------------------------- authors

export interface NormalisedAuthor {
  /** Folded family name without particles or spaces: "von Pawel" and "Pawel" -> "pawel". */
  family: string;
  /** Upper-case initials of the given names, "" when none are known. */
  initials: string;
  /** Folded given names when written out ("Ching-yi" -> "chingyi"), "" for initials only. */
  given: string;
}

/** Name particles that databases keep, drop or move ("von Pawel" / "Pawel", "Ruiter De" / "De Ruiter"). */
const PARTICLES = new Set([
  'van',
  'von',
  'der',
  'den',
  'de',
  'del',
  'della',
  'des',
  'di',
  'da',
  'do',
  'dos',
  'du',
  'la',
  'le',
  'st',
  'ste',
  'saint',
  'ten',
  'ter',
  'zu',
]);
/** Generational suffixes that are not part of a family name: "Lynch Jr", "Weyhing, B. T., 3rd". */
const SUFFIXES = new Set(['jr', 'sr', 'ii', 'iii', 'iv', '2nd', '3rd', '4th']);

export function familyKey(family: string): string {
  const words = foldText(family)
    .split(' ')
    .filter((w) => w.length > 0 && !SUFFIXES.has(w));
  const core = words.filter((w) => !PARTICLES.has(w));
  return (core.length > 0 ? core : words).join('');
}

/** "Q. J." / "QJ" / "Qing-Jun" / "Qing Jun" -> "QJ". */
export function initialsOf(given: string): string {
  const words = decodeEntities(given)
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .split(/[\s.\-\u2010]+/)
    .filter((w) => w.length > 0 && !SUFFIXES.has(w.toLowerCase()));
  let initials = '';
  for (const word of words) {
    const letters = word.replace(/[^\p{L}]/gu, '');
    if (letters.length === 0) continue;
    // "QJ" is initials written together; "Qingjun" is a name.
    if (letters.length <= 3 && letters === letters.toUpperCase()) initials += letters;
    else initials += letters[0]!.toUpperCase();
  }
  return initials;
}

/** The given names folded and joined when at least one is written out, else "". */
export function givenKey(given: string): string {
  const written = decodeEntities(given)
    .split(/[\s.]+/)
    .some((w) => w.length >= 2 && /\p{Ll}/u.test(w));
  return written ? foldText(given).replace(/\s+/g, '') : '';
}

function person(family: string, given: string): NormalisedAuthor {
  return { family: familyKey(family), initials: initialsOf(given), given: givenKey(given) };
}

function isSuffix(text: string): boolean {
  return SUFFIXES.has(text.replace(/[.\s]/g, '').toLowerCase());
}

/**
 * Vancouver's "Zhai QJ" and Scopus's "Zhai Q.J." / "Zhai Q.-J.": the name ends in 1-3 capital initials,
 * dotted or not.
 */
function vancouverName(name: string): NormalisedAuthor | null {
  const match = /^(.+?)\s+((?:\p{Lu}\.?-?\s*){1,3})$/u.exec(name.trim());
  if (!match) return null;
  return { family: familyKey(match[1]!), initials: match[2]!.replace(/[^\p{Lu}]/gu, ''), given: '' };
}

function parseOneName(name: string): NormalisedAuthor | null {
  const parts = name
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0 && !isSuffix(p));
  if (parts.length === 0) return null;
  if (parts.length >= 2) {
    // "Family, Given" (suffixes already dropped).
    return person(parts[0]!, parts.slice(1).join(' '));
  }
  const single = parts[0]!;
  if (/^et\.?\s*al\.?$/i.test(single)) return null;
  const vancouver = vancouverName(single);
  if (vancouver) return vancouver;
  // "Q. J. Zhai" / "Qingjun Zhai": family name last.
  const words = single.split(/\s+/).filter((w) => !isSuffix(w));
  if (words.length === 1) return person(words[0]!, '');
  // Particles belong to the family name: "Ludwig van Beethoven".
  let start = words.length - 1;
  while (start > 1 && PARTICLES.has(foldText(words[start - 1]!))) start--;
  return person(words.slice(start).join(' '), words.slice(0, start).join(' '));
}

/**
 * Splits an exported author string into names. Handles BibTeX/EndNote "Family, G. and Family, G.",
 * RIS/Embase "Family, Given; Family, Given", Vancouver/PubMed "Family GI, Family GI" and "G. Family, G. Family".
 */
export function splitAuthorString(text: string): string[] {
  const cleaned = decodeEntities(text)
    .replace(/\bet\.?\s*al\b\.?/gi, '')
    .replace(/^[\s,;&]+|[\s,;&]+$|(?:^|\s+)and\s*$/gi, '')
    .trim();
  if (cleaned.length === 0) return [];
  if (/\s+and\s+|\s*&\s*/i.test(cleaned) && !cleaned.includes(';')) {
    const byAnd = cleaned.split(/\s+and\s+|\s*&\s*/i);
    // "Smith J, Jones K and Brown L": the last "and" joins a Vancouver list.
    if (byAnd.length === 2 && byAnd[0]!.split(',').every((p) => vancouverName(p) !== null)) {
      return [...byAnd[0]!.split(','), byAnd[1]!].map((s) => s.trim()).filter((s) => s.length > 0);
    }
    return byAnd.map((s) => s.trim()).filter((s) => s.length > 0);
  }
  if (cleaned.includes(';')) {
    return cleaned
      .split(';')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  }
  const commaParts = cleaned
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0 && !isSuffix(s));
  // Every part a whole name ("Zhai QJ" or "Q. J. Zhai"): one name per comma.
  if (commaParts.every((p) => vancouverName(p) !== null || /^(?:\p{Lu}\.\s*)+\S/u.test(p))) return commaParts;
  // "Family, Given, Family, Given": pairs.
  const names: string[] = [];
  for (let i = 0; i < commaParts.length; i += 2) {
    names.push(commaParts.slice(i, i + 2).join(', '));
  }
  return names;
}

/** Authors as family names plus initials, in their order; null authors give an empty list. */
export function normaliseAuthors(authors: string | readonly DedupAuthor[] | null): NormalisedAuthor[] {
  if (authors === null) return [];
  const result: NormalisedAuthor[] = [];
  if (typeof authors === 'string') {
    for (const name of splitAuthorString(authors)) {
      const parsed = parseOneName(name);
      if (parsed && parsed.family.length > 0) result.push(parsed);
    }
    return result;
  }
  for (const author of authors) {
    if ('collective' in author) {
      const family = foldText(author.collective).replace(/\s+/g, '');
      if (family.length > 0) result.push({ family, initials: '', given: '' });
      continue;
    }
    const family = familyKey(author.family);
    if (family.length === 0) continue;
    const initials = author.initials
      ? initialsOf(author.initials)
      : author.given
        ? initialsOf(author.given)
        : '';
    result.push({ family, initials, given: author.given ? givenKey(author.given) : '' });
  }
  return result;
}

// -------------------------------------------------------------------------------------------------- journals

/** Words an ISO 4 abbreviation drops. */
const JOURNAL_STOPWORDS = new Set([
  'a',
  'an',
  'and',
  'the',
  'of',
  'for',
  'in',
  'on',
  'at',
  'to',
  'official',
  'de',
  'des',
  'du',
  'd',
  'la',
  'le',
  'les',
  'l',
  'et',
  'y',
  'e',
  'i',
  'der',
  'die',
  'das',
  'und',
  'fur',
  'für',
  'di',
  'del',
  'della',
  'en',
  'voor',
  'van',
]);

export interface JournalForm {
  /** Folded words without stop words. */
  words: string[];
  compact: string;
}

/**
 * The forms a journal name can be compared in: the whole name, and its parts when it has a parallel title
 * ("Zhongguo fei ai za zhi = Chinese journal of lung cancer", "Xianggang yi xue za zhi [Hong Kong medical
 * journal]") or a subtitle ("Journal of clinical oncology :
 * official journal of ...", "... / Ministerstvo zdravookhraneniia ..."); place qualifiers in brackets ("Lung cancer (Amsterdam, Netherlands)") dropped.
 */
export function journalForms(raw: string | null): JournalForm[] {
  if (!raw) return [];
  const decoded = decodeEntities(raw);
  const text = decoded.replace(/\([^)]*\)?/g, ' ').replace(/\[[^\]]*\]?/g, ' ');
  // A bracketed parallel title ("Xianggang yi xue za zhi [Hong Kong medical journal]") is a form of its own.
  const bracketed = [...decoded.matchAll(/\[([^\]]+)\]/g)]
    .map((m) => m[1]!)
    .filter((t) => t.trim().split(/\s+/).length >= 2);
  const texts = [text, ...bracketed, ...text.split(/\s+[=/]\s+/)];
  for (const part of [...texts]) {
    const colon = part.split(/\s*:\s+|\s+:\s*|\.\s+/);
    if (colon.length > 1) texts.push(...colon);
  }
  const forms: JournalForm[] = [];
  const seen = new Set<string>();
  for (const part of texts) {
    const words = foldText(part)
      .split(' ')
      .filter((w) => w.length > 0 && !JOURNAL_STOPWORDS.has(w));
    const compact = words.join('');
    if (compact.length === 0 || seen.has(compact)) continue;
    seen.add(compact);
    forms.push({ words, compact });
  }
  return forms;
}

/** True when `part` could abbreviate `word`: same first letter, the rest in order ("dtsch" / "deutsche"). */
function abbreviates(part: string, word: string): boolean {
  if (part.length === 0 || part.length > word.length || part[0] !== word[0]) return false;
  let j = 1;
  for (let i = 1; i < part.length; i++) {
    while (j < word.length && word[j] !== part[i]) j++;
    if (j === word.length) return false;
    j++;
  }
  return true;
}

/**
 * True when `short` (spaces or not: "Arch Intern Med", "Jthoraccardiovascsurg") is an abbreviation of the words
 * of `full`, each word abbreviated in order and none skipped ("Archives of Internal Medicine").
 */
export function isAbbreviationOf(short: string, full: readonly string[]): boolean {
  if (full.length === 0 || short.length === 0) return false;
  const memo = new Map<number, boolean>();
  const solve = (i: number, w: number): boolean => {
    if (w === full.length) return i === short.length;
    if (i === short.length) return false;
    const key = i * 64 + w;
    const known = memo.get(key);
    if (known !== undefined) return known;
    const word = full[w]!;
    let ok = false;
    const remainingWords = full.length - w - 1;
    for (let end = i + 1; end <= short.length - remainingWords && !ok; end++) {
      if (abbreviates(short.slice(i, end), word)) ok = solve(end, w + 1);
    }
    memo.set(key, ok);
    return ok;
  };
  return full.length < 64 && solve(0, 0);
}

export type JournalAgreement = 'same' | 'compatible' | 'different' | 'unknown';

/**
 * "same": equal, or one is an abbreviation of the other; "compatible": the words of one are all in the other
 * (a renamed or extended title: "Journal of Trauma" / "Journal of Trauma-Injury Infection & Critical Care").
 */
export function compareJournals(a: readonly JournalForm[], b: readonly JournalForm[]): JournalAgreement {
  if (a.length === 0 || b.length === 0) return 'unknown';
  let compatible = false;
  for (const x of a) {
    for (const y of b) {
      if (x.compact === y.compact) return 'same';
      if (
        x.compact.length <= y.compact.length
          ? isAbbreviationOf(x.compact, y.words)
          : isAbbreviationOf(y.compact, x.words)
      )
        return 'same';
      if (!compatible) {
        const [small, large] = x.words.length <= y.words.length ? [x.words, y.words] : [y.words, x.words];
        const set = new Set(large);
        compatible = small.every((w) => set.has(w));
      }
    }
  }
  return compatible ? 'compatible' : 'different';
}

// ---------------------------------------------------------------------------------- pages, volumes and years

const MONTHS = 'jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec';
/** A page range a spreadsheet turned into a date ("01-Sep" for "1-9"): the numbers cannot be trusted. */
const SPREADSHEET_DATE = new RegExp(`^\\s*(?:\\d{1,2}-(?:${MONTHS})|(?:${MONTHS})-\\d{1,2})\\s*$`, 'i');

/**
 * The first page of each range in a pages field, as numbers: "149-155", "149-55" and "149" -> [149];
 * "S27" -> [27]; "742-8; discussion 748-9" -> [742, 748]; "CD006273" -> [6273]. Null when there are no pages
 * ("No Pagination Specified", a thesis's "215 p", a range a spreadsheet turned into a date).
 */
export function startPages(raw: string | null): number[] | null {
  if (!raw) return null;
  const text = decodeEntities(raw).replace(/["']/g, '').trim();
  if (text.length === 0 || SPREADSHEET_DATE.test(text)) return null;
  if (/^\s*\d+\s*p+\.?\s*$/i.test(text) || /no pagination/i.test(text)) return null;
  const starts: number[] = [];
  for (const piece of text.split(/[,;+]/)) {
    const match = /\d+/.exec(piece);
    if (!match) continue;
    const page = Number(match[0]);
    if (!starts.includes(page)) starts.push(page);
  }
  return starts.length > 0 ? starts : null;
}

/** The volume's number: "30a" -> 30, "35 Suppl 1" -> 35; null when it has none ("Ph.D."). */
export function volumeNumber(raw: string | null): number | null {
  if (!raw) return null;
  const match = /\d+/.exec(raw);
  return match ? Number(match[0]) : null;
}
