// The retraction watch end to end over real parts: the loopback E-utilities stand-in serves the recorded PubMed
// record of PMID 993 (retracted: "Retracted Publication" and RetractionIn PMID 195582) and of an article with an
// erratum; the embedded store holds the review. The retraction flows through the evidence store's flag and a
// recompute into the next snapshot, the living report and the digest, which name the study.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EutilsStandIn, startEutilsStandIn } from '../../../cli/demo/eutils-stand-in.ts';
import { corpusFromPubmedXml } from '../../../cli/demo/stand-in-corpus.ts';
import { createWatchRetractionsHandler } from '../../../functions/watch-retractions/handler.ts';
import { efetchPubmedByIds } from '../../../shared/adapters/pubmed/efetch-by-ids.ts';
import { EutilsClient, eutilsConfigFromEnv } from '../../../shared/adapters/pubmed/eutils-client.ts';
import { parsePubmedXml } from '../../../shared/adapters/pubmed/parse-pubmed-xml.ts';
import { publishReport } from '../../../shared/app/publish-report.ts';
import { latestStatistics } from '../../../shared/app/recompute-statistics.ts';
import { sendDigest } from '../../../shared/app/send-digest.ts';
import { watchRetractions } from '../../../shared/app/watch-retractions.ts';
import type { LivingReport } from '../../../shared/domain/report/report.ts';
import { EutilsError } from '../../../shared/errors.ts';
import {
  type Harness,
  include,
  openHarness,
  protocolFor,
  putPatients,
  recompute,
  recordCitations,
  studyCitation,
} from '../report/harness.ts';

const FIXTURES = join(import.meta.dirname, '../../fixtures/pubmed');
const RETRACTED = 'efetch_pubmed_retracted_retractionin_2011.xml';
const ERRATUM = 'efetch_pubmed_erratumin_2025.xml';

function fixture(name: string) {
  const xml = readFileSync(join(FIXTURES, name), 'utf8');
  return { xml, citation: parsePubmedXml(xml, name).citations[0]! };
}

let h: Harness;
let standIn: EutilsStandIn;
let client: EutilsClient;

beforeAll(async () => {
  h = await openHarness('retraction');
  standIn = await startEutilsStandIn({
    corpus: [...corpusFromPubmedXml(fixture(RETRACTED).xml), ...corpusFromPubmedXml(fixture(ERRATUM).xml)],
  });
  client = new EutilsClient(
    eutilsConfigFromEnv({
      NCBI_EUTILS_BASE_URL: standIn.baseUrl,
      NCBI_MAX_ATTEMPTS: '3',
      NCBI_TIMEOUT_MS: '10000',
    }),
  );
});

afterAll(async () => {
  await client?.close();
  await standIn?.close();
  await h?.close();
});

