// Shapes the rollout state machine reads and writes. They are the rollout-related parts
// of the ChurnModel API (spec.rollout, status.canary, status.history, conditions), kept
// structural so the state machine can be tested with plain objects.

export type RolloutStrategy = 'Canary' | 'Rolling';

export interface RolloutStep {
  /** Percent of requests the canary Ingress sends to the canary, 1..99. */
  weight: number;
  /** How long the step lasts before analysis decides whether to advance, in seconds. */
  pauseSeconds: number;
}

export interface AnalysisSpec {
  prometheusUrl: string;
  /** Highest accepted share of 5xx responses, 0..1. */
  maxErrorRate: number;
  maxP99LatencySeconds: number;
  /** Time between two analysis queries, in seconds. */
  intervalSeconds: number;
  /** Inconclusive retries allowed at the end of a step before the canary fails. */
  inconclusiveLimit: number;
}

export interface RolloutSpec {
  strategy?: RolloutStrategy;
  steps?: RolloutStep[];
  paused?: boolean;
  analysis?: Partial<AnalysisSpec> & { prometheusUrl: string };
  progressDeadlineSeconds?: number;
}

/** The fields of ChurnModel.spec that the rollout reads. */
export interface RolloutModelSpec {
  modelUri: string;
  version: string;
  sha256?: string;
  replicas?: number;
  rollout?: RolloutSpec;
}

/** metav1.Condition. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface CanaryStatus {
  version: string;
  modelUri: string;
  /** Bundle digest of the canary, kept so a changed digest is noticed as a new target. */
  sha256?: string;
  /** Percent of requests sent to the canary; 0 while the canary pods are not ready yet. */
  weight: number;
  /** Index into spec.rollout.steps, starting at 0. */
  step: number;
  /** RFC 3339 time the current step started. */
  stepStartedAt: string;
}

export type HistoryOutcome = 'Promoted' | 'RolledBack' | 'Aborted';

export interface HistoryEntry {
  version: string;
  /** Bundle location and digest of the version; used to tell a fixed bundle from the rejected one. */
  modelUri?: string;
  sha256?: string;
  outcome: HistoryOutcome;
  reason?: string;
  /** RFC 3339. */
  time: string;
}

/** The fields of ChurnModel.status that the rollout reads and writes. */
export interface RolloutModelStatus {
  currentVersion?: string;
  currentModelUri?: string;
  currentSha256?: string;
  canary?: CanaryStatus;
  history?: HistoryEntry[];
  conditions?: Condition[];
}

export interface RolloutModel {
  metadata: { name?: string; namespace?: string; generation?: number };
  spec: RolloutModelSpec;
  status?: RolloutModelStatus;
}

/** One version of the model bundle: what a set of scorer pods serves. */
export interface ModelTarget {
  version: string;
  modelUri: string;
  sha256?: string;
}

/** Observed state of a scorer Deployment (stable or canary), as read from the operator's cache. */
export interface DeploymentObservation {
  /** The `app.kubernetes.io/version` label of the pod template. */
  version: string | undefined;
  /** The `engagetrack.io/model-uri` annotation of the pod template, when present. */
  modelUri?: string | undefined;
  /** The `engagetrack.io/model-sha256` annotation of the pod template ('' for no digest), when present. */
  sha256?: string | undefined;
  /**
   * The Deployment controller has acted on the latest spec, and every desired replica is
   * updated and available (the check `kubectl rollout status` makes).
   */
  rolledOut: boolean;
  readyReplicas: number;
  /** Reason pods are not ready, taken from the Deployment, pod conditions, container states or Events. */
  notReadyReason: string | undefined;
}

export type AnalysisOutcome = 'Pass' | 'Fail' | 'Inconclusive';

/** The result of one analysis of the canary's metrics. */
export type AnalysisVerdict =
  | { outcome: 'Pass'; message: string }
  | { outcome: 'Fail'; reason: 'ErrorRateTooHigh' | 'LatencyTooHigh'; message: string }
  | { outcome: 'Inconclusive'; message: string };
