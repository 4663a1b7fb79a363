// Field-by-field checks of parsePubmedXml against real NCBI output (test/fixtures/pubmed, PROVENANCE.md).
// Expected values were read from the XML by hand, not from the parser's output.
import { describe, expect, test } from 'vitest';
import { citationSchema } from '../../../shared/domain/citation/citation.ts';
import { onlyCitation, parseFixture, pubmedArticleSetFixtures, readFixture } from './fixtures.ts';

describe('every PubmedArticleSet fixture', () => {
  const names = pubmedArticleSetFixtures();

  test('there are the thirteen copied from the team kit', () => {
    expect(names).toHaveLength(13);
  });

  test.each(names)('%s: one valid pubmed Citation per record, ids as strings', (name) => {
    const xml = readFixture(name);
    const records = (xml.match(/<PubmedArticle>|<PubmedBookArticle>/g) ?? []).length;
    const citations = parseFixture(name);
    expect(citations).toHaveLength(records);
    for (const citation of citations) {
      expect(citationSchema.safeParse(citation).success).toBe(true);
      expect(citation.source).toBe('pubmed');
      expect(citation.sourceRecordId).toBe(citation.pmid);
      expect(typeof citation.pmid).toBe('string');
      // The record's own PMID is the first <PMID> of its MedlineCitation/BookDocument, and appears in the XML.
      expect(xml).toContain(`<PMID Version="1">${citation.pmid}</PMID>`);
      if (citation.doi !== null) expect(citation.doi).toBe(citation.doi.toLowerCase());
    }
  });
});

describe('efetch_pubmed_2articles_nonmedline_entity_2025.xml (compact 2025 layout, two records)', () => {
  const [first, second] = parseFixture('efetch_pubmed_2articles_nonmedline_entity_2025.xml');

  test('records come in document order with their own ids', () => {
    expect(first?.pmid).toBe('11748933');
    expect(second?.pmid).toBe('11700088');
    expect(first?.doi).toBe('10.1006/cryo.2001.2328');
    expect(second?.doi).toBe('10.1006/jmre.2001.2429');
    expect(first?.pmcid).toBeNull();
  });

  test('MEDLINE vs PubMed-not-MEDLINE status', () => {
    expect(first?.pubmedStatus).toBe('MEDLINE');
    expect(second?.pubmedStatus).toBe('PubMed-not-MEDLINE');
  });

  test('MedlinePgn wins over StartPage/EndPage; journal fields', () => {
    expect(first?.journal).toEqual({
      title: 'Cryobiology',
      isoAbbreviation: 'Cryobiology',
      issn: '0011-2240',
      volume: '42',
      issue: '4',
      pages: '244-55',
    });
    expect(second?.journal?.pages).toBe('117-23');
  });

  test('textual month "Jun" becomes 6; Create Date from PubStatus entrez, zero-padded', () => {
    expect(first?.publicationDate).toEqual({ year: 2001, month: 6, day: null, medlineDate: null });
    expect(first?.year).toBe(2001);
    expect(first?.createdDate).toBe('2001-12-26');
    expect(second?.createdDate).toBe('2001-11-09');
  });

  test('&lt; in the abstract is decoded', () => {
    expect(first?.abstract).toHaveLength(1);
    expect(first?.abstract[0]?.label).toBeNull();
    expect(first?.abstract[0]?.text).toContain('(P < 0.001)');
    expect(first?.abstract[0]?.text).not.toContain('&lt;');
  });

  test('authors, MeSH descriptors (not qualifiers), types', () => {
    expect(first?.authors).toHaveLength(8);
    expect(first?.authors[0]).toEqual({ family: 'Taddei', given: 'A R', initials: 'AR', orcid: null });
    expect(first?.meshHeadings).toContain('Sperm Motility');
    expect(first?.meshHeadings).not.toContain('anatomy & histology');
    expect(first?.meshHeadings).toHaveLength(11);
    expect(first?.publicationTypes).toEqual(['Journal Article', "Research Support, Non-U.S. Gov't"]);
    expect(second?.meshHeadings).toEqual([]);
    expect(first?.links).toEqual([]);
    expect(first?.isRetracted).toBe(false);
  });
});

