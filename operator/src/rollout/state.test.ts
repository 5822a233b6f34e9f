import { describe, expect, it } from 'vitest';

import { decideRollout, MAX_HISTORY, planAnalysis } from './state.ts';
import type { RolloutDecision, RolloutInput } from './state.ts';
import type {
  AnalysisVerdict,
  CanaryStatus,
  Condition,
  DeploymentObservation,
  HistoryEntry,
  RolloutModel,
  RolloutModelStatus,
  RolloutSpec,
} from './types.ts';

const T0 = new Date('2026-03-01T10:00:00Z');
const V1 = { version: '1.0.0', modelUri: 'https://models.example.com/telco/1.0.0/' };
const V2 = { version: '1.1.0', modelUri: 'https://models.example.com/telco/1.1.0/' };
const V3 = { version: '1.2.0', modelUri: 'https://models.example.com/telco/1.2.0/' };
const ANALYSIS = { prometheusUrl: 'http://prometheus.monitoring:9090' };

function at(seconds: number): Date {
  return new Date(T0.getTime() + seconds * 1000);
}

function iso(seconds: number): string {
  return at(seconds).toISOString().replace('.000Z', 'Z');
}

function rolledOut(version: string, readyReplicas = 2): DeploymentObservation {
  return { version, rolledOut: true, readyReplicas, notReadyReason: undefined };
}

function notReady(version: string, reason?: string, readyReplicas = 0): DeploymentObservation {
  return { version, rolledOut: false, readyReplicas, notReadyReason: reason };
}

function condition(type: string, status: Condition['status'], reason: string, since = 0, generation = 2): Condition {
  return { type, status, reason, message: '', lastTransitionTime: iso(since), observedGeneration: generation };
}

/** Builds a model serving V1 on a rolled-out stable Deployment, whose spec requests `target`. */
function model(
  target: { version: string; modelUri: string; sha256?: string },
  status: RolloutModelStatus = stableStatus(),
  rollout: RolloutSpec = {},
  extra: { replicas?: number; generation?: number } = {},
): RolloutModel {
  return {
    metadata: { name: 'telco', namespace: 'ml', generation: extra.generation ?? 2 },
    spec: {
      ...target,
      replicas: extra.replicas ?? 2,
      rollout: {
        steps: [
          { weight: 10, pauseSeconds: 60 },
          { weight: 50, pauseSeconds: 120 },
        ],
        progressDeadlineSeconds: 300,
        ...rollout,
      },
    },
    status,
  };
}

function stableStatus(extra: Partial<RolloutModelStatus> = {}): RolloutModelStatus {
  return {
    currentVersion: V1.version,
    currentModelUri: V1.modelUri,
    history: [{ ...V1, outcome: 'Promoted', reason: 'InitialVersion', time: iso(-3600) }],
    conditions: [
      condition('Progressing', 'False', 'RolloutComplete', -3600),
      condition('Degraded', 'False', 'AsExpected', -3600),
    ],
    ...extra,
  };
}

function canaryAt(step: number, weight: number, startedAt: number, target = V2): CanaryStatus {
  return { ...target, weight, step, stepStartedAt: iso(startedAt) };
}

function decide(input: Partial<RolloutInput> & { model: RolloutModel }): RolloutDecision {
  return decideRollout({
    stable: rolledOut(V1.version),
    canary: undefined,
    verdict: undefined,
    now: T0,
    ...input,
  });
}

function conditionOf(decision: RolloutDecision, type: string): Condition {
  const found = decision.status.conditions.find((c) => c.type === type);
  if (found === undefined) {
    throw new Error(`no ${type} condition`);
  }
  return found;
}

function lastHistory(decision: RolloutDecision): HistoryEntry | undefined {
  return decision.status.history.at(-1);
}

/** Builds the model with the status the next reconcile reads after the decision is written. */
function afterDecision(before: RolloutModel, decision: RolloutDecision): RolloutModel {
  const status: RolloutModelStatus = {
    currentVersion: decision.status.currentVersion,
    currentModelUri: decision.status.currentModelUri,
    history: decision.status.history,
    conditions: decision.status.conditions,
  };
  if (decision.status.currentSha256 !== undefined) status.currentSha256 = decision.status.currentSha256;
  if (decision.status.canary !== undefined) status.canary = decision.status.canary;
  return { ...before, status };
}

