import Type from 'typebox';
import type { Static } from 'typebox';
import {
  CONDITION_REASON_PATTERN,
  CONDITION_TYPE_PATTERN,
  DNS_SUBDOMAIN_PATTERN,
  INGRESS_HOST_PATTERN,
  INGRESS_PATH_PATTERN,
  Quantity,
  SECRET_KEY_PATTERN,
  StringEnum,
} from './schema.ts';

/** Sub-objects that ChurnModel and NudgeExperiment share. */

function SecretName(description: string) {
  return Type.String({ description, minLength: 1, maxLength: 253, pattern: DNS_SUBDOMAIN_PATTERN });
}

export const RateLimitSpec = Type.Object(
  {
    requestsPerSecond: Type.Integer({
      description:
        'Requests per second that one client address may send through the Ingress (annotation nginx.ingress.kubernetes.io/limit-rps). ' +
        'The scorer also enforces requestsPerSecond * burstMultiplier per second per client address itself, because NGINX counts per controller replica.',
      minimum: 1,
      maximum: 100000,
      default: 50,
    }),
    burstMultiplier: Type.Integer({
      description:
        'Burst size as a multiple of requestsPerSecond (annotation nginx.ingress.kubernetes.io/limit-burst-multiplier).',
      minimum: 1,
      maximum: 100,
      default: 5,
    }),
    connections: Type.Integer({
      description:
        'Concurrent connections that one client address may hold open through the Ingress (annotation nginx.ingress.kubernetes.io/limit-connections).',
      minimum: 1,
      maximum: 100000,
      default: 20,
    }),
  },
  { description: 'Per-client rate limits applied at the Ingress and in the scorer.', default: {} },
);

export const IngressTlsSpec = Type.Object(
  {
    secretName: Type.Optional(
      SecretName('Secret with the TLS certificate and key for the host. cert-manager writes it when clusterIssuer is set.'),
    ),
    clusterIssuer: Type.Optional(
      Type.String({
        description:
          'cert-manager ClusterIssuer that issues the certificate (annotation cert-manager.io/cluster-issuer). Requires secretName.',
        minLength: 1,
        maxLength: 253,
        pattern: DNS_SUBDOMAIN_PATTERN,
      }),
    ),
  },
  {
    description: 'TLS for the Ingress host.',
    'x-kubernetes-validations': [
      {
        rule: '!has(self.clusterIssuer) || has(self.secretName)',
        message:
          'spec.ingress.tls.clusterIssuer requires spec.ingress.tls.secretName, because cert-manager stores the issued certificate in that Secret; set secretName',
      },
    ],
  },
);

export const IngressSpec = Type.Object(
  {
    enabled: Type.Boolean({
      description: 'Whether the operator creates an Ingress for the scorer Service. When false, the Service is the only endpoint.',
      default: true,
    }),
    className: Type.String({
      description: 'IngressClass name. The rate-limit annotations are those of ingress-nginx.',
      minLength: 1,
      maxLength: 253,
      pattern: DNS_SUBDOMAIN_PATTERN,
      default: 'nginx',
    }),
    host: Type.Optional(
      Type.String({
        description: 'Host name the Ingress routes, such as churn.example.com. When unset, the Ingress matches every host.',
        minLength: 1,
        maxLength: 253,
        pattern: INGRESS_HOST_PATTERN,
      }),
    ),
    path: Type.String({
      description: 'Path prefix the Ingress routes to the scorer: a slash followed by letters, digits, ".", "_", "-" and "/".',
      minLength: 1,
      maxLength: 256,
      pattern: INGRESS_PATH_PATTERN,
      default: '/',
    }),
    tls: Type.Optional(IngressTlsSpec),
    basicAuthSecretName: Type.Optional(
      SecretName(
        'Secret in htpasswd format (key "auth") that ingress-nginx checks with HTTP basic authentication (annotations nginx.ingress.kubernetes.io/auth-type, auth-secret).',
      ),
    ),
    rateLimit: RateLimitSpec,
  },
  {
    description: 'Ingress in front of the scorer Service.',
    default: {},
    'x-kubernetes-validations': [
      {
        rule: '!has(self.tls) || has(self.host)',
        message: 'spec.ingress.tls requires spec.ingress.host, because the certificate is issued for that host; set host',
      },
    ],
  },
);

export const ApiKeySecretRef = Type.Object(
  {
    name: SecretName('Name of the Secret, in the namespace of the resource.'),
    key: Type.String({
      description: 'Key in the Secret whose value is the file of API keys, one key per line.',
      minLength: 1,
      maxLength: 253,
      pattern: SECRET_KEY_PATTERN,
      default: 'api-keys',
    }),
  },
  {
    description:
      'Secret with the API keys that clients must send. It is mounted read-only into the scorer pods at /var/run/engagetrack/api-keys/. ' +
      'When unset, the scorer accepts requests without a key.',
  },
);

export const AuthSpec = Type.Object(
  {
    apiKeySecretRef: Type.Optional(ApiKeySecretRef),
  },
  { description: 'Authentication of requests to the scorer.' },
);

