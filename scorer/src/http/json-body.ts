/** JSON body parsing for the model and experiment routes. */
import express, { type RequestHandler } from 'express';
import { InvalidRequestError, UnsupportedMediaTypeError } from '../errors.ts';

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
 * Returns the parsed body as an object, and throws InvalidRequestError naming `expected`
 * when it is another JSON value. The parser turns an empty body (Content-Length: 0) into
 * `{}`, but leaves `req.body` undefined for a request with neither Content-Length nor
 * Transfer-Encoding. Such a request counts as `{}` too, so both get the same errors.
 */
export function requireObjectBody(parsedBody: unknown, expected = 'a JSON object'): Record<string, unknown> {
  const body = parsedBody === undefined ? {} : parsedBody;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw InvalidRequestError.forBody(expected);
  }
  return body as Record<string, unknown>;
}
