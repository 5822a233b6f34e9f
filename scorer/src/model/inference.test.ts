import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_BUNDLE } from '../testing/scorer-fixture.ts';
import { buildNetwork } from '../training/network.ts';
import { initBackend, tf } from './backend.ts';
import { loadBundle } from './bundle-loader.ts';
import { openBundleSource } from './bundle-source.ts';
import { compileInference } from './inference.ts';
import { parseModelUri } from './uri.ts';

/** Generates a rows x inputSize matrix of values in [-2, 2), seeded so that runs repeat. */
function sampleMatrix(rows: number, inputSize: number): Float32Array {
  let state = 12345;
  return Float32Array.from({ length: rows * inputSize }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return (state / 2 ** 31) * 4 - 2;
  });
}

/** Outputs of predictOnBatch, the reference the compiled forward pass must match. */
function referenceOutputs(model: tf.LayersModel, matrix: Float32Array, rows: number, inputSize: number): Float32Array {
  return tf.tidy(() => (model.predictOnBatch(tf.tensor2d(matrix, [rows, inputSize])) as tf.Tensor).dataSync() as Float32Array);
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  return a.reduce((max, value, i) => Math.max(max, Math.abs(value - (b[i] as number))), 0);
}

describe('compileInference', () => {
  const models: tf.LayersModel[] = [];

  beforeAll(async () => {
    await initBackend();
  });
  afterEach(() => {
    models.splice(0).forEach((model) => model.dispose());
  });

  it('fuses the Dense chain of a trained bundle', async () => {
    const source = await openBundleSource(parseModelUri(SAMPLE_BUNDLE), { allowLoopback: false, timeoutMs: 5000 });
    const { model, spec } = await loadBundle(source, undefined);
    models.push(model);
    const inference = compileInference(model, spec.inputSize);
    const matrix = sampleMatrix(300, spec.inputSize);

    expect(inference.path).toBe('fused-dense');
    const outputs = inference.run(matrix, 300);
    expect(outputs).toHaveLength(300);
    expect(maxDifference(outputs, referenceOutputs(model, matrix, 300, spec.inputSize))).toBeLessThan(1e-6);
  });

  it('runs a model with branches through execute', () => {
    const model = buildNetwork({ inputSize: 6, hiddenUnits: 4, wideL2: 0, deepL2: 0, seed: 3 });
    models.push(model);
    const inference = compileInference(model, 6);
    const matrix = sampleMatrix(40, 6);

    expect(inference.path).toBe('layers-execute');
    expect(maxDifference(inference.run(matrix, 40), referenceOutputs(model, matrix, 40, 6))).toBeLessThan(1e-6);
  });

  it('runs an activation without fused kernel through execute', () => {
    const model = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [5], units: 3, activation: 'tanh' }), tf.layers.dense({ units: 1, activation: 'sigmoid' })],
    });
    models.push(model);
    const inference = compileInference(model, 5);
    const matrix = sampleMatrix(7, 5);

    expect(inference.path).toBe('layers-execute');
    expect(maxDifference(inference.run(matrix, 7), referenceOutputs(model, matrix, 7, 5))).toBeLessThan(1e-6);
  });

  it('fuses a sequential chain without bias', () => {
    const model = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [4], units: 3, activation: 'relu', useBias: false }), tf.layers.dense({ units: 1, activation: 'sigmoid' })],
    });
    models.push(model);
    const inference = compileInference(model, 4);
    const matrix = sampleMatrix(9, 4);

    expect(inference.path).toBe('fused-dense');
    expect(maxDifference(inference.run(matrix, 9), referenceOutputs(model, matrix, 9, 4))).toBeLessThan(1e-6);
  });

  it.each(['linear', 'relu', 'relu6', 'elu', 'sigmoid'] as const)('fuses the %s activation', (activation) => {
    const model = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [5], units: 4, activation }), tf.layers.dense({ units: 1, activation: 'sigmoid' })],
    });
    models.push(model);
    const inference = compileInference(model, 5);
    const matrix = sampleMatrix(12, 5);

    expect(inference.path).toBe('fused-dense');
    expect(maxDifference(inference.run(matrix, 12), referenceOutputs(model, matrix, 12, 5))).toBeLessThan(1e-6);
  });

  it('leaves no tensor behind', () => {
    const model = buildNetwork({ inputSize: 6, hiddenUnits: 4, wideL2: 0, deepL2: 0, seed: 3 });
    models.push(model);
    const fused = tf.sequential({ layers: [tf.layers.dense({ inputShape: [6], units: 1, activation: 'sigmoid' })] });
    models.push(fused);
    const matrix = sampleMatrix(10, 6);
    const before = tf.memory().numTensors;

    for (const inference of [compileInference(model, 6), compileInference(fused, 6)]) {
      for (let call = 0; call < 20; call++) {
        inference.run(matrix, 10);
      }
    }

    expect(tf.memory().numTensors).toBe(before);
  });
});
