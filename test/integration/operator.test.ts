// The operator against the real control plane: children, readiness through KWOK, zero
// writes when nothing changed, drift repair, garbage collection and model references.
import type { KubeConfig } from '@kubernetes/client-node';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { applyCrds, createTestNamespace, deleteTestNamespace, eventually, kubeconfigPath, kubectl, testKubeConfig } from '../harness/kube.ts';
import { startCountingProxy, startOperator } from '../harness/operator-process.ts';
import type { CountingProxy, OperatorProcess } from '../harness/operator-process.ts';
import {
  churnModel,
  clients,
  condition,
  counterValue,
  createModelVolume,
  createResource,
  getResource,
  managedChildren,
  nudgeExperiment,
  readDeployment,
  sleep,
  waitForReady,
} from './operator-fixtures.ts';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

describe('operator', () => {
  let kc: KubeConfig;
  let namespace: string;
  let proxy: CountingProxy;
  let operator: OperatorProcess;
  const volumes: string[] = [];

  beforeAll(async () => {
    kc = testKubeConfig();
    await applyCrds(kc);
    namespace = await createTestNamespace(kc, 'operator');
    proxy = await startCountingProxy(kubeconfigPath());
    operator = await startOperator({ kubeconfigPath: proxy.kubeconfigPath, namespace, workers: 2 });
  });

  afterAll(async () => {
    await operator?.stop();
    await proxy?.stop();
    if (namespace) await deleteTestNamespace(kc, namespace);
    for (const volume of volumes) await clients(kc).core.deletePersistentVolume({ name: volume }).catch(() => undefined);
  });

  it('samples create the expected children', async () => {
    volumes.push(await createModelVolume(kc, namespace, 'engagetrack-models'));
    for (const sample of ['samples/churnmodel.yaml', 'samples/nudgeexperiment.yaml']) {
      const result = await kubectl(['apply', '-n', namespace, '-f', sample]);
      expect(result.code, result.stderr).toBe(0);
    }

    // The operator applies children one after another, so all of them are awaited.
    await eventually(async () => {
      const children = await managedChildren(kc, namespace);
      expect(children.deployments).toEqual(['retention-q1-nudge', 'telco-churn-scorer']);
      expect(children.configMaps).toEqual(['retention-q1-nudge', 'telco-churn-scorer']);
      expect(children.services).toEqual(['retention-q1-nudge', 'telco-churn-scorer']);
      expect(children.ingresses).toEqual(['retention-q1', 'telco-churn']);
      expect(children.networkPolicies).toEqual(['retention-q1-nudge', 'telco-churn-scorer']);
    }, { timeoutMs: 60_000 });

    const model = await getResource(kc, namespace, 'churnmodels', 'telco-churn');
    const deployment = await readDeployment(kc, namespace, 'telco-churn-scorer');
    expect(deployment.metadata?.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'ChurnModel', name: 'telco-churn', uid: model.metadata.uid, controller: true, blockOwnerDeletion: true }),
    ]);
    expect(deployment.metadata?.labels).toMatchObject({
      'app.kubernetes.io/name': 'engagetrack-scorer',
      'app.kubernetes.io/instance': 'telco-churn',
      'app.kubernetes.io/component': 'churn-model',
      'app.kubernetes.io/managed-by': 'engagetrack-operator',
      'app.kubernetes.io/part-of': 'engagetrack',
      'app.kubernetes.io/version': '1.0.0',
    });
    expect(deployment.spec?.replicas).toBe(2);
    const pod = deployment.spec?.template;
    expect(pod?.metadata?.annotations?.['engagetrack.io/config-hash']).toMatch(/^[a-f0-9]{64}$/);
    expect(pod?.metadata?.labels?.['engagetrack.io/track']).toBe('stable');
    expect(pod?.spec?.containers[0]?.args).toEqual(['serve', '--config', '/etc/engagetrack/scorer.yaml']);
    expect(pod?.spec?.volumes?.find((volume) => volume.name === 'models')?.persistentVolumeClaim?.claimName).toBe('engagetrack-models');

    const { networking, core } = clients(kc);
    const ingress = await networking.readNamespacedIngress({ namespace, name: 'telco-churn' });
    expect(ingress.metadata?.annotations).toMatchObject({
      'nginx.ingress.kubernetes.io/limit-rps': '50',
      'nginx.ingress.kubernetes.io/limit-burst-multiplier': '5',
      'nginx.ingress.kubernetes.io/limit-connections': '20',
    });
    expect(ingress.spec?.rules?.[0]?.host).toBe('churn.example.com');
    expect(ingress.spec?.rules?.[0]?.http?.paths.map(({ path, pathType }) => `${pathType} ${path}`)).toEqual([
      'Exact /v1/models/telco-churn',
      'Exact /v1/models/telco-churn:predict',
      'Prefix /v2/models/telco-churn',
      'Prefix /v2/health',
    ]);
    const experimentIngress = await networking.readNamespacedIngress({ namespace, name: 'retention-q1' });
    expect(experimentIngress.spec?.rules?.[0]?.http?.paths.map(({ path, pathType }) => `${pathType} ${path}`)).toEqual([
      'Prefix /v1/experiments/retention-q1',
    ]);

    const config = await core.readNamespacedConfigMap({ namespace, name: 'retention-q1-nudge' });
    expect(config.data?.['scorer.yaml']).toContain('salt: 2026-q1');
    expect(config.data?.['scorer.yaml']).toContain('limit: 500');
    expect(config.data?.['scorer.yaml']).toContain('uri: file:///models/telco-churn/1.0.0');
  });

  it('samples turn Ready when KWOK runs the pods', async () => {
    const model = await waitForReady(kc, namespace, 'churnmodels', 'telco-churn');
    expect(model.status?.['url']).toBe('http://churn.example.com/');
    expect(model.status?.['currentVersion']).toBe('1.0.0');
    expect(model.status?.['readyReplicas']).toBe(2);
    for (const type of ['ModelLoaded', 'Progressing', 'Degraded']) {
      expect(condition(model, type), type).toBeDefined();
    }
    expect(condition(model, 'Progressing')?.status).toBe('False');

    const experiment = await waitForReady(kc, namespace, 'nudgeexperiments', 'retention-q1');
    expect(experiment.status?.['modelVersion']).toBe('1.0.0');
    expect(experiment.status?.['url']).toBe('http://nudge.example.com/');
  });

  it('unchanged resources cause zero writes', async () => {
    await waitForReady(kc, namespace, 'churnmodels', 'telco-churn');
    // Let the last status writes and watch events settle.
    await sleep(3_000);
    const reconcilesBefore = counterValue(await operator.metrics(), 'engagetrack_operator_reconcile_total', { controller: 'churnmodel' });
    proxy.reset();

    // A label change wakes the reconciler without changing anything it manages.
    const result = await kubectl(['label', '-n', namespace, 'churnmodel', 'telco-churn', 'touched=yes']);
    expect(result.code, result.stderr).toBe(0);
    await eventually(async () => {
      const reconciles = counterValue(await operator.metrics(), 'engagetrack_operator_reconcile_total', { controller: 'churnmodel' });
      expect(reconciles).toBeGreaterThan(reconcilesBefore);
    });
    await sleep(2_000);

    expect(proxy.writes()).toEqual([]);
  });

  it('hand edits of managed fields are reverted', async () => {
    const { apps, core } = clients(kc);
    await apps.patchNamespacedDeployment({ namespace, name: 'telco-churn-scorer', body: { spec: { replicas: 5 } } }, mergePatch);
    await core.patchNamespacedConfigMap(
      { namespace, name: 'telco-churn-scorer', body: { data: { 'scorer.yaml': 'edited: true\n' } } },
      mergePatch,
    );

    await eventually(async () => {
      expect((await readDeployment(kc, namespace, 'telco-churn-scorer')).spec?.replicas).toBe(2);
      const config = await core.readNamespacedConfigMap({ namespace, name: 'telco-churn-scorer' });
      expect(config.data?.['scorer.yaml']).toContain('name: telco-churn');
    });
  });

  it('experiment waits for a missing model', async () => {
    await createResource(kc, namespace, 'nudgeexperiments', nudgeExperiment('orphan', 'late-model'));
    const waiting = await waitForReady(kc, namespace, 'nudgeexperiments', 'orphan', { status: 'False', reason: 'ModelNotFound' });
    expect(condition(waiting, 'Ready')?.message).toContain('late-model');

    await createResource(kc, namespace, 'churnmodels', churnModel('late-model'));
    const ready = await waitForReady(kc, namespace, 'nudgeexperiments', 'orphan');
    expect(ready.status?.['modelVersion']).toBe('1.0.0');
  });

  it('model version change rolls the experiment', async () => {
    // The default Canary strategy with one short step: the experiment moves only when the
    // model promotes, and its pods and status.modelVersion move together.
    const rollout = { steps: [{ weight: 50, pauseSeconds: 1 }], progressDeadlineSeconds: 60 };
    await createResource(kc, namespace, 'churnmodels', churnModel('promoted-model', { rollout }));
    await createResource(kc, namespace, 'nudgeexperiments', nudgeExperiment('follower', 'promoted-model'));
    const ready = await waitForReady(kc, namespace, 'nudgeexperiments', 'follower');
    expect(ready.status?.['modelVersion']).toBe('1.0.0');
    const before = await readDeployment(kc, namespace, 'follower-nudge');
    const hashBefore = before.spec?.template.metadata?.annotations?.['engagetrack.io/config-hash'];

    await clients(kc).custom.patchNamespacedCustomObject(
      {
        group: 'engagetrack.io',
        version: 'v1alpha1',
        namespace,
        plural: 'churnmodels',
        name: 'promoted-model',
        body: { spec: { version: '1.1.0', modelUri: 'https://models.example.com/telco-churn/1.1.0/' } },
      },
      mergePatch,
    );

    const after = await eventually(async () => {
      const deployment = await readDeployment(kc, namespace, 'follower-nudge');
      expect(deployment.spec?.template.metadata?.labels?.['app.kubernetes.io/version']).toBe('1.1.0');
      return deployment;
    }, { timeoutMs: 90_000 });
    expect(after.spec?.template.metadata?.annotations?.['engagetrack.io/config-hash']).not.toBe(hashBefore);
    const model = await getResource(kc, namespace, 'churnmodels', 'promoted-model');
    expect(model.status?.['currentVersion']).toBe('1.1.0');

    // modelVersion moves once every experiment pod runs the new version.
    await eventually(async () => {
      const experiment = await waitForReady(kc, namespace, 'nudgeexperiments', 'follower');
      expect(experiment.status?.['modelVersion']).toBe('1.1.0');
    }, { timeoutMs: 90_000 });
    const config = await clients(kc).core.readNamespacedConfigMap({ namespace, name: 'follower-nudge' });
    expect(config.data?.['scorer.yaml']).toContain('uri: https://models.example.com/telco-churn/1.1.0/');
  });

  it('missing model volume claim names the pod reason', async () => {
    const modelVolume = { claimName: 'no-such-claim' };
    await createResource(kc, namespace, 'churnmodels', churnModel('unclaimed', { modelUri: 'file:///models/telco-churn/1.0.0', modelVolume }));

    // The operator lists the pods once the Deployment has made no progress for 10 s.
    const pending = await eventually(async () => {
      const model = await getResource(kc, namespace, 'churnmodels', 'unclaimed');
      expect(condition(model, 'Ready')?.message).toContain('persistentvolumeclaim "no-such-claim" not found');
      return model;
    }, { timeoutMs: 60_000 });
    expect(condition(pending, 'Ready')).toMatchObject({ status: 'False', reason: 'ReplicasUnavailable' });
    expect(condition(pending, 'Ready')?.message).toMatch(/^Deployment unclaimed-scorer has 0 of 1 pods available; pod unclaimed-scorer-/);
  });

  it('ingress path prefix becomes a rewrite', async () => {
    await createResource(kc, namespace, 'churnmodels', churnModel('prefixed', { ingress: { host: 'prefixed.example.com', path: '/churn/' } }));

    const ingress = await eventually(
      () => clients(kc).networking.readNamespacedIngress({ namespace, name: 'prefixed' }),
      { timeoutMs: 60_000 },
    );
    expect(ingress.metadata?.annotations?.['nginx.ingress.kubernetes.io/rewrite-target']).toBe('$1');
    expect(ingress.spec?.rules?.[0]?.http?.paths.map(({ path, pathType }) => `${pathType} ${path}`)).toEqual([
      'ImplementationSpecific /churn(/v1/models/prefixed)$',
      'ImplementationSpecific /churn(/v1/models/prefixed:predict)$',
      'ImplementationSpecific /churn(/v2/models/prefixed(?:/.*)?)$',
      'ImplementationSpecific /churn(/v2/health(?:/.*)?)$',
    ]);
    const model = await waitForReady(kc, namespace, 'churnmodels', 'prefixed');
    expect(model.status?.['url']).toBe('http://prefixed.example.com/churn/');
  });

  it('invalid variant layout leaves the children unchanged', async () => {
    await createResource(kc, namespace, 'churnmodels', churnModel('layout-model'));
    await createResource(kc, namespace, 'nudgeexperiments', nudgeExperiment('layout', 'layout-model'));
    await waitForReady(kc, namespace, 'nudgeexperiments', 'layout');
    const deploymentBefore = await readDeployment(kc, namespace, 'layout-nudge');
    const configBefore = await clients(kc).core.readNamespacedConfigMap({ namespace, name: 'layout-nudge' });

    // The CRD accepts these weights, but the third ranged variant overlaps the second.
    const variants = [
      { name: 'control', weight: 10, control: true },
      ...['a', 'b', 'c'].map((name) => ({ name, weight: 30, nudges: { high: { action: 'offer', channel: 'email', message: 'Hi.' } } })),
    ];
    await clients(kc).custom.patchNamespacedCustomObject(
      { group: 'engagetrack.io', version: 'v1alpha1', namespace, plural: 'nudgeexperiments', name: 'layout', body: { spec: { variants } } },
      mergePatch,
    );

    const invalid = await waitForReady(kc, namespace, 'nudgeexperiments', 'layout', { status: 'False', reason: 'InvalidVariantLayout' });
    expect(condition(invalid, 'Ready')?.message).toContain('spec.variants[3].weight');
    expect(condition(invalid, 'Ready')?.message).toContain('"c" can have a weight of at most 20');
    expect(condition(invalid, 'Degraded')).toMatchObject({ status: 'True', reason: 'InvalidVariantLayout' });
    expect(invalid.status?.['modelVersion']).toBe('1.0.0');

    await sleep(2_000);
    const deploymentAfter = await readDeployment(kc, namespace, 'layout-nudge');
    expect(deploymentAfter.metadata?.generation).toBe(deploymentBefore.metadata?.generation);
    const configAfter = await clients(kc).core.readNamespacedConfigMap({ namespace, name: 'layout-nudge' });
    expect(configAfter.data).toEqual(configBefore.data);
    const events = await clients(kc).events.listNamespacedEvent({ namespace });
    const layoutEvents = events.items.filter(
      (event) => event.regarding?.name === 'layout' && event.reason === 'InvalidVariantLayout',
    );
    expect(layoutEvents.map((event) => event.type)).toEqual(['Warning']);
  });

  it('invalid message template leaves the children unchanged', async () => {
    await createResource(kc, namespace, 'churnmodels', churnModel('template-model'));
    await createResource(kc, namespace, 'nudgeexperiments', nudgeExperiment('template', 'template-model'));
    await waitForReady(kc, namespace, 'nudgeexperiments', 'template');
    const deploymentBefore = await readDeployment(kc, namespace, 'template-nudge');
    const configBefore = await clients(kc).core.readNamespacedConfigMap({ namespace, name: 'template-nudge' });

    // The CRD's template rule accepts a stray "}}", but the scorer rejects it at start-up.
    const variants = [
      { name: 'control', weight: 50, control: true },
      { name: 'discount', weight: 50, nudges: { high: { action: 'offer', channel: 'email', message: 'Save 20%}} now' } } },
    ];
    await clients(kc).custom.patchNamespacedCustomObject(
      { group: 'engagetrack.io', version: 'v1alpha1', namespace, plural: 'nudgeexperiments', name: 'template', body: { spec: { variants } } },
      mergePatch,
    );

    const invalid = await waitForReady(kc, namespace, 'nudgeexperiments', 'template', { status: 'False', reason: 'InvalidExperimentConfig' });
    expect(condition(invalid, 'Ready')?.message).toContain('spec.variants[1].nudges.high.message: unbalanced "{{" or "}}"');
    expect(condition(invalid, 'Degraded')).toMatchObject({ status: 'True', reason: 'InvalidExperimentConfig' });

    await sleep(2_000);
    const deploymentAfter = await readDeployment(kc, namespace, 'template-nudge');
    expect(deploymentAfter.metadata?.generation).toBe(deploymentBefore.metadata?.generation);
    const configAfter = await clients(kc).core.readNamespacedConfigMap({ namespace, name: 'template-nudge' });
    expect(configAfter.data).toEqual(configBefore.data);
    const events = await clients(kc).events.listNamespacedEvent({ namespace });
    const configEvents = events.items.filter(
      (event) => event.regarding?.name === 'template' && event.reason === 'InvalidExperimentConfig',
    );
    expect(configEvents.map((event) => event.type)).toEqual(['Warning']);
  });

  it('deleting a resource leaves nothing behind', async () => {
    await createResource(kc, namespace, 'churnmodels', churnModel('short-lived'));
    await eventually(async () => {
      expect((await managedChildren(kc, namespace)).deployments).toContain('short-lived-scorer');
    });

    await clients(kc).custom.deleteNamespacedCustomObject({
      group: 'engagetrack.io',
      version: 'v1alpha1',
      namespace,
      plural: 'churnmodels',
      name: 'short-lived',
    });

    await eventually(async () => {
      const children = await managedChildren(kc, namespace);
      for (const names of Object.values(children) as string[][]) {
        expect(names.filter((name) => name.startsWith('short-lived'))).toEqual([]);
      }
    }, { timeoutMs: 60_000 });
  });
});