describe('efetch_pubmed_structured_abstract_inline_markup.xml (pretty 2018 layout)', () => {
  const citation = onlyCitation('efetch_pubmed_structured_abstract_inline_markup.xml');

  test('<i>TERT</i> in the title keeps its text', () => {
    expect(citation.title).toBe(
      'Leucocyte telomere length, genetic variants at the TERT gene region and risk of pancreatic cancer.',
    );
  });

  test('structured abstract: Label without NlmCategory, sub/sup text joined, &lt; decoded', () => {
    expect(citation.abstract.map((s) => [s.label, s.category])).toEqual([
      ['OBJECTIVE', null],
      ['DESIGN', null],
      ['RESULTS', null],
      ['CONCLUSIONS', null],
    ]);
    const results = citation.abstract[2]?.text ?? '';
    expect(results).toContain('95% CI 1.07 to 2.78; ptrend=0.048)');
    expect(results).toContain('(linkage disequilibrium r2<0.25)');
    expect(citation.abstract[0]?.text).toContain('telomerase reverse transcriptase (TERT) gene region');
    // The CopyrightInformation sibling is not abstract text.
    expect(citation.abstract.map((s) => s.text).join(' ')).not.toContain('BMJ Publishing Group');
  });

  test('ids from PubmedData/ArticleIdList; ELocationID agrees', () => {
    expect(citation.pmid).toBe('27797938');
    expect(citation.doi).toBe('10.1136/gutjnl-2016-312510');
    expect(citation.pmcid).toBe('PMC5442267');
  });

  test('48 Cites are not links; the CommentIn is, with its PMID', () => {
    expect(citation.links).toEqual([
      { type: 'CommentIn', pmid: '27920200', refSource: 'Gut. 2017 Jun;66(6):1' },
    ]);
  });

  test('keywords, numeric month, electronic ISSN, created date', () => {
    expect(citation.keywords).toEqual(['PANCREATIC CANCER']);
    expect(citation.publicationDate).toEqual({ year: 2017, month: 6, day: null, medlineDate: null });
    expect(citation.journal?.issn).toBe('1468-3288');
    expect(citation.journal?.pages).toBe('1116-1122');
    expect(citation.createdDate).toBe('2016-11-01');
    expect(citation.authors).toHaveLength(22);
    expect(citation.authors.at(-1)).toEqual({
      family: 'Wolpin',
      given: 'Brian M',
      initials: 'BM',
      orcid: null,
    });
  });
});

describe('efetch_pubmed_nlmcategory_underline_indatareview.xml', () => {
  const citation = onlyCitation('efetch_pubmed_nlmcategory_underline_indatareview.xml');

  test('Label and NlmCategory are kept apart', () => {
    expect(citation.abstract.map((s) => [s.label, s.category])).toEqual([
      ['OBJECTIVES', 'OBJECTIVE'],
      ['METHODS', 'METHODS'],
      ['RESULTS', 'RESULTS'],
      ['CONCLUSIONS', 'CONCLUSIONS'],
    ]);
  });

  test('<u>&lt;</u> and <sub> keep their text', () => {
    const text = citation.abstract.map((s) => s.text).join(' ');
    expect(text).toContain('ORQ3=4.15');
    expect(text).toContain('ptrend <0.01');
    expect(text).not.toMatch(/<\/?(u|sub|sup|i)>/);
  });

  test('In-Data-Review status and ids', () => {
    expect(citation.pubmedStatus).toBe('In-Data-Review');
    expect(citation.pmid).toBe('28775130');
    expect(citation.doi).toBe('10.1136/oemed-2017-104431');
    expect(citation.pmcid).toBe('PMC5771820');
    expect(citation.createdDate).toBe('2017-08-05');
    expect(citation.publicationDate.month).toBe(2);
    expect(citation.meshHeadings).toEqual([]);
  });
});

