// Measures the operator on the local test control plane (etcd, kube-apiserver,
// controller-manager, scheduler and KWOK, built by test/controlplane/build.sh).
//
// Two runs create N ChurnModels each, `--workers` at a time, in their own namespaces:
//   - baseline: a plain client creates each model. Then, as the operator's
//     ServiceAccount, it applies the model's five children in the operator's order
//     (ConfigMap then Deployment, beside Service, NetworkPolicy and Ingress) and writes
//     the status the operator would write, one model per lane.
//   - operator: the benchmark creates the models and the operator (`--workers` workers)
//     does the rest.
// Both runs are "done" when every child exists (5 per model) and every ChurnModel has
// status.observedGeneration == metadata.generation, seen through watches polled every
// 100 ms. The time until every Deployment's rollout is complete is printed apart,
// because the controller-manager and KWOK set it, not the operator. The baseline's
// Deployments are complete before the operator run starts, so the two runs do not share
// the controller-manager.
//
// Also printed: API requests per model (counted by an HTTP proxy in front of the API
// server, which both runs go through), write requests while nothing changes (target 0)
// and the operator's resident memory (target at most 150 MB).
//
// Usage: node benchmarks/operator.ts [--models 500] [--workers 4] [--idle-seconds 120]
//          [--entry compiled|source] [--node-options=FLAGS] [--node-args=FLAGS]
// `compiled` (the default) builds with tsconfig.build.json and runs dist/operator/src/main.js,
// as the operator image does; `source` runs operator/src/main.ts through Node's type stripping.
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';

import { CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';

import { churnModelUrl, desiredChildren, scorerName, specRelease } from '../operator/src/churnmodel/builders.ts';
import { computeChurnModelStatus } from '../operator/src/churnmodel/status.ts';
import { withAppliedHash } from '../operator/src/runtime/apply.ts';
import { mergeConditions } from '../operator/src/runtime/conditions.ts';
import { KubeClient } from '../operator/src/runtime/kube-client.ts';
import { CHURN_MODEL, CONFIG_MAP, DEPLOYMENT, INGRESS, NETWORK_POLICY, SERVICE, collectionPath } from '../operator/src/runtime/resources.ts';
import type { ResourceType } from '../operator/src/runtime/resources.ts';
import { deploymentState } from '../operator/src/workload/deployment-state.ts';
import type { ChurnModel } from '../operator/src/workload/types.ts';
import { findControlPlaneBinaries } from '../test/harness/binaries.ts';
import { startControlPlane } from '../test/harness/controlplane.ts';
import { applyOperatorRbac, operatorKubeConfig } from '../test/harness/impersonation.ts';
import { readCrdManifests } from '../test/harness/kube.ts';
import { operatorEntryPoint, startCountingProxy, startOperator } from '../test/harness/operator-process.ts';
import type { CountingProxy, RecordedRequest } from '../test/harness/operator-process.ts';
import { ProgressTracker, isDone } from './operator-progress.ts';
import { cpuSecondsByName, formatCpuSeconds, takeCpuSnapshot } from './process-cpu.ts';
import type { Progress } from './operator-progress.ts';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: '500' },
    workers: { type: 'string', default: '4' },
    'idle-seconds': { type: 'string', default: '120' },
    entry: { type: 'string', default: 'compiled' },
    // Node flags of the operator image (Dockerfile.operator), so the benchmark measures the same process.
    'node-options': { type: 'string', default: '--max-semi-space-size=2' },
    // Node flags before the script, as the image's ENTRYPOINT has them; NODE_OPTIONS rejects these V8 flags.
    'node-args': { type: 'string', default: '--optimize-for-size' },
  },
});
const models = Number(values.models);
const workers = Number(values.workers);
const idleSeconds = Number(values['idle-seconds']);
if (values.entry !== 'compiled' && values.entry !== 'source') {
  throw new Error(`Invalid --entry "${values.entry}": expected compiled or source`);
}
const repositoryRoot = join(import.meta.dirname, '..');
const compiledEntryPoint = join(repositoryRoot, 'dist', 'operator', 'src', 'main.js');

const nodeOptions = values['node-options'];
const nodeArgs = values['node-args'].split(' ').filter((flag) => flag !== '');

const DONE_TIMEOUT_MS = 15 * 60_000;
const DEFINITION_OF_DONE =
  'every child exists (5 per model) and every ChurnModel has status.observedGeneration == metadata.generation';

interface RunFigures {
  /** performance.now() when the first model was created. */
  startedAt: number;
  doneMs: number;
  deploymentsCompleteMs: number;
  requestsToDone: number;
  requestsToComplete: number;
  /** CPU seconds per process from the first create until done. */
  cpuToDone: [string, number][];
}

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

/** Applies a child with the hash annotation the operator adds, so both runs send the same objects. */
function applyChild(client: KubeClient, type: ResourceType, object: KubernetesObject): Promise<KubernetesObject> {
  return client.apply(type, withAppliedHash({ ...object, apiVersion: type.apiVersion, kind: type.kind }));
}

