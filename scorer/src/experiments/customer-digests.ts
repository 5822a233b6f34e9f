/**
 * Digests of customer ids for the audit records (see keyed-digest.ts), computed in
 * batches. Under load, one model call ends the wait of many nudges, and their handlers run
 * one after the other in the same microtask checkpoint. A digest computed in each handler,
 * between the sending of two responses, cost about three times its CPU time in a loop,
 * most likely because the code in between evicts the hashing code from the CPU caches.
 * Queued instead, the digests of all those handlers are computed in one loop at the end of
 * the checkpoint. docs/benchmarks.md has the measurements.
 */
import { deriveDigestKey, KeyedDigest } from './keyed-digest.ts';

/** Fields of an audit record whose `customer` receives the digest of a customer id. */
export interface DigestTarget {
  customer: string;
}

export class CustomerDigests {
  readonly #digest: KeyedDigest;
  #customerIds: string[] = [];
  #targets: DigestTarget[] = [];

  constructor(auditKey: Buffer) {
    this.#digest = new KeyedDigest(deriveDigestKey(auditKey));
  }

  /**
   * Queues the digest of `customerId` for `target.customer`. It is set before the current
   * microtask checkpoint ends, or earlier by settle.
   */
  queue(customerId: string, target: DigestTarget): void {
    if (this.#customerIds.length === 0) {
      queueMicrotask(this.settle);
    }
    this.#customerIds.push(customerId);
    this.#targets.push(target);
  }

  /** Computes every queued digest now. Code that reads a target calls it first, so that it never reads an empty digest. */
  readonly settle = (): void => {
    const customerIds = this.#customerIds;
    const targets = this.#targets;
    if (customerIds.length === 0) {
      return;
    }
    this.#customerIds = [];
    this.#targets = [];

    for (let i = 0; i < customerIds.length; i++) {
      targets[i]!.customer = this.#digest.hex(customerIds[i]!);
    }
  };
}
