// Reading the NCBI fixtures copied into test/fixtures/pubmed (see PROVENANCE.md there).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { parsePubmedXml } from '../../../shared/adapters/pubmed/parse-pubmed-xml.ts';
import type { Citation } from '../../../shared/domain/citation/citation.ts';
import { InputError } from '../../../shared/errors.ts';

export const fixtureDir = join(import.meta.dirname, '../../fixtures/pubmed');

export function fixturePath(name: string): string {
  return join(fixtureDir, name);
}

export function readFixture(name: string): string {
  return readFileSync(fixturePath(name), 'utf8');
}

/** Every fixture whose root element is PubmedArticleSet (other E-utilities fixtures share the folder). */
export function pubmedArticleSetFixtures(): string[] {
  return readdirSync(fixtureDir)
    .filter((name) => name.endsWith('.xml'))
    .filter((name) => /<PubmedArticleSet[\s>]/.test(readFixture(name).slice(0, 1000)))
    .sort();
}

export function parseFixture(name: string): Citation[] {
  return parsePubmedXml(readFixture(name), name).citations;
}

/** The one citation in a single-record fixture. */
export function onlyCitation(name: string): Citation {
  const citations = parseFixture(name);
  if (citations.length !== 1) throw new Error(`${name} holds ${citations.length} records, expected 1`);
  return citations[0]!;
}

/** A minimal valid PubmedArticle; `extra` goes into its Article after the title (an Abstract, say). */
export function minimalRecord(pmid: string, title = `Title of ${pmid}.`, extra = ''): string {
  return `<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">${pmid}</PMID><Article PubModel="Print"><Journal><JournalIssue><PubDate><Year>2024</Year></PubDate></JournalIssue><Title>J</Title></Journal><ArticleTitle>${title}</ArticleTitle>${extra}<Language>eng</Language><PublicationTypeList><PublicationType>Journal Article</PublicationType></PublicationTypeList></Article></MedlineCitation><PubmedData><ArticleIdList><ArticleId IdType="pubmed">${pmid}</ArticleId></ArticleIdList></PubmedData></PubmedArticle>`;
}

/** The InputError `run` throws (failing the test when it throws none, or something else). */
export function inputError(run: () => unknown): InputError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected an InputError, but parsing succeeded');
}
