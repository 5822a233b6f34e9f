// Finds out why a scorer Deployment's pods are not ready: from the pods themselves
// (container states, scheduling) and from the Warning Events about them, which the
// kubelet and the scheduler write. Both the stable scorer's Ready condition and the
// canary rollout use it.
import type { CoreV1Event, V1Deployment, V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';

import { errorLogFields } from '../runtime/errors.ts';
import type { KubeClient } from '../runtime/kube-client.ts';
import { isPermitted } from '../runtime/permissions.ts';
import type { ResourceType } from '../runtime/resources.ts';
import { deploymentState } from './deployment-state.ts';

const POD: ResourceType = { apiVersion: 'v1', kind: 'Pod', plural: 'pods' };
const CORE_EVENT: ResourceType = { apiVersion: 'v1', kind: 'Event', plural: 'events' };

/** Field selector of the core Events that can explain a pod that is not ready. */
export const POD_WARNING_EVENTS = 'involvedObject.kind=Pod,type=Warning';

/**
 * How long a Deployment may go without progress before its pods are listed. Pods that
 * are merely starting make progress within this time, so they cost no list requests.
 */
export const STALL_THRESHOLD_MS = 10_000;

/** How often the pods of a stalled Deployment are listed again, since a pod's reason can change without a Deployment event. */
export const STALLED_RECHECK_MS = 30_000;

export interface PodDetails {
  pods: readonly V1Pod[];
  /** Events of any object in the namespace; only those about `pods` are read. */
  events: readonly CoreV1Event[];
}

/**
 * Lists the pods that match `labelSelector` and the namespace's Warning Events about
 * pods. Returns undefined when the operator's RBAC does not allow it, or when a list
 * fails (logged), so the caller falls back on the Deployment's own status.
 */
export async function listPodDetails(
  client: KubeClient,
  namespace: string,
  labelSelector: string,
  logger: Logger,
): Promise<PodDetails | undefined> {
  if (!isPermitted(POD, 'list') || !isPermitted(CORE_EVENT, 'list')) {
    return undefined;
  }

  try {
    const [pods, events] = await Promise.all([
      client.list<V1Pod>(POD, { namespace, labelSelector }),
      client.list<CoreV1Event>(CORE_EVENT, { namespace, fieldSelector: POD_WARNING_EVENTS }),
    ]);
    return { pods: pods.items, events: events.items };
  } catch (err) {
    logger.warn({ ...errorLogFields(err), labelSelector }, 'Listing scorer pods failed; the status reports the Deployment status only');
    return undefined;
  }
}

/**
 * Returns how long to wait before the pods of `deployment` are worth listing: 0 when they
 * are due now, or undefined when every desired pod is available (nothing to explain).
 * A Deployment is due once its Progressing condition was last updated at least
 * STALL_THRESHOLD_MS ago, because the Deployment controller updates it whenever a pod
 * becomes available.
 */
export function stalledPodsDelay(deployment: V1Deployment | undefined, now: Date): number | undefined {
  const state = deploymentState(deployment);
  if (deployment === undefined || state === undefined || state.desired === 0 || state.available >= state.desired) {
    return undefined;
  }

  const progressing = deployment.status?.conditions?.find((condition) => condition.type === 'Progressing');
  const lastProgress = progressing?.lastUpdateTime ?? deployment.metadata?.creationTimestamp;
  if (lastProgress === undefined) {
    return 0;
  }
  return Math.max(0, new Date(lastProgress).getTime() + STALL_THRESHOLD_MS - now.getTime());
}

/** Result of diagnoseStalledPods: the reason pods are not available, and the delay before the next look. */
export interface PodDiagnosis {
  podReason?: string;
  requeueAfterMs?: number;
}

/**
 * Finds out why the pods of a scorer Deployment are not available, once it has made no
 * progress for STALL_THRESHOLD_MS, and requests a later reconcile while pods are missing.
 */
export async function diagnoseStalledPods(
  client: KubeClient,
  deployment: V1Deployment | undefined,
  now: Date,
  logger: Logger,
): Promise<PodDiagnosis> {
  const delay = stalledPodsDelay(deployment, now);
  if (deployment === undefined || delay === undefined) {
    return {};
  }
  if (delay > 0) {
    return { requeueAfterMs: delay };
  }

  const details = await listPodDetails(client, deployment.metadata?.namespace ?? '', podSelectorOf(deployment), logger);
  return { podReason: podReason(details), requeueAfterMs: STALLED_RECHECK_MS };
}

/** Returns the reconcile result that runs again at the earlier of two requested delays, if any. */
export function earliestRequeue(...delaysMs: (number | undefined)[]): { requeueAfterMs: number } | undefined {
  const delays = delaysMs.filter((delay): delay is number => delay !== undefined);
  return delays.length === 0 ? undefined : { requeueAfterMs: Math.min(...delays) };
}

/** Label selector of the Deployment's pods, in the `key=value,...` form of a list request. */
export function podSelectorOf(deployment: V1Deployment): string {
  const labels = deployment.spec?.selector.matchLabels ?? {};
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
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
  const { name, namespace } = newest.involvedObject;
  const reason = `pod ${name}: ${joinReason(newest.reason ?? 'Warning', newest.message)}`;
  // The kubelet's Event gives only the probe's status code. The scorer returns 503 while
  // it has no model, and its log names the reason, such as a bundle that failed to load.
  if (newest.message?.startsWith('Readiness probe failed') === true) {
    const podNamespace = namespace ?? newest.metadata.namespace;
    const namespaceFlag = podNamespace === undefined ? '' : `-n ${podNamespace} `;
    return `${reason}; the scorer logs why it is not ready (kubectl logs ${namespaceFlag}${name})`;
  }
  return reason;
}

function eventTime(event: CoreV1Event): number {
  const time = event.lastTimestamp ?? event.eventTime ?? event.metadata.creationTimestamp;
  return time === undefined ? 0 : new Date(time).getTime();
}

function joinReason(reason: string, message: string | undefined): string {
  const text = message?.trim();
  return text ? `${reason}: ${text}` : reason;
}
