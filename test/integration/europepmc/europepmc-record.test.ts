// Europe PMC core results (as the REST search answers them, format=json&resultType=core) mapped to Citations,
// and a page read with its failure modes. Pure code; kept beside the Europe PMC integration tests.
import { describe, expect, it } from 'vitest';
import { EuropePmcError, parseEuropePmcPage } from '../../../shared/adapters/europepmc/europepmc-client.ts';
import {
  abstractSections,
  citationFromEuropePmc,
  type EuropePmcResult,
  europePmcResultSchema,
} from '../../../shared/adapters/europepmc/europepmc-record.ts';
import { windowedQuery } from '../../../shared/adapters/europepmc/europepmc-source.ts';
import { citationSchema } from '../../../shared/domain/citation/citation.ts';

/** A MEDLINE record in the layout of a core result (fields abridged to those the mapping reads, plus a few). */
const medRecord = {
  id: '35012345',
  source: 'MED',
  pmid: '35012345',
  pmcid: 'PMC8765432',
  fullTextIdList: { fullTextId: ['PMC8765432'] },
  doi: '10.1007/S11060-021-03912-X',
  title:
    'Intradural extramedullary metastases of <i>non-neurogenic</i> primary tumours: a systematic review &amp; case series.',
  authorString: 'Moreau C, Tanaka H, Spine Oncology Study Group.',
  authorList: {
    author: [
      {
        fullName: 'Moreau C',
        firstName: 'Camille',
        lastName: 'Moreau',
        initials: 'C',
        authorId: { type: 'ORCID', value: '0000-0002-1825-0097' },
        authorAffiliationDetailsList: {
          authorAffiliation: [{ affiliation: 'Hôpital Pitié-Salpêtrière, Paris.' }],
        },
      },
      { fullName: 'Tanaka H', firstName: 'Hiroshi', lastName: 'Tanaka', initials: 'H' },
      { collectiveName: 'Spine Oncology Study Group' },
    ],
  },
  journalInfo: {
    issue: '2',
    volume: '156',
    journalIssueId: 3301234,
    dateOfPublication: '2022 Jan',
    monthOfPublication: 1,
    yearOfPublication: 2022,
    printPublicationDate: '2022-01-01',
    journal: {
      title: 'Journal of neuro-oncology',
      medlineAbbreviation: 'J Neurooncol',
      isoabbreviation: 'J Neurooncol',
      nlmid: '8309335',
      essn: '1573-7373',
      issn: '0167-594X',
    },
  },
  pubYear: '2022',
  pageInfo: '233-241',
  abstractText:
    '<h4>Purpose</h4>Intradural extramedullary (IDEM) metastases are rare.<h4>Methods</h4>We pooled 51 studies (n&nbsp;=&nbsp;130).<h4>Results</h4>Median survival was 6&#x2009;months.',
  affiliation: 'Hôpital Pitié-Salpêtrière, Paris.',
  publicationStatus: 'ppublish',
  language: 'eng',
  pubModel: 'Print-Electronic',
  pubTypeList: { pubType: ['Systematic Review', 'Journal Article', 'Retracted Publication'] },
  meshHeadingList: {
    meshHeading: [
      { majorTopic_YN: 'N', descriptorName: 'Humans' },
      {
        majorTopic_YN: 'Y',
        descriptorName: 'Spinal Cord Neoplasms',
        meshQualifierList: { meshQualifier: [] },
      },
    ],
  },
  keywordList: { keyword: ['IDEM', 'Leptomeningeal metastasis'] },
  commentCorrectionList: {
    commentCorrection: [
      {
        id: '36999999',
        source: 'MED',
        type: 'Retraction in',
        note: 'J Neurooncol. 2023;161(1):1',
        orderIn: 1001,
      },
    ],
  },
  isOpenAccess: 'N',
  inEPMC: 'Y',
  inPMC: 'Y',
  hasPDF: 'Y',
  citedByCount: 4,
  dateOfCreation: '2022-01-10',
  firstIndexDate: '2022-01-11',
  fullTextReceivedDate: '2022-03-02',
  dateOfRevision: '2023-02-01',
  electronicPublicationDate: '2022-01-09',
  firstPublicationDate: '2022-01-09',
};

