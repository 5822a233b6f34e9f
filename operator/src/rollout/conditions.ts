// Condition types and reasons the rollout writes, and the merge rule that keeps
// lastTransitionTime stable while a condition's status does not change.
import type { Condition } from './types.ts';

export const PROGRESSING = 'Progressing';
export const DEGRADED = 'Degraded';

/** Reasons of the Progressing condition. */
export const ProgressingReason = {
  /** The stable Deployment runs the wanted version on every replica. */
  RolloutComplete: 'RolloutComplete',
  /** The stable Deployment is rolling to a new version in place. */
  RollingUpdate: 'RollingUpdate',
  /** The canary Deployment exists but its pods are not ready, so it gets no requests yet. */
  CanaryPending: 'CanaryPending',
  /** The canary gets the share of requests of its current step. */
  CanaryProgressing: 'CanaryProgressing',
  /** The canary passed every step and the stable Deployment is rolling to its version. */
  CanaryPromoting: 'CanaryPromoting',
  /** spec.rollout.paused is true, so the rollout holds its current step. */
  RolloutPaused: 'RolloutPaused',
  /** The last canary was rolled back and its version is not retried until the spec changes. */
  CanaryRolledBack: 'CanaryRolledBack',
  /** A rolling update or a promotion did not finish within progressDeadlineSeconds. */
  ProgressDeadlineExceeded: 'ProgressDeadlineExceeded',
} as const;

/** Reasons of a rollback. Each is used by the Degraded condition, the Event and the history entry. */
export const RollbackReason = {
  /** The canary pods were not ready within progressDeadlineSeconds, or lost every ready pod. */
  CanaryNotReady: 'CanaryNotReady',
  /** The canary's share of 5xx responses was above analysis.maxErrorRate. */
  ErrorRateTooHigh: 'ErrorRateTooHigh',
  /** The canary's p99 request latency was above analysis.maxP99LatencySeconds. */
  LatencyTooHigh: 'LatencyTooHigh',
  /** Analysis found no data (or Prometheus did not respond) more than inconclusiveLimit times. */
  AnalysisInconclusive: 'AnalysisInconclusive',
} as const;

export type RollbackReasonValue = (typeof RollbackReason)[keyof typeof RollbackReason];

/** Reasons of the Degraded condition besides the rollback reasons. */
export const DegradedReason = {
  /** No failed rollout is pending. */
  AsExpected: 'AsExpected',
  ProgressDeadlineExceeded: 'ProgressDeadlineExceeded',
} as const;

/** Reasons of the history entries besides the rollback reasons. */
export const HistoryReason = {
  /** The first version of the model goes straight to the stable Deployment. */
  InitialVersion: 'InitialVersion',
  /** The canary passed every step. */
  CanarySucceeded: 'CanarySucceeded',
  /** strategy Rolling, or no replicas to run a canary on. */
  RollingUpdate: 'RollingUpdate',
  /** spec.version went back to the stable version while a canary ran. */
  VersionReverted: 'VersionReverted',
  /** spec changed to another new version while a canary ran. */
  Superseded: 'Superseded',
  /** spec.rollout.strategy changed to Rolling while a canary ran. */
  StrategyChanged: 'StrategyChanged',
} as const;

const ROLLBACK_REASONS: ReadonlySet<string> = new Set(Object.values(RollbackReason));

export function isRollbackReason(reason: string | undefined): reason is RollbackReasonValue {
  return reason !== undefined && ROLLBACK_REASONS.has(reason);
}

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((condition) => condition.type === type);
}

/**
 * Returns `next`, keeping the previous lastTransitionTime when the status did not change,
 * so a reconcile that finds nothing new writes an identical condition.
 */
export function mergeCondition(previous: Condition | undefined, next: Condition): Condition {
  if (previous !== undefined && previous.status === next.status) {
    return { ...next, lastTransitionTime: previous.lastTransitionTime };
  }
  return next;
}
