/**
 * One log line and one metrics observation per request, from one `close` listener. The log
 * line has the request id, route pattern, method, path, status and duration. Bodies, query
 * strings and headers are never logged, so feature values, customer ids and API keys stay
 * out of the log. It takes the place of pino-http, which creates a child logger for every
 * request and listens for three events.
 *
 * A route can make the line its own record with setRequestLogRecord: the experiment routes
 * turn it into the audit line, so an assignment costs no second line.
 */
import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { INTERNAL_ERROR_LOCAL } from './error-handler.ts';
import type { ScorerMetrics } from './metrics.ts';
import { routeLabelOf } from './route-label.ts';

const REQUEST_ID_PATTERN = /^[\w.:-]{1,128}$/;

/**
 * Property of the response that contains the record a route adds to its request's log line.
 * observeRequests sets it on every response, so all responses keep one shape. A key of
 * res.locals cost about 0.4 µs more per request under load: Express creates res.locals
 * with a null prototype, which V8 keeps as a hash table.
 */
const LOG_RECORD = Symbol('requestLogRecord');

type ObservedResponse = Response & { [LOG_RECORD]: RequestLogRecord | undefined };

/** Message and fields that a route adds to its request's log line. */
export interface RequestLogRecord {
  /** Message of the line, in place of `request completed` or `request aborted`. */
  message: string;
  /** Fields of this request, merged into the line. */
  fields: Record<string, unknown>;
  /**
   * Child of the request logger that writes the line, for fields that many requests share:
   * pino serializes a child's bindings once, when the child is created.
   */
  logger?: Logger;
}

/** Makes the request's log line carry `record`; the last call before the response ends wins. */
export function setRequestLogRecord(res: Response, record: RequestLogRecord): void {
  (res as ObservedResponse)[LOG_RECORD] = record;
}

/** Routes whose 503 reports the not-ready state, see logServerStatus. */
const READINESS_ROUTES: ReadonlySet<string> = new Set(['/readyz', '/v2/health/ready', '/v2/models/:name/ready']);

/** Metric children bound to one (route, method, status) series. */
interface RequestSeries {
  count: { inc: () => void };
  duration: { observe: (seconds: number) => void };
}

/**
 * Sets the request id (the `X-Request-Id` header when it is a plain token, else a new
 * UUID), echoes it in the response, and observes the request once it has ended.
 */
export function observeRequests(logger: Logger, metrics: ScorerMetrics): RequestHandler {
  const seriesOf = requestSeriesCache(metrics);

  return (req, res, next) => {
    const started = performance.now();
    (res as ObservedResponse)[LOG_RECORD] = undefined;
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', id);

    // `close` follows `finish` for a sent response and also fires when the client
    // disconnects first. It fires once, so one listener handles every request exactly once.
    res.on('close', () => {
      const durationMs = performance.now() - started;
      const route = routeLabelOf(req, res);
      if (res.writableFinished) {
        const series = seriesOf(route, req.method, res.statusCode);
        series.count.inc();
        series.duration.observe(durationMs / 1000);
      }
      logRequest(logger, req, res, { id, route, durationMs });
    });
    next();
  };
}

/** Caches the label-bound metric children per series, so a request builds no label object. */
function requestSeriesCache(metrics: ScorerMetrics): (route: string, method: string, status: number) => RequestSeries {
  const cache = new Map<string, RequestSeries>();
  return (route, method, status) => {
    const key = `${status} ${method} ${route}`;
    let series = cache.get(key);
    if (series === undefined) {
      const labels = [route, method, String(status)] as const;
      series = { count: metrics.requests.labels(...labels), duration: metrics.requestDuration.labels(...labels) };
      cache.set(key, series);
    }
    return series;
  };
}

function logRequest(requestLogger: Logger, req: Request, res: Response, request: { id: string; route: string; durationMs: number }): void {
  const record = (res as ObservedResponse)[LOG_RECORD];
  const logger = record?.logger ?? requestLogger;
  const errorCode = res.locals['errorCode'] as string | undefined;
  const fields: Record<string, unknown> = {
    req: { id: request.id, method: req.method, path: pathOf(req.originalUrl) },
    res: { statusCode: res.statusCode },
    route: request.route,
    responseTime: Math.round(request.durationMs * 1000) / 1000,
    ...record?.fields,
  };
  if (errorCode !== undefined) {
    fields['errorCode'] = errorCode;
  }

  if (!res.writableFinished) {
    fields['aborted'] = true;
    logger.info(fields, record?.message ?? 'request aborted');
    return;
  }
  if (res.statusCode >= 500 || res.locals[INTERNAL_ERROR_LOCAL] !== undefined) {
    logServerStatus(logger, fields, res, request.route);
    return;
  }
  logger.info(fields, record?.message ?? 'request completed');
}

/**
 * Logs a 5xx. Only a server fault (an unexpected error, or a 5xx that no typed error
 * explains) is logged at error with a stack. A 503 of a readiness route while the model
 * loads or after a failed load is an expected state that probes repeat every few seconds,
 * so it is logged at debug. A typed 503, such as NotReady on a model route, is logged at info.
 */
function logServerStatus(logger: Logger, fields: Record<string, unknown>, res: Response, route: string): void {
  const internalError = res.locals[INTERNAL_ERROR_LOCAL] as unknown;
  if (internalError === undefined && READINESS_ROUTES.has(route)) {
    logger.debug(fields, 'request completed');
    return;
  }
  if (internalError === undefined && res.locals['errorCode'] !== undefined) {
    logger.info(fields, 'request completed');
    return;
  }
  fields['err'] = internalError ?? new Error(`failed with status code ${res.statusCode}`);
  logger.error(fields, 'request failed');
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