const PASS: AnalysisVerdict = { outcome: 'Pass', message: 'error rate 0 <= 0.01' };
const INCONCLUSIVE: AnalysisVerdict = { outcome: 'Inconclusive', message: 'no requests to the canary' };
const ERRORS: AnalysisVerdict = {
  outcome: 'Fail',
  reason: 'ErrorRateTooHigh',
  message: 'The error rate 0.42 is above maxErrorRate 0.01.',
};

describe('decideRollout first version', () => {
  it('deploys the first version straight to stable', () => {
    const decision = decide({ model: model(V1, {}), stable: undefined });

    expect(decision.stable).toEqual({ ...V1, sha256: undefined });
    expect(decision.canary).toBeUndefined();
    expect(decision.status.currentVersion).toBe('1.0.0');
    expect(lastHistory(decision)).toMatchObject({ version: '1.0.0', outcome: 'Promoted', reason: 'InitialVersion' });
    expect(conditionOf(decision, 'Progressing')).toMatchObject({ status: 'True', reason: 'RollingUpdate' });
    // Deployment changes arrive as watch events; only the 300 s progress deadline needs a timer.
    expect(decision.requeueAfterSeconds).toBe(300);
  });

  it('reports completion once the stable pods run it', () => {
    const first = decide({ model: model(V1, {}), stable: undefined });
    const decision = decide({ model: afterDecision(model(V1, {}), first), stable: rolledOut('1.0.0'), now: at(20) });

    expect(conditionOf(decision, 'Progressing')).toMatchObject({ status: 'False', reason: 'RolloutComplete' });
    expect(decision.status.history).toHaveLength(1);
    expect(decision.requeueAfterSeconds).toBeUndefined();
  });

  it('deploys the first version even while paused', () => {
    const decision = decide({ model: model(V1, {}, { paused: true }), stable: undefined });

    expect(decision.stable.version).toBe('1.0.0');
    expect(decision.canary).toBeUndefined();
  });
});

describe('decideRollout steady state', () => {
  it('changes nothing for an unchanged model', () => {
    const input = afterDecision(model(V1), decide({ model: model(V1), now: at(-10) }));
    const decision = decide({ model: input });

    expect(decision.status.conditions).toEqual(input.status?.conditions);
    expect(decision.status.history).toEqual(input.status?.history);
    expect(decision.status.canary).toBeUndefined();
    expect(decision.events).toEqual([]);
    expect(decision.requeueAfterSeconds).toBeUndefined();
  });

  it('keeps completion when a stable pod restarts later', () => {
    const decision = decide({ model: model(V1), stable: notReady('1.0.0', 'one pod restarting', 1) });

    expect(conditionOf(decision, 'Progressing')).toMatchObject({ status: 'False', reason: 'RolloutComplete' });
  });
});

