// The rollout step of the ChurnModel reconcile. It observes the stable and canary
// Deployments, runs the canary analysis when one is due, lets the pure state machine
// decide, applies or deletes the canary children, records Events, and returns the
// status fields it owns.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';

import type { ChurnModelState, RolloutOutcome, RolloutStep } from '../churnmodel/reconciler.ts';
import type { Applier } from '../runtime/apply.ts';
import type { Caches } from '../runtime/caches.ts';
import type { ReconcileContext } from '../runtime/controller.ts';
import type { EventRecorder } from '../runtime/events.ts';
import type { KubeClient } from '../runtime/kube-client.ts';
import { CONFIG_MAP, DEPLOYMENT, INGRESS, SERVICE } from '../runtime/resources.ts';
import type { ResourceType } from '../runtime/resources.ts';
import type { Store } from '../runtime/store.ts';
import { listPodDetails } from '../workload/pod-diagnosis.ts';
import type { PodDetails } from '../workload/pod-diagnosis.ts';
import type { ModelRelease } from '../workload/scorer-config.ts';
import type { ChurnModel, ChurnModelStatus } from '../workload/types.ts';
import { analyzeCanary } from './analysis.ts';
import type { AnalysisInput } from './analysis.ts';
import { desiredCanaryChildren, releaseOf } from './canary.ts';
import { DEGRADED, PROGRESSING } from './conditions.ts';
import { canaryIngressName, canaryScorerName, stableDeploymentName } from './names.ts';
import { observeDeployment } from './observe.ts';
import { ROLLED_BACK_EVENT, decideRollout, planAnalysis } from './state.ts';
import type { RolloutDecision, RolloutInput } from './state.ts';
import { rolloutSettings } from './settings.ts';
import { sameTarget } from './targets.ts';
import type { AnalysisVerdict, Condition, RolloutModel } from './types.ts';

/** After a decision that changed the stable version, the stable children are applied this soon. */
const STABLE_CHANGE_REQUEUE_MS = 500;

export interface CanaryRolloutDeps {
  client: KubeClient;
  applier: Applier;
  caches: Caches;
  events: EventRecorder;
  image: string;
  now?: () => Date;
  /** Replaceable for tests; queries Prometheus by default. */
  analyze?: (input: AnalysisInput) => Promise<AnalysisVerdict>;
}

export class CanaryRollout implements RolloutStep {
  readonly #deps: CanaryRolloutDeps;

  constructor(deps: CanaryRolloutDeps) {
    this.#deps = deps;
  }

  /**
   * Picks the release the stable Deployment serves. It runs the state machine on the
   * cached Deployments without analysis. So a first version, a rolling update or an
   * abort reaches the stable children in the same pass, and a promotion (which needs the
   * analysis) reaches them in the pass right after it.
   */
  stableRelease(model: ChurnModel): ModelRelease {
    const decision = decideRollout({ ...this.#observe(model, undefined), verdict: undefined });
    return releaseOf(decision.stable);
  }

  async reconcile(state: ChurnModelState, context: ReconcileContext): Promise<RolloutOutcome> {
    const { model } = state;
    const logger = context.logger;
    const details = await this.#canaryPodDetails(model, logger);
    const observed = this.#observe(model, details);

    const verdict = await this.#analyze(observed.model, observed.now, logger);
    const decision = decideRollout({ ...observed, verdict });

    await this.#applyCanary(model, decision, logger);
    await this.#recordEvents(model, decision, logger);
    return this.#outcome(model, state.release, decision);
  }

  #observe(model: ChurnModel, details: PodDetails | undefined): Omit<RolloutInput, 'verdict'> {
    const namespace = model.metadata?.namespace ?? '';
    const name = model.metadata?.name ?? '';
    const deployments = this.#deps.caches.deployments;
    return {
      model: toRolloutModel(model),
      stable: observeDeployment(deployments.get(namespace, stableDeploymentName(name))),
      canary: observeDeployment(deployments.get(namespace, canaryScorerName(name)), details),
      now: this.#deps.now?.() ?? new Date(),
    };
  }

  async #analyze(model: RolloutModel, now: Date, logger: Logger): Promise<AnalysisVerdict | undefined> {
    const plan = planAnalysis(model, now);
    const analysis = rolloutSettings(model.spec).analysis;
    if (plan === undefined || analysis === undefined) {
      return undefined;
    }

    const analyze = this.#deps.analyze ?? analyzeCanary;
    const series = { model: model.metadata.name ?? '', version: plan.target.version, namespace: model.metadata.namespace };
    const verdict = await analyze({ analysis, series, windowSeconds: plan.windowSeconds });

    const fields = { canaryVersion: plan.target.version, outcome: verdict.outcome, windowSeconds: plan.windowSeconds };
    if (verdict.outcome === 'Pass') {
      logger.debug({ ...fields, detail: verdict.message }, 'Canary analysis');
    } else {
      logger.info({ ...fields, detail: verdict.message }, 'Canary analysis');
    }
    return verdict;
  }

