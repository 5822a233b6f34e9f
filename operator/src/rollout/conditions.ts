// Condition types and reasons the rollout writes, and the merge rule that keeps
// lastTransitionTime stable while a condition's status does not change.
import { ConditionType, DegradedReason, ProgressingReason } from '../api/conditions.ts';
import type { Condition } from './types.ts';

// The condition types and reasons are the API's own constants, which also document them.
export const PROGRESSING = ConditionType.Progressing;
export const DEGRADED = ConditionType.Degraded;
export { DegradedReason, ProgressingReason };

/** Reasons of a rollback. Each is used by the Degraded condition, the Event and the history entry. */
export const RollbackReason = {
  /** The canary pods were not ready within progressDeadlineSeconds, or lost every ready pod. */
  CanaryNotReady: DegradedReason.CanaryNotReady,
  /** The canary's share of 5xx responses was above analysis.maxErrorRate. */
  ErrorRateTooHigh: DegradedReason.ErrorRateTooHigh,
  /** The canary's p99 request latency was above analysis.maxP99LatencySeconds. */
  LatencyTooHigh: DegradedReason.LatencyTooHigh,
  /** Analysis found no data (or Prometheus did not respond) more than inconclusiveLimit times. */
  AnalysisInconclusive: DegradedReason.AnalysisInconclusive,
} as const;

export type RollbackReasonValue = (typeof RollbackReason)[keyof typeof RollbackReason];

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
