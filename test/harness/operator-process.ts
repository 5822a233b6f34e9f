// Runs the operator (operator/src/main.ts) as a child process against a test cluster,
// and a counting HTTP proxy in front of the API server, so tests can check how many
// requests, and which writes, the operator sends.
//
// The operator runs as its ServiceAccount by default: config/rbac is applied to the
// cluster and every request impersonates the ServiceAccount, so a request the RBAC does
// not grant fails the test with 403 as it would in a real cluster.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { KubeConfig } from '@kubernetes/client-node';

import { applyOperatorRbac, writeOperatorKubeconfig } from './impersonation.ts';
import { allocateFreePort } from './ports.ts';

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const operatorEntryPoint = join(repositoryRoot, 'operator', 'src', 'main.ts');

export interface OperatorProcessOptions {
  /** An administrator's kubeconfig, or that of a counting proxy in front of the API server. */
  kubeconfigPath: string;
  /**
   * Identity of the operator's requests. `service-account` (the default) applies
   * config/rbac with `kubeconfigPath` and impersonates the operator's ServiceAccount.
   * `kubeconfig-user` sends the requests as the kubeconfig's own user.
   */
  identity?: 'service-account' | 'kubeconfig-user';
  /** The script Node runs; operator/src/main.ts by default (the benchmark passes the compiled dist/operator/src/main.js). */
  entryPoint?: string;
  /** Watch only this namespace. */
  namespace?: string;
  workers?: number;
  extraArgs?: string[];
  /** Flags for Node itself, placed before the script, such as V8 flags that NODE_OPTIONS does not accept. */
  nodeArgs?: string[];
  env?: Record<string, string>;
  /** Wait for /readyz before resolving (default true). */
  waitUntilReady?: boolean;
}

export interface OperatorProcess {
  child: ChildProcess;
  healthPort: number;
  /** File with the operator's JSON log lines. */
  logFile: string;
  /** Returns the Prometheus text of /metrics. */
  metrics(): Promise<string>;
  /** Sends SIGTERM and waits for the exit; SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<number | null>;
  /** Sends SIGKILL, as a crash would. */
  kill(): Promise<void>;
  logs(): Promise<string>;
}

