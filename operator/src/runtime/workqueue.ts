// A work queue of object keys (namespace/name) with the guarantees controllers rely on.
// A key added several times while it waits is processed once, and two workers never
// process the same key at the same time. A key added while it is being processed runs
// again afterwards.
import { ExponentialRateLimiter } from './rate-limiter.ts';
import type { RateLimiterOptions } from './rate-limiter.ts';

export class WorkQueue {
  readonly #queue: string[] = [];
  /** Keys waiting to be processed, each at most once. */
  readonly #dirty = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #timers = new Map<string, { timer: NodeJS.Timeout; dueAt: number }>();
  readonly #waiters: ((key: string | undefined) => void)[] = [];
  readonly #rateLimiter: ExponentialRateLimiter;
  #shuttingDown = false;

  constructor(options: RateLimiterOptions = {}) {
    this.#rateLimiter = new ExponentialRateLimiter(options);
  }

  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    // A key in flight is queued again by `done`, so it never runs twice at once.
    if (this.#processing.has(key)) return;
    this.#push(key);
  }

  /** Adds the key after `delayMs`; of several pending delays for one key the earliest wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const dueAt = Date.now() + delayMs;
    const pending = this.#timers.get(key);
    if (pending && pending.dueAt <= dueAt) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      this.add(key);
    }, delayMs);
    this.#timers.set(key, { timer, dueAt });
  }

  /** Adds the key after its backoff delay, which doubles with each failure since the last `forget`. */
  addRateLimited(key: string): void {
    this.addAfter(key, this.#rateLimiter.when(key));
  }

  forget(key: string): void {
    this.#rateLimiter.forget(key);
  }

  numRequeues(key: string): number {
    return this.#rateLimiter.numRequeues(key);
  }

  /** Waits for the next key; resolves undefined once the queue shuts down. Call `done` after processing it. */
  get(): Promise<string | undefined> {
    const key = this.#queue.shift();
    if (key !== undefined) return Promise.resolve(this.#startProcessing(key));
    if (this.#shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  done(key: string): void {
    this.#processing.delete(key);
    if (this.#dirty.has(key)) this.#push(key);
  }

  /** Number of keys waiting to be processed, not counting timed requeues. */
  get length(): number {
    return this.#queue.length;
  }

  shutDown(): void {
    this.#shuttingDown = true;
    for (const { timer } of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    for (const waiter of this.#waiters.splice(0)) waiter(undefined);
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  #push(key: string): void {
    const waiter = this.#waiters.shift();
    if (waiter) {
      waiter(this.#startProcessing(key));
      return;
    }
    this.#queue.push(key);
  }

  #startProcessing(key: string): string {
    this.#dirty.delete(key);
    this.#processing.add(key);
    return key;
  }
}
