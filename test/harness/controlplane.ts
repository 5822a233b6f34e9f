import { KubeConfig } from '@kubernetes/client-node';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { findControlPlaneBinaries } from './binaries.ts';
import { generateControlPlaneCertificates } from './certs.ts';
import {
  startComponent,
  stopComponent,
  signalProcessGroup,
  waitUntilReady,
  type ComponentProcess,
} from './component.ts';
import {
  apiServerArgs,
  controllerManagerArgs,
  etcdArgs,
  kwokArgs,
  layoutPaths,
  schedulerArgs,
  type ControlPlaneLayout,
  type ControlPlanePorts,
} from './controlplane-args.ts';
import { areNodesReady, createFakeNodes } from './fake-nodes.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { allocateFreePorts } from './ports.ts';
import { isHealthy, loadProbeTls, type ProbeTls } from './probes.ts';
import { killOnExit, sweepAbandonedRuns, writeProcessRecord } from './process-record.ts';

export interface ControlPlaneOptions {
  /** Folder with etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl and kwok; built when absent. */
  binDir?: string;
  /** Folder for certificates, etcd data, logs and kubeconfigs; must be empty or absent. A new temporary folder by default. */
  stateDir?: string;
  /** Number of fake nodes that KWOK manages (default 2). */
  fakeNodes?: number;
  /**
   * Keep the components running after this Node.js process exits, for a cluster that
   * a person starts by hand. Otherwise they are killed on exit, SIGINT, SIGTERM and SIGHUP.
   */
  background?: boolean;
  /** Time each component gets to become ready, in milliseconds (default 60 000). */
  componentTimeoutMs?: number;
}

export interface ControlPlane {
  /** Admin kubeconfig (client certificate in group system:masters). */
  readonly kubeconfigPath: string;
  readonly binDir: string;
  readonly stateDir: string;
  /** The kube-apiserver URL, https://127.0.0.1:<port>. */
  readonly server: string;
  /** Milliseconds from the start call until the API server was ready and every fake node Ready. */
  readonly startupMs: number;
  /** Stops every component and removes the state folder (kept when ENGAGETRACK_KEEP_STATE=1). */
  stop(): Promise<void>;
  /** Stops only kube-apiserver; etcd and the other components keep running. */
  stopApiServer(): Promise<void>;
  /** Starts kube-apiserver again on the same port with the same etcd, and waits until it is ready. */
  startApiServer(): Promise<void>;
}

/** Parent folder of the temporary state folders; abandoned ones in it are swept at each start. */
export const temporaryStateRoot = join(tmpdir(), 'engagetrack-controlplane');

const defaultFakeNodes = 2;
const defaultComponentTimeoutMs = 60_000;

/**
 * Starts etcd, kube-apiserver, kube-controller-manager, kube-scheduler and KWOK on
 * 127.0.0.1 with free ports and new certificates, creates the fake nodes and waits
 * until the API server is ready and every fake node is Ready. When a component fails,
 * the ones already started are stopped and a ComponentStartError names the failed one.
 */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const startedAt = Date.now();
  await mkdir(temporaryStateRoot, { recursive: true });
  await sweepAbandonedRuns(temporaryStateRoot);

  const binDir = options.binDir ?? (await findControlPlaneBinaries());
  const stateDir = options.stateDir ?? (await mkdtemp(join(temporaryStateRoot, 'run-')));
  await ensureEmptyFolder(stateDir);

  const layout = await prepareLayout(stateDir);
  const controlPlane = new LocalControlPlane(binDir, layout, options);
  try {
    await controlPlane.startAll(options.fakeNodes ?? defaultFakeNodes);
  } catch (error) {
    await controlPlane.stopComponents();
    throw error;
  }

  controlPlane.startupMs = Date.now() - startedAt;
  return controlPlane;
}

async function ensureEmptyFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const entries = await readdir(dir);
  if (entries.length > 0) {
    throw new Error(
      `the control plane state folder ${dir} is not empty (it contains ${entries.slice(0, 3).join(', ')}). ` +
        'Stop the control plane that uses it or remove the folder.',
    );
  }
}

async function prepareLayout(stateDir: string): Promise<ControlPlaneLayout> {
  const paths = layoutPaths(stateDir);
  await mkdir(paths.logDir, { recursive: true });
  await mkdir(join(stateDir, 'kubeconfigs'), { recursive: true, mode: 0o700 });

  const ports = await allocateControlPlanePorts();
  const certs = await generateControlPlaneCertificates(join(stateDir, 'pki'));
  const layout: ControlPlaneLayout = { ...paths, certs, ports };

  const server = `https://127.0.0.1:${ports.apiServer}`;
  await Promise.all([
    writeKubeconfig(layout.adminKubeconfig, { server, ca: certs.ca, client: certs.admin, userName: 'admin' }),
    writeKubeconfig(layout.controllerManagerKubeconfig, {
      server,
      ca: certs.ca,
      client: certs.controllerManager,
      userName: 'kube-controller-manager',
    }),
    writeKubeconfig(layout.schedulerKubeconfig, { server, ca: certs.ca, client: certs.scheduler, userName: 'kube-scheduler' }),
    writeKubeconfig(layout.kwokKubeconfig, { server, ca: certs.ca, client: certs.kwok, userName: 'kwok' }),
  ]);
  return layout;
}

async function allocateControlPlanePorts(): Promise<ControlPlanePorts> {
  const names = ['etcdClient', 'etcdPeer', 'apiServer', 'controllerManager', 'scheduler', 'kwok'] as const;
  const ports = await allocateFreePorts(names.length);
  return Object.fromEntries(names.map((name, index) => [name, ports[index]])) as unknown as ControlPlanePorts;
}

