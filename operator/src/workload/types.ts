// The custom resource types the reconcilers read, from the API schema (the single source
// of truth for engagetrack.io/v1alpha1).
export type {
  AuditSpec,
  AuthSpec,
  ChurnModel,
  ChurnModelSpec,
  ChurnModelStatus,
  IngressSpec,
  ModelVolumeSpec,
  Nudge as NudgeSpec,
  NudgeExperiment,
  NudgeExperimentSpec,
  NudgeExperimentStatus,
  RateLimitSpec,
  ResourceRequirements,
  RiskBandThresholds,
  Variant as VariantSpec,
} from '../api/index.ts';

export type Quantity = number | string;