/** Writes what the operator writes for a new model, in the operator's order, and nothing else. */
async function writeLikeTheOperator(client: KubeClient, model: ChurnModel): Promise<void> {
  const children = desiredChildren(model);
  const configMapThenDeployment = async () => {
    await applyChild(client, CONFIG_MAP, children.configMap);
    return (await applyChild(client, DEPLOYMENT, children.deployment)) as V1Deployment;
  };
  const [deployment] = await Promise.all([
    configMapThenDeployment(),
    applyChild(client, SERVICE, children.service),
    applyChild(client, NETWORK_POLICY, children.networkPolicy),
    applyChild(client, INGRESS, children.ingress!),
  ]);

  const computed = computeChurnModelStatus(model, {
    deploymentName: scorerName(model),
    deployment: deploymentState(deployment),
    release: specRelease(model),
    url: churnModelUrl(model),
  });
  const status = { ...computed.status, conditions: mergeConditions(undefined, computed.conditions, new Date()) };
  await client.patchStatus(CHURN_MODEL, model.metadata?.namespace ?? '', model.metadata?.name ?? '', status);
}

/**
 * Times one run: `create` starts at zero, then the tracker waits for done and for complete
 * Deployments. `processNames` names processes by id in the CPU figures.
 */
async function timeRun(
  tracker: ProgressTracker,
  proxy: CountingProxy,
  processNames: ReadonlyMap<number, string>,
  create: () => Promise<void>,
): Promise<RunFigures> {
  proxy.reset();
  const cpuBefore = await takeCpuSnapshot();
  const started = performance.now();
  await create();
  const done = await tracker.waitFor('done', (progress) => isDone(progress, models), DONE_TIMEOUT_MS);
  const cpuToDone = cpuSecondsByName(cpuBefore, await takeCpuSnapshot(), processNames);
  const requestsToDone = proxy.requests.length;
  const complete = await tracker.waitFor('complete Deployments', (progress) => progress.deploymentsComplete === models, DONE_TIMEOUT_MS);
  return {
    startedAt: started,
    doneMs: done - started,
    deploymentsCompleteMs: complete - started,
    requestsToDone,
    requestsToComplete: proxy.requests.length,
    cpuToDone,
  };
}

/**
 * Runs the baseline. The models are created as in the operator run (administrator, no
 * proxy). The children and statuses go through a counting proxy as the operator's
 * ServiceAccount, so both runs pay for the same hop and the same RBAC checks.
 */
async function measureBaseline(kubeconfigPath: string, admin: KubeConfig, client: KubeClient): Promise<RunFigures> {
  const namespace = 'bench-baseline';
  await applyOperatorRbac(admin);
  const proxy = await startCountingProxy(kubeconfigPath);
  const proxyConfig = new KubeConfig();
  proxyConfig.loadFromFile(proxy.kubeconfigPath);
  const operatorClient = new KubeClient(operatorKubeConfig(proxyConfig));
  const tracker = await ProgressTracker.start(client, namespace);
  try {
    return await timeRun(tracker, proxy, new Map([[process.pid, 'benchmark (client, proxy, tracker)']]), () =>
      pool(models, workers, async (index) => {
        const created = await createModel(client, namespace, `model-${index}`);
        await writeLikeTheOperator(operatorClient, created);
      }),
    );
  } finally {
    await tracker.stop();
    await proxy.stop();
  }
}

