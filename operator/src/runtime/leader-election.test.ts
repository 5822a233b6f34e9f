import type { KubernetesObject } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { ApiError } from './errors.ts';
import { LeaderElector } from './leader-election.ts';
import type { LeaderElectionOptions, Lease, LeaseApi } from './leader-election.ts';
import type { ResourceType } from './resources.ts';

const NAMESPACE = 'engagetrack-system';
const LEASE_NAME = 'engagetrack-operator-leader';
const LEASE_RESOURCE: ResourceType = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', plural: 'leases' };

// In-memory Lease store with the API server's optimistic concurrency: an update whose
// metadata.resourceVersion is stale, or a create of an existing Lease, fails with 409.
class FakeLeaseStore implements LeaseApi {
  lease: Lease | undefined;
  version = 0;
  failure: Error | undefined;
  hang = false;
  writes: string[] = [];

  async get<T extends KubernetesObject>(_type: ResourceType, _namespace: string, name: string): Promise<T> {
    await this.#respond();
    if (this.lease === undefined) {
      throw new ApiError(`leases "${name}" not found`, { code: 404, reason: 'NotFound' });
    }
    return structuredClone(this.lease) as unknown as T;
  }

  async create<T extends KubernetesObject>(_type: ResourceType, namespace: string, object: T): Promise<T> {
    await this.#respond();
    if (this.lease !== undefined) {
      throw new ApiError('leases already exists', { code: 409, reason: 'AlreadyExists' });
    }
    return this.#store(namespace, object as unknown as Lease) as unknown as T;
  }

  async update<T extends KubernetesObject>(_type: ResourceType, object: T): Promise<T> {
    await this.#respond();
    const lease = object as unknown as Lease;
    if (lease.metadata.resourceVersion !== this.lease?.metadata.resourceVersion) {
      throw new ApiError('the object has been modified', { code: 409, reason: 'Conflict' });
    }
    return this.#store(lease.metadata.namespace, lease) as unknown as T;
  }

  holder(): string | undefined {
    return this.lease?.spec.holderIdentity;
  }

  #store(namespace: string, lease: Lease): Lease {
    this.version += 1;
    const stored = structuredClone(lease);
    stored.metadata = { ...stored.metadata, namespace, resourceVersion: String(this.version) };
    this.lease = stored;
    this.writes.push(stored.spec.holderIdentity ?? '');
    return structuredClone(stored);
  }

  async #respond(): Promise<void> {
    if (this.hang) {
      await new Promise(() => undefined);
    }
    if (this.failure !== undefined) {
      throw this.failure;
    }
  }
}

// One replica's view of the store; disconnect() makes its requests hang, like a crashed
// process or a partitioned node, while the other replicas keep reaching the store.
class Connection implements LeaseApi {
  readonly #store: FakeLeaseStore;
  #connected = true;

  constructor(store: FakeLeaseStore) {
    this.#store = store;
  }

  disconnect(): void {
    this.#connected = false;
  }

  async get<T extends KubernetesObject>(type: ResourceType, namespace: string, name: string): Promise<T> {
    await this.#reachable();
    return this.#store.get<T>(type, namespace, name);
  }

  async create<T extends KubernetesObject>(type: ResourceType, namespace: string, object: T): Promise<T> {
    await this.#reachable();
    return this.#store.create(type, namespace, object);
  }

  async update<T extends KubernetesObject>(type: ResourceType, object: T): Promise<T> {
    await this.#reachable();
    return this.#store.update(type, object);
  }

  async #reachable(): Promise<void> {
    if (!this.#connected) {
      await new Promise(() => undefined);
    }
  }
}

interface Candidate {
  connection: Connection;
  elector: LeaderElector;
  started: ReturnType<typeof vi.fn>;
  stopped: ReturnType<typeof vi.fn>;
  shutdown: AbortController;
  done: Promise<void>;
}

function createElector(store: LeaseApi, identity: string, overrides: Partial<LeaderElectionOptions> = {}): LeaderElector {
  return new LeaderElector({
    client: store,
    namespace: NAMESPACE,
    name: LEASE_NAME,
    identity,
    logger: pino({ enabled: false }),
    random: () => 0,
    ...overrides,
  });
}

function startCandidate(
  store: FakeLeaseStore,
  identity: string,
  onStartedLeading: (signal: AbortSignal) => void | Promise<void> = () => undefined,
): Candidate {
  const connection = new Connection(store);
  const started = vi.fn(onStartedLeading);
  const stopped = vi.fn();
  const shutdown = new AbortController();
  const elector = createElector(connection, identity);
  const done = elector.run({ onStartedLeading: started, onStoppedLeading: stopped }, shutdown.signal);
  return { connection, elector, started, stopped, shutdown, done };
}

