// The operator's command line: flags, the manager, and shutdown on SIGTERM. main.ts
// imports it once the client-node module hook is installed.
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';

import { KubeConfig } from '@kubernetes/client-node/dist/config.js';

import { Manager } from './manager.ts';
import { OPERATOR_LEASE_NAME } from './runtime/leader-election.ts';
import { createLogger } from './runtime/logger.ts';
import { DEFAULT_SCORER_IMAGE } from './workload/defaults.ts';

const USAGE = `Usage: node operator/src/main.ts [flags]

  --kubeconfig PATH                 kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then in-cluster)
  --namespace NAME                  watch only this namespace (default: all namespaces)
  --workers N                       concurrent reconciles per controller (default: 4)
  --health-port PORT                port of /healthz, /readyz and /metrics (default: 8081)
  --health-bind-address ADDRESS     IP address the health server listens on (default: 0.0.0.0, all IPv4 interfaces)
  --scorer-image IMAGE              scorer container image (default: $SCORER_IMAGE or ${DEFAULT_SCORER_IMAGE})
  --leader-elect                    run leader election so only one replica reconciles
  --leader-election-namespace NAME  namespace of the Lease (default: $POD_NAMESPACE, --namespace, or default)
  --help                            print this help
`;

interface Flags {
  kubeconfig?: string;
  namespace?: string;
  workers: number;
  healthPort: number;
  healthBindAddress: string;
  scorerImage: string;
  leaderElect: boolean;
  leaderElectionNamespace: string;
}

export function parseFlags(argv: string[], env: NodeJS.ProcessEnv): Flags {
  const { values } = parseArgs({
    args: argv,
    options: {
      kubeconfig: { type: 'string' },
      namespace: { type: 'string' },
      workers: { type: 'string', default: '4' },
      'health-port': { type: 'string', default: '8081' },
      'health-bind-address': { type: 'string', default: '0.0.0.0' },
      'scorer-image': { type: 'string' },
      'leader-elect': { type: 'boolean', default: false },
      'leader-election-namespace': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }

  return {
    kubeconfig: values.kubeconfig,
    namespace: values.namespace,
    workers: positiveInteger('--workers', values.workers, 1, 100),
    healthPort: positiveInteger('--health-port', values['health-port'], 0, 65535),
    healthBindAddress: ipAddress('--health-bind-address', values['health-bind-address']),
    scorerImage: values['scorer-image'] ?? env['SCORER_IMAGE'] ?? DEFAULT_SCORER_IMAGE,
    leaderElect: values['leader-elect'],
    leaderElectionNamespace: values['leader-election-namespace'] ?? env['POD_NAMESPACE'] ?? values.namespace ?? 'default',
  };
}

function positiveInteger(flag: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`Invalid ${flag} "${raw}": expected an integer from ${min} to ${max}`);
  }
  return value;
}

function ipAddress(flag: string, raw: string): string {
  if (isIP(raw) === 0) {
    throw new Error(`Invalid ${flag} "${raw}": expected an IPv4 or IPv6 address, such as 127.0.0.1 or 0.0.0.0`);
  }
  return raw;
}

function loadKubeConfig(path: string | undefined): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (path) kubeConfig.loadFromFile(path);
  else kubeConfig.loadFromDefault();
  return kubeConfig;
}

/** Runs the operator until SIGTERM or SIGINT (exit 0), a lost Lease (exit 1) or a failed start (exit 1). */
export async function runOperator(): Promise<void> {
  const logger = createLogger();
  let flags: Flags;
  try {
    flags = parseFlags(process.argv.slice(2), process.env);
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }

  const manager = new Manager({
    kubeConfig: loadKubeConfig(flags.kubeconfig),
    logger,
    namespace: flags.namespace,
    workers: flags.workers,
    healthPort: flags.healthPort,
    healthBindAddress: flags.healthBindAddress,
    image: flags.scorerImage,
    leaderElection: flags.leaderElect
      ? { namespace: flags.leaderElectionNamespace, leaseName: OPERATOR_LEASE_NAME, identity: process.env['POD_NAME'] ?? `${hostname()}-${process.pid}` }
      : undefined,
  });

  let stopping = false;
  const shutDown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'Shutting down');
    await manager.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutDown('SIGTERM'));
  process.on('SIGINT', () => void shutDown('SIGINT'));

  await manager.start();
  if (flags.leaderElect) {
    await manager.leadershipEnded();
    if (!stopping) {
      // Exiting lets the Deployment restart the pod as a follower with clean caches.
      logger.error('Leadership lost, exiting');
      await manager.stop();
      process.exit(1);
    }
  }
}
