/**
 * Route labels for metrics and logs: the route pattern, never the raw URL, so that the
 * number of label values stays bounded.
 */
import type { Request, RequestHandler, Response } from 'express';

export const UNMATCHED_ROUTE = 'unmatched';

/** Records the route pattern of the request, for metrics and the request log line. */
export function labelRoute(pattern: string): RequestHandler {
  return (_req, res, next) => {
    res.locals['route'] = pattern;
    next();
  };
}

export function routeLabelOf(req: Request, res: Response): string {
  const label = res.locals['route'] as string | undefined;
  if (label !== undefined) {
    return label;
  }
  const routePath = (req as Request & { route?: { path?: unknown } }).route?.path;
  return typeof routePath === 'string' ? routePath : UNMATCHED_ROUTE;
}
