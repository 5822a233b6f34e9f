// Canary rollouts against the real control plane: KWOK makes the scorer pods ready, so
// the operator steps, promotes, pauses, aborts and rolls back as it would in a cluster.
import type { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { applyCrds, deleteTestNamespace, eventually, kubeconfigPath, kubectl, testKubeConfig } from '../harness/kube.ts';
import { startOperator } from '../harness/operator-process.ts';
import { clients, condition, createResource, getResource, nudgeExperiment, sleep } from './operator-fixtures.ts';
import {
  V1,
  V2,
  canaryChildren,
  canaryOf,
  createModel,
  eventReasons,
  historyOf,
  patchModelSpec,
  readDeploymentOrUndefined,
  readModel,
  rolloutModel,
  startScope,
  versionLabel,
  waitForModel,
  waitForStable,
} from './rollout-fixtures.ts';
import type { CanaryStatus, RolloutScope } from './rollout-fixtures.ts';

async function fakeNodeNames(): Promise<string[]> {
  const result = await kubectl(['get', 'nodes', '-o', 'name']);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.split('\n').filter((line) => line !== '');
}

async function cordon(nodes: string[], unschedulable: boolean): Promise<void> {
  for (const node of nodes) {
    const result = await kubectl([unschedulable ? 'cordon' : 'uncordon', node]);
    expect(result.code, result.stderr).toBe(0);
  }
}

const SHORT_STEPS = [
  { weight: 20, pauseSeconds: 2 },
  { weight: 60, pauseSeconds: 2 },
];

describe('rollout', () => {
  let kc: KubeConfig;
  let scope: RolloutScope;
  const extraScopes: RolloutScope[] = [];

  beforeAll(async () => {
    kc = testKubeConfig();
    await applyCrds(kc);
    scope = await startScope(kc, 'rollout');
  });

  afterAll(async () => {
    for (const each of [scope, ...extraScopes]) {
      if (!each) continue;
      await each.operator.stop();
      await deleteTestNamespace(kc, each.namespace);
    }
  });

  it('canary steps through to promotion', async () => {
    await createModel(scope, rolloutModel('happy', { steps: SHORT_STEPS, progressDeadlineSeconds: 60 }));
    await waitForStable(scope, 'happy', '1.0.0');

    await patchModelSpec(scope, 'happy', V2);

    // Record every canary state seen until the promotion.
    const seen: CanaryStatus[] = [];
    const ingressWeights = new Set<string>();
    const promoted = await eventually(
      async () => {
        const model = await readModel(scope, 'happy');
        const canary = canaryOf(model);
        if (canary) seen.push(canary);
        const ingress = await clients(kc)
          .networking.readNamespacedIngress({ namespace: scope.namespace, name: 'happy-canary' })
          .catch(() => undefined);
        const weight = ingress?.metadata?.annotations?.['nginx.ingress.kubernetes.io/canary-weight'];
        if (weight) ingressWeights.add(weight);

        expect(model.status?.['currentVersion']).toBe('1.1.0');
        expect(canary).toBeUndefined();
        return model;
      },
      { timeoutMs: 120_000, intervalMs: 200, message: 'the canary of happy was not promoted' },
    );

    expect(new Set(seen.map((canary) => canary.version))).toEqual(new Set(['1.1.0']));
    expect(seen.map((canary) => canary.weight)).toEqual(expect.arrayContaining([20, 60]));
    expect(ingressWeights).toEqual(new Set(['20', '60']));
    expect(historyOf(promoted).map(({ version, outcome, reason }) => ({ version, outcome, reason }))).toEqual([
      { version: '1.0.0', outcome: 'Promoted', reason: 'InitialVersion' },
      { version: '1.1.0', outcome: 'Promoted', reason: 'CanarySucceeded' },
    ]);

    await eventually(async () => {
      expect(await canaryChildren(scope, 'happy')).toEqual([]);
      expect(versionLabel(await readDeploymentOrUndefined(scope, 'happy-scorer'))).toBe('1.1.0');
      expect(await eventReasons(scope, 'happy')).toEqual(
        expect.arrayContaining(['CanaryStarted', 'CanaryStepStarted', 'Promoted']),
      );
    });
  });

  it('canary objects carry the canary track', async () => {
    await createModel(scope, rolloutModel('tracks', { steps: [{ weight: 30, pauseSeconds: 600 }] }));
    await waitForStable(scope, 'tracks', '1.0.0');
    await patchModelSpec(scope, 'tracks', V2);

    await waitForModel(scope, 'tracks', (model) => expect(canaryOf(model)?.weight).toBe(30), {
      message: 'the canary of tracks did not reach its first step',
    });

    const { apps, core, networking } = clients(kc);
    const namespace = scope.namespace;
    const canary = await apps.readNamespacedDeployment({ namespace, name: 'tracks-scorer-canary' });
    const service = await core.readNamespacedService({ namespace, name: 'tracks-scorer-canary' });
    const ingress = await networking.readNamespacedIngress({ namespace, name: 'tracks-canary' });
    const stable = await apps.readNamespacedDeployment({ namespace, name: 'tracks-scorer' });
    const model = await readModel(scope, 'tracks');

    expect(canary.spec?.template.metadata?.labels).toMatchObject({
      'engagetrack.io/track': 'canary',
      'app.kubernetes.io/version': '1.1.0',
    });
    expect(canary.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'ChurnModel', uid: model.metadata.uid, controller: true });
    expect(service.spec?.selector?.['engagetrack.io/track']).toBe('canary');
    expect(ingress.metadata?.annotations).toMatchObject({
      'nginx.ingress.kubernetes.io/canary': 'true',
      'nginx.ingress.kubernetes.io/canary-weight': '30',
    });
    expect(ingress.spec?.rules?.[0]?.http?.paths[0]?.backend.service?.name).toBe('tracks-scorer-canary');
    expect(versionLabel(stable)).toBe('1.0.0');
    expect(stable.spec?.template.metadata?.labels?.['engagetrack.io/track']).toBe('stable');
  });

  it('pause holds the step until resumed', async () => {
    await createModel(scope, rolloutModel('pausing', { steps: SHORT_STEPS, progressDeadlineSeconds: 60 }));
    await waitForStable(scope, 'pausing', '1.0.0');
    await patchModelSpec(scope, 'pausing', V2);
    await waitForModel(scope, 'pausing', (model) => expect(canaryOf(model)?.weight).toBe(20), {
      message: 'the canary of pausing did not reach its first step',
    });

    await patchModelSpec(scope, 'pausing', { rollout: { steps: SHORT_STEPS, progressDeadlineSeconds: 60, paused: true } });
    const paused = await waitForModel(scope, 'pausing', (model) => expect(condition(model, 'Progressing')?.reason).toBe('RolloutPaused'), {
      message: 'the rollout of pausing did not report RolloutPaused',
    });
    const heldAt = canaryOf(paused);

    // Twice the step's pause: an unpaused rollout would have moved on by now.
    await sleep(4_000);
    const held = await readModel(scope, 'pausing');
    expect(canaryOf(held)).toEqual(heldAt);
    expect(condition(held, 'Progressing')?.status).toBe('Unknown');
    expect(held.status?.['currentVersion']).toBe('1.0.0');

    await patchModelSpec(scope, 'pausing', { rollout: { steps: SHORT_STEPS, progressDeadlineSeconds: 60, paused: false } });
    await waitForModel(
      scope,
      'pausing',
      (model) => {
        expect(model.status?.['currentVersion']).toBe('1.1.0');
        expect(canaryOf(model)).toBeUndefined();
      },
      { message: 'the rollout of pausing did not finish after resuming' },
    );
  });

  it('reverting the version aborts the canary', async () => {
    await createModel(scope, rolloutModel('reverting', { steps: [{ weight: 20, pauseSeconds: 600 }] }));
    await waitForStable(scope, 'reverting', '1.0.0');
    const stableBefore = await readDeploymentOrUndefined(scope, 'reverting-scorer');

    await patchModelSpec(scope, 'reverting', V2);
    await waitForModel(scope, 'reverting', (model) => expect(canaryOf(model)?.weight).toBe(20), {
      message: 'the canary of reverting did not reach its first step',
    });

    await patchModelSpec(scope, 'reverting', V1);
    const aborted = await waitForModel(
      scope,
      'reverting',
      (model) => {
        expect(canaryOf(model)).toBeUndefined();
        expect(historyOf(model).at(-1)).toMatchObject({ version: '1.1.0', outcome: 'Aborted', reason: 'VersionReverted' });
      },
      { timeoutMs: 30_000, message: 'the canary of reverting was not aborted' },
    );

    expect(aborted.status?.['currentVersion']).toBe('1.0.0');
    await eventually(async () => expect(await canaryChildren(scope, 'reverting')).toEqual([]));
    const stableAfter = await readDeploymentOrUndefined(scope, 'reverting-scorer');
    expect(stableAfter?.metadata?.generation).toBe(stableBefore?.metadata?.generation);
    expect(await eventReasons(scope, 'reverting')).toContain('RolloutAborted');
  });

  it('nudge experiments follow only the promoted version', async () => {
    await createModel(scope, rolloutModel('followed', { steps: [{ weight: 50, pauseSeconds: 6 }], progressDeadlineSeconds: 60 }));
    await createResource(kc, scope.namespace, 'nudgeexperiments', nudgeExperiment('follower', 'followed'));
    await waitForStable(scope, 'followed', '1.0.0');
    await eventually(async () => expect(versionLabel(await readDeploymentOrUndefined(scope, 'follower-nudge'))).toBe('1.0.0'), {
      timeoutMs: 60_000,
    });

    await patchModelSpec(scope, 'followed', V2);

    // While the canary runs, the experiment's scorers stay on the promoted version.
    let canarySeen = false;
    await eventually(
      async () => {
        // The experiment is read before the model: when the model is still unpromoted
        // afterwards, it was unpromoted when the experiment was read too.
        const experiment = await getResource(kc, scope.namespace, 'nudgeexperiments', 'follower');
        const deployment = await readDeploymentOrUndefined(scope, 'follower-nudge');
        const model = await readModel(scope, 'followed');
        // Once promoted, currentVersion moves on while the canary still serves until
        // the stable pods run the new version; only the unpromoted canary is checked.
        if (canaryOf(model) !== undefined && model.status?.['currentVersion'] === '1.0.0') {
          canarySeen = true;
          expect.soft(versionLabel(deployment)).toBe('1.0.0');
          expect.soft(experiment.status?.['modelVersion']).toBe('1.0.0');
        }
        expect(model.status?.['currentVersion']).toBe('1.1.0');
      },
      { timeoutMs: 120_000, intervalMs: 300, message: 'the canary of followed was not promoted' },
    );
    expect(canarySeen).toBe(true);

    await eventually(
      async () => {
        expect(versionLabel(await readDeploymentOrUndefined(scope, 'follower-nudge'))).toBe('1.1.0');
        const experiment = await getResource(kc, scope.namespace, 'nudgeexperiments', 'follower');
        expect(experiment.status?.['modelVersion']).toBe('1.1.0');
      },
      { timeoutMs: 60_000, message: 'the experiment did not follow the promoted version' },
    );
  });

  it('canary never ready is rolled back', async () => {
    const stuckScope = await startScope(kc, 'rollout-stuck');
    extraScopes.push(stuckScope);
    await createModel(stuckScope, rolloutModel('stuck', { steps: SHORT_STEPS, progressDeadlineSeconds: 8 }));
    await waitForStable(stuckScope, 'stuck', '1.0.0');
    const stableBefore = await readDeploymentOrUndefined(stuckScope, 'stuck-scorer');

    // Cordoned nodes take no new pods: the stable pod keeps running, the canary pod
    // stays Pending and never becomes ready.
    const nodes = await fakeNodeNames();
    await cordon(nodes, true);
    let rolledBack: Awaited<ReturnType<typeof readModel>>;
    try {
      await patchModelSpec(stuckScope, 'stuck', V2);
      rolledBack = await waitForModel(
        stuckScope,
        'stuck',
        (model) => expect(historyOf(model).at(-1)).toMatchObject({ version: '1.1.0', outcome: 'RolledBack', reason: 'CanaryNotReady' }),
        { timeoutMs: 60_000, message: 'the canary of stuck was not rolled back' },
      );
    } finally {
      await cordon(nodes, false);
    }

    expect(canaryOf(rolledBack)).toBeUndefined();
    expect(rolledBack.status?.['currentVersion']).toBe('1.0.0');
    expect(condition(rolledBack, 'Degraded')).toMatchObject({ status: 'True', reason: 'CanaryNotReady' });
    // The operator lists the canary pods (read-only RBAC) to name the cause.
    expect(condition(rolledBack, 'Degraded')?.message).toMatch(
      /were not ready within progressDeadlineSeconds \(8s\): pod stuck-scorer-canary-[-a-z0-9]+: Unschedulable: /,
    );
    expect(condition(rolledBack, 'Progressing')).toMatchObject({ status: 'False', reason: 'CanaryRolledBack' });
    expect(condition(rolledBack, 'Ready')?.status).toBe('True');
    await eventually(async () => expect(await canaryChildren(stuckScope, 'stuck')).toEqual([]));
    expect(await eventReasons(stuckScope, 'stuck')).toContain('RolledBack');

    const stableAfter = await readDeploymentOrUndefined(stuckScope, 'stuck-scorer');
    expect(stableAfter?.metadata?.generation).toBe(stableBefore?.metadata?.generation);
    expect(versionLabel(stableAfter)).toBe('1.0.0');

    // The failed bundle is not tried again while the spec stays the same, although the
    // nodes take pods again.
    await sleep(4_000);
    const later = await readModel(stuckScope, 'stuck');
    expect(canaryOf(later)).toBeUndefined();
    expect(historyOf(later).filter((entry) => entry.outcome === 'RolledBack')).toHaveLength(1);
    // One Warning Event reports the rollback; the Degraded transition gets no second one.
    const rollbackEvents = (await eventReasons(stuckScope, 'stuck')).filter((reason) => ['RolledBack', 'CanaryNotReady'].includes(reason));
    expect(rollbackEvents).toEqual(['RolledBack']);
    expect(await readDeploymentOrUndefined(stuckScope, 'stuck-scorer-canary')).toBeUndefined();
  });

  it('operator restart resumes at the same step', async () => {
    const restartScope = await startScope(kc, 'rollout-restart');
    extraScopes.push(restartScope);
    const steps = [
      { weight: 20, pauseSeconds: 2 },
      { weight: 60, pauseSeconds: 25 },
    ];
    await createModel(restartScope, rolloutModel('restarted', { steps, progressDeadlineSeconds: 60 }));
    await waitForStable(restartScope, 'restarted', '1.0.0');
    await patchModelSpec(restartScope, 'restarted', V2);

    const atSecondStep = await waitForModel(restartScope, 'restarted', (model) => expect(canaryOf(model)?.step).toBe(1), {
      message: 'the canary of restarted did not reach its second step',
    });
    await restartScope.operator.kill();

    await sleep(2_000);
    const whileDown = await readModel(restartScope, 'restarted');
    expect(canaryOf(whileDown)).toEqual(canaryOf(atSecondStep));

    restartScope.operator = await startOperator({ kubeconfigPath: kubeconfigPath(), namespace: restartScope.namespace, workers: 2 });
    await sleep(2_000);
    const resumed = await readModel(restartScope, 'restarted');
    expect(canaryOf(resumed)).toEqual(canaryOf(atSecondStep));

    const promoted = await waitForModel(
      restartScope,
      'restarted',
      (model) => {
        expect(model.status?.['currentVersion']).toBe('1.1.0');
        expect(canaryOf(model)).toBeUndefined();
      },
      { timeoutMs: 60_000, message: 'the canary of restarted was not promoted after the restart' },
    );
    expect(historyOf(promoted).map((entry) => entry.outcome)).toEqual(['Promoted', 'Promoted']);
  });
});
