// spec.rollout with the API defaults filled in. The API server applies the same defaults
// from the CRD schema; filling them here keeps the state machine total for objects that
// were created before a default existed or built by hand in tests.
import type { AnalysisSpec, RolloutModelSpec, RolloutStep, RolloutStrategy } from './types.ts';

export const DEFAULT_STEPS: readonly RolloutStep[] = [
  { weight: 10, pauseSeconds: 60 },
  { weight: 50, pauseSeconds: 60 },
];
export const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;
export const DEFAULT_REPLICAS = 2;

const ANALYSIS_DEFAULTS: Omit<AnalysisSpec, 'prometheusUrl'> = {
  maxErrorRate: 0.01,
  maxP99LatencySeconds: 0.5,
  intervalSeconds: 30,
  inconclusiveLimit: 3,
};

export interface RolloutSettings {
  strategy: RolloutStrategy;
  steps: readonly RolloutStep[];
  paused: boolean;
  analysis: AnalysisSpec | undefined;
  progressDeadlineSeconds: number;
  replicas: number;
}

export function rolloutSettings(spec: RolloutModelSpec): RolloutSettings {
  const rollout = spec.rollout ?? {};
  const analysis = rollout.analysis === undefined ? undefined : { ...ANALYSIS_DEFAULTS, ...rollout.analysis };

  return {
    strategy: rollout.strategy ?? 'Canary',
    steps: rollout.steps ?? DEFAULT_STEPS,
    paused: rollout.paused ?? false,
    analysis,
    progressDeadlineSeconds: rollout.progressDeadlineSeconds ?? DEFAULT_PROGRESS_DEADLINE_SECONDS,
    replicas: spec.replicas ?? DEFAULT_REPLICAS,
  };
}

/**
 * Sizes the canary Deployment for the largest share it will get: the stable replica
 * count times the highest step weight, rounded up, and at least one pod.
 */
export function canaryReplicas(settings: RolloutSettings): number {
  const maxWeight = Math.max(0, ...settings.steps.map((step) => step.weight));
  return Math.max(1, Math.ceil((settings.replicas * maxWeight) / 100));
}
