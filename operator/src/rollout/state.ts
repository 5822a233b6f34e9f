// The rollout state machine of a ChurnModel. It is pure. Its inputs are the object, what
// the operator observed of the scorer Deployments, the analysis verdict and the current
// time. It decides which version the stable Deployment runs, whether a canary runs and
// with what share of requests, and the new rollout status. Every fact it needs across
// reconciles lives in status (canary, history, conditions), so an operator restart
// resumes a rollout at the same step.
import {
  DEGRADED,
  DegradedReason,
  HistoryReason,
  PROGRESSING,
  ProgressingReason,
  RollbackReason,
  findCondition,
  isRollbackReason,
  mergeCondition,
} from './conditions.ts';
import type { RollbackReasonValue } from './conditions.ts';
import { canaryScorerName, stableDeploymentName } from './names.ts';
import { canaryReplicas, rolloutSettings } from './settings.ts';
import type { RolloutSettings } from './settings.ts';
import { describeTarget, formatTime, parseTime, sameTarget, secondsBetween, targetOfSpec } from './targets.ts';
import type {
  AnalysisVerdict,
  CanaryStatus,
  Condition,
  DeploymentObservation,
  HistoryEntry,
  ModelTarget,
  RolloutModel,
} from './types.ts';

/** status.history keeps this many entries, the newest last. */
export const MAX_HISTORY = 20;

/** Reason of the Warning Event of a rollback. */
export const ROLLED_BACK_EVENT = 'RolledBack';

/** How often a rollout that waits for pods looks again when no watch event wakes it, in seconds. */
export const POLL_SECONDS = 10;

export interface RolloutInput {
  model: RolloutModel;
  /** The stable Deployment as observed, or undefined when it does not exist yet. */
  stable: DeploymentObservation | undefined;
  /** The canary Deployment as observed, or undefined when it does not exist. */
  canary: DeploymentObservation | undefined;
  /** The analysis of the current canary step, or undefined when none was run. */
  verdict: AnalysisVerdict | undefined;
  now: Date;
}

/** The canary objects to apply. When a decision has none, the canary objects are deleted. */
export interface DesiredCanary {
  target: ModelTarget;
  /** Percent of requests for the canary Ingress; 0 means the canary Ingress is not applied yet. */
  weight: number;
  replicas: number;
}

export interface RolloutEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface RolloutStatusUpdate {
  currentVersion: string;
  currentModelUri: string;
  currentSha256: string | undefined;
  /** undefined removes status.canary. */
  canary: CanaryStatus | undefined;
  history: HistoryEntry[];
  /** The Progressing and Degraded conditions. */
  conditions: Condition[];
}

export interface RolloutDecision {
  /** The version the stable Deployment, ConfigMap, Service and Ingress serve. */
  stable: ModelTarget;
  canary: DesiredCanary | undefined;
  status: RolloutStatusUpdate;
  /** Events to record on the ChurnModel; only transitions produce them. */
  events: RolloutEvent[];
  /** When to reconcile again although nothing changes, in whole seconds. */
  requeueAfterSeconds: number | undefined;
}

type ConditionDraft = Pick<Condition, 'status' | 'reason' | 'message'>;

interface PhaseResult {
  progressing: ConditionDraft;
  degraded: ConditionDraft;
  requeueAfterSeconds?: number;
}

/** The working state of one decision; the phases below update it in order. */
interface Work {
  readonly input: RolloutInput;
  readonly settings: RolloutSettings;
  readonly modelName: string;
  readonly desired: ModelTarget;
  stable: ModelTarget | undefined;
  canary: CanaryStatus | undefined;
  history: HistoryEntry[];
  events: RolloutEvent[];
}

const HEALTHY: ConditionDraft = {
  status: 'False',
  reason: DegradedReason.AsExpected,
  message: 'No rollout has failed.',
};

export function decideRollout(input: RolloutInput): RolloutDecision {
  const work = startWork(input);
  const phase = runPhases(work);
  return finishDecision(work, phase);
}

function startWork(input: RolloutInput): Work {
  const status = input.model.status ?? {};
  const stable =
    status.currentVersion && status.currentModelUri
      ? { version: status.currentVersion, modelUri: status.currentModelUri, sha256: status.currentSha256 }
      : undefined;

  return {
    input,
    settings: rolloutSettings(input.model.spec),
    modelName: input.model.metadata.name ?? '',
    desired: targetOfSpec(input.model.spec),
    stable,
    canary: status.canary === undefined ? undefined : { ...status.canary },
    history: [...(status.history ?? [])],
    events: [],
  };
}

