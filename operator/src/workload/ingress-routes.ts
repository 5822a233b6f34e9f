// The API paths of a scorer that its Ingress exposes. Probe and metrics paths (/healthz,
// /readyz, /metrics) stay inside the cluster: kubelet probes the pods directly and
// Prometheus scrapes them through the NetworkPolicy.
import type { V1HTTPIngressPath } from '@kubernetes/client-node';

/** One API path; `Prefix` also matches the path's sub-paths (`/v2/models/m/infer`). */
export interface ApiRoute {
  path: string;
  match: 'Exact' | 'Prefix';
}

/** Routes of the model API (KServe V1 and the Open Inference Protocol) for the model `modelName`. */
export function modelApiRoutes(modelName: string): ApiRoute[] {
  return [
    { path: `/v1/models/${modelName}`, match: 'Exact' },
    // A Prefix path matches whole path segments, and `m:predict` is another segment than `m`.
    { path: `/v1/models/${modelName}:predict`, match: 'Exact' },
    { path: `/v2/models/${modelName}`, match: 'Prefix' },
    { path: '/v2/health', match: 'Prefix' },
  ];
}

/** Routes of the nudge and conversion endpoints of the experiment `experimentName`. */
export function experimentApiRoutes(experimentName: string): ApiRoute[] {
  return [{ path: `/v1/experiments/${experimentName}`, match: 'Prefix' }];
}

export const REWRITE_TARGET_ANNOTATION = 'nginx.ingress.kubernetes.io/rewrite-target';
export const USE_REGEX_ANNOTATION = 'nginx.ingress.kubernetes.io/use-regex';

export interface IngressRouting {
  paths: V1HTTPIngressPath[];
  /** Annotations the paths need; empty unless the routes sit under a prefix. */
  annotations: Record<string, string>;
}

/**
 * Builds the Ingress paths of `routes` under the Ingress path prefix `prefix`. With the
 * prefix "/" the paths are the API paths themselves. Under another prefix, NGINX has to
 * strip it, because the scorer serves its API at the root: each path is then a regular
 * expression whose first capture group is the API path, and `rewrite-target: $1` sends
 * that group to the scorer.
 */
export function ingressRouting(routes: readonly ApiRoute[], prefix: string, backend: V1HTTPIngressPath['backend']): IngressRouting {
  const base = prefix.replace(/\/+$/, '');
  if (base === '') {
    return { paths: routes.map((route) => ({ path: route.path, pathType: route.match, backend })), annotations: {} };
  }

  // NOTE: ingress-nginx then treats every path of the same host as a regular expression,
  // also those of other Ingresses for that host.
  const paths = routes.map((route) => {
    const subPaths = route.match === 'Prefix' ? '(?:/.*)?' : '';
    return { path: `${escapeRegExp(base)}(${escapeRegExp(route.path)}${subPaths})$`, pathType: 'ImplementationSpecific', backend };
  });
  return { paths, annotations: { [USE_REGEX_ANNOTATION]: 'true', [REWRITE_TARGET_ANNOTATION]: '$1' } };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
