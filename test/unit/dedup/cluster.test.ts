import { describe, expect, it } from 'vitest';
import type { Citation } from '../../../shared/domain/citation/citation.ts';
import { createDedupIndex, deduplicate, deduplicateIncoming } from '../../../shared/domain/dedup/cluster.ts';
import { type DedupRecord, dedupRecordFromCitation } from '../../../shared/domain/dedup/dedup-record.ts';
import { InputError } from '../../../shared/errors.ts';

function record(id: string, fields: Partial<DedupRecord>): DedupRecord {
  return {
    id,
    title: '',
    authors: null,
    year: null,
    journal: null,
    volume: null,
    issue: null,
    pages: null,
    doi: null,
    pmid: null,
    ...fields,
  };
}

const zekry = {
  title:
    'Diabetes, comorbidities and increased long-term mortality in older patients admitted for geriatric inpatient care',
  year: 2012,
  volume: '38',
  pages: '149-155',
};
const records: DedupRecord[] = [
  record('medline:1', {
    ...zekry,
    authors: 'Zekry, D. and Frangos, E. and Graf, C.',
    journal: 'Diabetes & metabolism',
  }),
  record('other:1', {
    title: 'Unilateral neglect in stroke: a comparative study',
    authors: 'Chan, D. Y. W. and Man, D. W. K.',
    year: 2013,
    journal: 'Topics in Geriatric Rehabilitation',
    volume: '29',
    pages: '126-134',
  }),
  record('embase:1', {
    ...zekry,
    authors: 'Zekry D, Frangos E, Graf C',
    journal: 'Diabetes Metab',
    pages: '149-55',
  }),
  record('psycinfo:1', {
    ...zekry,
    title: `${zekry.title}.`,
    authors: 'Zekry, Dina; Frangos, Emilia',
    journal: 'Diabetes and Metabolism',
  }),
  // The same title and authors a year later, with no journal, volume or pages: a person should look, nothing
  // is merged.
  record('embase:2', {
    ...zekry,
    authors: 'Zekry, D. and Frangos, E.',
    year: 2013,
    journal: null,
    volume: null,
    pages: null,
  }),
  // The same title presented again a year later in another journal: two details differ, so nobody is asked.
  record('embase:3', {
    ...zekry,
    authors: 'Zekry, D. and Frangos, E.',
    year: 2013,
    journal: 'European Geriatric Medicine',
    volume: '4',
    pages: 'S12',
  }),
];

describe('deduplicate', () => {
  it('puts every record in exactly one cluster, keeping every source id, named after its first record', () => {
    const result = deduplicate(records);
    expect(result.clusters).toEqual([
      { clusterId: 'medline:1', recordIds: ['medline:1', 'embase:1', 'psycinfo:1'] },
      { clusterId: 'other:1', recordIds: ['other:1'] },
      { clusterId: 'embase:2', recordIds: ['embase:2'] },
      { clusterId: 'embase:3', recordIds: ['embase:3'] },
    ]);
  });

  it('returns possible duplicates separately, with a score and reasons, and counts its comparisons', () => {
    const result = deduplicate(records);
    // embase:2 beside the published paper (a year apart) and beside embase:3 (same year, nothing else known);
    // embase:3 beside the paper differs in year and journal: not asked.
    expect(result.possibleDuplicates.map((p) => [p.a, p.b])).toEqual([
      ['embase:2', 'embase:3'],
      ['medline:1', 'embase:2'],
      ['embase:1', 'embase:2'],
      ['psycinfo:1', 'embase:2'],
    ]);
    expect(result.possibleDuplicates[0]!.why).toBe('possible: the title agrees, too little else is known');
    for (const pair of result.possibleDuplicates.slice(1)) {
      expect(pair.score).toBeGreaterThan(0);
      expect(pair.agreed).toEqual(expect.arrayContaining(['title exact', 'authors same (2 matched)']));
      expect(pair.differed).toEqual(['year one apart']);
      expect(pair.why).toBe('possible: the title agrees, year one apart');
    }
    // Blocking: "other:1" shares no key with the rest, so 10 of the 15 pairs are compared; joining psycinfo:1 to
    // the cluster {medline:1, embase:1} checks embase:1 against it too: 11.
    expect(result.comparisons).toBe(11);
    expect(result.merges.map((m) => [m.a, m.b])).toEqual([
      ['medline:1', 'embase:1'],
      ['medline:1', 'psycinfo:1'],
    ]);
    expect(result.merges[0]!.why).toMatch(/^duplicate: /);
  });

  it('refuses two records with one id', () => {
    expect(() => deduplicate([records[0]!, records[0]!])).toThrow(InputError);
  });

  it('returns nothing for nothing', () => {
    expect(deduplicate([])).toEqual({ clusters: [], possibleDuplicates: [], comparisons: 0, merges: [] });
  });
});

