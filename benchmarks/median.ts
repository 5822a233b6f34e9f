/** Medians of benchmark rounds, with a distribution-free confidence interval. */

export interface MedianInterval {
  low: number;
  high: number;
  /** Probability that the interval contains the true median: at least the level requested. */
  coverage: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Returns the narrowest interval between two order statistics that contains the median of
 * the distribution behind `values` with probability `level` or more, or undefined when
 * there are too few values (fewer than 6 for 95%). This is the interval of the sign test:
 * each value lies below the true median with probability one half, whatever the
 * distribution, so the rank of the median among the values follows a binomial law.
 */
export function medianInterval(values: readonly number[], level = 0.95): MedianInterval | undefined {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const tail = (1 - level) / 2;

  // Grow the number of values cut from each end while both tails stay within `tail`.
  let cut = 0;
  let tailProbability = binomialHalf(n, 0);
  while (cut + 1 < n / 2 && tailProbability + binomialHalf(n, cut + 1) <= tail) {
    cut++;
    tailProbability += binomialHalf(n, cut);
  }
  if (tailProbability > tail) {
    return undefined;
  }
  return { low: sorted[cut]!, high: sorted[n - 1 - cut]!, coverage: 1 - 2 * tailProbability };
}

/** Returns P(X = k) for X binomial with n trials of probability one half. */
function binomialHalf(n: number, k: number): number {
  let coefficient = 1;
  for (let i = 1; i <= k; i++) {
    coefficient = (coefficient * (n - k + i)) / i;
  }
  return coefficient / 2 ** n;
}
