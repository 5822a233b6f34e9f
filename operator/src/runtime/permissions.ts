// The Kubernetes permissions the operator needs: one row per API group and resource with
// exactly the verbs its KubeClient calls send. config/rbac/role.yaml (cluster-wide) and
// config/rbac/leader_election_role.yaml (the operator's namespace) grant the same set, and
// test/unit/rbac.test.ts fails when the manifests and this table differ.
import type { ResourceType } from './resources.ts';

/**
 * RBAC verbs. KubeClient.apply sends a server-side apply PATCH, which the API server
 * authorizes as `patch`, and also as `create` when the object does not exist yet, so
 * apply needs both.
 */
export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

export interface PermissionRule {
  /** API group, '' for the core group. */
  apiGroup: string;
  /** Plural resource name, with `/subresource` for a subresource. */
  resource: string;
  verbs: readonly Verb[];
}

/** Granted by the ClusterRole `engagetrack-operator`, because the operator watches every namespace. */
export const CLUSTER_PERMISSIONS: readonly PermissionRule[] = [
  // Informers list and watch the custom resources; reconcilers read them from the caches.
  { apiGroup: 'engagetrack.io', resource: 'churnmodels', verbs: ['list', 'watch'] },
  { apiGroup: 'engagetrack.io', resource: 'nudgeexperiments', verbs: ['list', 'watch'] },
  // Status is written with a JSON merge patch of the status subresource.
  { apiGroup: 'engagetrack.io', resource: 'churnmodels/status', verbs: ['patch'] },
  { apiGroup: 'engagetrack.io', resource: 'nudgeexperiments/status', verbs: ['patch'] },
  // Children: informers list and watch them, and server-side apply creates and updates
  // them (create and patch). Canary children are deleted after a promotion or a
  // rollback, and an Ingress when it is disabled; a NetworkPolicy is never deleted by the
  // operator, only garbage-collected with its owner.
  { apiGroup: '', resource: 'configmaps', verbs: ['list', 'watch', 'create', 'patch', 'delete'] },
  { apiGroup: '', resource: 'services', verbs: ['list', 'watch', 'create', 'patch', 'delete'] },
  { apiGroup: 'apps', resource: 'deployments', verbs: ['list', 'watch', 'create', 'patch', 'delete'] },
  { apiGroup: 'networking.k8s.io', resource: 'ingresses', verbs: ['list', 'watch', 'create', 'patch', 'delete'] },
  { apiGroup: 'networking.k8s.io', resource: 'networkpolicies', verbs: ['list', 'watch', 'create', 'patch'] },
  { apiGroup: 'events.k8s.io', resource: 'events', verbs: ['create'] },
  // Read-only, while a canary is not ready: its pods and their Warning Events (core
  // v1, which the kubelet and the scheduler write) name the cause in the rollback reason.
  { apiGroup: '', resource: 'pods', verbs: ['list'] },
  { apiGroup: '', resource: 'events', verbs: ['list'] },
];

/** Granted by the Role `engagetrack-operator-leader-election` in the operator's own namespace. */
export const LEADER_ELECTION_PERMISSIONS: readonly PermissionRule[] = [
  { apiGroup: 'coordination.k8s.io', resource: 'leases', verbs: ['get', 'create', 'update'] },
];

export const ALL_PERMISSIONS: readonly PermissionRule[] = [...CLUSTER_PERMISSIONS, ...LEADER_ELECTION_PERMISSIONS];

/** Splits `group/version` (or `v1` for the core group) into the API group. */
export function apiGroupOf(type: ResourceType): string {
  const slash = type.apiVersion.indexOf('/');
  return slash === -1 ? '' : type.apiVersion.slice(0, slash);
}

export function isPermitted(type: ResourceType, verb: Verb, subresource?: string): boolean {
  const group = apiGroupOf(type);
  const resource = subresource === undefined ? type.plural : `${type.plural}/${subresource}`;
  return ALL_PERMISSIONS.some(
    (rule) => rule.apiGroup === group && rule.resource === resource && rule.verbs.includes(verb),
  );
}

/** A request that the operator's RBAC does not grant, so the API server would reject it with 403. */
export class PermissionNotGrantedError extends Error {
  override readonly name = 'PermissionNotGrantedError';
}

/**
 * Throws before a request the operator's RBAC does not grant, so a new client call fails
 * in every test run with a message naming the fix, instead of as a 403 in a cluster.
 */
export function assertPermitted(type: ResourceType, verb: Verb, subresource?: string): void {
  if (isPermitted(type, verb, subresource)) {
    return;
  }

  const group = apiGroupOf(type) || 'core';
  const resource = subresource === undefined ? type.plural : `${type.plural}/${subresource}`;
  throw new PermissionNotGrantedError(
    `The operator's RBAC does not grant "${verb}" on ${group} ${resource}: add it to ` +
      'operator/src/runtime/permissions.ts and to config/rbac',
  );
}
