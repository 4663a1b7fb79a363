// Use case: the whole record of a review, for a team to leave with everything (`living-review export`), and its
// restore into an empty store (`living-review import EXPORT.json`).
//
// The JSON export holds two things:
// - `record`: the review as people read it, section by section: every citation with its keys and sources
//   (the records it was found as), the ids merged into others, every screening event (decisions, reasons,
//   notes, confirmed duplicates), the possible-duplicate pairs, the included studies (inclusion, retraction,
//   withdrawal), the publication notices (retractions, errata, ...), the patient rows, and the search log.
//   Sections that later parts of the product keep (study appraisals, issue #13) join it through
//   ExportSection: `record.extensions.<name>`.
// - `items`: every stored item of the review, exactly as stored (the ReviewArchive port). A restore writes
//   these back, so the restored review is the exported one: claims, redirects, queues, blocking keys,
//   snapshots, markers; a second export of it has the same record and items.
// RIS and CSV carry the citations, one record or row each, with their sources, screening, inclusion and
// patient count (the patient rows themselves: JSON, or `living-review extract export`).
import { z } from 'zod';
import { formatAuthors } from '../domain/digest/digest.ts';
import { oneLine } from '../domain/digest/html.ts';
import { risRecord } from '../domain/digest/ris.ts';
import { formatCsv } from '../domain/extraction/csv.ts';
import type { ExclusionReason } from '../domain/protocol/protocol.ts';
import type { ScreeningEvent } from '../domain/screening/events.ts';
import { formatIssues } from '../domain/zod-issues.ts';
import { InputError } from '../errors.ts';
import type {
  CitationListing,
  CitationRedirect,
  CitationStore,
  RunLog,
  StoredCitation,
} from '../ports/citation-store.ts';
import type { EvidenceStore, IncludedStudy, StoredPatientRow } from '../ports/evidence-store.ts';
import type { NoticeLog, StoredNotice } from '../ports/notice-log.ts';
import type { ArchivedItem, RestoreOutcome, ReviewArchive } from '../ports/review-archive.ts';
import type { PossibleDuplicate, ScreeningStore } from '../ports/screening-store.ts';
import { studyState } from './list-studies.ts';

export const REVIEW_EXPORT_FORMAT = 'living-review-export';
export const REVIEW_EXPORT_VERSION = 1;

export interface ReviewRecord {
  citations: StoredCitation[];
  /** Ids found to be duplicates of a stored citation, and the citation each leads to. */
  duplicates: CitationRedirect[];
  screeningEvents: ScreeningEvent[];
  possibleDuplicates: PossibleDuplicate[];
  studies: IncludedStudy[];
  notices: StoredNotice[];
  patientRows: StoredPatientRow[];
  /** The run log: every search and database import, newest first. */
  searches: RunLog[];
  /** Sections added by other parts of the product (ExportSection), by name. */
  extensions: Record<string, unknown[]>;
}

export interface ReviewExport {
  format: typeof REVIEW_EXPORT_FORMAT;
  version: typeof REVIEW_EXPORT_VERSION;
  reviewId: string;
  exportedAt: string;
  record: ReviewRecord;
  items: ArchivedItem[];
}

/**
 * A section of the record kept by another part of the product. The extension point for records this module
 * does not know (study appraisals, issue #13): register one in the CLI's export command (exportSections), and
 * it appears as `record.extensions.<name>`; its items are restored with all the others.
 */
export interface ExportSection {
  name: string;
  read(reviewId: string): Promise<unknown[]>;
}

export interface ExportReviewDeps {
  citations: CitationListing & Pick<CitationStore, 'listRunLogs'>;
  screening: Pick<ScreeningStore, 'listReviewEvents' | 'listPossibleDuplicates'>;
  evidence: Pick<EvidenceStore, 'listIncludedStudies' | 'listPatientRows'>;
  notices: Pick<NoticeLog, 'listNotices'>;
  archive: Pick<ReviewArchive, 'readItems'>;
  sections?: readonly ExportSection[];
  clock: () => Date;
}

