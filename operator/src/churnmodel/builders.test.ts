import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';

import { configHash } from '../workload/scorer-config.ts';
import type { ChurnModel } from '../workload/types.ts';
import {
  churnModelUrl,
  desiredChildren,
  desiredConfigMap,
  desiredDeployment,
  desiredIngress,
  desiredNetworkPolicy,
  desiredService,
  renderChurnModelConfig,
} from './builders.ts';

function model(spec: Partial<ChurnModel['spec']> = {}): ChurnModel {
  return {
    apiVersion: 'engagetrack.io/v1alpha1',
    kind: 'ChurnModel',
    metadata: { name: 'telco', namespace: 'ml', uid: 'uid-1', generation: 3 },
    spec: {
      modelUri: 'https://models.example.com/telco/1.0.0/',
      version: '1.0.0',
      replicas: 2,
      ingress: { enabled: true, className: 'nginx', path: '/', rateLimit: { requestsPerSecond: 50, burstMultiplier: 5, connections: 20 } },
      ...spec,
    } as ChurnModel['spec'],
  };
}

// Nested test access into parsed YAML; the shape is asserted, not assumed.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Parsed = Record<string, any>;

function parsedConfig(churnModel: ChurnModel): Parsed {
  return load(renderChurnModelConfig(churnModel)) as Parsed;
}

