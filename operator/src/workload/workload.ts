// Pure builders of the objects that run one scorer: ConfigMap, Deployment, Service,
// Ingress and NetworkPolicy. The ChurnModel and NudgeExperiment builders describe their
// scorer as a ScorerWorkload and call these.
import type {
  KubernetesObject,
  V1ConfigMap,
  V1Deployment,
  V1Ingress,
  V1ResourceRequirements,
  V1Service,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';

import {
  API_KEYS_MOUNT_PATH,
  AUDIT_KEY_MOUNT_PATH,
  CONFIG_MOUNT_PATH,
  DEFAULT_API_KEY_NAME,
  DEFAULT_AUDIT_KEY_NAME,
  DEFAULT_REPLICAS,
  DEFAULT_RESOURCES,
  MODEL_MOUNT_PATH,
  SCORER_PORT,
  ingressDefaults,
} from './defaults.ts';
import { SCORER_BODY_LIMIT_BYTES, type ResolvedIngress } from './defaults.ts';
import {
  CONFIG_HASH_ANNOTATION,
  commonLabels,
  controllerReference,
  selectorLabels,
} from './labels.ts';
import type { Track, WorkloadIdentity } from './labels.ts';
import { ingressRouting } from './ingress-routes.ts';
import type { ApiRoute } from './ingress-routes.ts';
import { CONFIG_FILE_KEY } from './scorer-config.ts';
import type { AuditSpec, AuthSpec, IngressSpec, ModelVolumeSpec, Quantity, ResourceRequirements } from './types.ts';

export interface ScorerWorkload {
  owner: KubernetesObject;
  identity: WorkloadIdentity;
  /** Name of the ConfigMap, Deployment, Service and NetworkPolicy. */
  name: string;
  /** Name of the Ingress. */
  ingressName: string;
  /** The API paths the Ingress routes to the scorer, under spec.ingress.path. */
  routes: ApiRoute[];
  track: Track;
  image: string;
  replicas?: number;
  resources?: ResourceRequirements;
  ingress?: IngressSpec;
  auth?: AuthSpec;
  audit?: AuditSpec;
  modelVolume?: ModelVolumeSpec;
}

function metadata(workload: ScorerWorkload, name: string, annotations?: Record<string, string>) {
  return {
    name,
    namespace: workload.owner.metadata?.namespace,
    labels: commonLabels(workload.identity),
    ...(annotations ? { annotations } : {}),
    ownerReferences: [controllerReference(workload.owner)],
  };
}

export function buildConfigMap(workload: ScorerWorkload, renderedConfig: string): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadata(workload, workload.name),
    data: { [CONFIG_FILE_KEY]: renderedConfig },
  };
}

export function buildDeployment(workload: ScorerWorkload, configHash: string): V1Deployment {
  const podLabels = { ...commonLabels(workload.identity), ...selectorLabels(workload.identity, workload.track) };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(workload, workload.name),
    spec: {
      replicas: workload.replicas ?? DEFAULT_REPLICAS,
      revisionHistoryLimit: 5,
      selector: { matchLabels: selectorLabels(workload.identity, workload.track) },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: {
        metadata: {
          labels: podLabels,
          annotations: {
            [CONFIG_HASH_ANNOTATION]: configHash,
            'prometheus.io/scrape': 'true',
            'prometheus.io/port': String(SCORER_PORT),
            'prometheus.io/path': '/metrics',
          },
        },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 30,
          // The restricted Pod Security profile: non-root, no privilege escalation, no
          // capabilities, RuntimeDefault seccomp, and only configMap/secret/emptyDir/PVC volumes.
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 10001,
            runAsGroup: 10001,
            fsGroup: 10001,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'scorer',
              image: workload.image,
              imagePullPolicy: 'IfNotPresent',
              args: ['serve', '--config', `${CONFIG_MOUNT_PATH}/${CONFIG_FILE_KEY}`],
              ports: [{ name: 'http', containerPort: SCORER_PORT, protocol: 'TCP' }],
              livenessProbe: {
                httpGet: { path: '/healthz', port: 'http' },
                periodSeconds: 10,
                timeoutSeconds: 2,
                failureThreshold: 3,
              },
              // /readyz returns 503 until the model is downloaded, verified and warm.
              readinessProbe: {
                httpGet: { path: '/readyz', port: 'http' },
                periodSeconds: 5,
                timeoutSeconds: 2,
                failureThreshold: 3,
              },
              resources: quantitiesAsStrings(workload.resources ?? DEFAULT_RESOURCES) as V1ResourceRequirements,
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                runAsUser: 10001,
                capabilities: { drop: ['ALL'] },
                seccompProfile: { type: 'RuntimeDefault' },
              },
              volumeMounts: volumeMounts(workload),
            },
          ],
          volumes: volumes(workload),
        },
      },
    },
  };
}

