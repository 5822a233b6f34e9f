/** Shapes shared by the model, the HTTP routes and the experiments. */

import type { FieldProblem } from './errors.ts';

export const RISK_BANDS = ['low', 'medium', 'high'] as const;

export type RiskBand = (typeof RISK_BANDS)[number];

/** Lower bounds of the medium and high bands: low < medium <= p < high <= p. */
export interface RiskBandThresholds {
  medium: number;
  high: number;
}

export interface Prediction {
  churnProbability: number;
  riskBand: RiskBand;
}

/** One input row: feature name to raw value, as a client sends it. */
export type FeatureRow = Record<string, unknown>;

/**
 * The loaded model as the routes see it. `predict` validates every row against the
 * bundle's features.json and throws InvalidRequestError listing all problems, or
 * NotReadyError while no model is loaded.
 */
export interface Predictor {
  readonly modelName: string;
  readonly modelVersion: string;
  predict(rows: FeatureRow[]): Promise<Prediction[]>;
  /**
   * Returns the problems that `predict` would list for `row` as its only row, named
   * `instances[0].<feature>`, without scoring it. Empty while no model is loaded.
   */
  rowProblems(row: FeatureRow): FieldProblem[];
}

export function riskBandOf(probability: number, thresholds: RiskBandThresholds): RiskBand {
  if (probability >= thresholds.high) {
    return 'high';
  }
  if (probability >= thresholds.medium) {
    return 'medium';
  }
  return 'low';
}