describe('decideRollout canary steps', () => {
  it('starts a canary without requests', () => {
    const decision = decide({ model: model(V2) });

    expect(decision.stable.version).toBe('1.0.0');
    expect(decision.canary).toEqual({ target: { ...V2, sha256: undefined }, weight: 0, replicas: 1 });
    expect(decision.status.canary).toEqual({ ...V2, weight: 0, step: 0, stepStartedAt: iso(0) });
    expect(decision.events.map((e) => e.reason)).toEqual(['CanaryStarted']);
    expect(conditionOf(decision, 'Progressing')).toMatchObject({
      status: 'True',
      reason: 'CanaryPending',
      lastTransitionTime: iso(0),
    });
  });

  it('sizes the canary for the largest step weight', () => {
    const decision = decide({ model: model(V2, stableStatus(), {}, { replicas: 7 }) });

    expect(decision.canary?.replicas).toBe(4);
  });

  it('waits for canary pods within the deadline', () => {
    const decision = decide({
      model: model(V2, stableStatus({ canary: canaryAt(0, 0, 0) })),
      canary: notReady('1.1.0', 'container scorer is waiting: ContainerCreating'),
      now: at(295),
    });

    expect(decision.status.canary?.weight).toBe(0);
    expect(conditionOf(decision, 'Progressing').reason).toBe('CanaryPending');
    expect(conditionOf(decision, 'Progressing').message).toContain('ContainerCreating');
    expect(decision.requeueAfterSeconds).toBe(5);
  });

  it('enters the first step once the canary is ready', () => {
    const decision = decide({
      model: model(V2, stableStatus({ canary: canaryAt(0, 0, 0) })),
      canary: rolledOut('1.1.0', 1),
      now: at(30),
    });

    expect(decision.status.canary).toEqual({ ...V2, weight: 10, step: 0, stepStartedAt: iso(30) });
    expect(decision.canary?.weight).toBe(10);
    expect(decision.events.map((e) => e.reason)).toEqual(['CanaryStepStarted']);
    expect(decision.requeueAfterSeconds).toBe(60);
  });

  it('ignores a ready Deployment of another version', () => {
    const decision = decide({
      model: model(V2, stableStatus({ canary: canaryAt(0, 0, 0) })),
      canary: rolledOut('0.9.0', 1),
      now: at(30),
    });

    expect(decision.status.canary?.weight).toBe(0);
  });

  it('ignores a ready Deployment of another bundle', () => {
    const decision = decide({
      model: model(V2, stableStatus({ canary: canaryAt(0, 0, 0) })),
      canary: { ...rolledOut('1.1.0', 1), modelUri: 'https://models.example.com/telco/old/' },
      now: at(30),
    });

    expect(decision.status.canary?.weight).toBe(0);
  });

  it('accepts a Deployment whose annotations match', () => {
    const decision = decide({
      model: model(V2, stableStatus({ canary: canaryAt(0, 0, 0) })),
      canary: { ...rolledOut('1.1.0', 1), modelUri: V2.modelUri, sha256: '' },
      now: at(30),
    });

    expect(decision.status.canary?.weight).toBe(10);
  });

  it('holds a step until its pause is over', () => {
    const decision = decide({
      model: model(V2, stableStatus({ canary: canaryAt(0, 10, 0) })),
      canary: rolledOut('1.1.0', 1),
      now: at(45),
    });

    expect(decision.status.canary).toEqual(canaryAt(0, 10, 0));
    expect(decision.events).toEqual([]);
    expect(decision.requeueAfterSeconds).toBe(15);
  });

  it('advances to the next step after the pause', () => {
    const decision = decide({
      model: model(V2, stableStatus({ canary: canaryAt(0, 10, 0) })),
      canary: rolledOut('1.1.0', 1),
      now: at(60),
    });

    expect(decision.status.canary).toEqual(canaryAt(1, 50, 60));
    expect(decision.canary?.weight).toBe(50);
    expect(decision.stable.version).toBe('1.0.0');
    expect(conditionOf(decision, 'Progressing').message).toContain('step 2 of 2 with 50% of requests');
  });

  it('does not advance while canary pods are missing', () => {
    const decision = decide({
      model: model(V2, stableStatus({ canary: canaryAt(0, 10, 0) })),
      canary: notReady('1.1.0', undefined, 1),
      now: at(100),
    });

    expect(decision.status.canary).toEqual(canaryAt(0, 10, 0));
    expect(decision.requeueAfterSeconds).toBe(10);
  });

  it('promotes after the last step', () => {
    const decision = decide({
      model: model(V2, stableStatus({ canary: canaryAt(1, 50, 60) })),
      canary: rolledOut('1.1.0', 1),
      now: at(180),
    });

    expect(decision.stable).toEqual({ ...V2, sha256: undefined });
    expect(decision.status.currentVersion).toBe('1.1.0');
    expect(decision.status.currentModelUri).toBe(V2.modelUri);
    expect(decision.canary?.weight).toBe(50);
    expect(lastHistory(decision)).toMatchObject({ version: '1.1.0', outcome: 'Promoted', reason: 'CanarySucceeded' });
    expect(decision.events.map((e) => e.reason)).toEqual(['Promoted']);
    expect(conditionOf(decision, 'Progressing').reason).toBe('CanaryPromoting');
  });

  it('removes the canary once stable runs the promoted version', () => {
    const promoting = stableStatus({ currentVersion: V2.version, currentModelUri: V2.modelUri, canary: canaryAt(1, 50, 180) });
    const decision = decide({ model: model(V2, promoting), stable: rolledOut('1.1.0'), now: at(200) });

    expect(decision.canary).toBeUndefined();
    expect(decision.status.canary).toBeUndefined();
    expect(decision.stable.version).toBe('1.1.0');
    expect(conditionOf(decision, 'Progressing')).toMatchObject({ status: 'False', reason: 'RolloutComplete' });
    expect(decision.events).toEqual([]);
  });

  it('keeps the canary while stable is stuck after promotion', () => {
    const promoting = stableStatus({ currentVersion: V2.version, currentModelUri: V2.modelUri, canary: canaryAt(1, 50, 180) });
    const decision = decide({
      model: model(V2, promoting),
      stable: notReady('1.1.0', 'exceeded quota: pods'),
      now: at(480),
    });

    expect(decision.canary?.weight).toBe(50);
    expect(conditionOf(decision, 'Progressing')).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
    expect(conditionOf(decision, 'Degraded')).toMatchObject({ status: 'True', reason: 'ProgressDeadlineExceeded' });
    expect(conditionOf(decision, 'Degraded').message).toContain('exceeded quota: pods');
  });

  it('promotes right after warm-up without steps', () => {
    const decision = decide({
      model: model(V2, stableStatus({ canary: canaryAt(0, 0, 0) }), { steps: [] }),
      canary: rolledOut('1.1.0', 1),
      now: at(10),
    });

    expect(decision.stable.version).toBe('1.1.0');
    expect(lastHistory(decision)?.outcome).toBe('Promoted');
  });

  it('promotes when steps were removed mid-rollout', () => {
    const decision = decide({
      model: model(V2, stableStatus({ canary: canaryAt(1, 50, 0) }), { steps: [{ weight: 20, pauseSeconds: 0 }] }),
      canary: rolledOut('1.1.0', 1),
      now: at(10),
    });

    expect(decision.stable.version).toBe('1.1.0');
  });

  it('restarts a step whose start time is invalid', () => {
    const decision = decide({
      model: model(V2, stableStatus({ canary: { ...canaryAt(0, 10, 0), stepStartedAt: 'yesterday' } })),
      canary: rolledOut('1.1.0', 1),
      now: at(600),
    });

    expect(decision.status.canary?.step).toBe(0);
    expect(decision.requeueAfterSeconds).toBe(60);
  });
});

