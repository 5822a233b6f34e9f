import { describe, expect, it } from 'vitest';

import { murmurHash3x86 } from './murmurhash3.ts';

const utf8 = (text: string) => new TextEncoder().encode(text);

describe('murmurHash3x86', () => {
  // SMHasher's VerificationTest (KeysetTest.cpp): hash the keys {}, {0}, {0,1}, ... {0..254}
  // with seed 256 - length, hash the 256 little-endian results with seed 0. SMHasher's
  // main.cpp lists 0xB0F57EE3 as the value for MurmurHash3_x86_32.
  it('matches the SMHasher verification value', () => {
    const key = new Uint8Array(256);
    const hashes = new Uint8Array(256 * 4);
    const view = new DataView(hashes.buffer);

    for (let i = 0; i < 256; i++) {
      key[i] = i;
      view.setUint32(i * 4, murmurHash3x86(key, i, 256 - i), true);
    }

    expect(murmurHash3x86(hashes, hashes.length, 0)).toBe(0xb0f57ee3);
  });

  // Expected values computed with the Python package mmh3 5.3.1, which wraps the
  // reference MurmurHash3.cpp: mmh3.hash(text.encode('utf-8'), seed, signed=False).
  it.each([
    ['', 0, 0x00000000],
    ['', 1, 0x514e28b7],
    ['', 0xffffffff, 0x81f16f39],
    ['a', 0x9747b28c, 0x7fa09ea6],
    ['2026-q1:customer-42', 0x9747b28c, 0x80d4b3c2],
    ['2026-q1:müller-7', 0x9747b28c, 0xa5d11c93],
    ['salt:顧客-🙂', 0x9747b28c, 0x64d31168],
    ['The quick brown fox jumps over the lazy dog', 0, 0x2e4ff723],
  ])('hashes %j with seed %d like the reference', (text, seed, expected) => {
    const bytes = utf8(text);

    expect(murmurHash3x86(bytes, bytes.length, seed)).toBe(expected);
  });

  it('reads only the first length bytes', () => {
    const bytes = utf8('customer-42 and trailing garbage');
    const exact = utf8('customer-42');

    expect(murmurHash3x86(bytes, exact.length, 7)).toBe(murmurHash3x86(exact, exact.length, 7));
  });
});
