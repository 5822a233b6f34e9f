import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Runs the scorer command to its exit and returns its exit code and standard error. */
function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['scorer/src/cli.ts', ...args], {
      env: { ...process.env, SCORER_TF_BACKEND: 'wasm', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

function listenOnLoopback(): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

describe('scorer serve', () => {
  it('reports a port in use without a stack trace', async () => {
    const occupied = await listenOnLoopback();
    const port = (occupied.address() as AddressInfo).port;
    try {
      const { code, stderr } = await runCli(['serve', '--config', 'samples/scorer/config.yaml'], { PORT: String(port) });

      expect(code).toBe(1);
      expect(stderr).toBe(`Error: port ${port} is already in use on 127.0.0.1; set PORT or server.port to a free port, or stop the other process\n`);
    } finally {
      occupied.close();
    }
  }, 30_000);

  it('names the file and field of an invalid configuration', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'cli-config-')), 'scorer.yaml');
    await writeFile(path, 'server:\n  maxBatchSzie: 100\nmodel:\n  name: telco-churn\n  uri: samples/models/telco-churn\n');

    const { code, stderr } = await runCli(['serve', '--config', path]);

    expect(code).toBe(2);
    expect(stderr).toBe(
      `Error: Invalid scorer configuration in ${path}:\n` +
        '  - server.maxBatchSzie: unknown field; remove it or correct its spelling (did you mean "maxBatchSize"?)\n',
    );
  }, 30_000);
});
