import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';

import { pino, type Logger } from 'pino';
import { describe, expect, it } from 'vitest';

import { ConfigError } from '../errors.ts';
import { readAuditKey } from './audit-key.ts';

function capturingLogger(): { logger: Logger; messages: string[] } {
  const messages: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      messages.push((JSON.parse(chunk.toString('utf8')) as { msg: string }).msg);
      callback();
    },
  });
  return { logger: pino(sink), messages };
}

async function keyFile(text: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'audit-key-')), 'audit-key');
  await writeFile(path, text);
  return path;
}

describe('readAuditKey', () => {
  it('uses the trimmed text as is', async () => {
    const base64Key = 'q6mN0yV2lC4rXo1pTz8fHc3kJb5sLd7eWg9uYa0iRnE=';
    const { logger } = capturingLogger();

    const key = await readAuditKey(await keyFile(`  ${base64Key}\n`), true, logger);

    expect(key.toString('utf8')).toBe(base64Key);
  });

  it('names the field of a missing file', async () => {
    const { logger } = capturingLogger();

    const result = readAuditKey('no-such-dir/audit-key', true, logger);

    await expect(result).rejects.toBeInstanceOf(ConfigError);
    await expect(result).rejects.toHaveProperty('field', 'auth.auditKeyFile');
    await expect(result).rejects.toThrow(
      `Cannot read the audit key file no-such-dir/audit-key (auth.auditKeyFile, resolved from the working directory to ${resolve('no-such-dir/audit-key')}): `,
    );
    await expect(result).rejects.toThrow('ENOENT');
    await expect(result).rejects.toThrow('. Check that auth.auditKeyFile names a readable file that contains the key');
  });

  it('rejects a key under 16 bytes', async () => {
    const path = await keyFile(' short-key \n');
    const { logger } = capturingLogger();

    const result = readAuditKey(path, true, logger);

    await expect(result).rejects.toBeInstanceOf(ConfigError);
    await expect(result).rejects.toHaveProperty('field', 'auth.auditKeyFile');
    await expect(result).rejects.toHaveProperty(
      'message',
      `The audit key file ${path} (auth.auditKeyFile) contains 9 bytes once white space is trimmed; ` +
        'it needs at least 16 random bytes, such as the output of openssl rand -base64 32',
    );
  });

  it('rejects an empty file', async () => {
    const { logger } = capturingLogger();

    const result = readAuditKey(await keyFile('\n'), true, logger);

    await expect(result).rejects.toBeInstanceOf(ConfigError);
    await expect(result).rejects.toThrow('contains 0 bytes once white space is trimmed');
  });

  it('draws a random key without a file', async () => {
    const withExperiment = capturingLogger();
    const withoutExperiment = capturingLogger();

    const first = await readAuditKey(undefined, true, withExperiment.logger);
    const second = await readAuditKey(undefined, false, withoutExperiment.logger);

    expect(first).toHaveLength(32);
    expect(second.equals(first)).toBe(false);
    expect(withExperiment.messages).toEqual([expect.stringContaining('auth.auditKeyFile is not set')]);
    expect(withoutExperiment.messages).toEqual([]);
  });
});
