// Installs the operator the way the docs say, `kubectl apply --server-side -k config/default`,
// on the test control plane, and checks what appears. The operator image is never pulled:
// KWOK runs the pods as fake ones and reports them Ready once they are scheduled.
import { ApiextensionsV1Api, AppsV1Api, CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';

import { eventually, kubectl, testKubeConfig } from '../harness/kube.ts';

const NAMESPACE = 'engagetrack-system';

describe('kubectl apply -k config/default', () => {
  let kc: KubeConfig;

  beforeAll(async () => {
    kc = testKubeConfig();
    const applied = await kubectl(['apply', '--server-side', '-k', 'config/default']);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
  });

  it('creates the namespace with restricted Pod Security', async () => {
    const namespace = await kc.makeApiClient(CoreV1Api).readNamespace({ name: NAMESPACE });
    expect(namespace.metadata?.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'app.kubernetes.io/part-of': 'engagetrack',
    });
  });

  it.each(['churnmodels.engagetrack.io', 'nudgeexperiments.engagetrack.io'])('establishes CRD %s', async (name) => {
    const extensions = kc.makeApiClient(ApiextensionsV1Api);
    await eventually(async () => {
      const crd = await extensions.readCustomResourceDefinition({ name });
      const established = crd.status?.conditions?.find((condition) => condition.type === 'Established');
      expect(established?.status).toBe('True');
    });
  });

  it('creates the ServiceAccount and roles', async () => {
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    await kc.makeApiClient(CoreV1Api).readNamespacedServiceAccount({ name: 'engagetrack-operator', namespace: NAMESPACE });
    await rbac.readClusterRole({ name: 'engagetrack-operator' });
    await rbac.readClusterRoleBinding({ name: 'engagetrack-operator' });
    await rbac.readNamespacedRole({ name: 'engagetrack-operator-leader-election', namespace: NAMESPACE });
    await rbac.readNamespacedRoleBinding({ name: 'engagetrack-operator-leader-election', namespace: NAMESPACE });
  });

  it('runs two Ready operator pods', async () => {
    // The ReplicaSet can create the pods only if they pass the restricted profile.
    const apps = kc.makeApiClient(AppsV1Api);
    const deployment = await eventually(
      async () => {
        const current = await apps.readNamespacedDeployment({ name: 'engagetrack-operator', namespace: NAMESPACE });
        expect(current.status?.readyReplicas).toBe(2);
        return current;
      },
      { timeoutMs: 120_000, message: 'the operator Deployment did not get 2 Ready replicas' },
    );

    expect(deployment.status?.availableReplicas).toBe(2);
  });

  it('records no Pod Security rejection', async () => {
    const events = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: NAMESPACE });
    const rejections = events.items.filter((event) => event.reason === 'FailedCreate');
    expect(rejections.map((event) => event.message)).toEqual([]);
  });

  it('rejects a privileged pod in the namespace', async () => {
    const pod = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'privileged-probe', namespace: NAMESPACE },
      spec: { containers: [{ name: 'main', image: 'busybox', securityContext: { privileged: true } }] },
    });
    const result = await kubectl(['create', '--dry-run=server', '-f', '-'], { input: pod });

    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('violates PodSecurity "restricted:latest"');
  });

  it('applies again without changes', async () => {
    const diff = await kubectl(['diff', '--server-side', '-k', 'config/default']);
    // kubectl diff exits 0 when the cluster already matches the manifests.
    expect(diff.stdout).toBe('');
    expect(diff.code).toBe(0);
  });
});
