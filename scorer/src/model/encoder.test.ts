import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../errors.ts';
import { RowEncoder, binIndex, type EncodeOptions } from './encoder.ts';
import { FEATURES_FORMAT_VERSION, totalEncodedWidth, type Feature, type FeatureSpec } from './features.ts';

const features: Feature[] = [
  { name: 'tenure', type: 'numeric', mean: 10, std: 5, fill: 8, missingIndicator: true, log1p: { mean: 2, std: 1 }, binEdges: [5, 20] },
  { name: 'plan', type: 'categorical', vocabulary: ['basic', 'premium'] },
];
const spec: FeatureSpec = {
  formatVersion: FEATURES_FORMAT_VERSION,
  inputSize: totalEncodedWidth(features),
  features,
  missingValues: { numeric: 'fill-with-median', categorical: 'unknown-bucket' },
};
const encoder = new RowEncoder(spec);
const ignore = { unknownCategory: 'ignore' as const, fieldPrefix: 'instances' };

function problemsOf(rows: unknown[], options: EncodeOptions = ignore) {
  try {
    encoder.encode(rows, options);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRequestError);
    return (error as InvalidRequestError).problems;
  }
  return [];
}

describe('RowEncoder', () => {
  it('encodes numeric transforms and one-hot categories', () => {
    // tenure: scaled, missing flag, scaled log1p, 3 bins; plan: basic, premium, unknown.
    expect(encoder.inputSize).toBe(9);
    const matrix = encoder.encode([{ tenure: 15, plan: 'premium' }], ignore);
    expect(Array.from(matrix)).toEqual([1, 0, Math.fround(Math.log1p(15) - 2), 0, 1, 0, 0, 1, 0]);
  });

  it('fills missing numerics and flags them', () => {
    const matrix = encoder.encode([{ tenure: null, plan: null }], ignore);
    expect(matrix[0]).toBeCloseTo((8 - 10) / 5);
    expect(matrix[1]).toBe(1);
    expect(Array.from(matrix.slice(6))).toEqual([0, 0, 1]);
  });

  it('puts unknown categories in the unknown bucket when ignored', () => {
    const matrix = encoder.encode([{ tenure: 1, plan: 'gold' }], ignore);
    expect(Array.from(matrix.slice(6))).toEqual([0, 0, 1]);
  });

  it('rejects unknown categories when the policy is reject', () => {
    expect(problemsOf([{ tenure: 1, plan: 'gold' }], { unknownCategory: 'reject', fieldPrefix: 'instances' })).toEqual([
      { field: 'instances[0].plan', message: 'has unknown category "gold"; expected one of ["basic","premium"]' },
    ]);
  });

  it('lists every problem with its row index', () => {
    expect(problemsOf([{ plan: 'basic' }, { tenure: Number.NaN, plan: 3 }, [1], null, { tenure: '7', plan: ['basic'] }])).toEqual([
      { field: 'instances[0].tenure', message: 'is missing; send null if the value is unknown' },
      { field: 'instances[1].tenure', message: 'must be a finite number' },
      { field: 'instances[1].plan', message: 'must be a string or null, got a number' },
      { field: 'instances[2]', message: 'must be an object of feature names to values' },
      { field: 'instances[3]', message: 'must be an object of feature names to values' },
      { field: 'instances[4].tenure', message: 'must be a number or null, got a string' },
      { field: 'instances[4].plan', message: 'must be a string or null, got an array' },
    ]);
  });

  it('ignores inherited properties such as __proto__', () => {
    const row = JSON.parse('{"__proto__": {"tenure": 3, "plan": "basic"}}') as unknown;
    expect(problemsOf([row]).map((problem) => problem.field)).toEqual(['instances[0].tenure', 'instances[0].plan']);
  });

  it('clips huge values so the input stays finite', () => {
    const matrix = encoder.encode([{ tenure: 1e308, plan: 'basic' }, { tenure: -1e308, plan: 'basic' }], ignore);
    expect(matrix.every(Number.isFinite)).toBe(true);
  });

  it('caps the number of listed problems', () => {
    const problems = problemsOf(Array.from({ length: 500 }, () => ({})));
    expect(problems).toHaveLength(100);
  });

  it('encodes into a scratch matrix, clearing earlier rows', () => {
    const scratch = new Float32Array(3 * encoder.inputSize).fill(7);

    const matrix = encoder.encode([{ tenure: 15, plan: 'premium' }, { tenure: null, plan: null }], ignore, scratch);

    expect(matrix.buffer).toBe(scratch.buffer);
    expect(Array.from(matrix)).toEqual(Array.from(encoder.encode([{ tenure: 15, plan: 'premium' }, { tenure: null, plan: null }], ignore)));
    expect(scratch[2 * encoder.inputSize]).toBe(7);
  });

  it('maps a repeated category to its last position, as the index does', () => {
    const features: Feature[] = [{ name: 'segment', type: 'categorical', vocabulary: ['a', 'b', 'a'] }];
    const repeated = new RowEncoder({ ...spec, inputSize: 4, features });

    expect(Array.from(repeated.encode([{ segment: 'a' }], ignore))).toEqual([0, 0, 1, 0]);
  });

  it.each([
    ['small', 3],
    ['large', 40],
  ])('looks up a %s vocabulary, including strings parsed from JSON', (_size, categories) => {
    const vocabulary = Array.from({ length: categories }, (_, k) => `category ${k} "quoted" \\ \u00e9`);
    const features: Feature[] = [{ name: 'segment', type: 'categorical', vocabulary }];
    const wide = new RowEncoder({ ...spec, inputSize: categories + 1, features });
    const rows = JSON.parse(JSON.stringify([...vocabulary, 'other', null].map((segment) => ({ segment })))) as unknown[];

    const matrix = wide.encode(rows, ignore);

    const hotColumns = rows.map((_, row) => matrix.subarray(row * (categories + 1), (row + 1) * (categories + 1)).indexOf(1));
    expect(hotColumns).toEqual([...vocabulary.keys(), categories, categories]);
    expect(() => wide.encode([{ segment: 'other' }], { unknownCategory: 'reject', fieldPrefix: 'instances' })).toThrow(InvalidRequestError);
  });
});

describe('binIndex', () => {
  it.each([
    [-1, 0],
    [5, 1],
    [19.9, 1],
    [20, 2],
    [100, 2],
  ])('puts %d in bin %d', (value, bin) => {
    expect(binIndex([5, 20], value)).toBe(bin);
  });
});