describe('decideRollout rollback', () => {
  it('rolls back a canary not ready by the deadline', () => {
    const decision = decide({
      model: model(V2, stableStatus({ canary: canaryAt(0, 0, 0) })),
      canary: notReady('1.1.0', 'readyz: model bundle digest mismatch'),
      now: at(300),
    });

    expect(decision.stable).toEqual({ ...V1, sha256: undefined });
    expect(decision.canary).toBeUndefined();
    expect(decision.status.canary).toBeUndefined();
    expect(decision.status.currentVersion).toBe('1.0.0');
    expect(lastHistory(decision)).toMatchObject({
      version: '1.1.0',
      modelUri: V2.modelUri,
      outcome: 'RolledBack',
      reason: 'CanaryNotReady',
      time: iso(300),
    });
    expect(conditionOf(decision, 'Degraded')).toMatchObject({ status: 'True', reason: 'CanaryNotReady' });
    expect(conditionOf(decision, 'Degraded').message).toContain('digest mismatch');
    expect(conditionOf(decision, 'Progressing')).toMatchObject({ status: 'False', reason: 'CanaryRolledBack' });
    expect(decision.events).toHaveLength(1);
    expect(decision.events[0]).toMatchObject({ type: 'Warning', reason: 'RolledBack' });
    expect(decision.events[0]?.message).toContain('Version 1.0.0 keeps serving');
  });

  it('rolls back a canary that lost every ready pod', () => {
    const decision = decide({
      model: model(V2, stableStatus({ canary: canaryAt(1, 50, 60) })),
      canary: notReady('1.1.0', 'CrashLoopBackOff'),
      now: at(70),
    });

    expect(decision.canary).toBeUndefined();
    expect(lastHistory(decision)).toMatchObject({ outcome: 'RolledBack', reason: 'CanaryNotReady' });
  });

  it('rolls back a canary whose Deployment is gone', () => {
    const decision = decide({ model: model(V2, stableStatus({ canary: canaryAt(0, 10, 0) })), canary: undefined, now: at(5) });

    expect(lastHistory(decision)).toMatchObject({ outcome: 'RolledBack', reason: 'CanaryNotReady' });
  });

  it('rolls back a partly ready canary after the deadline', () => {
    const decision = decide({
      model: model(V2, stableStatus({ canary: canaryAt(0, 10, 0) })),
      canary: notReady('1.1.0', 'Insufficient cpu', 1),
      now: at(300),
    });

    expect(lastHistory(decision)).toMatchObject({ outcome: 'RolledBack', reason: 'CanaryNotReady' });
  });

  it('rolls back on a failed analysis mid-step', () => {
    const decision = decide({
      model: model(V2, stableStatus({ canary: canaryAt(0, 10, 0) }), { analysis: ANALYSIS }),
      canary: rolledOut('1.1.0', 1),
      verdict: ERRORS,
      now: at(30),
    });

    expect(decision.canary).toBeUndefined();
    expect(lastHistory(decision)).toMatchObject({ outcome: 'RolledBack', reason: 'ErrorRateTooHigh' });
    expect(conditionOf(decision, 'Degraded')).toMatchObject({ status: 'True', reason: 'ErrorRateTooHigh' });
    expect(conditionOf(decision, 'Degraded').message).toContain('0.42 is above maxErrorRate 0.01');
  });

  it('never changes the stable version on rollback', () => {
    const decision = decide({
      model: model(V2, stableStatus({ canary: canaryAt(1, 50, 60) }), { analysis: ANALYSIS }),
      canary: rolledOut('1.1.0', 1),
      verdict: { outcome: 'Fail', reason: 'LatencyTooHigh', message: 'p99 1.2s is above 0.5s' },
      now: at(100),
    });

    expect(decision.stable).toEqual({ ...V1, sha256: undefined });
    expect(decision.status.currentVersion).toBe('1.0.0');
    expect(lastHistory(decision)?.reason).toBe('LatencyTooHigh');
  });
});

