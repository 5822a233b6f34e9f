/**
 * Coalesces small concurrent predictions into one model call. Requests queue their encoded
 * rows, and the queue is flushed when it contains `maxRows` rows or `maxDelayMs` after the first
 * request arrived, whichever comes first.
 */

export type RunModel = (matrix: Float32Array, rows: number) => Float32Array;

export interface BatcherOptions {
  /** Width of one encoded row. */
  inputSize: number;
  maxRows: number;
  /** Maximum wait of a queued request in milliseconds. 0 flushes after the current I/O phase (setImmediate). */
  maxDelayMs: number;
}

interface Pending {
  matrix: Float32Array;
  rows: number;
  resolve: (probabilities: Float32Array) => void;
  reject: (error: unknown) => void;
}

export class MicroBatcher {
  private readonly run: RunModel;
  private readonly options: BatcherOptions;
  private queue: Pending[] = [];
  private queuedRows = 0;
  private scheduled = false;

  constructor(run: RunModel, options: BatcherOptions) {
    this.run = run;
    this.options = options;
  }

  /** Queues the encoded rows and resolves with one probability per row. */
  submit(matrix: Float32Array, rows: number): Promise<Float32Array> {
    return new Promise((resolve, reject) => {
      this.queue.push({ matrix, rows, resolve, reject });
      this.queuedRows += rows;
      if (this.queuedRows >= this.options.maxRows) {
        this.flush();
      } else if (!this.scheduled) {
        this.scheduled = true;
        if (this.options.maxDelayMs <= 0) {
          setImmediate(this.flushScheduled);
        } else {
          setTimeout(this.flushScheduled, this.options.maxDelayMs);
        }
      }
    });
  }

  private readonly flushScheduled = (): void => {
    this.scheduled = false;
    this.flush();
  };

  private flush(): void {
    const batch = this.queue;
    const rows = this.queuedRows;
    this.queue = [];
    this.queuedRows = 0;
    if (batch.length === 0) {
      return;
    }

    let probabilities: Float32Array;
    try {
      probabilities = this.run(concatenate(batch, rows, this.options.inputSize), rows);
    } catch (error) {
      batch.forEach((pending) => pending.reject(error));
      return;
    }

    let offset = 0;
    for (const pending of batch) {
      pending.resolve(probabilities.subarray(offset, offset + pending.rows));
      offset += pending.rows;
    }
  }
}

function concatenate(batch: readonly Pending[], rows: number, inputSize: number): Float32Array {
  if (batch.length === 1) {
    return (batch[0] as Pending).matrix;
  }
  const matrix = new Float32Array(rows * inputSize);
  let offset = 0;
  for (const pending of batch) {
    matrix.set(pending.matrix, offset);
    offset += pending.matrix.length;
  }
  return matrix;
}
