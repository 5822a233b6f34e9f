// Measures the operator on the local test control plane (etcd, kube-apiserver,
// controller-manager, scheduler and KWOK, built by test/controlplane/build.sh):
//
//   - time from creating N ChurnModels to every child created and every status written.
//     Beside it stands a lower bound from the same run: a plain client that creates the
//     same resources and children and writes the same status, with the same concurrency;
//   - API requests per resource, counted by an HTTP proxy in front of the API server;
//   - write requests while nothing changes (target 0);
//   - the operator's resident memory (target at most 150 MB).
//
// Usage: node benchmarks/operator.ts [--models 500] [--workers 4] [--idle-seconds 120]
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { CoreV1Api, CustomObjectsApi, KubeConfig, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import type { KubernetesObject } from '@kubernetes/client-node';

import { desiredChildren, scorerName } from '../operator/src/churnmodel/builders.ts';
import { KubeClient } from '../operator/src/runtime/kube-client.ts';
import { CHURN_MODEL, CONFIG_MAP, DEPLOYMENT, INGRESS, NETWORK_POLICY, SERVICE, collectionPath } from '../operator/src/runtime/resources.ts';
import type { ChurnModel } from '../operator/src/workload/types.ts';
import { findControlPlaneBinaries } from '../test/harness/binaries.ts';
import { startControlPlane } from '../test/harness/controlplane.ts';
import { readCrdManifests } from '../test/harness/kube.ts';
import { startCountingProxy, startOperator } from '../test/harness/operator-process.ts';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: '500' },
    workers: { type: 'string', default: '4' },
    'idle-seconds': { type: 'string', default: '120' },
  },
});
const models = Number(values.models);
const workers = Number(values.workers);
const idleSeconds = Number(values['idle-seconds']);
const repositoryRoot = join(import.meta.dirname, '..');

function churnModel(name: string, namespace: string): ChurnModel {
  return {
    apiVersion: CHURN_MODEL.apiVersion,
    kind: CHURN_MODEL.kind,
    metadata: { name, namespace },
    // Zero replicas: the two fake nodes hold 220 pods, and pods are not what is measured.
    spec: {
      modelUri: 'https://models.example.com/telco-churn/1.0.0/',
      version: '1.0.0',
      replicas: 0,
      ingress: { host: `${name}.example.com` },
      rollout: { strategy: 'Rolling' },
    },
  } as unknown as ChurnModel;
}

// Users create ChurnModels, the operator never does, so this goes around the operator's
// permission check in KubeClient.create.
async function createModel(client: KubeClient, namespace: string, name: string): Promise<ChurnModel> {
  return (await client.request('POST', collectionPath(CHURN_MODEL, namespace), { body: churnModel(name, namespace) })) as ChurnModel;
}

/** Runs `task` for 0..count-1 with at most `concurrency` in flight. */
async function pool(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: concurrency }, async () => {
    while (next < count) await task(next++);
  });
  await Promise.all(runners);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function countDone(custom: CustomObjectsApi, client: KubeClient, namespace: string): Promise<{ statuses: number; children: number }> {
  const list = (await custom.listNamespacedCustomObject({ group: 'engagetrack.io', version: 'v1alpha1', namespace, plural: 'churnmodels' })) as {
    items: ChurnModel[];
  };
  // Final status: observed the current generation, and the Deployment rollout is complete.
  const statuses = list.items.filter(
    (item) =>
      item.status?.observedGeneration === item.metadata?.generation &&
      item.status?.conditions?.some((condition) => condition.type === 'Progressing' && condition.status === 'False'),
  ).length;
  let children = 0;
  for (const type of [CONFIG_MAP, DEPLOYMENT, SERVICE, INGRESS, NETWORK_POLICY]) {
    children += (await client.list(type, { namespace, labelSelector: 'app.kubernetes.io/managed-by=engagetrack-operator' })).items.length;
  }
  return { statuses, children };
}

async function rssMegabytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kilobytes = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kilobytes / 1024;
}

