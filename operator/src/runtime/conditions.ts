// metav1.Condition helpers. A condition keeps its lastTransitionTime until its status
// changes, so rewriting the same conditions leaves the status byte-for-byte equal.

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  /** CamelCase, machine-readable. */
  reason: string;
  /** Human-readable detail. */
  message: string;
  /** RFC 3339 time of the last status change. */
  lastTransitionTime: string;
  observedGeneration?: number;
}

export type ConditionInput = Omit<Condition, 'lastTransitionTime'>;

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((condition) => condition.type === type);
}

/** Builds the new condition list, carrying lastTransitionTime over from `previous` when the status is unchanged. */
export function mergeConditions(
  previous: readonly Condition[] | undefined,
  next: readonly ConditionInput[],
  now: Date,
): Condition[] {
  return next.map((condition) => {
    const old = findCondition(previous, condition.type);
    const lastTransitionTime =
      old !== undefined && old.status === condition.status ? old.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
    return { ...condition, lastTransitionTime };
  });
}

export interface ConditionTransition {
  type: string;
  from: ConditionStatus | undefined;
  to: Condition;
}

/** Lists the conditions whose status or reason differs from `previous`. */
export function conditionTransitions(previous: readonly Condition[] | undefined, next: readonly Condition[]): ConditionTransition[] {
  const transitions: ConditionTransition[] = [];
  for (const condition of next) {
    const old = findCondition(previous, condition.type);
    if (old?.status !== condition.status || old.reason !== condition.reason) {
      transitions.push({ type: condition.type, from: old?.status, to: condition });
    }
  }
  return transitions;
}
