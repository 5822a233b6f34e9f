/**
 * The one error-mapping middleware. Typed errors from errors.ts and body-parser errors
 * become a JSON body with their status. Anything else is a 500 with a generic body, and
 * its details go to the log only.
 */
import type { ErrorRequestHandler } from 'express';
import {
  InvalidRequestError,
  MethodNotAllowedError,
  PayloadTooLargeError,
  ScorerError,
  TooManyRequestsError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
} from '../errors.ts';

/** Key of `res.locals` that contains an unexpected error for the request log line. */
export const INTERNAL_ERROR_LOCAL = 'internalError';

export const INTERNAL_ERROR_BODY = { error: { code: 'Internal', message: 'The scorer failed to handle the request; see its log.' } };

/** Fields of errors raised by body-parser (express.json). */
interface BodyParserError extends Error {
  type?: string;
  status?: number;
  limit?: number;
}

export function errorHandler(): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }

    const mapped = toScorerError(error);
    if (mapped === undefined) {
      // The request log line (observe.ts) is written at error level with this error attached.
      res.locals[INTERNAL_ERROR_LOCAL] = error;
      res.status(500).json(INTERNAL_ERROR_BODY);
      return;
    }

    res.locals['errorCode'] = mapped.code;
    if (mapped instanceof TooManyRequestsError) {
      res.setHeader('Retry-After', String(mapped.retryAfterSeconds));
    }
    if (mapped instanceof MethodNotAllowedError) {
      res.setHeader('Allow', mapped.allowed.join(', '));
    }
    if (mapped instanceof UnauthorizedError) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="engagetrack"');
    }
    res.status(mapped.status).json(mapped.toJSON());
  };
}

export function toScorerError(error: unknown): ScorerError | undefined {
  if (error instanceof ScorerError) {
    return error;
  }
  if (!(error instanceof Error)) {
    return undefined;
  }

  const bodyError = error as BodyParserError;
  switch (bodyError.type) {
    case 'entity.parse.failed':
      return new InvalidRequestError(`The request body is not valid JSON (${bodyError.message}); send a JSON object.`, [
        { field: '(body)', message: 'must be valid JSON' },
      ]);
    case 'entity.too.large':
      return new PayloadTooLargeError(
        `The request body exceeds the limit of ${bodyError.limit ?? 'the configured'} bytes; split the batch into smaller requests, ` +
          'or raise server.bodyLimitBytes in the scorer configuration.',
      );
    case 'encoding.unsupported':
      return new UnsupportedMediaTypeError(`${bodyError.message}; send the body uncompressed, or with gzip or deflate.`);
    case 'charset.unsupported':
      return new UnsupportedMediaTypeError(`${bodyError.message}; send UTF-8 JSON.`);
    default:
      break;
  }
  if (bodyError.status !== undefined && bodyError.status >= 400 && bodyError.status < 500) {
    return new InvalidRequestError(`The request body could not be read: ${bodyError.message}`);
  }
  return undefined;
}
