import Type from 'typebox';
import type { Static } from 'typebox';
import type { V1ObjectMeta } from '@kubernetes/client-node';

import { PLACEHOLDER_NAMES } from '../../../scorer/src/experiments/template.ts';
import { AuthSpec, Conditions, IngressSpec, Replicas, ResourceRequirements, riskBandThresholds } from './common.ts';
import { AGE_COLUMN, API_VERSION, KINDS, READY_COLUMN, URL_COLUMN } from './meta.ts';
import type { PrinterColumn } from './meta.ts';
import {
  DNS_1035_LABEL_PATTERN,
  DNS_LABEL_PATTERN,
  DNS_SUBDOMAIN_PATTERN,
  ObjectMetaField,
  SECRET_KEY_PATTERN,
  StringEnum,
  TypeMetaString,
} from './schema.ts';

/**
 * Longest NudgeExperiment name: a Service `<name>-nudge-canary` must still be an
 * RFC 1035 label of at most 63 characters.
 */
export const NUDGE_EXPERIMENT_MAX_NAME_LENGTH = 63 - '-nudge-canary'.length;

export const MAX_VARIANTS = 10;

/** Maximum length of a nudge message, the scorer's limit. */
const MAX_MESSAGE_LENGTH = 1000;

const PLACEHOLDER_LIST = PLACEHOLDER_NAMES.map((name) => `{{${name}}}`).join(', ');

/**
 * A message as the scorer's template parser accepts it, written without lookaround for
 * RE2: any character but "{", a known placeholder (after at most one literal "{"), or a
 * single "{" that is not followed by another. One `matches` keeps the CEL cost low.
 * NOTE: a stray "}}" outside a placeholder passes this rule; the operator's check of
 * the whole scorer configuration reports it.
 */
const MESSAGE_TEMPLATE_PATTERN = `^([^{]|\\{?\\{\\{\\s*(${PLACEHOLDER_NAMES.join('|')})\\s*\\}\\}|\\{[^{]|\\{$)*$`;

export const Nudge = Type.Object(
  {
    action: Type.String({
      description: 'Identifier of the retention action that the calling application carries out, such as offer-discount-20.',
      minLength: 1,
      maxLength: 63,
      pattern: '^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$',
    }),
    channel: StringEnum(['email', 'in-app', 'sms', 'push', 'call'], {
      description: 'Channel through which the application delivers the nudge.',
    }),
    message: Type.String({
      description:
        'Message template that the application shows or sends to the customer. The scorer fills in the placeholders ' +
        `${PLACEHOLDER_LIST}; any other text is literal, and "{{" must start a placeholder.`,
      minLength: 1,
      maxLength: MAX_MESSAGE_LENGTH,
      'x-kubernetes-validations': [
        {
          rule: `self.matches(r'${MESSAGE_TEMPLATE_PATTERN}')`,
          message:
            `message must use only the placeholders ${PLACEHOLDER_LIST}, and "{{" must start one of them, ` +
            'such as "Your churn risk is {{band}}"',
        },
      ],
    }),
  },
  { description: 'Retention nudge for customers of one churn-risk band.' },
);

export const NudgeRules = Type.Object(
  {
    low: Type.Optional(Nudge),
    medium: Type.Optional(Nudge),
    high: Type.Optional(Nudge),
  },
  { description: 'Nudge per churn-risk band. A band without a nudge gets none.' },
);

