// A small world of included studies and the works around them, as Europe PMC and OpenAlex both describe it, for
// the citation watch's integration tests and the weekly-cost check: each study has a PMID, a DOI, a Europe PMC
// record and an OpenAlex work; the works citing it exist in both (so a citing work found by both sources must be
// stored once); each study screened in has references, matched in both. Deterministic for a given seed.
import type { EuropePmcCorpusRecord } from '../../../cli/demo/europepmc-stand-in.ts';
import type { OpenAlexCorpusWork } from '../../../cli/demo/openalex-stand-in.ts';
import { seededRandom } from '../../../cli/demo/seeded-random.ts';
import type { Citation } from '../../../shared/domain/citation/citation.ts';
import { citationId } from '../../../shared/domain/citation/citation-id.ts';
import type { IncludedStudy, InclusionSource } from '../../../shared/ports/evidence-store.ts';

export interface WorldWork {
  pmid: string;
  doi: string;
  title: string;
  openAlexId: string;
  /** When Europe PMC first indexed it and OpenAlex created it (YYYY-MM-DD). */
  indexed: string;
}

export interface WorldStudy extends WorldWork {
  inclusion: InclusionSource;
  citing: WorldWork[];
  references: WorldWork[];
}

export interface World {
  studies: WorldStudy[];
  europePmc: EuropePmcCorpusRecord[];
  openAlex: OpenAlexCorpusWork[];
}

const SUBJECTS = [
  'renal cell carcinoma',
  'lung adenocarcinoma',
  'breast cancer',
  'melanoma',
  'prostate cancer',
];

function work(serial: number, kind: string, indexed: string, random: () => number): WorldWork {
  const subject = SUBJECTS[Math.floor(random() * SUBJECTS.length)]!;
  return {
    pmid: String(39_000_000 + serial),
    doi: `10.5555/lrm.world.${kind}.${serial}`,
    title: `Intradural extramedullary metastasis of ${subject}: ${kind} ${serial}`,
    openAlexId: `W${4_500_000_000 + serial}`,
    indexed,
  };
}

function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

