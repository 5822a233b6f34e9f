import { CustomObjectsApi } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { API_VERSION, GROUP, KINDS, PLURALS, VERSION } from '../../operator/src/api/index.ts';
import type { ChurnModel, NudgeExperiment } from '../../operator/src/api/index.ts';
import { crdFileName } from '../../operator/src/api/crd.ts';
import { createTestNamespace, deleteTestNamespace, eventually, kubectl, testKubeConfig } from '../harness/kube.ts';

// The CRDs in crds/ against a real API server: descriptions for kubectl explain,
// defaults, and the rejection messages of the schema and CEL rules.

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

let kc: KubeConfig;
let namespace: string;

/**
 * Installs crds/ the way a user does, with kubectl.
 * NOTE: the harness's applyCrds sends the CRDs through client-node's model serializer,
 * which drops the keys it names differently (x-kubernetes-*, default, enum), so it
 * cannot install these CRDs as written.
 */
async function installCrds(): Promise<void> {
  const files = [crdFileName('churnModel'), crdFileName('nudgeExperiment')].flatMap((file) => ['-f', join(repositoryRoot, 'crds', file)]);

  const applied = await kubectl(['apply', '--server-side', ...files]);
  expect(applied.stderr).toBe('');

  const established = await kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...files]);
  expect(established.stderr).toBe('');
}

beforeAll(async () => {
  kc = testKubeConfig();
  await installCrds();
  namespace = await createTestNamespace(kc, 'crd-validation');
});

afterAll(async () => {
  if (namespace !== undefined) await deleteTestNamespace(kc, namespace);
});

type Manifest = Record<string, unknown> & { metadata: { name: string }; spec: Record<string, unknown> };

function churnModel(name: string, spec: Record<string, unknown> = {}): Manifest {
  return {
    apiVersion: API_VERSION,
    kind: KINDS.churnModel,
    metadata: { name },
    spec: { modelUri: 'https://models.example.com/telco-churn/1.0.0/', version: '1.0.0', ...spec },
  };
}

function nudgeExperiment(name: string, spec: Record<string, unknown> = {}): Manifest {
  return {
    apiVersion: API_VERSION,
    kind: KINDS.nudgeExperiment,
    metadata: { name },
    spec: {
      modelRef: { name: 'telco-churn' },
      assignment: { salt: '2026-q1' },
      variants: [
        { name: 'control', weight: 50, control: true },
        { name: 'discount', weight: 50, nudges: { high: { action: 'offer-discount-20', channel: 'email', message: '20% off' } } },
      ],
      ...spec,
    },
  };
}

/** Sends a create request that the API server validates fully but does not persist. */
async function createDryRun(manifest: object, extraArgs: string[] = []) {
  return kubectl(['create', '--dry-run=server', '-n', namespace, '-f', '-', ...extraArgs], { input: JSON.stringify(manifest) });
}

async function getJson<T>(plural: string, name: string): Promise<T> {
  const result = await kubectl(['get', plural, name, '-n', namespace, '-o', 'json']);
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as T;
}

/** Runs kubectl explain once the API server publishes the CRD's OpenAPI schema, shortly after Established. */
async function explain(field: string) {
  return eventually(
    async () => {
      const result = await kubectl(['explain', field]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      return result;
    },
    { timeoutMs: 30_000, message: `kubectl explain ${field} failed` },
  );
}

describe('kubectl explain', () => {
  it('prints the descriptions of churnmodel.spec.rollout', async () => {
    const result = await explain('churnmodel.spec.rollout');

    expect(result.stdout).toContain('How a new version replaces the current one.');
    expect(result.stdout).toContain('Canary steps, with weights strictly increasing.');
    expect(result.stdout).toContain('progressDeadlineSeconds');
  });

  it('prints the descriptions of nudgeexperiment.spec.variants', async () => {
    const result = await explain('nudge.spec.variants');

    expect(result.stdout).toContain('Percent of customers assigned to this variant.');
    expect(result.stdout).toContain('Marks the control group');
  });

  it('lists both kinds in the engagetrack category', async () => {
    const result = await kubectl(['api-resources', '--api-group', GROUP, '-o', 'wide']);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/churnmodels\s+churn\s+engagetrack\.io\/v1alpha1\s+true\s+ChurnModel.*engagetrack/);
    expect(result.stdout).toMatch(/nudgeexperiments\s+nudge\s+engagetrack\.io\/v1alpha1\s+true\s+NudgeExperiment.*engagetrack/);
  });
});

