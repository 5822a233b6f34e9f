/**
 * The wide-and-deep network: a linear part on all inputs plus one ReLU hidden layer, added
 * in logit space. Members trained with different seeds are merged into one network of the
 * same shape whose logit is the mean of the member logits.
 */
import { tf } from '../model/backend.ts';

export interface NetworkOptions {
  inputSize: number;
  hiddenUnits: number;
  /** L2 penalty of the linear part's kernel. */
  wideL2: number;
  /** L2 penalty of the hidden and deep output kernels. */
  deepL2: number;
  seed: number;
}

/** Layer names, fixed so that the merge step and the loader can find the layers. */
export const LAYER_NAMES = { wide: 'wide', hidden: 'hidden', deep: 'deep', logit: 'logit', output: 'churn_probability' };

export function buildNetwork(options: NetworkOptions): tf.LayersModel {
  const input = tf.input({ shape: [options.inputSize], name: 'features' });

  const wide = tf.layers.dense({
    units: 1,
    name: LAYER_NAMES.wide,
    kernelInitializer: 'zeros',
    kernelRegularizer: options.wideL2 > 0 ? tf.regularizers.l2({ l2: options.wideL2 }) : undefined,
  });
  const hidden = tf.layers.dense({
    units: options.hiddenUnits,
    name: LAYER_NAMES.hidden,
    activation: 'relu',
    kernelInitializer: tf.initializers.heNormal({ seed: options.seed }),
    kernelRegularizer: options.deepL2 > 0 ? tf.regularizers.l2({ l2: options.deepL2 }) : undefined,
  });
  const deep = tf.layers.dense({
    units: 1,
    name: LAYER_NAMES.deep,
    kernelInitializer: tf.initializers.glorotUniform({ seed: options.seed + 1 }),
    kernelRegularizer: options.deepL2 > 0 ? tf.regularizers.l2({ l2: options.deepL2 }) : undefined,
  });

  const wideLogit = wide.apply(input) as tf.SymbolicTensor;
  const deepLogit = deep.apply(hidden.apply(input)) as tf.SymbolicTensor;
  const logit = tf.layers.add({ name: LAYER_NAMES.logit }).apply([wideLogit, deepLogit]) as tf.SymbolicTensor;
  const output = tf.layers.activation({ activation: 'sigmoid', name: LAYER_NAMES.output }).apply(logit) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: 'wide_and_deep' });
}

/**
 * Builds one two-layer network whose logit equals the mean of the members' logits, so that
 * serving runs two matrix products instead of three and an add. The hidden layers are
 * concatenated and their output kernels divided by the member count. The averaged linear
 * part z becomes two more ReLU units, z and -z, with output weights 1 and -1, because
 * relu(z) - relu(-z) = z.
 */
export function mergeMembers(members: readonly tf.LayersModel[], inputSize: number, hiddenUnits: number): tf.LayersModel {
  const count = members.length;
  const input = tf.input({ shape: [inputSize], name: 'features' });
  const hiddenLayer = tf.layers.dense({ units: hiddenUnits * count + 2, name: LAYER_NAMES.hidden, activation: 'relu' });
  const outputLayer = tf.layers.dense({ units: 1, name: LAYER_NAMES.output, activation: 'sigmoid' });
  const output = outputLayer.apply(hiddenLayer.apply(input)) as tf.SymbolicTensor;
  const merged = tf.model({ inputs: input, outputs: output, name: 'wide_and_deep_merged' });

  tf.tidy(() => {
    const weightsOf = (name: string) => members.map((member) => member.getLayer(name).getWeights());
    const mean = (tensors: tf.Tensor[]) => tf.div(tf.addN(tensors), count);

    const wide = weightsOf(LAYER_NAMES.wide);
    const hidden = weightsOf(LAYER_NAMES.hidden);
    const deep = weightsOf(LAYER_NAMES.deep);
    const wideKernel = mean(wide.map((w) => w[0]!));

    hiddenLayer.setWeights([
      tf.concat([...hidden.map((w) => w[0]!), wideKernel, tf.neg(wideKernel)], 1),
      tf.concat([...hidden.map((w) => w[1]!), tf.zeros([2])], 0),
    ]);
    outputLayer.setWeights([
      tf.concat([tf.div(tf.concat(deep.map((w) => w[0]!), 0), count), tf.tensor2d([[1], [-1]])], 0),
      tf.add(mean(deep.map((w) => w[1]!)), mean(wide.map((w) => w[1]!))),
    ]);
  });
  return merged;
}
