// Records for the loopback E-utilities stand-in: real ones cut out of a recorded PubmedArticleSet (kept byte
// for byte), or synthetic ones generated in the same compact layout efetch uses today, with distinct PMIDs
// and DOIs spread over a range of Create Dates (for the 9,999 split tests and the backfill bench).
import { InputError } from '../../shared/errors.ts';
import { seededRandom } from './seeded-random.ts';

export interface CorpusRecord {
  pmid: string;
  /** Create Date (PubMedPubDate PubStatus="entrez"), YYYY-MM-DD: what datetype=crdt filters on. */
  createdDate: string;
  /** One `<PubmedArticle>...</PubmedArticle>` (or PubmedBookArticle) element, exactly as recorded. */
  xml: string;
}

const RECORD = /<(PubmedArticle|PubmedBookArticle)(?=[\s>])[^>]*>[\s\S]*?<\/\1>/g;
const FIRST_PMID = /<PMID(?:\s[^>]*)?>\s*(\d+)\s*<\/PMID>/;
const ENTREZ_DATE =
  /<PubMedPubDate\s+PubStatus="entrez"\s*>\s*<Year>(\d{4})<\/Year>\s*<Month>(\d{1,2})<\/Month>\s*<Day>(\d{1,2})<\/Day>/;
const DATE_CREATED =
  /<DateCreated>\s*<Year>(\d{4})<\/Year>\s*<Month>(\d{1,2})<\/Month>\s*<Day>(\d{1,2})<\/Day>/;

function isoDay(year: string, month: string, day: string): string {
  return `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`;
}

/**
 * Splits a PubmedArticleSet (an efetch answer or a PubMed XML export) into records. The Create Date is the
 * record's PubMedPubDate "entrez", else its DateCreated (pre-2018 DTDs). `origin` names the text in errors.
 */
export function corpusFromPubmedXml(text: string, origin = 'PubMed XML'): CorpusRecord[] {
  const records: CorpusRecord[] = [];
  for (const match of text.matchAll(RECORD)) {
    const xml = match[0];
    const pmid = FIRST_PMID.exec(xml)?.[1];
    if (!pmid) throw new InputError(`${origin}: record ${records.length + 1} has no PMID`);
    const date = ENTREZ_DATE.exec(xml) ?? DATE_CREATED.exec(xml);
    if (!date) {
      throw new InputError(`${origin}: PMID ${pmid} has neither an entrez PubMedPubDate nor a DateCreated`);
    }
    records.push({ pmid, createdDate: isoDay(date[1]!, date[2]!, date[3]!), xml });
  }
  if (records.length === 0) throw new InputError(`${origin}: no PubmedArticle or PubmedBookArticle found`);
  return records;
}

// ---------------------------------------------------------------------------------------------------------
// Synthetic records

const DAY_MS = 86_400_000;

function dayNumber(iso: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!match) throw new RangeError(`expected YYYY-MM-DD, got "${iso}"`);
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) / DAY_MS;
}

const TOPICS = [
  'iatrogenic oesophageal perforation',
  'endoscopic vacuum therapy',
  'oesophageal stent placement',
  'surgical repair of the oesophagus',
  'post-procedural mediastinitis',
  'conservative management of leaks',
  'over-the-scope clip closure',
  'dilatation-related injury',
];
const DESIGNS = [
  'a retrospective cohort',
  'a case series',
  'a prospective registry',
  'a single-centre audit',
];
const FAMILY = ['Nguyen', 'Schmidt', 'Okafor', 'Larsen', 'Moreau', 'Tanaka', 'Silva', 'Kowalski', 'Haddad'];
const GIVEN = ['Anna', 'Ben', 'Chiara', 'Dmitri', 'Eun-ji', 'Farid', 'Greta', 'Hugo', 'Ines'];
const JOURNALS = [
  ['Surg Endosc', 'Surgical endoscopy', '1432-2218'],
  ['Dis Esophagus', 'Diseases of the esophagus', '1442-2050'],
  ['Endoscopy', 'Endoscopy', '1438-8812'],
  ['Ann Thorac Surg', 'The Annals of thoracic surgery', '1552-6259'],
] as const;
const MESH = [
  'Humans',
  'Esophageal Perforation',
  'Iatrogenic Disease',
  'Treatment Outcome',
  'Retrospective Studies',
];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function date(tag: string, y: number, m: number, d: number): string {
  return `<${tag}><Year>${y}</Year><Month>${String(m).padStart(2, '0')}</Month><Day>${String(d).padStart(2, '0')}</Day></${tag}>`;
}

