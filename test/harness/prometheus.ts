// Runs a real Prometheus server (the Debian package `prometheus`) on 127.0.0.1 for tests
// that need scraped metrics: static scrape targets, a 1 s scrape interval, and a TSDB in
// a temporary folder that is removed on stop.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { dump } from 'js-yaml';

import { killOnExit } from './process-record.ts';
import { signalProcessGroup, startComponent, stopComponent, waitUntilReady } from './component.ts';
import type { ComponentProcess } from './component.ts';
import { allocateFreePort } from './ports.ts';

/** The Debian package that provides /usr/bin/prometheus. */
export const PROMETHEUS_PACKAGE = 'prometheus';

export interface ScrapeTarget {
  /** host:port of a /metrics endpoint on 127.0.0.1. */
  address: string;
  /** Extra labels on every series of the target, such as { namespace: 'ml' }. */
  labels?: Record<string, string>;
}

export interface PrometheusOptions {
  targets: ScrapeTarget[];
  /** Scrape and rule evaluation interval, in seconds (default 1). */
  scrapeIntervalSeconds?: number;
}

export interface PrometheusServer {
  /** Base URL of the HTTP API, such as http://127.0.0.1:41234. */
  url: string;
  logPath: string;
  /** Runs an instant query and returns `data.result`. */
  query(promql: string): Promise<unknown[]>;
  /** Waits until every target was scraped successfully at least once. */
  waitForTargetsUp(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Returns the path of the prometheus binary, installing the Debian package first when it
 * is missing. Installing needs root and a reachable Debian mirror. The package's service
 * is never started, because the tests run the binary themselves.
 */
export function ensurePrometheusInstalled(): string {
  const found = commandPath('prometheus');
  if (found !== undefined) {
    return found;
  }
  if (process.getuid?.() !== 0) {
    throw new Error(`prometheus is not installed: run "apt-get update && apt-get install -y ${PROMETHEUS_PACKAGE}" as root`);
  }

  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', PROMETHEUS_PACKAGE]]) {
    const result = spawnSync('apt-get', args, { env, encoding: 'utf8', timeout: 600_000 });
    if (result.status !== 0) {
      throw new Error(`apt-get ${args.join(' ')} failed with exit code ${result.status}: ${result.stderr.slice(-2000)}`);
    }
  }

  const installed = commandPath('prometheus');
  if (installed === undefined) {
    throw new Error(`apt-get installed ${PROMETHEUS_PACKAGE}, but no prometheus binary is on PATH`);
  }
  return installed;
}

export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusServer> {
  const binary = ensurePrometheusInstalled();
  const dir = await mkdtemp(join(tmpdir(), 'engagetrack-prometheus-'));
  const configPath = join(dir, 'prometheus.yml');
  await writeFile(configPath, renderPrometheusConfig(options));

  const port = await allocateFreePort();
  const url = `http://127.0.0.1:${port}`;
  const component = startComponent({
    name: 'prometheus',
    binary,
    args: [
      `--config.file=${configPath}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
      '--log.level=warn',
    ],
    logPath: join(dir, 'prometheus.log'),
  });
  // A test run that is interrupted must not leave Prometheus running.
  const removeExitHook = killOnExit(() => signalProcessGroup(component.pid, 'SIGKILL'));

  try {
    await waitUntilReady(component, async () => (await fetch(`${url}/-/ready`)).ok, { timeoutMs: 30_000 });
  } catch (error) {
    removeExitHook();
    await stopComponent(component);
    throw error;
  }

  return {
    url,
    logPath: component.logPath,
    query: (promql) => instantQuery(url, promql),
    waitForTargetsUp: (timeoutMs = 30_000) => waitForTargetsUp(component, url, options.targets.length, timeoutMs),
    stop: async () => {
      removeExitHook();
      await stopComponent(component);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Renders prometheus.yml with one job whose static targets carry their own labels. */
export function renderPrometheusConfig(options: PrometheusOptions): string {
  const interval = `${options.scrapeIntervalSeconds ?? 1}s`;
  return dump({
    global: { scrape_interval: interval, evaluation_interval: interval },
    scrape_configs: [
      {
        job_name: 'scorers',
        // The timeout may not exceed the interval.
        scrape_timeout: interval,
        static_configs: options.targets.map((target) => ({
          targets: [target.address],
          ...(target.labels === undefined ? {} : { labels: target.labels }),
        })),
      },
    ],
  });
}

async function instantQuery(url: string, promql: string): Promise<unknown[]> {
  const response = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: promql })}`);
  const body = (await response.json()) as { status: string; error?: string; data?: { result: unknown[] } };
  if (body.status !== 'success') {
    throw new Error(`Prometheus rejected the query ${promql}: ${body.error}`);
  }
  return body.data?.result ?? [];
}

async function waitForTargetsUp(component: ComponentProcess, url: string, expected: number, timeoutMs: number): Promise<void> {
  await waitUntilReady(
    component,
    async () => {
      const response = await fetch(`${url}/api/v1/targets?state=active`);
      const body = (await response.json()) as { data: { activeTargets: { health: string }[] } };
      const up = body.data.activeTargets.filter((target) => target.health === 'up').length;
      return up >= expected;
    },
    { timeoutMs, intervalMs: 250, what: `not all ${expected} scrape targets were up` },
  );
}

function commandPath(command: string): string | undefined {
  const result = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  const path = result.stdout.trim();
  return result.status === 0 && path !== '' ? path : undefined;
}
