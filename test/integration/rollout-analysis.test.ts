// Canary analysis against a real Prometheus that scrapes real scorer processes on
// 127.0.0.1. The ChurnModels' canary pods run in KWOK, so the canary metrics come from
// the local scorer whose model name and version match the canary: one that cannot load
// its bundle (every prediction returns 503) and one that serves the sample bundle.
import { join } from 'node:path';
import { tmpdir } from 'node:os';

import type { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { applyCrds, deleteTestNamespace, eventually, testKubeConfig } from '../harness/kube.ts';
import { startPrometheus } from '../harness/prometheus.ts';
import type { PrometheusServer } from '../harness/prometheus.ts';
import { condition } from './operator-fixtures.ts';
import {
  V2,
  canaryChildren,
  canaryOf,
  createModel,
  historyOf,
  patchModelSpec,
  readDeploymentOrUndefined,
  rolloutModel,
  startScope,
  versionLabel,
  waitForModel,
  waitForStable,
} from './rollout-fixtures.ts';
import type { RolloutScope } from './rollout-fixtures.ts';
import { SAMPLE_BUNDLE, sampleInstance, sendTraffic, startScorerProcess } from './rollout-scorer.ts';
import type { ScorerProcess } from './rollout-scorer.ts';

describe('rollout analysis', () => {
  let kc: KubeConfig;
  let scope: RolloutScope;
  let prometheus: PrometheusServer;
  let failing: ScorerProcess;
  let healthy: ScorerProcess;
  let traffic: ReturnType<typeof sendTraffic>;

  beforeAll(async () => {
    kc = testKubeConfig();
    await applyCrds(kc);
    scope = await startScope(kc, 'rollout-analysis');

    [failing, healthy] = await Promise.all([
      startScorerProcess({ modelName: 'erroring', version: V2.version, modelUri: join(tmpdir(), 'engagetrack-no-such-bundle') }),
      startScorerProcess({ modelName: 'passing', version: V2.version, modelUri: SAMPLE_BUNDLE }),
    ]);
    await eventually(async () => expect((await fetch(`${healthy.url}/readyz`)).status).toBe(200), {
      timeoutMs: 90_000,
      message: 'the scorer of the sample bundle did not become ready',
    });

    // The erroring scorer's series get the namespace label that Kubernetes service
    // discovery would add; the healthy scorer's series have none.
    prometheus = await startPrometheus({
      targets: [{ address: failing.address, labels: { namespace: scope.namespace } }, { address: healthy.address }],
    });
    await prometheus.waitForTargetsUp();

    traffic = sendTraffic(
      [
        { url: failing.url, modelName: 'erroring' },
        { url: healthy.url, modelName: 'passing' },
      ],
      await sampleInstance(),
      { intervalMs: 100, maxRequests: 10_000 },
    );
  });

  afterAll(async () => {
    await traffic?.stop();
    await prometheus?.stop();
    await failing?.stop();
    await healthy?.stop();
    if (scope) {
      await scope.operator.stop();
      await deleteTestNamespace(kc, scope.namespace);
    }
  });

  function analysedModel(name: string, analysis: Record<string, unknown>, pauseSeconds: number) {
    return rolloutModel(name, {
      steps: [{ weight: 50, pauseSeconds }],
      progressDeadlineSeconds: 60,
      analysis: { prometheusUrl: prometheus.url, intervalSeconds: 2, ...analysis },
    });
  }

  it('failing canary is rolled back', async () => {
    await createModel(scope, analysedModel('erroring', { maxErrorRate: 0.05, inconclusiveLimit: 10 }, 30));
    await waitForStable(scope, 'erroring', '1.0.0');
    const stableBefore = await readDeploymentOrUndefined(scope, 'erroring-scorer');

    await patchModelSpec(scope, 'erroring', V2);
    const rolledBack = await waitForModel(
      scope,
      'erroring',
      (model) => expect(historyOf(model).at(-1)).toMatchObject({ version: '1.1.0', outcome: 'RolledBack', reason: 'ErrorRateTooHigh' }),
      { timeoutMs: 90_000, message: 'the canary of erroring was not rolled back' },
    );

    const degraded = condition(rolledBack, 'Degraded');
    expect(degraded).toMatchObject({ status: 'True', reason: 'ErrorRateTooHigh' });
    expect(degraded?.message).toMatch(/The error rate [0-9.]+ of version 1\.1\.0 over the last \d+s is above maxErrorRate 0\.05\./);
    expect(canaryOf(rolledBack)).toBeUndefined();
    expect(rolledBack.status?.['currentVersion']).toBe('1.0.0');
    await eventually(async () => expect(await canaryChildren(scope, 'erroring')).toEqual([]));

    const stableAfter = await readDeploymentOrUndefined(scope, 'erroring-scorer');
    expect(stableAfter?.metadata?.generation).toBe(stableBefore?.metadata?.generation);
    expect(versionLabel(stableAfter)).toBe('1.0.0');
    expect(traffic.statuses.get(503) ?? 0).toBeGreaterThan(0);
  });

  it('healthy canary passes analysis', async () => {
    await createModel(scope, analysedModel('passing', { maxErrorRate: 0.05, maxP99LatencySeconds: 10, inconclusiveLimit: 10 }, 4));
    await waitForStable(scope, 'passing', '1.0.0');

    await patchModelSpec(scope, 'passing', V2);
    const promoted = await waitForModel(
      scope,
      'passing',
      (model) => {
        expect(model.status?.['currentVersion'], JSON.stringify(model.status)).toBe('1.1.0');
        expect(canaryOf(model)).toBeUndefined();
      },
      { timeoutMs: 90_000, message: 'the canary of passing was not promoted' },
    );

    expect(historyOf(promoted).at(-1)).toMatchObject({ version: '1.1.0', outcome: 'Promoted', reason: 'CanarySucceeded' });
    expect(condition(promoted, 'Degraded')?.status).toBe('False');
  });

  it('canary without traffic is inconclusive', async () => {
    await createModel(scope, analysedModel('silent', { inconclusiveLimit: 2, intervalSeconds: 1 }, 1));
    await waitForStable(scope, 'silent', '1.0.0');

    await patchModelSpec(scope, 'silent', V2);
    const rolledBack = await waitForModel(
      scope,
      'silent',
      (model) => expect(historyOf(model).at(-1)).toMatchObject({ outcome: 'RolledBack', reason: 'AnalysisInconclusive' }),
      { timeoutMs: 60_000, message: 'the canary of silent was not rolled back' },
    );

    expect(condition(rolledBack, 'Degraded')?.message).toContain('no error rate data');
  });

  it('unreachable Prometheus is inconclusive', async () => {
    const body = rolloutModel('unreachable', {
      steps: [{ weight: 50, pauseSeconds: 1 }],
      progressDeadlineSeconds: 60,
      // Nothing listens on port 1 of 127.0.0.1, so every query is refused at once.
      analysis: { prometheusUrl: 'http://127.0.0.1:1', intervalSeconds: 1, inconclusiveLimit: 1 },
    });
    await createModel(scope, body);
    await waitForStable(scope, 'unreachable', '1.0.0');

    await patchModelSpec(scope, 'unreachable', V2);
    const rolledBack = await waitForModel(
      scope,
      'unreachable',
      (model) => expect(historyOf(model).at(-1)).toMatchObject({ outcome: 'RolledBack', reason: 'AnalysisInconclusive' }),
      { timeoutMs: 60_000, message: 'the canary of unreachable was not rolled back' },
    );

    expect(condition(rolledBack, 'Degraded')?.message).toContain('request to Prometheus at http://127.0.0.1:1/api/v1/query failed');
  });
});
