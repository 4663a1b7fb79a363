// The full-text view and attachments through the local server over real HTTP: links from the identifiers, the
// open-access copy from the Unpaywall stand-in, cached on the citation (a second view does not ask again; a
// failed lookup is not cached), and PDFs attached through a signed form and read back through signed links
// (limits, tampering and expiry refused; only listed reviewers).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUnpaywallStandIn, type UnpaywallStandIn } from '../../../cli/demo/unpaywall-stand-in.ts';
import { DynamoFullTextStore } from '../../../shared/adapters/dynamodb/full-text-store.ts';
import { call, citation, type Harness, iesm, otherReview, startHarness } from '../screening/support.ts';

let h: Harness;
let unpaywall: UnpaywallStandIn;
const id = (pmid: string) => h.ids.get(pmid)!;
const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(2000, 0x20), Buffer.from('\n%%EOF\n')]);

interface FullText {
  links: Array<{ kind: string; url: string }>;
  openAccess: { status: string; location?: { url: string; pdfUrl: string | null }; message?: string };
  attachments: Array<{
    attachmentId: string;
    fileName: string;
    size: number;
    uploadedBy: string;
    url: string;
  }>;
  uploads: { enabled: boolean; maxBytes: number };
}

const fullTextPath = (pmid: string) => `/api/reviews/${iesm.id}/records/${id(pmid)}/full-text`;

async function upload(pmid: string, file: Buffer, name = 'Rossi 2024.pdf', reviewer = 'pp') {
  const start = await call<{ attachmentId: string; upload: { url: string; fields: Record<string, string> } }>(
    h.server,
    reviewer,
    `/api/reviews/${iesm.id}/records/${id(pmid)}/attachments`,
    { body: { fileName: name, size: file.length } },
  );
  expect(start.status).toBe(201);
  const form = new FormData();
  for (const [field, value] of Object.entries(start.body.upload.fields)) form.append(field, value);
  form.append('file', new Blob([file], { type: 'application/pdf' }), name);
  const sent = await fetch(new URL(start.body.upload.url, h.server.url), { method: 'POST', body: form });
  return { start, sent };
}

beforeAll(async () => {
  unpaywall = await startUnpaywallStandIn({
    corpus: [
      {
        doi: '10.5555/iesm.1001',
        best: {
          url: 'https://europepmc.org/articles/PMC7000001',
          url_for_pdf: 'https://europepmc.org/articles/PMC7000001?pdf=render',
          host_type: 'repository',
          license: 'cc-by',
          version: 'acceptedVersion',
        },
      },
    ],
    rateLimit: 1000,
  });
  h = await startHarness(
    'full-text',
    [
      { reviewId: iesm.id, citation: citation('1001', { pmcid: 'PMC7000001' }) },
      { reviewId: iesm.id, citation: citation('1002') },
      { reviewId: iesm.id, citation: citation('1003', { doi: null }) },
      { reviewId: otherReview.id, citation: citation('1009') },
    ],
    { unpaywallBaseUrl: unpaywall.baseUrl },
  );
});

afterAll(async () => {
  await h?.close();
  await unpaywall?.close();
});

describe('the full-text view', () => {
  it('links PubMed, PMC and the DOI, and finds the open-access copy once, then from the citation', async () => {
    const first = await call<FullText>(h.server, 'alc', fullTextPath('1001'));
    expect(first.status).toBe(200);
    expect(first.body.links).toEqual([
      { kind: 'pubmed', label: 'PubMed 1001', url: 'https://pubmed.ncbi.nlm.nih.gov/1001/' },
      {
        kind: 'pmc',
        label: 'PubMed Central PMC7000001',
        url: 'https://pmc.ncbi.nlm.nih.gov/articles/PMC7000001/',
      },
      { kind: 'doi', label: 'doi:10.5555/iesm.1001', url: 'https://doi.org/10.5555/iesm.1001' },
    ]);
    expect(first.body.openAccess).toMatchObject({
      status: 'found',
      location: {
        url: 'https://europepmc.org/articles/PMC7000001',
        pdfUrl: 'https://europepmc.org/articles/PMC7000001?pdf=render',
      },
    });
    const asked = unpaywall.requests.length;
    const second = await call<FullText>(h.server, 'pp', fullTextPath('1001'));
    expect(second.body.openAccess.status).toBe('found');
    expect(unpaywall.requests.length).toBe(asked);
    const cached = await new DynamoFullTextStore(
      h.screening.embedded.client,
      h.screening.embedded.tableName,
    ).getOpenAccess(iesm.id, id('1001'));
    expect(cached).toMatchObject({ doi: '10.5555/iesm.1001', found: true });
  });

  it('says so when no copy is known, when there is no DOI, and when Unpaywall fails (not cached)', async () => {
    expect((await call<FullText>(h.server, 'pp', fullTextPath('1002'))).body.openAccess.status).toBe('none');
    const noDoi = await call<FullText>(h.server, 'pp', fullTextPath('1003'));
    expect(noDoi.body.openAccess).toEqual({ status: 'no-doi' });
    expect(noDoi.body.links.map((l) => l.kind)).toEqual(['pubmed']);
    const store = new DynamoFullTextStore(h.screening.embedded.client, h.screening.embedded.tableName);
    expect(await store.getOpenAccess(iesm.id, id('1003'))).toBeNull();
    // 1002's answer is cached: fresh, it is not asked again.
    const asked = unpaywall.requests.length;
    expect((await call<FullText>(h.server, 'ash', fullTextPath('1002'))).body.openAccess.status).toBe('none');
    expect(unpaywall.requests.length).toBe(asked);
    // A failure is reported and not cached: the next view asks again.
    await store.saveOpenAccess(iesm.id, id('1002'), {
      doi: '10.5555/iesm.1002',
      found: false,
      location: null,
      checkedAt: '2020-01-01T00:00:00.000Z',
    });
    for (let i = 0; i < 3; i++) unpaywall.faults.enqueue({ kind: 'status', status: 503 });
    const failed = await call<FullText>(h.server, 'pp', fullTextPath('1002'));
    expect(failed.body.openAccess.status).toBe('failed');
    expect(failed.body.openAccess.message).toContain('Unpaywall could not be asked');
    expect((await store.getOpenAccess(iesm.id, id('1002')))?.checkedAt).toBe('2020-01-01T00:00:00.000Z');
    expect((await call<FullText>(h.server, 'pp', fullTextPath('1002'))).body.openAccess.status).toBe('none');
    expect((await store.getOpenAccess(iesm.id, id('1002')))?.checkedAt).not.toBe('2020-01-01T00:00:00.000Z');
  });

  it('refuses reviewers of other reviews', async () => {
    expect((await call(h.server, 'zed', fullTextPath('1001'))).status).toBe(403);
    expect(
      (await call(h.server, 'pp', `/api/reviews/${otherReview.id}/records/${id('1009')}/full-text`)).status,
    ).toBe(403);
  });
});

