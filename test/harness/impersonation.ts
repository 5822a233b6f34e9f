// Runs clients, or the operator itself, with exactly the permissions of the operator's
// ServiceAccount: the admin credentials of the test control plane plus an Impersonate-User
// header, which the API server authorizes as that ServiceAccount (with its groups
// system:serviceaccounts and system:serviceaccounts:engagetrack-system).
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { AuthorizationV1Api, CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import type { KubernetesObject } from '@kubernetes/client-node';
import { load, loadAll } from 'js-yaml';

import { eventually } from './kube.ts';

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
 * and their bindings) with server-side apply, creating the engagetrack-system namespace
 * first when missing, and waits until the API server authorizes the ServiceAccount.
 * Applying again is harmless, so every test file that needs the RBAC may call it. `kc`
 * needs administrator rights; it may point at any control plane, not only the shared one.
 */
export async function applyOperatorRbac(kc: KubeConfig): Promise<void> {
  await createNamespaceIfMissing(kc, OPERATOR_NAMESPACE);

  const objects = KubernetesObjectApi.makeApiClient(kc);
  for (const object of await readRbacManifests()) {
    await objects.patch(object, undefined, undefined, 'engagetrack-test-harness', true, PatchStrategy.ServerSideApply);
  }

  // The RBAC authorizer learns of new roles through a watch, a moment after the write.
  const probe = { group: 'engagetrack.io', resource: 'churnmodels', verb: 'list' };
  await eventually(
    async () => {
      const review = await kc.makeApiClient(AuthorizationV1Api).createSubjectAccessReview({
        body: { spec: { user: OPERATOR_USER, resourceAttributes: probe } },
      });
      if (!review.status?.allowed) throw new Error(`${OPERATOR_USER} may not yet list churnmodels`);
    },
    { timeoutMs: 10_000, intervalMs: 100, message: 'config/rbac did not take effect' },
  );
}

/** The objects of config/rbac, in the order its kustomization lists the files. */
async function readRbacManifests(): Promise<KubernetesObject[]> {
  const dir = join(repositoryRoot, 'config', 'rbac');
  const kustomization = load(await readFile(join(dir, 'kustomization.yaml'), 'utf8')) as { resources?: string[] };

  // The harness applies the listed files as they are, so a kustomize transform would make
  // it apply something other than `kubectl apply -k` does.
  const transforms = Object.keys(kustomization).filter((key) => !['apiVersion', 'kind', 'resources'].includes(key));
  if (transforms.length > 0) {
    throw new Error(`config/rbac/kustomization.yaml uses ${transforms.join(', ')}, which applyOperatorRbac does not implement: implement it there or remove it`);
  }

  const objects: KubernetesObject[] = [];
  for (const file of kustomization.resources ?? []) {
    objects.push(...(loadAll(await readFile(join(dir, file), 'utf8')) as KubernetesObject[]));
  }
  return objects;
}

async function createNamespaceIfMissing(kc: KubeConfig, name: string): Promise<void> {
  try {
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
  }
}