  /**
   * Lists the canary pods and the namespace's Warning Events about pods while the canary
   * is not rolled out, to name why its pods are not ready.
   */
  async #canaryPodDetails(model: ChurnModel, logger: Logger): Promise<PodDetails | undefined> {
    const namespace = model.metadata?.namespace ?? '';
    const name = model.metadata?.name ?? '';
    const canary = observeDeployment(this.#deps.caches.deployments.get(namespace, canaryScorerName(name)));
    if (canary === undefined || canary.rolledOut) {
      return undefined;
    }

    const selector = `app.kubernetes.io/instance=${name},engagetrack.io/track=canary`;
    return listPodDetails(this.#deps.client, namespace, selector, logger);
  }

  async #applyCanary(model: ChurnModel, decision: RolloutDecision, logger: Logger): Promise<void> {
    const canary = decision.canary;
    if (canary === undefined) {
      await this.#deleteCanary(model, logger);
      return;
    }

    const { caches } = this.#deps;
    const children = desiredCanaryChildren(model, { image: this.#deps.image, ...canary });
    await this.#applyChild(CONFIG_MAP, children.configMap, caches.configMaps, logger);
    await this.#applyChild(DEPLOYMENT, children.deployment, caches.deployments, logger);
    await this.#applyChild(SERVICE, children.service, caches.services, logger);

    if (children.ingress !== undefined) {
      await this.#applyChild(INGRESS, children.ingress, caches.ingresses, logger);
    } else {
      await this.#deleteOwned(model, INGRESS, canaryIngressName(model.metadata?.name ?? ''), caches.ingresses, logger);
    }
  }

  async #applyChild<T extends KubernetesObject>(type: ResourceType, desired: T, cache: Store<T>, logger: Logger): Promise<void> {
    const result = await this.#deps.applier.apply(type, desired, cache);
    if (result !== 'unchanged') {
      logger.info({ child: { kind: type.kind, name: desired.metadata?.name }, result }, 'Applied canary child');
    }
  }

  /** The Ingress goes first, so no request is routed to a canary Service that is being removed. */
  async #deleteCanary(model: ChurnModel, logger: Logger): Promise<void> {
    const name = model.metadata?.name ?? '';
    const { caches } = this.#deps;
    await this.#deleteOwned(model, INGRESS, canaryIngressName(name), caches.ingresses, logger);
    await this.#deleteOwned(model, DEPLOYMENT, canaryScorerName(name), caches.deployments, logger);
    await this.#deleteOwned(model, SERVICE, canaryScorerName(name), caches.services, logger);
    await this.#deleteOwned(model, CONFIG_MAP, canaryScorerName(name), caches.configMaps, logger);
  }

  /** Deletes a canary child only when this ChurnModel controls it, never an object of the same name made by hand. */
  async #deleteOwned<T extends KubernetesObject>(
    model: ChurnModel,
    type: ResourceType,
    name: string,
    cache: Store<T>,
    logger: Logger,
  ): Promise<void> {
    const namespace = model.metadata?.namespace ?? '';
    const current = cache.get(namespace, name);
    const owned = current?.metadata?.ownerReferences?.some((reference) => reference.controller && reference.uid === model.metadata?.uid);
    if (!owned) {
      return;
    }
    await this.#deps.applier.deleteIfPresent(type, namespace, name, cache);
    logger.info({ child: { kind: type.kind, name }, result: 'deleted' }, 'Deleted canary child');
  }

  async #recordEvents(model: ChurnModel, decision: RolloutDecision, logger: Logger): Promise<void> {
    for (const event of decision.events) {
      logger.info({ reason: event.reason, detail: event.message }, 'Rollout transition');
      await this.#deps.events.record(model, { type: event.type, reason: event.reason, action: 'Rollout', note: event.message });
    }
  }

  #outcome(model: ChurnModel, appliedRelease: ModelRelease, decision: RolloutDecision): RolloutOutcome {
    const current = model.status ?? {};
    const { status } = decision;

    // JSON merge patch removes a field only when it is sent as null, and only a field
    // that exists needs removing (sending null every pass would write every pass).
    const outcome: RolloutOutcome = {
      status: {
        currentVersion: status.currentVersion,
        currentModelUri: status.currentModelUri,
        currentSha256: status.currentSha256 ?? removed(current.currentSha256),
        canary: status.canary ?? removed(current.canary),
        history: status.history,
      },
      conditions: status.conditions.filter(ownedCondition).map(({ type, status: value, reason, message, observedGeneration }) => ({
        type,
        status: value,
        reason,
        message,
        ...(observedGeneration === undefined ? {} : { observedGeneration }),
      })),
    };

    const stableChanged = !sameTarget(decision.stable, {
      version: appliedRelease.version,
      modelUri: appliedRelease.uri,
      sha256: appliedRelease.sha256,
    });
    // The RolledBack Event already reports the Degraded transition of a rollback.
    if (decision.events.some((event) => event.reason === ROLLED_BACK_EVENT)) {
      outcome.reportedConditions = [DEGRADED];
    }

    const requeueMs = stableChanged ? STABLE_CHANGE_REQUEUE_MS : (decision.requeueAfterSeconds ?? 0) * 1000;
    if (requeueMs > 0) {
      outcome.requeueAfterMs = requeueMs;
    }
    return outcome;
  }
}

/**
 * Returns whether the rollout owns `condition`. Progressing always comes from the rollout,
 * which observes both Deployments. Degraded comes from the rollout only while a rollout
 * failed. Otherwise the reconciler's Degraded, which reports failures of the stable
 * Deployment, stays.
 */
function ownedCondition(condition: Condition): boolean {
  return condition.type === PROGRESSING || (condition.type === DEGRADED && condition.status === 'True');
}

/** `null` when the field exists (so the merge patch removes it), otherwise undefined (nothing to send). */
function removed<T>(existing: T | undefined): T | undefined {
  return existing === undefined ? undefined : (null as unknown as T);
}

/** Converts a ChurnModel into the shape the state machine reads. */
export function toRolloutModel(model: ChurnModel): RolloutModel {
  const status: ChurnModelStatus = model.status ?? {};
  return {
    metadata: { name: model.metadata?.name, namespace: model.metadata?.namespace, generation: model.metadata?.generation },
    spec: model.spec,
    status,
  };
}
