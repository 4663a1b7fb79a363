// Record-level rules that the NCBI fixtures do not exercise, on small synthetic records: fall-backs for ids,
// pages and the Create Date, authors marked invalid, books without article authors, ORCID check digits.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { normaliseOrcid } from '../../../shared/adapters/pubmed/parse-pubmed-record.ts';
import { parsePubmedXml } from '../../../shared/adapters/pubmed/parse-pubmed-xml.ts';
import type { Citation } from '../../../shared/domain/citation/citation.ts';

function article(parts: { medline?: string; article?: string; data?: string; status?: string }): Citation {
  const xml = `<PubmedArticleSet><PubmedArticle><MedlineCitation Status="${parts.status ?? 'MEDLINE'}"><PMID Version="1">123</PMID>${parts.medline ?? ''}<Article><Journal><JournalIssue><PubDate><Year>2020</Year></PubDate></JournalIssue></Journal><ArticleTitle>T</ArticleTitle>${parts.article ?? ''}</Article></MedlineCitation><PubmedData>${parts.data ?? ''}</PubmedData></PubmedArticle></PubmedArticleSet>`;
  const { citations } = parsePubmedXml(xml, 'synthetic');
  return citations[0]!;
}

function date(status: string, y: string, m: string, d: string): string {
  return `<PubMedPubDate PubStatus="${status}"><Year>${y}</Year><Month>${m}</Month><Day>${d}</Day></PubMedPubDate>`;
}

describe('identifiers', () => {
  test('DOI falls back to a valid ELocationID; an invalid one (ValidYN="N") is skipped', () => {
    const citation = article({
      article:
        '<ELocationID EIdType="pii">S1</ELocationID><ELocationID EIdType="doi" ValidYN="N">10.1000/WRONG</ELocationID><ELocationID EIdType="doi" ValidYN="Y">10.1000/RIGHT</ELocationID>',
      data: '<ArticleIdList><ArticleId IdType="pii">S1</ArticleId></ArticleIdList>',
    });
    expect(citation.doi).toBe('10.1000/right');
  });

  test('ArticleIdList DOI wins over ELocationID; ids of cited works are ignored', () => {
    const citation = article({
      article: '<ELocationID EIdType="doi">10.1000/elocation</ELocationID>',
      data: '<ArticleIdList><ArticleId IdType="doi">10.1000/own</ArticleId></ArticleIdList><ReferenceList><Reference><ArticleIdList><ArticleId IdType="doi">10.1000/cited</ArticleId><ArticleId IdType="pmc">PMC999</ArticleId></ArticleIdList></Reference></ReferenceList>',
    });
    expect(citation.doi).toBe('10.1000/own');
    expect(citation.pmcid).toBeNull();
  });

  test('old records: PMC id from OtherID Source="NLM" when ArticleIdList has none', () => {
    expect(article({ medline: '<OtherID Source="NLM">PMC1165577</OtherID>' }).pmcid).toBe('PMC1165577');
    expect(article({ medline: '<OtherID Source="NLM">NIHMS12</OtherID>' }).pmcid).toBeNull();
  });
});

describe('pages', () => {
  test('StartPage-EndPage when there is no MedlinePgn; StartPage alone for e-locators', () => {
    const pages = (pagination: string) =>
      article({ article: `<Pagination>${pagination}</Pagination>` }).journal?.pages;
    expect(pages('<StartPage>244</StartPage><EndPage>255</EndPage>')).toBe('244-255');
    expect(pages('<StartPage>e1001</StartPage>')).toBe('e1001');
    expect(pages('<MedlinePgn>244-55</MedlinePgn><StartPage>244</StartPage>')).toBe('244-55');
    expect(pages('')).toBeNull();
  });
});

describe('Create Date', () => {
  test('entrez, else the Entrez date (PubStatus pubmed), else DateCreated, else null', () => {
    const history = (...dates: string[]) => `<History>${dates.join('')}</History>`;
    const created = '<DateCreated><Year>1976</Year><Month>02</Month><Day>09</Day></DateCreated>';
    expect(
      article({
        medline: created,
        data: history(date('pubmed', '1975', '6', '2'), date('entrez', '1975', '6', '1')),
      }).createdDate,
    ).toBe('1975-06-01');
    expect(article({ medline: created, data: history(date('pubmed', '1975', '6', '2')) }).createdDate).toBe(
      '1975-06-02',
    );
    expect(article({ medline: created, data: history(date('received', '1975', '1', '1')) }).createdDate).toBe(
      '1976-02-09',
    );
    expect(article({}).createdDate).toBeNull();
  });

  test('an impossible entrez date is not used', () => {
    const data = `<History>${date('entrez', '2023', '2', '30')}${date('pubmed', '2023', '3', '1')}</History>`;
    expect(article({ data }).createdDate).toBe('2023-03-01');
  });
});

