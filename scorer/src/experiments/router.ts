import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

import { InvalidRequestError, NotFoundError, type FieldProblem } from '../errors.ts';
import { setRequestLogRecord } from '../http/observe.ts';
import { sendJson, sendJsonText } from '../http/send-json.ts';
import { riskBandOf } from '../prediction.ts';
import type { FeatureRow, Prediction, Predictor } from '../prediction.ts';
import { assignVariant } from './assignment.ts';
import { AuditRecords } from './audit.ts';
import type { ExperimentConfig, Variant } from './config.ts';
import { createExperimentMetrics } from './metrics.ts';
import { NudgeResponseWriter } from './nudge-response.ts';
import { parseConversionRequest, parseNudgeRequest } from './request.ts';

export interface ExperimentHandlerDeps {
  experiment: ExperimentConfig;
  predictor: Predictor;
  /** Registry that receives the exposure and conversion counters. */
  registry: Registry;
  /** Secret of at least 16 bytes that keys the digests of customer ids in the audit log. */
  auditKey: Buffer;
  /** Logger of the request log lines, which the audit records become. */
  logger: Logger;
}

export interface ConversionResponse {
  experiment: string;
  variant: string | null;
  event: string;
  /** False while the experiment is paused: nothing is counted then. */
  counted: boolean;
  paused: boolean;
}

export const NUDGE_ROUTE = '/v1/experiments/:name/nudge';
export const CONVERSIONS_ROUTE = '/v1/experiments/:name/conversions';

/** The POST handlers of one experiment, for NUDGE_ROUTE and CONVERSIONS_ROUTE. */
export interface ExperimentHandlers {
  nudge: RequestHandler;
  conversions: RequestHandler;
}

/**
 * Creates the handlers of one experiment. They throw the typed errors of errors.ts for the
 * application's error middleware, and expect the application to have parsed the JSON body.
 * The application mounts them on its own routes: a nested Router would match each path a
 * second time. Throws ConfigError when the audit key is shorter than 16 bytes.
 */
export function createExperimentHandlers(deps: ExperimentHandlerDeps): ExperimentHandlers {
  const { experiment, predictor } = deps;
  const audit = new AuditRecords(deps.auditKey, deps.logger);
  const metrics = createExperimentMetrics(deps.registry, experiment);
  const responses = new NudgeResponseWriter(experiment);
  const featureProblemsOf = (features: FeatureRow) => predictor.rowProblems(features).map(asFeatureProblem);

  const nudge: RequestHandler<{ name: string }> = async (req, res) => {
    requireServedExperiment(experiment, req.params.name);
    const { customerId, features } = parseNudgeRequest(req.body, featureProblemsOf);

    const variant = servedVariant(experiment, customerId);
    // Awaited here, not in a helper: each async function adds a promise to every nudge.
    let predictions: Prediction[];
    try {
      predictions = await predictor.predict([features]);
    } catch (error) {
      throw withFeatureFields(error);
    }
    const { churnProbability } = firstPrediction(predictor, predictions);
    const riskBand = riskBandOf(churnProbability, experiment.riskBands);
    const modelVersion = predictor.modelVersion;

    if (!experiment.paused && variant !== undefined) {
      metrics.countExposure(variant.name);
      setRequestLogRecord(res, audit.variantAssigned({ experiment: experiment.name, variant: variant.name, riskBand, modelVersion, customerId }));
    }

    sendJsonText(res, responses.write({ variant, riskBand, churnProbability, modelVersion }));
  };

  const conversions: RequestHandler<{ name: string }> = (req, res) => {
    requireServedExperiment(experiment, req.params.name);
    const { customerId, event } = parseConversionRequest(req.body);

    const variant = servedVariant(experiment, customerId);
    const counted = !experiment.paused && variant !== undefined;

    if (counted) {
      metrics.countConversion(variant.name);
      setRequestLogRecord(res, audit.conversionRecorded({ experiment: experiment.name, variant: variant.name, event, customerId }));
    }

    const body: ConversionResponse = {
      experiment: experiment.name,
      variant: variant?.name ?? null,
      event,
      counted,
      paused: experiment.paused,
    };
    sendJson(res, body, 202);
  };

  return { nudge: nudge as RequestHandler, conversions: conversions as RequestHandler };
}

function requireServedExperiment(experiment: ExperimentConfig, name: string): void {
  if (name !== experiment.name) {
    throw experimentNotServed(name, experiment.name);
  }
}

/**
 * Creates the handler of the experiment routes on a scorer without an experiment. Every
 * request gets a 404 that names the experiment and states that none is served here.
 */
export function noExperimentHandler(): RequestHandler<{ name: string }> {
  return (req, _res, next) => {
    next(experimentNotServed(req.params.name, undefined));
  };
}

function experimentNotServed(name: string, served: string | undefined): NotFoundError {
  const servedText = served === undefined ? 'this scorer serves no experiment' : `this scorer serves experiment "${served}"`;
  return new NotFoundError(`Experiment "${name}" is not served here; ${servedText}.`);
}

/** Returns the assigned variant, or while paused the control (undefined without a control). */
function servedVariant(experiment: ExperimentConfig, customerId: string): Variant | undefined {
  return experiment.paused ? experiment.control : assignVariant(experiment, customerId);
}

/**
 * Returns the error of a rejected row with its problems renamed: the predictor names them
 * by row (`instances[0].tenure`), and this API sends one row under `features`.
 */
function withFeatureFields(error: unknown): unknown {
  if (!(error instanceof InvalidRequestError)) {
    return error;
  }
  return new InvalidRequestError(error.message, error.problems.map(asFeatureProblem));
}

function asFeatureProblem(problem: FieldProblem): FieldProblem {
  return { ...problem, field: featureField(problem.field) };
}

function firstPrediction(predictor: Predictor, predictions: Prediction[]): Prediction {
  const prediction = predictions[0];
  if (prediction === undefined) {
    throw new Error(`model ${predictor.modelName} returned no prediction for one row`);
  }
  return prediction;
}

/** Maps `instances[0].tenure`, `[0].tenure` or `tenure` to `features.tenure`. */
function featureField(field: string): string {
  const name = field.replace(/^[A-Za-z_]*\[0\]\.?/, '');
  return name === '' ? 'features' : `features.${name}`;
}
