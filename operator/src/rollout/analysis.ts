// Canary analysis: measures the canary's error rate and p99 latency in Prometheus and
// compares them with the bounds of spec.rollout.analysis. It never throws, so a broken
// or unreachable Prometheus makes the verdict Inconclusive and never fails a reconcile.
import { queryPrometheus } from './prometheus.ts';
import type { QueryResult } from './prometheus.ts';
import { errorRateQuery, p99LatencyQuery } from './promql.ts';
import type { CanarySeries } from './promql.ts';
import type { AnalysisSpec, AnalysisVerdict } from './types.ts';

export const DEFAULT_QUERY_TIMEOUT_MS = 10_000;

export interface AnalysisInput {
  analysis: Pick<AnalysisSpec, 'prometheusUrl' | 'maxErrorRate' | 'maxP99LatencySeconds'>;
  series: CanarySeries;
  /** Range of the queries, in seconds. */
  windowSeconds: number;
  timeoutMs?: number;
}

/** The two measurements of one analysis, for logs and tests. */
export interface AnalysisMeasurements {
  errorRate: QueryResult;
  p99LatencySeconds: QueryResult;
}

export async function analyzeCanary(input: AnalysisInput): Promise<AnalysisVerdict> {
  const measurements = await measureCanary(input);
  return judgeCanary(input, measurements);
}

export async function measureCanary(input: AnalysisInput): Promise<AnalysisMeasurements> {
  const timeoutMs = input.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  const url = input.analysis.prometheusUrl;
  const [errorRate, p99LatencySeconds] = await Promise.all([
    queryPrometheus(url, errorRateQuery(input.series, input.windowSeconds), timeoutMs),
    queryPrometheus(url, p99LatencyQuery(input.series, input.windowSeconds), timeoutMs),
  ]);
  return { errorRate, p99LatencySeconds };
}

/**
 * Turns the measurements into a verdict. A bound that is exceeded fails the canary even
 * when the other measurement is missing; otherwise a missing measurement is inconclusive.
 */
export function judgeCanary(input: AnalysisInput, measurements: AnalysisMeasurements): AnalysisVerdict {
  const { maxErrorRate, maxP99LatencySeconds } = input.analysis;
  const { errorRate, p99LatencySeconds: latency } = measurements;
  const scope = `version ${input.series.version} over the last ${input.windowSeconds}s`;

  if (errorRate.kind === 'value' && errorRate.value > maxErrorRate) {
    return {
      outcome: 'Fail',
      reason: 'ErrorRateTooHigh',
      message: `The error rate ${formatNumber(errorRate.value)} of ${scope} is above maxErrorRate ${maxErrorRate}.`,
    };
  }
  if (latency.kind === 'value' && latency.value > maxP99LatencySeconds) {
    return {
      outcome: 'Fail',
      reason: 'LatencyTooHigh',
      message: `The p99 latency ${formatNumber(latency.value)}s of ${scope} is above maxP99LatencySeconds ${maxP99LatencySeconds}.`,
    };
  }

  const missing = [describeMissing('error rate', errorRate), describeMissing('p99 latency', latency)].filter(
    (text): text is string => text !== undefined,
  );
  if (missing.length > 0) {
    return { outcome: 'Inconclusive', message: `${missing.join('; ')} (${scope})` };
  }

  return {
    outcome: 'Pass',
    message:
      `The error rate ${formatNumber((errorRate as { value: number }).value)} and p99 latency ` +
      `${formatNumber((latency as { value: number }).value)}s of ${scope} are within bounds.`,
  };
}

function describeMissing(name: string, result: QueryResult): string | undefined {
  if (result.kind === 'empty') {
    return `no ${name} data: the canary got no requests or Prometheus has not scraped it yet`;
  }
  if (result.kind === 'error') {
    return `${name} query failed: ${result.message}`;
  }
  return undefined;
}

function formatNumber(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(4))) : String(value);
}