function buildOperator(): string {
  if (values.entry === 'source') return operatorEntryPoint;
  const tsc = join(repositoryRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const build = spawnSync(process.execPath, [tsc, '-p', join(repositoryRoot, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error(`Building the operator failed (tsc exit code ${build.status}); fix the type errors or pass --entry source`);
  return compiledEntryPoint;
}

/** Resident memory from /proc in MB: total, peak, anonymous (heap, stacks, malloc) and file-backed (the node binary, shared libraries). */
async function rssMegabytes(pid: number): Promise<{ current: number; peak: number; anonymous: number; file: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
  return { current: field('VmRSS'), peak: field('VmHWM'), anonymous: field('RssAnon'), file: field('RssFile') };
}

/** Reads one sample of a prom-client default metric, in MB. */
function metricMegabytes(metrics: string, name: string): string {
  const value = Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1]);
  return (value / 2 ** 20).toFixed(0);
}

/** Waits until no request has passed the proxy for 5 s. */
async function waitUntilQuiet(proxy: CountingProxy): Promise<void> {
  let seen = -1;
  while (proxy.requests.length !== seen) {
    seen = proxy.requests.length;
    await sleep(5_000);
  }
}

function writeBreakdown(requests: RecordedRequest[]): string {
  const counts = new Map<string, number>();
  for (const request of requests) {
    if (request.method === 'GET') continue;
    const path = request.path.split('?')[0]!.replace(/\/namespaces\/[^/]+/, '').replace(/\/(model-\d+[^/]*)/, '/NAME');
    const key = `${request.method} ${path}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].sort(([, a], [, b]) => b - a).map(([key, count]) => `    ${(count / models).toFixed(2)}  ${key}`).join('\n');
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  const entryPoint = buildOperator();
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
    for (const name of ['bench-operator', 'bench-baseline']) {
      await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
    }

    const baseline = await measureBaseline(controlPlane.kubeconfigPath, kc, client);

    const proxy = await startCountingProxy(controlPlane.kubeconfigPath);
    const operator = await startOperator({
      kubeconfigPath: proxy.kubeconfigPath,
      namespace: 'bench-operator',
      workers,
      entryPoint,
      env: { LOG_LEVEL: 'info', NODE_OPTIONS: nodeOptions },
      nodeArgs,
    });
    const tracker = await ProgressTracker.start(client, 'bench-operator');
    const processNames = new Map([
      [process.pid, 'benchmark (proxy, tracker)'],
      [operator.child.pid!, 'operator'],
    ]);
    const run = await timeRun(tracker, proxy, processNames, () =>
      pool(models, workers, async (index) => {
        await createModel(client, 'bench-operator', `model-${index}`);
      }),
    );
    const started = run.startedAt;
    const reported = await tracker.waitFor('statuses reporting the complete rollout', (progress: Progress) => progress.rolloutsReported === models, DONE_TIMEOUT_MS);
    await waitUntilQuiet(proxy);
    const settledMs = performance.now() - started;
    const settledRequests = [...proxy.requests];
    await tracker.stop();

    proxy.reset();
    await sleep(idleSeconds * 1000);
    const idleWrites = proxy.writes();
    const idleWriteKinds = [...new Set(idleWrites.map((request) => `${request.method} ${request.path.split('?')[0]}`))].slice(0, 5);
    const rss = await rssMegabytes(operator.child.pid!);
    const metrics = await operator.metrics();
    const reconciles = [...metrics.matchAll(/^engagetrack_operator_reconcile_total\{controller="churnmodel",result="(\w+)"\} (\S+)$/gm)]
      .map(([, result, count]) => `${result} ${count}`)
      .join(', ');

    await operator.stop();
    await proxy.stop();

    const perModel = (count: number) => (count / models).toFixed(1);
    console.log(`models: ${models}, workers and baseline concurrency: ${workers}`);
    console.log(`operator: ${values.entry === 'compiled' ? 'compiled JavaScript' : 'TypeScript through type stripping'} (${relative(repositoryRoot, entryPoint)}), NODE_OPTIONS=${nodeOptions}, node flags: ${nodeArgs.join(' ') || 'none'}`);
    console.log(`done = ${DEFINITION_OF_DONE}`);
    console.log(`time to done: operator ${seconds(run.doneMs)}, baseline ${seconds(baseline.doneMs)}, ratio ${(run.doneMs / baseline.doneMs).toFixed(2)} (target <= 1.5)`);
    console.log(`CPU time until done, baseline run (${os.availableParallelism()} CPUs): ${formatCpuSeconds(baseline.cpuToDone)}`);
    console.log(`CPU time until done, operator run: ${formatCpuSeconds(run.cpuToDone)}`);
    console.log(
      `time until every Deployment's rollout is complete (controller-manager and KWOK): operator run ${seconds(run.deploymentsCompleteMs)}, baseline run ${seconds(baseline.deploymentsCompleteMs)}`,
    );
    console.log(`time until every ChurnModel status reports Progressing=False: ${seconds(reported - started)}`);
    console.log(
      `API requests per model, to done: operator ${perModel(run.requestsToDone)}, baseline ${perModel(baseline.requestsToDone)}; ` +
        `to complete Deployments: operator ${perModel(run.requestsToComplete)}, baseline ${perModel(baseline.requestsToComplete)}; ` +
        `operator until settled (no request for 5 s, ${seconds(settledMs)}): ${perModel(settledRequests.length)}`,
    );
    console.log(`operator writes per model until settled:\n${writeBreakdown(settledRequests)}`);
    console.log(`churnmodel reconciles: ${reconciles}`);
    console.log(`writes during ${idleSeconds} s without changes: ${idleWrites.length} (target 0)${idleWrites.length ? `, e.g. ${idleWriteKinds.join('; ')}` : ''}`);
    console.log(
      `operator RSS after the idle window: ${rss.current.toFixed(0)} MB (target <= 150 MB; anonymous ${rss.anonymous.toFixed(0)} MB, ` +
        `file-backed ${rss.file.toFixed(0)} MB), peak ${rss.peak.toFixed(0)} MB; V8 heap used ${metricMegabytes(metrics, 'nodejs_heap_size_used_bytes')} MB ` +
        `of ${metricMegabytes(metrics, 'nodejs_heap_size_total_bytes')} MB, external ${metricMegabytes(metrics, 'nodejs_external_memory_bytes')} MB`,
    );
  } finally {
    await controlPlane.stop();
  }
}

await main();
