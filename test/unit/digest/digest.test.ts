// The digest's content, its HTML and text renderings (escaping of hostile record fields), and the RIS export.
import { describe, expect, it } from 'vitest';
import {
  abstractSnippet,
  buildDigest,
  type DigestInput,
  type DigestRun,
  formatAuthors,
  isDigestEmpty,
} from '../../../shared/domain/digest/digest.ts';
import { doiUrl, escapeHtml, httpUrl, link, oneLine } from '../../../shared/domain/digest/html.ts';
import {
  digestSubject,
  renderDigestHtml,
  renderDigestText,
} from '../../../shared/domain/digest/render-digest.ts';
import { risRecord, toRis } from '../../../shared/domain/digest/ris.ts';
import { makeStoreCitation } from '../../support/store-fixtures.ts';

const HOSTILE_TITLE =
  '<img src=x onerror="alert(1)"> Intradural <script>window.pwned=1</script> metastasis & more';

function run(overrides: Partial<DigestRun> = {}): DigestRun {
  return {
    runId: 'r1',
    source: 'pubmed',
    window: { from: '2026-01-01', to: '2026-01-08' },
    startedAt: '2026-01-08T06:00:00.000Z',
    outcome: 'succeeded',
    counts: { found: 5, fetched: 5, new: 3, duplicates: 2, queued: 3 },
    warnings: [],
    error: null,
    ...overrides,
  };
}

function input(overrides: Partial<DigestInput> = {}): DigestInput {
  return {
    reviewId: 'iesm',
    reviewTitle: 'Intradural <b>extramedullary</b> metastases',
    period: { from: '2026-01-01T06:00:00.000Z', through: '2026-01-08T06:00:00.000Z' },
    generatedAt: '2026-01-08T06:00:01.000Z',
    candidates: [
      {
        citationId: 'c2',
        queuedAt: '2026-01-05T00:00:00.000Z',
        citation: makeStoreCitation({ pmid: '2', title: HOSTILE_TITLE, doi: '10.1000/a<b>#c' }),
      },
      { citationId: 'c1', queuedAt: '2026-01-03T00:00:00.000Z', citation: makeStoreCitation({ pmid: '1' }) },
      // Before the period: not in this digest.
      { citationId: 'c0', queuedAt: '2025-12-30T00:00:00.000Z', citation: makeStoreCitation({ pmid: '9' }) },
    ],
    runs: [run(), run({ runId: 'old', startedAt: '2025-12-01T06:00:00.000Z' })],
    screening: {
      source: 'screening',
      waiting: 4,
      stages: [{ stage: 'title-abstract', awaitingFirst: 2, awaitingSecond: 1, inConflict: 1 }],
    },
    screeningUrl: 'https://screen.example.org/?review=iesm',
    notices: [],
    crossings: [],
    onRetraction: 'exclude-patients',
    ...overrides,
  };
}

describe('Function: buildDigest', () => {
  it('keeps the candidates, runs and notices of the period only, oldest candidate first', () => {
    const digest = buildDigest(input());
    expect(digest.candidates.map((c) => c.citationId)).toEqual(['c1', 'c2']);
    expect(digest.runSummary).toMatchObject({
      runs: 1,
      succeeded: 1,
      found: 5,
      duplicatesRemoved: 2,
      queued: 3,
    });
    expect(digest.candidates[1]).toMatchObject({
      pmid: '2',
      pubmedUrl: 'https://pubmed.ncbi.nlm.nih.gov/2/',
      doiUrl: 'https://doi.org/10.1000/a%3Cb%3E%23c',
      authors: 'Smith J',
      journal: 'Journal of Trials',
      year: 2024,
    });
  });

  it('summarises failed runs and their warnings', () => {
    const digest = buildDigest(
      input({
        candidates: [],
        runs: [
          run({
            outcome: 'failed',
            error: 'E-utilities efetch failed 5 times',
            warnings: ['phrase not found: x'],
          }),
        ],
      }),
    );
    expect(digest.runSummary.failures).toEqual([
      {
        runId: 'r1',
        source: 'pubmed',
        window: { from: '2026-01-01', to: '2026-01-08' },
        error: 'E-utilities efetch failed 5 times',
      },
    ]);
    expect(digest.runSummary.warnings).toEqual(['pubmed: phrase not found: x']);
    expect(isDigestEmpty(digest)).toBe(false);
  });

  it('is empty with no candidate, notice, crossing or failure; a notice alone is news', () => {
    expect(isDigestEmpty(buildDigest(input({ candidates: [] })))).toBe(true);
    const notice = {
      citationId: 'c9',
      studyTitle: 'A study',
      studyPmid: '993',
      kind: 'retraction' as const,
      noticePmid: '195582',
      refSource: 'Nature. 1976',
      detectedAt: '2026-01-07T00:00:00.000Z',
    };
    expect(isDigestEmpty(buildDigest(input({ candidates: [], notices: [notice] })))).toBe(false);
    // A notice found before the period was in an earlier digest.
    expect(
      isDigestEmpty(
        buildDigest(
          input({ candidates: [], notices: [{ ...notice, detectedAt: '2025-01-01T00:00:00.000Z' }] }),
        ),
      ),
    ).toBe(true);
  });

  it('formats authors Vancouver style and cuts long abstracts at a word', () => {
    expect(
      formatAuthors([
        { family: 'Smith', given: 'Jane Ann', initials: null, orcid: null },
        { collective: 'IESM Study Group', orcid: null },
        { family: 'Doe', given: null, initials: 'J', orcid: null },
        { family: 'Roe', given: null, initials: 'R', orcid: null },
      ]),
    ).toBe('Smith JA, IESM Study Group, Doe J, et al.');
    const long = abstractSnippet(
      { abstract: [{ label: 'RESULTS', category: null, text: 'word '.repeat(200) }] },
      50,
    )!;
    expect(long.length).toBeLessThanOrEqual(51);
    expect(long.startsWith('RESULTS: word word')).toBe(true);
    expect(long.endsWith('word…')).toBe(true);
    expect(abstractSnippet({ abstract: [] })).toBeNull();
  });
});