describe('LeaderElector', () => {
  let store: FakeLeaseStore;
  let candidates: Candidate[];

  beforeEach(() => {
    vi.useFakeTimers();
    store = new FakeLeaseStore();
    candidates = [];
  });

  afterEach(async () => {
    store.hang = false;
    store.failure = undefined;
    for (const candidate of candidates) {
      candidate.shutdown.abort();
    }
    await vi.advanceTimersByTimeAsync(20_000);
    vi.useRealTimers();
  });

  function start(identity: string, onStartedLeading?: (signal: AbortSignal) => void | Promise<void>): Candidate {
    const candidate = startCandidate(store, identity, onStartedLeading);
    candidates.push(candidate);
    return candidate;
  }

  it('creates the Lease when it is missing', async () => {
    const a = start('operator-a');
    await vi.advanceTimersByTimeAsync(0);

    expect(a.elector.isLeader()).toBe(true);
    expect(a.started).toHaveBeenCalledOnce();
    expect(store.holder()).toBe('operator-a');
    expect(store.lease?.spec.leaseDurationSeconds).toBe(15);
    expect(store.lease?.spec.leaseTransitions).toBe(0);
    expect(store.lease?.spec.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it('renews every retry period', async () => {
    start('operator-a');
    await vi.advanceTimersByTimeAsync(0);
    const versionAfterAcquire = store.version;

    await vi.advanceTimersByTimeAsync(2_000);
    expect(store.version).toBe(versionAfterAcquire + 1);

    await vi.advanceTimersByTimeAsync(2_000);
    expect(store.version).toBe(versionAfterAcquire + 2);
  });

  it('keeps acquireTime and transitions while renewing', async () => {
    start('operator-a');
    await vi.advanceTimersByTimeAsync(0);
    const acquireTime = store.lease?.spec.acquireTime;

    await vi.advanceTimersByTimeAsync(6_000);

    expect(store.lease?.spec.acquireTime).toBe(acquireTime);
    expect(store.lease?.spec.leaseTransitions).toBe(0);
  });

  it('follower waits while the leader renews', async () => {
    const a = start('operator-a');
    await vi.advanceTimersByTimeAsync(0);
    const b = start('operator-b');

    await vi.advanceTimersByTimeAsync(60_000);

    expect(a.elector.isLeader()).toBe(true);
    expect(b.elector.isLeader()).toBe(false);
    expect(b.started).not.toHaveBeenCalled();
    expect(new Set(store.writes)).toEqual(new Set(['operator-a']));
  });

  it('follower takes over a crashed leader within the lease duration', async () => {
    const a = start('operator-a');
    await vi.advanceTimersByTimeAsync(0);
    const b = start('operator-b');
    await vi.advanceTimersByTimeAsync(1_000);

    a.connection.disconnect();
    const lastRenewal = Date.now() - 1_000;

    await vi.advanceTimersByTimeAsync(12_000);
    expect(b.elector.isLeader()).toBe(false);

    await vi.advanceTimersByTimeAsync(6_000);
    expect(b.elector.isLeader()).toBe(true);
    // B saw A's last renewal at most one retry period late, and retries every 2.0 s here.
    expect(Date.now() - lastRenewal).toBeLessThanOrEqual(15_000 + 2 * 2_000);
    expect(store.holder()).toBe('operator-b');
    expect(store.lease?.spec.leaseTransitions).toBe(1);
  });

  it('disconnected leader stops before its Lease expires', async () => {
    const a = start('operator-a');
    await vi.advanceTimersByTimeAsync(0);

    a.connection.disconnect();
    await vi.advanceTimersByTimeAsync(12_500);

    // The renew deadline (10 s) ends leadership before the 15 s lease lets another replica in.
    expect(a.elector.isLeader()).toBe(false);
    expect(a.stopped).toHaveBeenCalledOnce();
    expect(a.started.mock.calls[0]?.[0]).toHaveProperty('aborted', true);
    await expect(a.done).resolves.toBeUndefined();
  });

  it('follower takes over at once after release', async () => {
    const a = start('operator-a');
    await vi.advanceTimersByTimeAsync(0);
    const b = start('operator-b');
    await vi.advanceTimersByTimeAsync(1_000);

    a.shutdown.abort();
    await a.done;
    expect(a.stopped).toHaveBeenCalledOnce();
    expect(store.holder()).toBe('');
    expect(store.lease?.spec.leaseDurationSeconds).toBe(1);

    await vi.advanceTimersByTimeAsync(2_000);
    expect(b.elector.isLeader()).toBe(true);
    expect(store.holder()).toBe('operator-b');
  });

  it('releases only after the leader work ends', async () => {
    const order: string[] = [];
    const a = start('operator-a', (signal) => {
      return new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => {
          setTimeout(() => {
            order.push(`work finished, holder "${store.holder()}"`);
            resolve();
          }, 500);
        });
      });
    });
    await vi.advanceTimersByTimeAsync(0);

    a.shutdown.abort();
    await vi.advanceTimersByTimeAsync(500);
    await a.done;
    order.push(`released, holder "${store.holder()}"`);

    expect(order).toEqual(['work finished, holder "operator-a"', 'released, holder ""']);
  });

  it('only one of two simultaneous candidates leads', async () => {
    const a = start('operator-a');
    const b = start('operator-b');

    await vi.advanceTimersByTimeAsync(30_000);

    const leaders = [a, b].filter((candidate) => candidate.elector.isLeader());
    expect(leaders).toHaveLength(1);
    expect(store.holder()).toBe(leaders[0] === a ? 'operator-a' : 'operator-b');
  });

  it('leader stops after the renew deadline when renewals fail', async () => {
    const a = start('operator-a');
    await vi.advanceTimersByTimeAsync(0);
    store.failure = new ApiError('connect ECONNREFUSED 127.0.0.1:6443', { code: 0, reason: 'ConnectionFailed' });

    await vi.advanceTimersByTimeAsync(9_000);
    expect(a.elector.isLeader()).toBe(true);

    await vi.advanceTimersByTimeAsync(1_500);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.stopped).toHaveBeenCalledOnce();
  });

  it('leader survives failures shorter than the renew deadline', async () => {
    const a = start('operator-a');
    await vi.advanceTimersByTimeAsync(0);

    store.failure = new ApiError('connect ECONNREFUSED 127.0.0.1:6443', { code: 0, reason: 'ConnectionFailed' });
    await vi.advanceTimersByTimeAsync(6_000);
    store.failure = undefined;
    await vi.advanceTimersByTimeAsync(20_000);

    expect(a.elector.isLeader()).toBe(true);
    expect(a.stopped).not.toHaveBeenCalled();
  });

  it('leader never overwrites a Lease taken by another holder', async () => {
    const a = start('operator-a');
    await vi.advanceTimersByTimeAsync(0);

    const taken = structuredClone(store.lease) as Lease;
    taken.spec = { ...taken.spec, holderIdentity: 'operator-z' };
    await store.update(LEASE_RESOURCE, taken);
    await vi.advanceTimersByTimeAsync(10_500);

    expect(a.elector.isLeader()).toBe(false);
    expect(store.holder()).toBe('operator-z');
    expect(store.writes.at(-1)).toBe('operator-z');
  });

  it('takes over its own Lease after a restart without waiting', async () => {
    const first = start('operator-a');
    await vi.advanceTimersByTimeAsync(0);
    first.connection.disconnect();

    const restarted = start('operator-a');
    await vi.advanceTimersByTimeAsync(0);

    expect(restarted.elector.isLeader()).toBe(true);
    expect(store.lease?.spec.leaseTransitions).toBe(0);
  });

  it('shutdown before leading never calls the callbacks', async () => {
    const a = start('operator-a');
    await vi.advanceTimersByTimeAsync(0);
    const b = start('operator-b');
    await vi.advanceTimersByTimeAsync(1_000);

    b.shutdown.abort();
    await b.done;

    expect(b.started).not.toHaveBeenCalled();
    expect(b.stopped).not.toHaveBeenCalled();
    expect(store.holder()).toBe('operator-a');
    expect(a.elector.isLeader()).toBe(true);
  });

  it.each([
    [{ retryPeriodMs: 0 }, /retryPeriodMs must be positive/],
    [{ renewDeadlineMs: 2_000 }, /renewDeadlineMs \(2000\) must exceed 1.2 x retryPeriodMs \(2000\)/],
    [{ leaseDurationMs: 10_000 }, /leaseDurationMs \(10000\) must exceed renewDeadlineMs \(10000\)/],
    [{ identity: ' ' }, /identity is empty/],
  ])('rejects invalid options %o', (overrides, message) => {
    expect(() => createElector(store, 'operator-a', overrides)).toThrow(message);
  });
});
