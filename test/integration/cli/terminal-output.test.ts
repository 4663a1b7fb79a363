// Terminal escape injection (issue #16 item 7): record text reaches the terminal through every command that
// prints it, and a title holding ESC[2J (clear the screen), an OSC title change or a C1 CSI must not act on
// the reader's terminal. The real `living-review` binary in child processes: human-readable output shows each
// control character as "?", JSON output escapes it (lossless: parsing it gives the record's own text back),
// and error messages on stderr are made safe the same way.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLivingReview } from '../../support/cli-binary.ts';
import { makeTempDataDir, removeDataDir } from '../../support/store-fixtures.ts';

/** Control characters a terminal acts on: C0 but tab and newline, DEL, C1. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

const EVIL_TITLE = 'Evil \u001b[2J\u001b]0;pwned\u0007 title \u009b31m in red \u007f end';
const EVIL_AUTHOR = 'Smith\u001b[8m, J';

let dataDir: string;
let files: string;

const livingReview = (args: string[]) => runLivingReview(args, { ...process.env });

beforeAll(async () => {
  dataDir = makeTempDataDir('terminal');
  files = join(dataDir, 'files');
  mkdirSync(files, { recursive: true });
  writeFileSync(
    join(files, 'evil.ris'),
    `TY  - JOUR\nTI  - ${EVIL_TITLE}\nAU  - ${EVIL_AUTHOR}\nPY  - 2020\nJO  - J \u001b[5mSpine\nER  - \n`,
  );
  const imported = await livingReview([
    'import',
    join(files, 'evil.ris'),
    '--review',
    'iesm',
    '--source',
    'embase',
    '--query',
    'q \u001b[2J',
    '--data',
    dataDir,
  ]);
  expect(imported.stderr).not.toMatch(CONTROL);
  expect(imported.stdout).not.toMatch(CONTROL);
  expect(imported.code).toBe(0);
});

afterAll(async () => {
  if (dataDir) await removeDataDir(dataDir);
});

describe('record text printed by the CLI', () => {
  it('queue (table): every control character shows as "?"', async () => {
    const queue = await livingReview(['queue', '--review', 'iesm', '--data', dataDir]);
    expect(queue.code).toBe(0);
    expect(queue.stdout).not.toMatch(CONTROL);
    expect(queue.stdout).toContain('Evil ?[2J?]0;pwned? title ?31m in red ? end');
  });

  it('queue --format json: no raw control character, and the title parses back unchanged', async () => {
    const queue = await livingReview(['queue', '--review', 'iesm', '--format', 'json', '--data', dataDir]);
    expect(queue.code).toBe(0);
    expect(queue.stdout).not.toMatch(CONTROL);
    const entries = JSON.parse(queue.stdout) as { title: string }[];
    expect(entries.map((e) => e.title)).toEqual([EVIL_TITLE]);
  });

  it('runs (text and json): the query as given is shown safely', async () => {
    const text = await livingReview(['runs', '--review', 'iesm', '--data', dataDir]);
    expect(text.code).toBe(0);
    expect(text.stdout).not.toMatch(CONTROL);
    const json = await livingReview(['runs', '--review', 'iesm', '--format', 'json', '--data', dataDir]);
    expect(json.stdout).not.toMatch(CONTROL);
    expect((JSON.parse(json.stdout) as { query: string }[])[0]?.query).toBe('q \u001b[2J');
  });

  it('parse --format jsonl: C1 characters that XML allows are escaped, not printed raw', async () => {
    const xml = `<?xml version="1.0"?>\n<PubmedArticleSet><PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">123</PMID><Article PubModel="Print"><Journal><JournalIssue><PubDate><Year>2024</Year></PubDate></JournalIssue><Title>J</Title></Journal><ArticleTitle>CSI \u009b2J and &#x9B;31m here</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>\n`;
    writeFileSync(join(files, 'c1.xml'), xml);
    const parsed = await livingReview(['parse', join(files, 'c1.xml')]);
    expect(parsed.code).toBe(0);
    expect(parsed.stdout).not.toMatch(CONTROL);
    expect((JSON.parse(parsed.stdout) as { title: string }).title).toBe('CSI \u009b2J and \u009b31m here');
  });

  it('error messages quoting input are made safe on stderr too', async () => {
    const failed = await livingReview(['queue', '--review', 'x\u001b[2J', '--data', dataDir]);
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toContain('x?[2J');
    expect(failed.stderr).not.toMatch(CONTROL);
  });
});