function runPhases(work: Work): PhaseResult {
  if (work.stable === undefined) {
    return deployFirstVersion(work);
  }

  endUnwantedCanary(work, work.stable);

  if (work.canary !== undefined && sameTarget(work.canary, work.stable)) {
    if (sameTarget(work.desired, work.stable)) {
      return finishPromotion(work, work.canary);
    }
    // A newer version arrived while the promoted one rolled out: the canary objects
    // are reused for the newer version, starting at the first step.
    work.canary = undefined;
  }

  if (sameTarget(work.desired, work.stable)) {
    return holdStable(work);
  }
  if (isRejected(work)) {
    return holdRejected(work);
  }
  if (!usesCanary(work.settings)) {
    return updateInPlace(work);
  }

  if (work.canary === undefined) {
    // The observed canary Deployment, if any, still runs the previous canary: wait for
    // the next reconcile to judge the new one.
    const canary = startCanary(work);
    if (work.settings.paused) {
      return pausedResult(work, `The canary of version ${canary.version} is paused at ${describeStep(work, canary)}.`, undefined);
    }
    return warmUpCanary(work, canary, false);
  }
  return progressCanary(work, work.canary);
}

// -- Phases -------------------------------------------------------------------------

function deployFirstVersion(work: Work): PhaseResult {
  work.stable = work.desired;
  work.canary = undefined;
  appendHistory(work, work.desired, 'Promoted', HistoryReason.InitialVersion);
  return holdStable(work);
}

/**
 * Aborts the running canary when spec no longer names its version: spec.version went
 * back to the stable version, spec moved to another new version, or the strategy changed.
 */
function endUnwantedCanary(work: Work, stable: ModelTarget): void {
  const canary = work.canary;
  if (canary === undefined || sameTarget(canary, stable)) {
    return;
  }
  if (sameTarget(canary, work.desired) && usesCanary(work.settings)) {
    return;
  }

  const reason = abortReason(work, stable);
  work.canary = undefined;
  appendHistory(work, canary, 'Aborted', reason);
  work.events.push({
    type: 'Normal',
    reason: 'RolloutAborted',
    message: `Aborted the canary of version ${canary.version} (${reason}); version ${stable.version} keeps serving.`,
  });
}

function abortReason(work: Work, stable: ModelTarget): string {
  if (work.desired.version === stable.version) {
    return HistoryReason.VersionReverted;
  }
  if (!usesCanary(work.settings)) {
    return HistoryReason.StrategyChanged;
  }
  return HistoryReason.Superseded;
}

/** Reports whether the stable Deployment runs the stable version, which spec names, on every replica. */
function holdStable(work: Work): PhaseResult {
  const stable = work.stable as ModelTarget;
  const observed = work.input.stable;
  const deployment = `Deployment ${stableDeploymentName(work.modelName)}`;

  if (observed !== undefined && runsTarget(observed, stable) && observed.rolledOut) {
    return {
      progressing: {
        status: 'False',
        reason: ProgressingReason.RolloutComplete,
        message: `${deployment} runs version ${stable.version} on every replica.`,
      },
      degraded: HEALTHY,
    };
  }

  const previous = findCondition(work.input.model.status?.conditions, PROGRESSING);
  if (previous !== undefined && previous.observedGeneration === work.input.model.metadata.generation) {
    if (previous.reason === ProgressingReason.RolloutComplete) {
      // The rollout of this generation finished before; a pod that restarts later is
      // the Ready condition's concern, not a new rollout.
      return { progressing: previous, degraded: HEALTHY };
    }
    if (previous.reason === ProgressingReason.ProgressDeadlineExceeded) {
      return { progressing: previous, degraded: keptDegraded(work) ?? HEALTHY, requeueAfterSeconds: POLL_SECONDS };
    }
  }

  return waitForStable(work, stable, observed, previous);
}