describe('decideRollout analysis', () => {
  const withAnalysis = (canary: CanaryStatus) =>
    model(V2, stableStatus({ canary }), { analysis: { ...ANALYSIS, intervalSeconds: 30, inconclusiveLimit: 3 } });

  it.each([
    ['pass at step end', PASS, 60, { advanced: true, rolledBack: false }],
    ['pass mid-step', PASS, 30, { advanced: false, rolledBack: false }],
    ['inconclusive mid-step', INCONCLUSIVE, 30, { advanced: false, rolledBack: false }],
    ['inconclusive at step end', INCONCLUSIVE, 60, { advanced: false, rolledBack: false }],
    ['inconclusive after two retries', INCONCLUSIVE, 60 + 89, { advanced: false, rolledBack: false }],
    ['inconclusive after three retries', INCONCLUSIVE, 60 + 90, { advanced: false, rolledBack: true }],
    ['missing long after step end', undefined, 60 + 900, { advanced: false, rolledBack: false }],
  ] as const)('%s', (_name, verdict, seconds, expected) => {
    const decision = decide({
      model: withAnalysis(canaryAt(0, 10, 0)),
      canary: rolledOut('1.1.0', 1),
      verdict,
      now: at(seconds),
    });

    expect(decision.status.canary?.step === 1).toBe(expected.advanced);
    expect(lastHistory(decision)?.outcome === 'RolledBack').toBe(expected.rolledBack);
  });

  it('retries an inconclusive analysis every interval', () => {
    const decision = decide({
      model: withAnalysis(canaryAt(0, 10, 0)),
      canary: rolledOut('1.1.0', 1),
      verdict: INCONCLUSIVE,
      now: at(70),
    });

    expect(decision.requeueAfterSeconds).toBe(30);
    expect(conditionOf(decision, 'Progressing').message).toContain('no requests to the canary');
  });

  it('names the inconclusive cause on rollback', () => {
    const decision = decide({
      model: withAnalysis(canaryAt(0, 10, 0)),
      canary: rolledOut('1.1.0', 1),
      verdict: INCONCLUSIVE,
      now: at(200),
    });

    expect(conditionOf(decision, 'Degraded')).toMatchObject({ status: 'True', reason: 'AnalysisInconclusive' });
    expect(conditionOf(decision, 'Degraded').message).toContain('no requests to the canary');
  });

  it('requeues mid-step at the analysis interval', () => {
    const decision = decide({ model: withAnalysis(canaryAt(0, 10, 0)), canary: rolledOut('1.1.0', 1), now: at(5) });

    expect(decision.requeueAfterSeconds).toBe(30);
  });

  it('ignores a failed verdict before the canary gets requests', () => {
    const decision = decide({
      model: withAnalysis(canaryAt(0, 0, 0)),
      canary: notReady('1.1.0'),
      verdict: ERRORS,
      now: at(5),
    });

    expect(decision.status.canary?.weight).toBe(0);
    expect(decision.status.history).toHaveLength(1);
  });
});

describe('planAnalysis', () => {
  const analysed = (status: RolloutModelStatus, spec = V2) =>
    model(spec, status, { analysis: { ...ANALYSIS, intervalSeconds: 30 } });

  it('measures the step so far', () => {
    expect(planAnalysis(analysed(stableStatus({ canary: canaryAt(0, 10, 0) })), at(95))).toEqual({
      target: { ...V2, sha256: undefined },
      windowSeconds: 95,
    });
  });

  it('measures at least one interval', () => {
    expect(planAnalysis(analysed(stableStatus({ canary: canaryAt(0, 10, 0) })), at(3))?.windowSeconds).toBe(30);
  });

  it.each([
    ['no analysis configured', model(V2, stableStatus({ canary: canaryAt(0, 10, 0) }))],
    ['no canary', analysed(stableStatus())],
    ['canary without requests', analysed(stableStatus({ canary: canaryAt(0, 0, 0) }))],
    ['canary no longer wanted', analysed(stableStatus({ canary: canaryAt(0, 10, 0) }), V1)],
    [
      'canary already promoted',
      analysed(stableStatus({ currentVersion: V2.version, currentModelUri: V2.modelUri, canary: canaryAt(1, 50, 0) })),
    ],
  ])('plans nothing with %s', (_name, input) => {
    expect(planAnalysis(input, at(95))).toBeUndefined();
  });
});

