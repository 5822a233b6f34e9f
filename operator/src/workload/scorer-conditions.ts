// Conditions of a scorer Deployment shared by both kinds: ModelLoaded, Progressing and
// Degraded, and Ready rolled up from them.
import {
  ConditionType,
  DegradedReason,
  ModelLoadedReason,
  ProgressingReason,
  ReadyReason,
} from '../api/conditions.ts';
import type { ConditionInput } from '../runtime/conditions.ts';
import type { DeploymentState } from './deployment-state.ts';
import type { ModelRelease } from './scorer-config.ts';

export { ConditionType };

/** Every reason the scorer conditions use, taken from the API's documented reason tables. */
export const Reason = {
  ...ReadyReason,
  ...ProgressingReason,
  ...DegradedReason,
  ...ModelLoadedReason,
} as const;

/**
 * Ready=False reasons of scorer pods that are still on their way, such as a scale-up. A
 * transition to them gets a Normal Event: a Deployment that stays stuck turns Degraded
 * (ProgressDeadlineExceeded), which gets the Warning.
 */
export const PENDING_READY_REASONS: ReadonlySet<string> = new Set([Reason.DeploymentPending, Reason.ReplicasUnavailable]);

export interface ScorerObservation {
  deploymentName: string;
  deployment: DeploymentState | undefined;
  release: ModelRelease;
  url: string;
  /** Why the Deployment's pods are not ready, as found on the pods and their Warning Events. */
  podReason?: string;
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

/**
 * Ready is True while every desired pod is available and has loaded a model, and nothing
 * is degraded. A rolling update keeps Ready True: the Deployment removes no pod before its
 * replacement is available (maxUnavailable 0), so the old pods serve until then, and
 * Progressing reports the update.
 */
function readyCondition(components: Component[], observation: ScorerObservation): Component {
  const byType = new Map(components.map((condition) => [condition.type, condition]));
  const degradedCondition = byType.get(ConditionType.Degraded);
  const progressingCondition = byType.get(ConditionType.Progressing);
  const loaded = byType.get(ConditionType.ModelLoaded);
  const { deployment } = observation;

  if (degradedCondition?.status === 'True') return notReady(degradedCondition);
  if (loaded?.reason === Reason.ScaledToZero) return notReady(loaded);
  if (deployment === undefined) return notReady(progressingCondition!);
  if (deployment.available < deployment.desired) return replicasUnavailable(deployment, observation);
  if (loaded?.status !== 'True') return notReady(loaded!);
  return { type: ConditionType.Ready, status: 'True', reason: Reason.ScorersReady, message: servingMessage(deployment, observation) };
}

function replicasUnavailable(deployment: DeploymentState, observation: ScorerObservation): Component {
  const detail = observation.podReason === undefined ? '' : `; ${observation.podReason}`;
  return {
    type: ConditionType.Ready,
    status: 'False',
    reason: Reason.ReplicasUnavailable,
    message: `Deployment ${observation.deploymentName} has ${deployment.available} of ${deployment.desired} pods available${detail}`,
  };
}

function servingMessage(deployment: DeploymentState, observation: ScorerObservation): string {
  if (deployment.complete) {
    return `${scorerPodsServe(deployment.ready)} model version ${observation.release.version} at ${observation.url}`;
  }
  // Old and new pods both serve while the Deployment rolls, so no single version is named as served.
  return (
    `${scorerPodsServe(deployment.available)} at ${observation.url} while Deployment ${observation.deploymentName} ` +
    `rolls to model version ${observation.release.version} (${deployment.updated} of ${deployment.desired} pods updated)`
  );
}

/** Returns `1 scorer pod serves` or `N scorer pods serve`. */
function scorerPodsServe(count: number): string {
  return count === 1 ? '1 scorer pod serves' : `${count} scorer pods serve`;
}

function notReady(cause: Component): Component {
  return { type: ConditionType.Ready, status: 'False', reason: cause.reason, message: cause.message };
}
