import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  defaultProtocolDirectory,
  loadProtocolDirectory,
  loadProtocolFile,
  parseProtocol,
} from '../../../shared/config/load-protocols.ts';
import { cachedProtocols, protocolFiles } from '../../../shared/config/protocol-files.ts';
import { sourceQuery } from '../../../shared/domain/protocol/plan.ts';
import { MAX_QUERY_LENGTH } from '../../../shared/domain/protocol/protocol.ts';
import { ProtocolError } from '../../../shared/errors.ts';

function errorOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

describe('protocol files', () => {
  it('ships the IESM review as a valid protocol with the published query and search date', () => {
    const iesm = loadProtocolDirectory(defaultProtocolDirectory()).find((p) => p.id === 'iesm');
    expect(iesm?.id).toBe('iesm');
    expect(sourceQuery(iesm!, 'pubmed')).toBe(
      '(intradural extramedullary) AND (spinal OR spine OR cauda equina) AND (metastases OR metastasis)',
    );
    expect(iesm?.monitoringStart).toBe('2022-05-27');
    expect(iesm?.reviewers.filter((r) => r.roles.includes('screener'))).toHaveLength(2);
    expect(iesm?.exclusionReasons.map((r) => r.id)).toContain('neurogenic-primary');
    expect(iesm?.schedule.overlapDays).toBe(3);
    expect(iesm?.triggerBaseline).toEqual({ patients: 130, studies: 51 });
  });

  it('checks a trigger baseline: whole counts, no other keys, named by field', () => {
    const iesm = loadProtocolDirectory(defaultProtocolDirectory()).find((p) => p.id === 'iesm');
    const text = JSON.stringify({ ...iesm, triggerBaseline: { patients: -1, studyCount: 51 } });
    let message = '';
    try {
      parseProtocol(text, 'iesm.json');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('triggerBaseline.patients');
    expect(message).toMatch(/studyCount/);
    const { triggerBaseline: _, ...withoutBaseline } = iesm!;
    expect(parseProtocol(JSON.stringify(withoutBaseline), 'iesm.json').triggerBaseline).toBeUndefined();
  });

  it('names the file and every invalid field', () => {
    const text = 'id: Bad Id\ntitle: x\nquery: q\nsources: []\nmonitoringStart: 27/05/2022\n';
    let error: unknown;
    try {
      parseProtocol(text, 'reviews/bad.yaml');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ProtocolError);
    const message = (error as Error).message;
    expect(message).toMatch(/^reviews\/bad\.yaml: invalid protocol/);
    expect(message).toContain('id: expected lower-case letters');
    expect(message).toContain('monitoringStart: expected a date as YYYY-MM-DD');
    expect(message).toContain('sources:');
    expect(message).toContain('schedule:');
  });

  it('rejects a protocol with fewer than two screeners or an exclusion reason naming no criterion', () => {
    const base = loadProtocolFile(join(defaultProtocolDirectory(), 'iesm.yaml'));
    const broken = {
      ...base,
      reviewers: [{ id: 'solo', name: 'Solo', roles: ['screener', 'arbiter'] }],
      exclusionReasons: [{ id: 'x', label: 'X', criterion: 'nope' }],
    };
    expect(() => parseProtocol(JSON.stringify(broken), 'p.json')).toThrow(
      /reviewers: dual screening needs at least two screeners[\s\S]*exclusionReasons\.0\.criterion: no exclusion criterion "nope"/,
    );
  });

  it('refuses two files that claim the same review id', () => {
    const dir = mkdtempSync(join(tmpdir(), 'protocols-'));
    const text = JSON.stringify(loadProtocolFile(join(defaultProtocolDirectory(), 'iesm.yaml')));
    writeFileSync(join(dir, 'a.json'), text);
    writeFileSync(join(dir, 'b.json'), text);
    expect(() => loadProtocolDirectory(dir)).toThrow(/b\.json: review id "iesm" is also used by .*a\.json/);
  });

  it('reports unreadable YAML with the file name', () => {
    expect(() => parseProtocol('id: [unclosed', 'x.yaml')).toThrow(/^x\.yaml: not valid YAML/);
  });

  it('names an unknown field as an error, at any depth: a typo never passes silently', () => {
    const text = readFileSync(join(defaultProtocolDirectory(), 'iesm.yaml'), 'utf8');
    const message = errorOf(() =>
      parseProtocol(
        text
          .replace('updateTriggers:', 'updateTrigers:')
          .replace('  overlapDays: 3', '  overlapDays: 3\n  overlapDayz: 4')
          .replace('  sendWhenEmpty: false', '  sendWhenEmpty: false\n  __proto__: { polluted: true }'),
        'iesm.yaml',
      ),
    );
    expect(message).toContain('  updateTrigers: unknown field (not part of the protocol format: a typo?)');
    expect(message).toContain('  schedule.overlapDayz: unknown field');
    expect(message).toContain('  digest.__proto__: unknown field');
    expect(message).not.toContain('[object Object]');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('caps the query at what a search strategy needs, naming the field', () => {
    const base = loadProtocolFile(join(defaultProtocolDirectory(), 'iesm.yaml'));
    const long = { ...base, query: 'a'.repeat(1_300_000) };
    expect(errorOf(() => parseProtocol(JSON.stringify(long), 'p.json'))).toContain(
      `query: expected a query of at most ${MAX_QUERY_LENGTH.toLocaleString('en')} characters`,
    );
    const source = { ...base, sources: [{ name: 'pubmed', query: 'b'.repeat(MAX_QUERY_LENGTH + 1) }] };
    expect(errorOf(() => parseProtocol(JSON.stringify(source), 'p.json'))).toContain('sources.0.query:');
    expect(
      parseProtocol(JSON.stringify({ ...base, query: 'c'.repeat(MAX_QUERY_LENGTH) }), 'p.json').query,
    ).toHaveLength(MAX_QUERY_LENGTH);
  });

  it('ships the breast-ipd review: a second review with its own variables, tables and endpoints', () => {
    const breast = loadProtocolDirectory(defaultProtocolDirectory()).find((p) => p.id === 'breast-ipd')!;
    expect(breast.extraction!.variables.map((v) => v.name)).toEqual([
      'age_years',
      'menopausal_status',
      'tumour_size',
      'grade',
      'positive_nodes',
      'pgr_fmol',
      'er_fmol',
      'hormone_therapy',
      'chemotherapy',
      'rfs_months',
      'rfs_event',
      'os_months',
      'os_event',
    ]);
    expect(breast.survival!.endpoints.map((e) => e.id)).toEqual(['rfs_overall', 'os_overall']);
    expect(breast.survival!.comparisons.map((c) => c.id)).toEqual([
      'rfs_by_hormone_therapy',
      'rfs_by_study',
      'rfs_by_tumour_size',
    ]);
  });
});

describe('the cache of validated protocols (the bundled CLI keeps one beside itself)', () => {
  const iesmFile = join(defaultProtocolDirectory(), 'iesm.yaml');

  it('gives back exactly what validation returns, and reads it from the cache the next time', () => {
    const cacheDir = join(mkdtempSync(join(tmpdir(), 'protocol-cache-')), 'cache');
    try {
      const validated = loadProtocolFile(iesmFile);
      expect(loadProtocolFile(iesmFile, { cacheDir })).toEqual(validated);
      const [entry, ...others] = readdirSync(cacheDir);
      expect(others).toEqual([]);
      expect(JSON.parse(readFileSync(join(cacheDir, entry!), 'utf8'))).toEqual(validated);
      // The next load takes the entry as it is (no parse, no validation): an entry that says otherwise shows it.
      writeFileSync(join(cacheDir, entry!), JSON.stringify({ ...validated, title: 'from the cache' }));
      expect(loadProtocolFile(iesmFile, { cacheDir }).title).toBe('from the cache');
      expect(loadProtocolFile(iesmFile).title).toBe(validated.title);
    } finally {
      rmSync(join(cacheDir, '..'), { recursive: true, force: true });
    }
  });

  it('keys entries by the exact text and format: an edit is validated afresh, an invalid file never cached', () => {
    const dir = mkdtempSync(join(tmpdir(), 'protocol-cache-'));
    const cacheDir = join(dir, 'cache');
    try {
      const text = readFileSync(iesmFile, 'utf8');
      const file = join(dir, 'review.yaml');
      writeFileSync(file, text);
      loadProtocolFile(file, { cacheDir });
      writeFileSync(file, text.replace(/^title: .*$/m, 'title: Edited title'));
      expect(loadProtocolFile(file, { cacheDir }).title).toBe('Edited title');
      expect(readdirSync(cacheDir)).toHaveLength(2);
      writeFileSync(file, `${text}\nnoSuchField: 1\n`);
      const first = errorOf(() => loadProtocolFile(file, { cacheDir }));
      expect(first).toMatch(/review\.yaml: invalid protocol/);
      expect(errorOf(() => loadProtocolFile(file, { cacheDir }))).toBe(first);
      expect(readdirSync(cacheDir)).toHaveLength(2);
      // The same protocol as JSON is another entry: JSON text is parsed as JSON, not as YAML.
      const json = join(dir, 'review.json');
      writeFileSync(json, JSON.stringify(loadProtocolFile(iesmFile)));
      expect(loadProtocolFile(json, { cacheDir })).toEqual(loadProtocolFile(iesmFile));
      expect(readdirSync(cacheDir)).toHaveLength(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('still loads when the cache cannot be written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'protocol-cache-'));
    try {
      const blocked = join(dir, 'a-file');
      writeFileSync(blocked, '');
      expect(loadProtocolFile(iesmFile, { cacheDir: join(blocked, 'cache') }).id).toBe('iesm');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the cached protocols the bundled CLI reads without the parser (protocol-files.ts)', () => {
  const directory = defaultProtocolDirectory();
  const files = protocolFiles(directory).map((name) => join(directory, name));

  it('gives back what the loader validated when every file is cached, else null', () => {
    const cacheDir = join(mkdtempSync(join(tmpdir(), 'protocol-cache-')), 'cache');
    try {
      expect(files.length).toBeGreaterThan(1);
      expect(cachedProtocols(files, cacheDir)).toBeNull();
      loadProtocolFile(files[0]!, { cacheDir });
      // One file cached, the others not: the caller must load (and validate) them.
      expect(cachedProtocols(files, cacheDir)).toBeNull();
      expect(cachedProtocols([files[0]!], cacheDir)).toEqual([loadProtocolFile(files[0]!)]);
      const validated = loadProtocolDirectory(directory, { cacheDir });
      expect(cachedProtocols(files, cacheDir)).toEqual(validated);
      expect(validated).toEqual(loadProtocolDirectory(directory));
      // A file that cannot be read, or two files of one review: null, so the loader names the problem.
      expect(cachedProtocols([...files, join(directory, 'no-such.yaml')], cacheDir)).toBeNull();
      expect(cachedProtocols([files[0]!, files[0]!], cacheDir)).toBeNull();
    } finally {
      rmSync(join(cacheDir, '..'), { recursive: true, force: true });
    }
  });
});

describe('protocol analysis sections: every name they use must be declared', () => {
  const base = loadProtocolFile(join(defaultProtocolDirectory(), 'breast-ipd.yaml'));
  // biome-ignore lint/suspicious/noExplicitAny: a test that breaks a parsed protocol in chosen places
  const broken = (patch: (p: Record<string, any>) => void): string => {
    const copy = JSON.parse(JSON.stringify(base));
    patch(copy);
    return errorOf(() => parseProtocol(JSON.stringify(copy), 'breast.json'));
  };

  it('names a table row over an undeclared variable or level, and a median of a non-number', () => {
    const message = broken((p) => {
      p.tables[0].sections[1].rows[0].variable = 'agee';
      p.tables[0].sections[1].rows[1].levels[0].level = 'peri';
      p.tables[0].sections[1].rows.push({ kind: 'median-range', variable: 'grade', label: 'x' });
    });
    expect(message).toMatch(/^breast\.json: invalid protocol/);
    expect(message).toContain(
      'tables.0.sections.1.rows.0.variable: no variable "agee" (declared: age_years, ',
    );
    expect(message).toContain(
      'tables.0.sections.1.rows.1.levels.0.level: menopausal_status has no level "peri" (levels: pre, post)',
    );
    expect(message).toContain(
      'tables.0.sections.1.rows.7.variable: median (range) needs a number, and grade is categorical',
    );
  });

  it('names an endpoint over the wrong kind of variable and a comparison of an unknown endpoint', () => {
    const message = broken((p) => {
      p.survival.endpoints[0].time = 'grade';
      p.survival.endpoints[1].event = 'os_months';
      p.survival.comparisons[0].endpoint = 'dfs';
      p.survival.comparisons[1].by = 'er_fmol';
      p.survival.comparisons[2].id = 'os_overall';
    });
    expect(message).toContain(
      'survival.endpoints.0.time: a time must be a number or integer variable, and grade is categorical',
    );
    expect(message).toContain(
      'survival.endpoints.1.event: an event must be an event (0/1) or yes-no variable, and os_months is number',
    );
    expect(message).toContain(
      'survival.comparisons.0.endpoint: no endpoint "dfs" (declared: rfs_overall, os_overall)',
    );
    expect(message).toContain(
      'survival.comparisons.1.by: compare by a categorical, yes-no, event, integer or text variable',
    );
    expect(message).toContain('survival.comparisons.2.id: "os_overall" is also survival.endpoints');
  });

  it('names a rule over an undeclared variable, a wrong level, and triggers naming nothing declared', () => {
    const message = broken((p) => {
      p.extraction.rules[0].must[0].variable = 'rfs_time';
      p.extraction.rules[3].must[0].isNot = 7;
      p.updateTriggers = [
        { kind: 'km-median-shift', endpoint: 'dfs', moreThan: 1 },
        { kind: 'proportion-shift', variable: 'grade', level: '4', percentagePoints: 1 },
      ];
    });
    expect(message).toContain('extraction.rules.0.must.0.variable: no variable "rfs_time"');
    expect(message).toContain('extraction.rules.3.must.0.isNot.0: rfs_event has no level "7" (levels: 0, 1)');
    expect(message).toContain(
      'updateTriggers.0.endpoint: no endpoint "dfs" (declared: rfs_overall, os_overall)',
    );
    expect(message).toContain('updateTriggers.1.level: grade has no level "4" (levels: 1, 2, 3)');
  });

  it('names bad variable declarations: reserved names, duplicate levels, an unknown type', () => {
    const message = broken((p) => {
      p.extraction.variables[0].name = 'patient_id';
      p.extraction.variables[1].levels = ['pre', 'PRE'];
      p.extraction.variables[2].type = 'factor';
    });
    expect(message).toContain("extraction.variables.0.name: is reserved for the row's ids");
    expect(message).toContain('extraction.variables.1.levels.1: level "PRE" is declared twice');
    expect(message).toContain(
      'extraction.variables.2.type: expected type: number, integer, categorical, multi-categorical, yes-no, event, date or text',
    );
    // The cross-checks run once every field is well formed.
    expect(broken((p) => p.extraction.variables.push({ ...p.extraction.variables[4] }))).toContain(
      'extraction.variables.13.name: variable "positive_nodes" is declared twice',
    );
  });

  it('needs the extraction variables for tables and endpoints', () => {
    expect(broken((p) => delete p.extraction)).toContain(
      'extraction: tables and survival endpoints need the extraction variables they are computed from',
    );
  });
});
