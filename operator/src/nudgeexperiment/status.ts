// Status of a NudgeExperiment: the scorer conditions of its Deployment (Ready,
// Progressing, Degraded), or Ready=False while the referenced model is missing.
import type { ConditionInput } from '../runtime/conditions.ts';
import { ConditionType, Reason, scorerConditions } from '../workload/scorer-conditions.ts';
import type { ScorerObservation } from '../workload/scorer-conditions.ts';
import type { NudgeExperiment, NudgeExperimentStatus } from '../workload/types.ts';

export { ConditionType, PENDING_READY_REASONS, Reason } from '../workload/scorer-conditions.ts';

/** The condition types an experiment reports; ModelLoaded still counts towards Ready. */
const EXPERIMENT_CONDITIONS: readonly string[] = [ConditionType.Ready, ConditionType.Progressing, ConditionType.Degraded];

export function computeNudgeExperimentStatus(experiment: NudgeExperiment, observation: ScorerObservation): {
  status: NudgeExperimentStatus;
  conditions: ConditionInput[];
} {
  const generation = experiment.metadata?.generation;
  const conditions = scorerConditions(observation, generation).filter((condition) => EXPERIMENT_CONDITIONS.includes(condition.type));
  const status: NudgeExperimentStatus = {
    observedGeneration: generation,
    url: observation.url,
    replicas: observation.deployment?.desired ?? experiment.spec.replicas,
    readyReplicas: observation.deployment?.ready ?? 0,
  };
  if (observation.deployment?.complete) status.modelVersion = observation.release.version;
  return { status, conditions };
}

/** Conditions while the experiment waits for its model (missing, or not yet promoted). */
export function waitingForModelConditions(
  experiment: NudgeExperiment,
  waiting: { reason: string; message: string },
): ConditionInput[] {
  return haltedConditions(experiment, waiting);
}

/** Conditions of an experiment whose variant weights the scorer would reject. */
export function invalidLayoutConditions(experiment: NudgeExperiment, message: string): ConditionInput[] {
  return haltedConditions(experiment, { reason: Reason.InvalidVariantLayout, message });
}

/** Conditions of an experiment whose configuration the scorer would reject at start-up for another reason than its layout. */
export function invalidConfigConditions(experiment: NudgeExperiment, message: string): ConditionInput[] {
  return haltedConditions(experiment, { reason: Reason.InvalidExperimentConfig, message });
}

/** Ready=False, Progressing=False and Degraded=True, all for one cause that leaves the children as they are. */
function haltedConditions(experiment: NudgeExperiment, cause: { reason: string; message: string }): ConditionInput[] {
  const observedGeneration = experiment.metadata?.generation;
  return [
    { type: ConditionType.Ready, status: 'False', ...cause, observedGeneration },
    { type: ConditionType.Progressing, status: 'False', ...cause, observedGeneration },
    { type: ConditionType.Degraded, status: 'True', ...cause, observedGeneration },
  ];
}