describe('decideRollout manual control', () => {
  it('holds the step while paused', () => {
    const decision = decide({
      model: model(V2, stableStatus({ canary: canaryAt(0, 10, 0) }), { paused: true }),
      canary: rolledOut('1.1.0', 1),
      now: at(600),
    });

    expect(decision.status.canary).toEqual(canaryAt(0, 10, 0));
    expect(conditionOf(decision, 'Progressing')).toMatchObject({ status: 'Unknown', reason: 'RolloutPaused' });
    expect(decision.events).toEqual([]);
  });

  it('holds warm-up without a deadline while paused', () => {
    const decision = decide({
      model: model(V2, stableStatus({ canary: canaryAt(0, 0, 0) }), { paused: true }),
      canary: notReady('1.1.0'),
      now: at(3600),
    });

    expect(decision.status.canary?.weight).toBe(0);
    expect(decision.status.history).toHaveLength(1);
  });

  it('starts a new canary held at warm-up while paused', () => {
    const decision = decide({ model: model(V2, stableStatus(), { paused: true }), now: at(0) });

    expect(decision.canary?.weight).toBe(0);
    expect(conditionOf(decision, 'Progressing').reason).toBe('RolloutPaused');
  });

  it('still rolls back on failed analysis while paused', () => {
    const decision = decide({
      model: model(V2, stableStatus({ canary: canaryAt(0, 10, 0) }), { paused: true, analysis: ANALYSIS }),
      canary: rolledOut('1.1.0', 1),
      verdict: ERRORS,
      now: at(20),
    });

    expect(lastHistory(decision)?.outcome).toBe('RolledBack');
  });

  it('advances right away on resume after the pause', () => {
    const decision = decide({
      model: model(V2, stableStatus({ canary: canaryAt(0, 10, 0) }), { paused: false }),
      canary: rolledOut('1.1.0', 1),
      now: at(600),
    });

    expect(decision.status.canary?.step).toBe(1);
  });

  it('aborts at once when the version is reverted', () => {
    const decision = decide({
      model: model(V1, stableStatus({ canary: canaryAt(1, 50, 60) })),
      canary: rolledOut('1.1.0', 1),
      now: at(90),
    });

    expect(decision.canary).toBeUndefined();
    expect(decision.status.canary).toBeUndefined();
    expect(decision.stable.version).toBe('1.0.0');
    expect(lastHistory(decision)).toMatchObject({ version: '1.1.0', outcome: 'Aborted', reason: 'VersionReverted' });
    expect(decision.events.map((e) => e.reason)).toEqual(['RolloutAborted']);
    expect(conditionOf(decision, 'Progressing').reason).toBe('RolloutComplete');
    expect(conditionOf(decision, 'Degraded').status).toBe('False');
  });

  it('aborts while paused when the version is reverted', () => {
    const decision = decide({
      model: model(V1, stableStatus({ canary: canaryAt(0, 10, 0) }), { paused: true }),
      canary: rolledOut('1.1.0', 1),
      now: at(90),
    });

    expect(lastHistory(decision)?.outcome).toBe('Aborted');
  });

  it('replaces a running canary with a newer version', () => {
    const decision = decide({
      model: model(V3, stableStatus({ canary: canaryAt(1, 50, 60) })),
      canary: rolledOut('1.1.0', 1),
      now: at(90),
    });

    expect(decision.status.history.slice(-1)).toMatchObject([{ version: '1.1.0', outcome: 'Aborted', reason: 'Superseded' }]);
    expect(decision.status.canary).toEqual({ ...V3, weight: 0, step: 0, stepStartedAt: iso(90) });
    expect(decision.events.map((e) => e.reason)).toEqual(['RolloutAborted', 'CanaryStarted']);
  });

  it('treats a changed digest as a new canary', () => {
    const sha256 = 'a'.repeat(64);
    const decision = decide({
      model: model({ ...V2, sha256 }, stableStatus({ canary: canaryAt(1, 50, 60) })),
      canary: rolledOut('1.1.0', 1),
      now: at(90),
    });

    expect(lastHistory(decision)).toMatchObject({ outcome: 'Aborted', reason: 'Superseded' });
    expect(decision.status.canary).toMatchObject({ sha256, weight: 0 });
  });

  it('starts the next version during promotion', () => {
    const promoting = stableStatus({ currentVersion: V2.version, currentModelUri: V2.modelUri, canary: canaryAt(1, 50, 180) });
    const decision = decide({ model: model(V3, promoting), stable: notReady('1.1.0', undefined, 1), now: at(200) });

    expect(decision.stable.version).toBe('1.1.0');
    expect(decision.status.canary).toEqual({ ...V3, weight: 0, step: 0, stepStartedAt: iso(200) });
    expect(decision.status.history.filter((e) => e.outcome === 'Aborted')).toEqual([]);
  });
});

