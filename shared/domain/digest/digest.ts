// The weekly digest of one review, as plain data: the candidates that arrived since the last digest, what the
// monitor runs of the period found, how much waits in screening, notices on included studies (retractions,
// errata...) and update triggers crossed. render-digest.ts turns it into HTML and text; ris.ts turns the
// candidates into the RIS attachment. Pure: the caller reads the store and passes the time.
import { type Author, type Citation, isCollectiveAuthor } from '../citation/citation.ts';
import type { RunOutcome } from '../monitor/run-liveness.ts';
import { isRegistrySource } from '../protocol/sources.ts';
import type { StudyNotice } from '../retraction/notices.ts';
import { describeRelation, type RelationDirection } from '../watch/study-relation.ts';
import { registrationUrl, type TrialRegistration } from '../watch/trial-registration.ts';
import { doiUrl, pubmedUrl } from './html.ts';

/** The run-log fields the digest reads (the CitationStore's RunLog has them all). */
export interface DigestRun {
  runId: string;
  source: string;
  window: { from: string; to: string };
  startedAt: string;
  outcome: RunOutcome;
  counts: { found: number; fetched: number; new: number; duplicates: number; queued: number };
  warnings: string[];
  error: string | null;
}

export interface DigestCandidateInput {
  citationId: string;
  queuedAt: string;
  citation: Citation;
  /** How the citation watch found it: the included studies it cites or is cited by. */
  relations?: readonly { direction: RelationDirection; studyTitle: string }[];
}

/** An ongoing study the registries reported, with when the monitor first saw it and last saw it change. */
export interface DigestRegistrationInput {
  registration: TrialRegistration;
  firstSeenAt: string;
  updatedAt: string | null;
}

export interface DigestRegistration {
  id: string;
  title: string;
  status: string | null;
  conditions: string[];
  sponsor: string | null;
  lastUpdatePosted: string;
  url: string | null;
  /** 'new': first seen in the period; 'updated': seen before, changed in the period. */
  change: 'new' | 'updated';
}

export interface DigestCandidate {
  citationId: string;
  queuedAt: string;
  title: string;
  /** "Smith J, Doe A, Roe B, et al." */
  authors: string;
  journal: string | null;
  year: number | null;
  pmid: string | null;
  doi: string | null;
  pubmedUrl: string | null;
  doiUrl: string | null;
  /** The abstract's first words (at most ABSTRACT_SNIPPET_LENGTH characters), or null when there is none. */
  abstractSnippet: string | null;
  /** PubMed already marks the record as retracted. */
  retracted: boolean;
  /** "cites <study>" / "in the references of <study>": how the citation watch found it (empty otherwise). */
  foundBy: string[];
}

export interface DigestScreeningCounts {
  /** "screening": the screening workflow's own counts; "queue": only the arrival queue's length was known. */
  source: 'screening' | 'queue';
  /** Records waiting for a decision at any stage (conflicts included). */
  waiting: number;
  stages: Array<{ stage: string; awaitingFirst: number; awaitingSecond: number; inConflict: number }>;
}

export interface DigestCrossing {
  triggerId: string;
  description: string;
  version: number;
  detail: string;
}

export interface DigestRunSummary {
  runs: number;
  succeeded: number;
  failed: number;
  running: number;
  found: number;
  fetched: number;
  duplicatesRemoved: number;
  queued: number;
  /** Every warning of the period's runs, prefixed with the run's source. */
  warnings: string[];
  failures: Array<{ runId: string; source: string; window: { from: string; to: string }; error: string }>;
}

/** One survival endpoint's headline, as the protocol names it: its latest Kaplan-Meier median. */
export interface DigestEndpoint {
  id: string;
  label: string;
  unit: string | null;
  n: number;
  events: number;
  notReported: number;
  median: number | null;
  lower: number | null;
  upper: number | null;
}

/**
 * The pooled evidence as the latest statistics version states it, with what changed when that version was
 * computed in the digest's period.
 */
