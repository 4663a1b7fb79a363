import { describe, expect, it } from 'vitest';
import { cohensKappa } from '../../../shared/domain/screening/kappa.ts';

function repeat<T>(pair: readonly [T, T], times: number): Array<readonly [T, T]> {
  return Array.from({ length: times }, () => pair);
}

describe('Function: cohensKappa', () => {
  it('matches the hand-computed 2x2 example: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no -> 0.4', () => {
    // po = 35/50 = 0.7; A says yes 25/50, B 30/50; pe = 0.5*0.6 + 0.5*0.4 = 0.5; kappa = 0.2/0.5 = 0.4
    const result = cohensKappa([
      ...repeat(['yes', 'yes'], 20),
      ...repeat(['yes', 'no'], 5),
      ...repeat(['no', 'yes'], 10),
      ...repeat(['no', 'no'], 15),
    ]);
    expect(result.n).toBe(50);
    expect(result.observedAgreement).toBeCloseTo(0.7, 12);
    expect(result.expectedAgreement).toBeCloseTo(0.5, 12);
    expect(result.kappa).toBeCloseTo(0.4, 12);
  });

  it('matches the hand-computed three-category screening example -> 4/9', () => {
    // A: include 5, exclude 4, maybe 1; B: include 6, exclude 4, maybe 0. Agreements 4 + 3 = 7 of 10.
    // pe = 0.5*0.6 + 0.4*0.4 + 0.1*0 = 0.46; kappa = (0.7 - 0.46) / 0.54 = 0.24 / 0.54 = 4/9
    const result = cohensKappa([
      ...repeat(['include', 'include'], 4),
      ...repeat(['exclude', 'exclude'], 3),
      ['include', 'exclude'],
      ['exclude', 'include'],
      ['maybe', 'include'],
    ]);
    expect(result.expectedAgreement).toBeCloseTo(0.46, 12);
    expect(result.kappa).toBeCloseTo(4 / 9, 12);
  });

  it('is 1 for perfect agreement over two categories and -1 for systematic disagreement', () => {
    expect(
      cohensKappa([
        ['a', 'a'],
        ['b', 'b'],
        ['a', 'a'],
      ]).kappa,
    ).toBeCloseTo(1, 12);
    expect(
      cohensKappa([
        ['a', 'b'],
        ['b', 'a'],
        ['a', 'b'],
        ['b', 'a'],
      ]).kappa,
    ).toBeCloseTo(-1, 12);
  });

  it('is 0 when agreement is exactly what chance gives', () => {
    // A: a 2, b 2; B: a 2, b 2; po = 2/4 = 0.5 = pe
    expect(
      cohensKappa([
        ['a', 'a'],
        ['a', 'b'],
        ['b', 'a'],
        ['b', 'b'],
      ]).kappa,
    ).toBeCloseTo(0, 12);
  });

  it('is undefined (null) with no items, or when both raters used one category only', () => {
    expect(cohensKappa([]).kappa).toBeNull();
    expect(
      cohensKappa([
        ['include', 'include'],
        ['include', 'include'],
      ]).kappa,
    ).toBeNull();
  });
});