/** A preprint: no PMID, no journal, a DOI with its resolver prefix, an author given by full name only. */
const preprint = {
  id: 'PPR456789',
  source: 'PPR',
  doi: 'https://doi.org/10.21203/rs.3.rs-1234567/v1',
  title: 'Spinal cord compression from melanoma: a preprint',
  authorString: 'Lindqvist AB',
  authorList: { author: { fullName: 'Lindqvist AB' } },
  bookOrReportDetails: { publisher: 'Research Square', yearOfPublication: 2024 },
  pubYear: '2024',
  abstractText: 'A plain abstract with a <sup>2</sup> superscript.',
  pubTypeList: { pubType: 'Preprint' },
  firstIndexDate: '2024-05-02',
};

function parse(raw: unknown): EuropePmcResult {
  return europePmcResultSchema.parse(raw);
}

describe('citationFromEuropePmc', () => {
  it('maps a MEDLINE record: ids, markup-free title, authors with ORCID and a group, journal, pages, dates', () => {
    const citation = citationFromEuropePmc(parse(medRecord));
    expect(citationSchema.parse(citation)).toEqual(citation);
    expect(citation).toMatchObject({
      source: 'europepmc',
      sourceRecordId: 'MED/35012345',
      kind: 'journal-article',
      pmid: '35012345',
      pmcid: 'PMC8765432',
      doi: '10.1007/s11060-021-03912-x',
      title:
        'Intradural extramedullary metastases of non-neurogenic primary tumours: a systematic review & case series.',
      year: 2022,
      publicationDate: { year: 2022, month: 1, day: null, medlineDate: null },
      journal: {
        title: 'Journal of neuro-oncology',
        isoAbbreviation: 'J Neurooncol',
        issn: '0167-594X',
        volume: '156',
        issue: '2',
        pages: '233-241',
      },
      languages: ['eng'],
      meshHeadings: ['Humans', 'Spinal Cord Neoplasms'],
      keywords: ['IDEM', 'Leptomeningeal metastasis'],
      createdDate: '2022-01-11',
      pubmedStatus: null,
    });
    expect(citation.authors).toEqual([
      { family: 'Moreau', given: 'Camille', initials: 'C', orcid: '0000-0002-1825-0097' },
      { family: 'Tanaka', given: 'Hiroshi', initials: 'H', orcid: null },
      { collective: 'Spine Oncology Study Group', orcid: null },
    ]);
    expect(citation.abstract).toEqual([
      { label: 'Purpose', category: null, text: 'Intradural extramedullary (IDEM) metastases are rare.' },
      { label: 'Methods', category: null, text: 'We pooled 51 studies (n = 130).' },
      // The thin space (&#x2009;) collapses like any whitespace.
      { label: 'Results', category: null, text: 'Median survival was 6 months.' },
    ]);
  });

  it('flags a retraction from pubTypeList and keeps the "Retraction in" link under PubMed\'s RefType name', () => {
    const citation = citationFromEuropePmc(parse(medRecord));
    expect(citation.isRetracted).toBe(true);
    expect(citation.publicationTypes).toEqual([
      'Systematic Review',
      'Journal Article',
      'Retracted Publication',
    ]);
    expect(citation.links).toEqual([
      { type: 'RetractionIn', pmid: '36999999', refSource: 'J Neurooncol. 2023;161(1):1' },
    ]);
    const notRetracted = citationFromEuropePmc(
      parse({
        ...medRecord,
        pubTypeList: { pubType: ['Journal Article'] },
        commentCorrectionList: undefined,
      }),
    );
    expect(notRetracted.isRetracted).toBe(false);
    // A "Retraction in" link alone says so too, as it does for PubMed records.
    const linkOnly = citationFromEuropePmc(
      parse({ ...medRecord, pubTypeList: { pubType: ['Journal Article'] } }),
    );
    expect(linkOnly.isRetracted).toBe(true);
  });

  it('maps a preprint: no journal (kind other), a single-valued list, a full-name-only author, a resolver DOI', () => {
    const citation = citationFromEuropePmc(parse(preprint));
    expect(citationSchema.parse(citation)).toEqual(citation);
    expect(citation).toMatchObject({
      sourceRecordId: 'PPR/PPR456789',
      kind: 'other',
      pmid: null,
      pmcid: null,
      doi: '10.21203/rs.3.rs-1234567/v1',
      journal: null,
      year: 2024,
      publicationTypes: ['Preprint'],
      createdDate: '2024-05-02',
      isRetracted: false,
    });
    expect(citation.authors).toEqual([{ family: 'Lindqvist', given: null, initials: 'AB', orcid: null }]);
    expect(citation.abstract).toEqual([
      { label: null, category: null, text: 'A plain abstract with a 2 superscript.' },
    ]);
  });

  it('takes the PMID from the id of a MED record that does not repeat it, and the PMCID of a PMC record', () => {
    expect(citationFromEuropePmc(parse({ id: '123', source: 'MED', title: 'T' })).pmid).toBe('123');
    expect(citationFromEuropePmc(parse({ id: 'PMC0042', source: 'PMC', title: 'T' })).pmcid).toBe('PMC42');
    expect(citationFromEuropePmc(parse({ id: 'EP1234567', source: 'PAT', title: 'T' }))).toMatchObject({
      pmid: null,
      pmcid: null,
      sourceRecordId: 'PAT/EP1234567',
    });
  });

  it('reads an abstract whose first section has no heading', () => {
    expect(abstractSections('Lead text.<h4>Conclusion</h4>End.')).toEqual([
      { label: null, category: null, text: 'Lead text.' },
      { label: 'Conclusion', category: null, text: 'End.' },
    ]);
    expect(abstractSections(undefined)).toEqual([]);
  });
});

