// Reads how far a Deployment's rollout has come from its status, the way
// `kubectl rollout status` does.
import type { V1Deployment } from '@kubernetes/client-node';

export interface DeploymentState {
  /** Replicas the spec asks for. */
  desired: number;
  /** Pods of the current template. */
  updated: number;
  /** Pods that pass their readiness probe, of any template. */
  ready: number;
  /** Pods that have been ready for the Deployment's minReadySeconds, of any template. */
  available: number;
  /** True when every pod runs the current template and is available, and no old pod is left. */
  complete: boolean;
  /** Set when the Deployment controller reports a failure (progress deadline, replica failure). */
  failure?: { reason: string; message: string };
}

export function deploymentState(deployment: V1Deployment | undefined): DeploymentState | undefined {
  if (!deployment) return undefined;
  const desired = deployment.spec?.replicas ?? 1;
  const status = deployment.status ?? {};
  const updated = status.updatedReplicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const total = status.replicas ?? 0;
  const observed = (status.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 0);

  return {
    desired,
    updated,
    ready: status.readyReplicas ?? 0,
    available,
    complete: observed && updated === desired && total === desired && available === desired,
    failure: deploymentFailure(deployment),
  };
}

function deploymentFailure(deployment: V1Deployment): DeploymentState['failure'] {
  for (const condition of deployment.status?.conditions ?? []) {
    if (condition.type === 'Progressing' && condition.status === 'False' && condition.reason === 'ProgressDeadlineExceeded') {
      return { reason: 'ProgressDeadlineExceeded', message: condition.message ?? 'the rollout exceeded its progress deadline' };
    }
    if (condition.type === 'ReplicaFailure' && condition.status === 'True') {
      return { reason: 'ReplicaFailure', message: condition.message ?? 'pods could not be created' };
    }
  }
  return undefined;
}
