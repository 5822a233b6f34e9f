import type { KubernetesObject } from '@kubernetes/client-node';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';

import { ApiError } from './errors.ts';
import { EventRecorder } from './events.ts';
import type { EventDetails } from './events.ts';
import type { KubeClient } from './kube-client.ts';

const MODEL: KubernetesObject = {
  apiVersion: 'engagetrack.io/v1alpha1',
  kind: 'ChurnModel',
  metadata: { name: 'telco', namespace: 'ns', uid: 'uid-1', resourceVersion: '7' },
};
const CREATED: EventDetails = { type: 'Normal', reason: 'Created', action: 'Create', note: 'Created ConfigMap' };

/** A client whose create calls wait until the test releases them. */
function blockingClient() {
  const sent: Record<string, unknown>[] = [];
  const releases: (() => void)[] = [];
  const create = vi.fn((_type: unknown, _namespace: string, event: Record<string, unknown>) => {
    sent.push(event);
    return new Promise<void>((resolve) => releases.push(resolve));
  });
  const releaseAll = async () => {
    while (releases.length > 0) {
      releases.shift()!();
      await Promise.resolve();
      await Promise.resolve();
    }
  };
  return { client: { create } as unknown as KubeClient, create, sent, releaseAll };
}

describe('EventRecorder', () => {
  it('returns before the Event is sent', async () => {
    const { client, create, sent } = blockingClient();
    const recorder = new EventRecorder(client, pino({ level: 'silent' }));

    await recorder.record(MODEL, CREATED);

    expect(create).toHaveBeenCalledTimes(1);
    expect(sent[0]).toMatchObject({ reason: 'Created', note: 'Created ConfigMap', regarding: { name: 'telco', uid: 'uid-1' } });
  });

  it('sends one Event at a time', async () => {
    const { client, create, releaseAll } = blockingClient();
    const recorder = new EventRecorder(client, pino({ level: 'silent' }));

    await recorder.record(MODEL, CREATED);
    await recorder.record(MODEL, { ...CREATED, reason: 'ScorersReady' });
    expect(create).toHaveBeenCalledTimes(1);

    const flushed = recorder.flush();
    await releaseAll();
    await releaseAll();
    await flushed;
    expect(create).toHaveBeenCalledTimes(2);
  });

  it('logs a failed Event and sends the next', async () => {
    const create = vi.fn().mockRejectedValueOnce(new ApiError('forbidden', { code: 403, reason: 'Forbidden' })).mockResolvedValue(undefined);
    const logger = pino({ level: 'silent' });
    const warn = vi.spyOn(logger, 'warn');
    const recorder = new EventRecorder({ create } as unknown as KubeClient, logger);

    await recorder.record(MODEL, CREATED);
    await recorder.record(MODEL, { ...CREATED, reason: 'ScorersReady' });
    await recorder.flush();

    expect(create).toHaveBeenCalledTimes(2);
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ name: 'telco', eventReason: 'Created', status: 403, reason: 'Forbidden' }),
      'Recording an event failed',
    );
  });

  it('drops Events beyond the pending limit', async () => {
    const { client, create, releaseAll } = blockingClient();
    const logger = pino({ level: 'silent' });
    const warn = vi.spyOn(logger, 'warn');
    const recorder = new EventRecorder(client, logger);

    // The first Event is in flight, 1000 wait, and the last two are dropped.
    for (let index = 0; index < 1003; index += 1) await recorder.record(MODEL, CREATED);
    const flushed = recorder.flush();
    while (create.mock.calls.length < 1001) await releaseAll();
    await releaseAll();
    await flushed;

    expect(create).toHaveBeenCalledTimes(1001);
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ dropped: 2 }), 'Dropped Events while too many were waiting');
  });
});
