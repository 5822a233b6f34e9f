// Descriptors of the resource types the operator reads and writes, and the REST paths
// built from them.

export interface ResourceType {
  /** `group/version`, or `v1` for the core group. */
  apiVersion: string;
  kind: string;
  /** Lower-case plural used in REST paths. */
  plural: string;
}

/** API group of the operator's own custom resources. */
export const CUSTOM_RESOURCE_GROUP = 'engagetrack.io';

export const CHURN_MODEL: ResourceType = { apiVersion: 'engagetrack.io/v1alpha1', kind: 'ChurnModel', plural: 'churnmodels' };
export const NUDGE_EXPERIMENT: ResourceType = {
  apiVersion: 'engagetrack.io/v1alpha1',
  kind: 'NudgeExperiment',
  plural: 'nudgeexperiments',
};
export const CONFIG_MAP: ResourceType = { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' };
export const SERVICE: ResourceType = { apiVersion: 'v1', kind: 'Service', plural: 'services' };
export const DEPLOYMENT: ResourceType = { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments' };
export const INGRESS: ResourceType = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', plural: 'ingresses' };
export const NETWORK_POLICY: ResourceType = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  plural: 'networkpolicies',
};
export const LEASE: ResourceType = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', plural: 'leases' };
export const EVENT: ResourceType = { apiVersion: 'events.k8s.io/v1', kind: 'Event', plural: 'events' };

/** The child types the operator owns, in the order they are applied. */
export const CHILD_TYPES: readonly ResourceType[] = [CONFIG_MAP, DEPLOYMENT, SERVICE, INGRESS, NETWORK_POLICY];

/** Builds the collection path, across all namespaces when `namespace` is undefined. */
export function collectionPath(type: ResourceType, namespace?: string): string {
  const root = type.apiVersion.includes('/') ? `/apis/${type.apiVersion}` : `/api/${type.apiVersion}`;
  const scope = namespace === undefined ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
  return `${root}${scope}/${type.plural}`;
}

export function objectPath(type: ResourceType, namespace: string, name: string, subresource?: string): string {
  const path = `${collectionPath(type, namespace)}/${encodeURIComponent(name)}`;
  return subresource === undefined ? path : `${path}/${subresource}`;
}

/**
 * Returns the name of the CustomResourceDefinition that serves `type`, such as
 * churnmodels.engagetrack.io, or undefined for a built-in type.
 */
export function customResourceDefinitionName(type: ResourceType): string | undefined {
  const group = type.apiVersion.split('/')[0];
  return group === CUSTOM_RESOURCE_GROUP ? `${type.plural}.${group}` : undefined;
}

export function typeKey(type: ResourceType): string {
  return `${type.apiVersion}/${type.kind}`;
}
