/**
 * Per-client rate limit (express-rate-limit, in memory per replica). The client is
 * `req.ip`, which Express takes from X-Forwarded-For only as far as `trust proxy` allows,
 * so a client cannot pick its own address by sending the header.
 */
import { rateLimit, type RateLimitInfo } from 'express-rate-limit';
import type { Request, RequestHandler } from 'express';
import { TooManyRequestsError } from '../errors.ts';
import type { ScorerConfig } from '../config.ts';
import type { ScorerMetrics } from './metrics.ts';
import { routeLabelOf } from './route-label.ts';

export function createRateLimiter(config: ScorerConfig['rateLimit'], metrics: ScorerMetrics): RequestHandler {
  if (!config.enabled) {
    return (_req, _res, next) => next();
  }

  const windowMs = Math.round(config.windowSeconds * 1000);
  return rateLimit({
    windowMs,
    limit: config.limit,
    // draft-7 headers (RateLimit, RateLimit-Policy) need no per-request hash of the client key, unlike draft-8.
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (req, res, next) => {
      metrics.rateLimited.inc({ route: routeLabelOf(req, res) });
      const retryAfterSeconds = secondsUntilReset(req, windowMs);
      next(
        new TooManyRequestsError(
          `Rate limit of ${config.limit} requests per ${config.windowSeconds} s exceeded for this client; retry after ${retryAfterSeconds} s.`,
          retryAfterSeconds,
        ),
      );
    },
  });
}

function secondsUntilReset(req: Request, windowMs: number): number {
  const info = (req as Request & { rateLimit?: RateLimitInfo }).rateLimit;
  const resetMs = info?.resetTime === undefined ? windowMs : info.resetTime.getTime() - Date.now();
  return Math.max(1, Math.ceil(resetMs / 1000));
}
