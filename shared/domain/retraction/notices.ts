// Post-publication notices on an included study, read from its PubMed record: retractions, errata, expressions of
// concern and updates. PubMed records them as CommentsCorrections links on the article (RefType RetractionIn,
// ErratumIn, ExpressionOfConcernIn, UpdateIn, each naming the notice's PMID and citation) and, for a retraction,
// also as the publication type "Retracted Publication" (older records sometimes carry only one of the two).
//
// Only the notices ON the article count: "RetractionOf", "ErratumFor" etc. are the notice's own links to the
// article it concerns, and a record carrying those is the notice, not a retracted study.
import type { Citation } from '../citation/citation.ts';

export const NOTICE_KINDS = [
  'retraction',
  'retracted-publication',
  'expression-of-concern',
  'erratum',
  'update',
] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/** The CommentsCorrections RefType that puts each notice on the article. */
const LINK_KINDS: Record<string, NoticeKind> = {
  RetractionIn: 'retraction',
  ExpressionOfConcernIn: 'expression-of-concern',
  ErratumIn: 'erratum',
  UpdateIn: 'update',
};

export const NOTICE_LABELS: Record<NoticeKind, string> = {
  retraction: 'Retraction notice',
  'retracted-publication': 'Retracted publication',
  'expression-of-concern': 'Expression of concern',
  erratum: 'Erratum',
  update: 'Updated version',
};

export interface PublicationNotice {
  kind: NoticeKind;
  /** The notice's own PMID, when PubMed names one. */
  noticePmid: string | null;
  /** The notice's citation as PubMed prints it (e.g. "Nature. 1976 Jun 3;261(5559):432"). */
  refSource: string | null;
  /**
   * Stable within one study: the kind and the notice's PMID, else a slug of its citation. The store keys each
   * notice by it, so seeing the same notice again records nothing new.
   */
  key: string;
}

/** A notice on one included study, as the digest and the report show it. */
export interface StudyNotice extends Omit<PublicationNotice, 'key'> {
  citationId: string;
  studyTitle: string;
  studyPmid: string | null;
  detectedAt: string;
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);
}

/** Every notice on the article, in the order PubMed lists them (the publication type first). No duplicates. */
export function detectNotices(record: Pick<Citation, 'publicationTypes' | 'links'>): PublicationNotice[] {
  const notices: PublicationNotice[] = [];
  const seen = new Set<string>();
  const add = (notice: PublicationNotice) => {
    if (seen.has(notice.key)) return;
    seen.add(notice.key);
    notices.push(notice);
  };
  if (record.publicationTypes.some((type) => type.trim().toLowerCase() === 'retracted publication')) {
    add({ kind: 'retracted-publication', noticePmid: null, refSource: null, key: 'retracted-publication' });
  }
  for (const link of record.links) {
    const kind = LINK_KINDS[link.type];
    if (!kind) continue;
    const id = link.pmid ?? (link.refSource ? slug(link.refSource) : '');
    add({
      kind,
      noticePmid: link.pmid,
      refSource: link.refSource,
      key: id ? `${kind}:${id}` : kind,
    });
  }
  return notices;
}

/** True when any notice says the article is retracted (a retraction notice or the publication type). */
export function isRetractedBy(notices: readonly Pick<PublicationNotice, 'kind'>[]): boolean {
  return notices.some((notice) => notice.kind === 'retraction' || notice.kind === 'retracted-publication');
}

/** An update notice as Crossref lists it for a DOI it updates (its `update-to` entry on the notice). */
export interface DoiUpdate {
  /** Crossref's update type, e.g. "retraction", "correction", "expression_of_concern". */
  type: string;
  /** The notice's label as deposited, e.g. "Retraction". */
  label: string | null;
  /** Who recorded it: "publisher", or "retraction-watch" (Retraction Watch's data, in Crossref since 2023). */
  source: string | null;
  /** The notice's own DOI, when it has one (a Retraction Watch entry may only have its record id). */
  noticeDoi: string | null;
  recordId: string | null;
  /** When the update was issued (YYYY-MM-DD), when stated. */
  date: string | null;
}

const UPDATE_KINDS: Record<string, NoticeKind> = {
  retraction: 'retraction',
  withdrawal: 'retraction',
  removal: 'retraction',
  expression_of_concern: 'expression-of-concern',
  correction: 'erratum',
  erratum: 'erratum',
  corrigendum: 'erratum',
  partial_retraction: 'erratum',
  addendum: 'erratum',
  clarification: 'erratum',
  new_version: 'update',
  new_edition: 'update',
};

/**
 * The notices Crossref's update records put on an article, keyed so that seeing them again records nothing
 * new: "<kind>:doi:<notice DOI>", else "<kind>:rw:<Retraction Watch record id>". Types that are not notices on
 * the article's validity (a comment, a reply) are left out.
 */
export function noticesFromDoiUpdates(updates: readonly DoiUpdate[]): PublicationNotice[] {
  const notices: PublicationNotice[] = [];
  const seen = new Set<string>();
  for (const update of updates) {
    const kind =
      UPDATE_KINDS[
        update.type
          .trim()
          .toLowerCase()
          .replace(/[\s-]+/g, '_')
      ];
    if (!kind) continue;
    const id = update.noticeDoi
      ? `doi:${update.noticeDoi.replace(/#/g, '%23')}`
      : update.recordId
        ? `rw:${update.recordId}`
        : null;
    const key = id ? `${kind}:${id}` : `${kind}:crossref`;
    if (seen.has(key)) continue;
    seen.add(key);
    const by = update.source === 'retraction-watch' ? 'Retraction Watch via Crossref' : 'Crossref';
    const label = update.label ?? update.type;
    notices.push({
      kind,
      noticePmid: null,
      refSource: `${label} (${by}${update.date ? `, ${update.date}` : ''})${update.noticeDoi ? `: doi:${update.noticeDoi}` : ''}`,
      key,
    });
  }
  return notices;
}
