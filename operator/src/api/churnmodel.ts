import Type from 'typebox';
import type { Static } from 'typebox';
import type { V1ObjectMeta } from '@kubernetes/client-node';

import {
  AuthSpec,
  Conditions,
  IngressSpec,
  ModelVolumeSpec,
  Replicas,
  ResourceRequirements,
  RiskBandThresholds,
} from './common.ts';
import { AGE_COLUMN, API_VERSION, KINDS, READY_COLUMN, URL_COLUMN } from './meta.ts';
import type { PrinterColumn } from './meta.ts';
import { RolloutSpec } from './rollout.ts';
import { DNS_1035_LABEL_PATTERN, LABEL_VALUE_PATTERN, ObjectMetaField, SHA256_PATTERN, StringEnum, TypeMetaString } from './schema.ts';
import { uriRules } from './uri-rules.ts';

/**
 * Longest ChurnModel name: the canary Service `<name>-scorer-canary` must be an
 * RFC 1035 label of at most 63 characters.
 */
export const CHURN_MODEL_MAX_NAME_LENGTH = 63 - '-scorer-canary'.length;

const MODEL_URI_EXAMPLE = 'https://models.example.com/telco-churn/1.0.0/ or file:///models/telco-churn/1.0.0';

export const ChurnModelSpec = Type.Object(
  {
    modelUri: Type.String({
      description:
        'Location of the model bundle: an https:// base URL, or a file:// path inside the scorer pods (mount it with modelVolume). ' +
        'Literal loopback, link-local and cloud metadata hosts are rejected; host names are not resolved for this check.',
      minLength: 1,
      maxLength: 2048,
      'x-kubernetes-validations': uriRules('spec.modelUri', {
        schemes: ['https', 'file'],
        example: MODEL_URI_EXAMPLE,
        allowLoopback: false,
      }),
    }),
    version: Type.String({
      description:
        'Version of the model bundle, such as 1.2.0. It becomes the app.kubernetes.io/version label, so it is at most 63 letters, digits, ".", "_" and "-". ' +
        'Changing version (with modelUri) starts a rollout.',
      minLength: 1,
      maxLength: 63,
      // A CEL rule instead of `pattern`, so a rejected value gets a message instead of the bare regular expression.
      'x-kubernetes-validations': [
        {
          rule: `self.matches('${LABEL_VALUE_PATTERN}')`,
          message:
            'spec.version must be a Kubernetes label value: letters, digits, ".", "_" and "-", starting and ending with a letter or digit, ' +
            'such as 1.2.0 or 2026-03-01; build metadata such as +build.7 is not allowed',
        },
      ],
    }),
    sha256: Type.Optional(
      Type.String({
        description: 'Expected sha256 digest of the bundle, 64 lowercase hex digits. The scorer rejects a bundle with another digest and does not serve it.',
        maxLength: 64,
        'x-kubernetes-validations': [
          {
            rule: `self.matches('${SHA256_PATTERN}')`,
            message:
              'spec.sha256 must be 64 lowercase hexadecimal digits (0-9, a-f), as sha256sum prints them; write an uppercase digest in lowercase',
          },
        ],
      }),
    ),
    replicas: Replicas('Number of stable scorer pods.'),
    resources: Type.Optional(ResourceRequirements),
    riskBands: Type.Optional(RiskBandThresholds),
    modelVolume: Type.Optional(ModelVolumeSpec),
    unknownCategory: Type.Optional(
      StringEnum(['Ignore', 'Reject'], {
        description:
          'What the scorer does with a categorical feature value that the model was not trained on: Ignore scores it as an unknown category, Reject answers 400 naming the feature.',
        default: 'Ignore',
      }),
    ),
    ingress: IngressSpec,
    auth: Type.Optional(AuthSpec),
    rollout: RolloutSpec,
  },
  {
    description: 'Desired state of a ChurnModel: which model bundle to serve, how, and how to roll out a new version.',
    'x-kubernetes-validations': [
      {
        rule: "!has(self.modelVolume) || !self.modelUri.startsWith('file:') || self.modelUri.startsWith('file:///models/')",
        message:
          'spec.modelVolume is mounted at /models, so a file:// spec.modelUri must point below it, for example file:///models/telco-churn/1.0.0',
        fieldPath: '.modelUri',
      },
    ],
  },
);

export const CanaryStatus = Type.Object(
  {
    version: Type.String({ description: 'Version the canary pods serve.' }),
    modelUri: Type.String({ description: 'Model bundle URI the canary pods serve.' }),
    sha256: Type.Optional(Type.String({ description: 'Bundle digest of the canary, when spec.sha256 was set.' })),
    weight: Type.Integer({ description: 'Percent of requests sent to the canary; 0 while its pods are not ready.', minimum: 0, maximum: 100 }),
    step: Type.Integer({ description: 'Index of the current step in spec.rollout.steps, starting at 0.', minimum: 0 }),
    stepStartedAt: Type.String({ description: 'Time the current step started, in RFC 3339 format.', format: 'date-time' }),
  },
  { description: 'Canary of a rollout in progress. Absent when no canary runs.' },
);

