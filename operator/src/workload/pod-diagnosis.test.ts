import type { CoreV1Event, V1Deployment, V1Pod } from '@kubernetes/client-node';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';

import type { KubeClient } from '../runtime/kube-client.ts';
import { POD_WARNING_EVENTS, STALLED_RECHECK_MS, STALL_THRESHOLD_MS, diagnoseStalledPods, earliestRequeue, podSelectorOf, stalledPodsDelay } from './pod-diagnosis.ts';

const NOW = new Date('2026-03-01T10:00:30Z');
const logger = pino({ level: 'silent' });

function deployment(status: V1Deployment['status'], replicas = 2): V1Deployment {
  return {
    metadata: { name: 'telco-churn-scorer', namespace: 'ml', generation: 1, creationTimestamp: new Date('2026-03-01T10:00:00Z') },
    spec: {
      replicas,
      selector: { matchLabels: { 'app.kubernetes.io/instance': 'telco-churn', 'engagetrack.io/track': 'stable' } },
      template: {},
    },
    status,
  };
}

function progressedAt(time: string): V1Deployment['status'] {
  return {
    observedGeneration: 1,
    replicas: 2,
    conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', lastUpdateTime: new Date(time) }],
  };
}

const pendingPod: V1Pod = {
  metadata: { name: 'telco-churn-scorer-abc' },
  status: {
    phase: 'Pending',
    conditions: [
      {
        type: 'PodScheduled',
        status: 'False',
        reason: 'Unschedulable',
        message: '0/2 nodes are available: persistentvolumeclaim "engagetrack-models" not found.',
      },
    ],
  },
};

function fakeClient(pods: V1Pod[], events: CoreV1Event[] = []) {
  const list = vi.fn(async (type: { kind: string }) => ({ items: type.kind === 'Pod' ? pods : events, resourceVersion: '1' }));
  return { client: { list } as unknown as KubeClient, list };
}

describe('stalledPodsDelay', () => {
  it('is undefined when every desired pod is available', () => {
    expect(stalledPodsDelay(deployment({ availableReplicas: 2 }), NOW)).toBeUndefined();
  });

  it('is undefined for a Deployment scaled to zero', () => {
    expect(stalledPodsDelay(deployment({}, 0), NOW)).toBeUndefined();
  });

  it('waits until the Deployment made no progress for the threshold', () => {
    expect(stalledPodsDelay(deployment(progressedAt('2026-03-01T10:00:25Z')), NOW)).toBe(STALL_THRESHOLD_MS - 5_000);
  });

  it('is due once the last progress is older than the threshold', () => {
    expect(stalledPodsDelay(deployment(progressedAt('2026-03-01T10:00:10Z')), NOW)).toBe(0);
  });

  it('falls back on the creation time without a Progressing condition', () => {
    expect(stalledPodsDelay(deployment({ observedGeneration: 1 }), NOW)).toBe(0);
  });
});

describe('podSelectorOf', () => {
  it('joins the match labels', () => {
    expect(podSelectorOf(deployment({}))).toBe('app.kubernetes.io/instance=telco-churn,engagetrack.io/track=stable');
  });
});

describe('diagnoseStalledPods', () => {
  it('names the scheduling failure of a stalled Deployment', async () => {
    const { client, list } = fakeClient([pendingPod]);

    const diagnosis = await diagnoseStalledPods(client, deployment(progressedAt('2026-03-01T10:00:00Z')), NOW, logger);

    expect(diagnosis.podReason).toBe(
      'pod telco-churn-scorer-abc: Unschedulable: 0/2 nodes are available: persistentvolumeclaim "engagetrack-models" not found.',
    );
    expect(diagnosis.requeueAfterMs).toBe(STALLED_RECHECK_MS);
    expect(list).toHaveBeenCalledWith(expect.objectContaining({ kind: 'Pod' }), {
      namespace: 'ml',
      labelSelector: 'app.kubernetes.io/instance=telco-churn,engagetrack.io/track=stable',
    });
    expect(list).toHaveBeenCalledWith(expect.objectContaining({ kind: 'Event' }), { namespace: 'ml', fieldSelector: POD_WARNING_EVENTS });
  });

  it('names a Warning Event about a pod', async () => {
    const pod: V1Pod = { metadata: { name: 'telco-churn-scorer-abc' }, status: { phase: 'Pending' } };
    const event = {
      metadata: { name: 'e1' },
      type: 'Warning',
      reason: 'FailedMount',
      message: 'MountVolume.SetUp failed for volume "models"',
      involvedObject: { kind: 'Pod', name: 'telco-churn-scorer-abc' },
    } as CoreV1Event;
    const { client } = fakeClient([pod], [event]);

    const diagnosis = await diagnoseStalledPods(client, deployment(progressedAt('2026-03-01T10:00:00Z')), NOW, logger);

    expect(diagnosis.podReason).toBe('pod telco-churn-scorer-abc: FailedMount: MountVolume.SetUp failed for volume "models"');
  });

  it('points a failed readiness probe to the log', async () => {
    const pod: V1Pod = { metadata: { name: 'telco-churn-scorer-abc', namespace: 'ml' }, status: { phase: 'Running' } };
    const event = {
      metadata: { name: 'e1', namespace: 'ml' },
      type: 'Warning',
      reason: 'Unhealthy',
      message: 'Readiness probe failed: HTTP probe failed with statuscode: 503',
      involvedObject: { kind: 'Pod', name: 'telco-churn-scorer-abc', namespace: 'ml' },
    } as CoreV1Event;
    const { client } = fakeClient([pod], [event]);

    const diagnosis = await diagnoseStalledPods(client, deployment(progressedAt('2026-03-01T10:00:00Z')), NOW, logger);

    expect(diagnosis.podReason).toBe(
      'pod telco-churn-scorer-abc: Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 503; ' +
        'the scorer logs why it is not ready (kubectl logs -n ml telco-churn-scorer-abc)',
    );
  });

  it('lists nothing while the Deployment still progresses', async () => {
    const { client, list } = fakeClient([pendingPod]);

    const diagnosis = await diagnoseStalledPods(client, deployment(progressedAt('2026-03-01T10:00:28Z')), NOW, logger);

    expect(diagnosis).toEqual({ requeueAfterMs: STALL_THRESHOLD_MS - 2_000 });
    expect(list).not.toHaveBeenCalled();
  });

  it('lists nothing when every pod is available', async () => {
    const { client, list } = fakeClient([]);

    expect(await diagnoseStalledPods(client, deployment({ availableReplicas: 2 }), NOW, logger)).toEqual({});
    expect(list).not.toHaveBeenCalled();
  });

  it('reports no reason when listing fails', async () => {
    const client = { list: vi.fn(async () => Promise.reject(new Error('connection reset'))) } as unknown as KubeClient;

    const diagnosis = await diagnoseStalledPods(client, deployment(progressedAt('2026-03-01T10:00:00Z')), NOW, logger);

    expect(diagnosis).toEqual({ podReason: undefined, requeueAfterMs: STALLED_RECHECK_MS });
  });
});

describe('earliestRequeue', () => {
  it.each([
    [[undefined, undefined], undefined],
    [[500, undefined], { requeueAfterMs: 500 }],
    [[30_000, 2_000], { requeueAfterMs: 2_000 }],
  ] as const)('picks the earliest of %j', (delays, expected) => {
    expect(earliestRequeue(...delays)).toEqual(expected);
  });
});
