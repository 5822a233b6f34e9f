/**
 * Fits the feature specification on the training rows only: scaling, median fill, missing
 * indicators, a log1p transform for skewed non-negative columns and quantile bins.
 */
import type { FeatureRow } from '../prediction.ts';
import {
  FEATURES_FORMAT_VERSION,
  totalEncodedWidth,
  type CategoricalFeature,
  type Feature,
  type FeatureSpec,
  type NumericFeature,
} from '../model/features.ts';
import type { ColumnType } from './dataset.ts';

export interface FitOptions {
  /** Number of quantile bins for numeric columns with enough distinct values. */
  quantileBins: number;
  /** Sample skewness above which a non-negative column also gets a log1p input. */
  skewnessForLog: number;
}

export const DEFAULT_FIT_OPTIONS: FitOptions = { quantileBins: 10, skewnessForLog: 0.5 };

/** Numeric columns with fewer distinct values than this are not binned (flags such as 0/1). */
const MIN_DISTINCT_FOR_BINS = 10;

export function fitFeatureSpec(
  columns: readonly { name: string; type: ColumnType }[],
  rows: readonly FeatureRow[],
  options: FitOptions = DEFAULT_FIT_OPTIONS,
): FeatureSpec {
  const features: Feature[] = columns.map((column) =>
    column.type === 'numeric' ? fitNumeric(column.name, rows, options) : fitCategorical(column.name, rows),
  );
  return {
    formatVersion: FEATURES_FORMAT_VERSION,
    inputSize: totalEncodedWidth(features),
    features,
    missingValues: { numeric: 'fill-with-median', categorical: 'unknown-bucket' },
  };
}

function fitNumeric(name: string, rows: readonly FeatureRow[], options: FitOptions): NumericFeature {
  const values: number[] = [];
  for (const row of rows) {
    const value = row[name];
    if (typeof value === 'number') {
      values.push(value);
    }
  }
  values.sort((a, b) => a - b);

  const fill = values.length > 0 ? quantile(values, 0.5) : 0;
  const missingCount = rows.length - values.length;
  const filled = [...values, ...new Array<number>(missingCount).fill(fill)];
  const { mean, std } = meanAndStd(filled);

  return {
    name,
    type: 'numeric',
    mean,
    std,
    fill,
    missingIndicator: missingCount > 0,
    log1p: fitLog1p(filled, options.skewnessForLog),
    binEdges: fitBinEdges(values, options.quantileBins),
  };
}

function fitLog1p(values: readonly number[], threshold: number): { mean: number; std: number } | null {
  const isNonNegative = values.every((value) => value >= 0);
  if (!isNonNegative || skewness(values) <= threshold) {
    return null;
  }
  return meanAndStd(values.map((value) => Math.log1p(value)));
}

/** Distinct inner quantile edges; empty when the column has too few distinct values. */
function fitBinEdges(sortedValues: readonly number[], bins: number): number[] {
  if (bins < 2 || new Set(sortedValues).size < MIN_DISTINCT_FOR_BINS) {
    return [];
  }
  const edges = new Set<number>();
  for (let bin = 1; bin < bins; bin++) {
    edges.add(quantile(sortedValues, bin / bins));
  }
  // The minimum as an edge would leave the first bin empty.
  edges.delete(sortedValues[0] as number);
  return [...edges].sort((a, b) => a - b);
}

function fitCategorical(name: string, rows: readonly FeatureRow[]): CategoricalFeature {
  const categories = new Set<string>();
  for (const row of rows) {
    const value = row[name];
    if (typeof value === 'string') {
      categories.add(value);
    }
  }
  // Sorted so that the encoding does not depend on row order.
  const vocabulary = [...categories].sort();
  return { name, type: 'categorical', vocabulary: vocabulary.length > 0 ? vocabulary : ['(none)'] };
}

/** Linear-interpolated quantile of ascending values. */
function quantile(sortedValues: readonly number[], q: number): number {
  const position = (sortedValues.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sortedValues[lower] as number;
  const high = sortedValues[upper] as number;
  return low + (high - low) * (position - lower);
}

function meanAndStd(values: readonly number[]): { mean: number; std: number } {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length;
  // A constant column gets std 1, so that scaling leaves it at zero instead of dividing by zero.
  const std = Math.sqrt(variance);
  return { mean, std: std > 1e-12 ? std : 1 };
}

function skewness(values: readonly number[]): number {
  const { mean, std } = meanAndStd(values);
  const third = values.reduce((sum, value) => sum + ((value - mean) / std) ** 3, 0) / values.length;
  return third;
}
