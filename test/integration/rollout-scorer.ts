// Real scorer processes for the rollout analysis tests. Run as a program
// (`node test/integration/rollout-scorer.ts CONFIG`), this file starts the scorer of
// scorer/src/server.ts bound to 127.0.0.1 with the given configuration file, because
// `scorer serve` listens on every interface. Imported, it starts such processes.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { dump } from 'js-yaml';

import { allocateFreePort } from '../harness/ports.ts';

const thisFile = fileURLToPath(import.meta.url);
const repositoryRoot = join(dirname(thisFile), '..', '..');
export const SAMPLE_BUNDLE = join(repositoryRoot, 'samples', 'models', 'telco-churn');

export interface ScorerProcessOptions {
  /** model.name, which the ChurnModel name must match for the analysis to find the series. */
  modelName: string;
  /** model.version, the `model_version` label of every series. */
  version: string;
  /** Bundle folder or URI; a folder that does not exist makes every prediction return 503. */
  modelUri: string;
}

export interface ScorerProcess {
  url: string;
  /** host:port, a Prometheus scrape target. */
  address: string;
  logs(): Promise<string>;
  stop(): Promise<void>;
}

export async function startScorerProcess(options: ScorerProcessOptions): Promise<ScorerProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'engagetrack-scorer-'));
  const configPath = join(dir, 'scorer.yaml');
  const logPath = join(dir, 'scorer.log');
  const port = await allocateFreePort();
  await writeFile(configPath, scorerConfig(options, port));

  const child = spawn(process.execPath, [thisFile, configPath], {
    cwd: repositoryRoot,
    env: { ...process.env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk));
  const logs = async () => {
    await writeFile(logPath, Buffer.concat(output));
    return readFile(logPath, 'utf8');
  };

  const url = `http://127.0.0.1:${port}`;
  await waitForLiveness(url, child, logs);
  return {
    url,
    address: `127.0.0.1:${port}`,
    logs,
    stop: async () => {
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function scorerConfig(options: ScorerProcessOptions, port: number): string {
  return dump({
    server: { port, trustedProxyHops: 0, shutdownGracePeriodSeconds: 2 },
    rateLimit: { enabled: false },
    model: { name: options.modelName, uri: options.modelUri, version: options.version, loadTimeoutSeconds: 60 },
  });
}

async function waitForLiveness(url: string, child: ChildProcess, logs: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`The scorer exited with code ${child.exitCode}; its log:\n${await logs()}`);
    }
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stopChild(child);
  throw new Error(`The scorer at ${url} did not respond to /healthz within 60 s; its log:\n${await logs()}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Reads the example instance of the sample bundle, a valid prediction input. */
export async function sampleInstance(): Promise<Record<string, unknown>> {
  const metadata = JSON.parse(await readFile(join(SAMPLE_BUNDLE, 'metadata.json'), 'utf8')) as {
    exampleInstance: Record<string, unknown>;
  };
  return metadata.exampleInstance;
}

/**
 * Sends one prediction request every `intervalMs` to each scorer until stopped, at most
 * `maxRequests` in all. Returns the stop function and the status codes seen.
 */
export function sendTraffic(
  scorers: { url: string; modelName: string }[],
  instance: Record<string, unknown>,
  options: { intervalMs: number; maxRequests: number },
): { stop: () => Promise<void>; statuses: Map<number, number> } {
  const statuses = new Map<number, number>();
  let sent = 0;
  let stopped = false;

  const loop = async () => {
    while (!stopped && sent < options.maxRequests) {
      await Promise.all(
        scorers.map(async (scorer) => {
          sent += 1;
          const status = await fetch(`${scorer.url}/v1/models/${scorer.modelName}:predict`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ instances: [instance] }),
            signal: AbortSignal.timeout(5_000),
          }).then(
            (response) => response.status,
            () => 0,
          );
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
    }
  };
  const running = loop();

  return {
    statuses,
    stop: async () => {
      stopped = true;
      await running;
    },
  };
}

async function runAsProgram(configPath: string): Promise<void> {
  const { loadConfig } = await import('../../scorer/src/config.ts');
  const { startScorer } = await import('../../scorer/src/server.ts');
  const config = await loadConfig(configPath);
  const handle = await startScorer({ config, host: '127.0.0.1' });
  const stop = () => void handle.shutdown(0).then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.argv[1] === thisFile) {
  const configPath = process.argv[2];
  if (configPath === undefined) {
    console.error('Usage: node test/integration/rollout-scorer.ts CONFIG');
    process.exit(2);
  }
  runAsProgram(configPath).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
