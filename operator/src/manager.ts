// The manager wires the operator together: informers feed two controllers (ChurnModel
// and NudgeExperiment), children and referenced models map back to the keys they
// affect, and the health server reports readiness once every cache has synced.
import type { Server } from 'node:http';

import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';

import { ChurnModelReconciler } from './churnmodel/reconciler.ts';
import type { RolloutStep } from './churnmodel/reconciler.ts';
import { MODEL_REF_INDEX, NudgeExperimentReconciler, modelRefIndex } from './nudgeexperiment/reconciler.ts';
import { CanaryRollout } from './rollout/step.ts';
import { Applier } from './runtime/apply.ts';
import { allInformers, cachesOf, createInformers } from './runtime/caches.ts';
import type { Caches, Informers } from './runtime/caches.ts';
import { Controller } from './runtime/controller.ts';
import { EventRecorder } from './runtime/events.ts';
import { startHealthServer } from './runtime/health.ts';
import type { Informer } from './runtime/informer.ts';
import { KubeClient } from './runtime/kube-client.ts';
import { LeaderElector } from './runtime/leader-election.ts';
import { createMetrics } from './runtime/metrics.ts';
import type { OperatorMetrics } from './runtime/metrics.ts';
import { CHURN_MODEL, NUDGE_EXPERIMENT } from './runtime/resources.ts';
import { controllerOwnerName } from './workload/labels.ts';
import type { NudgeExperiment } from './workload/types.ts';

export interface ManagerOptions {
  kubeConfig: KubeConfig;
  logger: Logger;
  /** Watch one namespace; all namespaces when undefined. */
  namespace?: string;
  workers: number;
  healthPort: number;
  /** IP address of the health server; all IPv4 interfaces (0.0.0.0) when undefined. */
  healthBindAddress?: string;
  image: string;
  leaderElection?: { namespace: string; leaseName: string; identity: string };
  rollout?: RolloutStep;
}

export class Manager {
  readonly client: KubeClient;
  readonly metrics: OperatorMetrics;
  readonly informers: Informers;
  readonly caches: Caches;
  readonly churnModels: Controller;
  readonly nudgeExperiments: Controller;
  readonly events: EventRecorder;
  readonly #options: ManagerOptions;
  readonly #logger: Logger;
  #healthServer: Server | undefined;
  #leading: Promise<void> | undefined;
  readonly #stopLeading = new AbortController();

  constructor(options: ManagerOptions) {
    this.#options = options;
    this.#logger = options.logger;
    this.client = new KubeClient(options.kubeConfig);
    this.metrics = createMetrics();
    this.client.onWrite((verb, type) => this.metrics.apiWrites.inc({ verb, kind: type.kind }));
    this.informers = createInformers(this.client, this.#logger, options.namespace);
    this.caches = cachesOf(this.informers);
    this.caches.nudgeExperiments.addIndex(MODEL_REF_INDEX, modelRefIndex);

    this.events = new EventRecorder(this.client, this.#logger);
    const deps = {
      client: this.client,
      applier: new Applier(this.client),
      caches: this.caches,
      events: this.events,
      image: options.image,
    };
    const common = { workers: options.workers, logger: this.#logger, metrics: this.metrics };
    this.churnModels = new Controller({
      ...common,
      name: 'churnmodel',
      kind: CHURN_MODEL.kind,
      reconciler: new ChurnModelReconciler({ ...deps, rollout: options.rollout ?? new CanaryRollout(deps) }),
    });
    this.nudgeExperiments = new Controller({
      ...common,
      name: 'nudgeexperiment',
      kind: NUDGE_EXPERIMENT.kind,
      reconciler: new NudgeExperimentReconciler(deps),
    });
    this.#wireEvents();
  }

  /** True once every informer has listed its objects. */
  hasSynced(): boolean {
    return allInformers(this.informers).every((informer) => informer.hasSynced());
  }

  async start(): Promise<void> {
    this.#healthServer = await startHealthServer({
      port: this.#options.healthPort,
      host: this.#options.healthBindAddress,
      registry: this.metrics.registry,
      isReady: () => this.hasSynced(),
    });
    this.#logger.info({ port: this.#options.healthPort, bindAddress: this.#options.healthBindAddress ?? '0.0.0.0', namespace: this.#options.namespace ?? '(all)' }, 'Starting manager');

    for (const informer of allInformers(this.informers)) informer.start();
    await Promise.all(allInformers(this.informers).map((informer) => informer.waitForSync()));
    this.#logger.info('Caches synced');

    const election = this.#options.leaderElection;
    if (!election) {
      this.#startControllers();
      return;
    }
    const elector = new LeaderElector({
      client: this.client,
      namespace: election.namespace,
      name: election.leaseName,
      identity: election.identity,
      logger: this.#logger,
    });
    this.#leading = elector.run(
      {
        onStartedLeading: (signal) => this.#lead(signal),
        onStoppedLeading: () => this.#logger.info('Stopped leading'),
      },
      this.#stopLeading.signal,
    );
  }