describe('parseEuropePmcPage', () => {
  const page = {
    version: '6.9',
    hitCount: 2,
    nextCursorMark: 'AoE=',
    request: {},
    resultList: { result: [medRecord, preprint] },
  };

  it('reads hitCount, the next cursor and every result', () => {
    const parsed = parseEuropePmcPage(JSON.stringify(page));
    expect(parsed.hitCount).toBe(2);
    expect(parsed.nextCursorMark).toBe('AoE=');
    expect(parsed.results.map((r) => r.id)).toEqual(['35012345', 'PPR456789']);
  });

  it('calls JSON cut short a retryable failure, an error document a final one, a bad result an EuropePmcError', () => {
    const text = JSON.stringify(page);
    expect(() => parseEuropePmcPage(text.slice(0, text.length / 2))).toThrow(/not complete JSON/);
    expect(() => parseEuropePmcPage(JSON.stringify({ errCode: 400, errMsg: 'Invalid query' }))).toThrow(
      /answered an error: Invalid query/,
    );
    const bad = { ...page, resultList: { result: [medRecord, { id: 7, title: 'no source' }] } };
    expect(() => parseEuropePmcPage(JSON.stringify(bad))).toThrow(EuropePmcError);
    expect(() => parseEuropePmcPage(JSON.stringify(bad))).toThrow(/result 2 of the page \(id 7\)/);
  });

  it('treats a page without a next cursor as the end', () => {
    const { nextCursorMark: _, ...last } = page;
    expect(parseEuropePmcPage(JSON.stringify(last)).nextCursorMark).toBeNull();
  });
});

describe('windowedQuery', () => {
  it('cuts the query on the first-index date', () => {
    expect(windowedQuery('intradural AND metastas*', { from: '2024-01-01', to: '2024-01-07' })).toBe(
      '(intradural AND metastas*) AND FIRST_IDATE:[2024-01-01 TO 2024-01-07]',
    );
  });
});
