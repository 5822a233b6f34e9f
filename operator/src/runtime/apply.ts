// Writes children with server-side apply, but only when the desired object differs from
// the cached one, so a reconcile of an unchanged resource sends no request at all.
//
// "Differs" has two parts. Every field the operator sets must hold the desired value
// (a hand edit of a managed field is reverted). And the desired object must be the one
// applied last, recorded as a hash annotation: a field dropped from the desired object
// is then released by a new apply, which a field-by-field check cannot notice.
import { createHash } from 'node:crypto';

import type { KubernetesObject } from '@kubernetes/client-node';

import type { KubeClient } from './kube-client.ts';
import type { ResourceType } from './resources.ts';
import type { Store } from './store.ts';

export const APPLIED_HASH_ANNOTATION = 'engagetrack.io/applied-hash';

export type ApplyResult = 'created' | 'updated' | 'unchanged';

/** Returns a copy of `desired` annotated with the hash of its content. */
export function withAppliedHash<T extends KubernetesObject>(desired: T): T {
  const hash = hashObject(desired);
  const metadata = desired.metadata ?? {};
  return {
    ...desired,
    metadata: { ...metadata, annotations: { ...metadata.annotations, [APPLIED_HASH_ANNOTATION]: hash } },
  };
}

/** Hashes a JSON value with its object keys sorted, so key order never changes the hash. */
export function hashObject(value: unknown): string {
  return createHash('sha256').update(stableStringify(value)).digest('hex');
}

export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableStringify(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Returns true when every field set in `desired` has the same value in `actual`. Fields
 * only in `actual` (server defaults, other managers' fields) are ignored; arrays must
 * match in length and element by element.
 */
export function containsFields(actual: unknown, desired: unknown): boolean {
  if (desired === undefined) return true;
  if (Array.isArray(desired)) {
    if (!Array.isArray(actual) || actual.length !== desired.length) return false;
    return desired.every((item, index) => containsFields(actual[index], item));
  }
  if (desired !== null && typeof desired === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
    const actualFields = actual as Record<string, unknown>;
    return Object.entries(desired).every(([key, item]) => containsFields(actualFields[key], item));
  }
  return actual === desired;
}

/** Returns true when `current` already carries everything `desired` (with its hash annotation) sets. */
export function isUpToDate(current: KubernetesObject | undefined, desired: KubernetesObject): boolean {
  if (current === undefined) return false;
  return containsFields(current, desired);
}

export class Applier {
  readonly #client: KubeClient;

  constructor(client: KubeClient) {
    this.#client = client;
  }

  /** Applies `desired` unless the cached object is up to date, and stores the response in `cache`. */
  async apply<T extends KubernetesObject>(type: ResourceType, desired: T, cache: Store<T>): Promise<ApplyResult> {
    const annotated = withAppliedHash({ ...desired, apiVersion: type.apiVersion, kind: type.kind });
    const namespace = annotated.metadata?.namespace ?? '';
    const name = annotated.metadata?.name ?? '';
    const current = cache.get(namespace, name);
    if (isUpToDate(current, annotated)) return 'unchanged';

    const written = await this.#client.apply(type, annotated);
    cache.setIfNewer(written);
    return current === undefined ? 'created' : 'updated';
  }

  /** Deletes a child the operator no longer wants, if the cache still has it. */
  async deleteIfPresent<T extends KubernetesObject>(type: ResourceType, namespace: string, name: string, cache: Store<T>): Promise<boolean> {
    const current = cache.get(namespace, name);
    if (current === undefined) return false;
    await this.#client.delete(type, namespace, name, current.metadata?.uid);
    cache.delete(current);
    return true;
  }
}
