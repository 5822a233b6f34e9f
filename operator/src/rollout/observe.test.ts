import type { CoreV1Event, V1Deployment, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';

import { podReason } from '../workload/pod-diagnosis.ts';
import { observeDeployment } from './observe.ts';

function deployment(status: V1Deployment['status'], annotations: Record<string, string> = {}): V1Deployment {
  return {
    metadata: { name: 'telco-scorer-canary', namespace: 'ml', generation: 2 },
    spec: {
      replicas: 2,
      selector: {},
      template: { metadata: { labels: { 'app.kubernetes.io/version': '1.1.0' }, annotations }, spec: { containers: [] } },
    },
    status,
  };
}

const ROLLED_OUT = { observedGeneration: 2, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 };

function pod(name: string, status: V1Pod['status']): V1Pod {
  return { metadata: { name }, status };
}

function warning(podName: string, reason: string, message: string, time: string): CoreV1Event {
  return {
    metadata: { name: `${podName}.${time}` },
    involvedObject: { kind: 'Pod', name: podName },
    type: 'Warning',
    reason,
    message,
    lastTimestamp: new Date(time),
  };
}

describe('observeDeployment', () => {
  it('returns undefined without a Deployment', () => {
    expect(observeDeployment(undefined)).toBeUndefined();
  });

  it('reports a rolled out Deployment', () => {
    expect(observeDeployment(deployment(ROLLED_OUT))).toEqual({
      version: '1.1.0',
      rolledOut: true,
      readyReplicas: 2,
      notReadyReason: undefined,
    });
  });

  it('reads the bundle annotations', () => {
    const observed = observeDeployment(
      deployment(ROLLED_OUT, { 'engagetrack.io/model-uri': 'https://models.example.com/1.1.0/', 'engagetrack.io/model-sha256': '' }),
    );

    expect(observed?.modelUri).toBe('https://models.example.com/1.1.0/');
    expect(observed?.sha256).toBe('');
  });

  it('is not rolled out before the controller observed the generation', () => {
    expect(observeDeployment(deployment({ ...ROLLED_OUT, observedGeneration: 1 }))?.rolledOut).toBe(false);
  });

  it('names a replica failure of the Deployment', () => {
    const observed = observeDeployment(
      deployment({
        observedGeneration: 2,
        replicas: 0,
        conditions: [
          {
            type: 'ReplicaFailure',
            status: 'True',
            reason: 'FailedCreate',
            message: 'pods "telco-scorer-canary-5d8f" is forbidden: exceeded quota: pods',
          },
        ],
      }),
    );

    expect(observed?.rolledOut).toBe(false);
    expect(observed?.notReadyReason).toContain('exceeded quota');
  });

  it('falls back to the pod reason', () => {
    const observed = observeDeployment(deployment({ observedGeneration: 2, replicas: 2, updatedReplicas: 2 }), {
      pods: [pod('telco-scorer-canary-a', { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/2 nodes are available: 2 Insufficient cpu.' }] })],
      events: [],
    });

    expect(observed?.notReadyReason).toBe('pod telco-scorer-canary-a: Unschedulable: 0/2 nodes are available: 2 Insufficient cpu.');
  });
});

describe('podReason', () => {
  it('returns undefined without details', () => {
    expect(podReason(undefined)).toBeUndefined();
  });

  it('names a waiting container', () => {
    const reason = podReason({
      pods: [
        pod('a', {
          containerStatuses: [
            {
              name: 'scorer',
              image: 'scorer',
              imageID: '',
              ready: false,
              restartCount: 3,
              state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' } },
            },
          ],
        }),
      ],
      events: [],
    });

    expect(reason).toBe('pod a: CrashLoopBackOff: back-off 40s restarting failed container');
  });

  it('skips ContainerCreating', () => {
    const reason = podReason({
      pods: [
        pod('a', {
          containerStatuses: [
            { name: 'scorer', image: 'scorer', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } },
          ],
        }),
      ],
      events: [],
    });

    expect(reason).toBeUndefined();
  });

  it('quotes a termination message', () => {
    const reason = podReason({
      pods: [
        pod('a', {
          containerStatuses: [
            {
              name: 'scorer',
              image: 'scorer',
              imageID: '',
              ready: false,
              restartCount: 1,
              lastState: { terminated: { exitCode: 1, reason: 'Error', message: 'model bundle digest mismatch' } },
            },
          ],
        }),
      ],
      events: [],
    });

    expect(reason).toBe('pod a: Error: model bundle digest mismatch');
  });

  it('uses the newest Warning event of the pods', () => {
    const reason = podReason({
      pods: [pod('a', { phase: 'Running' })],
      events: [
        warning('a', 'Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503', '2026-03-01T10:00:05Z'),
        warning('a', 'Unhealthy', 'older', '2026-03-01T10:00:01Z'),
        warning('other-pod', 'Unhealthy', 'not a canary pod', '2026-03-01T10:00:09Z'),
      ],
    });

    expect(reason).toBe(
      'pod a: Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 503; the scorer logs why it is not ready (kubectl logs a)',
    );
  });

  it('ignores Normal events', () => {
    const normal = { ...warning('a', 'Pulled', 'image pulled', '2026-03-01T10:00:05Z'), type: 'Normal' };

    expect(podReason({ pods: [pod('a', {})], events: [normal] })).toBeUndefined();
  });
});
