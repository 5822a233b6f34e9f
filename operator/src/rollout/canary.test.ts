import { createHash } from 'node:crypto';

import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';

import { desiredChildren } from '../churnmodel/builders.ts';
import type { ChurnModel } from '../workload/types.ts';
import { desiredCanaryChildren } from './canary.ts';
import type { CanaryOptions } from './canary.ts';

const SHA = 'c'.repeat(64);

type IngressOverrides = Partial<ChurnModel['spec']['ingress']>;

function churnModel(ingress: IngressOverrides = { host: 'churn.example.com', tls: { clusterIssuer: 'letsencrypt' } }): ChurnModel {
  return {
    apiVersion: 'engagetrack.io/v1alpha1',
    kind: 'ChurnModel',
    metadata: { name: 'telco', namespace: 'ml', uid: '6f1c1f0e-0000-4000-8000-000000000001', generation: 3 },
    spec: {
      modelUri: 'https://models.example.com/telco/1.1.0/',
      version: '1.1.0',
      sha256: SHA,
      replicas: 4,
      ingress: {
        enabled: true,
        className: 'nginx',
        path: '/',
        rateLimit: { requestsPerSecond: 50, burstMultiplier: 5, connections: 20 },
        ...ingress,
      },
      rollout: {
        strategy: 'Canary',
        steps: [{ weight: 10, pauseSeconds: 60 }],
        paused: false,
        progressDeadlineSeconds: 600,
      },
    },
    status: { currentVersion: '1.0.0', currentModelUri: 'https://models.example.com/telco/1.0.0/' },
  };
}

const OPTIONS: CanaryOptions = {
  image: 'ghcr.io/engagetrack/scorer:0.1.0',
  target: { version: '1.1.0', modelUri: 'https://models.example.com/telco/1.1.0/', sha256: SHA },
  replicas: 2,
  weight: 10,
};

const STABLE_RELEASE = { uri: 'https://models.example.com/telco/1.0.0/', version: '1.0.0' };