describe('efetch_pubmed_mathml_ecollection.xml', () => {
  const citation = onlyCitation('efetch_pubmed_mathml_ecollection.xml');

  test('MathML keeps its text, without its layout whitespace', () => {
    const text = citation.abstract[0]?.text ?? '';
    expect(text).toContain('maximal oxygen uptake ( V.O2max ) 67.6 ± 4.1 ml·kg-1·min-1]');
    expect(text).toContain('were the best predictors of V.O2max (r = 0.72-0.79; P < 0.001)');
    expect(text).not.toContain('mml:');
    expect(text).not.toMatch(/\s{2}/);
  });

  test('&quot; in the title; no issue in an eCollection; year-only PubDate', () => {
    expect(citation.title).toBe(
      'A "Blood Relationship" Between the Overlooked Minimum Lactate Equivalent and Maximal Lactate Steady State in Trained Runners. Back to the Old Days?',
    );
    expect(citation.journal?.issue).toBeNull();
    expect(citation.journal?.volume).toBe('9');
    expect(citation.publicationDate).toEqual({ year: 2018, month: null, day: null, medlineDate: null });
    expect(citation.pmcid).toBe('PMC6079548');
    expect(citation.pubmedStatus).toBe('PubMed-not-MEDLINE');
  });
});

describe('efetch_pubmed_collective_orcid_mathml_reflist.xml', () => {
  const citation = onlyCitation('efetch_pubmed_collective_orcid_mathml_reflist.xml');

  test('a collective author among personal ones, ORCID URLs reduced to the bare iD', () => {
    expect(citation.authors).toHaveLength(9);
    expect(citation.authors[1]).toEqual({
      family: 'Capaldi',
      given: 'Dante',
      initials: 'D',
      orcid: '0000-0002-4590-7461',
    });
    expect(citation.authors[6]).toMatchObject({ family: 'Fenster', orcid: '0000-0003-3525-2788' });
    expect(citation.authors[8]).toEqual({ collective: 'Canadian Respiratory Research Network', orcid: null });
    expect(citation.authors.filter((a) => a.orcid !== null)).toHaveLength(2);
  });

  test('the ~50 PMIDs in the ReferenceList are never the record PMID', () => {
    expect(citation.pmid).toBe('29963580');
    expect(citation.sourceRecordId).toBe('29963580');
    expect(citation.links).toEqual([]);
  });

  test('DOI from ArticleIdList is lower-cased; MathML prescripts read in order', () => {
    expect(citation.doi).toBe('10.1117/1.jmi.5.2.026002');
    expect(citation.pmcid).toBe('PMC6022861');
    expect(citation.abstract[0]?.text).toContain('(1) inhaled He3/Xe129 MRI ventilation');
    expect(citation.keywords).toHaveLength(5);
    expect(citation.createdDate).toBe('2018-07-03');
  });
});

