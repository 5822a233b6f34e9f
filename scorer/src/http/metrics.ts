/** Prometheus metrics of the scorer (prom-client), with the names other components rely on. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { RISK_BANDS, type RiskBand } from '../prediction.ts';

export interface ScorerMetrics {
  registry: Registry;
  requests: Counter<'route' | 'method' | 'status'>;
  requestDuration: Histogram<'route' | 'method' | 'status'>;
  predictions: Counter<'risk_band'>;
  modelInfo: Gauge<'backend'>;
  rateLimited: Counter<'route'>;
}

/** Creates a registry whose series all carry the `model` and `model_version` labels. */
export function createScorerMetrics(model: string, modelVersion: string): ScorerMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ model, model_version: modelVersion });
  collectDefaultMetrics({ register: registry });

  return {
    registry,
    requests: new Counter({
      name: 'engagetrack_scorer_requests_total',
      help: 'HTTP requests handled, by route pattern, method and status code.',
      labelNames: ['route', 'method', 'status'],
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: 'engagetrack_scorer_request_duration_seconds',
      help: 'HTTP request duration in seconds, by route pattern, method and status code.',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    predictions: new Counter({
      name: 'engagetrack_scorer_predictions_total',
      help: 'Rows scored, by risk band.',
      labelNames: ['risk_band'],
      registers: [registry],
    }),
    modelInfo: new Gauge({
      name: 'engagetrack_scorer_model_info',
      help: 'Always 1; the labels name the served model, its version and the TensorFlow.js backend.',
      labelNames: ['backend'],
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'engagetrack_scorer_rate_limited_total',
      help: 'Requests rejected with 429 by the rate limiter, by route pattern.',
      labelNames: ['route'],
      registers: [registry],
    }),
  };
}

export function countPredictions(metrics: ScorerMetrics, counts: Record<RiskBand, number>): void {
  for (const band of RISK_BANDS) {
    if (counts[band] > 0) {
      metrics.predictions.inc({ risk_band: band }, counts[band]);
    }
  }
}
