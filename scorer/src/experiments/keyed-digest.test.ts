import { describe, expect, it } from 'vitest';

import { customerDigestOf } from '../testing/customer-digest.ts';
import { deriveDigestKey, KeyedDigest } from './keyed-digest.ts';

/** Returns the `length` bytes 0, 1, 2, ... as a latin1 string, whose UTF-8 bytes are the same for values below 0x80. */
function bytesUpTo(length: number): string {
  return String.fromCharCode(...Array.from({ length }, (_, byte) => byte));
}

describe('KeyedDigest', () => {
  // Key 00 01 ... 0f and message 00 01 ... of each length, with digests from the siphash24
  // package of PyPI (a C implementation).
  it.each([
    [0, '310e0edd47db6f72'],
    [1, 'fd67dc93c539f874'],
    [7, '37d1018bf50002ab'],
    [8, '6224939a79f5f593'],
    [15, 'e545be4961ca29a1'],
    [63, '724506eb4c328a95'],
  ])('matches the SipHash-2-4 test vector for %i bytes', (length, expected) => {
    const digest = new KeyedDigest(Uint8Array.from(bytesUpTo(16), (character) => character.charCodeAt(0)));

    expect(digest.hex(bytesUpTo(length))).toBe(expected);
  });

  it('rejects a key that is not 16 bytes', () => {
    expect(() => new KeyedDigest(new Uint8Array(32))).toThrow('a SipHash key has 16 bytes, not 32');
  });

  it('hashes ids of any length in turn', () => {
    const auditKey = Buffer.from('0123456789abcdef0123456789abcdef');
    const digest = new KeyedDigest(deriveDigestKey(auditKey));

    for (const id of ['7590-VHVEG', 'klient-ä-€-😀', 'lone \uD800 surrogate', 'x'.repeat(256), '€'.repeat(700), 'short again', '']) {
      expect(digest.hex(id)).toBe(customerDigestOf(auditKey, id));
    }
  });
});

describe('deriveDigestKey', () => {
  // Computed with Python's hmac module (HKDF by hand) and the siphash24 package from PyPI,
  // as the audit log section of docs/experiments.md shows.
  it('matches the documented Python recipe', () => {
    const auditKey = Buffer.from('an audit key of enough bytes, 0123456789');
    const key = deriveDigestKey(auditKey);
    const digest = new KeyedDigest(key);

    expect(Buffer.from(key).toString('hex')).toBe('a537de5533feba7ad7a0861615b97c2b');
    expect(digest.hex('7590-VHVEG')).toBe('1bf0d45924c75957');
    expect(digest.hex('klient-ä-€-😀')).toBe('8bdfc85015185dd6');
  });
});
