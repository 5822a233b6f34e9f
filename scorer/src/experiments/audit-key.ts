/** The audit key: the secret of the digests that the audit log writes in place of customer ids. */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';

import type { Logger } from 'pino';

import { ConfigError } from '../errors.ts';
import { MIN_AUDIT_KEY_BYTES } from './audit.ts';

const FIELD = 'auth.auditKeyFile';

/** Length of the random key of a scorer without a key file. */
const RANDOM_KEY_BYTES = 32;

/**
 * Returns the audit key. From a file, the key is the UTF-8 text of the file without leading
 * and trailing white space, used as it is, so a base64 key is not decoded. Without a file,
 * the key is random. A warning is then logged when an experiment is served, because its
 * digests differ between replicas. Throws ConfigError naming the field when the file
 * cannot be read or its key is shorter than MIN_AUDIT_KEY_BYTES.
 */
export async function readAuditKey(path: string | undefined, experimentServed: boolean, logger: Logger): Promise<Buffer> {
  if (path === undefined) {
    if (experimentServed) {
      logger.warn(`${FIELD} is not set: customer digests in the audit log use a random per-process key and differ between replicas`);
    }
    return randomBytes(RANDOM_KEY_BYTES);
  }

  return readAuditKeyFile(path, FIELD);
}

/**
 * Returns the key in the file `path`, set by the option or field `field`. Throws
 * ConfigError naming `field` when the file cannot be read or its key is too short.
 */
export async function readAuditKeyFile(path: string, field: string): Promise<Buffer> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as Error).message;
    throw new ConfigError(
      `Cannot read the audit key file ${describePath(path, field)}: ${reason}. Check that ${field} names a readable file that contains the key`,
      field,
      { cause: error },
    );
  }

  const key = Buffer.from(text.trim(), 'utf8');
  if (key.length < MIN_AUDIT_KEY_BYTES) {
    throw new ConfigError(
      `The audit key file ${describePath(path, field)} contains ${key.length} bytes once white space is trimmed; ` +
        `it needs at least ${MIN_AUDIT_KEY_BYTES} random bytes, such as the output of openssl rand -base64 32`,
      field,
    );
  }
  return key;
}

/** Returns `path` followed by the field that sets it and, for a relative path, the absolute path it resolves to. */
function describePath(path: string, field: string): string {
  return isAbsolute(path) ? `${path} (${field})` : `${path} (${field}, resolved from the working directory to ${resolve(path)})`;
}
