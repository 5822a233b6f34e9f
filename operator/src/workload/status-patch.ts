// Status writes shared by both reconcilers: a JSON merge patch of the fields the
// operator computed, sent only when one of them differs from the cached status.
import type { KubernetesObject } from '@kubernetes/client-node';

import { stableStringify } from '../runtime/apply.ts';
import type { KubeClient } from '../runtime/kube-client.ts';
import type { ResourceType } from '../runtime/resources.ts';
import type { Store } from '../runtime/store.ts';

/** Returns the fields of `next` whose value differs from `current`, or undefined when none do. */
export function statusChanges(current: object | undefined, next: object): Record<string, unknown> | undefined {
  const existing = (current ?? {}) as Record<string, unknown>;
  const changes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(next)) {
    if (value === undefined) continue;
    if (stableStringify(existing[key]) !== stableStringify(value)) changes[key] = value;
  }
  return Object.keys(changes).length > 0 ? changes : undefined;
}

/** Patches the status subresource with the changed fields; returns false when nothing changed. */
export async function writeStatus<T extends KubernetesObject & { status?: object }>(
  client: KubeClient,
  type: ResourceType,
  object: T,
  next: object,
  cache: Store<T>,
): Promise<boolean> {
  const changes = statusChanges(object.status, next);
  if (!changes) return false;

  const written = await client.patchStatus<T>(type, object.metadata?.namespace ?? '', object.metadata?.name ?? '', changes);
  cache.setIfNewer(written);
  return true;
}
