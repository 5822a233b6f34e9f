// The informer's cache: objects keyed by namespace/name, with optional secondary
// indexes (for example experiments by the model they reference).
import type { KubernetesObject } from '@kubernetes/client-node';

export type IndexFunction<T> = (object: T) => string[];

export class Store<T extends KubernetesObject> {
  readonly #objects = new Map<string, T>();
  readonly #indexers = new Map<string, IndexFunction<T>>();

  static keyOf(object: KubernetesObject): string {
    const namespace = object.metadata?.namespace;
    const name = object.metadata?.name ?? '';
    return namespace ? `${namespace}/${name}` : name;
  }

  get(namespace: string, name: string): T | undefined {
    return this.#objects.get(`${namespace}/${name}`);
  }

  getByKey(key: string): T | undefined {
    return this.#objects.get(key);
  }

  list(): T[] {
    return [...this.#objects.values()];
  }

  get size(): number {
    return this.#objects.size;
  }

  /** Stores the object and returns the one it replaced. */
  set(object: T): T | undefined {
    const key = Store.keyOf(object);
    const old = this.#objects.get(key);
    this.#objects.set(key, object);
    return old;
  }

  /**
   * Stores a write response unless the cache already contains a newer version, so the next
   * reconcile reads its own write before the watch event arrives.
   */
  setIfNewer(object: T): void {
    if (object.metadata?.managedFields) delete object.metadata.managedFields;
    const old = this.#objects.get(Store.keyOf(object));
    if (old && compareResourceVersions(old, object) > 0) return;
    this.#objects.set(Store.keyOf(object), object);
  }

  delete(object: KubernetesObject): T | undefined {
    const key = Store.keyOf(object);
    const old = this.#objects.get(key);
    this.#objects.delete(key);
    return old;
  }

  addIndex(name: string, indexFunction: IndexFunction<T>): void {
    this.#indexers.set(name, indexFunction);
  }

  /** Lists the objects whose index function returns `value`; a linear scan, fine for thousands of objects. */
  byIndex(name: string, value: string): T[] {
    const indexFunction = this.#indexers.get(name);
    if (!indexFunction) throw new Error(`Unknown index ${name}: register it with addIndex first`);
    return this.list().filter((object) => indexFunction(object).includes(value));
  }
}

// resourceVersion is opaque by contract, but it is an etcd revision in every API server
// released so far. When either value is not numeric, the incoming object wins.
function compareResourceVersions(a: KubernetesObject, b: KubernetesObject): number {
  const left = a.metadata?.resourceVersion ?? '';
  const right = b.metadata?.resourceVersion ?? '';
  if (!/^\d+$/.test(left) || !/^\d+$/.test(right)) return -1;
  const difference = BigInt(left) - BigInt(right);
  if (difference > 0n) return 1;
  if (difference < 0n) return -1;
  return 0;
}
