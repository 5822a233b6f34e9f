/**
 * Optional API key authentication: `Authorization: Bearer <key>` or `X-API-Key: <key>`.
 * Keys are kept only as sha256 digests and compared with crypto.timingSafeEqual against
 * every stored digest, so the time taken does not depend on which bytes match.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { RequestHandler } from 'express';
import { ConfigError, UnauthorizedError } from '../errors.ts';

/** Reads one key per line, skipping blank lines and lines starting with #. */
// NOTE: the file is read once at start-up, so a rotated key takes effect after a restart.
export async function loadApiKeyDigests(path: string): Promise<Buffer[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read the API keys file ${path}: ${(error as Error).message}`, 'auth.apiKeysFile', { cause: error });
  }
  const keys = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (keys.length === 0) {
    throw new ConfigError(`The API keys file ${path} contains no keys; add one key per line.`, 'auth.apiKeysFile');
  }
  return keys.map(digestOf);
}

export function requireApiKey(digests: readonly Buffer[]): RequestHandler {
  return (req, _res, next) => {
    const presented = presentedKey(req.headers.authorization, req.headers['x-api-key']);
    if (presented === undefined) {
      next(new UnauthorizedError('Missing API key; send it as "Authorization: Bearer <key>" or "X-API-Key: <key>".'));
      return;
    }

    const candidate = digestOf(presented);
    let matched = false;
    for (const digest of digests) {
      // No early exit: every digest is compared.
      matched = timingSafeEqual(candidate, digest) || matched;
    }
    next(matched ? undefined : new UnauthorizedError('Invalid API key.'));
  };
}

function presentedKey(authorization: string | undefined, apiKeyHeader: string | string[] | undefined): string | undefined {
  const bearer = authorization === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
  if (bearer !== undefined) {
    return bearer;
  }
  const header = Array.isArray(apiKeyHeader) ? apiKeyHeader[0] : apiKeyHeader;
  const trimmed = header?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

function digestOf(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}
