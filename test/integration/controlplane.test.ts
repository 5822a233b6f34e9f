import { ApiextensionsV1Api, AppsV1Api, CoreV1Api, KubeConfig, type V1Deployment, type V1Pod } from '@kubernetes/client-node';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { startControlPlane } from '../harness/controlplane.ts';
import {
  applyCrds,
  createTestNamespace,
  deleteTestNamespace,
  eventually,
  kubectl,
  testKubeConfig,
} from '../harness/kube.ts';

// A container spec that the restricted Pod Security profile admits.
const restrictedContainer = {
  name: 'app',
  image: 'registry.example/app:1.0.0',
  securityContext: {
    runAsNonRoot: true,
    runAsUser: 10001,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  },
};

function deployment(name: string, replicas: number): V1Deployment {
  const labels = { 'app.kubernetes.io/name': name };
  return {
    metadata: { name, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [restrictedContainer] } },
    },
  };
}

function privilegedPod(name: string): V1Pod {
  return {
    metadata: { name },
    spec: {
      containers: [{ name: 'app', image: 'registry.example/app:1.0.0', securityContext: { privileged: true } }],
    },
  };
}

/**
 * Returns the HTTP status and the Status message of the API error a call throws, or
 * fails the test when the call succeeds.
 */
async function rejectionOf(call: Promise<unknown>): Promise<{ code?: number; message: string }> {
  try {
    await call;
  } catch (error) {
    const { code, body } = error as { code?: number; body?: unknown };
    const status = typeof body === 'string' ? (JSON.parse(body) as { message?: string }) : undefined;
    return { code, message: status?.message ?? String(error) };
  }
  throw new Error('expected the API server to reject the request, but it accepted it');
}

describe('test control plane', () => {
  let kc: KubeConfig;
  let namespace: string;

  beforeAll(async () => {
    kc = testKubeConfig();
    namespace = await createTestNamespace(kc, 'controlplane');
  });

  afterAll(async () => {
    await deleteTestNamespace(kc, namespace);
  });

  it('runs a deployment to two ready pods', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    await apps.createNamespacedDeployment({ namespace, body: deployment('ready-web', 2) });

    const ready = await eventually(
      async () => {
        const current = await apps.readNamespacedDeployment({ name: 'ready-web', namespace });
        expect(current.status?.readyReplicas).toBe(2);
        return current;
      },
      { timeoutMs: 60_000, message: 'deployment ready-web did not reach 2 ready replicas' },
    );
    expect(ready.status?.availableReplicas).toBe(2);

    const pods = await kc.makeApiClient(CoreV1Api).listNamespacedPod({
      namespace,
      labelSelector: 'app.kubernetes.io/name=ready-web',
    });
    expect(pods.items).toHaveLength(2);
    for (const pod of pods.items) {
      expect(pod.spec?.nodeName).toMatch(/^kwok-node-/);
      expect(pod.status?.phase).toBe('Running');
      expect(pod.status?.podIP).toBeTruthy();
    }
  });

  it('garbage-collects replica sets and pods of a deleted deployment', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const core = kc.makeApiClient(CoreV1Api);
    const labelSelector = 'app.kubernetes.io/name=collected-web';
    await apps.createNamespacedDeployment({ namespace, body: deployment('collected-web', 2) });
    await eventually(
      async () => {
        const pods = await core.listNamespacedPod({ namespace, labelSelector });
        expect(pods.items).toHaveLength(2);
      },
      { timeoutMs: 60_000, message: 'deployment collected-web did not create 2 pods' },
    );

    await apps.deleteNamespacedDeployment({ name: 'collected-web', namespace, propagationPolicy: 'Background' });

    await eventually(
      async () => {
        const replicaSets = await apps.listNamespacedReplicaSet({ namespace, labelSelector });
        expect(replicaSets.items).toHaveLength(0);
        const pods = await core.listNamespacedPod({ namespace, labelSelector });
        expect(pods.items).toHaveLength(0);
      },
      { timeoutMs: 60_000, message: 'the garbage collector did not remove the replica set and pods' },
    );
  });

  it('rejects a privileged pod in a restricted namespace', async () => {
    const core = kc.makeApiClient(CoreV1Api);

    const error = await rejectionOf(core.createNamespacedPod({ namespace, body: privilegedPod('privileged') }));

    expect(error.code).toBe(403);
    expect(error.message).toContain('violates PodSecurity "restricted:latest"');
    expect(error.message).toContain('must not set securityContext.privileged=true');
  });

  it('admits a privileged pod in a namespace without enforcement', async () => {
    const open = await createTestNamespace(kc, 'controlplane-open', { restricted: false });
    try {
      const created = await kc.makeApiClient(CoreV1Api).createNamespacedPod({
        namespace: open,
        body: privilegedPod('privileged'),
      });
      expect(created.metadata?.name).toBe('privileged');
    } finally {
      await deleteTestNamespace(kc, open);
    }
  });

  it('forbids a user without role bindings', async () => {
    const user = 'engagetrack-test-nobody';
    const impersonating = kubeConfigImpersonating(kc, user);

    const error = await rejectionOf(impersonating.makeApiClient(CoreV1Api).listNamespacedPod({ namespace }));

    expect(error.code).toBe(403);
    expect(error.message).toContain(`User "${user}" cannot list resource "pods"`);
  });

  it('runs kubectl as a user without role bindings', async () => {
    const result = await kubectl(['get', 'pods', '--namespace', namespace, '--as', 'engagetrack-test-nobody']);

    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('Forbidden');
  });

  it('applies manifests through kubectl stdin', async () => {
    const manifest = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'from-stdin' } });

    const result = await kubectl(['apply', '--namespace', namespace, '-f', '-'], { input: manifest });

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('configmap/from-stdin created');
  });
});

