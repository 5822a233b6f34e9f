/**
 * KServe V1 protocol routes:
 *   GET  /v1/models/{name}          {"name", "ready"}
 *   POST /v1/models/{name}:predict  {"instances": [{feature: value}]} -> {"predictions": [{"churnProbability", "riskBand"}]}
 */
import type { RequestHandler } from 'express';
import { InvalidRequestError } from '../../errors.ts';
import type { ModelService } from '../../model/model-service.ts';
import type { FeatureRow } from '../../prediction.ts';
import { requireObjectBody } from '../json-body.ts';
import { labelRoute } from '../route-label.ts';
import { sendJson } from '../send-json.ts';
import { requireBatchSize, requireServedModel } from './served-model.ts';

export const V1_PREDICT_ROUTE = '/v1/models/:name:predict';
export const V1_MODEL_ROUTE = '/v1/models/:name';

export interface RouteGuards {
  /** Rate limiter, API key check and JSON body parser, in that order. */
  guards: RequestHandler[];
}

export function v1PredictHandlers(service: ModelService, maxBatchSize: number, { guards }: RouteGuards): RequestHandler[] {
  const predict: RequestHandler<{ name: string }> = async (req, res) => {
    requireServedModel(service, req.params.name);
    const instances = parseInstances(req.body, maxBatchSize);
    const predictions = await service.predict(instances);
    sendJson(res, { predictions });
  };
  return [labelRoute(V1_PREDICT_ROUTE), ...guards, predict as RequestHandler];
}

export function v1ModelHandlers(service: ModelService, { guards }: RouteGuards): RequestHandler[] {
  const status: RequestHandler<{ name: string }> = (req, res) => {
    requireServedModel(service, req.params.name);
    res.json({ name: service.modelName, ready: service.readiness().ready });
  };
  return [labelRoute(V1_MODEL_ROUTE), ...guards, status as RequestHandler];
}

function parseInstances(body: unknown, maxBatchSize: number): FeatureRow[] {
  const instances = requireObjectBody(body)['instances'];
  if (!Array.isArray(instances)) {
    throw new InvalidRequestError('The request body must have an "instances" array of feature objects.', [
      { field: 'instances', message: 'must be an array of objects' },
    ]);
  }
  requireBatchSize('instances', instances.length, maxBatchSize);
  return instances as FeatureRow[];
}
