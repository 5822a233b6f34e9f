// Shared pieces of the operator integration tests: resource factories and readers.
import { AppsV1Api, CoreV1Api, CustomObjectsApi, EventsV1Api, NetworkingV1Api } from '@kubernetes/client-node';
import type { KubeConfig, V1Deployment } from '@kubernetes/client-node';
import { expect } from 'vitest';

import { eventually } from '../harness/kube.ts';

export const GROUP = 'engagetrack.io';
export const VERSION = 'v1alpha1';

export interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

export interface CustomResource {
  metadata: { name: string; namespace: string; generation?: number; uid?: string };
  spec: Record<string, unknown>;
  status?: { conditions?: Condition[]; [field: string]: unknown };
}

export function clients(kc: KubeConfig) {
  return {
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    networking: kc.makeApiClient(NetworkingV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
    events: kc.makeApiClient(EventsV1Api),
  };
}

/** A ChurnModel served over HTTPS with a Rolling update, so version changes apply at once. */
export function churnModel(name: string, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'ChurnModel',
    metadata: { name },
    spec: {
      modelUri: 'https://models.example.com/telco-churn/1.0.0/',
      version: '1.0.0',
      replicas: 1,
      ingress: { host: `${name}.example.com` },
      rollout: { strategy: 'Rolling' },
      ...spec,
    },
  };
}

export function nudgeExperiment(name: string, modelName: string, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'NudgeExperiment',
    metadata: { name },
    spec: {
      modelRef: { name: modelName },
      assignment: { salt: 'test-salt' },
      replicas: 1,
      variants: [
        { name: 'control', weight: 50, control: true },
        {
          name: 'discount',
          weight: 50,
          nudges: { high: { action: 'offer-discount-20', channel: 'email', message: 'Take 20% off.' } },
        },
      ],
      ...spec,
    },
  };
}

export async function createResource(kc: KubeConfig, namespace: string, plural: string, body: object): Promise<void> {
  await clients(kc).custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural, body });
}

export async function getResource(kc: KubeConfig, namespace: string, plural: string, name: string): Promise<CustomResource> {
  return (await clients(kc).custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural, name })) as CustomResource;
}

export function condition(resource: CustomResource, type: string): Condition | undefined {
  return resource.status?.conditions?.find((entry) => entry.type === type);
}

/** Waits until the resource's Ready condition has `status` (and `reason`, when given) for its current generation. */
export async function waitForReady(
  kc: KubeConfig,
  namespace: string,
  plural: string,
  name: string,
  expected: { status: string; reason?: string } = { status: 'True' },
  timeoutMs = 90_000,
): Promise<CustomResource> {
  return eventually(
    async () => {
      const resource = await getResource(kc, namespace, plural, name);
      const ready = condition(resource, 'Ready');
      expect(ready?.status, `Ready of ${plural}/${name}: ${JSON.stringify(ready)}`).toBe(expected.status);
      if (expected.reason) expect(ready?.reason).toBe(expected.reason);
      expect(resource.status?.['observedGeneration']).toBe(resource.metadata.generation);
      return resource;
    },
    { timeoutMs, intervalMs: 500, message: `${plural}/${name} did not reach Ready=${expected.status}` },
  );
}

export async function readDeployment(kc: KubeConfig, namespace: string, name: string): Promise<V1Deployment> {
  return clients(kc).apps.readNamespacedDeployment({ namespace, name });
}

/** Lists the names of the operator's children in `namespace`, by kind. */
export interface ChildNames {
  configMaps: string[];
  deployments: string[];
  services: string[];
  ingresses: string[];
  networkPolicies: string[];
}

export async function managedChildren(kc: KubeConfig, namespace: string): Promise<ChildNames> {
  const { core, apps, networking } = clients(kc);
  const labelSelector = 'app.kubernetes.io/managed-by=engagetrack-operator';
  const names = (list: { items: { metadata?: { name?: string } }[] }) => list.items.map((item) => item.metadata?.name ?? '').sort();
  return {
    configMaps: names(await core.listNamespacedConfigMap({ namespace, labelSelector })),
    deployments: names(await apps.listNamespacedDeployment({ namespace, labelSelector })),
    services: names(await core.listNamespacedService({ namespace, labelSelector })),
    ingresses: names(await networking.listNamespacedIngress({ namespace, labelSelector })),
    networkPolicies: names(await networking.listNamespacedNetworkPolicy({ namespace, labelSelector })),
  };
}

/** Creates a statically bound PersistentVolume and claim, for resources that mount a model volume. */
export async function createModelVolume(kc: KubeConfig, namespace: string, claimName: string): Promise<string> {
  const { core } = clients(kc);
  const volumeName = `${namespace}-${claimName}`.slice(0, 63);
  await core.createPersistentVolume({
    body: {
      metadata: { name: volumeName },
      spec: {
        capacity: { storage: '1Gi' },
        accessModes: ['ReadOnlyMany'],
        storageClassName: '',
        persistentVolumeReclaimPolicy: 'Retain',
        hostPath: { path: '/var/lib/engagetrack-models' },
        claimRef: { namespace, name: claimName },
      },
    },
  });
  await core.createNamespacedPersistentVolumeClaim({
    namespace,
    body: {
      metadata: { name: claimName },
      spec: { accessModes: ['ReadOnlyMany'], storageClassName: '', volumeName, resources: { requests: { storage: '1Gi' } } },
    },
  });
  return volumeName;
}

/** Sums a Prometheus counter over every series whose labels include `labels`. */
export function counterValue(metricsText: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const matches = Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`));
    if (matches) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
