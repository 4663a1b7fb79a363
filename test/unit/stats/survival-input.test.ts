import { describe, expect, it } from 'vitest';
import { parseSurvivalRows } from '../../../shared/domain/stats/survival-input.ts';
import { loadReference } from './reference.ts';

describe('Function: parseSurvivalRows', () => {
  it('accepts the rows of every reference case, grouped or not', () => {
    const km = loadReference('ref-km-datasets.json').cases;
    for (const kase of km) expect(parseSurvivalRows(kase.input)).toEqual(kase.input);
  });

  it('names the row and the field of every problem', () => {
    expect(() =>
      parseSurvivalRows([
        { time: 1, event: 1 },
        { time: 2, event: 1 },
        { time: 3, event: 0 },
        { time: 4, event: 2 },
      ]),
    ).toThrow('rows[3].event: expected 0 or 1');
    expect(() => parseSurvivalRows([{ time: '1', event: true, group: null }])).toThrow(
      'rows[0].time: expected a finite number; rows[0].event: expected 0 or 1; rows[0].group: expected a string or a number',
    );
    expect(() => parseSurvivalRows([{ event: 1 }])).toThrow('rows[0].time: expected a finite number');
    expect(() => parseSurvivalRows([null])).toThrow('rows[0]: expected an object { time, event, group? }');
    expect(() => parseSurvivalRows({ rows: [] })).toThrow('rows: expected an array of rows');
  });

  it('requires a group on every row once one row has one', () => {
    expect(() =>
      parseSurvivalRows([
        { time: 1, event: 1, group: 'a' },
        { time: 2, event: 0 },
      ]),
    ).toThrow('rows[1].group: required because rows[0] has one');
  });

  it('lists at most ten problems', () => {
    const rows = Array.from({ length: 12 }, () => ({ time: 1, event: 5 }));
    expect(() => parseSurvivalRows(rows)).toThrow(/rows\[9\]\.event: expected 0 or 1; … and 2 more$/);
  });
});