async function main(): Promise<void> {
  const controlPlane = await startControlPlane({ binDir: await findControlPlaneBinaries() });
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(controlPlane.kubeconfigPath);
    const objects = KubernetesObjectApi.makeApiClient(kc);
    for (const crd of await readCrdManifests(join(repositoryRoot, 'crds'))) {
      await objects.patch(crd, undefined, undefined, 'engagetrack-bench', true, PatchStrategy.ServerSideApply);
    }
    await sleep(2_000);
    const client = new KubeClient(kc);
    const custom = kc.makeApiClient(CustomObjectsApi);
    for (const name of ['bench-operator', 'bench-baseline']) {
      await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
    }

    // The baseline goes through a counting proxy too, so both runs pay for the same hop.
    const baselineProxy = await startCountingProxy(controlPlane.kubeconfigPath);
    const baselineConfig = new KubeConfig();
    baselineConfig.loadFromFile(baselineProxy.kubeconfigPath);
    const baselineMs = await measureBaseline(new KubeClient(baselineConfig), 'bench-baseline');
    await baselineProxy.stop();

    const proxy = await startCountingProxy(controlPlane.kubeconfigPath);
    const operator = await startOperator({ kubeconfigPath: proxy.kubeconfigPath, namespace: 'bench-operator', workers, env: { LOG_LEVEL: 'info' } });
    proxy.reset();

    const started = performance.now();
    await pool(models, workers, async (index) => {
      await createModel(client, 'bench-operator', `model-${index}`);
    });
    for (;;) {
      const done = await countDone(custom, client, 'bench-operator');
      if (done.statuses === models && done.children === models * 5) break;
      await sleep(250);
    }
    const operatorMs = performance.now() - started;
    // Let the last watch events arrive, then count.
    await sleep(5_000);
    const requestsPerModel = proxy.requests.length / models;
    const writesPerModel = proxy.writes().length / models;

    // Wait until the operator is idle: no request through the proxy for 5 s.
    let seen = -1;
    while (proxy.requests.length !== seen) {
      seen = proxy.requests.length;
      await sleep(5_000);
    }
    const settledMs = performance.now() - started;
    proxy.reset();
    await sleep(idleSeconds * 1000);
    const idleWrites = proxy.writes().length;
    const idleWriteKinds = [...new Set(proxy.writes().map((request) => `${request.method} ${request.path.split('?')[0]}`))].slice(0, 5);
    const rss = await rssMegabytes(operator.child.pid!);
    const heapUsed = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(await operator.metrics())?.[1];

    await operator.stop();
    await proxy.stop();

    console.log(`models: ${models}, workers: ${workers}`);
    console.log(`operator: ${(operatorMs / 1000).toFixed(1)} s to every child and the final status (rollout complete)`);
    console.log(`baseline (plain client, same objects, concurrency ${workers}): ${(baselineMs / 1000).toFixed(1)} s`);
    console.log(`ratio operator / baseline: ${(operatorMs / baselineMs).toFixed(2)} (target <= 1.5)`);
    console.log(`API requests per model: ${requestsPerModel.toFixed(1)} (writes ${writesPerModel.toFixed(1)}, baseline writes 7)`);
    console.log(`settled (no API request for 5 s) after: ${(settledMs / 1000).toFixed(1)} s`);
    console.log(`writes during ${idleSeconds} s without changes: ${idleWrites} (target 0)${idleWrites ? `, e.g. ${idleWriteKinds.join('; ')}` : ''}`);
    console.log(`operator RSS: ${rss.toFixed(0)} MB (target <= 150 MB), V8 heap used ${(Number(heapUsed) / 2 ** 20).toFixed(0)} MB`);
  } finally {
    await controlPlane.stop();
  }
}

/** Measures the lower bound: creates each model, applies its five children and writes its status, nothing else. */
async function measureBaseline(client: KubeClient, namespace: string): Promise<number> {
  const started = performance.now();
  await pool(models, workers, async (index) => {
    const created = await createModel(client, namespace, `model-${index}`);
    const children = desiredChildren(created);
    const writes: [typeof CONFIG_MAP, KubernetesObject][] = [
      [CONFIG_MAP, children.configMap],
      [DEPLOYMENT, children.deployment],
      [SERVICE, children.service],
      [NETWORK_POLICY, children.networkPolicy],
      [INGRESS, children.ingress!],
    ];
    for (const [type, object] of writes) await client.apply(type, { ...object, apiVersion: type.apiVersion, kind: type.kind });
    await client.patchStatus(CHURN_MODEL, namespace, created.metadata?.name ?? '', {
      observedGeneration: created.metadata?.generation,
      url: `http://${scorerName(created)}.${namespace}.svc.cluster.local`,
    });
  });
  return performance.now() - started;
}

await main();