function waitForStable(
  work: Work,
  stable: ModelTarget,
  observed: DeploymentObservation | undefined,
  previous: Condition | undefined,
): PhaseResult {
  const deployment = `Deployment ${stableDeploymentName(work.modelName)}`;
  const now = work.input.now;
  const since = previous?.status === 'True' ? parseTime(previous.lastTransitionTime, now) : now;
  const elapsed = secondsBetween(since, now);
  const deadline = work.settings.progressDeadlineSeconds;
  const detail = observed?.notReadyReason ? `: ${observed.notReadyReason}` : '';

  if (elapsed >= deadline) {
    const message =
      `${deployment} did not finish rolling out version ${stable.version} within ${deadline}s${detail}. ` +
      'Pods of the previous version keep serving because the update never removes a pod before its replacement is ready.';
    return deadlineExceeded(message);
  }

  return {
    progressing: {
      status: 'True',
      reason: ProgressingReason.RollingUpdate,
      message: `Waiting for ${deployment} to run version ${stable.version} on every replica${detail}.`,
    },
    degraded: HEALTHY,
    // The Deployment's changes arrive as watch events, and the pod diagnosis schedules
    // its own checks, so the only timed wake-up left is the deadline.
    requeueAfterSeconds: deadline - elapsed,
  };
}

/**
 * Returns whether a canary of this exact bundle was rolled back and spec has not changed
 * since, in which case it is not tried again. Reverting spec.version clears Degraded,
 * which lifts the block.
 */
function isRejected(work: Work): boolean {
  const degraded = findCondition(work.input.model.status?.conditions, DEGRADED);
  if (degraded?.status !== 'True' || !isRollbackReason(degraded.reason)) {
    return false;
  }

  const lastRollback = work.history.findLast((entry) => entry.outcome === 'RolledBack');
  if (lastRollback === undefined) {
    return false;
  }
  // Entries without modelUri come from objects written before it was recorded: the
  // version alone decides then, so a failed version is never retried in a loop.
  if (lastRollback.modelUri === undefined) {
    return lastRollback.version === work.desired.version;
  }
  return sameTarget({ ...lastRollback, modelUri: lastRollback.modelUri }, work.desired);
}

function holdRejected(work: Work): PhaseResult {
  const stable = work.stable as ModelTarget;
  const degraded = keptDegraded(work) as ConditionDraft;
  return {
    progressing: {
      status: 'False',
      reason: ProgressingReason.CanaryRolledBack,
      message:
        `The canary of ${describeTarget(work.desired)} was rolled back (${degraded.reason}) and version ` +
        `${stable.version} keeps serving. Change spec.version, spec.modelUri or spec.sha256 to roll out again.`,
    },
    degraded,
  };
}

/** strategy Rolling (or no replicas to run a canary on): the stable Deployment takes the new version. */
function updateInPlace(work: Work): PhaseResult {
  if (work.settings.paused) {
    return pausedResult(work, `The rolling update to version ${work.desired.version} is paused.`, undefined);
  }
  work.stable = work.desired;
  appendHistory(work, work.desired, 'Promoted', HistoryReason.RollingUpdate);
  return waitForStable(work, work.desired, work.input.stable, undefined);
}

function startCanary(work: Work): CanaryStatus {
  const canary: CanaryStatus = {
    version: work.desired.version,
    modelUri: work.desired.modelUri,
    weight: 0,
    step: 0,
    stepStartedAt: formatTime(work.input.now),
  };
  if (work.desired.sha256 !== undefined) {
    canary.sha256 = work.desired.sha256;
  }

  work.canary = canary;
  work.events.push({
    type: 'Normal',
    reason: 'CanaryStarted',
    message: `Started a canary of version ${canary.version}; version ${work.stable?.version} keeps serving.`,
  });
  return canary;
}

function progressCanary(work: Work, canary: CanaryStatus): PhaseResult {
  const observed = work.input.canary;
  const matches = observed !== undefined && runsTarget(observed, canary);
  const verdict = work.input.verdict;

  // Safety checks hold even while the rollout is paused.
  if (canary.weight > 0 && !(matches && observed.readyReplicas > 0)) {
    const detail = observed?.notReadyReason ? `: ${observed.notReadyReason}` : '';
    return rollBack(work, canary, RollbackReason.CanaryNotReady, `The canary lost every ready pod${detail}.`);
  }
  if (canary.weight > 0 && verdict?.outcome === 'Fail') {
    return rollBack(work, canary, verdict.reason, verdict.message);
  }

  if (work.settings.paused) {
    const interval = canary.weight > 0 ? work.settings.analysis?.intervalSeconds : undefined;
    return pausedResult(work, `The canary of version ${canary.version} is paused at ${describeStep(work, canary)}.`, interval);
  }

  const ready = matches && observed.rolledOut;
  if (canary.weight === 0) {
    return warmUpCanary(work, canary, ready);
  }
  return runStep(work, canary, ready);
}

