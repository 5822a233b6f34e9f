// Reduces a scorer Deployment (and, when the operator may read them, its pods and their
// Events) to what the rollout state machine needs: which bundle it runs, whether it is
// rolled out, and why its pods are not ready.
import type { V1Deployment } from '@kubernetes/client-node';

import { deploymentState } from '../workload/deployment-state.ts';
import { podReason } from '../workload/pod-diagnosis.ts';
import type { PodDetails } from '../workload/pod-diagnosis.ts';
import { MODEL_SHA256_ANNOTATION, MODEL_URI_ANNOTATION } from './canary.ts';
import { VERSION_LABEL } from './names.ts';
import type { DeploymentObservation } from './types.ts';

export function observeDeployment(deployment: V1Deployment | undefined, details?: PodDetails): DeploymentObservation | undefined {
  const state = deploymentState(deployment);
  if (deployment === undefined || state === undefined) {
    return undefined;
  }

  const template = deployment.spec?.template.metadata;
  const rolledOut = state.complete && state.failure === undefined;
  const observation: DeploymentObservation = {
    version: template?.labels?.[VERSION_LABEL],
    rolledOut,
    readyReplicas: state.ready,
    notReadyReason: rolledOut ? undefined : (state.failure?.message ?? podReason(details)),
  };

  const modelUri = template?.annotations?.[MODEL_URI_ANNOTATION];
  const sha256 = template?.annotations?.[MODEL_SHA256_ANNOTATION];
  if (modelUri !== undefined) observation.modelUri = modelUri;
  if (sha256 !== undefined) observation.sha256 = sha256;
  return observation;
}
