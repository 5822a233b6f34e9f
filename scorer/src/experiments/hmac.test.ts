import { createHmac, randomBytes } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { Sha256Hmac } from './hmac.ts';

describe('Sha256Hmac', () => {
  // RFC 4231, test case 2: a key shorter than the block.
  it('matches the RFC 4231 test vector', () => {
    const hmac = new Sha256Hmac(Buffer.from('Jefe'));

    expect(hmac.hex('what do ya want for nothing?')).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it.each([16, 32, 64, 65, 131])('equals createHmac for a %i-byte key', (keyBytes) => {
    const key = randomBytes(keyBytes);
    const hmac = new Sha256Hmac(key);

    for (const message of ['', '7590-VHVEG', 'klient-ä-€-😀', 'x'.repeat(256), '€'.repeat(700), 'short again', 'lone \uD800 surrogate']) {
      expect(hmac.hex(message)).toBe(createHmac('sha256', key).update(message, 'utf8').digest('hex'));
    }
  });
});
