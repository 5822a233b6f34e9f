// The PromQL queries of canary analysis, built from the scorer's metrics. Every series
// of the scorer carries the labels `model` (the ChurnModel name) and `model_version`.

/** The series of one canary: its model, its version, and the namespace when scraped with one. */
export interface CanarySeries {
  model: string;
  version: string;
  namespace?: string;
}

/**
 * Probe and scrape routes are left out: kubelet probes and Prometheus scrapes are not
 * user requests, and a probe of a pod that is not ready returns 503 by design.
 */
const EXCLUDED_ROUTES = '/healthz|/readyz|/metrics|/v2/health/.*';

export const REQUESTS_TOTAL = 'engagetrack_scorer_requests_total';
export const REQUEST_DURATION_BUCKET = 'engagetrack_scorer_request_duration_seconds_bucket';

/**
 * Share of 5xx responses among all requests of the canary over the window. Empty (or
 * NaN) when the canary got no requests. A canary without any 5xx response has no 5xx
 * series at all, so `or vector(0)` makes the numerator 0 instead of empty.
 */
export function errorRateQuery(series: CanarySeries, windowSeconds: number): string {
  const selector = labelSelector(series);
  const range = `[${windowSeconds}s]`;
  return (
    `(sum(increase(${REQUESTS_TOTAL}{${selector},status=~"5.."}${range})) or vector(0)) / ` +
    `sum(increase(${REQUESTS_TOTAL}{${selector}}${range}))`
  );
}

/** The 99th percentile of request latency of the canary over the window, in seconds. */
export function p99LatencyQuery(series: CanarySeries, windowSeconds: number): string {
  const selector = labelSelector(series);
  return `histogram_quantile(0.99, sum by (le) (rate(${REQUEST_DURATION_BUCKET}{${selector}}[${windowSeconds}s])))`;
}

/**
 * `namespace=~"ns|"` also matches series without a namespace label, which is what
 * static scrape configurations produce; Kubernetes service discovery adds the label.
 */
function labelSelector(series: CanarySeries): string {
  const matchers = [`model="${escapeLabelValue(series.model)}"`, `model_version="${escapeLabelValue(series.version)}"`];
  if (series.namespace !== undefined && series.namespace !== '') {
    matchers.push(`namespace=~"${escapeLabelValue(escapeRegex(series.namespace))}|"`);
  }
  matchers.push(`route!~"${EXCLUDED_ROUTES}"`);
  return matchers.join(',');
}

/** Escapes a value for a double-quoted PromQL string. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
