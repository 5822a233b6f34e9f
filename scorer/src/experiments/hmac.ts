/**
 * HMAC-SHA256 (RFC 2104) of short messages under one fixed key, computed with two one-shot
 * `crypto.hash` calls over buffers that contain the precomputed key pads. createHmac
 * allocates a native object per call. In A/B runs of the nudge benchmark, that cost an
 * estimated 5 µs per request under load, against about 1.5 µs for these two calls
 * (Node.js 24, 2-vCPU VM). The result equals createHmac('sha256', key).update(message).digest('hex').
 */
import { hash } from 'node:crypto';

/** Block size of SHA-256 in bytes. */
const BLOCK_BYTES = 64;
const INNER_PAD_BYTE = 0x36;
const OUTER_PAD_BYTE = 0x5c;

/** Length of a SHA-256 digest in bytes. */
const DIGEST_BYTES = 32;

/** Message room allocated up front: a 256-character customer id takes at most 768 UTF-8 bytes. */
const INITIAL_MESSAGE_BYTES = 1024;

export class Sha256Hmac {
  /** The inner key pad followed by room for the message; grows for longer messages. */
  #inner: Buffer;
  /** The outer key pad followed by the inner digest. */
  readonly #outer: Buffer;

  constructor(key: Buffer) {
    // A key longer than one block is replaced by its digest, as RFC 2104 prescribes.
    const blockKey = key.length > BLOCK_BYTES ? hash('sha256', key, 'buffer') : key;
    this.#inner = Buffer.alloc(BLOCK_BYTES + INITIAL_MESSAGE_BYTES);
    padKey(blockKey, INNER_PAD_BYTE).copy(this.#inner);
    this.#outer = Buffer.alloc(BLOCK_BYTES + DIGEST_BYTES);
    padKey(blockKey, OUTER_PAD_BYTE).copy(this.#outer);
  }

  /** Returns the HMAC of the UTF-8 bytes of `message`, in lowercase hex. */
  hex(message: string): string {
    const messageBytes = Buffer.byteLength(message, 'utf8');
    if (BLOCK_BYTES + messageBytes > this.#inner.length) {
      const grown = Buffer.alloc(BLOCK_BYTES + messageBytes);
      this.#inner.copy(grown, 0, 0, BLOCK_BYTES);
      this.#inner = grown;
    }
    this.#inner.write(message, BLOCK_BYTES, 'utf8');

    const innerDigest = hash('sha256', this.#inner.subarray(0, BLOCK_BYTES + messageBytes), 'buffer');
    innerDigest.copy(this.#outer, BLOCK_BYTES);
    return hash('sha256', this.#outer, 'hex');
  }
}

function padKey(key: Buffer, padByte: number): Buffer {
  const pad = Buffer.alloc(BLOCK_BYTES, padByte);
  for (let i = 0; i < key.length; i++) {
    pad[i]! ^= key[i]!;
  }
  return pad;
}
