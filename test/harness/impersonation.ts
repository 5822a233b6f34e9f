// Runs clients, or the operator itself, with exactly the permissions of the operator's
// ServiceAccount: the admin credentials of the test control plane plus an Impersonate-User
// header, which the API server authorizes as that ServiceAccount (with its groups
// system:serviceaccounts and system:serviceaccounts:engagetrack-system).
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { KubeConfig } from '@kubernetes/client-node';

import { kubectl } from './kube.ts';

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const OPERATOR_NAMESPACE = 'engagetrack-system';
export const OPERATOR_SERVICE_ACCOUNT = 'engagetrack-operator';
/** The user name the API server gives the operator's ServiceAccount. */
export const OPERATOR_USER = `system:serviceaccount:${OPERATOR_NAMESPACE}:${OPERATOR_SERVICE_ACCOUNT}`;

/** Returns a copy of `kc` whose every request impersonates the operator's ServiceAccount. */
export function operatorKubeConfig(kc: KubeConfig): KubeConfig {
  const user = kc.getCurrentUser();
  const context = kc.getContextObject(kc.getCurrentContext());
  if (user === null || context === null) {
    throw new Error('The kubeconfig has no current user or context to impersonate from');
  }

  const impersonating = new KubeConfig();
  impersonating.loadFromOptions({
    clusters: kc.clusters,
    users: [{ ...user, name: 'engagetrack-operator', impersonateUser: OPERATOR_USER }],
    contexts: [{ ...context, name: 'engagetrack-operator', user: 'engagetrack-operator' }],
    currentContext: 'engagetrack-operator',
  });
  return impersonating;
}

/** Writes operatorKubeConfig(kc) to a temporary file, for an operator child process. */
export async function writeOperatorKubeconfig(kc: KubeConfig): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'engagetrack-operator-sa-'));
  const path = join(dir, 'kubeconfig');
  await writeFile(path, operatorKubeConfig(kc).exportConfig(), { mode: 0o600 });
  return path;
}

/**
 * Applies config/rbac (the operator's ServiceAccount, ClusterRole, leader-election Role
 * and their bindings), creating the engagetrack-system namespace first when missing.
 * Applying again is harmless, so every test file that needs the RBAC may call it.
 */
export async function applyOperatorRbac(): Promise<void> {
  const namespace = await kubectl(['create', 'namespace', OPERATOR_NAMESPACE]);
  if (namespace.code !== 0 && !namespace.stderr.includes('AlreadyExists')) {
    throw new Error(`kubectl create namespace ${OPERATOR_NAMESPACE} failed: ${namespace.stderr}`);
  }

  const applied = await kubectl(['apply', '--server-side', '--field-manager=engagetrack-test-harness', '-k', join(repositoryRoot, 'config', 'rbac')]);
  if (applied.code !== 0) {
    throw new Error(`kubectl apply -k config/rbac failed: ${applied.stderr}`);
  }
}
