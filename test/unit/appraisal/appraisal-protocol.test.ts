import { describe, expect, it } from 'vitest';
import {
  defaultProtocolDirectory,
  loadProtocolDirectory,
  parseProtocol,
} from '../../../shared/config/load-protocols.ts';
import { toolForDesign } from '../../../shared/domain/protocol/appraisal.ts';

const protocols = loadProtocolDirectory(defaultProtocolDirectory());
const iesm = protocols.find((p) => p.id === 'iesm')!;
const breast = protocols.find((p) => p.id === 'breast-ipd')!;

function errorOf(text: unknown): string {
  try {
    parseProtocol(JSON.stringify(text), 'edited.json');
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the protocol to be refused');
}

describe('appraisal section of a protocol', () => {
  it('ships the JBI checklists and the Oxford CEBM 2011 levels for IESM', () => {
    const appraisal = iesm.appraisal!;
    expect(toolForDesign(appraisal, 'case-report')?.items).toHaveLength(8);
    expect(toolForDesign(appraisal, 'case-series')?.items).toHaveLength(10);
    expect(toolForDesign(appraisal, 'case-report')?.answers.map((a) => a.id)).toEqual([
      'yes',
      'no',
      'unclear',
      'not-applicable',
    ]);
    expect(appraisal.levels?.values.map((l) => l.id)).toEqual(['1', '2', '3', '4', '5']);
    expect(appraisal.sensitivity?.leaveOut.judgements).toEqual(['high']);
    expect(iesm.reviewers.filter((r) => r.roles.includes('appraiser')).map((r) => r.id)).toEqual([
      'pp',
      'alc',
    ]);
  });

  it('lets breast-ipd declare a different, domain-based tool', () => {
    const tool = toolForDesign(breast.appraisal!, 'randomised-trial')!;
    expect(tool.overall.rule).toBe('worst');
    expect(tool.answers.map((a) => a.id)).toEqual(['low', 'some-concerns', 'high']);
    expect(breast.appraisal!.levels).toBeUndefined();
  });

  it('names the file and the field of an answer the tool does not have', () => {
    const edited = structuredClone(iesm) as unknown as {
      appraisal: { tools: { overall: { counted: string[] } }[] };
    };
    edited.appraisal.tools[0]!.overall.counted = ['no', 'maybe'];
    const message = errorOf(edited);
    expect(message).toContain('edited.json');
    expect(message).toContain('appraisal.tools.0.overall.counted.1');
    expect(message).toContain('no answer "maybe"');
  });

  it('refuses a tool for an undeclared design, a reserved item id and a misspelt field', () => {
    const edited = structuredClone(iesm) as unknown as {
      appraisal: {
        tools: { appliesTo: string[]; items: { id: string; text: string }[] }[];
        sensitivity: unknown;
      };
    };
    edited.appraisal.tools[1]!.appliesTo = ['cohort'];
    edited.appraisal.tools[0]!.items[0]!.id = 'level';
    edited.appraisal.sensitivity = { label: 'x', leaveOut: { levelsWorseThan: '9' } };
    const message = errorOf(edited);
    expect(message).toContain('appraisal.tools.1.appliesTo.0');
    expect(message).toContain('no design "cohort"');
    expect(message).toContain('appraisal.tools.0.items.0.id');
    expect(message).toContain('appraisal.sensitivity.leaveOut.levelsWorseThan');
    const misspelt = structuredClone(iesm) as unknown as { appraisal: Record<string, unknown> };
    misspelt.appraisal.tool = [];
    expect(errorOf(misspelt)).toMatch(/appraisal.*tool/);
  });

  it('needs two appraisers', () => {
    const edited = structuredClone(iesm);
    edited.reviewers = edited.reviewers.map((r) => ({
      ...r,
      roles: r.roles.filter((role) => role !== 'appraiser'),
    }));
    edited.reviewers[0]!.roles.push('appraiser');
    expect(errorOf(edited)).toContain('at least two reviewers with the role "appraiser"');
  });
});
