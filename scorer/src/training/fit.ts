/**
 * Training of one network with seeded mini-batches, Adam with exponential learning-rate
 * decay, and early stopping on the validation log loss (the best epoch's weights are kept).
 */
import { tf } from '../model/backend.ts';
import { logLoss, rocAuc } from './metrics.ts';
import { seededRandom, shuffleInPlace } from './random.ts';

export interface Matrix {
  values: Float32Array;
  rows: number;
  columns: number;
}

export interface FitOptions {
  batchSize: number;
  maxEpochs: number;
  /** Epochs without a validation improvement before stopping. */
  patience: number;
  learningRate: number;
  /** Learning rate multiplier applied after each epoch. */
  learningRateDecay: number;
  seed: number;
}

export interface EpochReport {
  epoch: number;
  loss: number;
  validationLoss: number;
  validationAuc: number;
}

export interface FitResult {
  bestEpoch: number;
  epochs: number;
}

/** Adam whose learning rate can be lowered between epochs. */
class DecayingAdam extends tf.AdamOptimizer {
  setLearningRate(value: number): void {
    this.learningRate = value;
  }
}

export async function fitNetwork(
  model: tf.LayersModel,
  train: { x: Matrix; y: Uint8Array },
  validation: { x: Matrix; y: Uint8Array },
  options: FitOptions,
  onEpoch: (report: EpochReport) => void,
): Promise<FitResult> {
  const optimizer = new DecayingAdam(options.learningRate, 0.9, 0.999, 1e-7);
  model.compile({ optimizer, loss: 'binaryCrossentropy' });

  const random = seededRandom(options.seed);
  const order = Array.from({ length: train.x.rows }, (_, i) => i);
  let best = { loss: Number.POSITIVE_INFINITY, epoch: 0, weights: [] as tf.Tensor[] };

  let epoch = 0;
  while (epoch < options.maxEpochs && epoch - best.epoch < options.patience) {
    epoch++;
    optimizer.setLearningRate(options.learningRate * options.learningRateDecay ** (epoch - 1));
    const loss = await trainOneEpoch(model, train, shuffleInPlace(order, random), options.batchSize);

    const probabilities = predictProbabilities(model, validation.x);
    const report = {
      epoch,
      loss,
      validationLoss: logLoss(probabilities, validation.y),
      validationAuc: rocAuc(probabilities, validation.y),
    };
    onEpoch(report);

    if (report.validationLoss < best.loss) {
      tf.dispose(best.weights);
      best = { loss: report.validationLoss, epoch, weights: model.getWeights().map((weight) => weight.clone()) };
    }
  }

  model.setWeights(best.weights);
  tf.dispose(best.weights);
  optimizer.dispose();
  return { bestEpoch: best.epoch, epochs: epoch };
}

async function trainOneEpoch(model: tf.LayersModel, train: { x: Matrix; y: Uint8Array }, order: number[], batchSize: number): Promise<number> {
  let lossSum = 0;
  for (let start = 0; start < order.length; start += batchSize) {
    const batch = order.slice(start, start + batchSize);
    const { x, y } = gatherBatch(train, batch);
    const loss = await model.trainOnBatch(x, y);
    tf.dispose([x, y]);
    lossSum += (loss as number) * batch.length;
  }
  return lossSum / order.length;
}

function gatherBatch(data: { x: Matrix; y: Uint8Array }, batch: number[]): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const columns = data.x.columns;
  const xValues = new Float32Array(batch.length * columns);
  const yValues = new Float32Array(batch.length);
  batch.forEach((row, position) => {
    xValues.set(data.x.values.subarray(row * columns, (row + 1) * columns), position * columns);
    yValues[position] = data.y[row] as number;
  });
  return { x: tf.tensor2d(xValues, [batch.length, columns]), y: tf.tensor2d(yValues, [batch.length, 1]) };
}

/** Predicts churn probabilities for every row of the matrix. */
export function predictProbabilities(model: tf.LayersModel, x: Matrix): Float32Array {
  return tf.tidy(() => {
    const input = tf.tensor2d(x.values, [x.rows, x.columns]);
    const output = model.predict(input, { batchSize: Math.max(1, x.rows) }) as tf.Tensor;
    return output.dataSync() as Float32Array;
  });
}
