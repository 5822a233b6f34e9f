// Lease-based leader election (coordination.k8s.io/v1), so only one operator replica
// reconciles at a time. Timings follow controller-runtime's defaults: a 15 s lease,
// renewed every 2 s, given up when it cannot be renewed for 10 s.
//
// Expiry is judged by the local clock from when this process last saw the Lease change
// (a new resourceVersion), not by the renewTime written by another host, so clock skew
// between nodes is harmless. Every write carries the resourceVersion that was read, so
// when two replicas race, the API server accepts one write and rejects the other with 409.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';

import { errorLogFields, isConflict, isNotFound } from './errors.ts';
import type { KubeClient } from './kube-client.ts';
import { LEASE } from './resources.ts';

export const DEFAULT_LEASE_DURATION_MS = 15_000;
export const DEFAULT_RENEW_DEADLINE_MS = 10_000;
export const DEFAULT_RETRY_PERIOD_MS = 2_000;

/** Name of the operator's Lease in its own namespace. config/rbac grants get and update on this Lease alone. */
export const OPERATOR_LEASE_NAME = 'engagetrack-operator-leader';

// Retries while acquiring wait 1 to 1.2 retry periods, so replicas that start together spread out.
const JITTER_FACTOR = 1.2;

/** The KubeClient calls leader election makes; unit tests pass an in-memory store. */
export type LeaseApi = Pick<KubeClient, 'get' | 'create' | 'update'>;

export interface LeaderElectionOptions {
  client: LeaseApi;
  namespace: string;
  /** Lease name, usually OPERATOR_LEASE_NAME. */
  name: string;
  /** Unique per replica, usually the pod name, and stored as spec.holderIdentity. */
  identity: string;
  logger: Logger;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Monotonic clock in milliseconds. */
  now?: () => number;
  /** Source of the acquire jitter, in [0, 1). */
  random?: () => number;
}

export interface LeadershipCallbacks {
  /** Runs the leader's work; the signal aborts when leadership ends. */
  onStartedLeading: (signal: AbortSignal) => void | Promise<void>;
  /** Called once when leadership ends, whether the Lease was lost or released on shutdown. */
  onStoppedLeading: () => void;
}

export interface Lease extends KubernetesObject {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    /** MicroTime: RFC 3339 with exactly six fractional digits. */
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

export class LeaderElector {
  readonly #options: Required<LeaderElectionOptions>;
  readonly #stopRenewing = new AbortController();
  #observed: { resourceVersion: string; lease: Lease; observedAt: number } | undefined;
  #leading = false;
  #renewing: Promise<void> | undefined;

  constructor(options: LeaderElectionOptions) {
    this.#options = {
      ...options,
      leaseDurationMs: options.leaseDurationMs ?? DEFAULT_LEASE_DURATION_MS,
      renewDeadlineMs: options.renewDeadlineMs ?? DEFAULT_RENEW_DEADLINE_MS,
      retryPeriodMs: options.retryPeriodMs ?? DEFAULT_RETRY_PERIOD_MS,
      now: options.now ?? (() => performance.now()),
      random: options.random ?? Math.random,
    };
    validateOptions(this.#options);
  }

  isLeader(): boolean {
    return this.#leading;
  }

  /** Waits until this replica holds the Lease, and returns false when `signal` aborts first. */
  async acquire(signal: AbortSignal): Promise<boolean> {
    const { logger, namespace, name, identity, renewDeadlineMs } = this.#options;
    logger.info({ lease: `${namespace}/${name}`, identity }, 'Waiting for leadership');

    while (!signal.aborted) {
      if (await this.#tryAcquireOrRenew(renewDeadlineMs)) {
        this.#leading = true;
        logger.info({ lease: `${namespace}/${name}`, identity }, 'Acquired leadership');
        return true;
      }
      await sleep(this.#jitteredRetryPeriod(), signal);
    }
    return false;
  }

  /**
   * Renews the Lease every retry period, and calls `onLost` once when no renewal succeeded
   * for the renew deadline. A request still pending at the deadline counts as failed, so a
   * hung API connection never lets this replica lead past its Lease.
   */
  keepRenewing(onLost: () => void): void {
    const { retryPeriodMs, renewDeadlineMs, logger, now } = this.#options;
    const signal = this.#stopRenewing.signal;

    this.#renewing = (async () => {
      let lastRenewal = now();
      while (!signal.aborted) {
        await sleep(retryPeriodMs, signal);
        if (signal.aborted) {
          return;
        }

        if (await this.#tryAcquireOrRenew(lastRenewal + renewDeadlineMs - now())) {
          lastRenewal = now();
        } else if (now() - lastRenewal >= renewDeadlineMs) {
          this.#leading = false;
          logger.error({ renewDeadlineMs }, 'Lost leadership: the lease was not renewed in time');
          onLost();
          return;
        }
      }
    })();
  }