export async function exportReview(reviewId: string, deps: ExportReviewDeps): Promise<ReviewExport> {
  // The items first: they are what a restore writes; the record is read right after (an export is taken while
  // nothing else writes to the review, e.g. between scheduled runs).
  const items = await deps.archive.readItems(reviewId);
  const [listed, screeningEvents, possibleDuplicates, studies, notices, patientRows, searches] =
    await Promise.all([
      deps.citations.listCitations(reviewId),
      deps.screening.listReviewEvents(reviewId),
      deps.screening.listPossibleDuplicates(reviewId),
      deps.evidence.listIncludedStudies(reviewId),
      deps.notices.listNotices(reviewId),
      deps.evidence.listPatientRows(reviewId),
      deps.citations.listRunLogs(reviewId),
    ]);
  const extensions: Record<string, unknown[]> = {};
  for (const section of deps.sections ?? []) extensions[section.name] = await section.read(reviewId);
  return {
    format: REVIEW_EXPORT_FORMAT,
    version: REVIEW_EXPORT_VERSION,
    reviewId,
    exportedAt: deps.clock().toISOString(),
    record: {
      citations: listed.citations.sort(
        (a, b) => a.queuedAt.localeCompare(b.queuedAt) || a.citationId.localeCompare(b.citationId),
      ),
      duplicates: listed.redirects,
      screeningEvents,
      possibleDuplicates,
      studies,
      notices,
      patientRows,
      searches,
      extensions,
    },
    items,
  };
}

const envelopeSchema = z.object({
  format: z.literal(REVIEW_EXPORT_FORMAT),
  version: z.literal(REVIEW_EXPORT_VERSION, {
    error: `this export version cannot be read (expected ${REVIEW_EXPORT_VERSION})`,
  }),
  reviewId: z.string().min(1),
  exportedAt: z.string(),
  items: z.array(z.record(z.string(), z.unknown())),
});

/** True when `head` (the first bytes of a file) starts a review export rather than a database export. */
export function looksLikeReviewExport(head: string): boolean {
  return new RegExp(`^\\uFEFF?\\s*\\{\\s*"format"\\s*:\\s*"${REVIEW_EXPORT_FORMAT}"`).test(head);
}

