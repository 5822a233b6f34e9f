// Follows the ChurnModels of one namespace and their children through watches, so the
// operator benchmark sees when a run is done without polling lists, and applies one
// definition of "done" to the operator and to the plain-client baseline alike.
import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import { pino } from 'pino';

import { listWatchSource } from '../operator/src/runtime/caches.ts';
import { Informer } from '../operator/src/runtime/informer.ts';
import type { KubeClient } from '../operator/src/runtime/kube-client.ts';
import { CHILD_TYPES, CHURN_MODEL, DEPLOYMENT } from '../operator/src/runtime/resources.ts';
import { deploymentState } from '../operator/src/workload/deployment-state.ts';
import { MANAGED_SELECTOR } from '../operator/src/workload/labels.ts';
import type { ChurnModel } from '../operator/src/workload/types.ts';

export interface Progress {
  /** ChurnModels whose status.observedGeneration equals metadata.generation. */
  statusesObserved: number;
  /** Children with the managed-by label, of every child type. */
  children: number;
  /** Deployments whose rollout is complete, as `kubectl rollout status` judges it. */
  deploymentsComplete: number;
  /** ChurnModels whose status reports Progressing=False (the rollout is complete). */
  rolloutsReported: number;
}

const POLL_MS = 100;

export class ProgressTracker {
  readonly #models: Informer<ChurnModel>;
  readonly #children: Informer<KubernetesObject>[];

  private constructor(client: KubeClient, namespace: string) {
    // Errors only: a list retried while a new CRD's storage initializes (HTTP 429) is expected.
    const logger = pino({ level: 'error' });
    const make = <T extends KubernetesObject>(type: typeof CHURN_MODEL, labelSelector?: string) =>
      new Informer<T>(listWatchSource<T>(client, type, { namespace, labelSelector }), { logger });
    this.#models = make<ChurnModel>(CHURN_MODEL);
    this.#children = CHILD_TYPES.map((type) => make(type, MANAGED_SELECTOR));
  }

  /** Starts the watches and resolves once every cache has listed. */
  static async start(client: KubeClient, namespace: string): Promise<ProgressTracker> {
    const tracker = new ProgressTracker(client, namespace);
    const informers = tracker.#informers();
    for (const informer of informers) informer.start();
    await Promise.all(informers.map((informer) => informer.waitForSync()));
    return tracker;
  }

  progress(): Progress {
    const models = this.#models.store.list();
    const deployments = this.#children[CHILD_TYPES.indexOf(DEPLOYMENT)]!.store.list() as V1Deployment[];
    return {
      statusesObserved: models.filter((model) => model.status?.observedGeneration === model.metadata?.generation).length,
      children: this.#children.reduce((sum, informer) => sum + informer.store.size, 0),
      deploymentsComplete: deployments.filter((deployment) => deploymentState(deployment)?.complete).length,
      rolloutsReported: models.filter((model) =>
        model.status?.conditions?.some((condition) => condition.type === 'Progressing' && condition.status === 'False'),
      ).length,
    };
  }

  /**
   * Resolves with performance.now() at the first poll (every 100 ms) where `reached` holds;
   * rejects after `timeoutMs` with the last progress in the message.
   */
  async waitFor(what: string, reached: (progress: Progress) => boolean, timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const progress = this.progress();
      if (reached(progress)) return performance.now();
      if (performance.now() > deadline) {
        throw new Error(`Timed out after ${timeoutMs / 1000} s waiting for ${what}; progress: ${JSON.stringify(progress)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.#informers().map((informer) => informer.stop()));
  }

  #informers(): Informer<KubernetesObject>[] {
    return [this.#models as unknown as Informer<KubernetesObject>, ...this.#children];
  }
}

/** Returns whether the benchmark is done, meaning every child exists and every status has observed its generation. */
export function isDone(progress: Progress, models: number): boolean {
  return progress.children === models * CHILD_TYPES.length && progress.statusesObserved === models;
}
