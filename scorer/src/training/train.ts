/**
 * The training pipeline: split, fit the features on the training rows, train seeded
 * wide-and-deep members with early stopping, merge them, and measure the held-out test split.
 */
import type { FeatureSpec } from '../model/features.ts';
import { RowEncoder } from '../model/encoder.ts';
import type { tf } from '../model/backend.ts';
import type { FeatureRow } from '../prediction.ts';
import { checkClassSizes, countClasses, type ClassCounts } from './data-checks.ts';
import type { Dataset } from './dataset.ts';
import { DEFAULT_FIT_OPTIONS, fitFeatureSpec, type FitOptions as FeatureFitOptions } from './fit-features.ts';
import { fitNetwork, predictProbabilities, type EpochReport, type FitOptions } from './fit.ts';
import { computeMetrics, type Metrics } from './metrics.ts';
import { buildNetwork, mergeMembers } from './network.ts';
import { stratifiedFolds, stratifiedHoldOut } from './split.ts';

export interface TrainingOptions {
  seed: number;
  /** Fraction of rows held out for the reported metrics. */
  testFraction: number;
  /** Number of members, each early-stopped on its own cross-validation fold of the non-test rows. */
  members: number;
  hiddenUnits: number;
  wideL2: number;
  deepL2: number;
  features: FeatureFitOptions;
  fit: Omit<FitOptions, 'seed'>;
}

export const DEFAULT_TRAINING_OPTIONS: TrainingOptions = {
  seed: 0,
  testFraction: 0.2,
  members: 4,
  hiddenUnits: 8,
  wideL2: 1e-4,
  deepL2: 1e-3,
  features: DEFAULT_FIT_OPTIONS,
  fit: { batchSize: 64, maxEpochs: 40, patience: 5, learningRate: 0.003, learningRateDecay: 0.93 },
};

export interface TrainingProgress extends EpochReport {
  member: number;
  members: number;
}

export interface TrainingResult {
  model: tf.LayersModel;
  spec: FeatureSpec;
  metrics: Metrics;
  rows: { total: number; trainAndValidation: number; test: number };
  /** Rows of each class in the held-out split that the metrics are measured on. */
  testClasses: ClassCounts;
  memberEpochs: number[];
  /** The first held-out test row. */
  exampleInstance: FeatureRow;
}

export async function trainModel(
  dataset: Dataset,
  options: TrainingOptions,
  onProgress: (progress: TrainingProgress) => void,
): Promise<TrainingResult> {
  checkClassSizes(dataset.labels, options.testFraction, options.members);
  const split = stratifiedHoldOut(dataset.labels, options.testFraction, options.seed);
  const folds = stratifiedFolds(dataset.labels, split.rest, options.members, options.seed + 1);
  const pick = (indices: number[]) => indices.map((index) => dataset.rows[index] as FeatureRow);
  const labelsOf = (indices: number[]) => Uint8Array.from(indices, (index) => dataset.labels[index] as number);

  const spec = fitFeatureSpec(dataset.columns, pick(split.rest), options.features);
  const encoder = new RowEncoder(spec);
  const encode = (indices: number[]) => ({
    x: {
      values: encoder.encode(pick(indices), { unknownCategory: 'ignore', fieldPrefix: 'rows' }),
      rows: indices.length,
      columns: encoder.inputSize,
    },
    y: labelsOf(indices),
  });

  const members: tf.LayersModel[] = [];
  const memberEpochs: number[] = [];
  for (let member = 0; member < options.members; member++) {
    const memberSeed = options.seed + 1000 * (member + 1);
    const trainRows = folds.filter((_, fold) => fold !== member).flat();
    const network = buildNetwork({
      inputSize: encoder.inputSize,
      hiddenUnits: options.hiddenUnits,
      wideL2: options.wideL2,
      deepL2: options.deepL2,
      seed: memberSeed,
    });
    const result = await fitNetwork(network, encode(trainRows), encode(folds[member]!), { ...options.fit, seed: memberSeed }, (report) =>
      onProgress({ ...report, member: member + 1, members: options.members }),
    );
    members.push(network);
    memberEpochs.push(result.bestEpoch);
  }

  const model = mergeMembers(members, encoder.inputSize, options.hiddenUnits);
  members.forEach((member) => member.dispose());

  const test = encode(split.test);
  const metrics = computeMetrics(predictProbabilities(model, test.x), test.y);
  return {
    model,
    spec,
    metrics,
    rows: { total: dataset.rows.length, trainAndValidation: split.rest.length, test: split.test.length },
    testClasses: countClasses(dataset.labels, split.test),
    memberEpochs,
    exampleInstance: dataset.rows[split.test[0] as number] as FeatureRow,
  };
}
