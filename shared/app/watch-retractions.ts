// Use case: the weekly retraction and correction watch of one review.
//
// Primary course:
//   1. List the included studies; those with a PMID are re-fetched from PubMed by id (efetch, POST). When the
//      protocol lists `crossref`, those with a DOI are also looked up in Crossref's update notices (publishers'
//      and Retraction Watch's), so a study without a PMID is checked too.
//   2. On each record, detect the notices on the article (domain/retraction/notices.ts): RetractionIn,
//      ErratumIn, ExpressionOfConcernIn, UpdateIn and the "Retracted Publication" type; from Crossref, the
//      retractions, corrections and expressions of concern that update the DOI. Record each notice once (the
//      store keys it by study and notice), so the digest and the report can name the study.
//   3. A study newly found retracted is flagged through the evidence port (markStudyRetracted, a conditional
//      update that writes nothing if it is flagged already).
//   4. If any study was newly flagged and the protocol's onRetraction is "exclude-patients", recompute the
//      statistics (recomputeStatistics leaves retracted studies and their patients out), then run the caller's
//      afterChange (the local runner regenerates the report; in AWS the table's stream does that).
//
// Every step is idempotent, so the watch can be re-run or retried at any point.

import type { Citation } from '../domain/citation/citation.ts';
import type { Protocol } from '../domain/protocol/protocol.ts';
import { watchesCrossref } from '../domain/protocol/sources.ts';
import {
  type DoiUpdate,
  detectNotices,
  isRetractedBy,
  noticesFromDoiUpdates,
  type PublicationNotice,
} from '../domain/retraction/notices.ts';
import type { EvidenceStore } from '../ports/evidence-store.ts';
import type { NoticeLog, StoredNotice } from '../ports/notice-log.ts';
import { type RecomputeOutcome, recomputeStatistics } from './recompute-statistics.ts';

export interface WatchRetractionsDeps {
  evidence: EvidenceStore;
  digests: Pick<NoticeLog, 'recordNotice'>;
  /** PubMed records by PMID (efetchPubmedByIds over an EutilsClient). */
  fetchRecords: (pmids: readonly string[]) => Promise<{ citations: Citation[]; missing: string[] }>;
  /** Crossref's update notices by the DOI they update (CrossrefClient.updatesOf); used when the protocol lists crossref. */
  doiUpdates?: (dois: readonly string[]) => Promise<Map<string, DoiUpdate[]>>;
  clock: () => Date;
  /** Runs after a recompute that stored a new version (the CLI regenerates the report). */
  afterChange?: (reviewId: string) => Promise<unknown>;
}

export interface WatchRetractionsOutcome {
  reviewId: string;
  /** Included studies re-fetched from PubMed (those with a PMID). */
  checked: number;
  /** Included studies looked up in Crossref (those with a DOI, when the protocol lists crossref). */
  checkedCrossref: number;
  /** Included studies checked by neither (no PMID, and no DOI or no Crossref). */
  notChecked: string[];
  /** PMIDs PubMed did not return. */
  missing: string[];
  /** Notices seen for the first time in this run. */
  newNotices: StoredNotice[];
  /** Studies flagged as retracted by this run. */
  retracted: Array<{ citationId: string; title: string; pmid: string | null }>;
  recompute: RecomputeOutcome | null;
}

export async function watchRetractions(
  request: { protocol: Protocol },
  deps: WatchRetractionsDeps,
): Promise<WatchRetractionsOutcome> {
  const { protocol } = request;
  const reviewId = protocol.id;
  const studies = await deps.evidence.listIncludedStudies(reviewId);
  const watched = studies.filter((s) => s.pmid !== null);
  const fetched =
    watched.length > 0
      ? await deps.fetchRecords(watched.map((s) => s.pmid!))
      : { citations: [], missing: [] };
  const byPmid = new Map(fetched.citations.map((c) => [c.pmid, c]));
  const crossref = watchesCrossref(protocol) && deps.doiUpdates ? deps.doiUpdates : null;
  const withDoi = crossref ? studies.filter((s) => s.doi !== null) : [];
  const updates = withDoi.length > 0 && crossref ? await crossref(withDoi.map((s) => s.doi!)) : new Map();
  const detectedAt = deps.clock().toISOString();
  const outcome: WatchRetractionsOutcome = {
    reviewId,
    checked: watched.length,
    checkedCrossref: withDoi.length,
    notChecked: studies.filter((s) => s.pmid === null && !withDoi.includes(s)).map((s) => s.citationId),
    missing: fetched.missing,
    newNotices: [],
    retracted: [],
    recompute: null,
  };
  for (const study of studies) {
    const record = study.pmid === null ? undefined : byPmid.get(study.pmid);
    const fromCrossref = study.doi ? noticesFromDoiUpdates(updates.get(study.doi) ?? []) : [];
    if (!record && fromCrossref.length === 0) continue;
    const notices: PublicationNotice[] = [...(record ? detectNotices(record) : []), ...fromCrossref];
    for (const notice of notices) {
      const stored: StoredNotice = {
        ...notice,
        reviewId,
        citationId: study.citationId,
        studyTitle: study.title,
        studyPmid: study.pmid,
        detectedAt,
      };
      if (await deps.digests.recordNotice(stored)) outcome.newNotices.push(stored);
    }
    if ((isRetractedBy(notices) || record?.isRetracted) && !study.retracted) {
      if (await deps.evidence.markStudyRetracted(reviewId, study.citationId, detectedAt)) {
        outcome.retracted.push({ citationId: study.citationId, title: study.title, pmid: study.pmid });
      }
    }
  }
  if (outcome.retracted.length > 0 && protocol.onRetraction === 'exclude-patients') {
    outcome.recompute = await recomputeStatistics(
      { protocol },
      { evidence: deps.evidence, clock: deps.clock },
    );
  }
  if ((outcome.retracted.length > 0 || outcome.newNotices.length > 0) && deps.afterChange) {
    await deps.afterChange(reviewId);
  }
  return outcome;
}
