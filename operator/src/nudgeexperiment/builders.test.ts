import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';

import type { ChurnModel, NudgeExperiment } from '../workload/types.ts';
import { desiredChildren, desiredDeployment, renderNudgeExperimentConfig } from './builders.ts';
import type { ExperimentModel } from './builders.ts';
import { resolveModelRelease } from './model-release.ts';
import { computeNudgeExperimentStatus, waitingForModelConditions } from './status.ts';

function model(status?: ChurnModel['status'], spec: Partial<ChurnModel['spec']> = {}): ChurnModel {
  return {
    apiVersion: 'engagetrack.io/v1alpha1',
    kind: 'ChurnModel',
    metadata: { name: 'telco', namespace: 'ml', uid: 'model-uid' },
    spec: {
      modelUri: 'https://models.example.com/telco/2.0.0/',
      version: '2.0.0',
      riskBands: { medium: 0.25, high: 0.5 },
      unknownCategory: 'Reject',
      ...spec,
    } as ChurnModel['spec'],
    status,
  };
}

function experiment(spec: Partial<NudgeExperiment['spec']> = {}): NudgeExperiment {
  return {
    apiVersion: 'engagetrack.io/v1alpha1',
    kind: 'NudgeExperiment',
    metadata: { name: 'retention', namespace: 'ml', uid: 'experiment-uid', generation: 2 },
    spec: {
      modelRef: { name: 'telco' },
      assignment: { salt: '2026-q1', unit: 'CustomerId' },
      replicas: 3,
      paused: false,
      variants: [
        { name: 'control', weight: 50, control: true },
        { name: 'discount', weight: 50, nudges: { high: { action: 'offer-discount-20', channel: 'email', message: 'Take 20% off.' } } },
      ],
      ingress: { enabled: true, className: 'nginx', path: '/', host: 'nudge.example.com', rateLimit: { requestsPerSecond: 100, burstMultiplier: 5, connections: 50 } },
      ...spec,
    } as NudgeExperiment['spec'],
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Parsed = Record<string, any>;

const promoted: ChurnModel['status'] = {
  currentVersion: '1.0.0',
  currentModelUri: 'https://models.example.com/telco/1.0.0/',
  currentSha256: 'c'.repeat(64),
};

describe('model release of an experiment', () => {
  it('uses the promoted release', () => {
    expect(resolveModelRelease('telco', model(promoted))).toEqual({
      release: { uri: 'https://models.example.com/telco/1.0.0/', version: '1.0.0', sha256: 'c'.repeat(64) },
    });
  });

  it('falls back to the spec before any promotion', () => {
    expect(resolveModelRelease('telco', model())).toEqual({ release: { uri: 'https://models.example.com/telco/2.0.0/', version: '2.0.0' } });
  });

  it('waits while the first version is still a canary', () => {
    const canary = { version: '2.0.0', modelUri: 'https://models.example.com/telco/2.0.0/', weight: 10, step: 0, stepStartedAt: '2026-01-01T00:00:00Z' };
    const resolution = resolveModelRelease('telco', model({ canary }));
    expect(resolution).toEqual({ waiting: { reason: 'ModelNotPromoted', message: expect.stringContaining('canary 2.0.0') } });
  });

  it.each([
    ['missing', undefined],
    ['being deleted', { ...model(), metadata: { ...model().metadata, deletionTimestamp: new Date() } }],
  ])('reports ModelNotFound when the model is %s', (_case, current) => {
    const resolution = resolveModelRelease('telco', current as ChurnModel | undefined);
    expect(resolution).toEqual({ waiting: { reason: 'ModelNotFound', message: expect.stringContaining('ChurnModel telco was not found') } });
  });
});

describe('desired children of a NudgeExperiment', () => {
  const source: ExperimentModel = { model: model(promoted), release: { uri: 'https://models.example.com/telco/1.0.0/', version: '1.0.0' } };

  it('names children after the experiment', () => {
    const children = desiredChildren(experiment(), source);
    expect(children.configMap.metadata?.name).toBe('retention-nudge');
    expect(children.deployment.metadata?.name).toBe('retention-nudge');
    expect(children.service.metadata?.name).toBe('retention-nudge');
    expect(children.ingress?.metadata?.name).toBe('retention');
    expect(children.networkPolicy.metadata?.name).toBe('retention-nudge');
  });

  it('ingress routes only the experiment API', () => {
    const rule = desiredChildren(experiment(), source).ingress?.spec?.rules?.[0];
    expect(rule?.host).toBe('nudge.example.com');
    expect(rule?.http?.paths).toEqual([
      { path: '/v1/experiments/retention', pathType: 'Prefix', backend: { service: { name: 'retention-nudge', port: { name: 'http' } } } },
    ]);
  });

  it('ingress puts the experiment API under the path prefix', () => {
    const prefixed = experiment({ ingress: { ...experiment().spec.ingress, path: '/nudges' } });
    const ingress = desiredChildren(prefixed, source).ingress;
    expect(ingress?.spec?.rules?.[0]?.http?.paths.map(({ path, pathType }) => ({ path, pathType }))).toEqual([
      { path: '/nudges(/v1/experiments/retention(?:/.*)?)$', pathType: 'ImplementationSpecific' },
    ]);
    expect(ingress?.metadata?.annotations?.['nginx.ingress.kubernetes.io/rewrite-target']).toBe('$1');
  });

  it('labels children as a nudge experiment on the model version', () => {
    const deployment = desiredDeployment(experiment(), source, 'hash');
    expect(deployment.metadata?.labels).toMatchObject({
      'app.kubernetes.io/instance': 'retention',
      'app.kubernetes.io/component': 'nudge-experiment',
      'app.kubernetes.io/version': '1.0.0',
    });
    expect(deployment.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'NudgeExperiment', uid: 'experiment-uid', controller: true });
    expect(deployment.spec?.replicas).toBe(3);
  });

  it('renders the experiment and model into the config', () => {
    const config = load(renderNudgeExperimentConfig(experiment({ riskBands: { medium: 0.4, high: 0.8 } }), source)) as Parsed;
    expect(config.model).toEqual({ name: 'telco', uri: 'https://models.example.com/telco/1.0.0/', version: '1.0.0', unknownCategory: 'reject' });
    expect(config.riskBands).toEqual({ medium: 0.25, high: 0.5 });
    expect(config.rateLimit.limit).toBe(500);
    expect(config.experiment).toEqual({
      name: 'retention',
      salt: '2026-q1',
      paused: false,
      riskBands: { medium: 0.4, high: 0.8 },
      variants: [
        { name: 'control', weight: 50, control: true },
        { name: 'discount', weight: 50, nudges: { high: { action: 'offer-discount-20', channel: 'email', message: 'Take 20% off.' } } },
      ],
    });
  });

  it('rolls the pods when the model version changes', () => {
    const hash = (release: ExperimentModel['release']) =>
      desiredChildren(experiment(), { ...source, release }).deployment.spec?.template.metadata?.annotations?.['engagetrack.io/config-hash'];
    expect(hash({ uri: 'https://models.example.com/telco/1.1.0/', version: '1.1.0' })).not.toBe(hash(source.release));
  });

  it('mounts the model volume of the model', () => {
    const withVolume = { ...source, model: model(promoted, { modelVolume: { claimName: 'models' } }) };
    const volumes = desiredDeployment(experiment(), withVolume, 'hash').spec?.template.spec?.volumes;
    expect(volumes).toContainEqual({ name: 'models', persistentVolumeClaim: { claimName: 'models', readOnly: true } });
  });
});

describe('audit key of a NudgeExperiment', () => {
  const source: ExperimentModel = { model: model(promoted), release: { uri: 'https://models.example.com/telco/1.0.0/', version: '1.0.0' } };
  const withAuditKey = experiment({ audit: { keySecretRef: { name: 'retention-audit', key: 'digest-key' } } });

  it('mounts the Secret key read-only', () => {
    const pod = desiredDeployment(withAuditKey, source, 'hash').spec!.template.spec!;

    expect(pod.volumes).toContainEqual({ name: 'audit-key', secret: { secretName: 'retention-audit', items: [{ key: 'digest-key', path: 'digest-key' }] } });
    expect(pod.containers[0]?.volumeMounts).toContainEqual({ name: 'audit-key', mountPath: '/var/run/engagetrack/audit-key', readOnly: true });
  });

  it('points auditKeyFile at the mounted key', () => {
    const config = load(renderNudgeExperimentConfig(withAuditKey, source)) as Parsed;

    expect(config.auth).toEqual({ auditKeyFile: '/var/run/engagetrack/audit-key/digest-key' });
  });

  it('uses the key name audit-key when the spec gives none', () => {
    // Objects built in code may lack the default that the API server fills in.
    const unkeyed = experiment({ audit: { keySecretRef: { name: 'retention-audit' } as { name: string; key: string } } });
    const config = load(renderNudgeExperimentConfig(unkeyed, source)) as Parsed;

    expect(config.auth).toEqual({ auditKeyFile: '/var/run/engagetrack/audit-key/audit-key' });
  });

  it('renders the audit key beside the API keys', () => {
    const both = experiment({ ...withAuditKey.spec, auth: { apiKeySecretRef: { name: 'keys', key: 'api-keys' } } });
    const config = load(renderNudgeExperimentConfig(both, source)) as Parsed;
    const mounts = desiredDeployment(both, source, 'hash').spec!.template.spec!.containers[0]?.volumeMounts ?? [];

    expect(config.auth).toEqual({
      apiKeysFile: '/var/run/engagetrack/api-keys/api-keys',
      auditKeyFile: '/var/run/engagetrack/audit-key/digest-key',
    });
    expect(mounts.map((mount) => mount.name)).toEqual(['config', 'tmp', 'api-keys', 'audit-key']);
  });

  it('mounts no Secret and renders no auth without a key', () => {
    const pod = desiredDeployment(experiment(), source, 'hash').spec!.template.spec!;
    const config = load(renderNudgeExperimentConfig(experiment(), source)) as Parsed;

    expect(pod.volumes?.map((volume) => volume.name)).toEqual(['config', 'tmp']);
    expect(config).not.toHaveProperty('auth');
  });

  it('rolls the pods when the audit key reference changes', () => {
    const hash = (spec: Partial<NudgeExperiment['spec']>) =>
      desiredChildren(experiment(spec), source).deployment.spec?.template.metadata?.annotations?.['engagetrack.io/config-hash'];

    expect(hash(withAuditKey.spec)).not.toBe(hash({}));
  });
});

describe('NudgeExperiment status', () => {
  it('reports only Ready, Progressing and Degraded', () => {
    const { conditions, status } = computeNudgeExperimentStatus(experiment(), {
      deploymentName: 'retention-nudge',
      deployment: { desired: 3, updated: 3, ready: 3, available: 3, complete: true },
      release: { uri: 'u', version: '1.0.0' },
      url: 'http://nudge.example.com/',
    });
    expect(conditions.map((condition) => `${condition.type}=${condition.status}`)).toEqual(['Ready=True', 'Progressing=False', 'Degraded=False']);
    expect(status).toMatchObject({ modelVersion: '1.0.0', readyReplicas: 3, replicas: 3, observedGeneration: 2 });
  });

  it('waiting conditions carry the reason', () => {
    const conditions = waitingForModelConditions(experiment(), { reason: 'ModelNotFound', message: 'ChurnModel telco was not found' });
    expect(conditions.find((condition) => condition.type === 'Ready')).toMatchObject({ status: 'False', reason: 'ModelNotFound', observedGeneration: 2 });
  });
});
