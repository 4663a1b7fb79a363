import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  defaultProtocolDirectory,
  loadProtocolDirectory,
  loadProtocolFile,
  parseProtocol,
} from '../../../shared/config/load-protocols.ts';
import { sourceQuery } from '../../../shared/domain/protocol/protocol.ts';
import { ProtocolError } from '../../../shared/errors.ts';

describe('protocol files', () => {
  it('ships the IESM review as a valid protocol with the published query and search date', () => {
    const [iesm] = loadProtocolDirectory(defaultProtocolDirectory());
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
    const [iesm] = loadProtocolDirectory(defaultProtocolDirectory());
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
});