describe('samples', () => {
  it.each(['samples/churnmodel.yaml', 'samples/nudgeexperiment.yaml'])('%s applies cleanly', async (file) => {
    const manifest = await readFile(join(repositoryRoot, file), 'utf8');

    const result = await kubectl(['apply', '--server-side', '-n', namespace, '-f', '-'], { input: manifest });

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('samples keep every field they set', async () => {
    const sample = load(await readFile(join(repositoryRoot, 'samples/nudgeexperiment.yaml'), 'utf8')) as NudgeExperiment;
    await kubectl(['apply', '--server-side', '-n', namespace, '-f', '-'], { input: JSON.stringify(sample) });

    const stored = await getJson<NudgeExperiment>(PLURALS.nudgeExperiment, sample.metadata.name ?? '');

    // Nothing was pruned: every variant and nudge of the sample is stored as written.
    expect(stored.spec.variants).toEqual(sample.spec.variants);
  });

  it('printer columns show the model of an experiment', async () => {
    const result = await kubectl(['get', 'engagetrack', '-n', namespace]);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/NAME\s+VERSION\s+CANARY\s+WEIGHT\s+READY\s+URL\s+AGE/);
    expect(result.stdout).toMatch(/NAME\s+MODEL\s+MODEL-VERSION\s+PAUSED\s+READY\s+URL\s+AGE/);
    expect(result.stdout).toMatch(/retention-q1\s+telco-churn\s+false/);
  });
});

describe('defaults', () => {
  it('fills in a minimal ChurnModel', async () => {
    const created = await kubectl(['create', '-n', namespace, '-f', '-'], { input: JSON.stringify(churnModel('minimal')) });
    expect(created.stderr).toBe('');

    const { spec } = await getJson<ChurnModel>(PLURALS.churnModel, 'minimal');

    expect(spec.replicas).toBe(2);
    expect(spec.unknownCategory).toBe('Ignore');
    expect(spec.resources).toEqual({ requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } });
    expect(spec.ingress).toEqual({
      enabled: true,
      className: 'nginx',
      path: '/',
      rateLimit: { requestsPerSecond: 50, burstMultiplier: 5, connections: 20 },
    });
    expect(spec.rollout).toEqual({
      strategy: 'Canary',
      steps: [
        { weight: 10, pauseSeconds: 60 },
        { weight: 50, pauseSeconds: 60 },
      ],
      paused: false,
      progressDeadlineSeconds: 600,
    });
    expect(spec.riskBands).toBeUndefined();
  });

  it('fills in nested objects that are partly set', async () => {
    const manifest = churnModel('partial', {
      riskBands: { medium: 0.2 },
      auth: { apiKeySecretRef: { name: 'scorer-api-keys' } },
      rollout: { analysis: { prometheusUrl: 'http://prometheus.monitoring.svc:9090' } },
    });
    const created = await kubectl(['create', '-n', namespace, '-f', '-'], { input: JSON.stringify(manifest) });
    expect(created.stderr).toBe('');

    const { spec } = await getJson<ChurnModel>(PLURALS.churnModel, 'partial');

    expect(spec.riskBands).toEqual({ medium: 0.2, high: 0.6 });
    expect(spec.auth?.apiKeySecretRef).toEqual({ name: 'scorer-api-keys', key: 'api-keys' });
    expect(spec.rollout.analysis).toEqual({
      prometheusUrl: 'http://prometheus.monitoring.svc:9090',
      maxErrorRate: 0.01,
      maxP99LatencySeconds: 0.5,
      intervalSeconds: 30,
      inconclusiveLimit: 3,
    });
  });

  it('fills in a minimal NudgeExperiment', async () => {
    const created = await kubectl(['create', '-n', namespace, '-f', '-'], {
      input: JSON.stringify(nudgeExperiment('minimal-experiment')),
    });
    expect(created.stderr).toBe('');

    const { spec } = await getJson<NudgeExperiment>(PLURALS.nudgeExperiment, 'minimal-experiment');

    expect(spec.assignment).toEqual({ salt: '2026-q1', unit: 'CustomerId' });
    expect(spec.replicas).toBe(2);
    expect(spec.paused).toBe(false);
    expect(spec.ingress.rateLimit.requestsPerSecond).toBe(50);
  });

  it('typed objects round-trip through the client', async () => {
    const objects = kc.makeApiClient(CustomObjectsApi);
    const body: ChurnModel = {
      apiVersion: API_VERSION,
      kind: KINDS.churnModel,
      metadata: { name: 'typed' },
      spec: {
        modelUri: 'file:///models/telco-churn/1.0.0',
        version: '1.0.0',
        modelVolume: { claimName: 'engagetrack-models' },
        replicas: 1,
        ingress: { enabled: false, className: 'nginx', path: '/', rateLimit: { requestsPerSecond: 10, burstMultiplier: 2, connections: 5 } },
        rollout: { strategy: 'Rolling', steps: [], paused: false, progressDeadlineSeconds: 300 },
      },
    };

    const created = (await objects.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace,
      plural: PLURALS.churnModel,
      body,
      fieldValidation: 'Strict',
    })) as ChurnModel;

    expect(created.spec.rollout.strategy).toBe('Rolling');
    expect(created.spec.rollout.steps).toEqual([]);
    expect(created.metadata.generation).toBe(1);
  });
});