/** Before the first step: the canary gets requests only once every canary pod is ready. */
function warmUpCanary(work: Work, canary: CanaryStatus, ready: boolean): PhaseResult {
  if (ready) {
    return enterStep(work, canary, 0);
  }

  const elapsed = elapsedInStep(work, canary);
  const deadline = work.settings.progressDeadlineSeconds;
  const detail = work.input.canary?.notReadyReason ? `: ${work.input.canary.notReadyReason}` : '';

  if (elapsed >= deadline) {
    const message = `The canary pods were not ready within progressDeadlineSeconds (${deadline}s)${detail}.`;
    return rollBack(work, canary, RollbackReason.CanaryNotReady, message);
  }
  return {
    progressing: {
      status: 'True',
      reason: ProgressingReason.CanaryPending,
      message: `Waiting for the pods of Deployment ${canaryScorerName(work.modelName)} (version ${canary.version}) to become ready${detail}.`,
    },
    degraded: HEALTHY,
    requeueAfterSeconds: Math.min(POLL_SECONDS, deadline - elapsed),
  };
}

function runStep(work: Work, canary: CanaryStatus, ready: boolean): PhaseResult {
  const elapsed = elapsedInStep(work, canary);
  const pause = work.settings.steps[canary.step]?.pauseSeconds ?? 0;
  const deadline = work.settings.progressDeadlineSeconds;
  const analysis = work.settings.analysis;

  if (!ready && elapsed >= deadline) {
    const detail = work.input.canary?.notReadyReason ? `: ${work.input.canary.notReadyReason}` : '';
    const message = `Not every canary pod was ready within progressDeadlineSeconds (${deadline}s)${detail}.`;
    return rollBack(work, canary, RollbackReason.CanaryNotReady, message);
  }

  if (elapsed < pause || !ready) {
    const wait = elapsed < pause ? pause - elapsed : POLL_SECONDS;
    return stepProgress(work, canary, Math.min(wait, analysis?.intervalSeconds ?? wait));
  }
  if (analysis === undefined || work.input.verdict?.outcome === 'Pass') {
    return advance(work, canary);
  }

  // The step is over but the analysis is inconclusive, or was not run: retry every
  // interval, and fail once the retries since the end of the step reach the limit.
  const overdue = elapsed - pause;
  const verdict = work.input.verdict;
  if (verdict?.outcome === 'Inconclusive' && overdue >= analysis.inconclusiveLimit * analysis.intervalSeconds) {
    const message = `The analysis stayed inconclusive for ${analysis.inconclusiveLimit} retries: ${verdict.message}`;
    return rollBack(work, canary, RollbackReason.AnalysisInconclusive, message);
  }
  const note = verdict === undefined ? 'waiting for analysis' : `analysis inconclusive: ${verdict.message}`;
  return stepProgress(work, canary, analysis.intervalSeconds, note);
}

function advance(work: Work, canary: CanaryStatus): PhaseResult {
  const next = canary.step + 1;
  if (next >= work.settings.steps.length) {
    return promote(work, canary);
  }
  return enterStep(work, canary, next);
}

function enterStep(work: Work, canary: CanaryStatus, step: number): PhaseResult {
  const settings = work.settings.steps[step];
  if (settings === undefined) {
    return promote(work, canary);
  }

  canary.step = step;
  canary.weight = settings.weight;
  canary.stepStartedAt = formatTime(work.input.now);
  work.events.push({
    type: 'Normal',
    reason: 'CanaryStepStarted',
    message: `The canary of version ${canary.version} entered ${describeStep(work, canary)}.`,
  });

  const interval = work.settings.analysis?.intervalSeconds ?? settings.pauseSeconds;
  return stepProgress(work, canary, Math.max(1, Math.min(settings.pauseSeconds, interval)));
}

