// Applies the children of one scorer and reports what changed. Shared by the ChurnModel
// and NudgeExperiment reconcilers.
import type {
  KubernetesObject,
  V1ConfigMap,
  V1Deployment,
  V1Ingress,
  V1Service,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';

import type { ApplyResult, Applier } from '../runtime/apply.ts';
import type { Caches } from '../runtime/caches.ts';
import type { EventRecorder } from '../runtime/events.ts';
import { CHILD_TYPES, CONFIG_MAP, DEPLOYMENT, INGRESS, NETWORK_POLICY, SERVICE } from '../runtime/resources.ts';
import type { ResourceType } from '../runtime/resources.ts';
import type { Store } from '../runtime/store.ts';
import type { NetworkPolicy } from './workload.ts';

export interface DesiredChildren {
  configMap: V1ConfigMap;
  deployment: V1Deployment;
  service: V1Service;
  /** Undefined when the ingress is disabled; an existing Ingress named `ingressName` is then deleted. */
  ingress: V1Ingress | undefined;
  ingressName: string;
  networkPolicy: NetworkPolicy;
}

export interface ChildrenDeps {
  applier: Applier;
  caches: Caches;
  events: EventRecorder;
}

/**
 * Applies every child that differs from the cache. The Deployment waits for its ConfigMap,
 * so new pods find their config. Service, NetworkPolicy and Ingress are applied beside
 * that pair, so a new resource costs two round trips instead of five.
 */
export async function applyChildren(
  owner: KubernetesObject,
  desired: DesiredChildren,
  deps: ChildrenDeps,
  logger: Logger,
): Promise<V1Deployment | undefined> {
  const { caches } = deps;
  const created = new Set<string>();
  const apply = async <T extends KubernetesObject>(type: ResourceType, object: T, cache: Store<T>) => {
    if ((await applyChild(type, object, cache, deps, logger)) === 'created') created.add(type.kind);
  };

  // allSettled, so no apply is still in flight when a failed sibling ends the reconcile.
  const results = await Promise.allSettled([
    (async () => {
      await apply(CONFIG_MAP, desired.configMap, caches.configMaps);
      await apply(DEPLOYMENT, desired.deployment, caches.deployments);
    })(),
    apply(SERVICE, desired.service, caches.services),
    apply(NETWORK_POLICY, desired.networkPolicy, caches.networkPolicies),
    desired.ingress ? apply(INGRESS, desired.ingress, caches.ingresses) : deleteIngress(owner, desired.ingressName, deps, logger),
  ]);
  const failure = results.find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;

  // One Event per pass, not per child, keeps the Event count (and API writes) low.
  if (created.size > 0) {
    const kinds = CHILD_TYPES.map((type) => type.kind).filter((kind) => created.has(kind));
    await deps.events.record(owner, { type: 'Normal', reason: 'Created', action: 'Create', note: `Created ${kinds.join(', ')}` });
  }

  const namespace = owner.metadata?.namespace ?? '';
  return caches.deployments.get(namespace, desired.deployment.metadata?.name ?? '');
}

async function applyChild<T extends KubernetesObject>(
  type: ResourceType,
  desired: T,
  cache: Store<T>,
  deps: ChildrenDeps,
  logger: Logger,
): Promise<ApplyResult> {
  const result = await deps.applier.apply(type, desired, cache);
  if (result !== 'unchanged') logger.info({ child: { kind: type.kind, name: desired.metadata?.name }, result }, 'Applied child');
  return result;
}

async function deleteIngress(owner: KubernetesObject, name: string, deps: ChildrenDeps, logger: Logger): Promise<void> {
  const namespace = owner.metadata?.namespace ?? '';
  const current = deps.caches.ingresses.get(namespace, name);
  // Only an Ingress this resource controls is deleted, never one of the same name made by hand.
  const ownedByThis = current?.metadata?.ownerReferences?.some(
    (reference) => reference.controller && reference.uid === owner.metadata?.uid,
  );
  if (!ownedByThis) return;

  await deps.applier.deleteIfPresent(INGRESS, namespace, name, deps.caches.ingresses);
  logger.info({ child: { kind: INGRESS.kind, name }, result: 'deleted' }, 'Deleted child');
}
