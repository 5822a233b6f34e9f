import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { frontProxyClientIdentity, type ControlPlaneCertificates } from './certs.ts';

/** Service IP range; kube-apiserver gives the `kubernetes` Service its first address. */
export const serviceClusterIpRange = '10.96.0.0/16';
/** Pod IP range from which KWOK assigns pod IPs; it must not overlap the service range. */
export const podCidr = '10.244.0.0/16';
export const serviceAccountIssuer = 'https://kubernetes.default.svc.cluster.local';

/**
 * Controllers the test control plane runs. Besides those that Deployments, garbage
 * collection, namespaces and service accounts need, it runs the cheap ones that
 * operators commonly depend on. Node lifecycle and IPAM stay off because KWOK
 * manages the fake nodes.
 */
export const controllers = [
  'garbage-collector-controller',
  'deployment-controller',
  'replicaset-controller',
  'statefulset-controller',
  'job-controller',
  'namespace-controller',
  'serviceaccount-controller',
  'serviceaccount-token-controller',
  'root-ca-certificate-publisher-controller',
  'clusterrole-aggregation-controller',
  'endpointslice-controller',
  'persistentvolume-binder-controller',
];

/** Ports of one control plane, all on 127.0.0.1. */
export interface ControlPlanePorts {
  etcdClient: number;
  etcdPeer: number;
  apiServer: number;
  controllerManager: number;
  scheduler: number;
  kwok: number;
}

/** Where one control plane keeps its files inside its state folder. */
export interface ControlPlaneLayout {
  stateDir: string;
  etcdDataDir: string;
  logDir: string;
  certs: ControlPlaneCertificates;
  adminKubeconfig: string;
  controllerManagerKubeconfig: string;
  schedulerKubeconfig: string;
  kwokKubeconfig: string;
  ports: ControlPlanePorts;
}

export function layoutPaths(stateDir: string): Omit<ControlPlaneLayout, 'certs' | 'ports'> {
  return {
    stateDir,
    etcdDataDir: join(stateDir, 'etcd'),
    logDir: join(stateDir, 'logs'),
    adminKubeconfig: join(stateDir, 'kubeconfig'),
    controllerManagerKubeconfig: join(stateDir, 'kubeconfigs', 'kube-controller-manager.kubeconfig'),
    schedulerKubeconfig: join(stateDir, 'kubeconfigs', 'kube-scheduler.kubeconfig'),
    kwokKubeconfig: join(stateDir, 'kubeconfigs', 'kwok.kubeconfig'),
  };
}

export function etcdArgs(layout: ControlPlaneLayout): string[] {
  const clientUrl = `http://127.0.0.1:${layout.ports.etcdClient}`;
  const peerUrl = `http://127.0.0.1:${layout.ports.etcdPeer}`;
  return [
    '--name=engagetrack-test',
    `--data-dir=${layout.etcdDataDir}`,
    `--listen-client-urls=${clientUrl}`,
    `--advertise-client-urls=${clientUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=engagetrack-test=${peerUrl}`,
    '--initial-cluster-state=new',
    // The data is thrown away after the run, so durability is traded for speed.
    '--unsafe-no-fsync=true',
    '--log-level=warn',
  ];
}

export function apiServerArgs(layout: ControlPlaneLayout): string[] {
  const { certs } = layout;
  return [
    `--etcd-servers=http://127.0.0.1:${layout.ports.etcdClient}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${layout.ports.apiServer}`,
    `--cert-dir=${join(layout.stateDir, 'certs')}`,
    `--tls-cert-file=${certs.serving.certPath}`,
    `--tls-private-key-file=${certs.serving.keyPath}`,
    `--client-ca-file=${certs.ca.certPath}`,
    '--authorization-mode=Node,RBAC',
    // PodSecurity is in the default admission plugins of 1.35; NodeRestriction is added
    // as kubeadm does. Privileged pods pass validation, so PodSecurity is what rejects them.
    '--enable-admission-plugins=NodeRestriction',
    // TaintNodesByCondition gives every new node the not-ready:NoSchedule taint, and only
    // the node lifecycle controller, which KWOK replaces here, would remove it.
    '--disable-admission-plugins=TaintNodesByCondition',
    '--allow-privileged=true',
    `--service-account-issuer=${serviceAccountIssuer}`,
    `--service-account-key-file=${certs.serviceAccount.publicKeyPath}`,
    `--service-account-signing-key-file=${certs.serviceAccount.privateKeyPath}`,
    `--service-cluster-ip-range=${serviceClusterIpRange}`,
    // The endpoint reconciler would publish 127.0.0.1 in the `kubernetes` Endpoints,
    // which validation rejects as a loopback address.
    '--endpoint-reconciler-type=none',
    ...aggregationLayerArgs(layout),
    '--profiling=false',
  ];
}

/**
 * Request-header authentication for aggregated API servers. kube-apiserver publishes
 * this CA in the kube-system/extension-apiserver-authentication ConfigMap, which the
 * controller manager and the scheduler read to authenticate their own clients.
 */
function aggregationLayerArgs(layout: ControlPlaneLayout): string[] {
  const { certs } = layout;
  return [
    `--requestheader-client-ca-file=${certs.frontProxyCa.certPath}`,
    `--requestheader-allowed-names=${frontProxyClientIdentity.user}`,
    '--requestheader-username-headers=X-Remote-User',
    '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    `--proxy-client-cert-file=${certs.frontProxyClient.certPath}`,
    `--proxy-client-key-file=${certs.frontProxyClient.keyPath}`,
  ];
}

export function controllerManagerArgs(layout: ControlPlaneLayout): string[] {
  const { certs } = layout;
  return [
    ...delegatedServingArgs(layout.controllerManagerKubeconfig, layout.ports.controllerManager, layout),
    `--controllers=${controllers.join(',')}`,
    '--use-service-account-credentials=true',
    `--service-account-private-key-file=${certs.serviceAccount.privateKeyPath}`,
    `--root-ca-file=${certs.ca.certPath}`,
    `--cluster-name=engagetrack-test`,
  ];
}

export function schedulerArgs(layout: ControlPlaneLayout): string[] {
  return delegatedServingArgs(layout.schedulerKubeconfig, layout.ports.scheduler, layout);
}

export function kwokArgs(layout: ControlPlaneLayout): string[] {
  return [
    `--kubeconfig=${layout.kwokKubeconfig}`,
    `--config=${kwokStagesPath}`,
    '--manage-all-nodes=false',
    `--manage-nodes-with-annotation-selector=${fakeNodeAnnotation}=fake`,
    `--cidr=${podCidr}`,
    '--node-ip=127.0.0.1',
    `--server-address=127.0.0.1:${layout.ports.kwok}`,
  ];
}

/** The annotation that marks the nodes KWOK manages. */
export const fakeNodeAnnotation = 'kwok.x-k8s.io/node';

/**
 * KWOK stages (how fake nodes and their pods change status). Passing --config also
 * keeps a person's ~/.kwok/kwok.yaml out of the test cluster.
 */
export const kwokStagesPath = join(dirname(fileURLToPath(import.meta.url)), '..', 'controlplane', 'kwok', 'stages.yaml');

function delegatedServingArgs(kubeconfig: string, port: number, layout: ControlPlaneLayout): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    `--tls-cert-file=${layout.certs.serving.certPath}`,
    `--tls-private-key-file=${layout.certs.serving.keyPath}`,
    '--leader-elect=false',
  ];
}
