/** Liveness, readiness and metrics routes; they need no API key and are not rate limited. */
import { Router } from 'express';
import type { ModelService } from '../../model/model-service.ts';
import type { ScorerMetrics } from '../metrics.ts';
import { labelRoute } from '../route-label.ts';

export function healthRouter(service: ModelService, metrics: ScorerMetrics): Router {
  const router = Router();

  // Liveness does not depend on the model, so a slow or failed load never restarts the pod.
  router.get('/healthz', labelRoute('/healthz'), (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/v2/health/live', labelRoute('/v2/health/live'), (_req, res) => {
    res.json({ live: true });
  });

  router.get('/readyz', labelRoute('/readyz'), (_req, res) => {
    const readiness = service.readiness();
    if (readiness.ready) {
      res.json({ status: 'ready', model: service.modelName, version: service.modelVersion });
    } else {
      res.status(503).json({ status: 'not ready', reason: readiness.reason });
    }
  });
  router.get('/v2/health/ready', labelRoute('/v2/health/ready'), (_req, res) => {
    const readiness = service.readiness();
    res.status(readiness.ready ? 200 : 503).json(readiness.ready ? { ready: true } : { ready: false, reason: readiness.reason });
  });

  router.get('/metrics', labelRoute('/metrics'), async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });

  return router;
}