describe('authors', () => {
  test('ValidYN="N" names and nameless entries are left out; suffixes and affiliations ignored', () => {
    const citation = article({
      article:
        '<AuthorList><Author ValidYN="N"><LastName>Smiht</LastName><Initials>J</Initials></Author><Author ValidYN="Y"><LastName>Smith</LastName><ForeName>John</ForeName><Initials>J</Initials><Suffix>Jr</Suffix><AffiliationInfo><Affiliation>X</Affiliation><Identifier Source="ORCID">0000-0002-4590-7461</Identifier></AffiliationInfo></Author><Author><LastName></LastName></Author></AuthorList>',
    });
    // The ORCID inside AffiliationInfo identifies the institution entry, not the author.
    expect(citation.authors).toEqual([{ family: 'Smith', given: 'John', initials: 'J', orcid: null }]);
  });

  test('a mistyped ORCID (wrong check digit) is dropped, the author kept', () => {
    const citation = article({
      article:
        '<AuthorList><Author><LastName>Capaldi</LastName><Identifier Source="ORCID">https://orcid.org/0000-0002-4590-7462</Identifier></Author></AuthorList>',
    });
    expect(citation.authors).toEqual([{ family: 'Capaldi', given: null, initials: null, orcid: null }]);
  });
});

describe('books', () => {
  test('a whole book: no article title, authors from the Book, editors never', () => {
    const xml = `<PubmedArticleSet><PubmedBookArticle><BookDocument><PMID Version="1">777</PMID><Book><BookTitle book="x">Whole <i>Book</i></BookTitle><PubDate><Year>2001</Year><Month>May</Month></PubDate><AuthorList Type="editors"><Author><LastName>Editor</LastName></Author></AuthorList><AuthorList Type="authors"><Author><LastName>Writer</LastName></Author></AuthorList></Book><Language>eng</Language><Language>fre</Language></BookDocument></PubmedBookArticle></PubmedArticleSet>`;
    const [citation] = parsePubmedXml(xml, 'book').citations;
    expect(citation?.kind).toBe('book-article');
    expect(citation?.title).toBe('Whole Book');
    expect(citation?.bookTitle).toBe('Whole Book');
    expect(citation?.authors).toEqual([{ family: 'Writer', given: null, initials: null, orcid: null }]);
    expect(citation?.languages).toEqual(['eng', 'fre']);
    expect(citation?.publicationDate).toEqual({ year: 2001, month: 5, day: null, medlineDate: null });
    expect(citation?.createdDate).toBeNull();
  });
});

describe('normaliseOrcid', () => {
  const VALID = [
    '0000-0002-4590-7461',
    '0000-0003-3525-2788',
    '0000-0001-7093-6988',
    '0000-0002-1825-0097',
    '0000-0002-1694-233X',
  ];

  test('bare, URL and unhyphenated forms give the hyphenated iD; x becomes X', () => {
    for (const orcid of VALID) {
      const digits = orcid.replace(/-/g, '');
      for (const written of [
        orcid,
        `https://orcid.org/${orcid}`,
        `http://orcid.org/${orcid}`,
        digits,
        ` ${orcid.toLowerCase()} `,
      ]) {
        expect(normaliseOrcid(written)).toBe(orcid);
      }
    }
  });

  test('any single mistyped digit is caught by the check digit', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...VALID),
        fc.integer({ min: 0, max: 15 }),
        fc.integer({ min: 1, max: 9 }),
        (orcid, position, shift) => {
          const digits = [...orcid.replace(/-/g, '')];
          const alphabet = position === 15 ? '0123456789X' : '0123456789';
          const current = alphabet.indexOf(digits[position]!);
          digits[position] = alphabet[(current + shift) % alphabet.length]!;
          expect(normaliseOrcid(digits.join(''))).toBeNull();
        },
      ),
    );
  });

  test('not ORCIDs', () => {
    for (const raw of [
      '',
      '0000-0002-4590',
      'orcid.org/0000-0002-4590-7461x',
      'https://example.org/0000-0002-4590-7461',
    ]) {
      expect(normaliseOrcid(raw)).toBeNull();
    }
  });
});