describe('status subresource', () => {
  it('keeps status writes apart from spec', async () => {
    await kubectl(['create', '-n', namespace, '-f', '-'], { input: JSON.stringify(churnModel('with-status')) });
    const status = {
      observedGeneration: 1,
      currentVersion: '1.0.0',
      url: 'http://with-status-scorer.test.svc',
      canary: { version: '1.1.0', modelUri: 'https://models.example.com/telco-churn/1.1.0/', weight: 10, step: 0, stepStartedAt: '2026-01-15T10:00:00Z' },
      history: [{ version: '1.0.0', outcome: 'Promoted', reason: 'InitialVersion', time: '2026-01-15T09:00:00Z' }],
      conditions: [
        { type: 'Ready', status: 'True', reason: 'Available', message: 'every replica is ready', lastTransitionTime: '2026-01-15T09:00:00Z' },
      ],
    };

    const patched = await kubectl([
      'patch', PLURALS.churnModel, 'with-status', '-n', namespace, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status }),
    ]);
    expect(patched.stderr).toBe('');

    const stored = await getJson<ChurnModel>(PLURALS.churnModel, 'with-status');
    expect(stored.status).toEqual(status);
    expect(stored.metadata.generation).toBe(1);

    const listed = await kubectl(['get', PLURALS.churnModel, 'with-status', '-n', namespace]);
    expect(listed.stdout).toMatch(/with-status\s+1\.0\.0\s+1\.1\.0\s+10\s+True\s+http:\/\/with-status-scorer\.test\.svc/);
  });
});

/** A rejected object: how to build it and text that the error message must contain. */
interface Rejection {
  name: string;
  manifest: Manifest;
  messages: string[];
}

const variant = (name: string, weight: number, extra: Record<string, unknown> = {}) => ({ name, weight, ...extra });
const highNudge = { high: { action: 'offer-discount-20', channel: 'email', message: '20% off' } };

