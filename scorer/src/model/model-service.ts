/**
 * The served model and its readiness. It implements the Predictor of the routes and the
 * experiments. It throws NotReadyError until a bundle is loaded and warm, validates and
 * encodes rows, and runs the model through the micro-batcher or in one large call.
 */
import { NotReadyError } from '../errors.ts';
import { riskBandOf, type FeatureRow, type Prediction, type Predictor, type RiskBand, type RiskBandThresholds } from '../prediction.ts';
import { tf } from './backend.ts';
import { MicroBatcher } from './batcher.ts';
import type { LoadedBundle } from './bundle-loader.ts';
import { RowEncoder, type UnknownCategoryPolicy } from './encoder.ts';

export interface ModelServiceOptions {
  modelName: string;
  /** Version from the configuration; the bundle's metadata version is used when absent. */
  configuredVersion: string | undefined;
  unknownCategory: UnknownCategoryPolicy;
  riskBands: RiskBandThresholds;
  batcher: { maxRows: number; maxDelayMs: number };
  /** Called after each prediction call with the number of rows per risk band. */
  onPredictions?: (counts: Record<RiskBand, number>) => void;
}

export type Readiness = { ready: true } | { ready: false; reason: string };

interface ServedModel {
  bundle: LoadedBundle;
  encoder: RowEncoder;
  batcher: MicroBatcher;
}

export class ModelService implements Predictor {
  readonly modelName: string;
  private readonly options: ModelServiceOptions;
  private served: ServedModel | undefined;
  private notReadyReason = 'the model is loading';
  private stopping = false;

  constructor(options: ModelServiceOptions) {
    this.modelName = options.modelName;
    this.options = options;
  }

  get modelVersion(): string {
    return this.options.configuredVersion ?? this.served?.bundle.metadata.version ?? 'unknown';
  }

  get bundle(): LoadedBundle | undefined {
    return this.served?.bundle;
  }

  readiness(): Readiness {
    if (this.stopping) {
      return { ready: false, reason: 'the scorer is shutting down' };
    }
    return this.served === undefined ? { ready: false, reason: this.notReadyReason } : { ready: true };
  }

  /** Serves the loaded bundle after warming it up with predictions of one and of many rows. */
  activate(bundle: LoadedBundle): void {
    const encoder = new RowEncoder(bundle.spec);
    const run = (matrix: Float32Array, rows: number) => runModel(bundle.model, matrix, rows, encoder.inputSize);
    const batcher = new MicroBatcher(run, { inputSize: encoder.inputSize, ...this.options.batcher });

    for (const rows of [1, this.options.batcher.maxRows, 1024]) {
      run(new Float32Array(rows * encoder.inputSize), rows);
    }
    this.served = { bundle, encoder, batcher };
  }

  /** Records why no model is served; /readyz reports the reason. */
  markFailed(reason: string): void {
    this.notReadyReason = reason;
  }

  /** Turns readiness off for shutdown; requests already accepted are still served. */
  markStopping(): void {
    this.stopping = true;
  }

  async predict(rows: FeatureRow[]): Promise<Prediction[]> {
    const served = this.served;
    if (served === undefined) {
      throw new NotReadyError(`model ${this.modelName} is not ready: ${this.notReadyReason}`);
    }

    const matrix = served.encoder.encode(rows, { unknownCategory: this.options.unknownCategory, fieldPrefix: 'instances' });
    const probabilities =
      rows.length < this.options.batcher.maxRows
        ? await served.batcher.submit(matrix, rows.length)
        : runModel(served.bundle.model, matrix, rows.length, served.encoder.inputSize);
    return this.toPredictions(probabilities);
  }

  dispose(): void {
    this.served?.bundle.model.dispose();
    this.served = undefined;
  }

  private toPredictions(probabilities: Float32Array): Prediction[] {
    const counts: Record<RiskBand, number> = { low: 0, medium: 0, high: 0 };
    const predictions = new Array<Prediction>(probabilities.length);
    for (let i = 0; i < probabilities.length; i++) {
      const churnProbability = probabilities[i] as number;
      const riskBand = riskBandOf(churnProbability, this.options.riskBands);
      counts[riskBand]++;
      predictions[i] = { churnProbability, riskBand };
    }
    this.options.onPredictions?.(counts);
    return predictions;
  }
}

/**
 * Runs the model on a row-major matrix as one batch; every intermediate tensor is disposed.
 * predictOnBatch runs the graph once on the whole input, whereas predict slices the input
 * into batches and so copies it even when the batch size covers every row.
 */
function runModel(model: tf.LayersModel, matrix: Float32Array, rows: number, inputSize: number): Float32Array {
  // The typed array is read outside tidy: tidy walks every element of a returned array
  // looking for tensors, which costs as much as the model on a 10,000-row batch.
  const output = tf.tidy(() => model.predictOnBatch(tf.tensor2d(matrix, [rows, inputSize])) as tf.Tensor);
  try {
    return output.dataSync() as Float32Array;
  } finally {
    output.dispose();
  }
}
