import { describe, expect, it } from 'vitest';
import { brierScore, calibrationTable, logLoss, prAuc, rocAuc } from './metrics.ts';

describe('metrics', () => {
  it('rocAuc counts ordered pairs and half of ties', () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.75);
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBeCloseTo(0.5);
    expect(rocAuc([0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0])).toBe(1);
  });

  it('prAuc is the average precision', () => {
    // Ranked: 0.8 (1), 0.4 (0), 0.35 (1), 0.1 (0): precision 1 at recall 0.5, 2/3 at recall 1.
    expect(prAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.5 * 1 + 0.5 * (2 / 3));
  });

  it('brier and log loss match hand values', () => {
    expect(brierScore([0.8, 0.2], [1, 0])).toBeCloseTo(0.04);
    expect(logLoss([0.8, 0.2], [1, 0])).toBeCloseTo(-Math.log(0.8));
  });

  it('calibration bins count rows and rates', () => {
    const table = calibrationTable([0.05, 0.07, 0.95, 1], [0, 1, 1, 1], 10);
    expect(table).toHaveLength(10);
    expect(table[0]).toMatchObject({ lower: 0, upper: 0.1, count: 2, observedRate: 0.5 });
    expect(table[0]!.meanPredicted).toBeCloseTo(0.06);
    expect(table[9]).toMatchObject({ count: 2, observedRate: 1 });
    expect(table[5]).toMatchObject({ count: 0, meanPredicted: null, observedRate: null });
  });
});
