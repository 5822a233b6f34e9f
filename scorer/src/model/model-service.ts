/**
 * The served model and its readiness. It implements the Predictor of the routes and the
 * experiments. It throws NotReadyError until a bundle is loaded and warm, validates and
 * encodes rows, and runs the model through the micro-batcher or in one large call.
 */
import { InvalidRequestError, NotReadyError, type FieldProblem } from '../errors.ts';
import { riskBandOf, type FeatureRow, type Prediction, type Predictor, type RiskBand, type RiskBandThresholds } from '../prediction.ts';
import { MicroBatcher } from './batcher.ts';
import type { LoadedBundle } from './bundle-loader.ts';
import { RowEncoder, type UnknownCategoryPolicy } from './encoder.ts';
import { compileInference, type Inference } from './inference.ts';

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
  inference: Inference;
  batcher: MicroBatcher;
}

export class ModelService implements Predictor {
  readonly modelName: string;
  private readonly options: ModelServiceOptions;
  private served: ServedModel | undefined;
  private notReadyReason = 'the model is loading';
  /** Encoded input of the last large request; grows to the largest batch served. */
  private scratch = new Float32Array(0);
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

  /** The compiled forward pass of the served model. */
  get inference(): Inference | undefined {
    return this.served?.inference;
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
    const inference = compileInference(bundle.model, encoder.inputSize);
    const batcher = new MicroBatcher((matrix, rows) => inference.run(matrix, rows), { inputSize: encoder.inputSize, ...this.options.batcher });

    for (const rows of [1, this.options.batcher.maxRows, 1024]) {
      inference.run(new Float32Array(rows * encoder.inputSize), rows);
    }
    this.served = { bundle, encoder, inference, batcher };
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

    const options = { unknownCategory: this.options.unknownCategory, fieldPrefix: 'instances' };
    if (rows.length < this.options.batcher.maxRows) {
      const matrix = served.encoder.encode(rows, options);
      return this.toPredictions(await served.batcher.submit(matrix, rows.length));
    }

    // The scratch matrix is shared by large requests: nothing awaits between encoding and
    // the model call, which copies the matrix into the backend before returning.
    const matrix = served.encoder.encode(rows, options, this.scratchFor(rows.length * served.encoder.inputSize));
    return this.toPredictions(served.inference.run(matrix, rows.length));
  }

  rowProblems(row: FeatureRow): FieldProblem[] {
    const served = this.served;
    if (served === undefined) {
      return [];
    }

    try {
      served.encoder.encode([row], { unknownCategory: this.options.unknownCategory, fieldPrefix: 'instances' });
      return [];
    } catch (error) {
      if (error instanceof InvalidRequestError) {
        return error.problems;
      }
      throw error;
    }
  }

  dispose(): void {
    this.served?.bundle.model.dispose();
    this.served = undefined;
    this.scratch = new Float32Array(0);
  }

  /**
   * Returns the scratch matrix, grown to at least `size` values. Reusing one matrix keeps
   * large requests from allocating a new buffer each time: a fresh 3.7 MB buffer per
   * 10,000 rows made V8 run major garbage collections for the external memory and the
   * kernel zero new pages.
   */
  private scratchFor(size: number): Float32Array {
    if (this.scratch.length < size) {
      this.scratch = new Float32Array(size);
    }
    return this.scratch;
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