export const Variant = Type.Object(
  {
    name: Type.String({
      description: 'Name of the variant, a DNS label such as discount-20. It is reported with every assignment and metric.',
      minLength: 1,
      maxLength: 63,
      'x-kubernetes-validations': [
        {
          rule: `self.matches('${DNS_LABEL_PATTERN}')`,
          message:
            'variant names must be DNS labels: lowercase letters, digits and "-", starting and ending with a letter or digit, such as discount-20',
        },
      ],
    }),
    weight: Type.Integer({
      description: 'Percent of customers assigned to this variant. The weights of all variants sum to 100.',
      minimum: 0,
      maximum: 100,
    }),
    control: Type.Optional(
      Type.Boolean({ description: 'Marks the control group, which gets no nudge. At most one variant is the control.' }),
    ),
    nudges: Type.Optional(NudgeRules),
  },
  {
    description: 'One arm of the experiment.',
    'x-kubernetes-validations': [
      {
        rule: '!has(self.control) || !self.control || !has(self.nudges)',
        message: 'a control variant must not define nudges; remove spec.variants[].nudges or set control: false',
        messageExpression: "'variant ' + self.name + ' is the control, so it must not define nudges; remove its nudges or set control: false'",
        fieldPath: '.nudges',
      },
    ],
  },
);

export const AssignmentSpec = Type.Object(
  {
    salt: Type.String({
      description:
        'Salt of the hash that assigns customers to variants. Every replica assigns a customer to the same variant; changing the salt reshuffles all customers.',
      minLength: 1,
      maxLength: 64,
    }),
    unit: StringEnum(['CustomerId'], {
      description: 'What is assigned to a variant: each customer id, so a customer sees one variant on every request.',
      default: 'CustomerId',
    }),
  },
  { description: 'How customers are assigned to variants.' },
);

export const AuditKeySecretRef = Type.Object(
  {
    name: Type.String({
      description: 'Name of the Secret, in the namespace of the NudgeExperiment.',
      minLength: 1,
      maxLength: 253,
      pattern: DNS_SUBDOMAIN_PATTERN,
    }),
    key: Type.String({
      description:
        'Key in the Secret whose value is the audit key: text of at least 16 bytes once leading and trailing white space is removed, ' +
        'such as the output of openssl rand -base64 32.',
      minLength: 1,
      maxLength: 253,
      pattern: SECRET_KEY_PATTERN,
      default: 'audit-key',
    }),
  },
  {
    description:
      'Secret with the key of the digests (keyed SipHash-2-4) that the audit log writes in place of customer ids. It is mounted read-only into the ' +
      'scorer pods at /var/run/engagetrack/audit-key/, so every replica writes the same digest for the same customer. ' +
      'When unset, each scorer process uses a random key, and digests differ between replicas and restarts.',
  },
);

export const AuditSpec = Type.Object(
  {
    keySecretRef: Type.Optional(AuditKeySecretRef),
  },
  { description: 'Audit log of the experiment: one line per counted exposure and conversion.' },
);

export const NudgeExperimentSpec = Type.Object(
  {
    modelRef: Type.Object(
      {
        name: Type.String({
          description: 'Name of the ChurnModel.',
          minLength: 1,
          maxLength: 63,
          pattern: DNS_LABEL_PATTERN,
        }),
      },
      {
        description: 'ChurnModel in the same namespace whose model scores the customers. The experiment follows its current version.',
      },
    ),
    assignment: AssignmentSpec,
    riskBands: Type.Optional(
      riskBandThresholds(
        'They choose the nudge of each customer. When unset, those of the ChurnModel apply. ' +
          'A threshold left out of a set riskBands takes its default, medium 0.3 or high 0.6, not the ChurnModel value.',
      ),
    ),
    variants: Type.Array(Variant, {
      description: `Variants of the experiment, 1 to ${MAX_VARIANTS}, with unique names, weights summing to 100, and at most one control.`,
      minItems: 1,
      maxItems: MAX_VARIANTS,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
      'x-kubernetes-validations': [
        {
          rule: 'self.map(v, v.weight).sum() == 100',
          // A messageExpression with the actual sum exceeds the API server's CEL cost budget.
          message: 'variant weights must sum to 100; adjust spec.variants[].weight, lowering one weight by as much as you raise another',
        },
        {
          rule: 'self.all(v, self.exists_one(w, w.name == v.name))',
          message: 'variant names must be unique; rename the duplicate variant in spec.variants',
        },
        {
          rule: 'self.filter(v, has(v.control) && v.control).size() <= 1',
          message: 'at most one variant in spec.variants may set control: true; keep one control variant',
        },
      ],
    }),
    ingress: IngressSpec,
    auth: Type.Optional(AuthSpec),
    audit: Type.Optional(AuditSpec),
    replicas: Replicas('Number of scorer pods serving the experiment.'),
    resources: Type.Optional(ResourceRequirements),
    paused: Type.Boolean({
      description: 'Pauses the experiment in the scorer without deleting it.',
      default: false,
    }),
  },
  { description: 'Desired state of a NudgeExperiment: the model it uses, its variants and how customers are assigned.' },
);

