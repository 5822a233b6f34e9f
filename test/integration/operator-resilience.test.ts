// The operator survives crashes and API server outages: it converges after a kill in
// the middle of a reconcile, and keeps running through 30 s without an API server.
import { KubeConfig, KubernetesObjectApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { startControlPlane } from '../harness/controlplane.ts';
import type { ControlPlane } from '../harness/controlplane.ts';
import { applyCrds, createTestNamespace, deleteTestNamespace, eventually, readCrdManifests, testKubeConfig } from '../harness/kube.ts';
import { startOperator } from '../harness/operator-process.ts';
import type { OperatorProcess } from '../harness/operator-process.ts';
import { churnModel, clients, createResource, getResource, managedChildren, nudgeExperiment, sleep, waitForReady } from './operator-fixtures.ts';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const repositoryRoot = join(import.meta.dirname, '..', '..');

describe('operator restart', () => {
  let kc: KubeConfig;
  let namespace: string;
  let operator: OperatorProcess | undefined;

  beforeAll(async () => {
    kc = testKubeConfig();
    await applyCrds(kc);
    namespace = await createTestNamespace(kc, 'operator-restart');
  });

  afterAll(async () => {
    await operator?.stop();
    if (namespace) await deleteTestNamespace(kc, namespace);
  });

  it('kill midway converges after restart', async () => {
    const kubeconfig = inject('kubeconfig');
    operator = await startOperator({ kubeconfigPath: kubeconfig, namespace });
    const names = ['model-a', 'model-b', 'model-c', 'model-d', 'model-e'];
    for (const name of names) await createResource(kc, namespace, 'churnmodels', churnModel(name));
    await createResource(kc, namespace, 'nudgeexperiments', nudgeExperiment('experiment-a', 'model-a'));

    // Kill as soon as the first child exists, so some models are half reconciled.
    await eventually(async () => expect((await managedChildren(kc, namespace)).configMaps.length).toBeGreaterThan(0), { intervalMs: 20 });
    await operator?.kill();

    operator = await startOperator({ kubeconfigPath: kubeconfig, namespace });
    for (const name of names) await waitForReady(kc, namespace, 'churnmodels', name);
    await waitForReady(kc, namespace, 'nudgeexperiments', 'experiment-a');

    const children = await managedChildren(kc, namespace);
    expect(children.deployments).toEqual([...names.map((name) => `${name}-scorer`), 'experiment-a-nudge'].sort());
    expect(children.configMaps).toHaveLength(6);
    expect(children.services).toHaveLength(6);
    expect(children.ingresses).toHaveLength(6);
    expect(children.networkPolicies).toHaveLength(6);
  });
});

describe('API server outage', () => {
  let controlPlane: ControlPlane;
  let kc: KubeConfig;
  let operator: OperatorProcess | undefined;
  const namespace = 'outage';

  beforeAll(async () => {
    controlPlane = await startControlPlane({ binDir: inject('controlPlaneBin') });
    kc = new KubeConfig();
    kc.loadFromFile(controlPlane.kubeconfigPath);
    await installCrds(kc);
    await clients(kc).core.createNamespace({ body: { metadata: { name: namespace } } });
    await eventually(() => clients(kc).core.readNamespacedServiceAccount({ namespace, name: 'default' }));
  });

  afterAll(async () => {
    await operator?.stop();
    await controlPlane?.stop();
  });

  it('survives 30 s without the API server', async () => {
    operator = await startOperator({ kubeconfigPath: controlPlane.kubeconfigPath, namespace });
    const pid = operator.child.pid;
    await createResource(kc, namespace, 'churnmodels', churnModel('steady'));
    await waitForReady(kc, namespace, 'churnmodels', 'steady');

    await controlPlane.stopApiServer();
    await sleep(30_000);
    expect(operator.child.exitCode).toBeNull();
    await controlPlane.startApiServer();

    // Work that arrives after the outage is picked up by the same process.
    await clients(kc).custom.patchNamespacedCustomObject(
      { group: 'engagetrack.io', version: 'v1alpha1', namespace, plural: 'churnmodels', name: 'steady', body: { spec: { replicas: 2 } } },
      mergePatch,
    );
    await createResource(kc, namespace, 'churnmodels', churnModel('after-outage'));
    await waitForReady(kc, namespace, 'churnmodels', 'after-outage', { status: 'True' }, 120_000);
    await eventually(async () => {
      const steady = await getResource(kc, namespace, 'churnmodels', 'steady');
      expect(steady.status?.['readyReplicas']).toBe(2);
    }, { timeoutMs: 120_000 });

    expect(operator.child.pid).toBe(pid);
    expect(operator.child.exitCode).toBeNull();
  });
});

/** Applies crds/*.yaml to a cluster other than the shared test cluster. */
async function installCrds(kubeConfig: KubeConfig): Promise<void> {
  const objects = KubernetesObjectApi.makeApiClient(kubeConfig);
  for (const crd of await readCrdManifests(join(repositoryRoot, 'crds'))) {
    await objects.patch(crd, undefined, undefined, 'engagetrack-tests', true, PatchStrategy.ServerSideApply);
  }
  await sleep(2_000);
}
