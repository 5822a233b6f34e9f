import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SAMPLE_BUNDLE, TELCO_ROW } from './testing/scorer-fixture.ts';

let child: ChildProcess | undefined;

afterEach(() => {
  if (child?.exitCode === null) {
    child.kill('SIGKILL');
  }
});

interface ScorerChild {
  url: string;
  stderr: () => string;
  /** JSON log lines written to stdout so far. */
  logLines: () => Record<string, unknown>[];
  exited: Promise<number | null>;
}

async function startChild(graceSeconds: number): Promise<ScorerChild> {
  const directory = await mkdtemp(join(tmpdir(), 'scorer-child-'));
  const configFile = join(directory, 'scorer.yaml');
  await writeFile(
    configFile,
    [
      'server:',
      `  shutdownGracePeriodSeconds: ${graceSeconds}`,
      'rateLimit:',
      '  enabled: false',
      'model:',
      '  name: telco-churn',
      `  uri: ${SAMPLE_BUNDLE}`,
    ].join('\n'),
  );

  child = spawn(process.execPath, ['scorer/src/cli.ts', 'serve', '--config', configFile, '--host', '127.0.0.1'], {
    env: { ...process.env, PORT: '0', SCORER_TF_BACKEND: 'wasm' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child!.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match !== null && stderr.includes('Try it:')) {
        resolve(match[1]!);
      }
    });
    void exited.then(() => reject(new Error(`scorer exited early: ${stderr}`)));
  });
  const logLines = () =>
    stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { url, stderr: () => stderr, logLines, exited };
}

/** Sends the first bytes of a predict request and never the rest, so it stays in flight. */
function sendHalfRequest(url: string): void {
  const body = JSON.stringify({ instances: [TELCO_ROW] });
  const req = request(`${url}/v1/models/telco-churn:predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
  });
  // The connection breaks when the scorer exits.
  req.on('error', () => {});
  req.write(body.slice(0, 20));
}

describe('graceful shutdown', () => {
  it('fails readiness, finishes in-flight requests, then exits', async () => {
    const scorer = await startChild(4);
    const body = JSON.stringify({ instances: [TELCO_ROW] });

    // A request whose body is only half sent is in flight when SIGTERM arrives.
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${scorer.url}/v1/models/telco-churn:predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.write(body.slice(0, 20));
      setTimeout(() => {
        req.end(body.slice(20));
      }, 1800);
    });
    await new Promise((resolve) => setTimeout(resolve, 100));

    const signalled = Date.now();
    child!.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const ready = await fetch(`${scorer.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'not ready', reason: 'the scorer is shutting down' });

    const finished = await response;
    expect(finished.status).toBe(200);
    expect(finished.body).toMatch(/^\{"predictions":\[\{"churnProbability":0\.\d+,"riskBand":"(low|medium|high)"\}\]\}$/);

    expect(await scorer.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(4000);
  }, 30_000);

  it('writes every log line before a graceful exit', async () => {
    const scorer = await startChild(4);
    const response = await fetch(`${scorer.url}/v1/models/telco-churn:predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances: [TELCO_ROW] }),
    });
    expect(response.status).toBe(200);

    child!.kill('SIGTERM');
    expect(await scorer.exited).toBe(0);

    // The last line is logged immediately before the exit, so only the flush on exit writes it.
    const lines = scorer.logLines();
    expect(lines.at(-1)).toMatchObject({ level: 30, msg: 'scorer stopped' });
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'request completed', route: '/v1/models/:name:predict' }));
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'signal received', signal: 'SIGTERM' }));
  }, 30_000);

  it('writes every log line before a forced exit', async () => {
    const scorer = await startChild(1);
    sendHalfRequest(scorer.url);
    await new Promise((resolve) => setTimeout(resolve, 100));

    child!.kill('SIGTERM');
    expect(await scorer.exited).toBe(1);

    expect(scorer.logLines().at(-1)).toMatchObject({ level: 50, msg: 'shutdown grace period ended with requests still in flight; exiting' });
  }, 30_000);

  it('keeps running and not ready when the bundle is missing', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'scorer-empty-'));
    const configFile = join(directory, 'scorer.yaml');
    await writeFile(configFile, `model:\n  name: telco-churn\n  uri: ${directory}\n`);
    child = spawn(process.execPath, ['scorer/src/cli.ts', 'serve', '--config', configFile, '--host', '127.0.0.1'], {
      env: { ...process.env, PORT: '0', SCORER_TF_BACKEND: 'wasm' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    while (!stdout.includes('model load failed')) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const url = /listening on (http:\/\/\S+)/.exec(stderr)![1]!;
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { reason: string }).reason).toBe(`model bundle rejected: model.json: missing from the model bundle at ${directory}.`);
    expect(child.exitCode).toBeNull();
  }, 30_000);
});