const churnModelRejections: Rejection[] = [
  {
    name: 'ftp model URI',
    manifest: churnModel('ftp', { modelUri: 'ftp://models.example.com/telco-churn/1.0.0' }),
    messages: ['spec.modelUri must use the https:// or file:// scheme, not ftp://'],
  },
  {
    name: 'plain http model URI',
    manifest: churnModel('plain-http', { modelUri: 'http://models.example.com/telco-churn/1.0.0' }),
    messages: ['spec.modelUri must use the https:// or file:// scheme, not http://'],
  },
  {
    name: 'relative model URI',
    manifest: churnModel('relative', { modelUri: 'models/telco-churn' }),
    messages: ['spec.modelUri must be an absolute URI'],
  },
  {
    name: 'metadata IPv4 host',
    manifest: churnModel('metadata-ipv4', { modelUri: 'https://169.254.169.254/x' }),
    messages: ['spec.modelUri https://169.254.169.254/x points at a loopback, link-local or cloud metadata address'],
  },
  {
    name: 'metadata IPv6 host',
    manifest: churnModel('metadata-ipv6', { modelUri: 'https://[fd00:ec2::254]/latest' }),
    messages: ['spec.modelUri https://[fd00:ec2::254]/latest points at a loopback, link-local or cloud metadata address'],
  },
  {
    name: 'Alibaba metadata host',
    manifest: churnModel('metadata-alibaba', { modelUri: 'https://100.100.100.200/latest' }),
    messages: ['spec.modelUri https://100.100.100.200/latest points at a loopback, link-local or cloud metadata address'],
  },
  {
    name: 'metadata host name',
    manifest: churnModel('metadata-name', { modelUri: 'https://Metadata.Google.Internal/computeMetadata/v1/' }),
    messages: ['spec.modelUri https://Metadata.Google.Internal/computeMetadata/v1/ points at a loopback, link-local or cloud metadata host name'],
  },
  {
    name: 'loopback host',
    manifest: churnModel('loopback', { modelUri: 'https://127.0.0.1:8443/models/' }),
    messages: ['spec.modelUri https://127.0.0.1:8443/models/ points at a loopback, link-local or cloud metadata address'],
  },
  {
    name: 'localhost',
    manifest: churnModel('localhost', { modelUri: 'https://localhost/models/' }),
    messages: ['spec.modelUri https://localhost/models/ points at a loopback, link-local or cloud metadata host name'],
  },
  {
    name: 'decimal IPv4 host',
    manifest: churnModel('decimal-host', { modelUri: 'https://2852039166/latest' }),
    messages: ['spec.modelUri https://2852039166/latest must name a DNS name or a canonical IP address as host'],
  },
  {
    name: 'hex IPv4 host',
    manifest: churnModel('hex-host', { modelUri: 'https://0xa9.0xfe.0xa9.0xfe/latest' }),
    messages: ['must name a DNS name or a canonical IP address as host'],
  },
  {
    name: 'IPv4 host with leading zeros',
    manifest: churnModel('octal-host', { modelUri: 'https://0251.0376.0251.0376/latest' }),
    messages: ['must name a DNS name or a canonical IP address as host'],
  },
  {
    name: 'IPv6 loopback host',
    manifest: churnModel('ipv6-loopback', { modelUri: 'https://[0:0:0:0:0:0:0:1]/models/' }),
    messages: ['points at a loopback, link-local or cloud metadata address'],
  },
  {
    name: 'IPv4-mapped IPv6 host',
    manifest: churnModel('mapped-host', { modelUri: 'https://[::ffff:169.254.169.254]/latest' }),
    messages: ['spec.modelUri https://[::ffff:169.254.169.254]/latest must name a DNS name or a canonical IP address as host'],
  },
  {
    name: 'credentials in model URI',
    manifest: churnModel('credentials', { modelUri: 'https://user:secret@models.example.com/telco-churn/' }),
    messages: ['spec.modelUri must not contain a user name or password'],
  },
  {
    name: 'file URI with a host',
    manifest: churnModel('file-host', { modelUri: 'file://models/telco-churn/1.0.0' }),
    messages: ['a file:// spec.modelUri must not name a host'],
  },
  {
    name: 'file URI outside the model volume',
    manifest: churnModel('file-outside', { modelUri: 'file:///data/telco-churn', modelVolume: { claimName: 'models' } }),
    messages: ['spec.modelVolume is mounted at /models, so a file:// spec.modelUri must point below it'],
  },
  {
    name: 'negative rate limit',
    manifest: churnModel('negative-rate', { ingress: { rateLimit: { requestsPerSecond: -5 } } }),
    messages: ['spec.ingress.rateLimit.requestsPerSecond: Invalid value: -5', 'should be greater than or equal to 1'],
  },
  {
    name: 'sha256 in upper case',
    manifest: churnModel('sha-upper', { sha256: 'A'.repeat(64) }),
    messages: ['spec.sha256: Invalid value', 'spec.sha256 must be 64 lowercase hexadecimal digits (0-9, a-f), as sha256sum prints them'],
  },
  {
    name: 'sha256 that is too short',
    manifest: churnModel('sha-short', { sha256: 'a'.repeat(63) }),
    messages: ['spec.sha256 must be 64 lowercase hexadecimal digits'],
  },
  {
    name: 'version that is no label value',
    manifest: churnModel('bad-version', { version: '1.0.0+build.7' }),
    messages: ['spec.version: Invalid value', 'spec.version must be a Kubernetes label value', 'build metadata such as +build.7 is not allowed'],
  },
  {
    name: 'risk bands out of order',
    manifest: churnModel('bands', { riskBands: { medium: 0.7, high: 0.6 } }),
    messages: ['spec.riskBands: Invalid value: spec.riskBands.medium must be lower than spec.riskBands.high'],
  },
  {
    name: 'medium band above the default high band',
    manifest: churnModel('bands-default', { riskBands: { medium: 0.65 } }),
    messages: ['spec.riskBands.medium must be lower than spec.riskBands.high', 'a threshold left out takes its default, medium 0.3 or high 0.6'],
  },
  {
    name: 'rollout weights not increasing',
    manifest: churnModel('steps', {
      rollout: {
        steps: [
          { weight: 50, pauseSeconds: 60 },
          { weight: 50, pauseSeconds: 60 },
        ],
      },
    }),
    messages: ['spec.rollout.steps: Invalid value: spec.rollout.steps weights must increase strictly from one step to the next, for example 10, 50'],
  },
  {
    name: 'canary without steps',
    manifest: churnModel('no-steps', { rollout: { strategy: 'Canary', steps: [] } }),
    messages: ['spec.rollout.steps must list at least one step when spec.rollout.strategy is Canary'],
  },
  {
    name: 'step weight of 100',
    manifest: churnModel('step-100', { rollout: { steps: [{ weight: 100, pauseSeconds: 0 }] } }),
    messages: ['spec.rollout.steps[0].weight: Invalid value: 100', 'should be less than or equal to 99'],
  },
  {
    name: 'analysis at a metadata address',
    manifest: churnModel('analysis-metadata', { rollout: { analysis: { prometheusUrl: 'http://169.254.169.254/api' } } }),
    messages: ['spec.rollout.analysis.prometheusUrl http://169.254.169.254/api points at a link-local or cloud metadata address'],
  },
  {
    name: 'request above limit',
    manifest: churnModel('requests', { resources: { requests: { memory: '2Gi' }, limits: { memory: '1Gi' } } }),
    messages: ['spec.resources.requests.memory must not exceed spec.resources.limits.memory'],
  },
  {
    name: 'TLS without host',
    manifest: churnModel('tls-no-host', { ingress: { tls: { secretName: 'churn-tls' } } }),
    messages: ['spec.ingress.tls requires spec.ingress.host'],
  },
  {
    name: 'cluster issuer without secret',
    manifest: churnModel('issuer', { ingress: { host: 'churn.example.com', tls: { clusterIssuer: 'letsencrypt' } } }),
    messages: ['spec.ingress.tls.clusterIssuer requires spec.ingress.tls.secretName'],
  },
  {
    name: 'ingress path with NGINX syntax',
    manifest: churnModel('nginx-path', { ingress: { path: '/churn;deny all' } }),
    messages: ['spec.ingress.path: Invalid value: "/churn;deny all"'],
  },
  {
    name: 'name too long for its Services',
    manifest: churnModel('a'.repeat(50)),
    messages: ['metadata.name must be at most 49 lowercase letters'],
  },
  {
    name: 'missing model URI',
    manifest: { ...churnModel('no-uri'), spec: { version: '1.0.0' } },
    messages: ['spec.modelUri: Required value'],
  },
];

