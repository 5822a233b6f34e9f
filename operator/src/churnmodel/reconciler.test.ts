import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';

import type { Condition } from '../runtime/conditions.ts';
import type { EventDetails } from '../runtime/events.ts';
import type { ChurnModel } from '../workload/types.ts';
import { ChurnModelReconciler } from './reconciler.ts';
import type { ChurnModelReconcilerDeps } from './reconciler.ts';

const TIME = '2026-03-01T10:00:00Z';

function condition(type: string, status: Condition['status'], reason: string): Condition {
  return { type, status, reason, message: `${type} is ${status}`, lastTransitionTime: TIME, observedGeneration: 1 };
}

function model(conditions: Condition[]): ChurnModel {
  return {
    apiVersion: 'engagetrack.io/v1alpha1',
    kind: 'ChurnModel',
    metadata: { name: 'telco', namespace: 'ml', uid: 'uid-1', generation: 1 },
    spec: { modelUri: 'https://models.example.com/telco/1.0.0/', version: '1.0.0' } as ChurnModel['spec'],
    status: { conditions },
  };
}

function reconcilerWithEvents(): { reconciler: ChurnModelReconciler; recorded: EventDetails[] } {
  const recorded: EventDetails[] = [];
  const events = { record: vi.fn(async (_object: unknown, details: EventDetails) => void recorded.push(details)) };
  // Only the event recorder is used by reportTransitions.
  const deps = { events } as unknown as ChurnModelReconcilerDeps;
  return { reconciler: new ChurnModelReconciler(deps), recorded };
}

const healthy = [condition('Ready', 'True', 'ScorersReady'), condition('Degraded', 'False', 'AsExpected')];
const rolledBack = [condition('Ready', 'True', 'ScorersReady'), condition('Degraded', 'True', 'CanaryNotReady')];
const logger = pino({ level: 'silent' });

describe('ChurnModelReconciler.reportTransitions', () => {
  it('records a Warning for a Degraded transition', async () => {
    const { reconciler, recorded } = reconcilerWithEvents();

    await reconciler.reportTransitions(model(healthy), rolledBack, [], logger);

    expect(recorded.map(({ type, reason }) => ({ type, reason }))).toEqual([{ type: 'Warning', reason: 'CanaryNotReady' }]);
  });

  it('skips conditions the rollout already reported', async () => {
    const { reconciler, recorded } = reconcilerWithEvents();

    await reconciler.reportTransitions(model(healthy), rolledBack, ['Degraded'], logger);

    expect(recorded).toEqual([]);
  });

  it('records no Event without a transition', async () => {
    const { reconciler, recorded } = reconcilerWithEvents();

    await reconciler.reportTransitions(model(rolledBack), rolledBack, [], logger);

    expect(recorded).toEqual([]);
  });

  it('records a Normal Event when pods become unavailable', async () => {
    const { reconciler, recorded } = reconcilerWithEvents();
    const unavailable = [condition('Ready', 'False', 'ReplicasUnavailable'), condition('Degraded', 'False', 'AsExpected')];

    await reconciler.reportTransitions(model(healthy), unavailable, [], logger);

    expect(recorded.map(({ type, reason }) => ({ type, reason }))).toEqual([{ type: 'Normal', reason: 'ReplicasUnavailable' }]);
  });

  it('records no Event while a rolling update keeps Ready', async () => {
    const { reconciler, recorded } = reconcilerWithEvents();
    const rolling = [condition('Ready', 'True', 'ScorersReady'), condition('Progressing', 'True', 'RollingOut'), condition('Degraded', 'False', 'AsExpected')];

    await reconciler.reportTransitions(model([...healthy, condition('Progressing', 'False', 'RolloutComplete')]), rolling, [], logger);

    expect(recorded).toEqual([]);
  });
});
