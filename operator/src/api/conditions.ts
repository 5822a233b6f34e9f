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
    meaning:
      'True when every desired scorer pod is available and nothing is degraded. A rolling update keeps Ready True while the old pods serve; Progressing reports it.',
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

/** Reasons of a NudgeExperiment that halts: Ready, Progressing and Degraded all carry them, and its children stay as they are. */
const haltedExperimentReasons = {
  ModelNotFound: 'NudgeExperiment only: spec.modelRef names no ChurnModel in the namespace.',
  ModelNotPromoted: 'NudgeExperiment only: the referenced ChurnModel has promoted no version yet, and its first canary is in progress.',
  InvalidVariantLayout:
    "NudgeExperiment only: the scorer's bucket layout cannot place the variant weights. The message names each variant that does not fit and the largest weight that fits.",
  InvalidExperimentConfig:
    'NudgeExperiment only: the scorer would reject the experiment at start-up, for example for an unknown message placeholder or unbalanced braces. The message names each spec field.',
} as const;

/** Meaning of each reason, per condition type. */
export const conditionReasonDocs = {
  Ready: {
    ScorersReady: 'Every desired scorer pod is available and has loaded a model. A rolling update keeps this reason while the old pods serve.',
    DeploymentPending: 'The scorer Deployment has not been created yet.',
    ReplicasUnavailable:
      'Fewer scorer pods are available than spec.replicas. Once the Deployment has made no progress for 10 seconds, the message names why a pod is not ready, such as a missing PersistentVolumeClaim.',
    ScaledToZero: 'spec.replicas is 0, so no scorer serves requests.',
    ModelNotLoaded: 'No scorer pod has loaded the model yet.',
    ProgressDeadlineExceeded: 'The scorer Deployment did not finish its rollout within its progress deadline; see Degraded.',
    ReplicaFailure: 'The scorer Deployment cannot create pods, for example because of a resource quota; see Degraded.',
    ...haltedExperimentReasons,
  },
  Progressing: {
    DeploymentPending: 'The scorer Deployment has not been created yet.',
    RollingOut: 'NudgeExperiment only: the scorer Deployment is updating its pods.',
    RolloutComplete: 'The scorer Deployment runs the desired version on every replica.',
    RollingUpdate: 'ChurnModel only: the stable Deployment is updating to a new version in place.',
    CanaryPending: 'The canary Deployment exists, but its pods are not ready, so it gets no requests yet.',
    CanaryProgressing: 'The canary gets the share of requests of its current step.',
    CanaryPromoting: 'The canary passed every step, and the stable Deployment is updating to its version.',
    RolloutPaused: 'spec.rollout.paused is true, so the rollout holds its current step.',
    CanaryRolledBack: 'The last canary was rolled back. Its version is not retried until spec.version, spec.modelUri or spec.sha256 changes.',
    ProgressDeadlineExceeded: 'An update or a promotion did not finish within spec.rollout.progressDeadlineSeconds.',
    ...haltedExperimentReasons,
  },
  Degraded: {
    AsExpected: 'No failure is observed.',
    CanaryNotReady: 'The canary pods were not ready within spec.rollout.progressDeadlineSeconds, or lost every ready pod.',
    ErrorRateTooHigh: "The canary's share of 5xx responses was above spec.rollout.analysis.maxErrorRate.",
    LatencyTooHigh: "The canary's p99 request latency was above spec.rollout.analysis.maxP99LatencySeconds.",
    AnalysisInconclusive:
      'The analysis found no data, or Prometheus did not respond, more than spec.rollout.analysis.inconclusiveLimit times.',
    ProgressDeadlineExceeded: 'An update or a promotion did not finish within its progress deadline.',
    ReplicaFailure: 'The scorer Deployment cannot create pods, for example because of a resource quota. The message is the Deployment controller\'s.',
    ...haltedExperimentReasons,
  },
  ModelLoaded: {
    ModelLoaded: 'At least one scorer pod has loaded the model bundle and, if spec.sha256 is set, verified its digest.',
    ModelNotLoaded: 'No scorer pod has loaded the model bundle yet.',
    DeploymentPending: 'The scorer Deployment has not been created yet.',
    ScaledToZero: 'spec.replicas is 0, so no pod loads the model.',
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
