import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { ExponentialRateLimiter } from './rate-limiter.ts';
import { WorkQueue } from './workqueue.ts';

describe('WorkQueue', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('merges duplicate keys', async () => {
    const queue = new WorkQueue();
    queue.add('ns/a');
    queue.add('ns/a');
    queue.add('ns/b');
    queue.add('ns/a');

    expect(queue.length).toBe(2);
    expect(await queue.get()).toBe('ns/a');
    expect(await queue.get()).toBe('ns/b');
  });

  it('never hands out a key in flight', async () => {
    const queue = new WorkQueue();
    queue.add('ns/a');
    const key = await queue.get();

    queue.add('ns/a');
    expect(queue.length).toBe(0);

    let second: string | undefined;
    void queue.get().then((next) => (second = next));
    await vi.advanceTimersByTimeAsync(0);
    expect(second).toBeUndefined();

    queue.done(key!);
    await vi.advanceTimersByTimeAsync(0);
    expect(second).toBe('ns/a');
  });

  it('requeues a key added while in flight once', async () => {
    const queue = new WorkQueue();
    queue.add('ns/a');
    const key = await queue.get();
    queue.add('ns/a');
    queue.add('ns/a');
    queue.done(key!);

    expect(queue.length).toBe(1);
  });

  it('wakes a waiting worker on add', async () => {
    const queue = new WorkQueue();
    const next = queue.get();
    queue.add('ns/a');
    await expect(next).resolves.toBe('ns/a');
  });

  it('adds after a delay', async () => {
    const queue = new WorkQueue();
    queue.addAfter('ns/a', 1_000);
    expect(queue.length).toBe(0);

    await vi.advanceTimersByTimeAsync(999);
    expect(queue.length).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(queue.length).toBe(1);
  });

  it('keeps the earliest of several delays', async () => {
    const queue = new WorkQueue();
    queue.addAfter('ns/a', 5_000);
    queue.addAfter('ns/a', 1_000);
    queue.addAfter('ns/a', 3_000);

    await vi.advanceTimersByTimeAsync(1_000);
    expect(queue.length).toBe(1);
    await queue.get().then((key) => queue.done(key!));

    await vi.advanceTimersByTimeAsync(10_000);
    expect(queue.length).toBe(0);
  });

  it('backs off exponentially per key', async () => {
    const queue = new WorkQueue({ baseDelayMs: 5, maxDelayMs: 1_000_000 });
    const delays: number[] = [];
    for (let attempt = 0; attempt < 4; attempt += 1) {
      const start = Date.now();
      queue.addRateLimited('ns/a');
      while (queue.length === 0) await vi.advanceTimersByTimeAsync(1);
      delays.push(Date.now() - start);
      queue.done((await queue.get())!);
    }

    expect(delays).toEqual([5, 10, 20, 40]);
    expect(queue.numRequeues('ns/a')).toBe(4);
  });

  it('forget resets the backoff', () => {
    const queue = new WorkQueue();
    queue.addRateLimited('ns/a');
    queue.addRateLimited('ns/a');
    queue.forget('ns/a');
    expect(queue.numRequeues('ns/a')).toBe(0);
  });

  it('shutdown releases waiting workers', async () => {
    const queue = new WorkQueue();
    const next = queue.get();
    queue.addAfter('ns/a', 1_000);
    queue.shutDown();

    await expect(next).resolves.toBeUndefined();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(queue.length).toBe(0);
    queue.add('ns/b');
    expect(queue.length).toBe(0);
  });
});

describe('ExponentialRateLimiter', () => {
  it.each([
    [1, 5],
    [2, 10],
    [10, 2_560],
    [30, 1_000_000],
  ])('failure %i waits %i ms', (failures, expected) => {
    const limiter = new ExponentialRateLimiter();
    let delay = 0;
    for (let index = 0; index < failures; index += 1) delay = limiter.when('key');
    expect(delay).toBe(expected);
  });

  it('counts keys independently', () => {
    const limiter = new ExponentialRateLimiter();
    limiter.when('a');
    limiter.when('a');
    expect(limiter.when('b')).toBe(5);
  });
});