function stepProgress(work: Work, canary: CanaryStatus, requeueAfterSeconds: number, note?: string): PhaseResult {
  const suffix = note === undefined ? '' : `; ${note}`;
  return {
    progressing: {
      status: 'True',
      reason: ProgressingReason.CanaryProgressing,
      message: `The canary of version ${canary.version} is at ${describeStep(work, canary)}${suffix}.`,
    },
    degraded: HEALTHY,
    requeueAfterSeconds,
  };
}

/**
 * Promotes the canary once every step has passed. The stable objects take the canary's
 * version, and the canary keeps serving until they run it.
 */
function promote(work: Work, canary: CanaryStatus): PhaseResult {
  work.stable = { version: canary.version, modelUri: canary.modelUri, sha256: canary.sha256 };
  canary.stepStartedAt = formatTime(work.input.now);
  appendHistory(work, canary, 'Promoted', HistoryReason.CanarySucceeded);
  work.events.push({
    type: 'Normal',
    reason: 'Promoted',
    message: `Promoted version ${canary.version} to stable after ${work.settings.steps.length} canary steps.`,
  });
  return finishPromotion(work, canary);
}

function finishPromotion(work: Work, canary: CanaryStatus): PhaseResult {
  const observed = work.input.stable;
  if (observed !== undefined && runsTarget(observed, canary) && observed.rolledOut) {
    work.canary = undefined;
    return holdStable(work);
  }

  const deployment = `Deployment ${stableDeploymentName(work.modelName)}`;
  const elapsed = elapsedInStep(work, canary);
  const deadline = work.settings.progressDeadlineSeconds;
  const detail = observed?.notReadyReason ? `: ${observed.notReadyReason}` : '';

  if (elapsed >= deadline) {
    const message =
      `${deployment} did not roll to the promoted version ${canary.version} within ${deadline}s${detail}. ` +
      `The canary keeps its ${canary.weight}% of requests until it does.`;
    return deadlineExceeded(message);
  }
  return {
    progressing: {
      status: 'True',
      reason: ProgressingReason.CanaryPromoting,
      message: `Version ${canary.version} was promoted; waiting for ${deployment} to run it on every replica${detail}.`,
    },
    degraded: HEALTHY,
    // As in waitForStable, only the deadline needs a timed wake-up.
    requeueAfterSeconds: deadline - elapsed,
  };
}

/** Removes the canary; the stable Deployment is left exactly as it was. */
function rollBack(work: Work, canary: CanaryStatus, reason: RollbackReasonValue, detail: string): PhaseResult {
  const stable = work.stable as ModelTarget;
  work.canary = undefined;
  appendHistory(work, canary, 'RolledBack', reason);

  const message = `Rolled back the canary of version ${canary.version}: ${detail} Version ${stable.version} keeps serving.`;
  work.events.push({ type: 'Warning', reason: ROLLED_BACK_EVENT, message });

  return {
    progressing: {
      status: 'False',
      reason: ProgressingReason.CanaryRolledBack,
      message:
        `${message} Change spec.version, spec.modelUri or spec.sha256 to roll out again, ` +
        `or set spec.version back to ${stable.version}.`,
    },
    degraded: { status: 'True', reason, message },
  };
}

function pausedResult(work: Work, message: string, requeueAfterSeconds: number | undefined): PhaseResult {
  const result: PhaseResult = {
    progressing: {
      status: 'Unknown',
      reason: ProgressingReason.RolloutPaused,
      message: `${message} Set spec.rollout.paused to false to resume.`,
    },
    degraded: HEALTHY,
  };
  if (requeueAfterSeconds !== undefined) {
    result.requeueAfterSeconds = requeueAfterSeconds;
  }
  return result;
}

// -- Helpers ------------------------------------------------------------------------

function usesCanary(settings: RolloutSettings): boolean {
  return settings.strategy === 'Canary' && settings.replicas > 0;
}

/**
 * Returns whether the observed pod template runs `target`. The version label is always
 * there, but the URI and digest annotations are compared only when the Deployment carries them.
 */
function runsTarget(observed: DeploymentObservation, target: ModelTarget): boolean {
  if (observed.version !== target.version) {
    return false;
  }
  if (observed.modelUri !== undefined && observed.modelUri !== target.modelUri) {
    return false;
  }
  return observed.sha256 === undefined || observed.sha256 === (target.sha256 ?? '');
}