export const NudgeExperimentStatus = Type.Object(
  {
    observedGeneration: Type.Optional(
      Type.Integer({ description: 'metadata.generation that this status describes.', minimum: 0, format: 'int64' }),
    ),
    conditions: Type.Optional(Conditions('Conditions: Ready, Progressing and Degraded.')),
    url: Type.Optional(Type.String({ description: 'URL that clients call: the Ingress URL, or the Service URL inside the cluster.' })),
    modelVersion: Type.Optional(Type.String({ description: 'Version of the ChurnModel that the experiment scorer pods serve.' })),
    replicas: Type.Optional(Type.Integer({ description: 'Scorer pods that exist.', minimum: 0, format: 'int32' })),
    readyReplicas: Type.Optional(Type.Integer({ description: 'Scorer pods that are ready.', minimum: 0, format: 'int32' })),
  },
  { description: 'Observed state of a NudgeExperiment, written by the operator.' },
);

export const NudgeExperimentSchema = Type.Object(
  {
    apiVersion: TypeMetaString(API_VERSION, { description: `API version of the object: ${API_VERSION}.` }),
    kind: TypeMetaString(KINDS.nudgeExperiment, { description: `Kind of the object: ${KINDS.nudgeExperiment}.` }),
    metadata: ObjectMetaField<V1ObjectMeta>(),
    spec: NudgeExperimentSpec,
    status: Type.Optional(NudgeExperimentStatus),
  },
  {
    description:
      'NudgeExperiment assigns customers to variants of retention nudges and serves, per customer, the nudge for their churn-risk band.',
    'x-kubernetes-validations': [
      {
        rule: `self.metadata.name.size() <= ${NUDGE_EXPERIMENT_MAX_NAME_LENGTH} && self.metadata.name.matches('${DNS_1035_LABEL_PATTERN}')`,
        message:
          `metadata.name must be at most ${NUDGE_EXPERIMENT_MAX_NAME_LENGTH} lowercase letters, digits and "-", starting with a letter, ` +
          'so that the names of its child objects, such as <name>-nudge-canary, fit in 63 characters',
      },
    ],
  },
);

export const nudgeExperimentPrinterColumns: PrinterColumn[] = [
  { name: 'Model', type: 'string', jsonPath: '.spec.modelRef.name', description: 'ChurnModel that scores the customers.' },
  { name: 'Model-Version', type: 'string', jsonPath: '.status.modelVersion', description: 'Version of the ChurnModel that the scorer pods serve.' },
  { name: 'Paused', type: 'boolean', jsonPath: '.spec.paused', description: 'Whether the experiment is paused.' },
  READY_COLUMN,
  URL_COLUMN,
  AGE_COLUMN,
];

export type Nudge = Static<typeof Nudge>;
export type NudgeRules = Static<typeof NudgeRules>;
export type Variant = Static<typeof Variant>;
export type AssignmentSpec = Static<typeof AssignmentSpec>;
export type AuditKeySecretRef = Static<typeof AuditKeySecretRef>;
export type AuditSpec = Static<typeof AuditSpec>;
export type NudgeExperimentSpec = Static<typeof NudgeExperimentSpec>;
export type NudgeExperimentStatus = Static<typeof NudgeExperimentStatus>;
export type NudgeExperiment = Static<typeof NudgeExperimentSchema>;