export interface DigestStatistics {
  version: number;
  generatedAt: string;
  patients: number;
  studies: number;
  endpoints: DigestEndpoint[];
  /** "What changed since vN" lines of the latest version, when it was computed in the period; else empty. */
  changes: string[];
  changedInPeriod: boolean;
}

export interface DigestInput {
  reviewId: string;
  reviewTitle: string;
  /** The period: after `from` (null: since the beginning) up to and including `through` (ISO timestamps). */
  period: { from: string | null; through: string };
  generatedAt: string;
  candidates: readonly DigestCandidateInput[];
  runs: readonly DigestRun[];
  screening: DigestScreeningCounts;
  /** The screening page (http(s)); null: no link. */
  screeningUrl: string | null;
  notices?: readonly StudyNotice[];
  crossings?: readonly DigestCrossing[];
  /** The registries' ongoing studies (those first seen or changed in the period are listed). */
  registrations?: readonly DigestRegistrationInput[];
  onRetraction: 'exclude-patients' | 'flag-only';
  /** The latest statistics (none: the review extracts nothing, or has no version yet). */
  statistics?: DigestStatistics | null;
}

export interface Digest {
  reviewId: string;
  reviewTitle: string;
  period: { from: string | null; through: string };
  generatedAt: string;
  /** Oldest first. */
  candidates: DigestCandidate[];
  runSummary: DigestRunSummary;
  screening: DigestScreeningCounts;
  screeningUrl: string | null;
  notices: StudyNotice[];
  crossings: DigestCrossing[];
  /** Ongoing studies first seen or changed in the period (not screened: a separate list). */
  ongoing: DigestRegistration[];
  onRetraction: 'exclude-patients' | 'flag-only';
  statistics: DigestStatistics | null;
}

export const ABSTRACT_SNIPPET_LENGTH = 320;
const AUTHORS_SHOWN = 3;

function authorName(author: Author): string {
  if (isCollectiveAuthor(author)) return author.collective;
  const initials = author.initials ?? (author.given ? author.given.replace(/[^\p{Lu}]/gu, '') : '');
  return initials ? `${author.family} ${initials}` : author.family;
}

/** Vancouver-style author list: the first three, then "et al." */
export function formatAuthors(authors: readonly Author[]): string {
  if (authors.length === 0) return '';
  const shown = authors.slice(0, AUTHORS_SHOWN).map(authorName).join(', ');
  return authors.length > AUTHORS_SHOWN ? `${shown}, et al.` : shown;
}

/** The abstract's text (labels kept), whitespace collapsed, cut at a word boundary with an ellipsis. */
export function abstractSnippet(citation: Pick<Citation, 'abstract'>, length = ABSTRACT_SNIPPET_LENGTH) {
  const text = citation.abstract
    .map((section) => (section.label ? `${section.label}: ${section.text}` : section.text))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (text === '') return null;
  if (text.length <= length) return text;
  const cut = text.slice(0, length);
  const space = cut.lastIndexOf(' ');
  return `${(space > length * 0.6 ? cut.slice(0, space) : cut).replace(/[\s,;:.]+$/, '')}…`;
}

export function digestCandidate(input: DigestCandidateInput): DigestCandidate {
  const { citation } = input;
  return {
    citationId: input.citationId,
    queuedAt: input.queuedAt,
    title: citation.title || citation.vernacularTitle || '(no title)',
    authors: formatAuthors(citation.authors),
    journal: citation.journal?.title ?? citation.journal?.isoAbbreviation ?? citation.bookTitle,
    year: citation.year,
    pmid: citation.pmid,
    doi: citation.doi,
    pubmedUrl: pubmedUrl(citation.pmid),
    doiUrl: doiUrl(citation.doi),
    abstractSnippet: abstractSnippet(citation),
    retracted: citation.isRetracted,
    foundBy: [...new Set((input.relations ?? []).map((r) => describeRelation(r.direction, r.studyTitle)))],
  };
}

