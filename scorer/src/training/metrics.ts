/** Metrics of predicted probabilities against 0/1 labels. */

export interface CalibrationBin {
  /** Lower and upper probability bound of the bin, [lower, upper) except the last bin. */
  lower: number;
  upper: number;
  count: number;
  meanPredicted: number | null;
  observedRate: number | null;
}

export interface Metrics {
  rocAuc: number;
  prAuc: number;
  brier: number;
  logLoss: number;
  positiveRate: number;
  calibration: CalibrationBin[];
}

const LOG_LOSS_EPSILON = 1e-7;

export function computeMetrics(probabilities: ArrayLike<number>, labels: ArrayLike<number>): Metrics {
  return {
    rocAuc: rocAuc(probabilities, labels),
    prAuc: prAuc(probabilities, labels),
    brier: brierScore(probabilities, labels),
    logLoss: logLoss(probabilities, labels),
    positiveRate: mean(labels),
    calibration: calibrationTable(probabilities, labels, 10),
  };
}

/** Area under the ROC curve by the rank-sum formula, with average ranks for ties. */
export function rocAuc(probabilities: ArrayLike<number>, labels: ArrayLike<number>): number {
  const order = sortedIndices(probabilities);
  const ranks = new Float64Array(order.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && probabilities[order[end + 1] as number] === probabilities[order[start] as number]) {
      end++;
    }
    const averageRank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) {
      ranks[order[k] as number] = averageRank;
    }
    start = end + 1;
  }

  let positives = 0;
  let positiveRankSum = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === 1) {
      positives++;
      positiveRankSum += ranks[i] as number;
    }
  }
  const negatives = labels.length - positives;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Area under the precision-recall curve as average precision (step-wise, ties grouped). */
export function prAuc(probabilities: ArrayLike<number>, labels: ArrayLike<number>): number {
  const order = sortedIndices(probabilities).reverse();
  const positives = Array.from(labels).reduce((sum, label) => sum + label, 0);

  let truePositives = 0;
  let seen = 0;
  let previousRecall = 0;
  let area = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && probabilities[order[end + 1] as number] === probabilities[order[start] as number]) {
      end++;
    }
    for (let k = start; k <= end; k++) {
      truePositives += labels[order[k] as number] as number;
      seen++;
    }
    const recall = truePositives / positives;
    area += (recall - previousRecall) * (truePositives / seen);
    previousRecall = recall;
    start = end + 1;
  }
  return area;
}

export function brierScore(probabilities: ArrayLike<number>, labels: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    sum += ((probabilities[i] as number) - (labels[i] as number)) ** 2;
  }
  return sum / labels.length;
}

export function logLoss(probabilities: ArrayLike<number>, labels: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(1 - LOG_LOSS_EPSILON, Math.max(LOG_LOSS_EPSILON, probabilities[i] as number));
    sum -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return sum / labels.length;
}

/** Equal-width bins over [0, 1]: mean predicted probability beside the observed positive rate. */
export function calibrationTable(probabilities: ArrayLike<number>, labels: ArrayLike<number>, bins: number): CalibrationBin[] {
  const counts = new Array<number>(bins).fill(0);
  const predictedSums = new Array<number>(bins).fill(0);
  const positiveSums = new Array<number>(bins).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const p = probabilities[i] as number;
    const bin = Math.min(bins - 1, Math.floor(p * bins));
    counts[bin]! += 1;
    predictedSums[bin]! += p;
    positiveSums[bin]! += labels[i] as number;
  }

  return counts.map((count, bin) => ({
    lower: bin / bins,
    upper: (bin + 1) / bins,
    count,
    meanPredicted: count > 0 ? (predictedSums[bin] as number) / count : null,
    observedRate: count > 0 ? (positiveSums[bin] as number) / count : null,
  }));
}

function sortedIndices(values: ArrayLike<number>): number[] {
  return Array.from({ length: values.length }, (_, i) => i).sort((a, b) => (values[a] as number) - (values[b] as number));
}

function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i] as number;
  }
  return sum / values.length;
}