const nudgeExperimentRejections: Rejection[] = [
  {
    name: 'weights not summing to 100',
    manifest: nudgeExperiment('weights', { variants: [variant('control', 50, { control: true }), variant('discount', 30)] }),
    messages: [
      'spec.variants: Invalid value: variant weights must sum to 100; adjust spec.variants[].weight, lowering one weight by as much as you raise another',
    ],
  },
  {
    name: 'duplicate variant names',
    manifest: nudgeExperiment('duplicates', {
      variants: [variant('control', 50, { control: true }), variant('discount', 25), variant('discount', 25)],
    }),
    messages: ['spec.variants[2]: Duplicate value', 'variant names must be unique'],
  },
  {
    name: 'two controls',
    manifest: nudgeExperiment('two-controls', {
      variants: [variant('control', 50, { control: true }), variant('holdout', 50, { control: true })],
    }),
    messages: ['spec.variants: Invalid value: at most one variant in spec.variants may set control: true; keep one control variant'],
  },
  {
    name: 'control with nudges',
    manifest: nudgeExperiment('control-nudges', {
      variants: [variant('control', 50, { control: true, nudges: highNudge }), variant('discount', 50, { nudges: highNudge })],
    }),
    messages: ['spec.variants[0].nudges: Invalid value', 'variant control is the control, so it must not define nudges'],
  },
  {
    name: 'variant name that is no DNS label',
    manifest: nudgeExperiment('bad-variant-name', { variants: [variant('Discount_20', 100)] }),
    messages: ['spec.variants[0].name: Invalid value', 'variant names must be DNS labels: lowercase letters, digits and "-"'],
  },
  {
    name: 'unknown message placeholder',
    manifest: nudgeExperiment('unknown-placeholder', {
      variants: [variant('discount', 100, { nudges: { high: { action: 'offer', channel: 'email', message: 'Hello {{ name }}' } } })],
    }),
    messages: [
      'spec.variants[0].nudges.high.message: Invalid value',
      'message must use only the placeholders {{experiment}}, {{variant}}, {{band}}, {{probabilityPercent}}, and "{{" must start one of them',
    ],
  },
  {
    name: 'unbalanced message braces',
    manifest: nudgeExperiment('unbalanced-braces', {
      variants: [variant('discount', 100, { nudges: { high: { action: 'offer', channel: 'email', message: 'Save {{band now' } } })],
    }),
    messages: ['spec.variants[0].nudges.high.message: Invalid value', 'and "{{" must start one of them'],
  },
  {
    name: 'message longer than the scorer accepts',
    manifest: nudgeExperiment('long-message', {
      variants: [variant('discount', 100, { nudges: { high: { action: 'offer', channel: 'email', message: 'x'.repeat(1001) } } })],
    }),
    messages: ['spec.variants[0].nudges.high.message: Too long'],
  },
  {
    name: 'unknown nudge channel',
    manifest: nudgeExperiment('bad-channel', {
      variants: [variant('discount', 100, { nudges: { high: { action: 'offer', channel: 'fax', message: 'hi' } } })],
    }),
    messages: ['spec.variants[0].nudges.high.channel: Unsupported value: "fax"'],
  },
  {
    name: 'no variants',
    manifest: nudgeExperiment('no-variants', { variants: [] }),
    messages: ['spec.variants: Invalid value: 0', 'should have at least 1 items'],
  },
  {
    name: 'empty salt',
    manifest: nudgeExperiment('empty-salt', { assignment: { salt: '' } }),
    messages: ['spec.assignment.salt: Invalid value: ""', 'should be at least 1 chars long'],
  },
  {
    name: 'negative rate limit',
    manifest: nudgeExperiment('negative-rate', { ingress: { rateLimit: { connections: -1 } } }),
    messages: ['spec.ingress.rateLimit.connections: Invalid value: -1', 'should be greater than or equal to 1'],
  },
];

