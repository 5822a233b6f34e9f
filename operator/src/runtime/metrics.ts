// Prometheus metrics of the operator. Names and labels are part of the product's
// monitoring contract; dashboards and alerts depend on them.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface OperatorMetrics {
  registry: Registry;
  reconcileTotal: Counter<'controller' | 'result'>;
  reconcileErrors: Counter<'controller'>;
  reconcileDuration: Histogram<'controller'>;
  workqueueDepth: Gauge<'controller'>;
  apiWrites: Counter<'verb' | 'kind'>;
  /** Reports the depth of a controller's queue each time the metrics are scraped. */
  trackQueueDepth(controller: string, depth: () => number): void;
}

export function createMetrics(): OperatorMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const depthSources = new Map<string, () => number>();

  return {
    registry,
    reconcileTotal: new Counter({
      name: 'engagetrack_operator_reconcile_total',
      help: 'Reconciles by controller and result (success, error, requeue).',
      labelNames: ['controller', 'result'],
      registers: [registry],
    }),
    reconcileErrors: new Counter({
      name: 'engagetrack_operator_reconcile_errors_total',
      help: 'Reconciles that ended in an error.',
      labelNames: ['controller'],
      registers: [registry],
    }),
    reconcileDuration: new Histogram({
      name: 'engagetrack_operator_reconcile_duration_seconds',
      help: 'Time spent in one reconcile, in seconds.',
      labelNames: ['controller'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    workqueueDepth: new Gauge({
      name: 'engagetrack_operator_workqueue_depth',
      help: 'Keys waiting in the work queue.',
      labelNames: ['controller'],
      registers: [registry],
      collect() {
        for (const [controller, depth] of depthSources) this.set({ controller }, depth());
      },
    }),
    trackQueueDepth: (controller, depth) => depthSources.set(controller, depth),
    apiWrites: new Counter({
      name: 'engagetrack_operator_api_writes_total',
      help: 'Write requests sent to the Kubernetes API, by verb and kind.',
      labelNames: ['verb', 'kind'],
      registers: [registry],
    }),
  };
}