function volumeMounts(workload: ScorerWorkload): V1VolumeMount[] {
  const mounts: V1VolumeMount[] = [
    { name: 'config', mountPath: CONFIG_MOUNT_PATH, readOnly: true },
    { name: 'tmp', mountPath: '/tmp' },
  ];
  if (workload.modelVolume) mounts.push({ name: 'models', mountPath: MODEL_MOUNT_PATH, readOnly: true });
  if (workload.auth?.apiKeySecretRef) mounts.push({ name: 'api-keys', mountPath: API_KEYS_MOUNT_PATH, readOnly: true });
  if (workload.audit?.keySecretRef) mounts.push({ name: 'audit-key', mountPath: AUDIT_KEY_MOUNT_PATH, readOnly: true });
  return mounts;
}

function volumes(workload: ScorerWorkload): V1Volume[] {
  const list: V1Volume[] = [
    { name: 'config', configMap: { name: workload.name } },
    { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
  ];
  if (workload.modelVolume) {
    list.push({ name: 'models', persistentVolumeClaim: { claimName: workload.modelVolume.claimName, readOnly: true } });
  }
  const secretRef = workload.auth?.apiKeySecretRef;
  if (secretRef) {
    const key = secretRef.key ?? DEFAULT_API_KEY_NAME;
    list.push({ name: 'api-keys', secret: { secretName: secretRef.name, items: [{ key, path: key }] } });
  }
  const auditKeyRef = workload.audit?.keySecretRef;
  if (auditKeyRef) {
    const key = auditKeyRef.key ?? DEFAULT_AUDIT_KEY_NAME;
    list.push({ name: 'audit-key', secret: { secretName: auditKeyRef.name, items: [{ key, path: key }] } });
  }
  return list;
}

// The API server stores integer quantities as strings ("1"), so strings are what the
// cached object is compared with.
// NOTE: non-canonical quantities such as "0.5" (stored as "500m") still differ from the
// cache, and cost one no-op apply per reconcile.
function quantitiesAsStrings(resources: ResourceRequirements): ResourceRequirements {
  const convert = (values?: { cpu?: Quantity; memory?: Quantity }) => {
    if (!values) return undefined;
    const result: { cpu?: string; memory?: string } = {};
    if (values.cpu !== undefined) result.cpu = String(values.cpu);
    if (values.memory !== undefined) result.memory = String(values.memory);
    return result;
  };
  const converted: ResourceRequirements = {};
  const requests = convert(resources.requests);
  const limits = convert(resources.limits);
  if (requests) converted.requests = requests;
  if (limits) converted.limits = limits;
  return converted;
}

export function buildService(workload: ScorerWorkload): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(workload, workload.name),
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(workload.identity, workload.track),
      ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
    },
  };
}

/** Returns the Ingress, or undefined when the ingress is disabled. */
export function buildIngress(workload: ScorerWorkload): V1Ingress | undefined {
  const ingress = ingressDefaults(workload.ingress);
  if (!ingress.enabled) return undefined;

  const tlsSecretName = ingress.tls ? (ingress.tls.secretName ?? `${workload.ingressName}-tls`) : undefined;
  const routing = ingressRouting(workload.routes, ingress.path, { service: { name: workload.name, port: { name: 'http' } } });
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: metadata(workload, workload.ingressName, { ...ingressAnnotations(ingress), ...routing.annotations }),
    spec: {
      ingressClassName: ingress.className,
      ...(tlsSecretName && ingress.host ? { tls: [{ hosts: [ingress.host], secretName: tlsSecretName }] } : {}),
      rules: [
        {
          ...(ingress.host ? { host: ingress.host } : {}),
          http: { paths: routing.paths },
        },
      ],
    },
  };
}

