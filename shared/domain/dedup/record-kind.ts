// What kind of item a record is, read from its title, publication type, volume, issue, pages and journal:
// the distinctions that make two records with the same title two works.
// - A notice about an article (a correction, a retraction, an expression of concern, a comment, a reply, a
//   reprint notice) repeats the article's title and is never the article. Web of Science writes a
//   correction as the article's title followed by "(vol 39, pg 2, 2009)"; Embase may give it the article's
//   title word for word and say "Erratum" only in the publication type.
// - A conference abstract printed in a journal supplement shares its page, its volume and often its DOI with
//   the other abstracts of that page: the place and the DOI identify the supplement, not the abstract.
// - A generic title ("Editorial", "Editor's comments", "In this issue", "Reply to the letter to the
//   editor") names a recurring column or a kind of item, not a work.
// - Titles that are alike but carry other labels ("Part 1" / "Part 2", "phase II" / "phase III", "type 1" /
//   "type 2"), other populations ("in women" / "in men", "adults" / "children", "rats" / "mice"), or where
//   one is a protocol, a design paper, an update or a follow-up of the other, are companion papers.
// Pure functions over plain text.
import { foldText } from './normalise.ts';

// --------------------------------------------------------------------------------------------------- notices

/** The kinds of notice: each is its own work, related to the article it names. */
export type NoticeKind = 'correction' | 'retraction' | 'concern' | 'comment' | 'reply' | 'reprint';

/**
 * Web of Science's notice suffix: "Title (vol 39, pg 2, 2009)", "Title (vol 12, 345, 2008)", "Title (vol 12,
 * art no e1234, 2020)" (an online-only article's number), "Title (Retraction of vol 39, pg 2, 2009)", "Title
 * (Reprinted from ...)". The parenthesis names the volume, page or year of the
 * article the notice is about.
 */
const WOS_NOTICE_SUFFIX =
  /\s*\(\s*(retraction\s+of\s+|retracted\s+article\.?\s+see\s+|reprinted\s+from\s+[^()]*?|)vol\.?\s*\d+[^()]*?(?:\bpg\.?\s*[a-z]?\d+|\bart\.?\s*no\.?\s*[a-z]*\d+|,\s*[a-z]?\d+\s*,\s*(?:19|20)\d{2})[^()]*\)\s*$/i;

/** The title without Web of Science's notice suffix, and the notice it marks (null without one). */
export function withoutNoticeSuffix(title: string): { title: string; notice: NoticeKind | null } {
  const match = WOS_NOTICE_SUFFIX.exec(title);
  if (!match) return { title, notice: null };
  const marker = (match[1] ?? '').toLowerCase();
  const notice: NoticeKind = marker.startsWith('retract')
    ? 'retraction'
    : marker.startsWith('reprinted')
      ? 'reprint'
      : 'correction';
  return { title: title.slice(0, match.index).trim(), notice };
}

