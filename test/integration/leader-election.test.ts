// Leader election against the real API server: two electors in this process with short
// timings, and two operator processes, as the operator's ServiceAccount, with the
// default ones (15 s lease, 2 s retry).
import { CoordinationV1Api } from '@kubernetes/client-node';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { KubeClient } from '../../operator/src/runtime/kube-client.ts';
import { LeaderElector, OPERATOR_LEASE_NAME } from '../../operator/src/runtime/leader-election.ts';
import type { LeaseApi } from '../../operator/src/runtime/leader-election.ts';
import type { ResourceType } from '../../operator/src/runtime/resources.ts';
import { applyCrds, createTestNamespace, deleteTestNamespace, eventually, kubeconfigPath, testKubeConfig } from '../harness/kube.ts';
import { OPERATOR_NAMESPACE } from '../harness/impersonation.ts';
import { startOperator } from '../harness/operator-process.ts';
import type { OperatorProcess } from '../harness/operator-process.ts';

// Short timings keep the test fast; their ratios match the defaults.
const TIMING = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 500 };

// A LeaseApi whose requests can be made to hang, as for a replica cut off from the API server.
class SeverableClient implements LeaseApi {
  readonly #client: KubeClient;
  #severed = false;

  constructor(client: KubeClient) {
    this.#client = client;
  }

  sever(): void {
    this.#severed = true;
  }

  async get<T extends KubernetesObject>(type: ResourceType, namespace: string, name: string): Promise<T> {
    await this.#reachable();
    return this.#client.get<T>(type, namespace, name);
  }

  async create<T extends KubernetesObject>(type: ResourceType, namespace: string, object: T): Promise<T> {
    await this.#reachable();
    return this.#client.create(type, namespace, object);
  }

  async update<T extends KubernetesObject>(type: ResourceType, object: T): Promise<T> {
    await this.#reachable();
    return this.#client.update(type, object);
  }

  async #reachable(): Promise<void> {
    if (this.#severed) {
      await new Promise(() => undefined);
    }
  }
}

interface Replica {
  identity: string;
  client: SeverableClient;
  elector: LeaderElector;
  shutdown: AbortController;
  done: Promise<void>;
}

// Every leader-only action is logged with the time and identity, so the test can check
// that no two replicas acted as leader at the same time.
interface LeaderAction {
  identity: string;
  at: number;
}