describe('Function: renderDigestHtml and renderDigestText (escaping)', () => {
  const digest = buildDigest(input());
  const html = renderDigestHtml(digest);
  const text = renderDigestText(digest);

  it('shows a title with <img onerror> and <script> as text in the HTML', () => {
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>extramedullary');
    expect(html).toContain(escapeHtml(HOSTILE_TITLE));
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
    // Every tag in the page is one the renderer wrote.
    const tags = new Set([...html.matchAll(/<([a-zA-Z][a-zA-Z0-9]*)/g)].map((m) => m[1]!.toLowerCase()));
    const allowed = [
      'a',
      'body',
      'br',
      'code',
      'div',
      'h1',
      'h2',
      'head',
      'html',
      'li',
      'meta',
      'p',
      'span',
      'strong',
      'table',
      'tbody',
      'td',
      'th',
      'thead',
      'title',
      'tr',
      'ul',
    ];
    expect([...tags].filter((tag) => !allowed.includes(tag))).toEqual([]);
    expect(tags.has('script')).toBe(false);
  });

  it('keeps the title as it is in the text body, on its own numbered line', () => {
    expect(text).toContain(`2. ${HOSTILE_TITLE}`);
    expect(text).toContain('PubMed: https://pubmed.ncbi.nlm.nih.gov/2/');
    expect(text).toContain('DOI: https://doi.org/10.1000/a%3Cb%3E%23c');
    expect(text).toContain('4 records wait for a screening decision');
    expect(text).toContain('Screening page: https://screen.example.org/?review=iesm');
    expect(text).toContain('Duplicates removed: 2');
  });

  it('links only http(s) URLs and escapes them in attributes', () => {
    expect(link('javascript:alert(1)', 'x')).toBe('x');
    expect(httpUrl('data:text/html,<script>')).toBeNull();
    expect(link('https://e.org/?a="b"', 'a<b')).toBe('<a href="https://e.org/?a=%22b%22">a&lt;b</a>');
    expect(doiUrl('10.1/x y')).toBe('https://doi.org/10.1/x%20y');
  });

  it('puts a record field with line breaks on one line of the text body', () => {
    const broken = buildDigest(
      input({
        candidates: [
          {
            citationId: 'c1',
            queuedAt: '2026-01-03T00:00:00.000Z',
            citation: makeStoreCitation({ pmid: '1', title: 'First line\r\nSCREENING\n\u2028fake' }),
          },
        ],
      }),
    );
    expect(renderDigestText(broken)).toContain('1. First line SCREENING fake\n');
    expect(oneLine('a\u0000b\tc')).toBe('a b c');
  });

  it('names the counts in the subject', () => {
    expect(digestSubject(digest)).toBe(
      '[iesm] Living review digest: 2 new candidates (2026-01-01 to 2026-01-08)',
    );
    const withNotice = buildDigest(
      input({
        notices: [
          {
            citationId: 'c9',
            studyTitle: 'The <script> study',
            studyPmid: '993',
            kind: 'retraction',
            noticePmid: '195582',
            refSource: null,
            detectedAt: '2026-01-07T00:00:00.000Z',
          },
        ],
      }),
    );
    expect(digestSubject(withNotice)).toContain('1 retracted study');
    const noticeHtml = renderDigestHtml(withNotice);
    expect(noticeHtml).toContain('Retraction notice:</strong> The &lt;script&gt; study');
    expect(noticeHtml).toContain('The study&#39;s patients leave the next statistics snapshot.');
    expect(renderDigestText(withNotice)).toContain('* Retraction notice: The <script> study (PMID 993)');
  });
});

describe('Function: toRis', () => {
  it('writes one record per citation with CRLF line ends and every field on one line', () => {
    const ris = toRis([
      makeStoreCitation({ pmid: '1', title: `${HOSTILE_TITLE}\r\nER  - `, doi: '10.1000/x' }),
      makeStoreCitation({ pmid: '2' }),
    ]);
    const records = ris.split('\r\n\r\n');
    expect(records).toHaveLength(2);
    expect(ris.match(/^TY {2}- JOUR$/gm)).toHaveLength(2);
    expect(ris.match(/^ER {2}- $/gm)).toHaveLength(2);
    expect(ris).not.toMatch(/[^\r]\n/);
    const lines = risRecord(makeStoreCitation({ pmid: '1', title: 'T\nER  - x' }));
    expect(lines).toContain('TI  - T ER - x');
    expect(lines).toContain('AU  - Smith, Jane');
    expect(lines).toContain('SP  - 3');
    expect(lines).toContain('EP  - 4');
    expect(lines).toContain('AN  - 1');
    expect(lines[lines.length - 1]).toBe('ER  - ');
  });
});