describe('desiredCanaryChildren names and labels', () => {
  const children = desiredCanaryChildren(churnModel(), OPTIONS);

  it('names every canary child', () => {
    expect(children.configMap.metadata?.name).toBe('telco-scorer-canary');
    expect(children.deployment.metadata?.name).toBe('telco-scorer-canary');
    expect(children.service.metadata?.name).toBe('telco-scorer-canary');
    expect(children.ingress?.metadata?.name).toBe('telco-canary');
  });

  it('labels the canary pods with their track and version', () => {
    const labels = children.deployment.spec?.template.metadata?.labels;

    expect(labels).toMatchObject({
      'app.kubernetes.io/name': 'engagetrack-scorer',
      'app.kubernetes.io/instance': 'telco',
      'app.kubernetes.io/component': 'churn-model',
      'app.kubernetes.io/managed-by': 'engagetrack-operator',
      'app.kubernetes.io/part-of': 'engagetrack',
      'app.kubernetes.io/version': '1.1.0',
      'engagetrack.io/track': 'canary',
    });
  });

  it('selects only canary pods', () => {
    expect(children.deployment.spec?.selector.matchLabels?.['engagetrack.io/track']).toBe('canary');
    expect(children.service.spec?.selector?.['engagetrack.io/track']).toBe('canary');
  });

  it('keeps the stable selector apart', () => {
    const stable = desiredChildren(churnModel(), { release: STABLE_RELEASE });

    expect(stable.deployment.spec?.selector.matchLabels?.['engagetrack.io/track']).toBe('stable');
    expect(stable.service.spec?.selector?.['engagetrack.io/track']).toBe('stable');
  });

  it('sets a controller owner reference on every child', () => {
    for (const child of [children.configMap, children.deployment, children.service, children.ingress]) {
      expect(child?.metadata?.ownerReferences).toEqual([
        {
          apiVersion: 'engagetrack.io/v1alpha1',
          kind: 'ChurnModel',
          name: 'telco',
          uid: '6f1c1f0e-0000-4000-8000-000000000001',
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
  });
});

describe('desiredCanaryChildren pods', () => {
  const children = desiredCanaryChildren(churnModel(), OPTIONS);
  const stable = desiredChildren(churnModel(), { image: OPTIONS.image, release: STABLE_RELEASE });

  it('renders the canary bundle into its ConfigMap', () => {
    const config = load(children.configMap.data?.['scorer.yaml'] ?? '') as { model: Record<string, unknown> };

    expect(config.model).toMatchObject({
      name: 'telco',
      uri: 'https://models.example.com/telco/1.1.0/',
      sha256: SHA,
      version: '1.1.0',
    });
  });

  it('mounts the canary ConfigMap', () => {
    const volumes = children.deployment.spec?.template.spec?.volumes ?? [];

    expect(volumes.find((volume) => volume.name === 'config')?.configMap?.name).toBe('telco-scorer-canary');
  });

  it('hashes the rendered canary config', () => {
    const hash = createHash('sha256').update(children.configMap.data?.['scorer.yaml'] ?? '').digest('hex');
    const annotations = children.deployment.spec?.template.metadata?.annotations;

    expect(annotations?.['engagetrack.io/config-hash']).toBe(hash);
    expect(annotations?.['engagetrack.io/config-hash']).not.toBe(
      stable.deployment.spec?.template.metadata?.annotations?.['engagetrack.io/config-hash'],
    );
  });

  it('records the bundle on the pod template', () => {
    const annotations = children.deployment.spec?.template.metadata?.annotations;

    expect(annotations?.['engagetrack.io/model-uri']).toBe('https://models.example.com/telco/1.1.0/');
    expect(annotations?.['engagetrack.io/model-sha256']).toBe(SHA);
  });

  it('records an empty digest without sha256', () => {
    const withoutDigest = desiredCanaryChildren(churnModel(), { ...OPTIONS, target: { ...OPTIONS.target, sha256: undefined } });

    expect(withoutDigest.deployment.spec?.template.metadata?.annotations?.['engagetrack.io/model-sha256']).toBe('');
  });

  it('runs the requested canary replicas', () => {
    expect(children.deployment.spec?.replicas).toBe(2);
  });

  it('keeps the stable pod security and probes', () => {
    const canaryPod = children.deployment.spec?.template.spec;
    const stablePod = stable.deployment.spec?.template.spec;

    expect(canaryPod?.securityContext).toEqual(stablePod?.securityContext);
    expect(canaryPod?.containers[0]?.securityContext).toEqual(stablePod?.containers[0]?.securityContext);
    expect(canaryPod?.containers[0]?.readinessProbe).toEqual(stablePod?.containers[0]?.readinessProbe);
    expect(canaryPod?.containers[0]?.image).toBe(OPTIONS.image);
    expect(children.deployment.spec?.strategy).toEqual(stable.deployment.spec?.strategy);
  });
});

describe('desiredCanaryChildren ingress', () => {
  it('marks the Ingress as canary with the weight', () => {
    const ingress = desiredCanaryChildren(churnModel(), OPTIONS).ingress;

    expect(ingress?.metadata?.annotations).toMatchObject({
      'nginx.ingress.kubernetes.io/canary': 'true',
      'nginx.ingress.kubernetes.io/canary-weight': '10',
    });
  });

  it('routes the same host and path to the canary Service', () => {
    const canary = desiredCanaryChildren(churnModel(), OPTIONS).ingress;
    const stable = desiredChildren(churnModel(), { release: STABLE_RELEASE }).ingress;
    const canaryRule = canary?.spec?.rules?.[0];
    const stableRule = stable?.spec?.rules?.[0];

    expect(canaryRule?.host).toBe(stableRule?.host);
    // NGINX pairs a canary Ingress with the stable one by host and path.
    expect(canaryRule?.http?.paths.map(({ path, pathType }) => ({ path, pathType }))).toEqual(
      stableRule?.http?.paths.map(({ path, pathType }) => ({ path, pathType })),
    );
    expect(canaryRule?.http?.paths.length).toBeGreaterThan(1);
    for (const path of canaryRule?.http?.paths ?? []) {
      expect(path.backend.service?.name).toBe('telco-scorer-canary');
    }
    expect(canary?.spec?.ingressClassName).toBe('nginx');
  });

  it('keeps the path prefix rewrite of the stable Ingress', () => {
    const prefixed = churnModel({ host: 'churn.example.com', path: '/churn' });
    const canary = desiredCanaryChildren(prefixed, OPTIONS).ingress;
    const stable = desiredChildren(prefixed, { release: STABLE_RELEASE }).ingress;

    expect(canary?.spec?.rules?.[0]?.http?.paths.map(({ path }) => path)).toEqual(stable?.spec?.rules?.[0]?.http?.paths.map(({ path }) => path));
    expect(canary?.metadata?.annotations?.['nginx.ingress.kubernetes.io/rewrite-target']).toBe('$1');
  });

  it('leaves the certificate to the stable Ingress', () => {
    const ingress = desiredCanaryChildren(churnModel(), OPTIONS).ingress;

    expect(ingress?.metadata?.annotations?.['cert-manager.io/cluster-issuer']).toBeUndefined();
  });

  it('builds no Ingress before the canary gets requests', () => {
    expect(desiredCanaryChildren(churnModel(), { ...OPTIONS, weight: 0 }).ingress).toBeUndefined();
  });

  it('builds no Ingress when the ingress is disabled', () => {
    expect(desiredCanaryChildren(churnModel({ enabled: false }), OPTIONS).ingress).toBeUndefined();
  });
});