describe('Function: watchRetractions (stand-in E-utilities, embedded store)', () => {
  const protocol = protocolFor('retraction-a');
  const retracted = fixture(RETRACTED).citation;
  let ids: string[];

  beforeAll(async () => {
    // PMID 993 as it was when the study was included: not yet retracted.
    const asIncluded = { ...retracted, isRetracted: false, links: [], publicationTypes: ['Journal Article'] };
    ids = await recordCitations(h, protocol.id, [
      asIncluded,
      fixture(ERRATUM).citation,
      studyCitation('39000001'),
    ]);
    await include(h, protocol.id, ids);
    await putPatients(h, protocol.id, ids, 60);
    await recompute(h, protocol);
  });

  it('records the notices, flags the retracted study and recomputes without its patients', async () => {
    const before = (await latestStatistics(protocol.id, h))!.snapshot;
    expect(before.studies.ids).toContain(ids[0]);
    const retractedPatients = before.studies.patients.find((s) => s.studyId === ids[0])!.count;
    expect(retractedPatients).toBe(20);

    const outcome = await watchRetractions(
      { protocol },
      {
        evidence: h.evidence,
        digests: h.digests,
        clock: h.clock,
        fetchRecords: (pmids) => efetchPubmedByIds(client, pmids),
      },
    );
    expect(outcome.checked).toBe(3);
    expect(outcome.missing).toEqual(['39000001']);
    expect(outcome.newNotices.map((n) => [n.studyPmid, n.kind, n.noticePmid])).toEqual([
      ['993', 'retracted-publication', null],
      ['993', 'retraction', '195582'],
      ['35649368', 'erratum', '35767954'],
    ]);
    expect(outcome.retracted).toEqual([{ citationId: ids[0], title: retracted.title, pmid: '993' }]);
    expect(outcome.recompute).toMatchObject({ changed: true, version: 2 });

    // One efetch by POST naming the three PMIDs.
    const efetch = standIn.requests.filter((r) => r.endpoint === 'efetch');
    expect(efetch).toHaveLength(1);
    expect(efetch[0]).toMatchObject({ method: 'POST', status: 200 });
    expect(efetch[0]!.params.id?.split(',').sort()).toEqual(['35649368', '39000001', '993']);

    const after = (await latestStatistics(protocol.id, h))!;
    expect(after.snapshot.patients.count).toBe(40);
    expect(after.snapshot.studies.ids).not.toContain(ids[0]);
    expect(after.diff?.patientsRemoved).toHaveLength(retractedPatients);
    expect(await h.evidence.getIncludedStudy(protocol.id, ids[0]!)).toMatchObject({ retracted: true });
  });

  it('finds nothing new when run again', async () => {
    const again = await watchRetractions(
      { protocol },
      {
        evidence: h.evidence,
        digests: h.digests,
        clock: h.clock,
        fetchRecords: (pmids) => efetchPubmedByIds(client, pmids),
      },
    );
    expect(again).toMatchObject({ newNotices: [], retracted: [], recompute: null });
    expect((await latestStatistics(protocol.id, h))!.snapshot.version).toBe(2);
  });

  it('the report names the retracted study and leaves its patients out', async () => {
    const outcome = await publishReport(
      { protocol },
      {
        evidence: h.evidence,
        citations: h.citations,
        screening: h.screening,
        digests: h.digests,
        publisher: h.publisher,
        events: h.events,
        clock: h.clock,
      },
    );
    expect(outcome).toMatchObject({ status: 'published', version: 2 });
    const report = JSON.parse(
      readFileSync(join(h.dataDir, 'reports', protocol.id, 'report.json'), 'utf8'),
    ) as LivingReport;
    expect(report.retractions.studies).toEqual([
      expect.objectContaining({
        citationId: ids[0],
        title: retracted.title,
        pmid: '993',
        patientsExcluded: true,
      }),
    ]);
    expect(report.retractions.notices.map((n) => n.kind).sort()).toEqual([
      'erratum',
      'retracted-publication',
      'retraction',
    ]);
    expect(report.patients.count).toBe(40);
    expect(report.studies.find((s) => s.citationId === ids[0])).toMatchObject({
      retracted: true,
      pooled: false,
      patients: 0,
    });
    expect(report.prisma.included).toMatchObject({
      retracted: 1,
      retractedExcluded: 1,
      studies: 3,
      studiesInStatistics: 2,
    });
    expect(report.changes.summary).toContain('20 patients removed');
    expect(report.changes.summary).toContain(`1 study removed: ${retracted.title}`);
    const html = readFileSync(join(h.dataDir, 'reports', protocol.id, 'index.html'), 'utf8');
    expect(html).toContain(`<strong>Retracted:</strong> ${retracted.title}`);
  });

  it('the digest says so, naming the study', async () => {
    const outcome = await sendDigest(
      { protocol },
      {
        citations: h.citations,
        screening: h.screening,
        digests: h.digests,
        mailer: h.mailer,
        clock: h.clock,
        from: 'digest@example.org',
      },
    );
    expect(outcome).toMatchObject({ status: 'sent', notices: 3 });
    const mail = await simpleParser(readFileSync(h.mailer.written.at(-1)!));
    expect(mail.subject).toContain('1 retracted study, 1 correction notice');
    expect(mail.text).toContain(`* Retraction notice: ${retracted.title} (PMID 993)`);
    expect(mail.text).toContain("The study's patients leave the next statistics snapshot.");
    expect(mail.text).toContain('* Erratum: Fatty acid oxidation protects cancer cells from apoptosis');
    expect(mail.html).toContain(`<strong>Retraction notice:</strong> ${retracted.title}`);
  });
});

describe('Lambda: watch-retractions', () => {
  it('runs the watch for the scheduled review and fails cleanly when E-utilities cannot be reached', async () => {
    const protocol = protocolFor('retraction-lambda', { onRetraction: 'flag-only' });
    const ids = await recordCitations(h, protocol.id, [
      {
        ...fixture(RETRACTED).citation,
        isRetracted: false,
        links: [],
        publicationTypes: ['Journal Article'],
      },
    ]);
    await include(h, protocol.id, ids);
    const handler = createWatchRetractionsHandler({
      protocols: [protocol],
      evidence: h.evidence,
      digests: h.digests,
      fetchRecords: (pmids) => efetchPubmedByIds(client, pmids),
    });
    // flag-only: the study is flagged, nothing is recomputed.
    expect(await handler({ reviewId: protocol.id })).toMatchObject({
      retracted: [{ citationId: ids[0], pmid: '993' }],
      recompute: null,
    });
    const offline = new EutilsClient(
      eutilsConfigFromEnv({
        NCBI_EUTILS_BASE_URL: 'http://127.0.0.1:9/',
        NCBI_MAX_ATTEMPTS: '1',
        NCBI_TIMEOUT_MS: '2000',
      }),
    );
    const failing = createWatchRetractionsHandler({
      protocols: [protocol],
      evidence: h.evidence,
      digests: h.digests,
      fetchRecords: (pmids) => efetchPubmedByIds(offline, pmids),
    });
    await expect(failing({ reviewId: protocol.id })).rejects.toBeInstanceOf(EutilsError);
    await offline.close();
  });
});
