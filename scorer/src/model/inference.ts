/**
 * The model's forward pass, compiled once per bundle. A model that is one chain of Dense
 * layers, as `scorer train` writes it, runs as one fused matMul kernel per layer, which
 * adds the bias and applies the activation in the same kernel. Any other layers model runs
 * through LayersModel.execute. Both skip predictOnBatch, which also checks the input and
 * slices and concatenates it. On the WASM backend (2-vCPU VM) the sample model took about
 * 25 µs of CPU per call of up to 16 rows fused, 50 µs through execute and 70 µs through
 * predictOnBatch. On 10,000 rows it took about 3.5 ms fused or through execute and 7.5 ms
 * through predictOnBatch.
 */
import { tf } from './backend.ts';

export type InferencePath = 'fused-dense' | 'layers-execute';

export interface Inference {
  readonly path: InferencePath;
  /** Runs the model on a row-major matrix of rows x inputSize and returns one output per row. */
  run(matrix: Float32Array, rows: number): Float32Array;
}

/** Activations that the fused matMul kernels of TensorFlow.js 4.22 apply themselves. */
const FUSED_ACTIVATIONS = ['linear', 'relu', 'relu6', 'elu', 'sigmoid'] as const;
type FusedActivation = (typeof FUSED_ACTIVATIONS)[number];

interface DenseStep {
  kernel: tf.Tensor2D;
  bias: tf.Tensor | undefined;
  activation: FusedActivation;
}

type Forward = (input: tf.Tensor2D) => tf.Tensor;

export function compileInference(model: tf.LayersModel, inputSize: number): Inference {
  const steps = denseChain(model);
  const forward = steps === undefined ? executeForward(model) : fusedForward(steps);
  return {
    path: steps === undefined ? 'layers-execute' : 'fused-dense',
    run(matrix, rows) {
      // The typed array is read outside tidy: tidy walks every element of a returned
      // array looking for tensors, which costs as much as the model on 10,000 rows.
      const output = tf.tidy(() => forward(tf.tensor2d(matrix, [rows, inputSize])));
      try {
        return output.dataSync() as Float32Array;
      } finally {
        output.dispose();
      }
    },
  };
}

function fusedForward(steps: readonly DenseStep[]): Forward {
  return (input) => {
    let output = input;
    for (const step of steps) {
      output = tf.fused.matMul({ a: output, b: step.kernel, bias: step.bias, activation: step.activation }) as tf.Tensor2D;
    }
    return output;
  };
}

function executeForward(model: tf.LayersModel): Forward {
  const outputName = (model.outputs[0] as tf.SymbolicTensor).name;
  return (input) => model.execute(input, outputName) as tf.Tensor;
}

/**
 * Returns the weights and activations of the model's Dense layers, or undefined unless the
 * model is one input layer followed by a single chain of Dense layers, each applied once
 * with a fusable activation. The kernels are the model's own variables, not copies.
 */
function denseChain(model: tf.LayersModel): DenseStep[] | undefined {
  // A functional model lists its input layer among its layers; a Sequential model does not.
  const layers = model.layers.filter((layer) => layer.getClassName() !== 'InputLayer');
  if (model.inputs.length !== 1 || model.outputs.length !== 1 || layers.length === 0) {
    return undefined;
  }

  const steps: DenseStep[] = [];
  let previous: tf.layers.Layer | undefined;
  for (const layer of layers) {
    const config = layer.getConfig();
    const nodes = layer.inboundNodes;
    const inbound = nodes.length === 1 && nodes[0]!.inboundLayers.length === 1 ? nodes[0]!.inboundLayers[0] : undefined;
    const chained = previous === undefined ? inbound?.getClassName() === 'InputLayer' : inbound === previous;
    const activation = FUSED_ACTIVATIONS.find((name) => name === config['activation']);
    if (layer.getClassName() !== 'Dense' || !chained || activation === undefined) {
      return undefined;
    }

    const [kernel, bias] = layer.getWeights();
    steps.push({ kernel: kernel as tf.Tensor2D, bias: config['useBias'] === true ? bias : undefined, activation });
    previous = layer;
  }
  return (model.outputs[0] as tf.SymbolicTensor).sourceLayer === previous ? steps : undefined;
}
