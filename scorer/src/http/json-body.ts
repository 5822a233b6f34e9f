/** JSON body parsing for the model and experiment routes. */
import express, { type RequestHandler } from 'express';
import { UnsupportedMediaTypeError } from '../errors.ts';

const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * Returns the middleware pair: a request with a body must declare a JSON content type
 * (else 415), and the body is parsed with the size limit (413 above it, 400 when malformed).
 */
export function jsonBody(limitBytes: number): RequestHandler[] {
  const requireJsonType: RequestHandler = (req, _res, next) => {
    // The plain type needs no parsing; req.is returns null when the request has no body,
    // false for a non-JSON type.
    if (req.headers['content-type'] !== 'application/json' && req.is(JSON_TYPES) === false) {
      next(new UnsupportedMediaTypeError(`Unsupported Content-Type ${JSON.stringify(req.headers['content-type'] ?? '')}; send application/json.`));
      return;
    }
    next();
  };
  // The type is checked above, so the parser takes every body as JSON. It accepts any JSON
  // value, because strict mode calls null, numbers and strings invalid JSON, where the
  // routes name the object they need.
  return [requireJsonType, express.json({ limit: limitBytes, strict: false, type: () => true })];
}

/**
 * Returns the parsed body, or an empty object for a request without a body. The parser
 * turns an empty body (Content-Length: 0) into `{}` but leaves `req.body` undefined when
 * the request has neither Content-Length nor Transfer-Encoding, so both cases get the
 * same errors through this function.
 */
export function bodyOrEmptyObject(body: unknown): unknown {
  return body === undefined ? {} : body;
}
