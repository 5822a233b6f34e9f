// Pure desired-state builders for a ChurnModel's stable scorer: ConfigMap `<name>-scorer`,
// Deployment `<name>-scorer`, Service `<name>-scorer`, Ingress `<name>` and NetworkPolicy
// `<name>-scorer`. They read only their arguments, so tests call them without a client.
import type { V1ConfigMap, V1Deployment, V1Ingress, V1Service } from '@kubernetes/client-node';

import { DEFAULT_SCORER_IMAGE } from '../workload/defaults.ts';
import { modelApiRoutes } from '../workload/ingress-routes.ts';
import { configHash, renderScorerConfig } from '../workload/scorer-config.ts';
import type { ModelRelease } from '../workload/scorer-config.ts';
import type { ChurnModel } from '../workload/types.ts';
import {
  buildConfigMap,
  buildDeployment,
  buildIngress,
  buildNetworkPolicy,
  buildService,
  scorerUrl,
} from '../workload/workload.ts';
import type { NetworkPolicy, ScorerWorkload } from '../workload/workload.ts';

export interface ChurnModelBuildOptions {
  /** Scorer container image; the operator passes --scorer-image. */
  image?: string;
  /** The model the stable scorer serves; the spec's model when undefined. */
  release?: ModelRelease;
}

export function scorerName(model: ChurnModel): string {
  return `${model.metadata?.name}-scorer`;
}

export function ingressName(model: ChurnModel): string {
  return model.metadata?.name ?? '';
}

/** The model named by the spec, the one a Rolling update serves at once. */
export function specRelease(model: ChurnModel): ModelRelease {
  const { modelUri, sha256, version } = model.spec;
  return sha256 ? { uri: modelUri, sha256, version } : { uri: modelUri, version };
}

export function churnModelWorkload(model: ChurnModel, options: ChurnModelBuildOptions = {}): ScorerWorkload {
  const release = options.release ?? specRelease(model);
  return {
    owner: model,
    identity: { instance: model.metadata?.name ?? '', component: 'churn-model', version: release.version },
    name: scorerName(model),
    ingressName: ingressName(model),
    routes: modelApiRoutes(model.metadata?.name ?? ''),
    track: 'stable',
    image: options.image ?? DEFAULT_SCORER_IMAGE,
    replicas: model.spec.replicas,
    resources: model.spec.resources,
    ingress: model.spec.ingress,
    auth: model.spec.auth,
    modelVolume: model.spec.modelVolume,
  };
}

export function renderChurnModelConfig(model: ChurnModel, release: ModelRelease = specRelease(model)): string {
  return renderScorerConfig({
    modelName: model.metadata?.name ?? '',
    release,
    unknownCategory: model.spec.unknownCategory,
    riskBands: model.spec.riskBands,
    ingress: model.spec.ingress,
    auth: model.spec.auth,
  });
}

export function desiredConfigMap(model: ChurnModel, options: ChurnModelBuildOptions = {}): V1ConfigMap {
  return buildConfigMap(churnModelWorkload(model, options), renderChurnModelConfig(model, options.release));
}

export function desiredDeployment(model: ChurnModel, hash: string, options: ChurnModelBuildOptions = {}): V1Deployment {
  return buildDeployment(churnModelWorkload(model, options), hash);
}

export function desiredService(model: ChurnModel, options: ChurnModelBuildOptions = {}): V1Service {
  return buildService(churnModelWorkload(model, options));
}

export function desiredIngress(model: ChurnModel, options: ChurnModelBuildOptions = {}): V1Ingress | undefined {
  return buildIngress(churnModelWorkload(model, options));
}

export function desiredNetworkPolicy(model: ChurnModel, options: ChurnModelBuildOptions = {}): NetworkPolicy {
  return buildNetworkPolicy(churnModelWorkload(model, options));
}

export function churnModelUrl(model: ChurnModel): string {
  return scorerUrl(churnModelWorkload(model));
}

/** Builds every stable child; the Deployment carries the hash of the ConfigMap's rendered config. */
export function desiredChildren(model: ChurnModel, options: ChurnModelBuildOptions = {}) {
  const configMap = desiredConfigMap(model, options);
  const hash = configHash(renderChurnModelConfig(model, options.release));
  return {
    configMap,
    deployment: desiredDeployment(model, hash, options),
    service: desiredService(model, options),
    ingress: desiredIngress(model, options),
    ingressName: ingressName(model),
    networkPolicy: desiredNetworkPolicy(model, options),
  };
}
