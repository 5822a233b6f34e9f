/**
 * The feature specification of a bundle (features.json) and its zod schema. The same
 * specification drives training and serving, so a row is encoded identically in both.
 */
import { z } from 'zod';

export const FEATURES_FORMAT_VERSION = 1;

const numericFeatureSchema = z.object({
  name: z.string().min(1),
  type: z.literal('numeric'),
  /** Mean and standard deviation of the training values, used for standard scaling. */
  mean: z.number(),
  std: z.number().positive(),
  /** Value used in place of a missing one: the training median. */
  fill: z.number(),
  /** When true, one extra input is 1 for a missing value and 0 otherwise. */
  missingIndicator: z.boolean(),
  /** Scaling of log1p(max(value, 0)), present for skewed non-negative columns. */
  log1p: z.object({ mean: z.number(), std: z.number().positive() }).nullable(),
  /** Ascending inner bin edges from training quantiles. A value v falls in the bin of the
   * number of edges <= v, one-hot encoded over edges.length + 1 inputs. Empty: no bins. */
  binEdges: z.array(z.number()),
});

const categoricalFeatureSchema = z.object({
  name: z.string().min(1),
  type: z.literal('categorical'),
  /** Known categories in one-hot order. One more input, the unknown bucket, follows them. */
  vocabulary: z.array(z.string()).min(1),
});

const featureSchema = z.discriminatedUnion('type', [numericFeatureSchema, categoricalFeatureSchema]);

export const featureSpecSchema = z.object({
  formatVersion: z.literal(FEATURES_FORMAT_VERSION),
  /** Width of the encoded input vector, equal to the model's input shape. */
  inputSize: z.number().int().positive(),
  features: z.array(featureSchema).min(1),
  missingValues: z.object({
    numeric: z.literal('fill-with-median'),
    categorical: z.literal('unknown-bucket'),
  }),
});

export type NumericFeature = z.infer<typeof numericFeatureSchema>;
export type CategoricalFeature = z.infer<typeof categoricalFeatureSchema>;
export type Feature = z.infer<typeof featureSchema>;
export type FeatureSpec = z.infer<typeof featureSpecSchema>;

/** Number of model inputs one feature occupies. */
export function encodedWidth(feature: Feature): number {
  if (feature.type === 'categorical') {
    return feature.vocabulary.length + 1;
  }

  let width = 1;
  if (feature.missingIndicator) {
    width += 1;
  }
  if (feature.log1p !== null) {
    width += 1;
  }
  if (feature.binEdges.length > 0) {
    width += feature.binEdges.length + 1;
  }
  return width;
}

export function totalEncodedWidth(features: readonly Feature[]): number {
  return features.reduce((sum, feature) => sum + encodedWidth(feature), 0);
}
