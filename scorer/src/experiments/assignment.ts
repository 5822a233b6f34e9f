/**
 * Variant assignment: MurmurHash3 x86_32 with seed ASSIGNMENT_SEED over the UTF-8 bytes
 * of `${salt}:${customerId}`, scaled to one of 10,000 buckets, then looked up in the
 * experiment's bucket layout. Every replica computes the same variant for a customer,
 * with no shared state.
 */

import type { ExperimentConfig, Variant } from './config.ts';
import { BUCKET_COUNT } from './layout.ts';
import { murmurHash3x86 } from './murmurhash3.ts';
import { encodeUtf8Into, MAX_UTF8_BYTES_PER_CODE_UNIT } from './utf8.ts';

/**
 * Seed of the assignment hash. A hash that decides something else about a customer,
 * such as eligibility or a traffic share, must use another seed: with the same hash,
 * the customers it selects would be exactly those in certain buckets, and so in certain
 * variants.
 */
export const ASSIGNMENT_SEED = 0;

const TWO_POW_32 = 0x1_0000_0000;

/** Room for customer ids of up to 256 UTF-16 code units before the buffer has to grow. */
const INITIAL_ID_CAPACITY = 256 * MAX_UTF8_BYTES_PER_CODE_UNIT;

/** Returns the variant of `customerId`. Pure: the same inputs always give the same variant. */
export function assignVariant(experiment: ExperimentConfig, customerId: string): Variant {
  const bucket = experiment.bucketHasher.bucketOf(customerId);
  const variantIndex = experiment.layout.variantIndexByBucket[bucket]!;
  return experiment.variants[variantIndex]!;
}

/**
 * Maps customer ids to buckets for one salt. It keeps the hash input in a buffer that
 * starts with the bytes of `${salt}:`, so a call encodes only the id and allocates
 * nothing. Safe to share because bucketOf is synchronous.
 */
export class BucketHasher {
  readonly #prefixLength: number;
  #key: Uint8Array;

  constructor(salt: string) {
    const prefix = new TextEncoder().encode(`${salt}:`);
    this.#prefixLength = prefix.length;
    this.#key = new Uint8Array(prefix.length + INITIAL_ID_CAPACITY);
    this.#key.set(prefix);
  }

  /**
   * Returns the bucket of `customerId`, 0 to 9,999. The hash is scaled as
   * floor(hash * 10000 / 2^32), which is exact in double precision because the product
   * stays below 2^46.
   */
  bucketOf(customerId: string): number {
    const maxLength = this.#prefixLength + customerId.length * MAX_UTF8_BYTES_PER_CODE_UNIT;
    if (maxLength > this.#key.length) {
      this.#grow(maxLength);
    }

    const length = encodeUtf8Into(customerId, this.#key, this.#prefixLength);
    const hash = murmurHash3x86(this.#key, length, ASSIGNMENT_SEED);
    return Math.floor((hash * BUCKET_COUNT) / TWO_POW_32);
  }

  #grow(minLength: number): void {
    const key = new Uint8Array(minLength * 2);
    key.set(this.#key.subarray(0, this.#prefixLength));
    this.#key = key;
  }
}
