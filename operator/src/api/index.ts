/** Kubernetes API types of engagetrack.io/v1alpha1: schemas, static types and constants. */

export * from './meta.ts';
export * from './conditions.ts';
export * from './common.ts';
export * from './rollout.ts';
export * from './churnmodel.ts';
export * from './nudgeexperiment.ts';
export type { ValidationRule } from './schema.ts';
