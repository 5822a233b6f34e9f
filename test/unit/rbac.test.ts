// The RBAC manifests grant exactly the permission table in operator/src/runtime/permissions.ts,
// which the operator's KubeClient checks before every request: no wildcard, no Secrets,
// no verb the operator does not send.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { KubeConfig } from '@kubernetes/client-node';
import { loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';

import { KubeClient } from '../../operator/src/runtime/kube-client.ts';
import {
  CLUSTER_PERMISSIONS,
  LEADER_ELECTION_PERMISSIONS,
  PermissionNotGrantedError,
  assertPermitted,
  isPermitted,
} from '../../operator/src/runtime/permissions.ts';
import type { PermissionRule } from '../../operator/src/runtime/permissions.ts';
import * as resources from '../../operator/src/runtime/resources.ts';
import type { ResourceType } from '../../operator/src/runtime/resources.ts';

const RBAC_DIR = join(import.meta.dirname, '../../config/rbac');
const POD: ResourceType = { apiVersion: 'v1', kind: 'Pod', plural: 'pods' };
const SERVICE_ACCOUNT = { kind: 'ServiceAccount', name: 'engagetrack-operator', namespace: 'engagetrack-system' };

interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface RbacObject {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: PolicyRule[];
  roleRef?: { kind: string; name: string };
  subjects?: { kind: string; name: string; namespace?: string }[];
}

function readManifest(file: string): RbacObject[] {
  return loadAll(readFileSync(join(RBAC_DIR, file), 'utf8')) as RbacObject[];
}

function onlyObject(file: string, kind: string): RbacObject {
  const objects = readManifest(file).filter((object) => object.kind === kind);
  expect(objects, `${file} should contain one ${kind}`).toHaveLength(1);
  return objects[0] as RbacObject;
}

// Expands rules into "group resource verb" strings, one per granted combination.
function grantsOfRules(rules: PolicyRule[]): string[] {
  return rules.flatMap((rule) =>
    (rule.apiGroups ?? []).flatMap((group) =>
      (rule.resources ?? []).flatMap((resource) => (rule.verbs ?? []).map((verb) => `${group} ${resource} ${verb}`)),
    ),
  );
}

function grantsOfTable(table: readonly PermissionRule[]): string[] {
  return table.flatMap((rule) => rule.verbs.map((verb) => `${rule.apiGroup} ${rule.resource} ${verb}`));
}

const clusterRole = onlyObject('role.yaml', 'ClusterRole');
const leaderElectionRole = onlyObject('leader_election_role.yaml', 'Role');
const allRules = [...(clusterRole.rules ?? []), ...(leaderElectionRole.rules ?? [])];

describe('operator RBAC', () => {
  it('ClusterRole grants exactly the cluster permission table', () => {
    expect(grantsOfRules(clusterRole.rules ?? []).sort()).toEqual(grantsOfTable(CLUSTER_PERMISSIONS).sort());
  });

  it('leader-election Role grants exactly the Lease permissions', () => {
    expect(grantsOfRules(leaderElectionRole.rules ?? []).sort()).toEqual(
      grantsOfTable(LEADER_ELECTION_PERMISSIONS).sort(),
    );
    expect(leaderElectionRole.metadata.namespace).toBe('engagetrack-system');
  });

  it('leader-election Role limits get and update to the operator Lease', () => {
    for (const rule of leaderElectionRole.rules ?? []) {
      if (rule.verbs?.includes('get') || rule.verbs?.includes('update')) {
        expect(rule.resourceNames).toEqual(['engagetrack-operator-leader']);
      }
    }
  });

  it('no rule uses a wildcard', () => {
    for (const rule of allRules) {
      const fields = [rule.apiGroups, rule.resources, rule.verbs, rule.resourceNames, rule.nonResourceURLs];
      for (const values of fields) {
        expect(values ?? []).not.toContain('*');
      }
      expect(rule.nonResourceURLs).toBeUndefined();
    }
  });

  it('pods and core Events are read-only', () => {
    const readOnly = new Set(['get', 'list', 'watch']);
    for (const rule of CLUSTER_PERMISSIONS.filter(({ apiGroup, resource }) => apiGroup === '' && ['pods', 'events'].includes(resource))) {
      expect(rule.verbs.every((verb) => readOnly.has(verb)), `${rule.resource}: ${rule.verbs.join(', ')}`).toBe(true);
    }
    expect(isPermitted(resources.EVENT, 'list')).toBe(false);
  });

  it('no rule grants Secrets', () => {
    for (const rule of allRules) {
      expect(rule.resources ?? []).not.toContain('secrets');
    }
    expect(isPermitted({ apiVersion: 'v1', kind: 'Secret', plural: 'secrets' }, 'get')).toBe(false);
  });

  it('no rule grants escalation verbs', () => {
    const verbs = allRules.flatMap((rule) => rule.verbs ?? []);
    for (const verb of ['escalate', 'bind', 'impersonate', 'deletecollection']) {
      expect(verbs).not.toContain(verb);
    }
  });

  it('every resource type the operator declares is in the table', () => {
    const declared = Object.values(resources).filter(
      (value): value is ResourceType => typeof value === 'object' && value !== null && 'plural' in value,
    );
    expect(declared.length).toBeGreaterThan(0);
    for (const type of declared) {
      const verbs = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] as const;
      expect(verbs.some((verb) => isPermitted(type, verb)), `${type.kind} has no permission`).toBe(true);
    }
  });

  it.each([
    ['role_binding.yaml', 'ClusterRoleBinding', 'ClusterRole', 'engagetrack-operator'],
    ['leader_election_role_binding.yaml', 'RoleBinding', 'Role', 'engagetrack-operator-leader-election'],
  ])('%s binds the operator ServiceAccount', (file, kind, roleKind, roleName) => {
    const binding = onlyObject(file, kind);
    expect(binding.roleRef).toMatchObject({ kind: roleKind, name: roleName });
    expect(binding.subjects).toEqual([SERVICE_ACCOUNT]);
  });

  it('ServiceAccount is the one the bindings name', () => {
    const account = onlyObject('service_account.yaml', 'ServiceAccount');
    expect(account.metadata).toMatchObject({ name: SERVICE_ACCOUNT.name, namespace: SERVICE_ACCOUNT.namespace });
  });
});