describe('decideRollout failed versions', () => {
  const rolledBackStatus = (extra: Partial<RolloutModelStatus> = {}) =>
    stableStatus({
      history: [
        { ...V1, outcome: 'Promoted', reason: 'InitialVersion', time: iso(-3600) },
        { ...V2, outcome: 'RolledBack', reason: 'ErrorRateTooHigh', time: iso(-60) },
      ],
      conditions: [
        condition('Progressing', 'False', 'CanaryRolledBack', -60),
        { ...condition('Degraded', 'True', 'ErrorRateTooHigh', -60), message: 'error rate 0.42' },
      ],
      ...extra,
    });

  it('does not retry the rolled back bundle', () => {
    const decision = decide({ model: model(V2, rolledBackStatus()) });

    expect(decision.canary).toBeUndefined();
    expect(decision.events).toEqual([]);
    expect(conditionOf(decision, 'Degraded')).toMatchObject({
      status: 'True',
      reason: 'ErrorRateTooHigh',
      message: 'error rate 0.42',
      lastTransitionTime: iso(-60),
    });
    expect(conditionOf(decision, 'Progressing').message).toContain('Change spec.version, spec.modelUri or spec.sha256');
  });

  it('retries the same version with a new bundle', () => {
    const decision = decide({ model: model({ ...V2, modelUri: 'https://models.example.com/telco/1.1.0-fixed/' }, rolledBackStatus()) });

    expect(decision.canary?.target.modelUri).toBe('https://models.example.com/telco/1.1.0-fixed/');
    expect(conditionOf(decision, 'Degraded').status).toBe('False');
  });

  it('retries the same version with a new digest', () => {
    const decision = decide({ model: model({ ...V2, sha256: 'b'.repeat(64) }, rolledBackStatus()) });

    expect(decision.canary?.target.sha256).toBe('b'.repeat(64));
  });

  it('retries after the version was reverted in between', () => {
    const reverted = decide({ model: model(V1, rolledBackStatus()), now: at(10) });
    expect(conditionOf(reverted, 'Degraded').status).toBe('False');

    const retried = decide({ model: model(V2, afterDecision(model(V1), reverted).status), now: at(20) });
    expect(retried.canary?.target.version).toBe('1.1.0');
  });

  it('rejects by version when history lacks the URI', () => {
    const status = rolledBackStatus();
    status.history = [{ version: V2.version, outcome: 'RolledBack', reason: 'ErrorRateTooHigh', time: iso(-60) }];
    const decision = decide({ model: model({ ...V2, modelUri: 'https://models.example.com/other/' }, status) });

    expect(decision.canary).toBeUndefined();
  });
});