export async function startOperator(options: OperatorProcessOptions): Promise<OperatorProcess> {
  const healthPort = await allocateFreePort();
  const logDir = await mkdtemp(join(tmpdir(), 'engagetrack-operator-'));
  const logFile = join(logDir, 'operator.log');
  const kubeconfigPath =
    (options.identity ?? 'service-account') === 'service-account' ? await serviceAccountKubeconfig(options.kubeconfigPath) : options.kubeconfigPath;
  const args = [
    ...(options.nodeArgs ?? []),
    options.entryPoint ?? operatorEntryPoint,
    '--kubeconfig',
    kubeconfigPath,
    '--health-port',
    String(healthPort),
    // Tests reach the health server on the loopback address only, so it listens on nothing else.
    '--health-bind-address',
    '127.0.0.1',
  ];
  if (options.namespace) args.push('--namespace', options.namespace);
  if (options.workers) args.push('--workers', String(options.workers));
  args.push(...(options.extraArgs ?? []));

  const child = spawn(process.execPath, args, {
    cwd: repositoryRoot,
    env: { ...process.env, LOG_LEVEL: 'debug', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logFile);
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const operator: OperatorProcess = {
    child,
    healthPort,
    logFile,
    metrics: async () => (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text(),
    logs: () => readFile(logFile, 'utf8'),
    stop: async (graceMs = 15_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };

  if (options.waitUntilReady ?? true) await waitForReady(operator, exited);
  return operator;
}

/** Installs the operator's RBAC with the credentials of `kubeconfigPath` and returns a kubeconfig that impersonates its ServiceAccount. */
async function serviceAccountKubeconfig(kubeconfigPath: string): Promise<string> {
  const admin = new KubeConfig();
  admin.loadFromFile(kubeconfigPath);
  await applyOperatorRbac(admin);
  return writeOperatorKubeconfig(admin);
}

async function waitForReady(operator: OperatorProcess, exited: Promise<number | null>): Promise<void> {
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (hasExited) throw new Error(`The operator exited before it was ready; the end of its log:\n${await logTail(operator)}`);
    try {
      const response = await fetch(`http://127.0.0.1:${operator.healthPort}/readyz`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await operator.kill();
  throw new Error(`The operator was not ready within 60 s; the end of its log:\n${await logTail(operator)}`);
}

async function logTail(operator: OperatorProcess, lines = 20): Promise<string> {
  return (await operator.logs()).trimEnd().split('\n').slice(-lines).map((line) => line.slice(0, 500)).join('\n');
}

export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
}

export interface CountingProxy {
  /** A kubeconfig that points clients at the proxy (plain HTTP on 127.0.0.1, no credentials). */
  kubeconfigPath: string;
  requests: RecordedRequest[];
  /** Requests that change state: every method except GET, HEAD and OPTIONS. */
  writes(): RecordedRequest[];
  reset(): void;
  stop(): Promise<void>;
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Starts an HTTP proxy on 127.0.0.1 that forwards every request to the API server of
 * `kubeconfigPath` with that kubeconfig's credentials, and records method, path and status.
 */
export async function startCountingProxy(kubeconfigPath: string): Promise<CountingProxy> {
  const upstream = new KubeConfig();
  upstream.loadFromFile(kubeconfigPath);
  const cluster = upstream.getCurrentCluster();
  if (!cluster) throw new Error(`The kubeconfig ${kubeconfigPath} has no current cluster`);
  const target = new URL(cluster.server);
  const tls: Record<string, unknown> = {};
  await upstream.applyToHTTPSOptions(tls);

  const requests: RecordedRequest[] = [];
  // Keep-alive, so the proxy adds no TLS handshake per request to what it measures.
  const agent = new HttpsAgent({ ...tls, keepAlive: true, maxSockets: 64 });
  const server = createServer((incoming, outgoing) => forward(incoming, outgoing, target, { ...tls, agent }, requests));
  // Watches stay open for minutes; the proxy must not time them out.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const dir = await mkdtemp(join(tmpdir(), 'engagetrack-proxy-'));
  const proxyKubeconfig = join(dir, 'kubeconfig');
  await writeFile(proxyKubeconfig, proxyKubeconfigYaml(port));

  return {
    kubeconfigPath: proxyKubeconfig,
    requests,
    writes: () => requests.filter((request) => !READ_METHODS.has(request.method)),
    reset: () => void requests.splice(0),
    stop: async () => {
      await closeServer(server);
      agent.destroy();
    },
  };
}

function forward(
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  target: URL,
  tls: Record<string, unknown>,
  requests: RecordedRequest[],
): void {
  const record: RecordedRequest = { method: incoming.method ?? 'GET', path: incoming.url ?? '/', status: 0 };
  requests.push(record);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const headers = { ...incoming.headers, host: target.host };
  const upstream = send(
    { ...tls, protocol: target.protocol, hostname: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers },
    (response) => {
      record.status = response.statusCode ?? 0;
      outgoing.writeHead(response.statusCode ?? 502, response.headers);
      response.pipe(outgoing);
    },
  );
  upstream.on('error', (err) => {
    record.status = 502;
    if (!outgoing.headersSent) outgoing.writeHead(502, { 'content-type': 'text/plain' });
    outgoing.end(`proxy: ${err.message}`);
  });
  outgoing.on('close', () => upstream.destroy());
  incoming.pipe(upstream);
}

function proxyKubeconfigYaml(port: number): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: proxy',
    '  cluster:',
    `    server: http://127.0.0.1:${port}`,
    // client-node refuses plain HTTP unless TLS verification is off; there is no TLS to verify.
    '    insecure-skip-tls-verify: true',
    'users:',
    '- name: proxy',
    '  user: {}',
    'contexts:',
    '- name: proxy',
    '  context:',
    '    cluster: proxy',
    '    user: proxy',
    'current-context: proxy',
    '',
  ].join('\n');
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
