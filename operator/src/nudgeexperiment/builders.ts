// Pure desired-state builders for a NudgeExperiment's scorer: ConfigMap, Deployment and
// Service `<name>-nudge`, Ingress `<name>` and NetworkPolicy `<name>-nudge`. The scorer
// serves the referenced model's release and the experiment's variants.
import type { V1ConfigMap, V1Deployment, V1Ingress, V1Service } from '@kubernetes/client-node';

import { DEFAULT_SCORER_IMAGE } from '../workload/defaults.ts';
import { experimentApiRoutes } from '../workload/ingress-routes.ts';
import { configHash, renderScorerConfig } from '../workload/scorer-config.ts';
import type { ExperimentConfigInput, ModelRelease } from '../workload/scorer-config.ts';
import type { ChurnModel, NudgeExperiment } from '../workload/types.ts';
import {
  buildConfigMap,
  buildDeployment,
  buildIngress,
  buildNetworkPolicy,
  buildService,
  scorerUrl,
} from '../workload/workload.ts';
import type { NetworkPolicy, ScorerWorkload } from '../workload/workload.ts';

/** The referenced model and the release of it the experiment serves. */
export interface ExperimentModel {
  model: ChurnModel;
  release: ModelRelease;
}

export interface NudgeExperimentBuildOptions {
  image?: string;
}

export function scorerName(experiment: NudgeExperiment): string {
  return `${experiment.metadata?.name}-nudge`;
}

export function ingressName(experiment: NudgeExperiment): string {
  return experiment.metadata?.name ?? '';
}

export function nudgeExperimentWorkload(
  experiment: NudgeExperiment,
  source: ExperimentModel,
  options: NudgeExperimentBuildOptions = {},
): ScorerWorkload {
  return {
    owner: experiment,
    identity: { instance: experiment.metadata?.name ?? '', component: 'nudge-experiment', version: source.release.version },
    name: scorerName(experiment),
    ingressName: ingressName(experiment),
    routes: experimentApiRoutes(experiment.metadata?.name ?? ''),
    track: 'stable',
    image: options.image ?? DEFAULT_SCORER_IMAGE,
    replicas: experiment.spec.replicas,
    resources: experiment.spec.resources,
    ingress: experiment.spec.ingress,
    auth: experiment.spec.auth,
    audit: experiment.spec.audit,
    // file:// model URIs resolve on the model's volume, so the experiment mounts it too.
    modelVolume: source.model.spec.modelVolume,
  };
}

export function renderNudgeExperimentConfig(experiment: NudgeExperiment, source: ExperimentModel): string {
  return renderScorerConfig({
    modelName: source.model.metadata?.name ?? experiment.spec.modelRef.name,
    release: source.release,
    unknownCategory: source.model.spec.unknownCategory,
    riskBands: source.model.spec.riskBands,
    ingress: experiment.spec.ingress,
    auth: experiment.spec.auth,
    audit: experiment.spec.audit,
    experiment: experimentConfigInput(experiment),
  });
}

/** The experiment's own part of the scorer configuration, which does not depend on the model. */
export function experimentConfigInput(experiment: NudgeExperiment): ExperimentConfigInput {
  return {
    name: experiment.metadata?.name ?? '',
    salt: experiment.spec.assignment.salt,
    paused: experiment.spec.paused ?? false,
    riskBands: experiment.spec.riskBands,
    variants: experiment.spec.variants,
  };
}

export function desiredConfigMap(experiment: NudgeExperiment, source: ExperimentModel, options: NudgeExperimentBuildOptions = {}): V1ConfigMap {
  return buildConfigMap(nudgeExperimentWorkload(experiment, source, options), renderNudgeExperimentConfig(experiment, source));
}

export function desiredDeployment(
  experiment: NudgeExperiment,
  source: ExperimentModel,
  hash: string,
  options: NudgeExperimentBuildOptions = {},
): V1Deployment {
  return buildDeployment(nudgeExperimentWorkload(experiment, source, options), hash);
}

export function desiredService(experiment: NudgeExperiment, source: ExperimentModel, options: NudgeExperimentBuildOptions = {}): V1Service {
  return buildService(nudgeExperimentWorkload(experiment, source, options));
}

export function desiredIngress(experiment: NudgeExperiment, source: ExperimentModel, options: NudgeExperimentBuildOptions = {}): V1Ingress | undefined {
  return buildIngress(nudgeExperimentWorkload(experiment, source, options));
}

export function desiredNetworkPolicy(
  experiment: NudgeExperiment,
  source: ExperimentModel,
  options: NudgeExperimentBuildOptions = {},
): NetworkPolicy {
  return buildNetworkPolicy(nudgeExperimentWorkload(experiment, source, options));
}

export function nudgeExperimentUrl(experiment: NudgeExperiment, source: ExperimentModel): string {
  return scorerUrl(nudgeExperimentWorkload(experiment, source));
}

export function desiredChildren(experiment: NudgeExperiment, source: ExperimentModel, options: NudgeExperimentBuildOptions = {}) {
  const hash = configHash(renderNudgeExperimentConfig(experiment, source));
  return {
    configMap: desiredConfigMap(experiment, source, options),
    deployment: desiredDeployment(experiment, source, hash, options),
    service: desiredService(experiment, source, options),
    ingress: desiredIngress(experiment, source, options),
    ingressName: ingressName(experiment),
    networkPolicy: desiredNetworkPolicy(experiment, source, options),
  };
}