  /** Stops renewing and ends the Lease at once, so another replica takes over without waiting for it to expire. */
  async release(): Promise<void> {
    this.#stopRenewing.abort();
    await this.#renewing;
    if (!this.#leading) {
      return;
    }
    this.#leading = false;

    const { client, namespace, name, identity, logger } = this.#options;
    const lease = this.#observed?.lease;
    if (lease?.spec.holderIdentity !== identity) {
      return;
    }
    // As client-go's ReleaseOnCancel: no holder, and a one-second duration.
    const now = microTime(new Date());
    const released: Lease = {
      ...lease,
      spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now },
    };
    try {
      await client.update(LEASE, released);
      logger.info({ lease: `${namespace}/${name}` }, 'Released leadership');
    } catch (err) {
      logger.warn({ ...errorLogFields(err), lease: `${namespace}/${name}` }, 'Releasing the lease failed, so it expires by itself');
    }
  }

  /**
   * Runs `callbacks.onStartedLeading` while this replica leads, until `signal` aborts or
   * the Lease is lost. On abort it stops the leader's work, waits for the promise that
   * onStartedLeading returned, and then releases the Lease. After a loss the promise
   * settles without a release; the process should then exit, as controller-runtime's does.
   */
  async run(callbacks: LeadershipCallbacks, signal: AbortSignal): Promise<void> {
    if (!(await this.acquire(signal))) {
      return;
    }

    const leadership = new AbortController();
    const ended = new Promise<void>((resolve) => {
      leadership.signal.addEventListener('abort', () => resolve(), { once: true });
      signal.addEventListener('abort', () => leadership.abort(), { once: true });
    });
    this.keepRenewing(() => leadership.abort());

    const work = Promise.resolve()
      .then(() => callbacks.onStartedLeading(leadership.signal))
      .catch((err: unknown) => this.#options.logger.error({ err }, 'The leader work failed'));

    await ended;
    callbacks.onStoppedLeading();
    await work;
    await this.release();
  }

  // Sends one attempt, which resolves false on any failure or after timeoutMs.
  async #tryAcquireOrRenew(timeoutMs: number): Promise<boolean> {
    const timer = new AbortController();
    const timeout = sleep(Math.max(0, timeoutMs), timer.signal).then(() => {
      if (!timer.signal.aborted) {
        throw new Error(`the lease request did not complete within ${Math.round(timeoutMs)} ms`);
      }
      return false;
    });
    try {
      return await Promise.race([this.#attempt(), timeout]);
    } catch (err) {
      // A conflict means another replica wrote the Lease first, which is not an error.
      if (!isConflict(err)) {
        this.#options.logger.warn(errorLogFields(err), 'Acquiring or renewing the lease failed');
      }
      return false;
    } finally {
      timer.abort();
    }
  }

  async #attempt(): Promise<boolean> {
    const { client, namespace, name, identity } = this.#options;

    let current: Lease;
    try {
      current = await client.get<Lease>(LEASE, namespace, name);
    } catch (err) {
      if (!isNotFound(err)) {
        throw err;
      }
      this.#observe(await client.create(LEASE, namespace, this.#desiredLease(undefined)));
      return true;
    }
    this.#observe(current);

    const holder = current.spec?.holderIdentity ?? '';
    if (holder !== '' && holder !== identity && !this.#expired(current)) {
      return false;
    }
    if (holder !== identity && this.#leading) {
      // Another replica took the Lease while this one led: never write over it.
      return false;
    }
    this.#observe(await client.update(LEASE, this.#desiredLease(current)));
    return true;
  }

  #desiredLease(current: Lease | undefined): Lease {
    const { namespace, name, identity, leaseDurationMs } = this.#options;
    const now = microTime(new Date());
    const spec = current?.spec ?? {};
    const renewing = current !== undefined && spec.holderIdentity === identity;
    const transitions = spec.leaseTransitions ?? 0;

    return {
      apiVersion: LEASE.apiVersion,
      kind: LEASE.kind,
      metadata: { ...current?.metadata, name, namespace },
      spec: {
        holderIdentity: identity,
        leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
        acquireTime: renewing ? (spec.acquireTime ?? now) : now,
        renewTime: now,
        leaseTransitions: current === undefined || renewing ? transitions : transitions + 1,
      },
    };
  }

  #observe(lease: Lease): void {
    const resourceVersion = lease.metadata?.resourceVersion ?? '';
    if (this.#observed?.resourceVersion !== resourceVersion) {
      this.#observed = { resourceVersion, lease, observedAt: this.#options.now() };
    } else {
      this.#observed.lease = lease;
    }
  }

  // Expired a full lease duration after this replica first saw the Lease's current resourceVersion.
  #expired(lease: Lease): boolean {
    const now = this.#options.now();
    const observedAt = this.#observed?.observedAt ?? now;
    const durationMs = (lease.spec?.leaseDurationSeconds ?? 0) * 1000;
    return observedAt + durationMs <= now;
  }

  #jitteredRetryPeriod(): number {
    const { retryPeriodMs, random } = this.#options;
    return retryPeriodMs * (1 + random() * (JITTER_FACTOR - 1));
  }
}

function validateOptions(options: Required<LeaderElectionOptions>): void {
  const { leaseDurationMs, renewDeadlineMs, retryPeriodMs, identity } = options;
  if (identity.trim() === '') {
    throw new Error('Leader election identity is empty: set it to a name unique per replica, such as the pod name');
  }
  if (!(retryPeriodMs > 0)) {
    throw new Error(`Leader election retryPeriodMs must be positive, got ${retryPeriodMs}`);
  }
  if (!(renewDeadlineMs > JITTER_FACTOR * retryPeriodMs)) {
    throw new Error(
      `Leader election renewDeadlineMs (${renewDeadlineMs}) must exceed ${JITTER_FACTOR} x retryPeriodMs (${retryPeriodMs})`,
    );
  }
  if (!(leaseDurationMs > renewDeadlineMs)) {
    throw new Error(
      `Leader election leaseDurationMs (${leaseDurationMs}) must exceed renewDeadlineMs (${renewDeadlineMs}), ` +
        'or a replica could still lead after its lease expired',
    );
  }
}

/** Formats a metav1.MicroTime, which the API server requires with six fractional digits. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

// Resolves after ms, or at once when the signal aborts. The global setTimeout keeps it
// under the control of test fake timers.
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
