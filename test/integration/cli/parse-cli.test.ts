// `living-review parse FILE --format jsonl` run the way a user runs it: a child `node cli/living-review.js`.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { fixturePath, readFixture } from '../../unit/pubmed/fixtures.ts';

const root = join(import.meta.dirname, '../../..');
const scratch = mkdtempSync(join(tmpdir(), 'parse-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function livingReview(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['cli/living-review.js', ...args], { cwd: root }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('living-review parse', () => {
  test('prints one JSON object per citation with the fields a pipeline needs', async () => {
    const result = await livingReview(
      'parse',
      fixturePath('efetch_pubmed_2articles_nonmedline_entity_2025.xml'),
      '--format',
      'jsonl',
    );
    expect(result.code).toBe(0);
    const lines = jsonLines(result.stdout);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      pmid: '11748933',
      doi: '10.1006/cryo.2001.2328',
      year: 2001,
      publicationTypes: ['Journal Article', "Research Support, Non-U.S. Gov't"],
      isRetracted: false,
    });
    expect(lines[0]?.title).toMatch(/^Is cryopreservation a homogeneous process\?/);
    expect((lines[0]!.authors as unknown[])[0]).toEqual({
      family: 'Taddei',
      given: 'A R',
      initials: 'AR',
      orcid: null,
    });
    expect(lines[1]?.pmid).toBe('11700088');
  });

  test('the whole Citation: collective authors, null DOI, retraction, book', async () => {
    const [retracted, collective, book] = await Promise.all([
      livingReview('parse', fixturePath('efetch_pubmed_retracted_retractionin_2011.xml')),
      livingReview('parse', fixturePath('efetch_pubmed_collective_only_author_2025.xml'), '--format=jsonl'),
      livingReview('parse', fixturePath('efetch_pubmed_book_genereviews_2025.xml')),
    ]);
    const retractedLines = jsonLines(retracted.stdout);
    expect(retractedLines).toHaveLength(1);
    expect(retractedLines[0]).toMatchObject({ pmid: '993', doi: null, year: 1975, isRetracted: true });
    expect(jsonLines(collective.stdout)[0]?.authors).toEqual([
      { collective: 'Guideline Development Panel for the Treatment of Depressive Disorders', orcid: null },
    ]);
    expect(jsonLines(book.stdout)[0]).toMatchObject({
      kind: 'book-article',
      bookTitle: 'GeneReviews®',
      journal: null,
    });
  });

  test('deleted PMIDs are a note on stderr, not output', async () => {
    const path = join(scratch, 'update.xml');
    const article = /<PubmedArticle>[\s\S]*?<\/PubmedArticle>/.exec(
      readFixture('efetch_pubmed_erratumin_2025.xml'),
    )![0];
    writeFileSync(
      path,
      `<?xml version="1.0"?>\n<PubmedArticleSet>\n${article}\n<DeleteCitation><PMID Version="1">101</PMID><PMID Version="1">102</PMID></DeleteCitation>\n</PubmedArticleSet>\n`,
    );
    const result = await livingReview('parse', path, '--format', 'jsonl');
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout).map((line) => line.pmid)).toEqual(['35649368']);
    expect(result.stderr).toContain('deletes 2 PMID(s), not printed: 101, 102');
  });

  test('a truncated file: non-zero exit and one line naming the file and record', async () => {
    const path = join(scratch, 'truncated.xml');
    writeFileSync(path, readFixture('pubmed_xml_medlinedate_indatareview.xml').slice(0, 2000));
    const result = await livingReview('parse', path, '--format', 'jsonl');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([
      `living-review parse: ${path}: record 1 (PMID 27214671), line 5: <PubmedArticle> is not closed: the document is truncated`,
    ]);
  });

  test('other formats and a missing FILE are usage errors', async () => {
    const [csv, none, missing] = await Promise.all([
      livingReview('parse', fixturePath('efetch_pubmed_erratumin_2025.xml'), '--format', 'csv'),
      livingReview('parse'),
      livingReview('parse', join(scratch, 'missing.xml')),
    ]);
    expect(csv.code).toBe(2);
    expect(csv.stderr).toContain('--format csv is not supported');
    expect(csv.stdout).toBe('');
    expect(none.code).toBe(2);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('missing.xml: cannot read');
  });
});
