// The recorded answers of the other sources (cli/demo/recorded/*.json, written from each API's documentation)
// read through the clients' own parsers and mappings: a file that drifts from what a client expects fails here,
// and what each record becomes (a Citation, a registration, a notice) is checked field by field.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBiorxivDetail, publishedDoiOf } from '../../../shared/adapters/biorxiv/biorxiv-client.ts';
import {
  parseStudiesPage,
  registrationOf,
} from '../../../shared/adapters/clinicaltrials/clinicaltrials-client.ts';
import { parseCrossrefPage } from '../../../shared/adapters/crossref/crossref-client.ts';
import {
  parseEuropePmcPage,
  parseReferencePage,
} from '../../../shared/adapters/europepmc/europepmc-client.ts';
import {
  citationFromEuropePmc,
  citationFromReference,
} from '../../../shared/adapters/europepmc/europepmc-record.ts';
import { parseOpenAlexPage } from '../../../shared/adapters/openalex/openalex-client.ts';
import { citationFromOpenAlex } from '../../../shared/adapters/openalex/openalex-work.ts';
import { citationKeys } from '../../../shared/domain/citation/citation-keys.ts';

const recorded = (name: string) =>
  readFileSync(join(import.meta.dirname, '..', '..', '..', 'cli', 'demo', 'recorded', name), 'utf8');

describe('OpenAlex works list', () => {
  const page = parseOpenAlexPage(recorded('openalex_works_citing.json'));

  it('reads the page and maps a work to a Citation', () => {
    expect(page).toMatchObject({ count: 2, nextCursor: null });
    const citation = citationFromOpenAlex(page.results[0]!, 'citations-openalex');
    expect(citation).toMatchObject({
      source: 'citations-openalex',
      sourceRecordId: 'W4390000001',
      kind: 'journal-article',
      pmid: '38400001',
      doi: '10.5555/lrm.citing.2024.001',
      year: 2024,
      publicationDate: { year: 2024, month: 3, day: 12, medlineDate: null },
      journal: {
        title: 'Journal of Spine Case Reports',
        issn: '5555-0001',
        volume: '12',
        issue: '3',
        pages: '101-106',
      },
      languages: ['en'],
      publicationTypes: ['article'],
      createdDate: '2024-03-14',
      isRetracted: false,
    });
    expect(citation.authors).toEqual([
      { family: 'Tanaka', given: 'Mei', initials: 'M', orcid: '0000-0002-1825-0097' },
      { family: 'Berg', given: 'Karl', initials: 'K', orcid: null },
    ]);
    // The abstract is rebuilt from its inverted index, in word order.
    expect(citation.abstract).toEqual([
      {
        label: null,
        category: null,
        text: 'We report a patient with an intradural extramedullary metastasis.',
      },
    ]);
  });

  it('keeps a preprint in a repository as "other", without a PMID', () => {
    const preprint = citationFromOpenAlex(page.results[1]!, 'citations-openalex');
    expect(preprint).toMatchObject({
      kind: 'other',
      pmid: null,
      doi: '10.5555/lrm.citing.2024.002',
      abstract: [],
    });
    expect(page.results[1]!.referenced_works).toEqual(['https://openalex.org/W2100000001']);
  });
});

describe('Europe PMC references and preprint links', () => {
  it('reads a reference list: matched references name their record, the others say what they cite', () => {
    const page = parseReferencePage(recorded('europepmc_references.json'));
    expect(page.hitCount).toBe(3);
    expect(page.references.map((r) => [r.match, r.source ?? null, r.id ?? null])).toEqual([
      ['Y', 'MED', '20000001'],
      ['Y', 'PPR', 'PPR100001'],
      ['N', null, null],
    ]);
    const book = citationFromReference(page.references[2]!, 'ref:MED/30000001#3');
    expect(book).toMatchObject({
      sourceRecordId: 'ref:MED/30000001#3',
      kind: 'other',
      title: 'Tumours of the spine: diagnosis and treatment',
      year: 2009,
      pmid: null,
    });
    expect(book?.authors.map((a) => ('family' in a ? a.family : a.collective))).toEqual(['Garcia', 'Haddad']);
  });

  it("keys a preprint linked to its journal version by that version's PMID first", () => {
    const page = parseEuropePmcPage(recorded('europepmc_preprint_published.json'));
    const [preprint, article] = page.results.map(citationFromEuropePmc);
    expect(preprint?.links).toEqual([
      { type: 'PreprintOf', pmid: '38500077', refSource: 'Link created based on a title-first author match' },
    ]);
    expect(citationKeys(preprint!)).toEqual(['pmid:38500077', 'doi:10.5555/lrm.preprint.2023.77']);
    // The journal article's own strongest key is the same PMID: the two are one work.
    expect(citationKeys(article!)[0]).toBe('pmid:38500077');
    expect(article?.links.map((l) => l.type)).toEqual(['PreprintIn']);
  });
});

