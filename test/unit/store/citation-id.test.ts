import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CITATION_ID_PATTERN, citationId, sha256Hex } from '../../../shared/domain/citation/citation-id.ts';
import type { CitationKey } from '../../../shared/domain/citation/citation-keys.ts';

const nodeSha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('sha256Hex', () => {
  it('gives the FIPS 180-4 answers for "", "abc" and the two-block message', () => {
    const utf8 = (text: string) => new TextEncoder().encode(text);
    expect(sha256Hex(utf8(''))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex(utf8('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex(utf8('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
  });

  it('agrees with node:crypto at every padding boundary (0 to 200 bytes)', () => {
    for (let length = 0; length <= 200; length++) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 31 + length) % 256);
      expect(sha256Hex(bytes), `length ${length}`).toBe(nodeSha256(bytes));
    }
  });

  it('agrees with node:crypto on any byte string', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1000 }), (bytes) => sha256Hex(bytes) === nodeSha256(bytes)),
      { numRuns: 300 },
    );
  });
});

describe('citationId', () => {
  it('is "c" and the first 20 hex digits of SHA-256 of the key', () => {
    const key: CitationKey = 'doi:10.1000/xyz';
    expect(citationId(key)).toBe(`c${nodeSha256(new TextEncoder().encode(key)).slice(0, 20)}`);
    expect(citationId(key)).toMatch(CITATION_ID_PATTERN);
  });

  it('hashes the UTF-8 of a title key with non-ASCII letters', () => {
    const key: CitationKey = 'title:étude randomisée|2021|müller';
    expect(citationId(key)).toBe(`c${createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 20)}`);
  });

  it('is the same for the same key and differs between keys', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (a, b) => {
        const keyA = `pmid:${a}` as CitationKey;
        const keyB = `pmid:${b}` as CitationKey;
        expect(citationId(keyA)).toBe(citationId(keyA));
        if (a !== b) expect(citationId(keyA)).not.toBe(citationId(keyB));
      }),
    );
  });
});
