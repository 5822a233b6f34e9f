import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';

import { deploymentState } from '../workload/deployment-state.ts';
import type { ChurnModel } from '../workload/types.ts';
import { computeChurnModelStatus } from './status.ts';

const model = {
  apiVersion: 'engagetrack.io/v1alpha1',
  kind: 'ChurnModel',
  metadata: { name: 'telco', namespace: 'ml', generation: 4 },
  spec: { modelUri: 'https://models.example.com/telco/2.0.0/', version: '2.0.0', replicas: 2 },
} as ChurnModel;

const release = { uri: 'https://models.example.com/telco/2.0.0/', version: '2.0.0', sha256: 'b'.repeat(64) };

function deployment(status: V1Deployment['status'], generation = 7): V1Deployment {
  return { metadata: { name: 'telco-scorer', generation }, spec: { replicas: 2, selector: {}, template: {} }, status };
}

function compute(current: V1Deployment | undefined, podReason?: string) {
  return computeChurnModelStatus(model, {
    deploymentName: 'telco-scorer',
    deployment: deploymentState(current),
    release,
    url: 'http://churn.example.com/',
    podReason,
  });
}

function readyOf(conditions: { type: string; status: string; reason: string; message: string }[]) {
  return conditions.find((condition) => condition.type === 'Ready');
}

const complete = { observedGeneration: 7, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 };

function byType(conditions: { type: string; status: string; reason: string }[]) {
  return Object.fromEntries(conditions.map((condition) => [condition.type, `${condition.status}/${condition.reason}`]));
}

describe('ChurnModel status', () => {
  it.each([
    ['no deployment yet', undefined, { Ready: 'False/DeploymentPending', ModelLoaded: 'Unknown/DeploymentPending', Progressing: 'True/DeploymentPending', Degraded: 'False/AsExpected' }],
    ['pods starting', deployment({ observedGeneration: 7, replicas: 2, updatedReplicas: 2 }), { Ready: 'False/ReplicasUnavailable', ModelLoaded: 'False/ModelNotLoaded', Progressing: 'True/RollingOut', Degraded: 'False/AsExpected' }],
    ['one pod ready', deployment({ observedGeneration: 7, replicas: 2, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 1 }), { Ready: 'False/ReplicasUnavailable', ModelLoaded: 'True/ModelLoaded', Progressing: 'True/RollingOut' }],
    ['rolled out', deployment(complete), { Ready: 'True/ScorersReady', ModelLoaded: 'True/ModelLoaded', Progressing: 'False/RolloutComplete', Degraded: 'False/AsExpected' }],
    ['spec not yet observed', deployment({ ...complete, observedGeneration: 6 }), { Ready: 'True/ScorersReady', Progressing: 'True/RollingOut' }],
    [
      'rolling update with the old pods serving',
      deployment({ observedGeneration: 7, replicas: 3, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2 }),
      { Ready: 'True/ScorersReady', ModelLoaded: 'True/ModelLoaded', Progressing: 'True/RollingOut', Degraded: 'False/AsExpected' },
    ],
    [
      'scale-up below the desired replicas',
      { ...deployment({ observedGeneration: 7, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 }), spec: { replicas: 3, selector: {}, template: {} } },
      { Ready: 'False/ReplicasUnavailable', Progressing: 'True/RollingOut' },
    ],
    [
      'progress deadline exceeded',
      deployment({ observedGeneration: 7, replicas: 2, updatedReplicas: 2, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'timed out' }] }),
      { Ready: 'False/ProgressDeadlineExceeded', Degraded: 'True/ProgressDeadlineExceeded' },
    ],
    [
      'replica failure',
      deployment({ ...complete, conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'quota exceeded' }] }),
      { Ready: 'False/ReplicaFailure', Degraded: 'True/ReplicaFailure' },
    ],
  ])('%s', (_case, current, expected) => {
    const { conditions } = compute(current);
    expect(byType(conditions)).toMatchObject(expected);
  });

  it('stamps every condition with the generation', () => {
    const { conditions, status } = compute(deployment(complete));
    expect(status.observedGeneration).toBe(4);
    expect(conditions.every((condition) => condition.observedGeneration === 4)).toBe(true);
  });

  it('promotes the release once rolled out', () => {
    const { status } = compute(deployment(complete));
    expect(status).toMatchObject({
      currentVersion: '2.0.0',
      currentModelUri: 'https://models.example.com/telco/2.0.0/',
      currentSha256: 'b'.repeat(64),
      replicas: 2,
      readyReplicas: 2,
      url: 'http://churn.example.com/',
    });
  });

  it('keeps the previous release while rolling out', () => {
    const { status } = compute(deployment({ observedGeneration: 7, replicas: 3, updatedReplicas: 1, readyReplicas: 2 }));
    expect(status.currentVersion).toBeUndefined();
    expect(status.readyReplicas).toBe(2);
  });

  it('messages name the deployment and version', () => {
    const { conditions } = compute(deployment(complete));
    expect(conditions.find((condition) => condition.type === 'Ready')?.message).toBe(
      '2 scorer pods serve model version 2.0.0 at http://churn.example.com/',
    );
  });

  it('names a single pod in the singular', () => {
    const single: V1Deployment = {
      metadata: { name: 'telco-scorer', generation: 7 },
      spec: { replicas: 1, selector: {}, template: {} },
      status: { observedGeneration: 7, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 },
    };

    expect(readyOf(compute(single).conditions)?.message).toBe('1 scorer pod serves model version 2.0.0 at http://churn.example.com/');
  });

  it('stays Ready while a rolling update keeps every desired pod available', () => {
    const rolling = deployment({ observedGeneration: 7, replicas: 3, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2 });
    const ready = readyOf(compute(rolling).conditions);

    expect(ready?.status).toBe('True');
    expect(ready?.message).toBe(
      '2 scorer pods serve at http://churn.example.com/ while Deployment telco-scorer rolls to model version 2.0.0 (1 of 2 pods updated)',
    );
  });

  it('names the pod reason when pods are unavailable', () => {
    const pending = deployment({ observedGeneration: 7, replicas: 2, updatedReplicas: 2 });
    const reason = 'pod telco-scorer-abc: Unschedulable: persistentvolumeclaim "engagetrack-models" not found';
    const ready = readyOf(compute(pending, reason).conditions);

    expect(ready).toMatchObject({ status: 'False', reason: 'ReplicasUnavailable' });
    expect(ready?.message).toBe(`Deployment telco-scorer has 0 of 2 pods available; ${reason}`);
  });

  it('omits the pod reason when none was found', () => {
    const pending = deployment({ observedGeneration: 7, replicas: 2, updatedReplicas: 2 });

    expect(readyOf(compute(pending).conditions)?.message).toBe('Deployment telco-scorer has 0 of 2 pods available');
  });
});