/** Title beginnings that make the item a notice ("Correction of hyponatremia" is an article: no colon). */
const NOTICE_PREFIXES: readonly [RegExp, NoticeKind][] = [
  [
    /^(?:erratum|errata|corrigendum|corrigenda|(?:author|publisher)\s+correction|notice\s+of\s+correction)\b/i,
    'correction',
  ],
  [/^(?:correction|corrections)\s*(?::|to\b|for\b|of\s+(?:article|the\s+article)\b)/i, 'correction'],
  [/^(?:erratum|corrigendum)\s+(?:to|for|in)\b/i, 'correction'],
  [
    /^(?:retraction\s+(?:note|notice|statement)|notice\s+of\s+retraction|retraction\s*(?::|of\b|to\b|for\b)|withdrawal\s+notice)/i,
    'retraction',
  ],
  [/^expression\s+of\s+concern\b|^editorial\s+expression\s+of\s+concern\b/i, 'concern'],
  [
    /^(?:in\s+reply|reply|replies|authors?'?\s+reply|the\s+authors?\s+reply)\b\s*(?::|to\b|from\b|by\b|$)/i,
    'reply',
  ],
  [/^(?:response|authors?'?\s+response)\s*(?::|$)|^in\s+response\s+to\b/i, 'reply'],
  [
    /^(?:comments?|commentary|re|regarding)\s*:|^(?:comments?\s+on|commentary\s+on|letter\s+(?:to\s+the\s+editor\s+)?(?:regarding|concerning|about)|a\s+comment\s+on)\b/i,
    'comment',
  ],
];

/** Title endings of replies: "... Reply", "...: response", "... - authors' reply", "... (author's reply)". */
const REPLY_SUFFIX =
  /(?:(?:[.:;]\s*|\s[-\u2013]\s*)(?:reply|response)|\s(?:the\s+)?authors?'?\s+(?:reply|response)|\sreply\s+to\s+(?:the\s+)?comments?)\)?\s*\.?$/i;

/**
 * The notice a title marks, or null for an article. Accepts the title as exported (editorial notes and a
 * leading "[" of a translated title are looked through).
 */
export function noticeKindOfTitle(raw: string): NoticeKind | null {
  const suffix = withoutNoticeSuffix(raw.trim());
  if (suffix.notice) return suffix.notice;
  const text = suffix.title.replace(/^[\s["'\u201c\u2018]+/, '');
  for (const [pattern, kind] of NOTICE_PREFIXES) if (pattern.test(text)) return kind;
  if (REPLY_SUFFIX.test(text.replace(/[\]"'\u201d\u2019]+$/, ''))) return 'reply';
  return null;
}

/**
 * The notice a publication type names ("Erratum", "Published Erratum", "Correction", "Retraction of
 * Publication", "Expression of Concern"), or null. "Retracted Publication" is the retracted article itself,
 * and "Letter" or "Comment" are too loosely used across databases to tell a notice from a research letter.
 */
export function noticeKindOfType(type: string | null | undefined): NoticeKind | null {
  if (!type) return null;
  const text = type.toLowerCase();
  if (/\b(?:erratum|errata|corrigendum|correction)\b/.test(text)) return 'correction';
  if (/\bretraction\b|\bwithdrawal\s+notice\b/.test(text)) return 'retraction';
  if (/\bexpression\s+of\s+concern\b/.test(text)) return 'concern';
  return null;
}

/** A title prefix a notice adds to the article's title, removed to compare two notices about one article. */
const NOTICE_TITLE_PREFIX =
  /^(?:(?:erratum|errata|corrigendum|correction|retraction|expression\s+of\s+concern|comments?|commentary|reply|response|re)(?:\s+(?:note|notice|statement))?\s*(?::|\b(?:to|on|for|of|regarding)\b\s*:?)|notice\s+of\s+(?:retraction|correction)\s*:?|in\s+(?:reply|response)\s+to\s*:?)\s*/i;

/** The article's title inside a notice's title ("Erratum: X" -> "X"); null when there is none. */
export function noticeSubject(raw: string): string | null {
  const suffix = withoutNoticeSuffix(raw.trim());
  if (suffix.notice) return suffix.title;
  if (noticeKindOfTitle(raw) === null) return null;
  const stripped = suffix.title.replace(NOTICE_TITLE_PREFIX, '').trim();
  return stripped !== suffix.title.trim() && stripped.length > 0 ? stripped : null;
}

/** "RETRACTED: title" (Elsevier's mark on the retracted article itself): the article's title. */
export function withoutRetractedMark(title: string): string {
  return title.replace(/^\s*\[?\s*retracted\s*(?:article)?\s*[:.\]-]\s*/i, '');
}

// ------------------------------------------------------------------------------------- supplement abstracts

/** Pages of a supplement or an abstract book: "S354", "v354", "iii19", "A2345", "P-123", "354S". */
const SUPPLEMENT_PAGE = /^\s*(?:s|a|p|(?:i{1,3}|iv|vi{0,3}|ix|xi{0,3}))\s*-?\s*\d+|^\s*\d+\s*s\b/i;
/** A volume or issue that says supplement: "Suppl 5", "SUPPL. 3", "Supplement 6", "10 Suppl", "S1". */
const SUPPLEMENT_PART = /\bsuppl|\bsupplement|^\s*s\s*\d+\s*$|\bsup\b|\bspec(?:ial)?\s+iss/i;
/** Journals that are abstract books or meeting proceedings printed as a journal. */
const ABSTRACT_JOURNAL =
  /\b(?:abstracts?|meeting|congress|annual\s+conference|scientific\s+sessions|symposium)\b/i;
/** Publication types of conference abstracts (Embase "Conference Abstract", WoS "Meeting Abstract"). */
const ABSTRACT_TYPE = /\b(?:conference|meeting|congress)\s+(?:abstract|poster)|\babstract\b/i;

export interface SupplementFields {
  volume: string | null;
  issue: string | null;
  pages: string | null;
  journal: string | null;
  type?: string | null;
}

/**
 * True when the record is (or is printed like) a conference abstract in a supplement or abstract book, where
 * one page and one DOI are shared by many items.
 */
export function isSupplementAbstract(fields: SupplementFields): boolean {
  return (
    (fields.pages !== null && SUPPLEMENT_PAGE.test(fields.pages)) ||
    (fields.volume !== null && SUPPLEMENT_PART.test(fields.volume)) ||
    (fields.issue !== null && SUPPLEMENT_PART.test(fields.issue)) ||
    (fields.journal !== null && ABSTRACT_JOURNAL.test(fields.journal)) ||
    (fields.type !== null && fields.type !== undefined && ABSTRACT_TYPE.test(fields.type))
  );
}

// ------------------------------------------------------------------------------------------ generic titles

/**
 * Words of titles that name a kind of item rather than a work: a title made of these (and small words) alone
 * is a column or a notice heading shared by many items.
 */
const GENERIC_WORDS = new Set(
  (
    'a an and the of to in on for from by with at this that these our your my its de la le et ' +
    'editor editors editorial editorials editor s comment comments commentary letter letters reply replies ' +
    'response responses correspondence introduction preface foreword prologue epilogue news notes note ' +
    'highlights highlight issue issues contents content index abstracts abstract announcement announcements ' +
    'obituary obituaries message president presidential column corner update updates review reviews book ' +
    'books erratum errata correction corrections corrigendum retraction notice reviewers thanks acknowledgment ' +
    'acknowledgement acknowledgments acknowledgements guest welcome year new perspective perspectives ' +
    'viewpoint opinion debate discussion summary summaries report reports case cases quiz answer answers ' +
    'question questions image images picture pictures month week day author authors reader readers ' +
    'invited special section supplement meeting conference proceedings program programme society journal ' +
    'bulletin what s inside inbox mailbag'
  ).split(' '),
);

/** A title that names a kind of item (every word generic) or is too short to tell works apart. */
export function isGenericTitle(tokens: readonly string[]): boolean {
  return tokens.length > 0 && tokens.every((t) => GENERIC_WORDS.has(t) || /^\d+$/.test(t));
}

// --------------------------------------------------------------------------------------- title distinctions

const ROMAN: Record<string, number> = {
  i: 1,
  ii: 2,
  iii: 3,
  iv: 4,
  v: 5,
  vi: 6,
  vii: 7,
  viii: 8,
  ix: 9,
  x: 10,
  xi: 11,
  xii: 12,
  xiii: 13,
  xiv: 14,
  xv: 15,
};
/** Words after which a number, a roman numeral or a single letter labels one of a series. */
const LABEL_WORDS = new Set([
  'part',
  'parts',
  'phase',
  'type',
  'stage',
  'grade',
  'class',
  'study',
  'trial',
  'experiment',
  'series',
  'volume',
  'vol',
  'section',
  'chapter',
  'paper',
  'report',
  'cohort',
  'wave',
  'round',
  'arm',
  'group',
  'level',
  'tier',
  'step',
  'lesson',
  'module',
  'session',
  'day',
  'week',
  'year',
  'visit',
  'cycle',
]);

/**
 * Words whose presence in one of two alike titles and not the other makes them two papers: the population
 * (sex, age group, species, in vitro / in vivo), negation, and what the paper is of the study (its protocol,
 * design, analysis plan, an update, an interim or final report, a follow-up, an extension, a secondary or
 * post hoc analysis, a substudy, a pilot). Plural and singular forms are read as one.
 */
const DISTINCTIVE: Record<string, string> = {
  woman: 'women',
  women: 'women',
  female: 'female',
  females: 'female',
  girl: 'girls',
  girls: 'girls',
  man: 'men',
  men: 'men',
  male: 'male',
  males: 'male',
  boy: 'boys',
  boys: 'boys',
  maternal: 'maternal',
  paternal: 'paternal',
  adult: 'adults',
  adults: 'adults',
  child: 'children',
  children: 'children',
  childhood: 'children',
  pediatric: 'children',
  paediatric: 'children',
  infant: 'infants',
  infants: 'infants',
  infancy: 'infants',
  neonate: 'neonates',
  neonates: 'neonates',
  neonatal: 'neonates',
  newborn: 'neonates',
  newborns: 'neonates',
  preterm: 'preterm',
  adolescent: 'adolescents',
  adolescents: 'adolescents',
  adolescence: 'adolescents',
  elderly: 'elderly',
  older: 'elderly',
  rat: 'rats',
  rats: 'rats',
  mouse: 'mice',
  mice: 'mice',
  murine: 'mice',
  dog: 'dogs',
  dogs: 'dogs',
  canine: 'dogs',
  pig: 'pigs',
  pigs: 'pigs',
  porcine: 'pigs',
  swine: 'pigs',
  rabbit: 'rabbits',
  rabbits: 'rabbits',
  sheep: 'sheep',
  ovine: 'sheep',
  monkey: 'primates',
  monkeys: 'primates',
  primate: 'primates',
  primates: 'primates',
  human: 'humans',
  humans: 'humans',
  bovine: 'cattle',
  cattle: 'cattle',
  horse: 'horses',
  horses: 'horses',
  equine: 'horses',
  cat: 'cats',
  cats: 'cats',
  feline: 'cats',
  zebrafish: 'zebrafish',
  vitro: 'in vitro',
  vivo: 'in vivo',
  silico: 'in silico',
  protocol: 'protocol',
  protocols: 'protocol',
  rationale: 'rationale',
  design: 'design',
  plan: 'plan',
  update: 'update',
  updated: 'update',
  interim: 'interim',
  final: 'final',
  preliminary: 'preliminary',
  extension: 'extension',
  secondary: 'secondary',
  subgroup: 'subgroup',
  substudy: 'substudy',
  pilot: 'pilot',
  not: 'negation',
  without: 'negation',
};
/** Two-word forms: "follow up", "long term", "post hoc", "short term". */
const DISTINCTIVE_PAIRS: Record<string, string> = {
  'follow up': 'follow-up',
  'long term': 'long-term',
  'short term': 'short-term',
  'post hoc': 'post hoc',
};

/**
 * The labels and distinctive words of a title, each as "what:value" ("part:2", "phase:3", "women", "protocol",
 * "negation"), counted. Roman numerals count as numbers after a label word ("part II") and anywhere when they
 * are two letters or more ("stage IV"); every other run of digits is a label of its own ("FOCUS 2", "(D4)",
 * "alphavbeta3").
 */
export function titleMarks(tokens: readonly string[]): Map<string, number> {
  const marks = new Map<string, number>();
  const add = (mark: string) => marks.set(mark, (marks.get(mark) ?? 0) + 1);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const previous = i > 0 ? tokens[i - 1]! : '';
    const labelled = LABEL_WORDS.has(previous);
    const roman = ROMAN[token];
    const digits = token.match(/\d+/g);
    if (digits) for (const run of digits) add(`#${run.replace(/^0+(?=\d)/, '')}`);
    else if (roman !== undefined && (labelled || token.length >= 2)) add(`#${roman}`);
    else if (labelled && /^[a-h]$/.test(token)) add(`#${token}`);
    // "non-small", "nonsquamous": a negated word; counted, so "non-squamous non-small" differs from
    // "squamous non-small" while "non small" and "nonsmall" stay alike.
    if (token === 'non' || (token.length > 5 && token.startsWith('non'))) add('negation');
    const word = DISTINCTIVE[token];
    if (word) add(word);
    const pair = DISTINCTIVE_PAIRS[`${previous} ${token}`];
    if (pair) add(pair);
  }
  return marks;
}

/**
 * What tells two alike titles apart, as "a / b" texts ("part:1 / part:2", "women / men", "protocol / -"), or
 * an empty list when nothing does. Numbers follow the rule of cut titles: a number only one title has does
 * not count (a subtitle dropped, a title cut at a field limit), unless both titles have numbers and neither
 * set holds the other. Distinctive words count whenever their counts differ.
 */
export function titleDistinctions(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): string[] {
  const numbers = (marks: ReadonlyMap<string, number>) =>
    [...marks.keys()].filter((m) => m.startsWith('#')).map((m) => m.slice(1));
  const na = numbers(a);
  const nb = numbers(b);
  const found: string[] = [];
  if (na.length > 0 && nb.length > 0 && !na.every((n) => nb.includes(n)) && !nb.every((n) => na.includes(n)))
    found.push(`numbers ${na.join(',')} / ${nb.join(',')}`);
  const words = new Set([...a.keys(), ...b.keys()].filter((m) => !m.startsWith('#')));
  for (const word of [...words].sort()) {
    const x = a.get(word) ?? 0;
    const y = b.get(word) ?? 0;
    if (x !== y) found.push(`${word} ${x} / ${y}`);
  }
  return found;
}

/** Folded title tokens (for callers holding raw text). */
export function titleTokens(raw: string): string[] {
  const folded = foldText(raw);
  return folded.length > 0 ? folded.split(' ') : [];
}
