// mulberry32: a small seeded generator, so a seed always gives the same numbers. The stand-ins' synthetic
// corpora and the benches' generated records and patients draw from it; tests and benches rely on one seed
// giving the same sequence in every run, so the arithmetic below must not change.

/** Numbers in [0, 1), the same sequence for the same seed (taken modulo 2^32). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
