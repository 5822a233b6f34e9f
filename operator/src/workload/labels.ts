// Labels and owner references every child of a custom resource carries.
import type { KubernetesObject, V1OwnerReference } from '@kubernetes/client-node';

export const MANAGED_BY = 'engagetrack-operator';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const INSTANCE_LABEL = 'app.kubernetes.io/instance';
export const COMPONENT_LABEL = 'app.kubernetes.io/component';
export const TRACK_LABEL = 'engagetrack.io/track';
export const CONFIG_HASH_ANNOTATION = 'engagetrack.io/config-hash';

/** Label selector the informers use to cache only the operator's children. */
export const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY}`;

export type Component = 'churn-model' | 'nudge-experiment';
export type Track = 'stable' | 'canary';

export interface WorkloadIdentity {
  /** Name of the custom resource. */
  instance: string;
  component: Component;
  /** Model version served, for the app.kubernetes.io/version label. */
  version: string;
}

export function commonLabels(identity: WorkloadIdentity): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'engagetrack-scorer',
    [INSTANCE_LABEL]: identity.instance,
    [COMPONENT_LABEL]: identity.component,
    [MANAGED_BY_LABEL]: MANAGED_BY,
    'app.kubernetes.io/part-of': 'engagetrack',
    'app.kubernetes.io/version': identity.version,
  };
}

/** Labels that select the scorer pods of one resource; they never change, because a Deployment selector is immutable. */
export function selectorLabels(identity: WorkloadIdentity, track?: Track): Record<string, string> {
  const labels: Record<string, string> = {
    'app.kubernetes.io/name': 'engagetrack-scorer',
    [INSTANCE_LABEL]: identity.instance,
    [COMPONENT_LABEL]: identity.component,
  };
  if (track !== undefined) labels[TRACK_LABEL] = track;
  return labels;
}

/** The controller owner reference that lets the garbage collector delete children with their owner. */
export function controllerReference(owner: KubernetesObject): V1OwnerReference {
  const name = owner.metadata?.name;
  const uid = owner.metadata?.uid;
  if (!owner.apiVersion || !owner.kind || !name || !uid) {
    throw new Error('An owner needs apiVersion, kind, metadata.name and metadata.uid to be referenced');
  }
  return { apiVersion: owner.apiVersion, kind: owner.kind, name, uid, controller: true, blockOwnerDeletion: true };
}

/** Returns the name of the controller owner of `kind`, if `object` has one. */
export function controllerOwnerName(object: KubernetesObject, kind: string): string | undefined {
  const owner = object.metadata?.ownerReferences?.find((reference) => reference.controller && reference.kind === kind);
  return owner?.name;
}