export const HistoryEntry = Type.Object(
  {
    version: Type.String({ description: 'Version that was rolled out.' }),
    modelUri: Type.Optional(Type.String({ description: 'Model bundle URI of the version.' })),
    sha256: Type.Optional(Type.String({ description: 'Bundle digest of the version, when spec.sha256 was set.' })),
    outcome: StringEnum(['Promoted', 'RolledBack', 'Aborted'], {
      description: 'Promoted: the version serves all traffic. RolledBack: its canary failed. Aborted: the spec moved on before it finished.',
    }),
    reason: Type.Optional(Type.String({ description: 'CamelCase reason of the outcome, such as ErrorRateTooHigh.', maxLength: 1024 })),
    time: Type.String({ description: 'Time of the outcome, in RFC 3339 format.', format: 'date-time' }),
  },
  { description: 'Outcome of one rollout.' },
);

export const ChurnModelStatus = Type.Object(
  {
    observedGeneration: Type.Optional(
      Type.Integer({ description: 'metadata.generation that this status describes.', minimum: 0, format: 'int64' }),
    ),
    conditions: Type.Optional(Conditions('Conditions: Ready, Progressing, Degraded and ModelLoaded.')),
    url: Type.Optional(Type.String({ description: 'URL that clients call: the Ingress URL, or the Service URL inside the cluster.' })),
    currentVersion: Type.Optional(Type.String({ description: 'Version that the stable scorer pods serve.' })),
    currentModelUri: Type.Optional(Type.String({ description: 'Model bundle URI that the stable scorer pods serve.' })),
    currentSha256: Type.Optional(Type.String({ description: 'Bundle digest that the stable scorer pods verified, when spec.sha256 was set.' })),
    canary: Type.Optional(CanaryStatus),
    history: Type.Optional(
      Type.Array(HistoryEntry, {
        description: 'Outcomes of the latest rollouts, oldest first, at most 20.',
        maxItems: 20,
        'x-kubernetes-list-type': 'atomic',
      }),
    ),
    replicas: Type.Optional(Type.Integer({ description: 'Stable scorer pods that exist.', minimum: 0, format: 'int32' })),
    readyReplicas: Type.Optional(Type.Integer({ description: 'Stable scorer pods that are ready.', minimum: 0, format: 'int32' })),
  },
  { description: 'Observed state of a ChurnModel, written by the operator.' },
);

export const ChurnModelSchema = Type.Object(
  {
    apiVersion: TypeMetaString(API_VERSION, { description: `API version of the object: ${API_VERSION}.` }),
    kind: TypeMetaString(KINDS.churnModel, { description: `Kind of the object: ${KINDS.churnModel}.` }),
    metadata: ObjectMetaField<V1ObjectMeta>(),
    spec: ChurnModelSpec,
    status: Type.Optional(ChurnModelStatus),
  },
  {
    description:
      'ChurnModel serves a churn-prediction model bundle with a set of scorer pods, and rolls out new versions through a canary.',
    'x-kubernetes-validations': [
      {
        rule: `self.metadata.name.size() <= ${CHURN_MODEL_MAX_NAME_LENGTH} && self.metadata.name.matches('${DNS_1035_LABEL_PATTERN}')`,
        message:
          `metadata.name must be at most ${CHURN_MODEL_MAX_NAME_LENGTH} lowercase letters, digits and "-", starting with a letter, ` +
          'so that the name of the canary Service, <name>-scorer-canary, fits in 63 characters',
      },
    ],
  },
);

export const churnModelPrinterColumns: PrinterColumn[] = [
  { name: 'Version', type: 'string', jsonPath: '.status.currentVersion', description: 'Version that the stable scorer pods serve.' },
  { name: 'Canary', type: 'string', jsonPath: '.status.canary.version', description: 'Version of the canary in progress.' },
  { name: 'Weight', type: 'integer', jsonPath: '.status.canary.weight', description: 'Percent of requests sent to the canary.' },
  READY_COLUMN,
  URL_COLUMN,
  AGE_COLUMN,
];

export type ChurnModelSpec = Static<typeof ChurnModelSpec>;
export type CanaryStatus = Static<typeof CanaryStatus>;
export type HistoryEntry = Static<typeof HistoryEntry>;
export type ChurnModelStatus = Static<typeof ChurnModelStatus>;
export type ChurnModel = Static<typeof ChurnModelSchema>;
