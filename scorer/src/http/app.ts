/** The scorer's Express application: health, model and experiment routes behind one error middleware. */
import express, { type Express, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { ScorerConfig } from '../config.ts';
import { MethodNotAllowedError, NotFoundError } from '../errors.ts';
import { CONVERSIONS_ROUTE, createExperimentHandlers, NUDGE_ROUTE, noExperimentHandler } from '../experiments/router.ts';
import type { ExperimentHandlers } from '../experiments/router.ts';
import type { ModelService } from '../model/model-service.ts';
import { requireApiKey } from './auth.ts';
import { errorHandler } from './error-handler.ts';
import { jsonBody } from './json-body.ts';
import type { ScorerMetrics } from './metrics.ts';
import { observeRequests } from './observe.ts';
import { createRateLimiter } from './rate-limit.ts';
import { labelRoute } from './route-label.ts';
import { namedRoutePath } from './route-path.ts';
import { healthRouter } from './routes/health.ts';
import { V1_PREDICT_ROUTE, v1ModelHandlers, v1PredictHandlers } from './routes/v1.ts';
import { V2_INFER_ROUTE, v2InferHandlers, v2MetadataHandlers, v2ReadyHandlers } from './routes/v2.ts';

export interface AppDependencies {
  config: ScorerConfig;
  service: ModelService;
  metrics: ScorerMetrics;
  logger: Logger;
  /** sha256 digests of the accepted API keys; undefined turns authentication off. */
  apiKeyDigests: Buffer[] | undefined;
  /** Key of the customer digests in the experiment audit log. */
  auditKey: Buffer;
}

export function createApp(deps: AppDependencies): Express {
  const { config, service, metrics } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // X-Forwarded-For is trusted for exactly this many proxy hops; 0 uses the socket address.
  app.set('trust proxy', config.server.trustedProxyHops);

  app.use(observeRequests(deps.logger, metrics));

  const rateLimiter = createRateLimiter(config.rateLimit, metrics);
  const authenticate: RequestHandler[] = deps.apiKeyDigests === undefined ? [] : [requireApiKey(deps.apiKeyDigests)];
  const readGuards = { guards: [rateLimiter, ...authenticate] };
  const writeGuards = { guards: [rateLimiter, ...authenticate, ...jsonBody(config.server.bodyLimitBytes)] };
  const maxBatchSize = config.server.maxBatchSize;

  // The model and experiment routes come before the health routes because they carry the
  // traffic, and every route before a request's own costs one more path match.
  const experiment = experimentHandlers(deps);
  // Without an experiment the body is not parsed: the 404 comes first.
  const experimentGuards = config.experiment === undefined ? readGuards.guards : writeGuards.guards;
  // The routes that carry the traffic match RegExp paths, for the reason in route-path.ts.
  const predictPath = namedRoutePath(V1_PREDICT_ROUTE);
  const nudgePath = namedRoutePath(NUDGE_ROUTE);
  const conversionsPath = namedRoutePath(CONVERSIONS_ROUTE);
  const inferPath = namedRoutePath(V2_INFER_ROUTE);

  app.post(predictPath, ...v1PredictHandlers(service, maxBatchSize, writeGuards));
  app.post(nudgePath, labelRoute(NUDGE_ROUTE), ...experimentGuards, experiment.nudge);
  app.all(predictPath, labelRoute(V1_PREDICT_ROUTE), onlyMethod('POST'));
  app.all(nudgePath, labelRoute(NUDGE_ROUTE), onlyMethod('POST'));
  app.post(conversionsPath, labelRoute(CONVERSIONS_ROUTE), ...experimentGuards, experiment.conversions);
  app.all(conversionsPath, labelRoute(CONVERSIONS_ROUTE), onlyMethod('POST'));
  app.get('/v1/models/:name', ...v1ModelHandlers(service, readGuards));
  app.post(inferPath, ...v2InferHandlers(service, maxBatchSize, writeGuards));
  app.all(inferPath, labelRoute(V2_INFER_ROUTE), onlyMethod('POST'));
  app.get('/v2/models/:name/ready', ...v2ReadyHandlers(service, readGuards));
  app.get('/v2/models/:name', ...v2MetadataHandlers(service, readGuards));

  app.use(healthRouter(service, metrics));

  app.use((req, _res, next) => {
    next(new NotFoundError(`No route for ${req.method} ${req.path}.`));
  });
  app.use(errorHandler());
  return app;
}

/**
 * Returns the experiment's handlers. Without an experiment, both handlers return a 404
 * that names the requested experiment, so the client learns that no experiment is served
 * here rather than that the path is unknown.
 */
function experimentHandlers(deps: AppDependencies): ExperimentHandlers {
  const experiment = deps.config.experiment;
  if (experiment === undefined) {
    const notServed = noExperimentHandler() as RequestHandler;
    return { nudge: notServed, conversions: notServed };
  }
  return createExperimentHandlers({
    experiment,
    predictor: deps.service,
    registry: deps.metrics.registry,
    auditKey: deps.auditKey,
    logger: deps.logger,
  });
}

function onlyMethod(method: string): RequestHandler {
  return (req, _res, next) => {
    next(new MethodNotAllowedError(`${req.method} is not allowed on ${req.path}; use ${method}.`, [method]));
  };
}
