// The informers of the operator: one per watched type. Children are cached only when
// they carry the operator's managed-by label, so the caches stay small in busy clusters.
import type {
  KubernetesObject,
  V1ConfigMap,
  V1Deployment,
  V1Ingress,
  V1Service,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';

import { MANAGED_SELECTOR } from '../workload/labels.ts';
import type { ChurnModel, NudgeExperiment } from '../workload/types.ts';
import type { NetworkPolicy } from '../workload/workload.ts';
import { Informer } from './informer.ts';
import type { ListWatchSource } from './informer.ts';
import type { KubeClient } from './kube-client.ts';
import {
  CHURN_MODEL,
  CONFIG_MAP,
  DEPLOYMENT,
  INGRESS,
  NETWORK_POLICY,
  NUDGE_EXPERIMENT,
  SERVICE,
  customResourceDefinitionName,
} from './resources.ts';
import type { ResourceType } from './resources.ts';
import type { Store } from './store.ts';

export interface Informers {
  churnModels: Informer<ChurnModel>;
  nudgeExperiments: Informer<NudgeExperiment>;
  configMaps: Informer<V1ConfigMap>;
  deployments: Informer<V1Deployment>;
  services: Informer<V1Service>;
  ingresses: Informer<V1Ingress>;
  networkPolicies: Informer<NetworkPolicy>;
}

/** Read access to every cache, what the reconcilers receive. */
export type Caches = { [K in keyof Informers]: Informers[K] extends Informer<infer T> ? Store<T> : never };

/**
 * Removes metadata.managedFields, which the reconcilers never read and which is often the
 * largest part of an object, so the caches take a fraction of the memory.
 */
export function stripManagedFields<T>(object: T): T {
  const metadata = (object as KubernetesObject | undefined)?.metadata;
  if (metadata?.managedFields) delete metadata.managedFields;
  return object;
}

export function listWatchSource<T extends KubernetesObject>(
  client: KubeClient,
  type: ResourceType,
  options: { namespace?: string; labelSelector?: string },
): ListWatchSource<T> {
  return {
    list: async () => {
      const list = await client.list<T>(type, options);
      list.items.forEach(stripManagedFields);
      return list;
    },
    watch: (resourceVersion, onEvent, onDone) =>
      client.watch(type, { ...options, resourceVersion }, (eventType, object) => onEvent(eventType, stripManagedFields(object)), onDone),
  };
}

export function createInformers(client: KubeClient, logger: Logger, namespace?: string): Informers {
  const make = <T extends KubernetesObject>(type: ResourceType, labelSelector?: string) =>
    new Informer<T>(listWatchSource<T>(client, type, { namespace, labelSelector }), {
      logger: logger.child({ informer: type.kind }),
      customResourceDefinition: customResourceDefinitionName(type),
    });

  return {
    churnModels: make<ChurnModel>(CHURN_MODEL),
    nudgeExperiments: make<NudgeExperiment>(NUDGE_EXPERIMENT),
    configMaps: make<V1ConfigMap>(CONFIG_MAP, MANAGED_SELECTOR),
    deployments: make<V1Deployment>(DEPLOYMENT, MANAGED_SELECTOR),
    services: make<V1Service>(SERVICE, MANAGED_SELECTOR),
    ingresses: make<V1Ingress>(INGRESS, MANAGED_SELECTOR),
    networkPolicies: make<NetworkPolicy>(NETWORK_POLICY, MANAGED_SELECTOR),
  };
}

export function cachesOf(informers: Informers): Caches {
  return {
    churnModels: informers.churnModels.store,
    nudgeExperiments: informers.nudgeExperiments.store,
    configMaps: informers.configMaps.store,
    deployments: informers.deployments.store,
    services: informers.services.store,
    ingresses: informers.ingresses.store,
    networkPolicies: informers.networkPolicies.store,
  };
}

export function allInformers(informers: Informers): Informer<KubernetesObject>[] {
  return Object.values(informers) as Informer<KubernetesObject>[];
}
