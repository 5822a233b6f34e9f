/**
 * HMAC-SHA256 (RFC 2104) of short messages under one fixed key, computed with two one-shot
 * `crypto.hash` calls over buffers that contain the precomputed key pads. createHmac
 * allocates a native object per call, which cost an estimated 5 µs per nudge under load.
 * These two calls take about 0.65 µs for a 10-character message (Node.js 24, 2-vCPU VM).
 * They allocate nothing but the two digest strings. The message and the inner digest,
 * which comes back as a 'binary' (latin1) string of one character per byte, are copied
 * into the buffers in JavaScript, because each Buffer.write is one more call into C++.
 * The result equals createHmac('sha256', key).update(message).digest('hex').
 */
import { hash } from 'node:crypto';

import { encodeUtf8Into, MAX_UTF8_BYTES_PER_CODE_UNIT } from './utf8.ts';

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
  /** Views of #inner by message length in bytes, so that hashing one allocates no view. */
  #innerViews: Buffer[] = [];

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
    const maxLength = BLOCK_BYTES + message.length * MAX_UTF8_BYTES_PER_CODE_UNIT;
    if (maxLength > this.#inner.length) {
      this.#grow(maxLength);
    }
    const messageBytes = encodeUtf8Into(message, this.#inner, BLOCK_BYTES) - BLOCK_BYTES;

    const innerDigest = hash('sha256', this.#innerView(messageBytes), 'binary');
    for (let i = 0; i < DIGEST_BYTES; i++) {
      this.#outer[BLOCK_BYTES + i] = innerDigest.charCodeAt(i);
    }
    return hash('sha256', this.#outer, 'hex');
  }

  #innerView(messageBytes: number): Buffer {
    let view = this.#innerViews[messageBytes];
    if (view === undefined) {
      view = this.#inner.subarray(0, BLOCK_BYTES + messageBytes);
      this.#innerViews[messageBytes] = view;
    }
    return view;
  }

  #grow(minLength: number): void {
    const grown = Buffer.alloc(minLength);
    this.#inner.copy(grown, 0, 0, BLOCK_BYTES);
    this.#inner = grown;
    this.#innerViews = [];
  }
}

function padKey(key: Buffer, padByte: number): Buffer {
  const pad = Buffer.alloc(BLOCK_BYTES, padByte);
  for (let i = 0; i < key.length; i++) {
    pad[i]! ^= key[i]!;
  }
  return pad;
}
