// The plain functions behind the new sources: what protocol entries become (runs, validation), what Crossref's
// update types mean, what a run cost, OpenAlex's budget headers, PRISMA's "other methods", and how the digest
// and the report show ongoing studies and the citation watch's provenance (escaped like every record field).

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { budgetOf, describeBudget } from '../../../shared/adapters/openalex/openalex-client.ts';
import {
  defaultProtocolDirectory,
  loadProtocolFile,
  parseProtocol,
} from '../../../shared/config/load-protocols.ts';
import {
  citationKeys,
  linksPublishedVersion,
  PUBLISHED_VERSION_LINK,
  publishedVersionDoi,
} from '../../../shared/domain/citation/citation-keys.ts';
import { buildDigest, type DigestInput, isDigestEmpty } from '../../../shared/domain/digest/digest.ts';
import {
  digestSubject,
  renderDigestHtml,
  renderDigestText,
} from '../../../shared/domain/digest/render-digest.ts';
import { describeRequests, requestsSince } from '../../../shared/domain/monitor/request-counts.ts';
import { plannedRuns, wantsBiorxiv, watchesCrossref } from '../../../shared/domain/protocol/sources.ts';
import { buildPrismaFlow, type PrismaRecord } from '../../../shared/domain/report/prisma.ts';
import { renderReportHtml } from '../../../shared/domain/report/render-report.ts';
import { buildLivingReport, ongoingStudiesOf } from '../../../shared/domain/report/report.ts';
import { noticesFromDoiUpdates } from '../../../shared/domain/retraction/notices.ts';
import { computeStatisticsSnapshot } from '../../../shared/domain/stats/snapshot.ts';
import type { TrialRegistration } from '../../../shared/domain/watch/trial-registration.ts';
import { iesmPlan } from '../../support/protocols.ts';
import { makeStoreCitation } from '../../support/store-fixtures.ts';
import { loadSyntheticCohort } from '../extraction/reference-fixtures.ts';

const iesm = loadProtocolFile(join(defaultProtocolDirectory(), 'iesm.yaml'));
const HOSTILE = '<img src=x onerror="alert(1)"> Registry <script>window.pwned=1</script> & co';

