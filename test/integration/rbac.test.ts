// Applies config/rbac on the real API server and asks it, as the operator's ServiceAccount,
// which requests it may send: every row of the permission table is allowed, and Secrets,
// other verbs and other Leases are denied.
import { CoreV1Api } from '@kubernetes/client-node';
import type { CoreV1Event, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CLUSTER_PERMISSIONS, LEADER_ELECTION_PERMISSIONS } from '../../operator/src/runtime/permissions.ts';
import { OPERATOR_LEASE_NAME } from '../../operator/src/runtime/leader-election.ts';
import { KubeClient } from '../../operator/src/runtime/kube-client.ts';
import { CONFIG_MAP } from '../../operator/src/runtime/resources.ts';
import type { ResourceType } from '../../operator/src/runtime/resources.ts';
import { POD_WARNING_EVENTS } from '../../operator/src/workload/pod-diagnosis.ts';
import { OPERATOR_NAMESPACE, OPERATOR_USER, applyOperatorRbac, operatorKubeConfig } from '../harness/impersonation.ts';
import { applyCrds, createTestNamespace, deleteTestNamespace, kubectl, testKubeConfig } from '../harness/kube.ts';

const POD: ResourceType = { apiVersion: 'v1', kind: 'Pod', plural: 'pods' };
const CORE_EVENT: ResourceType = { apiVersion: 'v1', kind: 'Event', plural: 'events' };

interface Check {
  verb: string;
  /** `resource.group` as kubectl names it, `resource` for the core group. */
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

async function canI(check: Check): Promise<boolean> {
  const args = ['auth', 'can-i', check.verb, check.name ? `${check.resource}/${check.name}` : check.resource, `--as=${OPERATOR_USER}`];
  if (check.subresource) args.push(`--subresource=${check.subresource}`);
  args.push(check.namespace ? `--namespace=${check.namespace}` : '--all-namespaces');

  const { stdout, stderr, code } = await kubectl(args);
  // can-i prints yes or no and exits 0 or 1; anything else is a failed request.
  if (stdout.trim() !== 'yes' && stdout.trim() !== 'no') {
    throw new Error(`kubectl ${args.join(' ')} failed with code ${code}: ${stderr}`);
  }
  return stdout.trim() === 'yes';
}

function describeCheck(check: Check): string {
  const target = check.subresource ? `${check.resource}/${check.subresource}` : check.resource;
  return `${check.verb} ${target}${check.name ? ` ${check.name}` : ''}${check.namespace ? ` in ${check.namespace}` : ''}`;
}

function kubectlResource(apiGroup: string, resource: string): Check {
  const [plural = '', subresource] = resource.split('/');
  return { verb: '', resource: apiGroup === '' ? plural : `${plural}.${apiGroup}`, subresource };
}

const allowedClusterWide: Check[] = CLUSTER_PERMISSIONS.flatMap((rule) =>
  rule.verbs.map((verb) => ({ ...kubectlResource(rule.apiGroup, rule.resource), verb })),
);

const allowedLeaseChecks: Check[] = LEADER_ELECTION_PERMISSIONS.flatMap((rule) =>
  rule.verbs.map((verb) => ({
    ...kubectlResource(rule.apiGroup, rule.resource),
    verb,
    namespace: OPERATOR_NAMESPACE,
    name: verb === 'create' ? undefined : OPERATOR_LEASE_NAME,
  })),
);

const denied: Check[] = [
  { verb: 'get', resource: 'secrets' },
  { verb: 'list', resource: 'secrets' },
  { verb: 'watch', resource: 'secrets' },
  { verb: 'get', resource: 'secrets', namespace: OPERATOR_NAMESPACE },
  { verb: 'create', resource: 'pods' },
  { verb: 'create', resource: 'pods', subresource: 'exec' },
  { verb: 'get', resource: 'pods', subresource: 'log' },
  { verb: 'get', resource: 'pods' },
  { verb: 'watch', resource: 'pods' },
  { verb: 'delete', resource: 'pods' },
  { verb: 'update', resource: 'deployments.apps' },
  { verb: 'deletecollection', resource: 'deployments.apps' },
  { verb: 'get', resource: 'configmaps' },
  { verb: 'get', resource: 'churnmodels.engagetrack.io' },
  { verb: 'get', resource: 'nudgeexperiments.engagetrack.io' },
  { verb: 'create', resource: 'churnmodels.engagetrack.io' },
  { verb: 'patch', resource: 'churnmodels.engagetrack.io' },
  { verb: 'delete', resource: 'churnmodels.engagetrack.io' },
  { verb: 'update', resource: 'churnmodels.engagetrack.io', subresource: 'status' },
  { verb: 'create', resource: 'events' },
  { verb: 'watch', resource: 'events' },
  { verb: 'delete', resource: 'networkpolicies.networking.k8s.io' },
  { verb: 'get', resource: 'leases.coordination.k8s.io', namespace: OPERATOR_NAMESPACE, name: 'another-lease' },
  { verb: 'update', resource: 'leases.coordination.k8s.io', namespace: 'kube-system', name: OPERATOR_LEASE_NAME },
  { verb: 'delete', resource: 'leases.coordination.k8s.io', namespace: OPERATOR_NAMESPACE, name: OPERATOR_LEASE_NAME },
  { verb: 'create', resource: 'clusterroles.rbac.authorization.k8s.io' },
  { verb: 'bind', resource: 'clusterroles.rbac.authorization.k8s.io' },
  { verb: 'escalate', resource: 'roles.rbac.authorization.k8s.io' },
  { verb: 'impersonate', resource: 'users' },
  { verb: 'create', resource: 'serviceaccounts', subresource: 'token' },
  { verb: 'create', resource: 'customresourcedefinitions.apiextensions.k8s.io' },
  { verb: 'patch', resource: 'nodes' },
];

describe('operator RBAC on the API server', () => {
  let kc: KubeConfig;
  let namespace = '';

  beforeAll(async () => {
    kc = testKubeConfig();
    await applyCrds(kc);
    await applyOperatorRbac(kc);
    namespace = await createTestNamespace(kc, 'rbac');
  });

  afterAll(async () => {
    if (namespace !== '') {
      await deleteTestNamespace(kc, namespace);
    }
  });

  it.each(allowedClusterWide.map((check) => [describeCheck(check), check] as const))('allows %s', async (_, check) => {
    expect(await canI(check)).toBe(true);
  });

  it.each(allowedLeaseChecks.map((check) => [describeCheck(check), check] as const))('allows %s', async (_, check) => {
    expect(await canI(check)).toBe(true);
  });

  it.each(denied.map((check) => [describeCheck(check), check] as const))('denies %s', async (_, check) => {
    expect(await canI(check)).toBe(false);
  });

  it('server-side apply creates a child', async () => {
    // An apply PATCH that creates the object is authorized as both patch and create.
    const client = new KubeClient(operatorKubeConfig(kc));
    const applied = await client.apply(CONFIG_MAP, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'rbac-probe', namespace },
      data: { key: 'value' },
    });

    expect(applied.data).toEqual({ key: 'value' });
  });

