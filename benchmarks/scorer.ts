/**
 * Scorer benchmark (`npm run bench:scorer`). Every figure comes from one run on this machine:
 *
 * - single-row predict through the full stack (validation, metrics, logging, rate limiter
 *   with a very high limit) beside a trivial Express endpoint returning a constant;
 * - the nudge endpoint of the sample experiment beside predict;
 * - in-process batch scoring of 10,000-row requests (validation, encoding and model);
 * - resident memory of the scorer process.
 *
 * Both servers run as child processes on 127.0.0.1 and autocannon runs here.
 * Options: --duration SECONDS per HTTP run (default 4), --rounds N of the three HTTP runs
 * (default 3), --connections N (default 50).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { dump as dumpYaml, load as parseYaml } from 'js-yaml';
import { initBackend } from '../scorer/src/model/backend.ts';
import { loadBundle } from '../scorer/src/model/bundle-loader.ts';
import { openBundleSource } from '../scorer/src/model/bundle-source.ts';
import { ModelService } from '../scorer/src/model/model-service.ts';
import { parseModelUri } from '../scorer/src/model/uri.ts';

const SAMPLE_CONFIG = 'samples/scorer/config.yaml';
const SAMPLE_BUNDLE = 'samples/models/telco-churn';
const BATCH_ROWS = 10_000;
/** USER_HZ of /proc/PID/stat; 100 on Linux for every common architecture. */
const CLOCK_TICKS_PER_SECOND = 100;

interface HttpResult {
  requestsPerSecond: number;
  /** Server CPU time (user + system) per completed request, in microseconds. */
  cpuMicrosPerRequest: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
  },
});
const duration = Number(values.duration);
const rounds = Number(values.rounds);
const connections = Number(values.connections);

const example = JSON.parse(readFileSync(join(SAMPLE_BUNDLE, 'metadata.json'), 'utf8')).exampleInstance as Record<string, unknown>;
const predictBody = JSON.stringify({ instances: [example] });
const nudgeBody = JSON.stringify({ customerId: '7590-VHVEG', features: example });

async function main(): Promise<void> {
  console.log(`Scorer benchmark: ${rounds} rounds of ${duration} s per endpoint, ${connections} connections, Node ${process.version}\n`);

  const configFile = await writeBenchConfig();
  const baseline = await startChild(['benchmarks/scorer-baseline-server.ts'], /listening on (\S+)/);
  const scorer = await startChild(['scorer/src/cli.ts', 'serve', '--config', configFile, '--host', '127.0.0.1'], /listening on (\S+)[\s\S]*Try it:/);

  const targets = {
    trivial: { url: `${baseline.url}/constant`, body: predictBody, pid: baseline.child.pid },
    predict: { url: `${scorer.url}/v1/models/telco-churn:predict`, body: predictBody, pid: scorer.child.pid },
    nudge: { url: `${scorer.url}/v1/experiments/retention-q1/nudge`, body: nudgeBody, pid: scorer.child.pid },
  };
  const runs: Record<keyof typeof targets, HttpResult[]> = { trivial: [], predict: [], nudge: [] };
  let scorerRss: number;
  try {
    for (const target of Object.values(targets)) {
      // A short warm-up lets V8 optimise the hot paths before the measured runs.
      await runAutocannon(target.url, target.body, Math.min(2, duration));
    }
    // Rounds alternate the endpoints, so that load from other processes on the machine
    // falls on all of them alike.
    for (let round = 0; round < rounds; round++) {
      for (const [name, target] of Object.entries(targets)) {
        runs[name as keyof typeof targets].push(await measure(target.url, target.body, target.pid));
      }
    }
    scorerRss = residentBytes(scorer.child.pid);
  } finally {
    baseline.child.kill('SIGKILL');
    scorer.child.kill('SIGKILL');
  }
  const trivial = combine(runs.trivial);
  const predict = combine(runs.predict);
  const nudge = combine(runs.nudge);

  const batch = await measureBatch();

  console.log('Single-row HTTP requests (means over the rounds)');
  printHttp('trivial Express endpoint', trivial);
  printHttp('POST /v1/models/:name:predict', predict);
  printHttp('POST /v1/experiments/:name/nudge', nudge);
  console.log('');
  console.log(`predict / trivial req/s     ${(predict.requestsPerSecond / trivial.requestsPerSecond).toFixed(2)}x   (target >= 0.90x)`);
  console.log(`predict p99 / trivial p99   ${(predict.p99Ms / trivial.p99Ms).toFixed(2)}x   (target <= 2.00x)`);
  console.log(`nudge / predict req/s       ${(nudge.requestsPerSecond / predict.requestsPerSecond).toFixed(2)}x   (target >= 0.95x)`);
  console.log(
    `server CPU per request       trivial ${trivial.cpuMicrosPerRequest.toFixed(0)} us, predict ${predict.cpuMicrosPerRequest.toFixed(0)} us, ` +
      `nudge ${nudge.cpuMicrosPerRequest.toFixed(0)} us (less sensitive to other load on the machine)`,
  );
  console.log('');
  console.log(`Batch scoring in process (${BATCH_ROWS.toLocaleString('en-US')}-row requests, backend ${batch.backend})`);
  console.log(`  ${Math.round(batch.rowsPerSecond).toLocaleString('en-US')} rows/s over 3 s   (target >= 2,000,000 rows/s)`);
  console.log(`  ${Math.round(batch.medianRowsPerSecond).toLocaleString('en-US')} rows/s at the median request time`);
  console.log('');
  console.log(`Resident memory: scorer process ${(scorerRss / 2 ** 20).toFixed(0)} MiB after its runs, ` +
    `benchmark process ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB after batch scoring`);
}