function ingressAnnotations(ingress: ResolvedIngress): Record<string, string> {
  const annotations: Record<string, string> = {
    'nginx.ingress.kubernetes.io/limit-rps': String(ingress.rateLimit.requestsPerSecond),
    'nginx.ingress.kubernetes.io/limit-burst-multiplier': String(ingress.rateLimit.burstMultiplier),
    'nginx.ingress.kubernetes.io/limit-connections': String(ingress.rateLimit.connections),
    'nginx.ingress.kubernetes.io/proxy-body-size': `${SCORER_BODY_LIMIT_BYTES / (1024 * 1024)}m`,
  };
  if (ingress.tls?.clusterIssuer) annotations['cert-manager.io/cluster-issuer'] = ingress.tls.clusterIssuer;
  if (ingress.basicAuthSecretName) {
    annotations['nginx.ingress.kubernetes.io/auth-type'] = 'basic';
    annotations['nginx.ingress.kubernetes.io/auth-secret'] = ingress.basicAuthSecretName;
    annotations['nginx.ingress.kubernetes.io/auth-realm'] = 'Authentication required';
  }
  return annotations;
}

// The generated V1NetworkPolicy model names the `from` field `_from`; objects here are
// sent as plain JSON, so they use the wire names.
export interface NetworkPolicyRule {
  from?: Record<string, unknown>[];
  to?: Record<string, unknown>[];
  ports?: { protocol: string; port: number }[];
}

export interface NetworkPolicy extends KubernetesObject {
  spec: {
    podSelector: { matchLabels?: Record<string, string> };
    policyTypes: string[];
    ingress: NetworkPolicyRule[];
    egress: NetworkPolicyRule[];
  };
}

/** Namespace of the NGINX ingress controller, the only source of outside traffic. */
export const INGRESS_CONTROLLER_NAMESPACE = 'ingress-nginx';
/** Pods with this label (in any namespace) may scrape /metrics. */
export const PROMETHEUS_POD_LABELS = { 'app.kubernetes.io/name': 'prometheus' };
/** Link-local and cloud metadata addresses the scorers may never reach. */
export const BLOCKED_EGRESS_IPV4 = ['169.254.0.0/16', '100.100.100.200/32'];
export const BLOCKED_EGRESS_IPV6 = ['fe80::/10', 'fd00:ec2::254/128'];

/**
 * Builds the NetworkPolicy of the scorer pods. Ingress: from the ingress controller's
 * namespace and from Prometheus pods, plus from the same namespace when the Ingress is
 * disabled (the Service is then the only way in). Egress: DNS to kube-system, and HTTPS
 * (TCP 443) anywhere except link-local and metadata addresses, for https:// model URIs.
 */
export function buildNetworkPolicy(workload: ScorerWorkload): NetworkPolicy {
  const scorerPort = [{ protocol: 'TCP', port: SCORER_PORT }];
  const ingressRules: NetworkPolicyRule[] = [
    {
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': INGRESS_CONTROLLER_NAMESPACE } } }],
      ports: scorerPort,
    },
    { from: [{ namespaceSelector: {}, podSelector: { matchLabels: PROMETHEUS_POD_LABELS } }], ports: scorerPort },
  ];
  if (!ingressDefaults(workload.ingress).enabled) ingressRules.push({ from: [{ podSelector: {} }], ports: scorerPort });

  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: metadata(workload, workload.name),
    spec: {
      // Both tracks: canary pods get the same policy as stable ones.
      podSelector: { matchLabels: selectorLabels(workload.identity) },
      policyTypes: ['Ingress', 'Egress'],
      ingress: ingressRules,
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
              podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
            },
          ],
          ports: [
            { protocol: 'UDP', port: 53 },
            { protocol: 'TCP', port: 53 },
          ],
        },
        {
          to: [
            { ipBlock: { cidr: '0.0.0.0/0', except: BLOCKED_EGRESS_IPV4 } },
            { ipBlock: { cidr: '::/0', except: BLOCKED_EGRESS_IPV6 } },
          ],
          ports: [{ protocol: 'TCP', port: 443 }],
        },
      ],
    },
  };
}

/** Returns the URL clients use, which is the Ingress host and path, or the in-cluster Service when there is no host. */
export function scorerUrl(workload: ScorerWorkload): string {
  const ingress = ingressDefaults(workload.ingress);
  if (ingress.enabled && ingress.host) {
    const scheme = ingress.tls ? 'https' : 'http';
    return `${scheme}://${ingress.host}${ingress.path}`;
  }
  return `http://${workload.name}.${workload.owner.metadata?.namespace}.svc.cluster.local`;
}
