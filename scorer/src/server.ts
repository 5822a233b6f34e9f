/**
 * `scorer serve`: loads the configuration, starts the HTTP server at once (liveness works
 * while the model loads), loads the bundle in the background, and shuts down gracefully.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { loadConfig, type ScorerConfig } from './config.ts';
import { ConfigError, StartupError } from './errors.ts';
import { readAuditKey } from './experiments/audit-key.ts';
import { exampleCurls } from './example-curl.ts';
import { createApp } from './http/app.ts';
import { loadApiKeyDigests } from './http/auth.ts';
import { createExpressServer } from './http/express-server.ts';
import { countPredictions, createScorerMetrics, type ScorerMetrics } from './http/metrics.ts';
import { createLogger, flushLogs } from './logger.ts';
import { initBackend, type BackendName } from './model/backend.ts';
import { loadBundle } from './model/bundle-loader.ts';
import { openBundleSource } from './model/bundle-source.ts';
import { ModelService } from './model/model-service.ts';
import { parseModelUri } from './model/uri.ts';

export const SERVE_USAGE = `Usage: scorer serve --config FILE [--model-uri URI] [--host ADDRESS]

  --config      scorer configuration file (YAML)
  --model-uri   bundle location overriding model.uri (https://, file:// or a path)
  --host        address to listen on, overriding server.host (default 0.0.0.0, all IPv4 interfaces)
  The PORT environment variable overrides server.port.`;

/**
 * Micro-batching of small requests: a batch is flushed at 64 rows, or once the current
 * I/O phase has read every request that arrived with it (maxDelayMs 0 uses setImmediate).
 * A fixed 1 ms timer instead leaves the event loop idle while every client waits.
 */
const MICRO_BATCH = { maxRows: 64, maxDelayMs: 0 };

/** Maximum time the server keeps accepting requests after SIGTERM while /readyz already fails. */
const MAX_DRAIN_DELAY_MS = 5000;

export interface StartOptions {
  config: ScorerConfig;
  /** Listen address overriding `config.server.host`. */
  host?: string;
  logger?: Logger;
  /** Extra trusted CA certificates (PEM) for HTTPS model loading, for tests. */
  modelCa?: string;
}

export interface ScorerHandle {
  url: string;
  app: Express;
  server: Server;
  service: ModelService;
  metrics: ScorerMetrics;
  backend: BackendName;
  /** Settles when the model is loaded or has failed to load. */
  modelLoaded: Promise<void>;
  /** Turns readiness off, waits out the drain delay, then closes the server after in-flight requests. */
  shutdown(drainDelayMs?: number): Promise<void>;
}

export async function startScorer(options: StartOptions): Promise<ScorerHandle> {
  const { config } = options;
  const logger = options.logger ?? createLogger();
  const backend = await initBackend();
  logger.info({ backend }, 'TensorFlow.js backend selected');

  const metrics = createScorerMetrics(config.model.name, config.model.version ?? 'unknown');
  metrics.modelInfo.set({ backend }, 1);

  const service = new ModelService({
    modelName: config.model.name,
    configuredVersion: config.model.version,
    unknownCategory: config.model.unknownCategory,
    riskBands: config.riskBands,
    batcher: MICRO_BATCH,
    onPredictions: (counts) => countPredictions(metrics, counts),
  });

  const apiKeyDigests = config.auth.apiKeysFile === undefined ? undefined : await loadApiKeyDigests(config.auth.apiKeysFile);
  const auditKey = await readAuditKey(config.auth.auditKeyFile, config.experiment !== undefined, logger);
  const app = createApp({ config, service, metrics, logger, apiKeyDigests, auditKey });

  const host = options.host ?? config.server.host;
  const server = await listen(app, config.server.port, host);
  const { port } = server.address() as AddressInfo;
  const url = `http://${urlHost(host)}:${port}`;
  logger.info({ url, model: config.model.name, authentication: apiKeyDigests !== undefined }, 'scorer listening');

  const modelLoaded = loadModel(config, service, metrics, logger, options.modelCa);

  const shutdown = async (drainDelayMs = Math.min(MAX_DRAIN_DELAY_MS, (config.server.shutdownGracePeriodSeconds * 1000) / 4)) => {
    service.markStopping();
    logger.info({ drainDelayMs }, 'shutting down: readiness off, draining');
    await new Promise((resolve) => setTimeout(resolve, drainDelayMs));
    await new Promise<void>((resolve) => {
      // Keep-alive connections become idle only after their in-flight response, so they
      // are closed repeatedly until the server reports every connection gone.
      const closeIdle = setInterval(() => server.closeIdleConnections(), 100);
      server.close(() => {
        clearInterval(closeIdle);
        resolve();
      });
      server.closeIdleConnections();
    });
    service.dispose();
    logger.info('scorer stopped');
  };

  return { url, app, server, service, metrics, backend, modelLoaded, shutdown };
}