/** The envelope of an export file, validated (the items are checked by the restore itself). */
export function parseReviewExport(
  text: string,
  origin: string,
): Pick<ReviewExport, 'reviewId' | 'exportedAt' | 'items'> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${origin}: not JSON (${(error as Error).message})`);
  }
  const parsed = envelopeSchema.safeParse(value);
  if (!parsed.success) {
    throw new InputError(`${origin}: not a living-review export: ${formatIssues(parsed.error, '(file)')}`);
  }
  return parsed.data;
}

export interface RestoreReviewDeps {
  archive: Pick<ReviewArchive, 'restoreItems'>;
}

/**
 * Restores an export into the review `reviewId`, which must be the export's own and hold nothing else (see
 * ReviewArchive.restoreItems): the review is then as it was exported.
 */
export async function restoreReview(
  reviewId: string,
  exported: Pick<ReviewExport, 'reviewId' | 'items'>,
  origin: string,
  deps: RestoreReviewDeps,
): Promise<RestoreOutcome> {
  if (exported.reviewId !== reviewId) {
    throw new InputError(`${origin}: the export is of review "${exported.reviewId}", not "${reviewId}"`);
  }
  try {
    return await deps.archive.restoreItems(reviewId, exported.items);
  } catch (error) {
    if (error instanceof InputError) throw new InputError(`${origin}: ${error.message}`, { cause: error });
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------------
// RIS and CSV: one record or row per citation

const STAGE_LABELS = { 'title-abstract': 'title/abstract', 'full-text': 'full text' } as const;

/** What a citation's row says beyond its bibliographic record. */
interface CitationSummary {
  stored: StoredCitation;
  decisions: { 'title-abstract': string[]; 'full-text': string[]; other: string[] };
  study: IncludedStudy | null;
  patients: number;
  notices: string[];
}

function summaries(record: ReviewRecord, reasons: readonly ExclusionReason[]): CitationSummary[] {
  const label = (id: string | null) => (id === null ? null : (reasons.find((r) => r.id === id)?.label ?? id));
  const byCitation = new Map<string, CitationSummary>(
    record.citations.map((stored) => [
      stored.citationId,
      {
        stored,
        decisions: { 'title-abstract': [], 'full-text': [], other: [] },
        study: null,
        patients: 0,
        notices: [],
      },
    ]),
  );
  for (const event of record.screeningEvents) {
    const summary = byCitation.get(event.citationId);
    if (!summary) continue;
    if (event.type === 'decision') {
      const reason = label(event.reasonId);
      summary.decisions[event.stage].push(
        `${event.reviewerId}${event.role === 'arbiter' ? ' (arbiter)' : ''}: ${event.decision}${reason ? ` (${reason})` : ''}`,
      );
    } else {
      summary.decisions.other.push(`${event.reviewerId}: duplicate of ${event.duplicateOf}`);
    }
  }
  for (const study of record.studies) {
    const summary = byCitation.get(study.citationId);
    if (summary) summary.study = study;
  }
  for (const { row } of record.patientRows) {
    const summary = byCitation.get(row.studyId);
    if (summary) summary.patients++;
  }
  for (const notice of record.notices) {
    byCitation
      .get(notice.citationId)
      ?.notices.push(`${notice.kind}${notice.noticePmid ? ` (PMID ${notice.noticePmid})` : ''}`);
  }
  return [...byCitation.values()];
}

function inclusionText(study: IncludedStudy | null, reasons: readonly ExclusionReason[]): string {
  if (!study) return '';
  const parts = [`included ${study.includedAt} by ${study.includedBy} (${study.source})`];
  if (study.retracted) parts.push(`retracted${study.retractedAt ? ` ${study.retractedAt}` : ''}`);
  if (study.withdrawn) {
    const reason = reasons.find((r) => r.id === study.withdrawn?.reason)?.label ?? study.withdrawn.reason;
    parts.push(`withdrawn ${study.withdrawn.at} by ${study.withdrawn.by}: ${reason}`);
  }
  return parts.join('; ');
}

/** The citations as RIS: each record with its id (ID), and notes (N1) on sources, screening and inclusion. */
export function reviewRecordToRis(record: ReviewRecord, reasons: readonly ExclusionReason[] = []): string {
  return summaries(record, reasons)
    .map(({ stored, decisions, study, patients, notices }) => {
      const lines = risRecord(stored.citation);
      const end = lines.pop()!;
      const note = (text: string) => {
        const value = oneLine(text);
        if (value) lines.push(`N1  - ${value}`);
      };
      lines.splice(1, 0, `ID  - ${stored.citationId}`);
      note(`sources: ${stored.sourceRecords.join('; ')}`);
      note(`screening: ${stored.screeningStatus}`);
      for (const stage of ['title-abstract', 'full-text'] as const) {
        if (decisions[stage].length) note(`${STAGE_LABELS[stage]}: ${decisions[stage].join('; ')}`);
      }
      for (const other of decisions.other) note(other);
      if (study) {
        note(inclusionText(study, reasons));
        note(`patients: ${patients}, ${studyState(study)}`);
      }
      for (const notice of notices) note(`notice: ${notice}`);
      lines.push(end);
      return `${lines.join('\r\n')}\r\n`;
    })
    .join('\r\n');
}

export const REVIEW_CSV_COLUMNS = [
  'citation_id',
  'pmid',
  'doi',
  'pmcid',
  'title',
  'authors',
  'year',
  'journal',
  'sources',
  'queued_at',
  'screening_status',
  'title_abstract_decisions',
  'full_text_decisions',
  'other_decisions',
  'included_at',
  'included_by',
  'inclusion_source',
  'state',
  'retracted_at',
  'withdrawn_at',
  'withdrawn_by',
  'withdrawal_reason',
  'patients',
  'notices',
] as const;

/** The citations as CSV, one row each (RFC 4180; `eol` "\n" for a pipe). */
export function reviewRecordToCsv(
  record: ReviewRecord,
  reasons: readonly ExclusionReason[] = [],
  options: { eol?: '\r\n' | '\n' } = {},
): string {
  const rows = summaries(record, reasons).map(({ stored, decisions, study, patients, notices }) => {
    const { citation } = stored;
    const withdrawalReason = study?.withdrawn
      ? (reasons.find((r) => r.id === study.withdrawn?.reason)?.label ?? study.withdrawn.reason)
      : '';
    return [
      stored.citationId,
      citation.pmid ?? '',
      citation.doi ?? '',
      citation.pmcid ?? '',
      oneLine(citation.title),
      oneLine(formatAuthors(citation.authors)),
      citation.year === null ? '' : String(citation.year),
      oneLine(citation.journal?.title ?? citation.bookTitle ?? ''),
      stored.sourceRecords.join('; '),
      stored.queuedAt,
      stored.screeningStatus,
      oneLine(decisions['title-abstract'].join('; ')),
      oneLine(decisions['full-text'].join('; ')),
      oneLine(decisions.other.join('; ')),
      study?.includedAt ?? '',
      study?.includedBy ?? '',
      study?.source ?? '',
      study ? studyState(study) : '',
      study?.retractedAt ?? '',
      study?.withdrawn?.at ?? '',
      study?.withdrawn?.by ?? '',
      oneLine(withdrawalReason),
      study ? String(patients) : '',
      oneLine(notices.join('; ')),
    ];
  });
  return formatCsv([[...REVIEW_CSV_COLUMNS], ...rows], options);
}
