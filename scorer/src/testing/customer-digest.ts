/** Expected audit digests for tests, computed with Buffer's UTF-8 and hex codecs rather than the scorer's own. */
import { hkdfSync } from 'node:crypto';

import siphash24 from 'siphash24';

import { DIGEST_KEY_INFO } from '../experiments/keyed-digest.ts';

/** Returns the audit log's digest of `customerId` under `auditKey`. */
export function customerDigestOf(auditKey: Uint8Array, customerId: string): string {
  const sipHashKey = new Uint8Array(hkdfSync('sha256', auditKey, new Uint8Array(0), DIGEST_KEY_INFO, 16));
  return Buffer.from(siphash24(Buffer.from(customerId, 'utf8'), sipHashKey)).toString('hex');
}
