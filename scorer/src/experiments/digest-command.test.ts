import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it, vi } from 'vitest';

import { ConfigError } from '../errors.ts';
import { runCustomerDigest } from './digest-command.ts';

const AUDIT_KEY = 'an audit key of enough bytes, 0123456789';

async function keyFile(text: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'customer-digest-')), 'audit-key');
  await writeFile(path, text);
  return path;
}

/** Runs the command and returns what it wrote to stdout. */
async function digestsPrinted(args: string[]): Promise<string> {
  const written: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(chunk.toString());
    return true;
  });
  await runCustomerDigest(args);
  return written.join('');
}

describe('scorer customer-digest', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('prints one digest per id, as the audit log writes them', async () => {
    const path = await keyFile(`${AUDIT_KEY}\n`);

    await expect(digestsPrinted(['--audit-key-file', path, '7590-VHVEG', 'klient-ä-€-😀'])).resolves.toBe('1bf0d45924c75957\n8bdfc85015185dd6\n');
  });

  it('prints its usage on --help', async () => {
    await expect(digestsPrinted(['--help'])).resolves.toMatch(/^Usage: scorer customer-digest --audit-key-file FILE CUSTOMER_ID\.\.\./);
  });

  it('requires the key file', async () => {
    await expect(runCustomerDigest(['7590-VHVEG'])).rejects.toThrow(ConfigError);
    await expect(runCustomerDigest(['7590-VHVEG'])).rejects.toThrow('Missing required option --audit-key-file: the digests depend on the key.');
  });

  it('requires at least one id', async () => {
    const path = await keyFile(AUDIT_KEY);

    await expect(runCustomerDigest(['--audit-key-file', path])).rejects.toThrow('Missing customer id: give at least one after the options.');
  });

  it('names the option of a short key', async () => {
    const path = await keyFile('too short');

    await expect(runCustomerDigest(['--audit-key-file', path, '7590-VHVEG'])).rejects.toThrow(
      `The audit key file ${path} (--audit-key-file) contains 9 bytes once white space is trimmed`,
    );
  });

  it('rejects an invalid id by position', async () => {
    const path = await keyFile(AUDIT_KEY);

    await expect(runCustomerDigest(['--audit-key-file', path, '7590-VHVEG', 'line\n'])).rejects.toThrow(
      'Invalid customer id 2 ("line\\n"): it must not contain control characters',
    );
  });
});