describe('attaching a PDF', () => {
  it('takes a PDF through the signed form and shows it to every reviewer through a signed link', async () => {
    const { start, sent } = await upload('1001', PDF);
    expect(sent.status).toBe(204);
    const confirmed = await call<{ attachment: { attachmentId: string; url: string; size: number } }>(
      h.server,
      'pp',
      `/api/reviews/${iesm.id}/records/${id('1001')}/attachments/${start.body.attachmentId}`,
      { body: { fileName: 'Rossi 2024.pdf' } },
    );
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.attachment).toMatchObject({
      attachmentId: start.body.attachmentId,
      size: PDF.length,
    });
    // Confirming again records it once.
    await call(
      h.server,
      'pp',
      `/api/reviews/${iesm.id}/records/${id('1001')}/attachments/${start.body.attachmentId}`,
      {
        body: { fileName: 'Rossi 2024.pdf' },
      },
    );
    const view = await call<FullText>(h.server, 'alc', fullTextPath('1001'));
    expect(view.body.attachments).toHaveLength(1);
    expect(view.body.attachments[0]).toMatchObject({
      fileName: 'Rossi 2024.pdf',
      uploadedBy: 'pp',
      size: PDF.length,
    });
    const read = await fetch(new URL(view.body.attachments[0]!.url, h.server.url));
    expect(read.status).toBe(200);
    expect(read.headers.get('content-type')).toBe('application/pdf');
    expect(read.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(Buffer.from(await read.arrayBuffer()).equals(PDF)).toBe(true);
    // The page may frame it (same origin) and nothing else.
    const page = await call(h.server, null, '/');
    expect(page.headers.get('content-security-policy')).toContain("frame-src 'self'");
  });

  it('refuses what is not a PDF, what is too large, tampered forms and links, and expired ones', async () => {
    const html = Buffer.from('<html>not a pdf</html>');
    const { start, sent } = await upload('1002', html, 'not.pdf');
    expect(sent.status).toBe(204);
    const refused = await call(
      h.server,
      'pp',
      `/api/reviews/${iesm.id}/records/${id('1002')}/attachments/${start.body.attachmentId}`,
      {
        body: { fileName: 'not.pdf' },
      },
    );
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('not a PDF');

    const tooLarge = await call(h.server, 'pp', `/api/reviews/${iesm.id}/records/${id('1002')}/attachments`, {
      body: { fileName: 'huge.pdf', size: 60 * 1024 * 1024 },
    });
    expect(tooLarge.status).toBe(400);

    const other = await call<{
      attachmentId: string;
      upload: { url: string; fields: Record<string, string> };
    }>(h.server, 'pp', `/api/reviews/${iesm.id}/records/${id('1002')}/attachments`, {
      body: { fileName: 'a.pdf', size: PDF.length },
    });
    const forged = new FormData();
    for (const [field, value] of Object.entries({
      ...other.body.upload.fields,
      key: `${iesm.id}/${id('1001')}/ffffffff-0000.pdf`,
    })) {
      forged.append(field, value);
    }
    forged.append('file', new Blob([PDF], { type: 'application/pdf' }), 'a.pdf');
    expect(
      (await fetch(new URL(other.body.upload.url, h.server.url), { method: 'POST', body: forged })).status,
    ).toBe(403);

    const view = await call<FullText>(h.server, 'pp', fullTextPath('1001'));
    const link = new URL(view.body.attachments[0]!.url, h.server.url);
    link.searchParams.set('expires', String(Number(link.searchParams.get('expires')) + 3600));
    expect((await fetch(link)).status).toBe(403);
    const unsigned = new URL(link);
    unsigned.searchParams.delete('signature');
    expect((await fetch(unsigned)).status).toBe(403);
    const missing = await call(
      h.server,
      'pp',
      `/api/reviews/${iesm.id}/records/${id('1002')}/attachments/0000aaaa-1111`,
      {
        body: { fileName: 'x.pdf' },
      },
    );
    expect(missing.status).toBe(404);
  });

  it('keeps attachments to listed reviewers and its own review', async () => {
    const start = await call(h.server, 'zed', `/api/reviews/${iesm.id}/records/${id('1001')}/attachments`, {
      body: { fileName: 'a.pdf', size: 10 },
    });
    expect(start.status).toBe(403);
  });
});
