/** The scorer's Express application: health, model and experiment routes behind one error middleware. */
import express, { type Express, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { ScorerConfig } from '../config.ts';
import { MethodNotAllowedError, NotFoundError } from '../errors.ts';
import { createExperimentRouter } from '../experiments/router.ts';
import type { ModelService } from '../model/model-service.ts';
import { requireApiKey } from './auth.ts';
import { errorHandler } from './error-handler.ts';
import { jsonBody } from './json-body.ts';
import type { ScorerMetrics } from './metrics.ts';
import { requestLogger, requestMetrics } from './observe.ts';
import { createRateLimiter } from './rate-limit.ts';
import { labelRoute } from './route-label.ts';
import { healthRouter } from './routes/health.ts';
import { V1_PREDICT_PATH, V1_PREDICT_ROUTE, v1ModelHandlers, v1PredictHandlers } from './routes/v1.ts';
import { V2_INFER_ROUTE, v2InferHandlers, v2MetadataHandlers, v2ReadyHandlers } from './routes/v2.ts';

export interface AppDependencies {
  config: ScorerConfig;
  service: ModelService;
  metrics: ScorerMetrics;
  logger: Logger;
  /** sha256 digests of the accepted API keys; undefined turns authentication off. */
  apiKeyDigests: Buffer[] | undefined;
  /** HMAC key of customer ids in the experiment audit log. */
  auditKey: Buffer;
}

export function createApp(deps: AppDependencies): Express {
  const { config, service, metrics } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // X-Forwarded-For is trusted for exactly this many proxy hops; 0 uses the socket address.
  app.set('trust proxy', config.server.trustedProxyHops);

  app.use(requestLogger(deps.logger), requestMetrics(metrics));
  app.use(healthRouter(service, metrics));

  const rateLimiter = createRateLimiter(config.rateLimit, metrics);
  const authenticate: RequestHandler[] = deps.apiKeyDigests === undefined ? [] : [requireApiKey(deps.apiKeyDigests)];
  const readGuards = { guards: [rateLimiter, ...authenticate] };
  const writeGuards = { guards: [rateLimiter, ...authenticate, ...jsonBody(config.server.bodyLimitBytes)] };
  const maxBatchSize = config.server.maxBatchSize;

  app.post(V1_PREDICT_PATH, ...v1PredictHandlers(service, maxBatchSize, writeGuards));
  app.all(V1_PREDICT_PATH, labelRoute(V1_PREDICT_ROUTE), onlyMethod('POST'));
  app.get('/v1/models/:name', ...v1ModelHandlers(service, readGuards));
  app.post('/v2/models/:name/infer', ...v2InferHandlers(service, maxBatchSize, writeGuards));
  app.all('/v2/models/:name/infer', labelRoute(V2_INFER_ROUTE), onlyMethod('POST'));
  app.get('/v2/models/:name/ready', ...v2ReadyHandlers(service, readGuards));
  app.get('/v2/models/:name', ...v2MetadataHandlers(service, readGuards));

  if (config.experiment !== undefined) {
    app.use('/v1/experiments', labelExperimentRoute, ...writeGuards.guards);
    app.use(
      createExperimentRouter({
        experiment: config.experiment,
        predictor: service,
        registry: metrics.registry,
        logger: deps.logger,
        auditKey: deps.auditKey,
      }),
    );
  }

  app.use((req, _res, next) => {
    next(new NotFoundError(`No route for ${req.method} ${req.path}.`));
  });
  app.use(errorHandler());
  return app;
}

function onlyMethod(method: string): RequestHandler {
  return (req, _res, next) => {
    next(new MethodNotAllowedError(`${req.method} is not allowed on ${req.path}; use ${method}.`, [method]));
  };
}

/** Labels experiment requests before routing, so that rate-limited and unauthorized ones carry their route. */
const labelExperimentRoute: RequestHandler = (req, res, next) => {
  const action = /^\/[^/]+\/(nudge|conversions)$/.exec(req.path)?.[1];
  if (action === undefined) {
    next();
    return;
  }
  labelRoute(`/v1/experiments/:name/${action}`)(req, res, next);
};