  /** Resolves when leadership ends (lost, or stopped); immediately without leader election. */
  async leadershipEnded(): Promise<void> {
    await this.#leading;
  }

  /** Drains the workers, releases the lease and stops the informers and the health server. */
  async stop(): Promise<void> {
    this.#logger.info('Stopping manager');
    // Ending leadership drains the workers first, then releases the Lease.
    this.#stopLeading.abort();
    await this.#leading;
    await Promise.all([this.churnModels.shutDown(), this.nudgeExperiments.shutDown()]);
    await this.events.flush();
    await Promise.all(allInformers(this.informers).map((informer) => informer.stop()));
    await new Promise<void>((resolve) => (this.#healthServer ? this.#healthServer.close(() => resolve()) : resolve()));
    this.#logger.info('Stopped manager');
  }

  async #lead(signal: AbortSignal): Promise<void> {
    this.#startControllers();
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    await Promise.all([this.churnModels.shutDown(), this.nudgeExperiments.shutDown()]);
  }

  #startControllers(): void {
    this.churnModels.start();
    this.nudgeExperiments.start();
  }

  #wireEvents(): void {
    const { informers, churnModels, nudgeExperiments, caches } = this;

    onAnyChange(informers.churnModels, (model) => {
      const { namespace = '', name = '' } = model.metadata ?? {};
      churnModels.enqueue(namespace, name);
      // Experiments follow the model's promoted release, so they re-read it on every change.
      for (const experiment of caches.nudgeExperiments.byIndex(MODEL_REF_INDEX, `${namespace}/${name}`)) {
        nudgeExperiments.enqueue(namespace, experiment.metadata?.name ?? '');
      }
    });
    onAnyChange(informers.nudgeExperiments, (experiment: NudgeExperiment) =>
      nudgeExperiments.enqueue(experiment.metadata?.namespace ?? '', experiment.metadata?.name ?? ''),
    );

    const children: Informer<KubernetesObject>[] = [
      informers.configMaps,
      informers.deployments,
      informers.services,
      informers.ingresses,
      informers.networkPolicies,
    ] as Informer<KubernetesObject>[];
    for (const informer of children) {
      onAnyChange(informer, (child) => {
        const namespace = child.metadata?.namespace ?? '';
        const model = controllerOwnerName(child, CHURN_MODEL.kind);
        if (model) churnModels.enqueue(namespace, model);
        const experiment = controllerOwnerName(child, NUDGE_EXPERIMENT.kind);
        if (experiment) nudgeExperiments.enqueue(namespace, experiment);
      });
    }
  }
}

/** Calls `handler` for adds, deletes and updates that changed the object (not relist repeats). */
function onAnyChange<T extends KubernetesObject>(informer: Informer<T>, handler: (object: T) => void): void {
  informer.addEventHandler({
    onAdd: handler,
    onDelete: handler,
    onUpdate: (oldObject, newObject) => {
      if (oldObject.metadata?.resourceVersion !== newObject.metadata?.resourceVersion) handler(newObject);
    },
  });
}
