// The seeded generator behind the stand-ins' synthetic corpora and the benches' records and patients: the
// numbers below were drawn from the copies it replaced, so a change to its arithmetic (which would change
// every generated corpus) fails here.
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../cli/demo/seeded-random.ts';

const draw = (random: () => number, count: number) => Array.from({ length: count }, () => random());

describe('seededRandom (mulberry32)', () => {
  it('gives the same sequence as before for the stand-ins’ default seed and the recompute bench’s seed', () => {
    expect(draw(seededRandom(1), 4)).toEqual([
      0.6270739405881613, 0.002735721180215478, 0.5274470399599522, 0.9810509674716741,
    ]);
    expect(draw(seededRandom(20240607), 4)).toEqual([
      0.12406642525456846, 0.9590097342152148, 0.5566094832029194, 0.4338171042036265,
    ]);
  });

  it('takes a seed modulo 2^32, as the fuzzy-store bench’s per-record seeds (n * 2654435761) need', () => {
    expect(draw(seededRandom(1 * 2654435761), 3)).toEqual([
      0.5464560757391155, 0.45955629041418433, 0.2470416973810643,
    ]);
    expect(draw(seededRandom(110_000 * 2654435761), 3)).toEqual([
      0.4480774477124214, 0.2091140802949667, 0.8586396591272205,
    ]);
    expect(draw(seededRandom(2 ** 32 + 7), 5)).toEqual(draw(seededRandom(7), 5));
  });

  it('stays in [0, 1) and is independent per generator', () => {
    const a = seededRandom(42);
    const values = draw(a, 1000);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(draw(seededRandom(42), 1000)).toEqual(values);
    expect(draw(seededRandom(43), 10)).not.toEqual(values.slice(0, 10));
  });
});