describe('efetch_pubmed_book_genereviews_2025.xml (PubmedBookArticle)', () => {
  const citation = onlyCitation('efetch_pubmed_book_genereviews_2025.xml');

  test('is a book article with its book title (sup and &#xae; kept as text)', () => {
    expect(citation.kind).toBe('book-article');
    expect(citation.pmid).toBe('20301577');
    expect(citation.title).toBe('CACNA1C-Related Disorders');
    expect(citation.bookTitle).toBe('GeneReviews®');
    expect(citation.journal).toBeNull();
  });

  test('authors are the Type="authors" list, never the editors', () => {
    expect(citation.authors).toEqual([
      { family: 'Napolitano', given: 'Carlo', initials: 'C', orcid: null },
      { family: 'Priori', given: 'Silvia G', initials: 'SG', orcid: null },
    ]);
  });

  test('structured abstract with non-standard labels; no ids but the PMID', () => {
    expect(citation.abstract.map((s) => s.label)).toEqual([
      'CLINICAL CHARACTERISTICS',
      'DIAGNOSIS/TESTING',
      'MANAGEMENT',
      'GENETIC COUNSELING',
    ]);
    expect(citation.abstract[0]?.text).toContain('(rate-corrected QT [QTc] interval >480 ms)');
    // The ReferenceList's PMC ids belong to cited works.
    expect(citation.pmcid).toBeNull();
    expect(citation.doi).toBeNull();
  });

  test('date, type, language, created date from PubmedBookData', () => {
    expect(citation.publicationDate).toEqual({ year: 1993, month: null, day: null, medlineDate: null });
    expect(citation.publicationTypes).toEqual(['Review']);
    expect(citation.languages).toEqual(['eng']);
    expect(citation.createdDate).toBe('2024-12-19');
    expect(citation.pubmedStatus).toBeNull();
    expect(citation.keywords).toContain('CACNA1C-Related Disorders');
  });
});

describe('efetch_pubmed_vernacular_numeric_entities_2025.xml', () => {
  const citation = onlyCitation('efetch_pubmed_vernacular_numeric_entities_2025.xml');

  test('numeric character references decoded; no-break space collapsed like any whitespace', () => {
    expect(citation.vernacularTitle).toBe(
      'Pasienter over 75 år innlagt ved Brannskadeavdelinga, Haukeland universitetssjukehus 2000–19.',
    );
    expect(citation.authors[2]).toEqual({
      family: 'Kjørsvik',
      given: 'Camilla Rygg',
      initials: 'CR',
      orcid: null,
    });
    expect(citation.abstract[1]?.text).toContain('All patients ≥ 75 years');
  });

  test('two languages, English title, bare ORCID kept', () => {
    expect(citation.languages).toEqual(['eng', 'nor']);
    expect(citation.title).toBe(
      'Patients over 75 years admitted to the National Burn Centre, Haukeland University Hospital, 2000-19.',
    );
    expect(citation.authors[0]).toEqual({
      family: 'Bruserud',
      given: 'Øyvind',
      initials: 'Ø',
      orcid: '0000-0001-7093-6988',
    });
    expect(citation.doi).toBe('10.4045/tidsskr.22.0358');
    expect(citation.journal?.pages).toBeNull();
    expect(citation.publicationDate).toEqual({ year: 2023, month: 3, day: 28, medlineDate: null });
  });
});

describe('efetch_pubmed_collective_only_author_2025.xml', () => {
  test('a single collective author is still a list of one', () => {
    const citation = onlyCitation('efetch_pubmed_collective_only_author_2025.xml');
    expect(citation.authors).toEqual([
      { collective: 'Guideline Development Panel for the Treatment of Depressive Disorders', orcid: null },
    ]);
    expect(citation.doi).toBe('10.1037/amp0000904');
    expect(citation.publicationDate).toEqual({ year: 2022, month: 9, day: null, medlineDate: null });
  });
});