describe('decideRollout rolling strategy', () => {
  it('updates the stable Deployment in place', () => {
    const decision = decide({ model: model(V2, stableStatus(), { strategy: 'Rolling' }) });

    expect(decision.stable.version).toBe('1.1.0');
    expect(decision.canary).toBeUndefined();
    expect(lastHistory(decision)).toMatchObject({ version: '1.1.0', outcome: 'Promoted', reason: 'RollingUpdate' });
    expect(conditionOf(decision, 'Progressing')).toMatchObject({ status: 'True', reason: 'RollingUpdate' });
  });

  it('updates in place without replicas', () => {
    const decision = decide({ model: model(V2, stableStatus(), {}, { replicas: 0 }) });

    expect(decision.stable.version).toBe('1.1.0');
    expect(decision.canary).toBeUndefined();
  });

  it('holds a paused rolling update', () => {
    const decision = decide({ model: model(V2, stableStatus(), { strategy: 'Rolling', paused: true }) });

    expect(decision.stable.version).toBe('1.0.0');
    expect(conditionOf(decision, 'Progressing').reason).toBe('RolloutPaused');
  });

  it('reports a rolling update past the deadline', () => {
    const rolling = stableStatus({
      currentVersion: V2.version,
      currentModelUri: V2.modelUri,
      conditions: [condition('Progressing', 'True', 'RollingUpdate', 0), condition('Degraded', 'False', 'AsExpected', 0)],
    });
    const decision = decide({
      model: model(V2, rolling, { strategy: 'Rolling' }, { generation: 3 }),
      stable: notReady('1.1.0', 'readyz: model failed to load', 2),
      now: at(301),
    });

    expect(conditionOf(decision, 'Progressing')).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
    expect(conditionOf(decision, 'Degraded')).toMatchObject({ status: 'True', reason: 'ProgressDeadlineExceeded' });
    expect(conditionOf(decision, 'Degraded').message).toContain('model failed to load');
  });

  it('aborts a canary when the strategy changes', () => {
    const decision = decide({
      model: model(V2, stableStatus({ canary: canaryAt(0, 10, 0) }), { strategy: 'Rolling' }),
      canary: rolledOut('1.1.0', 1),
      now: at(10),
    });

    expect(decision.status.history.slice(-2)).toMatchObject([
      { version: '1.1.0', outcome: 'Aborted', reason: 'StrategyChanged' },
      { version: '1.1.0', outcome: 'Promoted', reason: 'RollingUpdate' },
    ]);
    expect(decision.canary).toBeUndefined();
    expect(decision.stable.version).toBe('1.1.0');
  });
});

describe('decideRollout status bookkeeping', () => {
  it('keeps at most 20 history entries', () => {
    const history: HistoryEntry[] = Array.from({ length: MAX_HISTORY }, (_, i) => ({
      version: `0.${i}.0`,
      outcome: 'Promoted',
      time: iso(-1000 + i),
    }));
    const decision = decide({
      model: model(V1, stableStatus({ canary: canaryAt(0, 10, 0), history })),
      canary: rolledOut('1.1.0', 1),
    });

    expect(decision.status.history).toHaveLength(MAX_HISTORY);
    expect(decision.status.history[0]?.version).toBe('0.1.0');
    expect(lastHistory(decision)?.outcome).toBe('Aborted');
  });

  it('sets observedGeneration on its conditions', () => {
    const decision = decide({ model: model(V2, stableStatus(), {}, { generation: 7 }) });

    expect(conditionOf(decision, 'Progressing').observedGeneration).toBe(7);
    expect(conditionOf(decision, 'Degraded').observedGeneration).toBe(7);
  });

  it('decides the same twice at the same time', () => {
    const input = model(V2, stableStatus({ canary: canaryAt(0, 10, 0) }));
    const first = decide({ model: input, canary: rolledOut('1.1.0', 1), now: at(60) });
    const second = decide({ model: afterDecision(input, first), canary: rolledOut('1.1.0', 1), now: at(60) });

    expect(second.status).toEqual(first.status);
    expect(second.events).toEqual([]);
  });
});

describe('decideRollout full canary', () => {
  it('walks every step to promotion', () => {
    let current = model(V2, stableStatus(), { analysis: { ...ANALYSIS, intervalSeconds: 10 } });
    let now = 0;
    let stable = rolledOut('1.0.0');
    const weights: number[] = [];
    const events: string[] = [];

    for (let round = 0; round < 50; round += 1) {
      if (round > 0 && current.status?.canary === undefined) break;
      const canaryObserved = current.status?.canary ? rolledOut(current.status.canary.version, 1) : undefined;
      const plan = planAnalysis(current, at(now));
      const decision = decide({ model: current, stable, canary: canaryObserved, verdict: plan ? PASS : undefined, now: at(now) });

      weights.push(decision.canary?.weight ?? -1);
      events.push(...decision.events.map((e) => e.reason));
      current = afterDecision(current, decision);
      stable = rolledOut(decision.stable.version);
      now += decision.requeueAfterSeconds ?? 1;
    }

    expect(current.status?.currentVersion).toBe('1.1.0');
    expect(current.status?.canary).toBeUndefined();
    expect(events).toEqual(['CanaryStarted', 'CanaryStepStarted', 'CanaryStepStarted', 'Promoted']);
    expect([...new Set(weights)]).toEqual([0, 10, 50, -1]);
    expect(current.status?.history?.map((e) => e.outcome)).toEqual(['Promoted', 'Promoted']);
  });
});