describe('ClinicalTrials.gov studies', () => {
  it('reads the page and maps each study to a registration', () => {
    const page = parseStudiesPage(recorded('clinicaltrials_studies.json'));
    expect(page).toMatchObject({ totalCount: 2, nextPageToken: null });
    expect(page.studies.map(registrationOf)).toEqual([
      {
        registry: 'clinicaltrials',
        id: 'NCT05500001',
        title: 'Stereotactic Radiosurgery for Intradural Extramedullary Spinal Metastases',
        status: 'RECRUITING',
        conditions: ['Spinal Metastases', 'Intradural Extramedullary Tumor'],
        interventions: ['Stereotactic radiosurgery'],
        sponsor: 'University Spine Centre',
        studyType: 'INTERVENTIONAL',
        phases: ['PHASE2'],
        enrollment: 40,
        startDate: '2022-09-01',
        completionDate: '2026-06',
        firstPosted: '2022-08-15',
        lastUpdatePosted: '2024-05-22',
        hasResults: false,
      },
      expect.objectContaining({
        id: 'NCT04400002',
        status: 'ACTIVE_NOT_RECRUITING',
        phases: [],
        interventions: [],
      }),
    ]);
  });
});

describe('Crossref update notices', () => {
  it('reads the work list and the update-to entries of a retraction notice', () => {
    const page = parseCrossrefPage(recorded('crossref_update_notices.json'));
    expect(page.total).toBe(1);
    expect(
      page.notices[0]?.['update-to']?.map((u) => [u.DOI, u.type, u.source, u['record-id'] ?? null]),
    ).toEqual([
      ['10.5555/lrm.included.2019.5', 'retraction', 'publisher', null],
      ['10.5555/lrm.included.2019.5', 'retraction', 'retraction-watch', 58001],
    ]);
  });
});

describe('bioRxiv/medRxiv content detail', () => {
  const DOI = '10.1101/2023.06.18.99900001';
  const what = `details of ${DOI}`;

  it('reads every version; the latest names the published DOI', () => {
    const detail = parseBiorxivDetail(recorded('biorxiv_details.json'), DOI, what);
    expect(detail.found).toBe(true);
    expect(detail.versions.map((v) => [v.version, v.published])).toEqual([
      ['1', 'NA'],
      ['2', '10.5555/lrm.published.2024.412'],
    ]);
    expect(publishedDoiOf(detail.versions)).toBe('10.5555/lrm.published.2024.412');
  });

  it('"no posts found" is a DOI the server does not hold, not an error', () => {
    const body = JSON.stringify({ messages: [{ status: 'no posts found' }], collection: [] });
    expect(parseBiorxivDetail(body, DOI, what)).toEqual({ found: false, versions: [] });
  });

  it('a version left out of what messages count, an answer about another DOI, an unknown status: each refused', () => {
    const full = JSON.parse(recorded('biorxiv_details.json')) as {
      messages: unknown[];
      collection: unknown[];
    };
    const partial = JSON.stringify({ ...full, collection: full.collection.slice(1) });
    expect(() => parseBiorxivDetail(partial, DOI, what)).toThrow(/partial answer: 1 of the 2 versions/);
    expect(() =>
      parseBiorxivDetail(recorded('biorxiv_details.json'), '10.1101/2020.01.01.000001', what),
    ).toThrow(/about another preprint \(10\.1101\/2023\.06\.18\.99900001\)/);
    const odd = JSON.stringify({ messages: [{ status: 'server busy' }], collection: [] });
    expect(() => parseBiorxivDetail(odd, DOI, what)).toThrow(/answered status "server busy"/);
    const shapeless = JSON.stringify({
      messages: [{ status: 'ok' }],
      collection: [{ doi: DOI, version: '1' }],
    });
    expect(() => parseBiorxivDetail(shapeless, DOI, what)).toThrow(
      /version 1 \(doi .*\) does not have the expected shape: published/,
    );
  });

  it('no published version while every version says "NA"', () => {
    expect(publishedDoiOf([{ doi: DOI, version: '1', published: 'NA' }])).toBeNull();
  });
});