describe('corrections and versions', () => {
  test('ErratumIn link keeps the erratum PMID apart from the record PMID and DOI', () => {
    const citation = onlyCitation('efetch_pubmed_erratumin_2025.xml');
    expect(citation.pmid).toBe('35649368');
    expect(citation.doi).toBe('10.1016/j.celrep.2022.110870');
    expect(citation.links).toEqual([
      {
        type: 'ErratumIn',
        pmid: '35767954',
        refSource: 'Cell Rep. 2022 Jun 28;39(13):111044. doi: 10.1016/j.celrep.2022.111044.',
      },
    ]);
    expect(citation.isRetracted).toBe(false);
    expect(citation.abstract[0]?.text).toContain('fatty acid β-oxidation');
  });

  test('UpdateOf link; the ReferenceList PMC ids are not the record pmcid', () => {
    const citation = onlyCitation('efetch_pubmed_updateof_2025.xml');
    expect(citation.pmid).toBe('36156117');
    expect(citation.pmcid).toBe('PMC9619446');
    expect(citation.doi).toBe('10.1093/cid/ciac769');
    expect(citation.links).toEqual([
      {
        type: 'UpdateOf',
        pmid: '35794888',
        refSource: 'Res Sq. 2022 Jun 29:rs.3.rs-1800050. doi: 10.21203/rs.3.rs-1800050/v1.',
      },
    ]);
  });

  test('retracted 1975 record in the 2011 DTD: Retracted Publication + RetractionIn', () => {
    const citation = onlyCitation('efetch_pubmed_retracted_retractionin_2011.xml');
    expect(citation.pmid).toBe('993');
    expect(citation.isRetracted).toBe(true);
    expect(citation.publicationTypes).toEqual(['Journal Article', 'Retracted Publication']);
    expect(citation.links).toEqual([
      { type: 'RetractionIn', pmid: '195582', refSource: 'Rowe CE. Biochem J. 1977 Apr 15;164(1):287-8' },
    ]);
    expect(citation.publicationDate).toEqual({ year: 1975, month: 6, day: null, medlineDate: null });
    // entrez (1975-06-01) wins over DateCreated (1976-02-09).
    expect(citation.createdDate).toBe('1975-06-01');
    expect(citation.pmcid).toBe('PMC1165577');
    expect(citation.doi).toBeNull();
    expect(citation.journal?.isoAbbreviation).toBe('Biochem. J.');
    expect(citation.meshHeadings).toHaveLength(20);
    expect(citation.abstract[0]?.text).toContain('(Gullis & Rowe, 1975a)');
  });
});

describe('pubmed_xml_medlinedate_indatareview.xml', () => {
  test('MedlineDate without Year: raw text kept, year taken from it', () => {
    const citation = onlyCitation('pubmed_xml_medlinedate_indatareview.xml');
    expect(citation.publicationDate).toEqual({
      year: 2016,
      month: null,
      day: null,
      medlineDate: '2016 Jul-Sep',
    });
    expect(citation.year).toBe(2016);
    expect(citation.journal?.title).toBe('Family & community health');
    expect(citation.doi).toBe('10.1097/fch.0000000000000112');
    expect(citation.abstract).toHaveLength(1);
    expect(citation.abstract[0]?.label).toBeNull();
    expect(citation.pubmedStatus).toBe('In-Data-Review');
  });
});

describe('pubmed_xml_publisher_aheadofprint_3records.xml', () => {
  const citations = parseFixture('pubmed_xml_publisher_aheadofprint_3records.xml');

  test('three Publisher records, no MeSH yet, ids in order', () => {
    expect(citations.map((c) => c.pmid)).toEqual(['28454017', '28447797', '28431317']);
    expect(citations.map((c) => c.pubmedStatus)).toEqual(['Publisher', 'Publisher', 'Publisher']);
    expect(citations.every((c) => c.meshHeadings.length === 0)).toBe(true);
    expect(citations.map((c) => c.createdDate)).toEqual(['2017-04-29', '2017-04-28', '2017-04-22']);
  });

  test('ahead of print: no volume or pages yet', () => {
    const [, second] = citations;
    expect(second?.journal).toEqual({
      title: 'Analytical chemistry',
      isoAbbreviation: 'Anal. Chem.',
      issn: '1520-6882',
      volume: null,
      issue: null,
      pages: null,
    });
    expect(second?.publicationDate).toEqual({ year: 2017, month: 5, day: 3, medlineDate: null });
    expect(second?.authors.at(-1)).toMatchObject({ family: 'Sui', orcid: '0000-0002-6751-0852' });
  });
});
