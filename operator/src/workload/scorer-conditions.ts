// Conditions of a scorer Deployment shared by both kinds: ModelLoaded, Progressing and
// Degraded, and Ready rolled up from them.
import type { ConditionInput } from '../runtime/conditions.ts';
import type { DeploymentState } from './deployment-state.ts';
import type { ModelRelease } from './scorer-config.ts';

export const ConditionType = {
  Ready: 'Ready',
  Progressing: 'Progressing',
  Degraded: 'Degraded',
  ModelLoaded: 'ModelLoaded',
} as const;

export const Reason = {
  ScorersReady: 'ScorersReady',
  DeploymentPending: 'DeploymentPending',
  RollingOut: 'RollingOut',
  RolloutComplete: 'RolloutComplete',
  AsExpected: 'AsExpected',
  ProgressDeadlineExceeded: 'ProgressDeadlineExceeded',
  ReplicaFailure: 'ReplicaFailure',
  ModelLoaded: 'ModelLoaded',
  ModelNotLoaded: 'ModelNotLoaded',
  ScaledToZero: 'ScaledToZero',
  ModelNotFound: 'ModelNotFound',
  ModelNotPromoted: 'ModelNotPromoted',
  InvalidVariantLayout: 'InvalidVariantLayout',
} as const;

export interface ScorerObservation {
  deploymentName: string;
  deployment: DeploymentState | undefined;
  release: ModelRelease;
  url: string;
}

export type Component = Omit<ConditionInput, 'observedGeneration'>;

/** Builds Ready followed by ModelLoaded, Progressing and Degraded, each stamped with `generation`. */
export function scorerConditions(observation: ScorerObservation, generation: number | undefined): ConditionInput[] {
  const components = componentConditions(observation);
  return [readyCondition(components, observation), ...components].map((condition) => ({
    ...condition,
    observedGeneration: generation,
  }));
}

function componentConditions(observation: ScorerObservation): Component[] {
  const { deployment, deploymentName, release } = observation;
  if (!deployment) {
    const message = `Waiting for Deployment ${deploymentName} to be created`;
    return [
      { type: ConditionType.ModelLoaded, status: 'Unknown', reason: Reason.DeploymentPending, message },
      { type: ConditionType.Progressing, status: 'True', reason: Reason.DeploymentPending, message },
      { type: ConditionType.Degraded, status: 'False', reason: Reason.AsExpected, message: 'No failure observed' },
    ];
  }
  return [modelLoaded(deployment, release), progressing(deployment, deploymentName), degraded(deployment, deploymentName)];
}

function modelLoaded(deployment: DeploymentState, release: ModelRelease): Component {
  if (deployment.desired === 0) {
    return { type: ConditionType.ModelLoaded, status: 'Unknown', reason: Reason.ScaledToZero, message: 'No scorer pods are requested (replicas is 0)' };
  }
  if (deployment.ready > 0) {
    return {
      type: ConditionType.ModelLoaded,
      status: 'True',
      reason: Reason.ModelLoaded,
      message: `${deployment.ready} of ${deployment.desired} scorer pods have loaded model version ${release.version}`,
    };
  }
  return {
    type: ConditionType.ModelLoaded,
    status: 'False',
    reason: Reason.ModelNotLoaded,
    message: `No scorer pod has loaded model version ${release.version} yet`,
  };
}

function progressing(deployment: DeploymentState, name: string): Component {
  if (deployment.complete) {
    return { type: ConditionType.Progressing, status: 'False', reason: Reason.RolloutComplete, message: `Deployment ${name} is rolled out` };
  }
  return {
    type: ConditionType.Progressing,
    status: 'True',
    reason: Reason.RollingOut,
    message: `Deployment ${name} has ${deployment.updated} of ${deployment.desired} pods updated and ${deployment.ready} ready`,
  };
}

function degraded(deployment: DeploymentState, name: string): Component {
  if (deployment.failure) {
    return {
      type: ConditionType.Degraded,
      status: 'True',
      reason: deployment.failure.reason,
      message: `Deployment ${name}: ${deployment.failure.message}`,
    };
  }
  return { type: ConditionType.Degraded, status: 'False', reason: Reason.AsExpected, message: 'No failure observed' };
}

/** Ready is True only when the model is loaded, nothing is rolling out and nothing is degraded. */
function readyCondition(components: Component[], observation: ScorerObservation): Component {
  const byType = new Map(components.map((condition) => [condition.type, condition]));
  const degradedCondition = byType.get(ConditionType.Degraded);
  const progressingCondition = byType.get(ConditionType.Progressing);
  const loaded = byType.get(ConditionType.ModelLoaded);

  if (degradedCondition?.status === 'True') return notReady(degradedCondition);
  if (loaded?.reason === Reason.ScaledToZero) return notReady(loaded);
  if (progressingCondition?.status === 'True') return notReady(progressingCondition);
  if (loaded?.status !== 'True') return notReady(loaded ?? progressingCondition!);
  return {
    type: ConditionType.Ready,
    status: 'True',
    reason: Reason.ScorersReady,
    message: `${observation.deployment?.ready} scorer pods serve model version ${observation.release.version} at ${observation.url}`,
  };
}

function notReady(cause: Component): Component {
  return { type: ConditionType.Ready, status: 'False', reason: cause.reason, message: cause.message };
}
