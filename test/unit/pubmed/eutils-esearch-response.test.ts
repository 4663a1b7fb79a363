// The esearch response parser on real NCBI answers (test/fixtures/pubmed/esearch_*.xml, see PROVENANCE.md).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEsearchXml } from '../../../shared/adapters/pubmed/esearch-response.ts';
import { InputError } from '../../../shared/errors.ts';

const fixture = (name: string) =>
  readFileSync(join(import.meta.dirname, '../../fixtures/pubmed', name), 'utf8');

describe('parseEsearchXml on recorded responses', () => {
  it('usehistory=y: Count, QueryKey, WebEnv, ids and the date clause of the translation', () => {
    const result = parseEsearchXml(fixture('esearch_usehistory_reldate_edat_2025.xml'));
    expect(result.kind).toBe('result');
    if (result.kind !== 'result') return;
    expect(result).toMatchObject({
      count: 42_249,
      retMax: 100,
      retStart: 0,
      queryKey: '1',
      webEnv: 'MCID_6927d6e7fee3e90f880ec190',
      phrasesNotFound: [],
      warnings: [],
    });
    expect(result.ids).toHaveLength(100);
    expect(result.ids[0]).toBe('41297076');
    expect(result.ids.at(-1)).toBe('41296368');
    expect(result.queryTranslation).toMatch(
      /^\("cancer s"\[All Fields\] OR .* AND 2025\/09\/27:2025\/11\/26\[Date - Entry\]$/,
    );
  });

  it('zero hits with PhraseNotFound: a warning, not a failure; "No items found." is not repeated as one', () => {
    const result = parseEsearchXml(fixture('esearch_phrasenotfound_zero_hits_2025.xml'));
    expect(result).toEqual({
      kind: 'result',
      count: 0,
      retMax: 0,
      retStart: 0,
      queryKey: null,
      webEnv: null,
      ids: [],
      queryTranslation: '(abcXYZ[All Fields])',
      phrasesNotFound: ['abcXYZ'],
      fieldsNotFound: [],
      phrasesIgnored: [],
      quotedPhrasesNotFound: [],
      outputMessages: ['No items found.'],
      warnings: ['phrase not found: "abcXYZ".'],
    });
  });

  it('PhraseNotFound with hits: the query PubMed ran is not the one written, and the warning says so', () => {
    const result = parseEsearchXml(fixture('esearch_partial_phrasenotfound_with_hits_2012.xml'));
    expect(result.kind).toBe('result');
    if (result.kind !== 'result') return;
    expect(result.count).toBe(5_163);
    expect(result.ids).toHaveLength(20);
    expect(result.queryTranslation).toBe('"obstetrics"[MeSH Terms]');
    expect(result.phrasesNotFound).toEqual(['fleegle[MeSH Terms]']);
    expect(result.warnings).toEqual([
      'phrase not found: "fleegle[MeSH Terms]". PubMed ran the rest of the query and found 5163 records: the search is not as written.',
    ]);
  });

  it('a top-level ERROR comes back as an error result', () => {
    expect(parseEsearchXml(fixture('esearch_invalid_db_error_2012.xml'))).toEqual({
      kind: 'error',
      errors: ['Invalid db name specified: fleegle'],
    });
  });
});

describe('parseEsearchXml on damaged or foreign bodies', () => {
  it('a body cut short is InputError', () => {
    const whole = fixture('esearch_usehistory_reldate_edat_2025.xml');
    const half = whole.slice(0, Math.floor(whole.length / 2));
    expect(() => parseEsearchXml(half)).toThrow(InputError);
    expect(() => parseEsearchXml(half)).toThrow(/not well-formed XML .* cut short/);
  });

  it('an HTML error page or a 429 JSON body is InputError', () => {
    expect(() =>
      parseEsearchXml('<html><head><title>WWW Error 500 Diagnostic</title></head></html>'),
    ).toThrow(/not an eSearchResult/);
    expect(() => parseEsearchXml('{"error":"API rate limit exceeded","count":"4"}')).toThrow(InputError);
  });

  it('a non-numeric Count is InputError naming the field', () => {
    expect(() => parseEsearchXml('<eSearchResult><Count>many</Count></eSearchResult>')).toThrow(
      /eSearchResult.Count: expected a whole number/,
    );
  });

  it('collects every kind of ErrorList and WarningList entry', () => {
    const xml =
      '<eSearchResult><Count>3</Count><RetMax>0</RetMax><RetStart>0</RetStart><QueryKey>1</QueryKey><WebEnv>MCID_1</WebEnv><IdList/><TranslationSet/><QueryTranslation>q</QueryTranslation>' +
      '<ErrorList><FieldNotFound>[zz]</FieldNotFound></ErrorList>' +
      '<WarningList><PhraseIgnored>and</PhraseIgnored><QuotedPhraseNotFound>"a b"</QuotedPhraseNotFound><OutputMessage>Wildcard search truncated</OutputMessage></WarningList></eSearchResult>';
    const result = parseEsearchXml(xml);
    expect(result.kind === 'result' && result.warnings).toEqual([
      'field not found: "[zz]". PubMed ran the rest of the query and found 3 records: the search is not as written.',
      'phrase ignored: "and"',
      'quoted phrase not found: ""a b""',
      'PubMed said: Wildcard search truncated',
    ]);
  });
});
