import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../errors.ts';
import { RowEncoder } from './encoder.ts';
import { FEATURES_FORMAT_VERSION, totalEncodedWidth, type Feature } from './features.ts';

const features: Feature[] = [
  { name: 'tenure', type: 'numeric', mean: 10, std: 5, fill: 8, missingIndicator: false, log1p: null, binEdges: [] },
  { name: 'Contract', type: 'categorical', vocabulary: ['Month-to-month', 'One year', 'Two year'] },
  { name: 'PaymentMethod', type: 'categorical', vocabulary: ['Electronic check', 'Mailed check'] },
];
const encoder = new RowEncoder({
  formatVersion: FEATURES_FORMAT_VERSION,
  inputSize: totalEncodedWidth(features),
  features,
  missingValues: { numeric: 'fill-with-median', categorical: 'unknown-bucket' },
});
const options = { unknownCategory: 'ignore' as const, fieldPrefix: 'instances' };

function problemsOf(row: Record<string, unknown>) {
  try {
    encoder.encode([row], options);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRequestError);
    return (error as InvalidRequestError).problems;
  }
  return [];
}

describe('RowEncoder feature key typos', () => {
  it('names the misspelled key and the expected name', () => {
    expect(problemsOf({ tenure: 3, Contrct: 'One year', PaymentMethod: 'Mailed check' })).toEqual([
      { field: 'instances[0].Contract', message: 'is missing; send null if the value is unknown' },
      { field: 'instances[0].Contrct', message: 'is not a feature of the model; did you mean "Contract"?' },
    ]);
  });

  it('matches a key that differs only in case', () => {
    expect(problemsOf({ Tenure: 3, Contract: 'One year', PaymentMethod: null })).toEqual([
      { field: 'instances[0].tenure', message: 'is missing; send null if the value is unknown' },
      { field: 'instances[0].Tenure', message: 'is not a feature of the model; did you mean "tenure"?' },
    ]);
  });

  it('leaves unrelated extra keys out of the problems', () => {
    expect(problemsOf({ tenure: 3, customerID: '7590-VHVEG', PaymentMethod: null })).toEqual([
      { field: 'instances[0].Contract', message: 'is missing; send null if the value is unknown' },
    ]);
  });

  it('ignores extra keys of a complete row', () => {
    const matrix = encoder.encode([{ tenure: 3, Contract: 'One year', PaymentMethod: null, Contrct: 'x' }], options);
    expect(matrix).toHaveLength(encoder.inputSize);
  });

  it('scores a misspelled category in the unknown bucket under the ignore policy', () => {
    const matrix = encoder.encode([{ tenure: 3, Contract: 'One yaer', PaymentMethod: null }], options);
    // Contract occupies inputs 1 to 4; input 4 is its unknown bucket.
    expect(Array.from(matrix.slice(1, 5))).toEqual([0, 0, 0, 1]);
  });
});