async function loadModel(config: ScorerConfig, service: ModelService, metrics: ScorerMetrics, logger: Logger, ca: string | undefined): Promise<void> {
  const started = performance.now();
  try {
    const location = parseModelUri(config.model.uri);
    const source = await openBundleSource(location, {
      allowLoopback: config.model.allowLoopback,
      timeoutMs: config.model.loadTimeoutSeconds * 1000,
      ca,
    });
    try {
      const bundle = await loadBundle(source, config.model.sha256);
      service.activate(bundle);
    } finally {
      await source.close();
    }

    if (config.model.version === undefined) {
      metrics.registry.setDefaultLabels({ model: config.model.name, model_version: service.modelVersion });
    }
    const bundle = service.bundle;
    logger.info(
      {
        version: service.modelVersion,
        sha256: bundle?.digest,
        inputs: bundle?.spec.inputSize,
        inference: service.inference?.path,
        durationMs: Math.round(performance.now() - started),
      },
      'model loaded and warm',
    );
  } catch (error) {
    const reason = error instanceof ConfigError ? `model bundle rejected: ${error.message}` : `model load failed: ${(error as Error).message}`;
    service.markFailed(reason);
    // A rejected bundle is a mistake in the configuration or the bundle, and its message
    // names what to fix, so a stack trace would only repeat it.
    const fields = error instanceof ConfigError ? { error: error.message, field: error.field } : { err: error };
    logger.error({ ...fields, uri: config.model.uri }, 'model load failed; the scorer stays not ready');
  }
}

function listen(app: Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => reject(listenError(error, port, host));
    const server = createExpressServer(app);
    server.once('error', fail);
    server.listen(port, host, () => resolve(server));
  });
}

/** Turns the socket errors a user can fix into a StartupError whose message states what to change. */
function listenError(error: Error, port: number, host: string): Error {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'EADDRINUSE':
      return new StartupError(`port ${port} is already in use on ${host}; set PORT or server.port to a free port, or stop the other process`, { cause: error });
    case 'EACCES':
      return new StartupError(`permission denied to listen on port ${port}; ports below 1024 need privileges, so set PORT or server.port to 1024 or higher`, {
        cause: error,
      });
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new StartupError(`cannot listen on ${host}: the address is not one of this machine's; set --host or server.host to a local address such as 127.0.0.1`, {
        cause: error,
      });
    default:
      return error;
  }
}

/** Formats the host part of the printed URL, with localhost for the wildcard addresses and brackets around IPv6. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') {
    return 'localhost';
  }
  return host.includes(':') ? `[${host}]` : host;
}

export async function runServe(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: { config: { type: 'string' }, 'model-uri': { type: 'string' }, host: { type: 'string' } },
  });
  if (values.config === undefined) {
    throw new ConfigError(`Missing required option --config.\n\n${SERVE_USAGE}`, 'config');
  }

  const config = await loadConfig(values.config);
  if (values['model-uri'] !== undefined) {
    config.model.uri = values['model-uri'];
  }
  config.server.port = portFromEnvironment(config.server.port);

  const logger = createLogger();
  const handle = await startScorer({ config, logger, ...(values.host === undefined ? {} : { host: values.host }) });
  installSignalHandlers(handle, config, logger);

  console.error(`EngageTrack scorer listening on ${handle.url}`);
  await handle.modelLoaded;
  const example = handle.service.bundle?.metadata.exampleInstance;
  if (handle.service.readiness().ready && example !== undefined) {
    console.error(`Try it:\n${exampleCurls(handle.url, config, example).join('\n\n')}`);
  }
}

function portFromEnvironment(configured: number): number {
  const text = process.env['PORT'];
  if (text === undefined || text === '') {
    return configured;
  }
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`Invalid PORT environment variable ${JSON.stringify(text)}; expected an integer from 0 to 65535.`, 'PORT');
  }
  return port;
}

function installSignalHandlers(handle: ScorerHandle, config: ScorerConfig, logger: Logger): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      return;
    }
    stopping = true;
    logger.info({ signal }, 'signal received');

    const graceMs = config.server.shutdownGracePeriodSeconds * 1000;
    const exit = (code: number) => {
      flushLogs();
      process.exit(code);
    };
    setTimeout(() => {
      logger.error({ graceMs }, 'shutdown grace period ended with requests still in flight; exiting');
      exit(1);
    }, graceMs).unref();

    handle.shutdown().then(
      () => exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

