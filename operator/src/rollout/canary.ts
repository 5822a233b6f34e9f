// Pure builders of the canary children of ChurnModel `m`: ConfigMap, Deployment and
// Service `m-scorer-canary`, and Ingress `m-canary`. They start from the stable scorer's
// workload, so the canary pods get the same security context, probes, resources, volumes
// and owner reference as the stable pods, and differ in their model, name, track label,
// replica count and Ingress weight.
import type { V1ConfigMap, V1Deployment, V1Ingress, V1Service } from '@kubernetes/client-node';

import { churnModelWorkload, renderChurnModelConfig } from '../churnmodel/builders.ts';
import { configHash } from '../workload/scorer-config.ts';
import type { ModelRelease } from '../workload/scorer-config.ts';
import type { ChurnModel } from '../workload/types.ts';
import { buildConfigMap, buildDeployment, buildIngress, buildService } from '../workload/workload.ts';
import type { ScorerWorkload } from '../workload/workload.ts';
import { canaryIngressName, canaryScorerName } from './names.ts';
import type { ModelTarget } from './types.ts';

export const CANARY_ANNOTATION = 'nginx.ingress.kubernetes.io/canary';
export const CANARY_WEIGHT_ANNOTATION = 'nginx.ingress.kubernetes.io/canary-weight';
/** Pod template annotations that let the rollout tell which bundle a canary Deployment runs. */
export const MODEL_URI_ANNOTATION = 'engagetrack.io/model-uri';
export const MODEL_SHA256_ANNOTATION = 'engagetrack.io/model-sha256';

/**
 * Removed from the canary Ingress: cert-manager would issue a second Certificate for the
 * TLS Secret the stable Ingress already owns.
 */
const STABLE_ONLY_ANNOTATIONS = ['cert-manager.io/cluster-issuer'];

export interface CanaryOptions {
  image: string;
  target: ModelTarget;
  replicas: number;
  /** Percent of requests for the canary; 0 builds no Ingress. */
  weight: number;
}

export interface CanaryChildren {
  configMap: V1ConfigMap;
  deployment: V1Deployment;
  service: V1Service;
  /** Undefined while the canary gets no requests, or when spec.ingress is disabled. */
  ingress: V1Ingress | undefined;
}

export function releaseOf(target: ModelTarget): ModelRelease {
  return target.sha256 ? { uri: target.modelUri, sha256: target.sha256, version: target.version } : { uri: target.modelUri, version: target.version };
}

export function canaryWorkload(model: ChurnModel, options: CanaryOptions): ScorerWorkload {
  const stable = churnModelWorkload(model, { image: options.image, release: releaseOf(options.target) });
  const modelName = model.metadata?.name ?? '';
  return {
    ...stable,
    name: canaryScorerName(modelName),
    ingressName: canaryIngressName(modelName),
    track: 'canary',
    replicas: options.replicas,
  };
}

export function desiredCanaryChildren(model: ChurnModel, options: CanaryOptions): CanaryChildren {
  const workload = canaryWorkload(model, options);
  const config = renderChurnModelConfig(model, releaseOf(options.target));

  return {
    configMap: buildConfigMap(workload, config),
    deployment: canaryDeployment(workload, configHash(config), options.target),
    service: buildService(workload),
    ingress: options.weight > 0 ? canaryIngress(workload, options.weight) : undefined,
  };
}

function canaryDeployment(workload: ScorerWorkload, hash: string, target: ModelTarget): V1Deployment {
  const deployment = buildDeployment(workload, hash);
  const template = deployment.spec?.template.metadata;
  if (template !== undefined) {
    template.annotations = {
      ...template.annotations,
      [MODEL_URI_ANNOTATION]: target.modelUri,
      [MODEL_SHA256_ANNOTATION]: target.sha256 ?? '',
    };
  }
  return deployment;
}

/** The stable Ingress with the canary's name and backend, marked as canary with its weight. */
function canaryIngress(workload: ScorerWorkload, weight: number): V1Ingress | undefined {
  const ingress = buildIngress(workload);
  if (ingress === undefined) {
    return undefined;
  }

  const annotations: Record<string, string> = { ...ingress.metadata?.annotations };
  for (const key of STABLE_ONLY_ANNOTATIONS) {
    delete annotations[key];
  }
  annotations[CANARY_ANNOTATION] = 'true';
  annotations[CANARY_WEIGHT_ANNOTATION] = String(weight);

  return { ...ingress, metadata: { ...ingress.metadata, annotations } };
}
