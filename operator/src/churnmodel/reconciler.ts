// The ChurnModel reconciler. One pass runs as named steps. It fetches the model from
// the cache and chooses the release the stable scorer serves. It then applies the
// children, finds out why stalled pods are not available, lets the rollout step (when
// installed) drive a canary, and writes the status.
import type { V1Deployment } from '@kubernetes/client-node';
import type { Logger } from 'pino';

import type { Applier } from '../runtime/apply.ts';
import type { Caches } from '../runtime/caches.ts';
import { conditionTransitions, mergeConditions } from '../runtime/conditions.ts';
import type { ConditionInput } from '../runtime/conditions.ts';
import type { ReconcileContext, ReconcileRequest, ReconcileResult, Reconciler } from '../runtime/controller.ts';
import type { EventRecorder } from '../runtime/events.ts';
import type { KubeClient } from '../runtime/kube-client.ts';
import { CHURN_MODEL } from '../runtime/resources.ts';
import { applyChildren } from '../workload/children.ts';
import { deploymentState } from '../workload/deployment-state.ts';
import { diagnoseStalledPods, earliestRequeue } from '../workload/pod-diagnosis.ts';
import type { PodDiagnosis } from '../workload/pod-diagnosis.ts';
import type { ModelRelease } from '../workload/scorer-config.ts';
import { writeStatus } from '../workload/status-patch.ts';
import type { ChurnModel, ChurnModelStatus } from '../workload/types.ts';
import { churnModelUrl, desiredChildren, scorerName, specRelease } from './builders.ts';
import { ConditionType, PENDING_READY_REASONS, computeChurnModelStatus } from './status.ts';

/** State of one model during a reconcile pass, handed from step to step. */
export interface ChurnModelState {
  model: ChurnModel;
  /** The release the stable Deployment serves. */
  release: ModelRelease;
  /** The stable Deployment as cached after the children step. */
  deployment?: V1Deployment;
}

/** Result of the rollout step, with the status fields and conditions it owns and when to look again. */
export interface RolloutOutcome {
  status?: Partial<ChurnModelStatus>;
  conditions?: ConditionInput[];
  /** Condition types whose transition in this pass the rollout already reported with an Event of its own. */
  reportedConditions?: string[];
  requeueAfterMs?: number;
}

/**
 * A canary rollout plugged into the reconcile. `stableRelease` picks what the stable
 * Deployment serves (the promoted release while a canary runs), and `reconcile` runs
 * after the stable children are applied.
 */
export interface RolloutStep {
  stableRelease(model: ChurnModel): ModelRelease;
  reconcile(state: ChurnModelState, context: ReconcileContext): Promise<RolloutOutcome>;
}

export interface ChurnModelReconcilerDeps {
  client: KubeClient;
  applier: Applier;
  caches: Caches;
  events: EventRecorder;
  image: string;
  rollout?: RolloutStep;
  now?: () => Date;
}

export class ChurnModelReconciler implements Reconciler {
  readonly #deps: ChurnModelReconcilerDeps;

  constructor(deps: ChurnModelReconcilerDeps) {
    this.#deps = deps;
  }

  async reconcile(request: ReconcileRequest, context: ReconcileContext): Promise<ReconcileResult | void> {
    const model = this.fetch(request);
    if (!model) return;

    const state: ChurnModelState = { model, release: this.selectRelease(model) };

    state.deployment = await this.reconcileChildren(state, context.logger);

    const pods = await this.diagnosePods(state, context.logger);

    const rollout = await this.reconcileRollout(state, context);

    await this.updateStatus(state, rollout, pods, context.logger);

    return earliestRequeue(rollout?.requeueAfterMs, pods.requeueAfterMs);
  }

  /** Returns the cached model, or undefined when it is gone or being deleted (the garbage collector removes the children). */
  fetch(request: ReconcileRequest): ChurnModel | undefined {
    const model = this.#deps.caches.churnModels.get(request.namespace, request.name);
    if (!model || model.metadata?.deletionTimestamp) return undefined;
    return model;
  }

  /** Without a rollout step every spec change is served at once, as a Rolling update. */
  selectRelease(model: ChurnModel): ModelRelease {
    return this.#deps.rollout?.stableRelease(model) ?? specRelease(model);
  }

  async reconcileChildren(state: ChurnModelState, logger: Logger): Promise<V1Deployment | undefined> {
    const desired = desiredChildren(state.model, { image: this.#deps.image, release: state.release });
    return applyChildren(state.model, desired, this.#deps, logger);
  }

  /** Finds out why the stable Deployment's pods are not available, once it has stalled. */
  async diagnosePods(state: ChurnModelState, logger: Logger): Promise<PodDiagnosis> {
    return diagnoseStalledPods(this.#deps.client, state.deployment, this.#deps.now?.() ?? new Date(), logger);
  }

  async reconcileRollout(state: ChurnModelState, context: ReconcileContext): Promise<RolloutOutcome | undefined> {
    return this.#deps.rollout?.reconcile(state, context);
  }

  async updateStatus(state: ChurnModelState, rollout: RolloutOutcome | undefined, pods: PodDiagnosis, logger: Logger): Promise<void> {
    const { model } = state;
    const computed = computeChurnModelStatus(model, {
      deploymentName: scorerName(model),
      deployment: deploymentState(state.deployment),
      release: state.release,
      url: churnModelUrl(model),
      podReason: pods.podReason,
    });

    const conditionInputs = overrideConditions(computed.conditions, rollout?.conditions ?? []);
    const now = this.#deps.now?.() ?? new Date();
    const conditions = mergeConditions(model.status?.conditions, conditionInputs, now);
    const next: ChurnModelStatus = { ...computed.status, ...rollout?.status, conditions };

    const written = await writeStatus(this.#deps.client, CHURN_MODEL, model, next, this.#deps.caches.churnModels);
    if (written) await this.reportTransitions(model, conditions, rollout?.reportedConditions ?? [], logger);
  }

  async reportTransitions(
    model: ChurnModel,
    conditions: ChurnModelStatus['conditions'],
    reportedConditions: readonly string[],
    logger: Logger,
  ): Promise<void> {
    for (const transition of conditionTransitions(model.status?.conditions, conditions ?? [])) {
      const { to } = transition;
      logger.info({ condition: to.type, status: to.status, reason: to.reason, previousStatus: transition.from }, 'Condition changed');
      if (to.type !== ConditionType.Ready && to.type !== ConditionType.Degraded) continue;
      if (reportedConditions.includes(to.type)) continue;

      const healthy = (to.type === ConditionType.Ready) === (to.status === 'True');
      // A new resource starts not ready; only its first success is worth an Event.
      if (transition.from === undefined && !healthy) continue;
      const pending = to.type === ConditionType.Ready && PENDING_READY_REASONS.has(to.reason);
      await this.#deps.events.record(model, {
        type: healthy || pending ? 'Normal' : 'Warning',
        reason: to.reason,
        action: 'Reconcile',
        note: to.message,
      });
    }
  }
}

/** Replaces computed conditions with the rollout's conditions of the same type. */
function overrideConditions(computed: ConditionInput[], overrides: ConditionInput[]): ConditionInput[] {
  const result = computed.map((condition) => overrides.find((override) => override.type === condition.type) ?? condition);
  for (const override of overrides) {
    if (!result.some((condition) => condition.type === override.type)) result.push(override);
  }
  return result;
}
