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
