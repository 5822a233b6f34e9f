// Renders the scorer's YAML configuration file (ConfigMap key scorer.yaml). The scorer
// parses it at start-up, so this file and scorer/src/config.ts share one format.
import { createHash } from 'node:crypto';

import { dump } from 'js-yaml';

import type { AuditSpec, AuthSpec, IngressSpec, NudgeSpec, RiskBandThresholds, VariantSpec } from './types.ts';
import {
  API_KEYS_MOUNT_PATH,
  AUDIT_KEY_MOUNT_PATH,
  DEFAULT_API_KEY_NAME,
  DEFAULT_AUDIT_KEY_NAME,
  SCORER_BODY_LIMIT_BYTES,
  SCORER_PORT,
  ingressDefaults,
} from './defaults.ts';

export const CONFIG_FILE_KEY = 'scorer.yaml';

/** The model a scorer serves: what the pods download, verify and report. */
export interface ModelRelease {
  uri: string;
  sha256?: string;
  version: string;
}

export interface ExperimentConfigInput {
  name: string;
  salt: string;
  paused: boolean;
  riskBands?: RiskBandThresholds;
  variants: VariantSpec[];
}

export interface ScorerConfigInput {
  modelName: string;
  release: ModelRelease;
  unknownCategory?: 'Ignore' | 'Reject';
  riskBands?: RiskBandThresholds;
  ingress?: IngressSpec;
  auth?: AuthSpec;
  /** Only experiments write an audit log. */
  audit?: AuditSpec;
  experiment?: ExperimentConfigInput;
}

export const DEFAULT_RISK_BANDS: RiskBandThresholds = { medium: 0.3, high: 0.6 };

/** Builds the configuration object; `renderScorerConfig` turns it into YAML. */
export function scorerConfig(input: ScorerConfigInput): Record<string, unknown> {
  const ingress = ingressDefaults(input.ingress);
  const rateLimit = ingress.rateLimit;

  const config: Record<string, unknown> = {
    server: {
      port: SCORER_PORT,
      bodyLimitBytes: SCORER_BODY_LIMIT_BYTES,
      maxBatchSize: 10_000,
      shutdownGracePeriodSeconds: 25,
      // Behind the ingress controller the client address is the last X-Forwarded-For hop.
      trustedProxyHops: ingress.enabled ? 1 : 0,
    },
    rateLimit: {
      enabled: true,
      // The scorer enforces the same budget as NGINX: the sustained rate times the burst,
      // per client address and one-second window.
      limit: rateLimit.requestsPerSecond * rateLimit.burstMultiplier,
      windowSeconds: 1,
    },
    model: modelSection(input),
    riskBands: input.riskBands ?? DEFAULT_RISK_BANDS,
  };

  if (input.experiment) config['experiment'] = experimentSection(input.experiment);
  const auth = authSection(input);
  if (Object.keys(auth).length > 0) config['auth'] = auth;
  return config;
}

export function renderScorerConfig(input: ScorerConfigInput): string {
  return dump(scorerConfig(input), { lineWidth: -1, noRefs: true, sortKeys: false });
}

/** sha256 of the rendered file, set on the pod template so a config change rolls the pods. */
export function configHash(renderedConfig: string): string {
  return createHash('sha256').update(renderedConfig).digest('hex');
}

export function apiKeysFilePath(auth: AuthSpec | undefined): string | undefined {
  const secretRef = auth?.apiKeySecretRef;
  if (!secretRef) return undefined;
  return `${API_KEYS_MOUNT_PATH}/${secretRef.key ?? DEFAULT_API_KEY_NAME}`;
}

/** Path of the audit key in the scorer pods, where the Secret of `audit.keySecretRef` is mounted. */
export function auditKeyFilePath(audit: AuditSpec | undefined): string | undefined {
  const secretRef = audit?.keySecretRef;
  if (!secretRef) return undefined;
  return `${AUDIT_KEY_MOUNT_PATH}/${secretRef.key ?? DEFAULT_AUDIT_KEY_NAME}`;
}

function authSection(input: ScorerConfigInput): Record<string, string> {
  const auth: Record<string, string> = {};
  const apiKeysFile = apiKeysFilePath(input.auth);
  if (apiKeysFile) auth['apiKeysFile'] = apiKeysFile;
  const auditKeyFile = auditKeyFilePath(input.audit);
  if (auditKeyFile) auth['auditKeyFile'] = auditKeyFile;
  return auth;
}

function modelSection(input: ScorerConfigInput): Record<string, unknown> {
  const model: Record<string, unknown> = { name: input.modelName, uri: input.release.uri };
  if (input.release.sha256) model['sha256'] = input.release.sha256;
  model['version'] = input.release.version;
  model['unknownCategory'] = (input.unknownCategory ?? 'Ignore') === 'Reject' ? 'reject' : 'ignore';
  return model;
}

/** Builds the `experiment` section that the scorer parses with parseExperimentConfig. */
export function experimentSection(experiment: ExperimentConfigInput): Record<string, unknown> {
  const section: Record<string, unknown> = { name: experiment.name, salt: experiment.salt, paused: experiment.paused };
  if (experiment.riskBands) section['riskBands'] = experiment.riskBands;
  section['variants'] = experiment.variants.map(variantSection);
  return section;
}

function variantSection(variant: VariantSpec): Record<string, unknown> {
  const section: Record<string, unknown> = { name: variant.name, weight: variant.weight };
  if (variant.control) section['control'] = true;
  const nudges: Record<string, NudgeSpec> = {};
  for (const band of ['high', 'medium', 'low'] as const) {
    const nudge = variant.nudges?.[band];
    if (nudge) nudges[band] = { action: nudge.action, channel: nudge.channel, message: nudge.message };
  }
  if (Object.keys(nudges).length > 0) section['nudges'] = nudges;
  return section;
}