describe('desired children of a ChurnModel', () => {
  it.each([
    ['ConfigMap', () => desiredConfigMap(model()), 'telco-scorer'],
    ['Deployment', () => desiredDeployment(model(), 'hash'), 'telco-scorer'],
    ['Service', () => desiredService(model()), 'telco-scorer'],
    ['Ingress', () => desiredIngress(model())!, 'telco'],
    ['NetworkPolicy', () => desiredNetworkPolicy(model()), 'telco-scorer'],
  ])('%s has name, labels and owner', (_kind, build, name) => {
    const child = build();
    expect(child.metadata?.name).toBe(name);
    expect(child.metadata?.namespace).toBe('ml');
    expect(child.metadata?.labels).toEqual({
      'app.kubernetes.io/name': 'engagetrack-scorer',
      'app.kubernetes.io/instance': 'telco',
      'app.kubernetes.io/component': 'churn-model',
      'app.kubernetes.io/managed-by': 'engagetrack-operator',
      'app.kubernetes.io/part-of': 'engagetrack',
      'app.kubernetes.io/version': '1.0.0',
    });
    expect(child.metadata?.ownerReferences).toEqual([
      { apiVersion: 'engagetrack.io/v1alpha1', kind: 'ChurnModel', name: 'telco', uid: 'uid-1', controller: true, blockOwnerDeletion: true },
    ]);
  });

  it('deployment runs a restricted scorer pod', () => {
    const deployment = desiredDeployment(model(), 'abc', { image: 'registry.example/scorer:2' });
    const pod = deployment.spec!.template.spec!;
    const container = pod.containers[0]!;

    expect(deployment.spec?.replicas).toBe(2);
    expect(deployment.spec?.template.metadata?.annotations?.['engagetrack.io/config-hash']).toBe('abc');
    expect(deployment.spec?.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'engagetrack-scorer',
      'app.kubernetes.io/instance': 'telco',
      'app.kubernetes.io/component': 'churn-model',
      'engagetrack.io/track': 'stable',
    });
    expect(container.image).toBe('registry.example/scorer:2');
    expect(container.args).toEqual(['serve', '--config', '/etc/engagetrack/scorer.yaml']);
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(container.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 10001,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.securityContext?.seccompProfile?.type).toBe('RuntimeDefault');
    expect(container.volumeMounts?.map((mount) => mount.mountPath)).toEqual(['/etc/engagetrack', '/tmp']);
    expect(container.resources).toEqual({ requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } });
  });

  it('deployment mounts the model volume and API keys', () => {
    const deployment = desiredDeployment(
      model({ modelVolume: { claimName: 'models' }, auth: { apiKeySecretRef: { name: 'keys', key: 'tokens' } } }),
      'abc',
    );
    const pod = deployment.spec!.template.spec!;

    expect(pod.volumes).toContainEqual({ name: 'models', persistentVolumeClaim: { claimName: 'models', readOnly: true } });
    expect(pod.volumes).toContainEqual({ name: 'api-keys', secret: { secretName: 'keys', items: [{ key: 'tokens', path: 'tokens' }] } });
    expect(pod.containers[0]?.volumeMounts).toContainEqual({ name: 'models', mountPath: '/models', readOnly: true });
    expect(pod.containers[0]?.volumeMounts).toContainEqual({ name: 'api-keys', mountPath: '/var/run/engagetrack/api-keys', readOnly: true });
  });

  it.each([
    [{ cpu: 1, memory: '2Gi' }, { cpu: '1', memory: '2Gi' }],
    [{ cpu: '500m' }, { cpu: '500m' }],
  ])('deployment writes quantity %o as %o', (requests, expected) => {
    const deployment = desiredDeployment(model({ resources: { requests } }), 'abc');
    expect(deployment.spec?.template.spec?.containers[0]?.resources?.requests).toEqual(expected);
  });

  it('service selects the stable pods', () => {
    const service = desiredService(model());
    expect(service.spec?.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    expect(service.spec?.selector?.['engagetrack.io/track']).toBe('stable');
  });

  it.each([
    [{}, { 'nginx.ingress.kubernetes.io/limit-rps': '50', 'nginx.ingress.kubernetes.io/limit-burst-multiplier': '5', 'nginx.ingress.kubernetes.io/limit-connections': '20' }],
    [{}, { 'nginx.ingress.kubernetes.io/proxy-body-size': '8m' }],
    [{ tls: { clusterIssuer: 'letsencrypt' } }, { 'cert-manager.io/cluster-issuer': 'letsencrypt' }],
    [
      { basicAuthSecretName: 'htpasswd' },
      { 'nginx.ingress.kubernetes.io/auth-type': 'basic', 'nginx.ingress.kubernetes.io/auth-secret': 'htpasswd' },
    ],
  ])('ingress %o has annotations %o', (ingressSpec, annotations) => {
    const ingress = desiredIngress(model({ ingress: { ...model().spec.ingress, ...ingressSpec } }));
    expect(ingress?.metadata?.annotations).toMatchObject(annotations);
  });

  it('ingress routes only the model API', () => {
    const ingress = desiredIngress(model({ ingress: { ...model().spec.ingress, host: 'churn.example.com', tls: {} } }));
    const backend = { service: { name: 'telco-scorer', port: { name: 'http' } } };
    expect(ingress?.spec?.ingressClassName).toBe('nginx');
    expect(ingress?.spec?.tls).toEqual([{ hosts: ['churn.example.com'], secretName: 'telco-tls' }]);
    expect(ingress?.spec?.rules).toEqual([
      {
        host: 'churn.example.com',
        http: {
          paths: [
            { path: '/v1/models/telco', pathType: 'Exact', backend },
            { path: '/v1/models/telco:predict', pathType: 'Exact', backend },
            { path: '/v2/models/telco', pathType: 'Prefix', backend },
            { path: '/v2/health', pathType: 'Prefix', backend },
          ],
        },
      },
    ]);
    expect(ingress?.metadata?.annotations?.['nginx.ingress.kubernetes.io/rewrite-target']).toBeUndefined();
    expect(ingress?.metadata?.annotations?.['nginx.ingress.kubernetes.io/use-regex']).toBeUndefined();
  });

  it.each(['/healthz', '/readyz', '/metrics', '/', '/v1/models/other:predict'])('ingress does not route %s', (requestPath) => {
    const paths = desiredIngress(model())?.spec?.rules?.[0]?.http?.paths ?? [];
    const routed = paths.some(({ path, pathType }) =>
      pathType === 'Exact' ? requestPath === path : requestPath === path || requestPath.startsWith(`${path}/`),
    );
    expect(routed).toBe(false);
  });

  it('ingress path prefix is stripped by a rewrite', () => {
    const ingress = desiredIngress(model({ ingress: { ...model().spec.ingress, path: '/churn.api/' } }));
    const paths = ingress?.spec?.rules?.[0]?.http?.paths ?? [];
    expect(paths.map(({ path, pathType }) => ({ path, pathType }))).toEqual([
      { path: '/churn\\.api(/v1/models/telco)$', pathType: 'ImplementationSpecific' },
      { path: '/churn\\.api(/v1/models/telco:predict)$', pathType: 'ImplementationSpecific' },
      { path: '/churn\\.api(/v2/models/telco(?:/.*)?)$', pathType: 'ImplementationSpecific' },
      { path: '/churn\\.api(/v2/health(?:/.*)?)$', pathType: 'ImplementationSpecific' },
    ]);
    expect(ingress?.metadata?.annotations).toMatchObject({
      'nginx.ingress.kubernetes.io/use-regex': 'true',
      'nginx.ingress.kubernetes.io/rewrite-target': '$1',
    });
  });

  it.each([
    ['/churn.api/v1/models/telco:predict', '/v1/models/telco:predict'],
    ['/churn.api/v2/models/telco/infer', '/v2/models/telco/infer'],
    ['/churn.api/v2/health/ready', '/v2/health/ready'],
    ['/churn.api/readyz', undefined],
    ['/churnXapi/v1/models/telco', undefined],
    ['/churn.api/v2/models/telcoX', undefined],
  ])('prefixed ingress maps %s to %s', (requestPath, forwarded) => {
    const paths = desiredIngress(model({ ingress: { ...model().spec.ingress, path: '/churn.api' } }))?.spec?.rules?.[0]?.http?.paths ?? [];
    // ingress-nginx anchors regex paths at the start of the request path.
    const match = paths.map(({ path }) => new RegExp(`^${path}`).exec(requestPath)).find((result) => result !== null);
    expect(match?.[1]).toBe(forwarded);
  });

  it('ingress is absent when disabled', () => {
    expect(desiredIngress(model({ ingress: { ...model().spec.ingress, enabled: false } }))).toBeUndefined();
  });

  it('network policy admits the ingress controller and Prometheus only', () => {
    const policy = desiredNetworkPolicy(model());
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec.ingress).toHaveLength(2);
    expect(policy.spec.ingress[0]?.from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }]);
    expect(policy.spec.ingress[1]?.from).toEqual([{ namespaceSelector: {}, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }]);
  });

  it('network policy egress allows DNS and HTTPS without metadata addresses', () => {
    const [dns, https] = desiredNetworkPolicy(model()).spec.egress;
    expect(dns?.ports).toEqual([{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }]);
    expect(https?.ports).toEqual([{ protocol: 'TCP', port: 443 }]);
    expect(https?.to?.[0]).toEqual({ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.0.0/16', '100.100.100.200/32'] } });
    expect(https?.to?.[1]).toEqual({ ipBlock: { cidr: '::/0', except: ['fe80::/10', 'fd00:ec2::254/128'] } });
  });

  it('network policy admits the namespace when the ingress is disabled', () => {
    const policy = desiredNetworkPolicy(model({ ingress: { ...model().spec.ingress, enabled: false } }));
    expect(policy.spec.ingress).toContainEqual({ from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 8080 }] });
  });

  it('deployment hash follows the rendered config', () => {
    const children = desiredChildren(model());
    const hash = children.deployment.spec?.template.metadata?.annotations?.['engagetrack.io/config-hash'];
    expect(hash).toBe(configHash(children.configMap.data!['scorer.yaml']!));
    const changed = desiredChildren(model({ version: '1.1.0', modelUri: 'https://models.example.com/telco/1.1.0/' }));
    expect(changed.deployment.spec?.template.metadata?.annotations?.['engagetrack.io/config-hash']).not.toBe(hash);
  });

  it('builders are deterministic', () => {
    expect(desiredChildren(model())).toEqual(desiredChildren(model()));
  });
});

