// Shared pieces of the rollout integration tests: ChurnModels with short canary steps,
// readers of the rollout status, and a per-test namespace with its own operator.
import { EventsV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeConfig, V1Deployment } from '@kubernetes/client-node';
import { expect } from 'vitest';

import { createTestNamespace, eventually, kubeconfigPath } from '../harness/kube.ts';
import { startOperator } from '../harness/operator-process.ts';
import type { OperatorProcess } from '../harness/operator-process.ts';
import { GROUP, VERSION, clients, createResource, getResource } from './operator-fixtures.ts';
import type { CustomResource } from './operator-fixtures.ts';

export const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export const V1 = { version: '1.0.0', modelUri: 'https://models.example.com/telco-churn/1.0.0/' };
export const V2 = { version: '1.1.0', modelUri: 'https://models.example.com/telco-churn/1.1.0/' };

export interface CanaryStatus {
  version: string;
  modelUri: string;
  weight: number;
  step: number;
  stepStartedAt: string;
}

export interface HistoryEntry {
  version: string;
  outcome: string;
  reason?: string;
}

/** Builds a ChurnModel at V1 with one replica and the given rollout settings. */
export function rolloutModel(name: string, rollout: Record<string, unknown>, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'ChurnModel',
    metadata: { name },
    spec: { ...V1, replicas: 1, ingress: { host: `${name}.example.com` }, rollout, ...spec },
  };
}

export interface RolloutScope {
  kc: KubeConfig;
  namespace: string;
  operator: OperatorProcess;
}

/** Creates a namespace and starts an operator that watches only it. */
export async function startScope(kc: KubeConfig, prefix: string): Promise<RolloutScope> {
  const namespace = await createTestNamespace(kc, prefix);
  const operator = await startOperator({ kubeconfigPath: kubeconfigPath(), namespace, workers: 2 });
  return { kc, namespace, operator };
}

export async function createModel(scope: RolloutScope, body: object): Promise<void> {
  await createResource(scope.kc, scope.namespace, 'churnmodels', body);
}

export async function patchModelSpec(scope: RolloutScope, name: string, spec: Record<string, unknown>): Promise<void> {
  await clients(scope.kc).custom.patchNamespacedCustomObject(
    { group: GROUP, version: VERSION, namespace: scope.namespace, plural: 'churnmodels', name, body: { spec } },
    mergePatch,
  );
}

export async function readModel(scope: RolloutScope, name: string): Promise<CustomResource> {
  return getResource(scope.kc, scope.namespace, 'churnmodels', name);
}

export function canaryOf(model: CustomResource): CanaryStatus | undefined {
  return model.status?.['canary'] as CanaryStatus | undefined;
}

export function historyOf(model: CustomResource): HistoryEntry[] {
  return (model.status?.['history'] as HistoryEntry[] | undefined) ?? [];
}

/** Polls the model until `check` passes (it throws, an `expect` for example, until then) and returns the model. */
export async function waitForModel(
  scope: RolloutScope,
  name: string,
  check: (model: CustomResource) => void,
  options: { timeoutMs?: number; message: string },
): Promise<CustomResource> {
  return eventually(
    async () => {
      const model = await readModel(scope, name);
      check(model);
      return model;
    },
    { timeoutMs: options.timeoutMs ?? 90_000, intervalMs: 250, message: options.message },
  );
}

/** Waits for the first version to be served: currentVersion set and Progressing False. */
export async function waitForStable(scope: RolloutScope, name: string, version: string): Promise<CustomResource> {
  return waitForModel(
    scope,
    name,
    (model) => {
      expect(model.status?.['currentVersion']).toBe(version);
      const progressing = model.status?.conditions?.find((condition) => condition.type === 'Progressing');
      expect(progressing?.reason).toBe('RolloutComplete');
    },
    { message: `ChurnModel ${name} did not serve version ${version}` },
  );
}

export async function readDeploymentOrUndefined(scope: RolloutScope, name: string): Promise<V1Deployment | undefined> {
  try {
    return await clients(scope.kc).apps.readNamespacedDeployment({ namespace: scope.namespace, name });
  } catch (error) {
    if ((error as { code?: number }).code === 404) return undefined;
    throw error;
  }
}

export function versionLabel(deployment: V1Deployment | undefined): string | undefined {
  return deployment?.spec?.template.metadata?.labels?.['app.kubernetes.io/version'];
}

/** Lists the names of the canary children of model `name` that still exist. */
export async function canaryChildren(scope: RolloutScope, name: string): Promise<string[]> {
  const { core, apps, networking } = clients(scope.kc);
  const namespace = scope.namespace;
  const found: string[] = [];
  const probes: [string, () => Promise<unknown>][] = [
    [`ConfigMap/${name}-scorer-canary`, () => core.readNamespacedConfigMap({ namespace, name: `${name}-scorer-canary` })],
    [`Deployment/${name}-scorer-canary`, () => apps.readNamespacedDeployment({ namespace, name: `${name}-scorer-canary` })],
    [`Service/${name}-scorer-canary`, () => core.readNamespacedService({ namespace, name: `${name}-scorer-canary` })],
    [`Ingress/${name}-canary`, () => networking.readNamespacedIngress({ namespace, name: `${name}-canary` })],
  ];
  for (const [label, read] of probes) {
    try {
      await read();
      found.push(label);
    } catch (error) {
      if ((error as { code?: number }).code !== 404) throw error;
    }
  }
  return found;
}

/** Reasons of the Events about ChurnModel `name`, oldest first. */
export async function eventReasons(scope: RolloutScope, name: string): Promise<string[]> {
  const events = await scope.kc.makeApiClient(EventsV1Api).listNamespacedEvent({ namespace: scope.namespace });
  return events.items
    .filter((event) => event.regarding?.kind === 'ChurnModel' && event.regarding.name === name)
    .sort((a, b) => new Date(a.eventTime ?? 0).getTime() - new Date(b.eventTime ?? 0).getTime())
    .map((event) => event.reason ?? '');
}