function pubStatus(status: string, y: number, m: number, d: number, hour: number, minute: number): string {
  return `<PubMedPubDate PubStatus="${status}"><Year>${y}</Year><Month>${m}</Month><Day>${d}</Day><Hour>${hour}</Hour><Minute>${minute}</Minute></PubMedPubDate>`;
}

/** The smallest record the DTD allows plus a DOI and the entrez date (~0.9 KB), for tests that need many. */
function compactRecord(pmid: number, created: Date, random: () => number): string {
  const y = created.getUTCFullYear();
  const m = created.getUTCMonth() + 1;
  const d = created.getUTCDate();
  const doi = `10.5555/lrm.synthetic.${pmid}`;
  const [abbrev, journalTitle, issn] = pick(random, JOURNALS);
  return (
    `<PubmedArticle><MedlineCitation Status="Publisher" Owner="NLM"><PMID Version="1">${pmid}</PMID>` +
    `<Article PubModel="Electronic"><Journal><ISSN IssnType="Electronic">${issn}</ISSN><JournalIssue CitedMedium="Internet"><PubDate><Year>${y}</Year></PubDate></JournalIssue><Title>${journalTitle}</Title><ISOAbbreviation>${abbrev}</ISOAbbreviation></Journal>` +
    `<ArticleTitle>Synthetic record ${pmid} on ${pick(random, TOPICS)}.</ArticleTitle><ELocationID EIdType="doi" ValidYN="Y">${doi}</ELocationID>` +
    `<AuthorList CompleteYN="Y"><Author ValidYN="Y"><LastName>${pick(random, FAMILY)}</LastName><Initials>${pick(random, GIVEN)[0]}</Initials></Author></AuthorList><Language>eng</Language>` +
    `<PublicationTypeList><PublicationType UI="D016428">Journal Article</PublicationType></PublicationTypeList></Article></MedlineCitation>` +
    `<PubmedData><History>${pubStatus('entrez', y, m, d, 9, 30)}</History><PublicationStatus>aheadofprint</PublicationStatus>` +
    `<ArticleIdList><ArticleId IdType="pubmed">${pmid}</ArticleId><ArticleId IdType="doi">${doi}</ArticleId></ArticleIdList></PubmedData></PubmedArticle>`
  );
}

