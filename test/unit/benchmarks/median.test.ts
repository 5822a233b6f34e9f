import { describe, expect, it } from 'vitest';

import { median, medianInterval } from '../../../benchmarks/median.ts';

describe('median', () => {
  it('takes the middle odd value', () => {
    expect(median([3, 1, 2])).toBe(2);
  });

  it('averages the two middle values', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('medianInterval', () => {
  const ranks = (n: number) => Array.from({ length: n }, (_, i) => n - i);

  it('cuts five values from each end of twenty', () => {
    const interval = medianInterval(ranks(20));

    expect(interval?.low).toBe(6);
    expect(interval?.high).toBe(15);
    expect(interval?.coverage).toBeCloseTo(1 - 2 * (21700 / 2 ** 20), 12);
  });

  it('spans all six of six values', () => {
    const interval = medianInterval(ranks(6));

    expect(interval).toEqual({ low: 1, high: 6, coverage: 1 - 2 / 64 });
  });

  it('needs at least six values', () => {
    expect(medianInterval(ranks(5))).toBeUndefined();
  });

  it('widens for a higher level', () => {
    const interval = medianInterval(ranks(20), 0.99);

    expect(interval?.low).toBe(4);
    expect(interval?.high).toBe(17);
    expect(interval?.coverage).toBeGreaterThanOrEqual(0.99);
  });

  it('covers the true median at the stated rate', () => {
    let covered = 0;
    let seed = 1;
    const uniform = () => {
      seed = (seed * 48271) % 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const trials = 4000;
    for (let trial = 0; trial < trials; trial++) {
      const values = Array.from({ length: 20 }, () => Math.exp(uniform()));
      const interval = medianInterval(values)!;
      if (interval.low <= Math.exp(0.5) && Math.exp(0.5) <= interval.high) {
        covered++;
      }
    }

    expect(covered / trials).toBeGreaterThan(0.94);
  });
});
