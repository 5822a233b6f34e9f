// Renders the kustomize bases in config/ with kubectl's built-in kustomize (the kubectl
// of the test control plane) and checks what `kubectl apply -k config/default` installs.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

import type { KubernetesObject, V1Container, V1Deployment, V1NetworkPolicy, V1Service } from '@kubernetes/client-node';
import { load, loadAll } from 'js-yaml';
import { beforeAll, describe, expect, it } from 'vitest';

import { findControlPlaneBinaries } from '../harness/binaries.ts';

const ROOT = join(import.meta.dirname, '../..');
const NAMESPACE = 'engagetrack-system';
const run = promisify(execFile);

let kubectl = '';

beforeAll(async () => {
  kubectl = join(await findControlPlaneBinaries(), 'kubectl');
}, 900_000);

async function render(base: string): Promise<KubernetesObject[]> {
  const { stdout } = await run(kubectl, ['kustomize', join(ROOT, 'config', base)], { maxBuffer: 16 * 1024 * 1024 });
  return (loadAll(stdout) as (KubernetesObject | null)[]).filter((object): object is KubernetesObject => object !== null);
}

function find<T extends KubernetesObject>(objects: KubernetesObject[], kind: string, name: string): T {
  const found = objects.find((object) => object.kind === kind && object.metadata?.name === name);
  if (found === undefined) {
    throw new Error(`${kind} ${name} is missing from the rendered manifests`);
  }
  return found as T;
}

function operatorContainer(deployment: V1Deployment): V1Container {
  const container = deployment.spec?.template.spec?.containers.find((candidate) => candidate.name === 'operator');
  if (container === undefined) {
    throw new Error('the operator Deployment has no container named operator');
  }
  return container;
}

