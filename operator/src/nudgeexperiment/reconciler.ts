// The NudgeExperiment reconciler: fetch the experiment, check its configuration the way
// the scorer does, resolve the release of the model it references, apply the children,
// write the status. ChurnModel changes enqueue the experiments that reference the model
// (see the modelRef index in the manager).
import type { Logger } from 'pino';

import type { Applier } from '../runtime/apply.ts';
import type { Caches } from '../runtime/caches.ts';
import { conditionTransitions, mergeConditions } from '../runtime/conditions.ts';
import type { ConditionInput } from '../runtime/conditions.ts';
import type { ReconcileContext, ReconcileRequest, ReconcileResult, Reconciler } from '../runtime/controller.ts';
import type { EventRecorder } from '../runtime/events.ts';
import type { KubeClient } from '../runtime/kube-client.ts';
import { NUDGE_EXPERIMENT } from '../runtime/resources.ts';
import { applyChildren } from '../workload/children.ts';
import { deploymentState } from '../workload/deployment-state.ts';
import { diagnoseStalledPods, earliestRequeue } from '../workload/pod-diagnosis.ts';
import { writeStatus } from '../workload/status-patch.ts';
import type { NudgeExperiment, NudgeExperimentStatus } from '../workload/types.ts';
import { desiredChildren, nudgeExperimentUrl, scorerName } from './builders.ts';
import type { ExperimentModel } from './builders.ts';
import { resolveModelRelease } from './model-release.ts';
import { experimentConfigProblem } from './experiment-config.ts';
import {
  ConditionType,
  PENDING_READY_REASONS,
  Reason,
  computeNudgeExperimentStatus,
  invalidConfigConditions,
  invalidLayoutConditions,
  waitingForModelConditions,
} from './status.ts';
import { variantLayoutProblem } from './variant-layout.ts';

/** Ready reasons that get an Event even on a new experiment, because only a spec change fixes them. */
const USER_ACTION_REASONS: ReadonlySet<string> = new Set([
  Reason.ModelNotFound,
  Reason.InvalidVariantLayout,
  Reason.InvalidExperimentConfig,
]);

/** Index of experiments by the `namespace/name` of the ChurnModel they reference. */
export const MODEL_REF_INDEX = 'modelRef';

export function modelRefIndex(experiment: NudgeExperiment): string[] {
  const name = experiment.spec?.modelRef?.name;
  return name ? [`${experiment.metadata?.namespace}/${name}`] : [];
}

export interface NudgeExperimentReconcilerDeps {
  client: KubeClient;
  applier: Applier;
  caches: Caches;
  events: EventRecorder;
  image: string;
  now?: () => Date;
}

export class NudgeExperimentReconciler implements Reconciler {
  readonly #deps: NudgeExperimentReconcilerDeps;

  constructor(deps: NudgeExperimentReconcilerDeps) {
    this.#deps = deps;
  }

  async reconcile(request: ReconcileRequest, context: ReconcileContext): Promise<ReconcileResult | void> {
    const experiment = this.fetch(request);
    if (!experiment) return;

    const invalid = this.checkConfig(experiment);
    if (invalid !== undefined) {
      // The scorer would exit at start-up, so the children keep their last valid
      // configuration. A spec change enqueues the experiment again.
      await this.updateStatus(experiment, {}, invalid, context.logger);
      return;
    }

    const resolution = this.resolveModel(experiment);
    if ('waiting' in resolution) {
      // A later ChurnModel event enqueues this experiment again, so no timed retry is needed.
      await this.updateStatus(experiment, {}, waitingForModelConditions(experiment, resolution.waiting), context.logger);
      return;
    }

    const deployment = await this.reconcileChildren(experiment, resolution.source, context.logger);

    const pods = await diagnoseStalledPods(this.#deps.client, deployment, this.#deps.now?.() ?? new Date(), context.logger);

    const computed = computeNudgeExperimentStatus(experiment, {
      deploymentName: scorerName(experiment),
      deployment: deploymentState(deployment),
      release: resolution.source.release,
      url: nudgeExperimentUrl(experiment, resolution.source),
      podReason: pods.podReason,
    });
    await this.updateStatus(experiment, computed.status, computed.conditions, context.logger);

    return earliestRequeue(pods.requeueAfterMs);
  }

  fetch(request: ReconcileRequest): NudgeExperiment | undefined {
    const experiment = this.#deps.caches.nudgeExperiments.get(request.namespace, request.name);
    if (!experiment || experiment.metadata?.deletionTimestamp) return undefined;
    return experiment;
  }

  /**
   * Returns the halted conditions when the scorer would reject the experiment. The layout
   * check comes first, because its message names the largest weight that fits.
   */
  checkConfig(experiment: NudgeExperiment): ConditionInput[] | undefined {
    const layoutProblem = variantLayoutProblem(experiment);
    if (layoutProblem !== undefined) return invalidLayoutConditions(experiment, layoutProblem);

    const configProblem = experimentConfigProblem(experiment);
    if (configProblem !== undefined) return invalidConfigConditions(experiment, configProblem);
    return undefined;
  }

  resolveModel(experiment: NudgeExperiment): { source: ExperimentModel } | { waiting: { reason: string; message: string } } {
    const modelName = experiment.spec.modelRef.name;
    const model = this.#deps.caches.churnModels.get(experiment.metadata?.namespace ?? '', modelName);
    const resolution = resolveModelRelease(modelName, model);
    if ('waiting' in resolution) return resolution;
    return { source: { model: model!, release: resolution.release } };
  }

  async reconcileChildren(experiment: NudgeExperiment, source: ExperimentModel, logger: Logger) {
    const desired = desiredChildren(experiment, source, { image: this.#deps.image });
    return applyChildren(experiment, desired, this.#deps, logger);
  }

  async updateStatus(
    experiment: NudgeExperiment,
    fields: NudgeExperimentStatus,
    conditionInputs: ConditionInput[],
    logger: Logger,
  ): Promise<void> {
    const now = this.#deps.now?.() ?? new Date();
    const conditions = mergeConditions(experiment.status?.conditions, conditionInputs, now);
    const next: NudgeExperimentStatus = { ...fields, observedGeneration: experiment.metadata?.generation, conditions };

    const written = await writeStatus(this.#deps.client, NUDGE_EXPERIMENT, experiment, next, this.#deps.caches.nudgeExperiments);
    if (!written) return;

    for (const transition of conditionTransitions(experiment.status?.conditions, conditions)) {
      const { to } = transition;
      logger.info({ condition: to.type, status: to.status, reason: to.reason, previousStatus: transition.from }, 'Condition changed');
      if (to.type !== ConditionType.Ready) continue;
      const healthy = to.status === 'True';
      // A new experiment starts not ready; only causes that need the user's action are worth an Event then.
      if (transition.from === undefined && !healthy && !USER_ACTION_REASONS.has(to.reason)) continue;
      const pending = PENDING_READY_REASONS.has(to.reason);
      await this.#deps.events.record(experiment, {
        type: healthy || pending ? 'Normal' : 'Warning',
        reason: to.reason,
        action: 'Reconcile',
        note: to.message,
      });
    }
  }
}
