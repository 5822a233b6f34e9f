/**
 * The digests that the audit log writes in place of customer ids: SipHash-2-4 of the id's
 * UTF-8 bytes, written as its 8 bytes in lowercase hex (16 characters), in the byte order
 * of the reference implementation. The 128-bit SipHash key is derived from the audit key with
 * HKDF-SHA256 (RFC 5869: no salt, info DIGEST_KEY_INFO).
 *
 * SipHash is a keyed pseudorandom function designed for short inputs. Without the key, a
 * digest reveals nothing about the id, and the digest of a guessed id cannot be computed.
 * `npm run bench:digest` compares its CPU time with that of HMAC-SHA256, whose two calls
 * into native code cost more than its hashing.
 */
import { hkdfSync } from 'node:crypto';

import siphash24 from 'siphash24';

import { encodeUtf8Into, MAX_UTF8_BYTES_PER_CODE_UNIT } from './utf8.ts';

/** The HKDF info string that binds the derived key to this use of the audit key. */
export const DIGEST_KEY_INFO = 'engagetrack customer digest';

const SIPHASH_KEY_BYTES = 16;
const SIPHASH_OUTPUT_BYTES = 8;

/** Message room allocated up front: a 256-character customer id takes at most 768 UTF-8 bytes. */
const INITIAL_MESSAGE_BYTES = 1024;

const HEX_DIGITS = '0123456789abcdef';
/** Character codes of the first and the second hex digit of each byte value. */
const FIRST_DIGIT = Uint8Array.from({ length: 256 }, (_, byte) => HEX_DIGITS.charCodeAt(byte >> 4));
const SECOND_DIGIT = Uint8Array.from({ length: 256 }, (_, byte) => HEX_DIGITS.charCodeAt(byte & 0xf));

/** Returns the SipHash key of the customer digests under `auditKey`. */
export function deriveDigestKey(auditKey: Uint8Array): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', auditKey, new Uint8Array(0), DIGEST_KEY_INFO, SIPHASH_KEY_BYTES));
}

/** SipHash-2-4 under one key, with message and output buffers reused from call to call. */
export class KeyedDigest {
  readonly #key: Uint8Array;
  readonly #output = new Uint8Array(SIPHASH_OUTPUT_BYTES);
  #message = new Uint8Array(INITIAL_MESSAGE_BYTES);
  /** Views of #message by length in bytes, so that hashing one allocates no view. */
  #messageViews: Uint8Array[] = [];

  /** `sipHashKey` is the 16-byte key, such as deriveDigestKey returns. */
  constructor(sipHashKey: Uint8Array) {
    if (sipHashKey.length !== SIPHASH_KEY_BYTES) {
      throw new RangeError(`a SipHash key has ${SIPHASH_KEY_BYTES} bytes, not ${sipHashKey.length}`);
    }
    this.#key = Uint8Array.from(sipHashKey);
  }

  /** Returns the digest of the UTF-8 bytes of `text` in lowercase hex. */
  hex(text: string): string {
    const maxBytes = text.length * MAX_UTF8_BYTES_PER_CODE_UNIT;
    if (maxBytes > this.#message.length) {
      this.#message = new Uint8Array(maxBytes);
      this.#messageViews = [];
    }
    const messageBytes = encodeUtf8Into(text, this.#message, 0);

    const output = siphash24(this.#messageView(messageBytes), this.#key, this.#output, true);
    return hexOf(output);
  }

  #messageView(messageBytes: number): Uint8Array {
    let view = this.#messageViews[messageBytes];
    if (view === undefined) {
      view = this.#message.subarray(0, messageBytes);
      this.#messageViews[messageBytes] = view;
    }
    return view;
  }
}

/**
 * Returns the 8 bytes of `output` in hex as one flat string. Two digits appended at a time
 * build a rope, which the log line's serialization flattens again (see bench:digest).
 */
function hexOf(output: Uint8Array): string {
  const b0 = output[0]!, b1 = output[1]!, b2 = output[2]!, b3 = output[3]!;
  const b4 = output[4]!, b5 = output[5]!, b6 = output[6]!, b7 = output[7]!;
  return String.fromCharCode(
    FIRST_DIGIT[b0]!, SECOND_DIGIT[b0]!, FIRST_DIGIT[b1]!, SECOND_DIGIT[b1]!,
    FIRST_DIGIT[b2]!, SECOND_DIGIT[b2]!, FIRST_DIGIT[b3]!, SECOND_DIGIT[b3]!,
    FIRST_DIGIT[b4]!, SECOND_DIGIT[b4]!, FIRST_DIGIT[b5]!, SECOND_DIGIT[b5]!,
    FIRST_DIGIT[b6]!, SECOND_DIGIT[b6]!, FIRST_DIGIT[b7]!, SECOND_DIGIT[b7]!,
  );
}
