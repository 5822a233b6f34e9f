// Reduces a scorer Deployment (and, when the operator may read them, its pods and their
// Events) to what the rollout state machine needs: which bundle it runs, whether it is
// rolled out, and why its pods are not ready.
import type { CoreV1Event, V1Deployment, V1Pod } from '@kubernetes/client-node';

import { deploymentState } from '../workload/deployment-state.ts';
import { MODEL_SHA256_ANNOTATION, MODEL_URI_ANNOTATION } from './canary.ts';
import { VERSION_LABEL } from './names.ts';
import type { DeploymentObservation } from './types.ts';

export interface PodDetails {
  pods: readonly V1Pod[];
  /** Events of any object in the namespace; only those about `pods` are read. */
  events: readonly CoreV1Event[];
}

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

/**
 * Finds the most telling reason why a pod is not ready. The order is: a container that
 * waits (CrashLoopBackOff, ImagePullBackOff) or terminated with a message, then a pod
 * that cannot be scheduled, then the newest Warning Event about a pod (such as a
 * failed readiness probe of /readyz).
 */
export function podReason(details: PodDetails | undefined): string | undefined {
  if (details === undefined) {
    return undefined;
  }
  for (const pod of details.pods) {
    const reason = containerReason(pod) ?? schedulingReason(pod);
    if (reason !== undefined) {
      return `pod ${pod.metadata?.name}: ${reason}`;
    }
  }
  return warningEventReason(details);
}

function containerReason(pod: V1Pod): string | undefined {
  for (const status of pod.status?.containerStatuses ?? []) {
    const waiting = status.state?.waiting;
    if (waiting?.reason !== undefined && waiting.reason !== 'ContainerCreating') {
      return joinReason(waiting.reason, waiting.message);
    }
    const terminated = status.lastState?.terminated ?? status.state?.terminated;
    if (terminated?.message) {
      return joinReason(terminated.reason ?? 'Terminated', terminated.message);
    }
  }
  return undefined;
}

function schedulingReason(pod: V1Pod): string | undefined {
  const scheduled = pod.status?.conditions?.find((condition) => condition.type === 'PodScheduled');
  if (scheduled?.status === 'False') {
    return joinReason(scheduled.reason ?? 'Unschedulable', scheduled.message);
  }
  return undefined;
}

function warningEventReason(details: PodDetails): string | undefined {
  const podNames = new Set(details.pods.map((pod) => pod.metadata?.name));
  const warnings = details.events
    .filter((event) => event.type === 'Warning' && event.involvedObject.kind === 'Pod' && podNames.has(event.involvedObject.name))
    .sort((a, b) => eventTime(b) - eventTime(a));

  const newest = warnings[0];
  if (newest === undefined) {
    return undefined;
  }
  return `pod ${newest.involvedObject.name}: ${joinReason(newest.reason ?? 'Warning', newest.message)}`;
}

function eventTime(event: CoreV1Event): number {
  const time = event.lastTimestamp ?? event.eventTime ?? event.metadata.creationTimestamp;
  return time === undefined ? 0 : new Date(time).getTime();
}

function joinReason(reason: string, message: string | undefined): string {
  const text = message?.trim();
  return text ? `${reason}: ${text}` : reason;
}