describe('protocol sources', () => {
  it('plans one run per source: the citation watch one per service, a registry apart, Crossref none', () => {
    const protocol = parseProtocol(
      JSON.stringify({
        ...iesm,
        sources: [
          { name: 'pubmed' },
          { name: 'preprints' },
          { name: 'citations', via: ['openalex', 'europepmc'] },
          { name: 'clinicaltrials', conditions: ['spinal metastases'] },
          { name: 'crossref' },
        ],
      }),
      'p.json',
    );
    expect(plannedRuns(protocol).map((r) => [r.source, r.kind])).toEqual([
      ['pubmed', 'literature'],
      ['preprints', 'literature'],
      ['citations-openalex', 'citation-watch'],
      ['citations-europepmc', 'citation-watch'],
      ['clinicaltrials', 'registry'],
    ]);
    expect(watchesCrossref(protocol)).toBe(true);
    // IESM: PubMed, the citation watch over both services (defaults), Crossref's notices.
    expect(iesm.sources).toEqual([
      { name: 'pubmed' },
      { name: 'citations', via: ['europepmc', 'openalex'], seed: 'screening' },
      { name: 'crossref' },
    ]);
  });

  it('refuses an unknown field or a registry without conditions, naming the place', () => {
    const bad = (sources: unknown[]) => {
      try {
        parseProtocol(JSON.stringify({ ...iesm, sources }), 'bad.json');
      } catch (error) {
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(bad([{ name: 'citations', via: ['europepmc'], depth: 2 }])).toMatch(
      /bad\.json.*sources\.0.*depth/s,
    );
    expect(bad([{ name: 'citations', via: ['scopus'] }])).toMatch(/sources\.0\.via\.0/);
    expect(bad([{ name: 'clinicaltrials' }])).toMatch(/sources\.0\.conditions/);
    expect(bad([{ name: 'crossref', mailto: 'x@example.org' }])).toMatch(/mailto/);
    expect(bad([{ name: 'preprints', biorxiv: 'yes' }])).toMatch(/sources\.0\.biorxiv/);
  });

  it("asks bioRxiv/medRxiv for published versions when a protocol's preprints source does not say false", () => {
    const sources = (entry: Record<string, unknown>) =>
      parseProtocol(JSON.stringify({ ...iesm, sources: [entry] }), 'p.json');
    expect(wantsBiorxiv([sources({ name: 'preprints' })])).toBe(true);
    expect(wantsBiorxiv([sources({ name: 'preprints', biorxiv: true })])).toBe(true);
    expect(wantsBiorxiv([sources({ name: 'preprints', biorxiv: false })])).toBe(false);
    expect(wantsBiorxiv([iesm, sources({ name: 'europepmc' })])).toBe(false);
  });
});

describe("a preprint's published version", () => {
  const preprint = makeStoreCitation({
    source: 'preprints',
    sourceRecordId: 'PPR/PPR1',
    pmid: null,
    doi: '10.1101/2023.06.18.99900001',
    links: [],
  });
  const link = (pmid: string | null, doi: string | null) => ({
    type: PUBLISHED_VERSION_LINK,
    pmid,
    doi,
    refSource: 'medrxiv published-article data',
  });

  it('keys the preprint by the published PMID, then the published DOI, then its own DOI', () => {
    const linked = { ...preprint, links: [link('38500412', 'https://doi.org/10.5555/J.1')] };
    expect(citationKeys(linked)).toEqual([
      'pmid:38500412',
      'doi:10.5555/j.1',
      'doi:10.1101/2023.06.18.99900001',
    ]);
    expect(publishedVersionDoi(linked)).toBe('10.5555/j.1');
    expect(citationKeys({ ...preprint, links: [link(null, '10.5555/j.1')] })).toEqual([
      'doi:10.5555/j.1',
      'doi:10.1101/2023.06.18.99900001',
    ]);
  });

  it("never takes the preprint's own DOI, another link type, or a record with a PMID of its own for a published version", () => {
    expect(linksPublishedVersion(preprint)).toBe(false);
    expect(publishedVersionDoi({ ...preprint, links: [link(null, preprint.doi)] })).toBeNull();
    expect(
      publishedVersionDoi({ ...preprint, links: [{ ...link(null, '10.5555/j.1'), type: 'UpdateOf' }] }),
    ).toBeNull();
    expect(publishedVersionDoi({ ...preprint, pmid: '1', links: [link(null, '10.5555/j.1')] })).toBeNull();
    expect(publishedVersionDoi({ ...preprint, links: [link(null, 'not a doi')] })).toBeNull();
  });
});

describe("Crossref's update types as notices", () => {
  it('maps retractions, withdrawals, corrections and concerns; keys by notice DOI, else Retraction Watch record', () => {
    const notices = noticesFromDoiUpdates([
      {
        type: 'retraction',
        label: 'Retraction',
        source: 'publisher',
        noticeDoi: '10.1/n#1',
        recordId: null,
        date: '2024-08-30',
      },
      // The same notice from Retraction Watch: one notice.
      {
        type: 'retraction',
        label: 'Retraction',
        source: 'retraction-watch',
        noticeDoi: '10.1/n#1',
        recordId: '5',
        date: null,
      },
      {
        type: 'withdrawal',
        label: null,
        source: 'retraction-watch',
        noticeDoi: null,
        recordId: '7',
        date: null,
      },
      {
        type: 'expression_of_concern',
        label: 'Expression of Concern',
        source: 'publisher',
        noticeDoi: '10.1/c',
        recordId: null,
        date: null,
      },
      {
        type: 'Correction',
        label: 'Erratum',
        source: 'publisher',
        noticeDoi: '10.1/e',
        recordId: null,
        date: null,
      },
      {
        type: 'comment',
        label: 'Comment',
        source: 'publisher',
        noticeDoi: '10.1/x',
        recordId: null,
        date: null,
      },
    ]);
    expect(notices.map((n) => [n.kind, n.key])).toEqual([
      ['retraction', 'retraction:doi:10.1/n%231'],
      ['retraction', 'retraction:rw:7'],
      ['expression-of-concern', 'expression-of-concern:doi:10.1/c'],
      ['erratum', 'erratum:doi:10.1/e'],
    ]);
    expect(notices[0]?.refSource).toBe('Retraction (Crossref, 2024-08-30): doi:10.1/n#1');
    expect(notices[1]?.refSource).toBe('withdrawal (Retraction Watch via Crossref)');
  });
});

describe('what a run cost', () => {
  it('counts the requests between two snapshots and says them in one line', () => {
    const delta = requestsSince({ esearch: 2, efetch: 5 }, { esearch: 3, efetch: 9, history: 0 });
    expect(delta).toEqual({ esearch: 1, efetch: 4 });
    expect(describeRequests(delta)).toBe('5 requests (esearch 1, efetch 4)');
    expect(describeRequests({ works: 1 })).toBe('1 request (works 1)');
    expect(describeRequests({})).toBe('no requests');
  });

  it("reads OpenAlex's budget headers, in USD or (its earlier docs) in credits", () => {
    const usd = budgetOf({
      'x-ratelimit-limit-usd': '1.0000',
      'x-ratelimit-remaining-usd': '0.9993',
      'x-ratelimit-cost-usd': '0.0001',
    });
    expect(usd).toEqual({ unit: 'USD', limit: 1, remaining: 0.9993, lastCost: 0.0001 });
    expect(describeBudget(usd!)).toBe('$0.9993 of $1.00 left today');
    const credits = budgetOf({ 'x-ratelimit-limit': '100000', 'x-ratelimit-remaining': '99990' });
    expect(credits).toEqual({ unit: 'credits', limit: 100000, remaining: 99990, lastCost: null });
    expect(describeBudget(credits!)).toBe('99,990 of 100,000 credits left today');
    expect(budgetOf({})).toBeNull();
  });
});

const record = (citationId: string, sourceRecords: string[]): PrismaRecord => ({
  citationId,
  sourceRecords,
  queuedAt: '2026-11-24T07:00:00.000Z',
  outcome: null,
  titleAbstract: null,
  fullText: null,
});
const flow = buildPrismaFlow({
  records: [
    record('a', ['pubmed:1', 'citations-europepmc:MED/1']),
    record('b', ['citations-europepmc:MED/2', 'citations-openalex:W2']),
    record('c', ['pubmed:3']),
  ],
  exclusionReasons: [],
  studies: [],
  runs: [
    {
      runId: 'trials',
      source: 'clinicaltrials',
      window: { from: '2026-11-20', to: '2026-11-24' },
      startedAt: '2026-11-24T06:00:00.000Z',
      finishedAt: '2026-11-24T06:01:00.000Z',
      outcome: 'succeeded',
      counts: { found: 4, new: 4, duplicates: 0 },
    },
  ],
  onRetraction: 'exclude-patients',
  snapshot: null,
});

describe('PRISMA: records identified from other methods', () => {
  it('counts citation searching apart from the databases; the total still adds up', () => {
    expect(flow.identification).toEqual({
      bySource: [{ source: 'pubmed', records: 2 }],
      otherMethods: {
        citationSearching: 3,
        bySource: [
          { source: 'citations-europepmc', records: 2 },
          { source: 'citations-openalex', records: 1 },
        ],
      },
      identified: 5,
      duplicatesRemoved: { automatic: 2, confirmedByReviewers: 0, total: 2 },
    });
    expect(flow.identities.filter((i) => !i.holds)).toEqual([]);
    expect(flow.identities[0]?.name).toBe('identified = records from databases + records from other methods');
  });

  it("leaves a registry's runs out of the updates (registrations are not records)", () => {
    expect(flow.updates.map((u) => u.runId)).toEqual([null]);
  });
});

const registration = (overrides: Partial<TrialRegistration> = {}): TrialRegistration => ({
  registry: 'clinicaltrials',
  id: 'NCT05500001',
  title: HOSTILE,
  status: 'RECRUITING',
  conditions: ['Spinal Metastases'],
  interventions: [],
  sponsor: 'University Spine Centre',
  studyType: 'INTERVENTIONAL',
  phases: ['PHASE2'],
  enrollment: 40,
  startDate: '2022-09-01',
  completionDate: '2026-06',
  firstPosted: '2022-08-15',
  lastUpdatePosted: '2024-05-22',
  hasResults: false,
  ...overrides,
});

function digestInput(overrides: Partial<DigestInput> = {}): DigestInput {
  return {
    reviewId: 'iesm',
    reviewTitle: 'IESM',
    period: { from: '2026-01-01T06:00:00.000Z', through: '2026-01-08T06:00:00.000Z' },
    generatedAt: '2026-01-08T06:00:01.000Z',
    candidates: [],
    runs: [],
    screening: { source: 'queue', waiting: 0, stages: [] },
    screeningUrl: null,
    onRetraction: 'exclude-patients',
    ...overrides,
  };
}

describe('the digest: ongoing studies and how the citation watch found a candidate', () => {
  const digest = buildDigest(
    digestInput({
      candidates: [
        {
          citationId: 'c1',
          queuedAt: '2026-01-05T00:00:00.000Z',
          citation: makeStoreCitation({ pmid: '1' }),
          relations: [
            { direction: 'cites', studyTitle: HOSTILE },
            { direction: 'cites', studyTitle: HOSTILE },
            { direction: 'cited-by', studyTitle: 'Okafor 2019' },
          ],
        },
      ],
      registrations: [
        { registration: registration(), firstSeenAt: '2026-01-06T00:00:00.000Z', updatedAt: null },
        {
          registration: registration({ id: 'NCT04400002', title: 'Registry' }),
          firstSeenAt: '2025-11-01T00:00:00.000Z',
          updatedAt: '2026-01-07T00:00:00.000Z',
        },
        // Seen before the period and unchanged since: not in this digest.
        {
          registration: registration({ id: 'NCT01100001' }),
          firstSeenAt: '2025-11-01T00:00:00.000Z',
          updatedAt: null,
        },
      ],
      runs: [
        {
          runId: 'trials',
          source: 'clinicaltrials',
          window: { from: '2026-01-01', to: '2026-01-08' },
          startedAt: '2026-01-08T06:00:00.000Z',
          outcome: 'succeeded',
          counts: { found: 2, fetched: 2, new: 1, duplicates: 0, queued: 0 },
          warnings: [],
          error: null,
        },
      ],
    }),
  );

  it('lists the registrations new or changed in the period, and says how each candidate was found', () => {
    expect(digest.ongoing.map((o) => [o.id, o.change])).toEqual([
      ['NCT05500001', 'new'],
      ['NCT04400002', 'updated'],
    ]);
    expect(digest.candidates[0]?.foundBy).toEqual([`cites ${HOSTILE}`, 'in the references of Okafor 2019']);
    // A registry's run is not records found for screening.
    expect(digest.runSummary).toMatchObject({ runs: 1, found: 0, queued: 0 });
    expect(digestSubject(digest)).toMatch(/1 new candidate, 2 ongoing studies/);
  });

  it('is not empty with ongoing studies alone', () => {
    const onlyOngoing = buildDigest(
      digestInput({
        registrations: [
          { registration: registration(), firstSeenAt: '2026-01-06T00:00:00.000Z', updatedAt: null },
        ],
      }),
    );
    expect(isDigestEmpty(onlyOngoing)).toBe(false);
    expect(isDigestEmpty(buildDigest(digestInput()))).toBe(true);
  });

  it('renders both in HTML (escaped, linked to the registry) and in text', () => {
    const html = renderDigestHtml(digest);
    expect(html).not.toContain('<script>window.pwned');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('Citation watch: cites &lt;img src=x');
    expect(html).toContain(
      '<a href="https://clinicaltrials.gov/study/NCT05500001">NCT05500001</a></strong> (new)',
    );
    const text = renderDigestText(digest);
    expect(text).toContain('ONGOING STUDIES (2, not queued for screening)');
    expect(text).toContain('* NCT04400002 (updated): Registry');
    expect(text).toContain('   Citation watch: in the references of Okafor 2019');
  });
});

describe('the report: ongoing studies', () => {
  it('lists every registration, the most recently updated first, with its registry page', () => {
    const ongoing = ongoingStudiesOf([
      { registration: registration({ id: 'NCT01100001', lastUpdatePosted: '2023-01-01' }), firstSeenAt: 'a' },
      { registration: registration(), firstSeenAt: 'b' },
    ]);
    expect(ongoing.map((o) => [o.id, o.url])).toEqual([
      ['NCT05500001', 'https://clinicaltrials.gov/study/NCT05500001'],
      ['NCT01100001', 'https://clinicaltrials.gov/study/NCT01100001'],
    ]);
  });
});

describe('the report page: other methods and ongoing studies', () => {
  const cohort = loadSyntheticCohort().slice(0, 20);
  const plan = iesmPlan();
  const snapshot = computeStatisticsSnapshot({
    plan,
    version: 1,
    rows: cohort,
    includedStudies: [...new Set(cohort.map((row) => row.studyId))],
    generatedAt: '2026-01-08T00:00:00.000Z',
  });
  const report = (registrations?: { registration: TrialRegistration; firstSeenAt: string }[]) =>
    buildLivingReport({
      review: { id: 'iesm', title: 'IESM', onRetraction: 'exclude-patients' },
      plan,
      snapshot,
      diff: null,
      rows: cohort,
      studies: [],
      prisma: flow,
      notices: [],
      crossings: [],
      runs: [],
      ...(registrations ? { registrations } : {}),
    });

  it('shows citation searching in the identification row and the ongoing studies, escaped', () => {
    const html = renderReportHtml(
      report([{ registration: registration(), firstSeenAt: '2026-01-06T00:00:00.000Z' }]),
    );
    expect(html).toContain(
      'Records identified from other methods: citation searching (n = <strong data-count="citation-searching">3</strong>)',
    );
    expect(html).toContain('<section id="ongoing-studies">');
    expect(html).toContain('<tr data-registration="NCT05500001">');
    expect(html).not.toContain('<script>window.pwned');
    expect(html).toContain('&lt;script&gt;window.pwned=1&lt;/script&gt;');
  });

  it('has no ongoing-studies section when the protocol lists no registry', () => {
    const page = report();
    expect(page.ongoing).toBeUndefined();
    expect(renderReportHtml(page)).not.toContain('ongoing-studies');
  });
});