export const ModelVolumeSpec = Type.Object(
  {
    claimName: SecretName('Name of a PersistentVolumeClaim in the namespace of the resource.'),
  },
  {
    description: 'PersistentVolumeClaim with model bundles, mounted read-only at /models in the scorer pods for file:// model URIs.',
  },
);

/** Creates the risk band thresholds. `description` states what applies when the field is unset. */
export function riskBandThresholds(description: string) {
  return Type.Object(
    {
      // Strictly between 0 and 1, as the scorer checks, so that every band can occur.
      medium: Type.Number({
        description: 'Churn probability from which a prediction is in the medium band, strictly between 0 and 1. Below it the band is low.',
        exclusiveMinimum: 0,
        exclusiveMaximum: 1,
        default: 0.3,
      }),
      high: Type.Number({
        description: 'Churn probability from which a prediction is in the high band, strictly between 0 and 1. Must be greater than medium.',
        exclusiveMinimum: 0,
        exclusiveMaximum: 1,
        default: 0.6,
      }),
    },
    {
      description: `Churn-probability thresholds of the low, medium and high risk bands. ${description}`,
      'x-kubernetes-validations': [
        {
          rule: '!has(self.medium) || !has(self.high) || self.medium < self.high',
          // A threshold left out has already taken its default when this rule runs.
          message:
            'spec.riskBands.medium must be lower than spec.riskBands.high, for example medium: 0.3 and high: 0.6; ' +
            'a threshold left out takes its default, medium 0.3 or high 0.6',
        },
      ],
    },
  );
}

export const RiskBandThresholds = riskBandThresholds('When unset, the scorer uses medium 0.3 and high 0.6.');

function ResourceList(description: string) {
  return Type.Object(
    {
      cpu: Type.Optional(Quantity({ description: 'CPU quantity, such as 250m or 1.' })),
      memory: Type.Optional(Quantity({ description: 'Memory quantity, such as 512Mi or 1Gi.' })),
    },
    { description },
  );
}

/** Compares one resource of requests and limits when both are set and parse as quantities. */
function requestNotAboveLimit(resource: 'cpu' | 'memory'): string {
  const request = `self.requests.${resource}`;
  const limit = `self.limits.${resource}`;
  return (
    `!has(self.requests) || !has(self.limits) || !has(${request}) || !has(${limit}) || ` +
    `!isQuantity(string(${request})) || !isQuantity(string(${limit})) || ` +
    `quantity(string(${request})).compareTo(quantity(string(${limit}))) <= 0`
  );
}

export const ResourceRequirements = Type.Object(
  {
    requests: Type.Optional(ResourceList('Resources reserved for each scorer container.')),
    limits: Type.Optional(ResourceList('Maximum resources of each scorer container.')),
  },
  {
    description:
      'Compute resources of each scorer container. When unset: requests cpu 250m and memory 512Mi, limits memory 1Gi. ' +
      'When set, it replaces these defaults as a whole.',
    default: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } },
    'x-kubernetes-validations': [
      {
        rule: requestNotAboveLimit('cpu'),
        message:
          'spec.resources.requests.cpu must not exceed spec.resources.limits.cpu, or no scorer pod can be created; lower the request or raise the limit',
      },
      {
        rule: requestNotAboveLimit('memory'),
        message:
          'spec.resources.requests.memory must not exceed spec.resources.limits.memory, or no scorer pod can be created; lower the request or raise the limit',
      },
    ],
  },
);

export const Condition = Type.Object(
  {
    type: Type.String({
      description: 'Type of the condition in CamelCase, such as Ready.',
      maxLength: 316,
      pattern: CONDITION_TYPE_PATTERN,
    }),
    status: StringEnum(['True', 'False', 'Unknown'], { description: 'Status of the condition.' }),
    reason: Type.String({
      description: 'CamelCase reason for the last transition, such as Available.',
      minLength: 1,
      maxLength: 1024,
      pattern: CONDITION_REASON_PATTERN,
    }),
    message: Type.String({ description: 'Human-readable details of the last transition.', maxLength: 32768 }),
    lastTransitionTime: Type.String({
      description: 'Time the condition last changed status, in RFC 3339 format.',
      format: 'date-time',
    }),
    observedGeneration: Type.Optional(
      Type.Integer({
        description: 'metadata.generation of the resource that the condition was set for.',
        minimum: 0,
        format: 'int64',
      }),
    ),
  },
  { description: 'Condition of the resource, in the shape of metav1.Condition.' },
);

export function Conditions(description: string) {
  return Type.Array(Condition, {
    description,
    maxItems: 16,
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['type'],
  });
}

export function Replicas(description: string) {
  return Type.Integer({ description, minimum: 0, maximum: 100, default: 2, format: 'int32' });
}

export type RateLimitSpec = Static<typeof RateLimitSpec>;
export type IngressTlsSpec = Static<typeof IngressTlsSpec>;
export type IngressSpec = Static<typeof IngressSpec>;
export type ApiKeySecretRef = Static<typeof ApiKeySecretRef>;
export type AuthSpec = Static<typeof AuthSpec>;
export type ModelVolumeSpec = Static<typeof ModelVolumeSpec>;
export type RiskBandThresholds = Static<typeof RiskBandThresholds>;
export type ResourceRequirements = Static<typeof ResourceRequirements>;
export type Condition = Static<typeof Condition>;
