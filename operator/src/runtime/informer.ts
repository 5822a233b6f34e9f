// A list-watch informer. It lists, then watches from the list's resourceVersion, keeps an
// in-memory store and notifies handlers of every change. It relists after 410 Gone and
// restarts the watch with backoff after any other failure or a closed stream, so it
// never stops until `stop` is called.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';

import { ApiError, errorLogFields, isNotFound } from './errors.ts';
import type { ObjectList, WatchEventType, WatchHandle } from './kube-client.ts';
import { Store } from './store.ts';

/** Data source of an informer: the KubeClient in production, a fake in unit tests. */
export interface ListWatchSource<T> {
  list(): Promise<ObjectList<T>>;
  watch(
    resourceVersion: string,
    onEvent: (type: WatchEventType, object: unknown) => void,
    onDone: (err: unknown) => void,
  ): Promise<WatchHandle>;
}

export interface EventHandler<T> {
  onAdd?(object: T): void;
  onUpdate?(oldObject: T, newObject: T): void;
  onDelete?(object: T): void;
}

export interface InformerOptions {
  logger: Logger;
  /** First delay before a restart, doubled after each failure in a row. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Injectable for tests with fake timers. */
  sleep?: (ms: number) => Promise<void>;
  /** Name of the CustomResourceDefinition of a custom type, such as churnmodels.engagetrack.io, named when a list returns 404. */
  customResourceDefinition?: string;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Informer<T extends KubernetesObject> {
  readonly store = new Store<T>();
  readonly #source: ListWatchSource<T>;
  readonly #handlers: EventHandler<T>[] = [];
  readonly #logger: Logger;
  readonly #initialBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #customResourceDefinition: string | undefined;
  #resourceVersion = '';
  #synced = false;
  #stopped = true;
  #failures = 0;
  #watch: WatchHandle | undefined;
  #loop: Promise<void> | undefined;
  #endSession: ((err: unknown) => void) | undefined;

  constructor(source: ListWatchSource<T>, options: InformerOptions) {
    this.#source = source;
    this.#logger = options.logger;
    this.#initialBackoffMs = options.initialBackoffMs ?? 500;
    this.#maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.#sleep = options.sleep ?? defaultSleep;
    this.#customResourceDefinition = options.customResourceDefinition;
  }

  addEventHandler(handler: EventHandler<T>): void {
    this.#handlers.push(handler);
  }

  /** True once the first list has been stored and delivered to the handlers. */
  hasSynced(): boolean {
    return this.#synced;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#watch?.abort();
    this.#endSession?.(undefined);
    await this.#loop;
  }

  /** Resolves once synced; rejects when `signal` aborts first. */
  async waitForSync(signal?: AbortSignal): Promise<void> {
    while (!this.#synced) {
      if (signal?.aborted) throw new Error('Stopped before the informer cache synced', { cause: signal.reason });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  // One iteration per watch session: relist when there is no resourceVersion to resume
  // from, watch until the stream ends, then back off if the session failed.
  async #run(): Promise<void> {
    while (!this.#stopped) {
      const failed = await this.#runSession();
      if (this.#stopped) break;
      if (failed) {
        this.#failures += 1;
        await this.#backoff();
      }
    }
  }

  /** Returns true when the session failed and the next one should wait. */
  async #runSession(): Promise<boolean> {
    if (this.#resourceVersion === '') {
      try {
        this.#replace(await this.#source.list());
      } catch (err) {
        this.#logListFailure(err);
        return true;
      }
    }

    const done = new Promise<unknown>((resolve) => (this.#endSession = resolve));
    try {
      const endSession = this.#endSession;
      this.#watch = await this.#source.watch(
        this.#resourceVersion,
        (type, object) => this.#onEvent(type, object),
        (err) => endSession?.(err),
      );
    } catch (err) {
      this.#endSession?.(err);
    }
    const err = await done;
    this.#watch?.abort();
    this.#watch = undefined;
    this.#endSession = undefined;
    return this.#onWatchEnd(err);
  }

  #onWatchEnd(err: unknown): boolean {
    if (this.#stopped) return false;
    if (err instanceof ApiError && err.code === 410) {
      this.#logger.info({ resourceVersion: this.#resourceVersion }, 'Watch expired, relisting');
      this.#resourceVersion = '';
      return false;
    }
    if (err instanceof ApiError && err.reason === 'Timeout') {
      // The client closes a watch after 30 s without data; resuming at once is normal.
      return false;
    }
    if (err !== undefined) {
      const failures = this.#failures + 1;
      this.#logger.warn({ ...errorLogFields(err), failures, retryInMs: this.#backoffMs(failures) }, 'Watch failed, restarting');
      return true;
    }
    // The server closed the stream (its watch timeout, or a restart): resume after a pause
    // so a server that closes every stream at once is not hammered.
    this.#logger.debug({ resourceVersion: this.#resourceVersion }, 'Watch closed, restarting');
    return true;
  }

  /**
   * Logs one line per failed list. A missing CRD is an expected state of a new cluster, so
   * its line names the install command instead of carrying a stack trace. The informer
   * keeps listing and syncs once the CRD exists.
   */
  #logListFailure(err: unknown): void {
    const failures = this.#failures + 1;
    const crd = this.#customResourceDefinition;
    if (crd !== undefined && isNotFound(err)) {
      this.#logger.warn(
        { customResourceDefinition: crd, failures, retryInMs: this.#backoffMs(failures) },
        `CustomResourceDefinition ${crd} is not installed; install it with kubectl apply --server-side -k crds/`,
      );
      return;
    }
    this.#logger.warn({ ...errorLogFields(err), failures, retryInMs: this.#backoffMs(failures) }, 'List failed, retrying');
  }

  #backoffMs(failures: number): number {
    return Math.min(this.#initialBackoffMs * 2 ** (failures - 1), this.#maxBackoffMs);
  }

  async #backoff(): Promise<void> {
    await this.#sleep(this.#backoffMs(this.#failures));
  }

  #onEvent(type: WatchEventType, raw: unknown): void {
    if (type === 'ERROR') {
      // The server ends the stream after an ERROR event (a metav1.Status); ending the
      // session here makes onWatchEnd act on that status code.
      const status = raw as { code?: number; reason?: string; message?: string };
      const message = `Watch returned an error event: ${status.message ?? status.reason ?? 'no message'}`;
      this.#endSession?.(new ApiError(message, { code: status.code ?? 500, reason: status.reason ?? 'Unknown' }));
      return;
    }

    const object = raw as T;
    const resourceVersion = object.metadata?.resourceVersion;
    if (resourceVersion) this.#resourceVersion = resourceVersion;
    this.#failures = 0;
    if (type === 'BOOKMARK') return;

    if (type === 'DELETED') {
      const old = this.store.delete(object);
      if (old) this.#emitDelete(object);
      return;
    }
    this.#upsert(object);
  }

  #replace(list: ObjectList<T>): void {
    const seen = new Set<string>();
    for (const object of list.items) {
      seen.add(Store.keyOf(object));
      this.#upsert(object);
    }
    for (const object of this.store.list()) {
      if (!seen.has(Store.keyOf(object))) {
        this.store.delete(object);
        this.#emitDelete(object);
      }
    }
    this.#resourceVersion = list.resourceVersion;
    this.#failures = 0;
    this.#synced = true;
  }

  #upsert(object: T): void {
    const old = this.store.set(object);
    for (const handler of this.#handlers) {
      if (old === undefined) handler.onAdd?.(object);
      else handler.onUpdate?.(old, object);
    }
  }

  #emitDelete(object: T): void {
    for (const handler of this.#handlers) handler.onDelete?.(object);
  }
}
