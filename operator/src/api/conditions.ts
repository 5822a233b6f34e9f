/**
 * Condition types and reasons in the status of ChurnModel and NudgeExperiment.
 * Each reason constant comes from a table that also says what the reason means;
 * docs/api.md is generated from these tables.
 */

export const ConditionType = {
  Ready: 'Ready',
  Progressing: 'Progressing',
  Degraded: 'Degraded',
  ModelLoaded: 'ModelLoaded',
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

export const ConditionStatus = {
  True: 'True',
  False: 'False',
  Unknown: 'Unknown',
} as const;
export type ConditionStatus = (typeof ConditionStatus)[keyof typeof ConditionStatus];

export const conditionTypeDocs: Record<ConditionType, { kinds: string; meaning: string }> = {
  Ready: {
    kinds: 'ChurnModel, NudgeExperiment',
    meaning: 'True when every desired scorer replica is ready and the resource serves requests at its desired state.',
  },
  Progressing: {
    kinds: 'ChurnModel, NudgeExperiment',
    meaning: 'True while a canary rollout or a change of the scorer Deployment is under way.',
  },
  Degraded: {
    kinds: 'ChurnModel, NudgeExperiment',
    meaning: 'True when a reconcile, a canary analysis or a rollout failed. The message says what failed.',
  },
  ModelLoaded: {
    kinds: 'ChurnModel',
    meaning: 'True when the scorer pods loaded the model bundle and, if spec.sha256 is set, verified its digest.',
  },
};

/** Meaning of each reason, per condition type. */
export const conditionReasonDocs = {
  Ready: {
    Available: 'Every desired scorer replica is ready.',
    ReplicasUnavailable: 'Fewer scorer replicas are ready than spec.replicas.',
    ScaledToZero: 'spec.replicas is 0, so no scorer serves requests.',
    ModelNotFound: 'NudgeExperiment only: spec.modelRef names no ChurnModel in the namespace.',
    ModelNotReady: 'NudgeExperiment only: the referenced ChurnModel has no current version yet.',
    ReconcileFailed: 'The operator failed to write a child object. It retries with backoff, and the message names the object.',
  },
  Progressing: {
    RolloutComplete: 'The stable Deployment runs the desired version on every replica.',
    RollingUpdate: 'The stable Deployment is updating to a new version in place.',
    CanaryPending: 'The canary Deployment exists, but its pods are not ready, so it gets no requests yet.',
    CanaryProgressing: 'The canary gets the share of requests of its current step.',
    CanaryPromoting: 'The canary passed every step, and the stable Deployment is updating to its version.',
    RolloutPaused: 'spec.rollout.paused is true, so the rollout holds its current step.',
    CanaryRolledBack: 'The last canary was rolled back. Its version is not retried until spec.version, spec.modelUri or spec.sha256 changes.',
    ProgressDeadlineExceeded: 'An update or a promotion did not finish within spec.rollout.progressDeadlineSeconds.',
    ExperimentPaused: 'NudgeExperiment only: spec.paused is true.',
  },
  Degraded: {
    RolloutHealthy: 'No failed rollout is pending.',
    CanaryNotReady: 'The canary pods were not ready within spec.rollout.progressDeadlineSeconds, or lost every ready pod.',
    ErrorRateTooHigh: "The canary's share of 5xx responses was above spec.rollout.analysis.maxErrorRate.",
    LatencyTooHigh: "The canary's p99 request latency was above spec.rollout.analysis.maxP99LatencySeconds.",
    AnalysisInconclusive:
      'The analysis found no data, or Prometheus did not respond, more than spec.rollout.analysis.inconclusiveLimit times.',
    ProgressDeadlineExceeded: 'An update or a promotion did not finish within spec.rollout.progressDeadlineSeconds.',
    ReconcileFailed: 'The operator failed to write a child object. It retries with backoff, and the message names the object.',
  },
  ModelLoaded: {
    BundleLoaded: 'The scorer pods loaded the model bundle of spec.version.',
    BundleLoading: 'No scorer pod of spec.version is ready yet.',
    BundleLoadFailed: 'The scorer pods failed to fetch, verify or load the model bundle. The message names the URI.',
  },
} as const satisfies Record<ConditionType, Record<string, string>>;

type ReasonConstants<Docs> = { readonly [Reason in keyof Docs]: Reason };

/** Turns a table of reasons into constants whose values are their names. */
function reasonConstants<Docs extends Record<string, string>>(docs: Docs): ReasonConstants<Docs> {
  return Object.fromEntries(Object.keys(docs).map((reason) => [reason, reason])) as ReasonConstants<Docs>;
}

export const ReadyReason = reasonConstants(conditionReasonDocs.Ready);
export const ProgressingReason = reasonConstants(conditionReasonDocs.Progressing);
export const DegradedReason = reasonConstants(conditionReasonDocs.Degraded);
export const ModelLoadedReason = reasonConstants(conditionReasonDocs.ModelLoaded);

export type ReadyReason = keyof typeof conditionReasonDocs.Ready;
export type ProgressingReason = keyof typeof conditionReasonDocs.Progressing;
export type DegradedReason = keyof typeof conditionReasonDocs.Degraded;
export type ModelLoadedReason = keyof typeof conditionReasonDocs.ModelLoaded;

/** Outcome of a version in ChurnModel status.history. */
export const RolloutOutcome = {
  Promoted: 'Promoted',
  RolledBack: 'RolledBack',
  Aborted: 'Aborted',
} as const;
export type RolloutOutcome = (typeof RolloutOutcome)[keyof typeof RolloutOutcome];