describe('incremental deduplication', () => {
  it('tells an arriving record which stored cluster it joins', () => {
    const index = createDedupIndex(records.slice(0, 2));
    const arriving = index.add(records[2]!);
    expect(arriving).toMatchObject({ clusterId: 'medline:1', duplicateOf: ['medline:1'], possible: [] });
    const fresh = index.add(record('new:1', { title: 'A new trial of something else entirely', year: 2020 }));
    expect(fresh).toEqual({ clusterId: 'new:1', duplicateOf: [], possible: [] });
    expect(index.result().clusters).toHaveLength(3);
  });

  it('gives the clusters deduplicating everything at once gives', () => {
    const incremental = deduplicateIncoming(records.slice(0, 2), records.slice(2));
    expect(incremental.clusters).toEqual(deduplicate(records).clusters);
    expect(incremental.incoming.map((m) => [m.id, m.clusterId])).toEqual([
      ['embase:1', 'medline:1'],
      ['psycinfo:1', 'medline:1'],
      ['embase:2', 'embase:2'],
      ['embase:3', 'embase:3'],
    ]);
    expect(incremental.incoming[2]!.possible).toHaveLength(3);
    expect(incremental.incoming[3]!.possible.map((p) => p.a)).toEqual(['embase:2']);
  });
});

describe('dedupRecordFromCitation', () => {
  it('takes the fields deduplication compares from a parsed citation', () => {
    const citation: Citation = {
      source: 'pubmed',
      sourceRecordId: '22154512',
      kind: 'journal-article',
      pmid: '22154512',
      doi: '10.1016/j.diabet.2011.10.002',
      pmcid: null,
      title: zekry.title,
      vernacularTitle: null,
      abstract: [],
      authors: [
        { family: 'Zekry', given: 'Dina', initials: 'D', orcid: null },
        { collective: 'Geriatric Study Group', orcid: null },
      ],
      journal: {
        title: 'Diabetes & metabolism',
        isoAbbreviation: 'Diabetes Metab',
        issn: '1262-3636',
        volume: '38',
        issue: '2',
        pages: '149-55',
      },
      bookTitle: null,
      publicationDate: { year: 2012, month: 4, day: null, medlineDate: null },
      year: 2012,
      languages: ['eng'],
      publicationTypes: [],
      meshHeadings: [],
      keywords: [],
      pubmedStatus: 'MEDLINE',
      createdDate: '2011-12-13',
      links: [],
      isRetracted: false,
    };
    const converted = dedupRecordFromCitation(citation);
    expect(converted).toEqual({
      id: 'pubmed:22154512',
      title: zekry.title,
      authors: [{ family: 'Zekry', given: 'Dina', initials: 'D' }, { collective: 'Geriatric Study Group' }],
      year: 2012,
      journal: 'Diabetes & metabolism',
      volume: '38',
      issue: '2',
      pages: '149-55',
      doi: '10.1016/j.diabet.2011.10.002',
      pmid: '22154512',
      abstract: null,
      type: null,
    });
    expect(deduplicate([converted, records[0]!]).clusters).toHaveLength(1);
  });
});