describe('ChurnModel validation', () => {
  it.each(churnModelRejections)('rejects $name', async ({ manifest, messages }) => {
    const result = await createDryRun(manifest);

    expect(result.code).not.toBe(0);
    for (const message of messages) {
      expect(result.stderr).toContain(message);
    }
  });
});

describe('ChurnModel URIs', () => {
  it.each([
    'https://models.example.com/telco-churn/1.0.0/',
    'https://models.example.com:8443/telco-churn/1.0.0/?version=1#bundle',
    'https://10.0.0.5/models/telco-churn/',
    'https://[2001:db8::1]/models/telco-churn/',
    'https://s3.eu-west-1.amazonaws.com/bucket/telco-churn/',
    'https://1password.example/models/',
    'file:///models/telco-churn/1.0.0',
  ])('accepts %s', async (modelUri) => {
    const result = await createDryRun(churnModel('accepted-uri', { modelUri }));

    expect(result.stderr).toBe('');
  });

  it('accepts a Prometheus on the loopback address', async () => {
    const manifest = churnModel('local-prometheus', { rollout: { analysis: { prometheusUrl: 'http://127.0.0.1:9090' } } });

    const result = await createDryRun(manifest);

    expect(result.stderr).toBe('');
  });
});

describe('NudgeExperiment validation', () => {
  it.each(nudgeExperimentRejections)('rejects $name', async ({ manifest, messages }) => {
    const result = await createDryRun(manifest);

    expect(result.code).not.toBe(0);
    for (const message of messages) {
      expect(result.stderr).toContain(message);
    }
  });

  it('accepts every documented message placeholder', async () => {
    const message = 'Hi from {{experiment}}/{{ variant }}: {{band}} risk, {{probabilityPercent}}%. Code {SAVE}.';
    const manifest = nudgeExperiment('placeholders', {
      variants: [variant('discount', 100, { nudges: { high: { action: 'offer', channel: 'email', message } } })],
    });

    const result = await createDryRun(manifest);

    expect(result.stderr).toBe('');
  });

  it('accepts a control with weight 0 beside a full variant', async () => {
    const manifest = nudgeExperiment('zero-control', {
      variants: [variant('control', 0, { control: true }), variant('discount', 100, { nudges: highNudge })],
    });

    const result = await createDryRun(manifest);

    expect(result.stderr).toBe('');
  });
});

describe('unknown fields', () => {
  it('kubectl create rejects them with strict field validation', async () => {
    const manifest = churnModel('unknown-field', { replicaCount: 3 });

    const result = await createDryRun(manifest);

    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('unknown field "spec.replicaCount"');
  });

  it('server-side apply rejects them', async () => {
    const manifest = nudgeExperiment('unknown-field-apply');
    (manifest.spec.assignment as Record<string, unknown>).seed = 42;

    const result = await kubectl(['apply', '--server-side', '--dry-run=server', '-n', namespace, '-f', '-'], {
      input: JSON.stringify(manifest),
    });

    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('.spec.assignment.seed: field not declared in schema');
  });

  it('the client rejects them with fieldValidation Strict', async () => {
    const objects = kc.makeApiClient(CustomObjectsApi);
    const body = churnModel('unknown-field-client', { ingress: { rateLimit: { rps: 10 } } });

    const request = objects.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace,
      plural: PLURALS.churnModel,
      body,
      fieldValidation: 'Strict',
      dryRun: 'All',
    });

    await expect(request).rejects.toMatchObject({ code: 400, body: expect.stringContaining('unknown field \\"spec.ingress.rateLimit.rps\\"') });
  });
});