describe('applyCrds', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'engagetrack-crds-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function widgetCrd(schema: object): string {
    return JSON.stringify({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.harness.engagetrack.io' },
      spec: {
        group: 'harness.engagetrack.io',
        names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
        scope: 'Namespaced',
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } }],
      },
    });
  }

  it('waits until the definition is Established', async () => {
    const kc = testKubeConfig();
    // A field with x-kubernetes-int-or-string and no type is only valid when the
    // extension key reaches the API server, so this also checks it is not dropped.
    const spec = { type: 'object', properties: { size: { 'x-kubernetes-int-or-string': true } } };
    await writeFile(join(dir, 'widgets.yaml'), widgetCrd({ type: 'object', properties: { spec } }));

    await applyCrds(kc, dir);

    const crd = await kc
      .makeApiClient(ApiextensionsV1Api)
      .readCustomResourceDefinition({ name: 'widgets.harness.engagetrack.io' });
    const established = crd.status?.conditions?.find((condition) => condition.type === 'Established');
    expect(established?.status).toBe('True');
  });

  it('names an invalid definition', async () => {
    await writeFile(join(dir, 'widgets.yaml'), widgetCrd({ type: 'object', properties: { spec: {} } }));

    await expect(applyCrds(testKubeConfig(), dir)).rejects.toThrow(
      /^applying CustomResourceDefinition widgets\.harness\.engagetrack\.io failed: .*properties\[spec\]\.type: Required value/,
    );
  });

  it('rejects a folder without definitions', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'engagetrack-no-crds-'));
    try {
      await expect(applyCrds(testKubeConfig(), empty)).rejects.toThrow(
        `no CustomResourceDefinition found in ${empty}/*.yaml`,
      );
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('API server restart', () => {
  it('keeps the port and the stored objects', async () => {
    const controlPlane = await startControlPlane({ binDir: inject('controlPlaneBin'), fakeNodes: 1 });
    try {
      const kc = new KubeConfig();
      kc.loadFromFile(controlPlane.kubeconfigPath);
      const core = kc.makeApiClient(CoreV1Api);
      await core.createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name: 'kept' }, data: { answer: '42' } },
      });

      await controlPlane.stopApiServer();
      expect(await acceptsConnections(controlPlane.server)).toBe(false);

      await controlPlane.startApiServer();
      expect(await acceptsConnections(controlPlane.server)).toBe(true);
      const restored = await core.readNamespacedConfigMap({ name: 'kept', namespace: 'default' });
      expect(restored.data).toEqual({ answer: '42' });
    } finally {
      await controlPlane.stop();
    }
  });
});

/** Returns whether a TCP connection to the host and port of `url` succeeds. */
function acceptsConnections(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Copies the current cluster and user of `kc` into a KubeConfig whose requests carry
 * `Impersonate-User: <user>`, which the admin may send.
 */
function kubeConfigImpersonating(kc: KubeConfig, user: string): KubeConfig {
  const cluster = kc.getCurrentCluster();
  const admin = kc.getCurrentUser();
  if (!cluster || !admin) {
    throw new Error('the test kubeconfig has no current cluster or user');
  }

  const impersonating = new KubeConfig();
  impersonating.loadFromOptions({
    clusters: [cluster],
    users: [{ ...admin, name: 'impersonating', impersonateUser: user }],
    contexts: [{ name: 'impersonating', cluster: cluster.name, user: 'impersonating' }],
    currentContext: 'impersonating',
  });
  return impersonating;
}
