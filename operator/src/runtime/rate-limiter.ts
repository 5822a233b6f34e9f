// Per-key exponential backoff for failed reconciles, like client-go's default item
// limiter: base * 2^failures, capped.

export interface RateLimiterOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export class ExponentialRateLimiter {
  readonly #failures = new Map<string, number>();
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;

  constructor(options: RateLimiterOptions = {}) {
    this.#baseDelayMs = options.baseDelayMs ?? 5;
    this.#maxDelayMs = options.maxDelayMs ?? 1_000_000;
  }

  /** Returns the delay before the next retry of `key` and counts one more failure. */
  when(key: string): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    return Math.min(this.#baseDelayMs * 2 ** failures, this.#maxDelayMs);
  }

  numRequeues(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** Clears the failure count after a success or a terminal error. */
  forget(key: string): void {
    this.#failures.delete(key);
  }
}
