// Naming a citation as people do (shared/app/resolve-citation.ts) against the real store on dynalite: by its
// id, PMID, DOI (any of its spellings) and PMCID; a duplicate's id leads to the citation it merged into; a bare
// number that is one citation's PMID and another's PMCID is refused as ambiguous; unknown names fail clearly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedStore, openEmbeddedStore } from '../../../shared/adapters/embedded/embedded-store.ts';
import { CitationNotFoundError } from '../../../shared/app/include-study.ts';
import {
  AmbiguousCitationError,
  parseCitationReference,
  resolveCitation,
} from '../../../shared/app/resolve-citation.ts';
import { citationId } from '../../../shared/domain/citation/citation-id.ts';
import { InputError } from '../../../shared/errors.ts';
import { makeStoreCitation, makeTempDataDir, removeDataDir } from '../../support/store-fixtures.ts';

const NOW = new Date('2026-03-02T06:00:00.000Z');
const REVIEW = 'iesm';

let dataDir: string;
let embedded: EmbeddedStore;
let withDoi: string;
let withPmcid: string;

beforeAll(async () => {
  dataDir = makeTempDataDir('resolve-citation');
  embedded = await openEmbeddedStore({ dataDir, serverIdleMs: 10_000 });
  const store = embedded.store;
  withDoi = (
    await store.recordCitation(REVIEW, makeStoreCitation({ pmid: '31415926', doi: '10.1000/abc.def' }), NOW)
  ).citationId;
  // The same work under another PMID, found by its DOI: its own id becomes a redirect to the first.
  const duplicate = await store.recordCitation(
    REVIEW,
    makeStoreCitation({ pmid: '31415927', doi: '10.1000/abc.def' }),
    NOW,
  );
  expect(duplicate).toMatchObject({ kind: 'duplicate', citationId: withDoi });
  // PMCID 2718281 on one citation, PMID 2718281 on another: the bare number names both.
  withPmcid = (
    await store.recordCitation(REVIEW, makeStoreCitation({ pmid: '27182', pmcid: 'PMC2718281' }), NOW)
  ).citationId;
  await store.recordCitation(REVIEW, makeStoreCitation({ pmid: '2718281' }), NOW);
});

afterAll(async () => {
  await embedded?.close();
  if (dataDir) await removeDataDir(dataDir);
});

const resolve = (text: string) => resolveCitation(REVIEW, text, embedded.store);

describe('resolveCitation', () => {
  it('finds a citation by its id, its PMID and every spelling of its DOI', async () => {
    for (const name of [
      withDoi,
      '31415926',
      'PMID:31415926',
      'pmid 31415926',
      '10.1000/abc.def',
      '10.1000/ABC.DEF',
      'doi:10.1000/abc.def',
      'https://doi.org/10.1000/abc.def',
      `  ${withDoi}  `,
    ]) {
      expect((await resolve(name)).citationId, name).toBe(withDoi);
    }
  });

  it("leads a duplicate's id and PMID to the citation it merged into", async () => {
    expect((await resolve(citationId('pmid:31415927'))).citationId).toBe(withDoi);
    expect((await resolve('31415927')).citationId).toBe(withDoi);
  });

  it('finds a citation by its PMCID, with or without "PMC" when the number names nothing else', async () => {
    expect((await resolve('PMC2718281')).citationId).toBe(withPmcid);
    expect((await resolve('pmc2718281')).citationId).toBe(withPmcid);
    expect((await resolve('27182')).citationId).toBe(withPmcid);
  });

  it("refuses a bare number that is one citation's PMID and another's PMCID, naming both", async () => {
    const other = citationId('pmid:2718281');
    await expect(resolve('2718281')).rejects.toThrow(AmbiguousCitationError);
    await expect(resolve('2718281')).rejects.toThrow(
      `"2718281" names 2 citations in review "iesm": ${other} (PMID 2718281), ${withPmcid} (PMCID PMC2718281); give the id, or write the number as pmid:N or PMCN`,
    );
    expect((await resolve('pmid:2718281')).citationId).toBe(other);
  });

  it('says what it looked for when nothing answers, and what it accepts when the name is none of them', async () => {
    await expect(resolve('99999999')).rejects.toThrow(CitationNotFoundError);
    await expect(resolve('99999999')).rejects.toThrow(
      'no citation with PMID 99999999 or PMCID PMC99999999 in review "iesm": import or search it first',
    );
    await expect(resolve('10.1000/none')).rejects.toThrow(
      'no citation with DOI 10.1000/none in review "iesm"',
    );
    await expect(resolve('c00000000000000000000')).rejects.toThrow(
      'no citation c00000000000000000000 in review "iesm"',
    );
    await expect(resolveCitation('other-review', withDoi, embedded.store)).rejects.toThrow(
      `no citation ${withDoi} in review "other-review"`,
    );
    await expect(resolve('Smith 2024')).rejects.toThrow(InputError);
    await expect(resolve('Smith 2024')).rejects.toThrow(
      '"Smith 2024" names no citation: give its id (c followed by 20 hex digits), a PMID, a DOI or a PMCID',
    );
  });
});

describe('parseCitationReference', () => {
  it('tells an id, a PMID, a DOI, a PMCID and a bare number apart', () => {
    expect(parseCitationReference('c0123456789abcdef0123')).toEqual({
      id: 'c0123456789abcdef0123',
      keys: [],
    });
    expect(parseCitationReference('PMID: 00123')).toEqual({ id: null, keys: ['pmid:123'] });
    expect(parseCitationReference('DOI:10.1056/NEJMoa1.')).toEqual({
      id: null,
      keys: ['doi:10.1056/nejmoa1'],
    });
    expect(parseCitationReference('PMC0042.1')).toEqual({ id: null, keys: ['pmcid:PMC42'] });
    expect(parseCitationReference('42')).toEqual({ id: null, keys: ['pmid:42', 'pmcid:PMC42'] });
    expect(() => parseCitationReference('')).toThrow(InputError);
    expect(() => parseCitationReference('c0123')).toThrow(InputError);
  });
});
