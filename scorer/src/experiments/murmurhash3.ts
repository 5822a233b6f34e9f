/**
 * MurmurHash3 x86_32 by Austin Appleby (public domain, MurmurHash3.cpp in the SMHasher
 * repository). It is written here because the npm ports measured below 5 million
 * hashes per second on short keys or need a new typed-array view per call.
 * Tests pin it to SMHasher's verification value 0xB0F57EE3.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/**
 * Hashes the first `length` bytes of `key` with `seed` and returns the hash as an
 * unsigned 32-bit integer. Blocks are read little-endian, as the reference does on x86.
 */
export function murmurHash3x86(key: Uint8Array, length: number, seed: number): number {
  let hash = seed | 0;
  const blockEnd = length & ~3;

  let i = 0;
  for (; i < blockEnd; i += 4) {
    const block = key[i]! | (key[i + 1]! << 8) | (key[i + 2]! << 16) | (key[i + 3]! << 24);
    hash ^= scrambleBlock(block);
    hash = (hash << 13) | (hash >>> 19);
    hash = (Math.imul(hash, 5) + 0xe6546b64) | 0;
  }

  // The last one to three bytes, mixed like a block but without the rotation step.
  const remainder = length & 3;
  if (remainder > 0) {
    let tail = key[i]!;
    if (remainder > 1) {
      tail |= key[i + 1]! << 8;
    }
    if (remainder > 2) {
      tail |= key[i + 2]! << 16;
    }
    hash ^= scrambleBlock(tail);
  }

  hash ^= length;
  return finalMix(hash) >>> 0;
}

function scrambleBlock(block: number): number {
  let k = Math.imul(block, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

/** Applies the reference `fmix32`, so that every input bit affects every output bit. */
function finalMix(hash: number): number {
  let h = hash;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}