describe('config/default', () => {
  let objects: KubernetesObject[];
  let deployment: V1Deployment;
  let container: V1Container;

  beforeAll(async () => {
    objects = await render('default');
    deployment = find<V1Deployment>(objects, 'Deployment', 'engagetrack-operator');
    container = operatorContainer(deployment);
  });

  it('contains every install object', () => {
    const names = objects.map((object) => `${object.kind}/${object.metadata?.name}`).sort();
    expect(names).toEqual(
      [
        'ClusterRole/engagetrack-operator',
        'ClusterRoleBinding/engagetrack-operator',
        'CustomResourceDefinition/churnmodels.engagetrack.io',
        'CustomResourceDefinition/nudgeexperiments.engagetrack.io',
        'Deployment/engagetrack-operator',
        'Namespace/engagetrack-system',
        'NetworkPolicy/engagetrack-operator',
        'Role/engagetrack-operator-leader-election',
        'RoleBinding/engagetrack-operator-leader-election',
        'Service/engagetrack-operator-metrics',
        'ServiceAccount/engagetrack-operator',
      ].sort(),
    );
  });

  it('puts namespaced objects in engagetrack-system', () => {
    const clusterScoped = new Set(['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding']);
    for (const object of objects.filter((candidate) => !clusterScoped.has(candidate.kind ?? ''))) {
      expect(object.metadata?.namespace, `${object.kind}/${object.metadata?.name}`).toBe(NAMESPACE);
    }
  });

  it('labels every object part-of engagetrack', () => {
    for (const object of objects) {
      expect(object.metadata?.labels?.['app.kubernetes.io/part-of'], `${object.kind}/${object.metadata?.name}`).toBe(
        'engagetrack',
      );
    }
  });

  it('enforces restricted Pod Security on the namespace', () => {
    const namespace = find(objects, 'Namespace', NAMESPACE);
    expect(namespace.metadata?.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
    });
  });

  it('runs two replicas with leader election', () => {
    expect(deployment.spec?.replicas).toBe(2);
    expect(container.args).toContain('--leader-elect');
    expect(container.args).toContain('--health-port=8081');
    expect(deployment.spec?.template.spec?.serviceAccountName).toBe('engagetrack-operator');
  });

  it('passes pod name, namespace and scorer image', () => {
    const env = Object.fromEntries((container.env ?? []).map((variable) => [variable.name, variable]));
    expect(env['POD_NAME']?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
    expect(env['POD_NAMESPACE']?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.namespace');
    expect(env['SCORER_IMAGE']?.value).toMatch(/^\S+\/scorer:\S+$/);
  });

  it('probes health and readiness on 8081', () => {
    expect(container.ports).toContainEqual({ name: 'metrics', containerPort: 8081, protocol: 'TCP' });
    expect(container.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
  });

  it('sets resource requests and a memory limit', () => {
    expect(container.resources?.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(container.resources?.limits?.['memory']).toBeDefined();
  });

  it('meets the restricted security profile', () => {
    const pod = deployment.spec?.template.spec;
    expect(pod?.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod?.hostNetwork).toBeUndefined();
    expect(pod?.hostPID).toBeUndefined();
  });

  it('mounts an emptyDir at /tmp', () => {
    const volume = deployment.spec?.template.spec?.volumes?.find((candidate) => candidate.name === 'tmp');
    expect(volume?.emptyDir).toBeDefined();
    expect(container.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
  });

  it('metrics Service selects the operator pods', () => {
    const service = find<V1Service>(objects, 'Service', 'engagetrack-operator-metrics');
    const podLabels = deployment.spec?.template.metadata?.labels ?? {};
    expect(podLabels).toMatchObject(service.spec?.selector ?? { missing: 'selector' });
    expect(service.spec?.ports).toEqual([{ name: 'metrics', port: 8081, targetPort: 'metrics', protocol: 'TCP' }]);
  });

  it('NetworkPolicy admits only Prometheus to port 8081', () => {
    const policy = find<V1NetworkPolicy>(objects, 'NetworkPolicy', 'engagetrack-operator');
    expect(deployment.spec?.template.metadata?.labels).toMatchObject(policy.spec?.podSelector?.matchLabels ?? { missing: 'podSelector' });
    expect(policy.spec?.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec?.ingress).toEqual([
      {
        from: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }],
        ports: [{ protocol: 'TCP', port: 8081 }],
      },
    ]);
  });

  it('NetworkPolicy allows egress to DNS and the API server only', () => {
    const policy = find<V1NetworkPolicy>(objects, 'NetworkPolicy', 'engagetrack-operator');
    const ports = (policy.spec?.egress ?? []).flatMap((rule) => (rule.ports ?? []).map((port) => `${port.protocol}/${port.port}`));
    expect(ports.sort()).toEqual(['TCP/443', 'TCP/53', 'TCP/6443', 'TCP/9090', 'UDP/53'].sort());
  });

  it('leaves the Prometheus monitors out', () => {
    expect(objects.map((object) => object.kind)).not.toContain('ServiceMonitor');
    expect(objects.map((object) => object.kind)).not.toContain('PodMonitor');
  });
});

describe('config/prometheus', () => {
  it('scrapes the operator Service and the scorer pods', async () => {
    const objects = await render('prometheus');
    const defaults = await render('default');
    const service = find<V1Service>(defaults, 'Service', 'engagetrack-operator-metrics');

    const operatorMonitor = find<KubernetesObject & { spec: { selector: { matchLabels: object }; endpoints: { port: string }[] } }>(
      objects,
      'ServiceMonitor',
      'engagetrack-operator',
    );
    expect(service.metadata?.labels).toMatchObject(operatorMonitor.spec.selector.matchLabels);
    expect(operatorMonitor.spec.endpoints.map((endpoint) => endpoint.port)).toEqual(['metrics']);

    const scorerMonitor = find<KubernetesObject & { spec: { selector: { matchLabels: object }; namespaceSelector: object } }>(
      objects,
      'PodMonitor',
      'engagetrack-scorers',
    );
    expect(scorerMonitor.spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'engagetrack-scorer',
      'app.kubernetes.io/managed-by': 'engagetrack-operator',
    });
    expect(scorerMonitor.spec.namespaceSelector).toEqual({ any: true });
  });
});

describe('crds/kustomization.yaml', () => {
  it('lists every generated CRD file', () => {
    const kustomization = load(readFileSync(join(ROOT, 'crds/kustomization.yaml'), 'utf8')) as { resources: string[] };
    const crdFiles = readdirSync(join(ROOT, 'crds')).filter(
      (file) => file.endsWith('.yaml') && file !== 'kustomization.yaml',
    );
    expect([...kustomization.resources].sort()).toEqual(crdFiles.sort());
  });
});
