/**
 * One log line and one metrics observation per request. The log line has the request id,
 * route pattern, status and duration. Bodies, query strings and headers are never logged,
 * so feature values, customer ids and API keys stay out of the log.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { ScorerMetrics } from './metrics.ts';
import { routeLabelOf } from './route-label.ts';

const REQUEST_ID_PATTERN = /^[\w.:-]{1,128}$/;

export function requestLogger(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    // The request id is written by the req serializer; a per-request child logger bound
    // to it (quietReqLogger) would cost one more child logger per request.
    quietReqLogger: false,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel: (_req, res, error) => (error !== undefined || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessMessage: () => 'request completed',
    customErrorMessage: () => 'request failed',
    customSuccessObject: (req, res, fields) => ({ ...fields, ...requestFields(req as Request, res as Response) }),
    customErrorObject: (req, res, _error, fields) => ({ ...fields, ...requestFields(req as Request, res as Response) }),
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, path: req.url.split('?', 1)[0] }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    wrapSerializers: false,
  }) as unknown as RequestHandler;
}

function requestFields(req: Request, res: Response): Record<string, unknown> {
  const errorCode = res.locals['errorCode'] as string | undefined;
  return { route: routeLabelOf(req, res), ...(errorCode === undefined ? {} : { errorCode }) };
}

export function requestMetrics(metrics: ScorerMetrics): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const labels = { route: routeLabelOf(req, res), method: req.method, status: String(res.statusCode) };
      metrics.requests.inc(labels);
      metrics.requestDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}
