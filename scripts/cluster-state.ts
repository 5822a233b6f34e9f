import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** State folder of the local cluster (git-ignored): certificates, etcd data, logs, kubeconfig. */
export const clusterStateDir = join(dirname(fileURLToPath(import.meta.url)), '..', '.cluster');

/** Admin kubeconfig of the local cluster. */
export const clusterKubeconfig = join(clusterStateDir, 'kubeconfig');