/** The registrations first seen or changed in the period, new ones first, then by registry id. */
export function ongoingInPeriod(
  registrations: readonly DigestRegistrationInput[],
  period: { from: string | null; through: string },
): DigestRegistration[] {
  return registrations
    .flatMap((r): DigestRegistration[] => {
      const change = inPeriod(r.firstSeenAt, period)
        ? 'new'
        : r.updatedAt !== null && inPeriod(r.updatedAt, period)
          ? 'updated'
          : null;
      if (!change) return [];
      const { registration } = r;
      return [
        {
          id: registration.id,
          title: registration.title,
          status: registration.status,
          conditions: registration.conditions,
          sponsor: registration.sponsor,
          lastUpdatePosted: registration.lastUpdatePosted,
          url: registrationUrl(registration),
          change,
        },
      ];
    })
    .sort((a, b) => (a.change === b.change ? a.id.localeCompare(b.id) : a.change === 'new' ? -1 : 1));
}

export function summariseRuns(runs: readonly DigestRun[]): DigestRunSummary {
  const summary: DigestRunSummary = {
    runs: runs.length,
    succeeded: 0,
    failed: 0,
    running: 0,
    found: 0,
    fetched: 0,
    duplicatesRemoved: 0,
    queued: 0,
    warnings: [],
    failures: [],
  };
  for (const run of [...runs].sort((a, b) => a.startedAt.localeCompare(b.startedAt))) {
    // An abandoned run (its process killed mid-run) failed: its error says so.
    const failed = run.outcome === 'failed' || run.outcome === 'abandoned';
    if (run.outcome === 'succeeded') summary.succeeded++;
    else if (failed) summary.failed++;
    else summary.running++;
    // A registry's registrations are ongoing studies, listed apart: not records found for screening.
    if (!isRegistrySource(run.source)) {
      summary.found += run.counts.found;
      summary.fetched += run.counts.fetched;
      summary.duplicatesRemoved += run.counts.duplicates;
      summary.queued += run.counts.queued;
    }
    for (const warning of run.warnings) summary.warnings.push(`${run.source}: ${warning}`);
    if (failed) {
      summary.failures.push({
        runId: run.runId,
        source: run.source,
        window: run.window,
        error: run.error ?? 'failed without a recorded error',
      });
    }
  }
  return summary;
}

function inPeriod(at: string, period: { from: string | null; through: string }): boolean {
  return (period.from === null || at > period.from) && at <= period.through;
}

/**
 * The digest of `input.period`. Candidates, runs and notices outside the period are left out (the caller may
 * pass a wider list), so the same input always gives the same digest.
 */
export function buildDigest(input: DigestInput): Digest {
  const { period } = input;
  return {
    reviewId: input.reviewId,
    reviewTitle: input.reviewTitle,
    period: { ...period },
    generatedAt: input.generatedAt,
    candidates: input.candidates
      .filter((c) => inPeriod(c.queuedAt, period))
      .sort((a, b) => a.queuedAt.localeCompare(b.queuedAt) || a.citationId.localeCompare(b.citationId))
      .map(digestCandidate),
    runSummary: summariseRuns(input.runs.filter((run) => inPeriod(run.startedAt, period))),
    screening: input.screening,
    screeningUrl: input.screeningUrl,
    notices: (input.notices ?? [])
      .filter((n) => inPeriod(n.detectedAt, period))
      .sort((a, b) => a.detectedAt.localeCompare(b.detectedAt)),
    crossings: [...(input.crossings ?? [])],
    ongoing: ongoingInPeriod(input.registrations ?? [], period),
    onRetraction: input.onRetraction,
    statistics: input.statistics ?? null,
  };
}

/**
 * Nothing the team needs to hear about: no candidate, no notice, no trigger crossed, no ongoing study new or
 * changed, no failed run and no new statistics version. By default (protocol digest.sendWhenEmpty false) such
 * a digest is not sent.
 */
export function isDigestEmpty(digest: Digest): boolean {
  return (
    digest.candidates.length === 0 &&
    digest.notices.length === 0 &&
    digest.crossings.length === 0 &&
    digest.ongoing.length === 0 &&
    digest.runSummary.failed === 0 &&
    !digest.statistics?.changedInPeriod
  );
}
