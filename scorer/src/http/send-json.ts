/** JSON responses of the prediction and experiment routes. */
import type { Response } from 'express';

/**
 * Sends `body` as a UTF-8 JSON response with the headers res.json sets. res.json also
 * parses and rewrites its own Content-Type on every call, which cost about 2 µs per
 * prediction (Node.js 24, 2-vCPU VM). The routes that use this accept only POST, so the
 * ETag, freshness and HEAD handling of res.json never apply to them.
 */
export function sendJson(res: Response, body: unknown, status = 200): void {
  sendJsonText(res, JSON.stringify(body), status);
}

/** Sends `text`, which must be JSON, the way sendJson sends a body. */
export function sendJsonText(res: Response, text: string, status = 200): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