describe('leader election on the API server', () => {
  let kc: KubeConfig;
  let namespace = '';
  let replicas: Replica[] = [];
  let actions: LeaderAction[] = [];

  beforeAll(async () => {
    kc = testKubeConfig();
    namespace = await createTestNamespace(kc, 'leader-election');
  });

  afterEach(async () => {
    for (const replica of replicas) {
      replica.shutdown.abort();
    }
    // Severed replicas never settle; the others release their Lease.
    await Promise.race([Promise.all(replicas.map((replica) => replica.done)), new Promise((resolve) => setTimeout(resolve, 5_000))]);
    replicas = [];
    actions = [];
  });

  afterAll(async () => {
    if (namespace !== '') {
      await deleteTestNamespace(kc, namespace);
    }
  });

  function startReplica(identity: string, leaseName: string): Replica {
    const client = new SeverableClient(new KubeClient(kc));
    const elector = new LeaderElector({
      client,
      namespace,
      name: leaseName,
      identity,
      logger: pino({ enabled: false }),
      ...TIMING,
    });
    const shutdown = new AbortController();
    const done = elector.run(
      {
        // The leader acts every 100 ms until its leadership ends.
        onStartedLeading: async (signal) => {
          while (!signal.aborted) {
            actions.push({ identity, at: Date.now() });
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        },
        onStoppedLeading: () => undefined,
      },
      shutdown.signal,
    );
    const replica = { identity, client, elector, shutdown, done };
    replicas.push(replica);
    return replica;
  }

  async function holderOf(leaseName: string, leaseNamespace = namespace): Promise<string | undefined> {
    const lease = await kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: leaseName, namespace: leaseNamespace });
    return lease.spec?.holderIdentity;
  }

  function leaders(): string[] {
    return replicas.filter((replica) => replica.elector.isLeader()).map((replica) => replica.identity);
  }

  it('elects exactly one leader', async () => {
    startReplica('replica-a', 'one-leader');
    startReplica('replica-b', 'one-leader');

    await eventually(async () => expect(leaders()).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 4_000));

    const [leader] = leaders();
    expect(leaders()).toHaveLength(1);
    expect(await holderOf('one-leader')).toBe(leader);
    expect(new Set(actions.map((action) => action.identity))).toEqual(new Set([leader]));
  });

  it('hands over within the lease duration after a crash', async () => {
    const a = startReplica('replica-a', 'crash');
    await eventually(async () => expect(a.elector.isLeader()).toBe(true));
    const b = startReplica('replica-b', 'crash');
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    a.client.sever();
    const severedAt = Date.now();
    await eventually(async () => expect(b.elector.isLeader()).toBe(true), { timeoutMs: 10_000 });
    const handoverMs = Date.now() - severedAt;

    // B waits a full lease duration from its last sight of A's renewal, plus one retry.
    expect(handoverMs).toBeLessThanOrEqual(TIMING.leaseDurationMs + 2 * TIMING.retryPeriodMs + 1_000);
    expect(await holderOf('crash')).toBe('replica-b');

    // A stopped acting (renew deadline) before B started: the leaders never overlapped.
    const lastActionOfA = Math.max(...actions.filter((action) => action.identity === 'replica-a').map((action) => action.at));
    const firstActionOfB = Math.min(...actions.filter((action) => action.identity === 'replica-b').map((action) => action.at));
    expect(firstActionOfB).toBeGreaterThan(lastActionOfA);
  });

  it('hands over at once after a graceful shutdown', async () => {
    const a = startReplica('replica-a', 'graceful');
    await eventually(async () => expect(a.elector.isLeader()).toBe(true));
    const b = startReplica('replica-b', 'graceful');
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    const stoppedAt = Date.now();
    a.shutdown.abort();
    await a.done;
    await eventually(async () => expect(b.elector.isLeader()).toBe(true), { timeoutMs: 10_000 });

    // The released Lease is taken at B's next retry, well before a lease duration.
    expect(Date.now() - stoppedAt).toBeLessThan(TIMING.leaseDurationMs);
    expect(await holderOf('graceful')).toBe('replica-b');
  });

  // The processes run as the operator's ServiceAccount, which may write only its own
  // Lease in engagetrack-system: they elect a leader there, as in a cluster.
  describe('two operator processes', () => {
    let operators: OperatorProcess[] = [];

    beforeAll(async () => {
      await applyCrds(kc);
      await deleteOperatorLease();
    });

    afterEach(async () => {
      await Promise.all(operators.map((operator) => operator.kill()));
      operators = [];
      await deleteOperatorLease();
    });

    // A killed leader leaves its Lease held for a lease duration.
    async function deleteOperatorLease(): Promise<void> {
      await kc
        .makeApiClient(CoordinationV1Api)
        .deleteNamespacedLease({ name: OPERATOR_LEASE_NAME, namespace: OPERATOR_NAMESPACE })
        .catch((err: { code?: number }) => {
          if (err.code !== 404) throw err;
        });
    }

    async function startReplicaProcess(identity: string): Promise<OperatorProcess> {
      const operator = await startOperator({
        kubeconfigPath: kubeconfigPath(),
        namespace,
        extraArgs: ['--leader-elect'],
        // As in config/manager: the Lease goes into the pod's namespace.
        env: { POD_NAME: identity, POD_NAMESPACE: OPERATOR_NAMESPACE },
      });
      operators.push(operator);
      return operator;
    }

    const operatorLeaseHolder = () => holderOf(OPERATOR_LEASE_NAME, OPERATOR_NAMESPACE);

    it('the follower leads after the leader is killed', async () => {
      const first = await startReplicaProcess('operator-a');
      await eventually(async () => expect(await operatorLeaseHolder()).toBe('operator-a'), { timeoutMs: 30_000 });
      const second = await startReplicaProcess('operator-b');
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(await second.logs()).not.toContain('Acquired leadership');

      await first.kill();
      const killedAt = Date.now();
      await eventually(async () => expect(await operatorLeaseHolder()).toBe('operator-b'), {
        timeoutMs: 30_000,
        intervalMs: 500,
      });

      // Default timings: a 15 s lease, retried every 2 s (up to 2.4 s with jitter).
      expect(Date.now() - killedAt).toBeLessThanOrEqual(15_000 + 2 * 2_400 + 1_000);
      expect(await second.logs()).toContain('Acquired leadership');
    });
  });
});
