// Status of a ChurnModel computed from its stable Deployment. Component conditions
// (ModelLoaded, Progressing, Degraded) roll up into Ready.
import type { ConditionInput } from '../runtime/conditions.ts';
import { scorerConditions } from '../workload/scorer-conditions.ts';
import type { ScorerObservation } from '../workload/scorer-conditions.ts';
import type { ChurnModel, ChurnModelStatus } from '../workload/types.ts';

export { ConditionType, PENDING_READY_REASONS, Reason } from '../workload/scorer-conditions.ts';

/** Computes the status fields the stable reconcile owns; canary and history belong to the rollout. */
export function computeChurnModelStatus(model: ChurnModel, observation: ScorerObservation): {
  status: ChurnModelStatus;
  conditions: ConditionInput[];
} {
  const generation = model.metadata?.generation;
  const conditions = scorerConditions(observation, generation);

  const status: ChurnModelStatus = {
    observedGeneration: generation,
    url: observation.url,
    replicas: observation.deployment?.desired ?? model.spec.replicas,
    readyReplicas: observation.deployment?.ready ?? 0,
  };
  // The served version is only promoted once every pod runs it.
  if (observation.deployment?.complete && !observation.deployment.failure) {
    status.currentVersion = observation.release.version;
    status.currentModelUri = observation.release.uri;
    if (observation.release.sha256) status.currentSha256 = observation.release.sha256;
  }
  return { status, conditions };
}