  it('impersonated client lists pods and the Warning Events about pods', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const event = (name: string, kind: string, type: string) => ({
      metadata: { name, namespace },
      involvedObject: { kind, name: 'scorer-0', namespace },
      reason: 'Probe',
      message: `${type} about a ${kind}`,
      type,
    });
    await core.createNamespacedEvent({ namespace, body: event('pod-warning', 'Pod', 'Warning') });
    await core.createNamespacedEvent({ namespace, body: event('pod-normal', 'Pod', 'Normal') });
    await core.createNamespacedEvent({ namespace, body: event('deployment-warning', 'Deployment', 'Warning') });

    const client = new KubeClient(operatorKubeConfig(kc));
    const pods = await client.list(POD, { namespace });
    const events = await client.list<CoreV1Event>(CORE_EVENT, { namespace, fieldSelector: POD_WARNING_EVENTS });

    expect(pods.items).toEqual([]);
    expect(events.items.map((item) => item.metadata.name)).toEqual(['pod-warning']);
  });

  it('impersonated client cannot read Secrets', async () => {
    const core = operatorKubeConfig(kc).makeApiClient(CoreV1Api);
    await expect(core.listNamespacedSecret({ namespace })).rejects.toMatchObject({ code: 403 });
  });

  it('impersonated client cannot get a ConfigMap', async () => {
    // Children are read from informer caches (list and watch), never with get.
    const core = operatorKubeConfig(kc).makeApiClient(CoreV1Api);
    await expect(core.readNamespacedConfigMap({ name: 'rbac-probe', namespace })).rejects.toMatchObject({ code: 403 });
  });
});