function runAutocannon(url: string, body: string, seconds: number): Promise<autocannon.Result> {
  return autocannon({ url, method: 'POST', body, headers: { 'content-type': 'application/json' }, connections, duration: seconds });
}

async function measure(url: string, body: string, pid: number | undefined): Promise<HttpResult> {
  const cpuBefore = cpuMicros(pid);
  const result = await runAutocannon(url, body, duration);
  const cpuUsed = cpuMicros(pid) - cpuBefore;
  return {
    requestsPerSecond: result.requests.average,
    cpuMicrosPerRequest: cpuUsed / Math.max(1, result.requests.total),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

/** Means of the rounds' figures. */
function combine(results: HttpResult[]): HttpResult {
  const mean = (pick: (result: HttpResult) => number) => results.reduce((sum, result) => sum + pick(result), 0) / results.length;
  return {
    requestsPerSecond: mean((result) => result.requestsPerSecond),
    cpuMicrosPerRequest: mean((result) => result.cpuMicrosPerRequest),
    p50Ms: mean((result) => result.p50Ms),
    p99Ms: mean((result) => result.p99Ms),
    errors: mean((result) => result.errors) * results.length,
    non2xx: mean((result) => result.non2xx) * results.length,
  };
}

async function measureBatch(): Promise<{ rowsPerSecond: number; medianRowsPerSecond: number; backend: string }> {
  const backend = await initBackend();
  const service = new ModelService({
    modelName: 'telco-churn',
    configuredVersion: undefined,
    unknownCategory: 'ignore',
    riskBands: { medium: 0.3, high: 0.6 },
    batcher: { maxRows: 64, maxDelayMs: 1 },
  });
  service.activate(await loadBundle(await openBundleSource(parseModelUri(SAMPLE_BUNDLE), { allowLoopback: false, timeoutMs: 5000 }), undefined));

  // Rows differ in the first numeric feature, so the batch is not one row repeated.
  const numericFeature = Object.keys(example).find((name) => typeof example[name] === 'number');
  const rows = Array.from({ length: BATCH_ROWS }, (_, i) => (numericFeature === undefined ? example : { ...example, [numericFeature]: i % 72 }));
  for (let i = 0; i < 5; i++) {
    await service.predict(rows);
  }

  const durations: number[] = [];
  let scored = 0;
  const started = performance.now();
  while (performance.now() - started < 3000) {
    const requestStarted = performance.now();
    scored += (await service.predict(rows)).length;
    durations.push(performance.now() - requestStarted);
  }
  const rowsPerSecond = scored / ((performance.now() - started) / 1000);
  durations.sort((a, b) => a - b);
  const medianMs = durations[Math.floor(durations.length / 2)] ?? Number.NaN;
  service.dispose();
  return { rowsPerSecond, medianRowsPerSecond: BATCH_ROWS / (medianMs / 1000), backend };
}

async function startChild(args: string[], readyPattern: RegExp): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info' },
    // The scorer's JSON log lines go to /dev/null; they are still formatted and written.
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = readyPattern.exec(stderr);
      if (match !== null) {
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}: ${stderr}`)));
  });
  return { url, child };
}

async function writeBenchConfig(): Promise<string> {
  const config = parseYaml(readFileSync(SAMPLE_CONFIG, 'utf8')) as Record<string, Record<string, unknown>>;
  // Everything stays on; the limit is only high enough not to reject benchmark traffic.
  config['rateLimit'] = { enabled: true, limit: 1_000_000_000, windowSeconds: 1 };
  const path = join(await mkdtemp(join(tmpdir(), 'scorer-bench-')), 'scorer.yaml');
  await writeFile(path, dumpYaml(config));
  return path;
}

/** User plus system CPU time of the process from /proc, in microseconds (Linux only). */
function cpuMicros(pid: number | undefined): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // Fields 14 and 15 of /proc/PID/stat, counted from the state field at index 0 here.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks / CLOCK_TICKS_PER_SECOND) * 1e6;
}

function residentBytes(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kib * 1024;
}

function printHttp(name: string, result: HttpResult): void {
  const failures = result.errors + result.non2xx > 0 ? `  (errors ${result.errors}, non-2xx ${result.non2xx})` : '';
  console.log(
    `  ${name.padEnd(34)} ${Math.round(result.requestsPerSecond).toString().padStart(7)} req/s   ` +
      `p50 ${result.p50Ms.toFixed(1).padStart(5)} ms   p99 ${result.p99Ms.toFixed(1).padStart(5)} ms${failures}`,
  );
}

await main();
