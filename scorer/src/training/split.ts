/** Seeded stratified splits: a held-out test set, then cross-validation folds of the rest. */
import { seededRandom, shuffleInPlace } from './random.ts';

export interface HoldOutSplit {
  /** Rows for training and validation, in ascending order. */
  rest: number[];
  /** Rows held out for the final metrics, in ascending order. */
  test: number[];
}

/**
 * Holds out `testFraction` of each class so that the test set keeps the positive rate of
 * the whole. Each class is shuffled with the seed and cut, rounding to the nearest row.
 */
export function stratifiedHoldOut(labels: ArrayLike<number>, testFraction: number, seed: number): HoldOutSplit {
  const random = seededRandom(seed);
  const split: HoldOutSplit = { rest: [], test: [] };

  for (const indices of indicesByClass(labels, range(labels.length))) {
    shuffleInPlace(indices, random);
    const testCount = Math.round(indices.length * testFraction);
    split.test.push(...indices.slice(0, testCount));
    split.rest.push(...indices.slice(testCount));
  }

  split.rest.sort((a, b) => a - b);
  split.test.sort((a, b) => a - b);
  return split;
}

/** Deals the shuffled rows of each class round-robin into `count` folds of near-equal size and positive rate. */
export function stratifiedFolds(labels: ArrayLike<number>, rows: readonly number[], count: number, seed: number): number[][] {
  const random = seededRandom(seed);
  const folds: number[][] = Array.from({ length: count }, () => []);

  let next = 0;
  for (const indices of indicesByClass(labels, rows)) {
    for (const row of shuffleInPlace(indices, random)) {
      folds[next % count]!.push(row);
      next++;
    }
  }

  return folds.map((fold) => fold.sort((a, b) => a - b));
}

function indicesByClass(labels: ArrayLike<number>, rows: readonly number[]): number[][] {
  const negatives: number[] = [];
  const positives: number[] = [];
  for (const row of rows) {
    (labels[row] === 1 ? positives : negatives).push(row);
  }
  return [negatives, positives];
}

function range(length: number): number[] {
  return Array.from({ length }, (_, i) => i);
}
