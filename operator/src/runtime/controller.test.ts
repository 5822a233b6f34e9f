import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { Controller } from './controller.ts';
import type { Reconciler } from './controller.ts';
import { ApiError, TerminalError, TransientError } from './errors.ts';
import { createMetrics } from './metrics.ts';

function controllerWith(reconcile: Reconciler['reconcile'], workers = 1) {
  const metrics = createMetrics();
  const lines: Record<string, unknown>[] = [];
  const controller = new Controller({
    name: 'test',
    kind: 'ChurnModel',
    reconciler: { reconcile },
    workers,
    logger: pino({ level: 'error' }, { write: (line: string) => void lines.push(JSON.parse(line)) }),
    metrics,
  });
  return { controller, metrics, lines };
}

async function counter(metrics: ReturnType<typeof createMetrics>, result: string): Promise<number> {
  const values = (await metrics.reconcileTotal.get()).values;
  return values.find((value) => value.labels.result === result)?.value ?? 0;
}

describe('Controller', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('retries transient errors with backoff', async () => {
    const reconcile = vi.fn().mockRejectedValueOnce(new TransientError('API busy')).mockResolvedValue(undefined);
    const { controller, metrics } = controllerWith(reconcile);

    await controller.processKey('ns/a');
    expect(controller.queue.numRequeues('ns/a')).toBe(1);
    await vi.advanceTimersByTimeAsync(5);
    expect(controller.queue.length).toBe(1);
    expect(await counter(metrics, 'error')).toBe(1);
  });

  it.each([
    ['TerminalError', new TerminalError('invalid spec')],
    ['422 Invalid', new ApiError('invalid', { code: 422, reason: 'Invalid' })],
  ])('does not retry %s', async (_case, error) => {
    const { controller } = controllerWith(vi.fn().mockRejectedValue(error));

    await controller.processKey('ns/a');
    await vi.advanceTimersByTimeAsync(60_000);

    expect(controller.queue.length).toBe(0);
    expect(controller.queue.numRequeues('ns/a')).toBe(0);
  });

  it('logs API errors without a stack', async () => {
    const message = 'PATCH /apis/apps/v1/namespaces/ml/deployments/a failed with HTTP 409: the object has been modified';
    const { controller, lines } = controllerWith(vi.fn().mockRejectedValue(new ApiError(message, { code: 409, reason: 'Conflict' })));

    await controller.processKey('ns/a');

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'Reconciler error, retrying with backoff', retry: true });
    expect(lines[0]).toMatchObject({ error: message, status: 409, reason: 'Conflict' });
    expect(lines[0]).not.toHaveProperty('err');
  });

  it('logs other errors with their stack', async () => {
    const { controller, lines } = controllerWith(vi.fn().mockRejectedValue(new TypeError('spec is undefined')));

    await controller.processKey('ns/a');

    expect(lines[0]?.['err']).toMatchObject({ type: 'TypeError', message: 'spec is undefined' });
    expect((lines[0]?.['err'] as { stack: string }).stack).toContain('TypeError: spec is undefined');
  });

  it('requeues after the requested delay', async () => {
    const { controller, metrics } = controllerWith(vi.fn().mockResolvedValue({ requeueAfterMs: 30_000 }));

    await controller.processKey('ns/a');
    await vi.advanceTimersByTimeAsync(29_999);
    expect(controller.queue.length).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(controller.queue.length).toBe(1);
    expect(await counter(metrics, 'requeue')).toBe(1);
  });

  it('success forgets earlier failures', async () => {
    const reconcile = vi.fn().mockRejectedValueOnce(new Error('boom')).mockResolvedValue(undefined);
    const { controller } = controllerWith(reconcile);

    await controller.processKey('ns/a');
    await controller.processKey('ns/a');

    expect(controller.queue.numRequeues('ns/a')).toBe(0);
  });

  it('passes namespace and name to the reconciler', async () => {
    const reconcile = vi.fn().mockResolvedValue(undefined);
    const { controller } = controllerWith(reconcile);

    await controller.processKey('ml/telco');

    expect(reconcile).toHaveBeenCalledWith({ namespace: 'ml', name: 'telco' }, expect.objectContaining({ reconcileID: expect.any(String) }));
  });

  it('never reconciles one key twice at once', async () => {
    let running = 0;
    let maxRunning = 0;
    const reconcile = vi.fn(async () => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((resolve) => setTimeout(resolve, 100));
      running -= 1;
    });
    const { controller } = controllerWith(reconcile, 4);
    controller.start();

    controller.enqueue('ns', 'a');
    await vi.advanceTimersByTimeAsync(10);
    controller.enqueue('ns', 'a');
    controller.enqueue('ns', 'a');
    await vi.advanceTimersByTimeAsync(500);

    expect(maxRunning).toBe(1);
    expect(reconcile).toHaveBeenCalledTimes(2);
    const stopped = controller.shutDown();
    await vi.advanceTimersByTimeAsync(0);
    await stopped;
  });
});