describe('assertPermitted', () => {
  it('accepts a granted verb', () => {
    expect(() => assertPermitted(resources.DEPLOYMENT, 'patch')).not.toThrow();
    expect(() => assertPermitted(resources.CHURN_MODEL, 'patch', 'status')).not.toThrow();
  });

  it.each([
    [resources.DEPLOYMENT, 'update', undefined, /"update" on apps deployments/],
    [resources.CHURN_MODEL, 'patch', undefined, /"patch" on engagetrack.io churnmodels:/],
    [resources.CHURN_MODEL, 'get', undefined, /"get" on engagetrack.io churnmodels:/],
    [resources.CONFIG_MAP, 'get', undefined, /"get" on core configmaps/],
    [resources.NETWORK_POLICY, 'delete', undefined, /"delete" on networking.k8s.io networkpolicies/],
    [resources.LEASE, 'delete', undefined, /"delete" on coordination.k8s.io leases/],
  ] as const)('rejects %o %s', (type, verb, subresource, message) => {
    expect(() => assertPermitted(type, verb, subresource)).toThrow(PermissionNotGrantedError);
    expect(() => assertPermitted(type, verb, subresource)).toThrow(message);
  });

  it('KubeClient checks the table before sending', async () => {
    const client = unreachableClient();
    const secrets: ResourceType = { apiVersion: 'v1', kind: 'Secret', plural: 'secrets' };

    await expect(client.get(secrets, 'default', 'api-keys')).rejects.toThrow(PermissionNotGrantedError);
    await expect(client.list(secrets)).rejects.toThrow(PermissionNotGrantedError);
  });

  // Server-side apply creates the object when it is missing, and the API server then
  // authorizes the request as create as well as patch.
  it.each([
    ['create', POD, /"create" on core pods/],
    ['patch', resources.EVENT, /"patch" on events.k8s.io events/],
  ] as const)('KubeClient.apply needs %s', async (_, type, message) => {
    const object = { apiVersion: type.apiVersion, kind: type.kind, metadata: { name: 'probe', namespace: 'default' } };

    await expect(unreachableClient().apply(type, object)).rejects.toThrow(message);
  });
});

/** Creates a client of port 1 on loopback, where nothing listens, so a request that passes the check fails. */
function unreachableClient(): KubeClient {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'local', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'nobody', token: 'unused' }],
    contexts: [{ name: 'local', cluster: 'local', user: 'nobody' }],
    currentContext: 'local',
  });
  return new KubeClient(kc);
}