function describeStep(work: Work, canary: CanaryStatus): string {
  const total = work.settings.steps.length;
  if (canary.weight === 0) {
    return `warm-up before step 1 of ${total}`;
  }
  return `step ${canary.step + 1} of ${total} with ${canary.weight}% of requests`;
}

function elapsedInStep(work: Work, canary: CanaryStatus): number {
  return secondsBetween(parseTime(canary.stepStartedAt, work.input.now), work.input.now);
}

/** Returns the current Degraded condition when it reports a failure, otherwise undefined. */
function keptDegraded(work: Work): ConditionDraft | undefined {
  const degraded = findCondition(work.input.model.status?.conditions, DEGRADED);
  return degraded?.status === 'True' ? degraded : undefined;
}

function appendHistory(work: Work, target: ModelTarget, outcome: HistoryEntry['outcome'], reason: string): void {
  const entry: HistoryEntry = {
    version: target.version,
    modelUri: target.modelUri,
    outcome,
    reason,
    time: formatTime(work.input.now),
  };
  if (target.sha256 !== undefined) {
    entry.sha256 = target.sha256;
  }
  work.history.push(entry);
}

function finishDecision(work: Work, phase: PhaseResult): RolloutDecision {
  const stable = work.stable ?? work.desired;
  const canary = work.canary;
  const previous = work.input.model.status?.conditions;
  const generation = work.input.model.metadata.generation;
  const time = formatTime(work.input.now);

  const toCondition = (type: string, draft: ConditionDraft): Condition =>
    mergeCondition(findCondition(previous, type), {
      type,
      status: draft.status,
      reason: draft.reason,
      message: draft.message,
      lastTransitionTime: time,
      ...(generation === undefined ? {} : { observedGeneration: generation }),
    });

  return {
    stable,
    canary:
      canary === undefined
        ? undefined
        : { target: { version: canary.version, modelUri: canary.modelUri, sha256: canary.sha256 }, weight: canary.weight, replicas: canaryReplicas(work.settings) },
    status: {
      currentVersion: stable.version,
      currentModelUri: stable.modelUri,
      currentSha256: stable.sha256,
      canary,
      history: work.history.slice(-MAX_HISTORY),
      conditions: [toCondition(PROGRESSING, phase.progressing), toCondition(DEGRADED, phase.degraded)],
    },
    events: work.events,
    requeueAfterSeconds: phase.requeueAfterSeconds === undefined ? undefined : Math.max(1, Math.ceil(phase.requeueAfterSeconds)),
  };
}

/** The canary series and time window the analysis measures before the next decision. */
export interface AnalysisRequest {
  target: ModelTarget;
  /** The range of the PromQL queries: the time since the step started, at least one interval. */
  windowSeconds: number;
}

/**
 * Returns the analysis the next decision needs, or undefined when none is due: no
 * analysis is configured, or no canary gets requests, or spec no longer wants the canary.
 */
export function planAnalysis(model: RolloutModel, now: Date): AnalysisRequest | undefined {
  const settings = rolloutSettings(model.spec);
  const status = model.status ?? {};
  const canary = status.canary;
  if (settings.analysis === undefined || canary === undefined || canary.weight === 0 || !usesCanary(settings)) {
    return undefined;
  }
  if (!sameTarget(canary, targetOfSpec(model.spec))) {
    return undefined;
  }
  const promoted =
    status.currentVersion !== undefined &&
    status.currentModelUri !== undefined &&
    sameTarget(canary, { version: status.currentVersion, modelUri: status.currentModelUri, sha256: status.currentSha256 });
  if (promoted) {
    return undefined;
  }

  const elapsed = secondsBetween(parseTime(canary.stepStartedAt, now), now);
  return {
    target: { version: canary.version, modelUri: canary.modelUri, sha256: canary.sha256 },
    windowSeconds: Math.max(elapsed, settings.analysis.intervalSeconds),
  };
}

/** Reports a stable Deployment that missed progressDeadlineSeconds, in Progressing and Degraded alike. */
function deadlineExceeded(message: string) {
  return {
    progressing: { status: 'False', reason: ProgressingReason.ProgressDeadlineExceeded, message },
    degraded: { status: 'True', reason: DegradedReason.ProgressDeadlineExceeded, message },
    requeueAfterSeconds: POLL_SECONDS,
  } as const;
}
