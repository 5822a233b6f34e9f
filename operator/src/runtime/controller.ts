// A controller: a work queue of object keys and a pool of workers that hand each key to
// a reconciler. Errors are retried with per-key backoff, except TerminalError, which
// waits for the next change of the object.
import { randomUUID } from 'node:crypto';

import type { Logger } from 'pino';

import { TerminalError, errorLogFields, isTerminalApiError } from './errors.ts';
import type { OperatorMetrics } from './metrics.ts';
import type { RateLimiterOptions } from './rate-limiter.ts';
import { WorkQueue } from './workqueue.ts';

export interface ReconcileRequest {
  namespace: string;
  name: string;
}

export interface ReconcileResult {
  /** Reconcile again after this many milliseconds even if nothing changes (a timed check). */
  requeueAfterMs?: number;
}

export interface ReconcileContext {
  /** Bound to controller, kind, namespace, name and reconcileID. */
  logger: Logger;
  reconcileID: string;
}

export interface Reconciler {
  reconcile(request: ReconcileRequest, context: ReconcileContext): Promise<ReconcileResult | void>;
}

export interface ControllerOptions {
  /** Short controller name used in logs and metric labels, for example churnmodel. */
  name: string;
  kind: string;
  reconciler: Reconciler;
  workers: number;
  logger: Logger;
  metrics: OperatorMetrics;
  backoff?: RateLimiterOptions;
}

export function keyOf(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export function parseKey(key: string): ReconcileRequest {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  readonly #options: ControllerOptions;
  readonly #logger: Logger;
  #workers: Promise<void>[] = [];

  constructor(options: ControllerOptions) {
    this.name = options.name;
    this.#options = options;
    this.#logger = options.logger.child({ controller: options.name, kind: options.kind });
    this.queue = new WorkQueue(options.backoff);
    options.metrics.trackQueueDepth(options.name, () => this.queue.length);
  }

  enqueue(namespace: string, name: string): void {
    this.queue.add(keyOf(namespace, name));
  }

  /** Starts the workers; they run until `shutDown`. */
  start(): void {
    this.#logger.info({ workers: this.#options.workers }, 'Starting workers');
    for (let index = 0; index < this.#options.workers; index += 1) {
      this.#workers.push(this.#runWorker());
    }
  }

  /** Stops taking keys and waits for the reconciles in flight to finish. */
  async shutDown(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.#workers);
    this.#workers = [];
  }

  async #runWorker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.processKey(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  /** Runs one reconcile of `key` and decides when it runs next. Exposed for tests. */
  async processKey(key: string): Promise<void> {
    const { metrics, reconciler, name } = this.#options;
    const request = parseKey(key);
    const reconcileID = randomUUID();
    const logger = this.#logger.child({ namespace: request.namespace, name: request.name, reconcileID });
    const stopTimer = metrics.reconcileDuration.startTimer({ controller: name });

    try {
      logger.debug('Reconciling');
      const result = await reconciler.reconcile(request, { logger, reconcileID });
      this.queue.forget(key);
      if (result?.requeueAfterMs !== undefined) {
        this.queue.addAfter(key, result.requeueAfterMs);
        metrics.reconcileTotal.inc({ controller: name, result: 'requeue' });
      } else {
        metrics.reconcileTotal.inc({ controller: name, result: 'success' });
      }
      logger.debug('Reconcile succeeded');
    } catch (err) {
      this.#handleError(key, err, logger);
    } finally {
      stopTimer();
    }
  }

  #handleError(key: string, err: unknown, logger: Logger): void {
    const { metrics, name } = this.#options;
    metrics.reconcileTotal.inc({ controller: name, result: 'error' });
    metrics.reconcileErrors.inc({ controller: name });

    if (err instanceof TerminalError || isTerminalApiError(err)) {
      this.queue.forget(key);
      logger.error({ ...errorLogFields(err), retry: false }, 'Reconciler error, waiting for the object to change');
      return;
    }
    const retries = this.queue.numRequeues(key);
    this.queue.addRateLimited(key);
    logger.error({ ...errorLogFields(err), retry: true, retries }, 'Reconciler error, retrying with backoff');
  }
}