export function citationWatchWorld(options: {
  /** Studies included by hand (the original review's): watched forward only. */
  manual: number;
  /** Studies included through screening: seeded once (references and every citing work). */
  screened: number;
  /** Works citing each study, half first indexed before `windowFrom`, half inside the window. */
  citingPerStudy: number;
  referencesPerStudy: number;
  windowFrom: string;
  windowTo: string;
  seed?: number;
}): World {
  const random = seededRandom(options.seed ?? 7);
  let serial = 1;
  const studies: WorldStudy[] = [];
  const span = Math.max(
    1,
    Math.round((Date.parse(options.windowTo) - Date.parse(options.windowFrom)) / 86_400_000),
  );
  const total = options.manual + options.screened;
  for (let i = 0; i < total; i++) {
    const study = work(serial++, 'study', '2019-06-01', random);
    const citing = Array.from({ length: options.citingPerStudy }, (_, j) =>
      work(
        serial++,
        'citing',
        j % 2 === 0
          ? addDays(options.windowFrom, Math.floor(random() * span))
          : addDays(options.windowFrom, -30 - Math.floor(random() * 300)),
        random,
      ),
    );
    const references = Array.from({ length: options.referencesPerStudy }, () =>
      work(serial++, 'reference', '2012-01-01', random),
    );
    studies.push({ ...study, inclusion: i < options.manual ? 'manual' : 'screening', citing, references });
  }

  const europePmc = new Map<string, EuropePmcCorpusRecord>();
  const openAlex = new Map<string, OpenAlexCorpusWork>();
  const put = (w: WorldWork, cites: WorldStudy[], references: WorldWork[] = []) => {
    const existing = europePmc.get(w.pmid);
    europePmc.set(w.pmid, {
      id: w.pmid,
      source: 'MED',
      pmid: w.pmid,
      doi: w.doi,
      title: w.title,
      authorString: 'Okafor A, Berg K.',
      authorList: {
        author: [
          { fullName: 'Okafor A', firstName: 'Ada', lastName: 'Okafor', initials: 'A' },
          { fullName: 'Berg K', firstName: 'Karl', lastName: 'Berg', initials: 'K' },
        ],
      },
      journalInfo: {
        yearOfPublication: Number(w.indexed.slice(0, 4)),
        journal: { title: 'Spine Case Reports' },
      },
      pubYear: w.indexed.slice(0, 4),
      pubTypeList: { pubType: ['Journal Article'] },
      firstIndexDate: w.indexed,
      _cites: [...(existing?._cites ?? []), ...cites.map((s) => `MED/${s.pmid}`)],
      ...(references.length
        ? {
            _references: [
              ...references.map((r, k) => ({
                id: r.pmid,
                source: 'MED',
                citationType: 'JOURNAL ARTICLE',
                title: r.title,
                authorString: 'Okafor A, Berg K.',
                pubYear: Number(r.indexed.slice(0, 4)),
                citedOrder: k + 1,
                match: 'Y',
              })),
              // One reference Europe PMC could not match: kept as what it says.
              {
                citationType: 'BOOK',
                title: `Spinal tumours, a textbook cited by ${w.pmid}`,
                authorString: 'Haddad S.',
                pubYear: 2008,
                citedOrder: references.length + 1,
                match: 'N',
              },
            ],
          }
        : {}),
    });
    const known = openAlex.get(w.openAlexId);
    openAlex.set(w.openAlexId, {
      id: `https://openalex.org/${w.openAlexId}`,
      doi: `https://doi.org/${w.doi}`,
      title: w.title,
      display_name: w.title,
      publication_year: Number(w.indexed.slice(0, 4)),
      publication_date: w.indexed,
      ids: {
        openalex: `https://openalex.org/${w.openAlexId}`,
        doi: `https://doi.org/${w.doi}`,
        pmid: `https://pubmed.ncbi.nlm.nih.gov/${w.pmid}`,
      },
      language: 'en',
      type: 'article',
      primary_location: { source: { display_name: 'Spine Case Reports', issn_l: null, type: 'journal' } },
      authorships: [{ author: { display_name: 'Ada Okafor', orcid: null }, raw_author_name: 'Ada Okafor' }],
      biblio: { volume: null, issue: null, first_page: null, last_page: null },
      abstract_inverted_index: null,
      referenced_works: [
        ...((known?.referenced_works as string[] | undefined) ?? []),
        ...cites.map((s) => `https://openalex.org/${s.openAlexId}`),
        ...references.map((r) => `https://openalex.org/${r.openAlexId}`),
      ],
      is_retracted: false,
      created_date: w.indexed,
    });
  };
  for (const study of studies) {
    put(study, [], study.references);
    for (const reference of study.references) put(reference, []);
    for (const citing of study.citing) put(citing, [study]);
  }
  return { studies, europePmc: [...europePmc.values()], openAlex: [...openAlex.values()] };
}

/** The study as PubMed would have given it (what the store holds before it was included). */
export function studyCitation(study: WorldWork): Citation {
  return {
    source: 'pubmed',
    sourceRecordId: study.pmid,
    kind: 'journal-article',
    pmid: study.pmid,
    doi: study.doi,
    pmcid: null,
    title: study.title,
    vernacularTitle: null,
    abstract: [],
    authors: [{ family: 'Okafor', given: 'Ada', initials: 'A', orcid: null }],
    journal: null,
    bookTitle: null,
    publicationDate: { year: 2019, month: null, day: null, medlineDate: null },
    year: 2019,
    languages: ['eng'],
    publicationTypes: ['Journal Article'],
    meshHeadings: [],
    keywords: [],
    pubmedStatus: 'MEDLINE',
    createdDate: study.indexed,
    links: [],
    isRetracted: false,
  };
}

/** The inclusion the evidence store records for a world study. */
export function inclusionOf(reviewId: string, study: WorldStudy, at: string): IncludedStudy {
  return {
    reviewId,
    citationId: citationId(`pmid:${study.pmid}`),
    includedAt: at,
    includedBy: 'pp',
    source: study.inclusion,
    title: study.title,
    pmid: study.pmid,
    doi: study.doi,
    year: 2019,
    retracted: false,
    retractedAt: null,
    withdrawn: null,
  };
}
