// Defaults the builders fall back to. The CRD schema sets the same defaults on the API
// server; repeating them here keeps the builders correct for objects built in code.
import type { IngressSpec, RateLimitSpec, ResourceRequirements } from './types.ts';

export const SCORER_PORT = 8080;

/**
 * Largest request body in bytes that the scorer and the Ingress accept: 8 MiB, room for
 * a full batch of 10,000 rows of about 500 bytes each. NGINX's own default is 1 MiB.
 */
export const SCORER_BODY_LIMIT_BYTES = 8 * 1024 * 1024;
export const DEFAULT_SCORER_IMAGE = 'ghcr.io/engagetrack/scorer:0.1.0';
export const CONFIG_MOUNT_PATH = '/etc/engagetrack';
export const MODEL_MOUNT_PATH = '/models';
export const API_KEYS_MOUNT_PATH = '/var/run/engagetrack/api-keys';
export const DEFAULT_API_KEY_NAME = 'api-keys';
export const AUDIT_KEY_MOUNT_PATH = '/var/run/engagetrack/audit-key';
export const DEFAULT_AUDIT_KEY_NAME = 'audit-key';
export const DEFAULT_REPLICAS = 2;

export const DEFAULT_RESOURCES: ResourceRequirements = {
  requests: { cpu: '250m', memory: '512Mi' },
  limits: { memory: '1Gi' },
};

export interface ResolvedIngress {
  enabled: boolean;
  className: string;
  host?: string;
  path: string;
  tls?: { secretName?: string; clusterIssuer?: string };
  basicAuthSecretName?: string;
  rateLimit: RateLimitSpec;
}

export function ingressDefaults(ingress: IngressSpec | undefined): ResolvedIngress {
  return {
    enabled: ingress?.enabled ?? true,
    className: ingress?.className ?? 'nginx',
    host: ingress?.host,
    path: ingress?.path ?? '/',
    tls: ingress?.tls,
    basicAuthSecretName: ingress?.basicAuthSecretName,
    rateLimit: {
      requestsPerSecond: ingress?.rateLimit?.requestsPerSecond ?? 50,
      burstMultiplier: ingress?.rateLimit?.burstMultiplier ?? 5,
      connections: ingress?.rateLimit?.connections ?? 20,
    },
  };
}