describe('scorer config of a ChurnModel', () => {
  it('renders the contract fields', () => {
    expect(parsedConfig(model({ sha256: 'a'.repeat(64) }))).toEqual({
      server: { port: 8080, bodyLimitBytes: 8388608, maxBatchSize: 10000, shutdownGracePeriodSeconds: 25, trustedProxyHops: 1 },
      rateLimit: { enabled: true, limit: 250, windowSeconds: 1 },
      model: { name: 'telco', uri: 'https://models.example.com/telco/1.0.0/', sha256: 'a'.repeat(64), version: '1.0.0', unknownCategory: 'ignore' },
      riskBands: { medium: 0.3, high: 0.6 },
    });
  });

  it.each([
    [{ requestsPerSecond: 10, burstMultiplier: 3, connections: 5 }, 30],
    [{ requestsPerSecond: 1, burstMultiplier: 1, connections: 1 }, 1],
  ])('rate limit %o allows %i per second', (rateLimit, limit) => {
    expect(parsedConfig(model({ ingress: { ...model().spec.ingress, rateLimit } })).rateLimit.limit).toBe(limit);
  });

  it('trusts no proxy hop without an ingress', () => {
    expect(parsedConfig(model({ ingress: { ...model().spec.ingress, enabled: false } })).server.trustedProxyHops).toBe(0);
  });

  it('points apiKeysFile at the mounted secret key', () => {
    const config = parsedConfig(model({ auth: { apiKeySecretRef: { name: 'keys', key: 'api-keys' } } }));
    expect(config.auth).toEqual({ apiKeysFile: '/var/run/engagetrack/api-keys/api-keys' });
  });

  it('passes Reject and risk bands through', () => {
    const config = parsedConfig(model({ unknownCategory: 'Reject', riskBands: { medium: 0.2, high: 0.7 } }));
    expect(config.model.unknownCategory).toBe('reject');
    expect(config.riskBands).toEqual({ medium: 0.2, high: 0.7 });
  });

  it('omits sha256 when the spec has none', () => {
    expect(parsedConfig(model()).model).not.toHaveProperty('sha256');
  });
});

describe('ChurnModel URL', () => {
  it.each([
    [{ host: 'churn.example.com', path: '/' }, 'http://churn.example.com/'],
    [{ host: 'churn.example.com', path: '/api', tls: { secretName: 'tls' } }, 'https://churn.example.com/api'],
    [{}, 'http://telco-scorer.ml.svc.cluster.local'],
    [{ enabled: false, host: 'churn.example.com' }, 'http://telco-scorer.ml.svc.cluster.local'],
  ])('ingress %o gives %s', (ingress, url) => {
    expect(churnModelUrl(model({ ingress: { ...model().spec.ingress, ...ingress } }))).toBe(url);
  });
});