class LocalControlPlane implements ControlPlane {
  readonly kubeconfigPath: string;
  readonly binDir: string;
  readonly stateDir: string;
  readonly server: string;
  startupMs = 0;

  readonly #layout: ControlPlaneLayout;
  readonly #background: boolean;
  readonly #componentTimeoutMs: number;
  readonly #components = new Map<string, ComponentProcess>();
  #probeTls: ProbeTls | undefined;
  #removeExitHandlers: (() => void) | undefined;

  constructor(binDir: string, layout: ControlPlaneLayout, options: ControlPlaneOptions) {
    this.binDir = binDir;
    this.stateDir = layout.stateDir;
    this.kubeconfigPath = layout.adminKubeconfig;
    this.server = `https://127.0.0.1:${layout.ports.apiServer}`;
    this.#layout = layout;
    this.#background = options.background ?? false;
    this.#componentTimeoutMs = options.componentTimeoutMs ?? defaultComponentTimeoutMs;
  }

  async startAll(fakeNodeCount: number): Promise<void> {
    if (!this.#background) {
      this.#removeExitHandlers = killOnExit(() => this.#killComponentsNow());
    }
    this.#probeTls = await loadProbeTls(this.#layout.certs.ca, this.#layout.certs.admin);

    const { ports } = this.#layout;
    const etcd = await this.#start('etcd', etcdArgs(this.#layout));
    await this.#waitHealthy(etcd, `http://127.0.0.1:${ports.etcdClient}/health`, false);

    await this.startApiServer();

    // The remaining components only talk to the API server, so they start together.
    const controllerManager = await this.#start('kube-controller-manager', controllerManagerArgs(this.#layout));
    const scheduler = await this.#start('kube-scheduler', schedulerArgs(this.#layout));
    const kwok = await this.#start('kwok', kwokArgs(this.#layout));
    await Promise.all([
      this.#waitHealthy(controllerManager, `https://127.0.0.1:${ports.controllerManager}/healthz`, true),
      this.#waitHealthy(scheduler, `https://127.0.0.1:${ports.scheduler}/healthz`, true),
      this.#waitHealthy(kwok, `http://127.0.0.1:${ports.kwok}/healthz`, false),
    ]);

    await this.#createReadyFakeNodes(kwok, fakeNodeCount);
  }

  async stop(): Promise<void> {
    await this.stopComponents();
    if (process.env.ENGAGETRACK_KEEP_STATE !== '1') {
      await rm(this.stateDir, { recursive: true, force: true });
    }
  }

  async stopComponents(): Promise<void> {
    // etcd goes last: kube-apiserver waits for its storage while it shuts down, so
    // stopping both at once costs the full grace period.
    const clients = [...this.#components.values()].filter((component) => component.name !== 'etcd');
    await Promise.all(clients.map((component) => stopComponent(component)));
    const etcd = this.#components.get('etcd');
    if (etcd) {
      await stopComponent(etcd);
    }
    this.#components.clear();
    this.#removeExitHandlers?.();
    this.#removeExitHandlers = undefined;
  }

  async stopApiServer(): Promise<void> {
    const apiServer = this.#components.get('kube-apiserver');
    if (apiServer) {
      // kube-apiserver closes its port at once on SIGTERM but can then wait several
      // seconds for its clients' connections to drain, which a restart need not wait for.
      await stopComponent(apiServer, 2_000);
      this.#components.delete('kube-apiserver');
      await this.#recordProcesses();
    }
  }

  async startApiServer(): Promise<void> {
    if (this.#components.has('kube-apiserver')) {
      throw new Error('kube-apiserver is already running; call stopApiServer() first');
    }
    const apiServer = await this.#start('kube-apiserver', apiServerArgs(this.#layout));
    await this.#waitHealthy(apiServer, `${this.server}/readyz`, true);
  }

  async #start(name: string, args: string[]): Promise<ComponentProcess> {
    const component = startComponent({
      name,
      binary: join(this.binDir, name),
      args,
      logPath: join(this.#layout.logDir, `${name}.log`),
      detached: this.#background,
    });
    this.#components.set(name, component);
    await this.#recordProcesses();
    return component;
  }

  #waitHealthy(component: ComponentProcess, url: string, useTls: boolean): Promise<void> {
    const tls = useTls ? this.#probeTls : undefined;
    return waitUntilReady(component, () => isHealthy(url, tls), {
      timeoutMs: this.#componentTimeoutMs,
      what: `GET ${url} did not return 200`,
    });
  }

  async #createReadyFakeNodes(kwok: ComponentProcess, count: number): Promise<void> {
    const kc = new KubeConfig();
    kc.loadFromFile(this.kubeconfigPath);
    const names = await createFakeNodes(kc, count);
    await waitUntilReady(kwok, () => areNodesReady(kc, names), {
      timeoutMs: this.#componentTimeoutMs,
      what: `the fake nodes ${names.join(', ')} did not become Ready`,
    });
  }

  #recordProcesses(): Promise<void> {
    return writeProcessRecord(this.stateDir, {
      ownerPid: this.#background ? null : process.pid,
      processes: [...this.#components.values()].map(({ name, pid }) => ({ name, pid })),
    });
  }

  #killComponentsNow(): void {
    for (const component of this.#components.values()) {
      signalProcessGroup(component.pid, 'SIGKILL');
    }
  }
}
