/** The bundle's metadata.json: what was trained, from which data, how, and how well. */
import { z } from 'zod';

const calibrationBinSchema = z.object({
  lower: z.number(),
  upper: z.number(),
  count: z.number().int().nonnegative(),
  meanPredicted: z.number().nullable(),
  observedRate: z.number().nullable(),
});

export const metadataSchema = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  /** Target column and the value counted as churn. */
  target: z.object({ column: z.string(), positive: z.string() }),
  data: z.object({ file: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  rows: z.object({
    total: z.number().int(),
    trainAndValidation: z.number().int(),
    test: z.number().int(),
  }),
  seed: z.number().int(),
  /** The command line that produced the bundle. */
  command: z.string(),
  training: z.object({
    backend: z.string(),
    members: z.number().int(),
    hiddenUnitsPerMember: z.number().int(),
    bestEpochs: z.array(z.number().int()),
  }),
  /** One held-out row (features only, no id or target), used for the example request printed at start-up. */
  exampleInstance: z.record(z.string(), z.union([z.number(), z.string(), z.null()])).optional(),
  /** Metrics on the held-out test split. */
  testMetrics: z.object({
    rocAuc: z.number(),
    prAuc: z.number(),
    brier: z.number(),
    logLoss: z.number(),
    positiveRate: z.number(),
    calibration: z.array(calibrationBinSchema),
  }),
});

export type BundleMetadata = z.infer<typeof metadataSchema>;