function syntheticRecord(pmid: number, created: Date, random: () => number, index: number): string {
  const y = created.getUTCFullYear();
  const m = created.getUTCMonth() + 1;
  const d = created.getUTCDate();
  const topic = pick(random, TOPICS);
  const design = pick(random, DESIGNS);
  const [abbrev, journalTitle, issn] = pick(random, JOURNALS);
  const doi = `10.5555/lrm.synthetic.${pmid}`;
  const n = 20 + Math.floor(random() * 400);
  // Every seventh title carries an entity and a numeric character reference, as real records do.
  const flourish = index % 7 === 0 ? ' &amp; outcomes in S&#xe3;o Paulo' : '';
  const title = `Outcomes of ${topic}${flourish}: ${design} of ${n} patients (record ${pmid}).`;
  const authorCount = 1 + Math.floor(random() * 5);
  const authors = Array.from({ length: authorCount }, () => {
    const given = pick(random, GIVEN);
    return `<Author ValidYN="Y"><LastName>${pick(random, FAMILY)}</LastName><ForeName>${given}</ForeName><Initials>${given[0]}</Initials><AffiliationInfo><Affiliation>Department of Surgery, Synthetic University Hospital.</Affiliation></AffiliationInfo></Author>`;
  }).join('');
  const abstract = [
    ['BACKGROUND', `Evidence on ${topic} remains limited.`],
    ['METHODS', `We analysed ${design} of ${n} patients treated between ${y - 5} and ${y - 1}.`],
    [
      'RESULTS',
      `Mortality was ${(random() * 20).toFixed(1)}% (95% CI ${(random() * 5).toFixed(1)}&#x2013;${(20 + random() * 10).toFixed(1)}).`,
    ],
    ['CONCLUSIONS', `These data support further study of ${topic}.`],
  ]
    .map(([label, text]) => `<AbstractText Label="${label}" NlmCategory="${label}">${text}</AbstractText>`)
    .join('');
  const mesh = MESH.filter(() => random() < 0.6)
    .map(
      (name) =>
        `<MeshHeading><DescriptorName UI="D000000" MajorTopicYN="N">${name}</DescriptorName></MeshHeading>`,
    )
    .join('');
  const revised = new Date(created.getTime() + 30 * DAY_MS);
  return (
    `<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM" IndexingMethod="Automated"><PMID Version="1">${pmid}</PMID>` +
    date('DateRevised', revised.getUTCFullYear(), revised.getUTCMonth() + 1, revised.getUTCDate()) +
    `<Article PubModel="Print-Electronic"><Journal><ISSN IssnType="Electronic">${issn}</ISSN><JournalIssue CitedMedium="Internet"><Volume>${1 + (pmid % 60)}</Volume><Issue>${1 + (pmid % 12)}</Issue><PubDate><Year>${y}</Year><Month>${String(m).padStart(2, '0')}</Month></PubDate></JournalIssue><Title>${journalTitle}</Title><ISOAbbreviation>${abbrev}</ISOAbbreviation></Journal>` +
    `<ArticleTitle>${title}</ArticleTitle><Pagination><StartPage>${100 + (pmid % 800)}</StartPage><MedlinePgn>${100 + (pmid % 800)}-${110 + (pmid % 800)}</MedlinePgn></Pagination><ELocationID EIdType="doi" ValidYN="Y">${doi}</ELocationID>` +
    `<Abstract>${abstract}</Abstract><AuthorList CompleteYN="Y">${authors}</AuthorList><Language>eng</Language>` +
    `<PublicationTypeList><PublicationType UI="D016428">Journal Article</PublicationType></PublicationTypeList></Article>` +
    `<MedlineJournalInfo><Country>Germany</Country><MedlineTA>${abbrev}</MedlineTA><NlmUniqueID>${8800000 + (pmid % 1000)}</NlmUniqueID><ISSNLinking>${issn}</ISSNLinking></MedlineJournalInfo><CitationSubset>IM</CitationSubset>` +
    `<MeshHeadingList>${mesh || '<MeshHeading><DescriptorName UI="D006801" MajorTopicYN="N">Humans</DescriptorName></MeshHeading>'}</MeshHeadingList>` +
    `<KeywordList Owner="NOTNLM"><Keyword MajorTopicYN="N">${topic}</Keyword></KeywordList></MedlineCitation>` +
    `<PubmedData><History>${pubStatus('entrez', y, m, d, Math.floor(random() * 24), Math.floor(random() * 60))}${pubStatus('pubmed', y, m, d, 6, 0)}${pubStatus('medline', y, m, d, 6, 1)}</History>` +
    `<PublicationStatus>aheadofprint</PublicationStatus><ArticleIdList><ArticleId IdType="pubmed">${pmid}</ArticleId><ArticleId IdType="doi">${doi}</ArticleId></ArticleIdList></PubmedData></PubmedArticle>`
  );
}

export interface SyntheticCorpusOptions {
  /** First and last Create Date (inclusive), YYYY-MM-DD. */
  from: string;
  to: string;
  seed?: number;
  /** PMIDs are firstPmid, firstPmid + 1, ...; DOIs follow them. */
  firstPmid?: number;
  /** Minimal records (~0.9 KB instead of ~3.5 KB): for tests that need tens of thousands. */
  compact?: boolean;
}

/** `n` valid PubMed records with distinct PMIDs and DOIs, Create Dates drawn uniformly from [from, to]. */
export function syntheticCorpus(n: number, options: SyntheticCorpusOptions): CorpusRecord[] {
  const first = dayNumber(options.from);
  const days = dayNumber(options.to) - first + 1;
  if (days < 1) throw new RangeError(`empty date range ${options.from}..${options.to}`);
  const random = seededRandom(options.seed ?? 1);
  const firstPmid = options.firstPmid ?? 40_000_000;
  const records: CorpusRecord[] = [];
  for (let i = 0; i < n; i++) {
    const created = new Date((first + Math.floor(random() * days)) * DAY_MS);
    const pmid = firstPmid + i;
    records.push({
      pmid: String(pmid),
      createdDate: created.toISOString().slice(0, 10),
      xml: options.compact ? compactRecord(pmid, created, random) : syntheticRecord(pmid, created, random, i),
    });
  }
  return records;
}
