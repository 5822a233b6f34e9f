// The operator's one boundary to the Kubernetes API. Every request goes through
// `request`, which turns failures into ApiError { code, reason } so no caller ever sees
// a raw response, and counts writes for the metrics.
//
// Objects travel as plain JSON both ways, exactly as the watch stream delivers them, so
// the informer caches and apply responses compare field by field. (The generated API
// classes of @kubernetes/client-node deserialize into model classes with Date fields.)
// Imported by their dist paths, not from the package index, which would load the whole
// generated API (see client-node-subset.ts).
import { HttpMethod, RequestContext } from '@kubernetes/client-node/dist/gen/http/http.js';
import { PatchStrategy } from '@kubernetes/client-node/dist/patch.js';
import { Watch } from '@kubernetes/client-node/dist/watch.js';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { fetch } from 'undici';
import type { Dispatcher } from 'undici';

import { ApiError } from './errors.ts';
import { assertPermitted } from './permissions.ts';
import type { ResourceType } from './resources.ts';
import { collectionPath, objectPath } from './resources.ts';

export const FIELD_MANAGER = 'engagetrack-operator';

/** A request without a complete response after this long fails with reason Timeout. */
const REQUEST_TIMEOUT_MS = 30_000;

/** Credentials are reloaded this often, so rotated service-account tokens are picked up. */
const AUTH_TTL_MS = 60_000;

export interface ObjectList<T> {
  items: T[];
  resourceVersion: string;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  /** Server-side filter on the fields a type supports, such as `type=Warning` on core Events. */
  fieldSelector?: string;
}

export interface WatchOptions extends ListOptions {
  resourceVersion: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchHandle {
  abort(): void;
}

interface AuthContext {
  headers: Record<string, string>;
  dispatcher: Dispatcher | undefined;
  expiresAt: number;
}

type WriteListener = (verb: string, type: ResourceType) => void;

export class KubeClient {
  readonly #kubeConfig: KubeConfig;
  readonly #server: string;
  #auth: Promise<AuthContext> | undefined;
  #writeListeners: WriteListener[] = [];

  constructor(kubeConfig: KubeConfig) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) {
      throw new Error('The kubeconfig has no current cluster: set current-context or pass --kubeconfig');
    }
    this.#kubeConfig = kubeConfig;
    this.#server = cluster.server.replace(/\/+$/, '');
  }

  /** Registers a callback run before every write request (create, apply, patch, update, delete). */
  onWrite(listener: WriteListener): void {
    this.#writeListeners.push(listener);
  }

  async list<T extends KubernetesObject>(type: ResourceType, options: ListOptions = {}): Promise<ObjectList<T>> {
    assertPermitted(type, 'list');
    const query = new URLSearchParams();
    if (options.labelSelector) query.set('labelSelector', options.labelSelector);
    if (options.fieldSelector) query.set('fieldSelector', options.fieldSelector);
    const body = (await this.request('GET', collectionPath(type, options.namespace), { query })) as {
      items?: T[];
      metadata?: { resourceVersion?: string };
    };
    const items = (body.items ?? []).map((item) => ({ ...item, apiVersion: type.apiVersion, kind: type.kind }));
    return { items, resourceVersion: body.metadata?.resourceVersion ?? '' };
  }

  async get<T extends KubernetesObject>(type: ResourceType, namespace: string, name: string): Promise<T> {
    assertPermitted(type, 'get');
    return (await this.request('GET', objectPath(type, namespace, name))) as T;
  }

  /**
   * Starts a watch from `resourceVersion`. `onEvent` receives each event; `onDone` is called
   * once when the stream ends, with the error if it failed.
   */
  async watch(
    type: ResourceType,
    options: WatchOptions,
    onEvent: (type: WatchEventType, object: unknown) => void,
    onDone: (err: unknown) => void,
  ): Promise<WatchHandle> {
    assertPermitted(type, 'watch');
    const query: Record<string, string | boolean> = {
      resourceVersion: options.resourceVersion,
      allowWatchBookmarks: true,
    };
    if (options.labelSelector) query['labelSelector'] = options.labelSelector;
    if (options.fieldSelector) query['fieldSelector'] = options.fieldSelector;
    const watch = new Watch(this.#kubeConfig);
    const controller = await watch.watch(
      collectionPath(type, options.namespace),
      query,
      (phase, object) => onEvent(phase as WatchEventType, object),
      (err: unknown) => onDone(err === null || err === undefined ? undefined : toApiError(err, 'watch')),
    );
    return { abort: () => controller.abort() };
  }

  /** Server-side apply under the operator's field manager, taking over conflicting fields. */
  async apply<T extends KubernetesObject>(type: ResourceType, object: T): Promise<T> {
    const { namespace, name } = requireIdentity(object);
    // The API server authorizes an apply that creates the object as `create` as well.
    assertPermitted(type, 'create');
    assertPermitted(type, 'patch');
    const query = new URLSearchParams({ fieldManager: FIELD_MANAGER, force: 'true' });
    this.#notifyWrite('apply', type);
    return (await this.request('PATCH', objectPath(type, namespace, name), {
      query,
      body: object,
      contentType: PatchStrategy.ServerSideApply,
    })) as T;
  }

  /** JSON merge patch of the status subresource. */
  async patchStatus<T extends KubernetesObject>(type: ResourceType, namespace: string, name: string, status: object): Promise<T> {
    assertPermitted(type, 'patch', 'status');
    const query = new URLSearchParams({ fieldManager: FIELD_MANAGER });
    this.#notifyWrite('patchStatus', type);
    return (await this.request('PATCH', objectPath(type, namespace, name, 'status'), {
      query,
      body: { status },
      contentType: PatchStrategy.MergePatch,
    })) as T;
  }

  async create<T extends KubernetesObject>(type: ResourceType, namespace: string, object: T): Promise<T> {
    assertPermitted(type, 'create');
    const query = new URLSearchParams({ fieldManager: FIELD_MANAGER });
    this.#notifyWrite('create', type);
    return (await this.request('POST', collectionPath(type, namespace), { query, body: object })) as T;
  }

  /** Replaces the object; the server rejects it with 409 Conflict when metadata.resourceVersion is stale. */
  async update<T extends KubernetesObject>(type: ResourceType, object: T): Promise<T> {
    const { namespace, name } = requireIdentity(object);
    assertPermitted(type, 'update');
    const query = new URLSearchParams({ fieldManager: FIELD_MANAGER });
    this.#notifyWrite('update', type);
    return (await this.request('PUT', objectPath(type, namespace, name), { query, body: object })) as T;
  }

  async delete(type: ResourceType, namespace: string, name: string, uid?: string): Promise<void> {
    assertPermitted(type, 'delete');
    this.#notifyWrite('delete', type);
    // The UID precondition keeps a delete from hitting a newer object of the same name.
    const body = uid === undefined ? undefined : { preconditions: { uid } };
    await this.request('DELETE', objectPath(type, namespace, name), { body });
  }

  async request(
    method: string,
    path: string,
    options: { query?: URLSearchParams; body?: unknown; contentType?: string } = {},
  ): Promise<unknown> {
    const url = new URL(this.#server + path);
    if (options.query) url.search = options.query.toString();
    const auth = await this.#authContext();
    const headers: Record<string, string> = { ...auth.headers, accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';

    // A timer cleared when the request ends, rather than AbortSignal.timeout, whose signal
    // and abort listeners stay reachable from its timer for the whole 30 s after each request.
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new DOMException(`No response within ${REQUEST_TIMEOUT_MS} ms`, 'TimeoutError')), REQUEST_TIMEOUT_MS);
    let response;
    let text: string;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        dispatcher: auth.dispatcher,
        signal: timeout.signal,
      });
      text = await response.text();
    } catch (err) {
      throw toApiError(err, `${method} ${path}`);
    } finally {
      clearTimeout(timer);
    }

    if (!response.ok) {
      throw statusToApiError(response.status, text, `${method} ${path}`);
    }
    return text === '' ? undefined : JSON.parse(text);
  }

  #notifyWrite(verb: string, type: ResourceType): void {
    for (const listener of this.#writeListeners) listener(verb, type);
  }

  async #authContext(): Promise<AuthContext> {
    const cached = this.#auth;
    if (cached) {
      const auth = await cached.catch(() => undefined);
      if (auth && auth.expiresAt > Date.now()) return auth;
    }
    this.#auth = this.#loadAuth();
    return this.#auth;
  }

  // client-node builds a fresh connection pool for every request it authenticates; the
  // operator authenticates once per AUTH_TTL_MS and reuses the pool, so requests share
  // keep-alive connections.
  async #loadAuth(): Promise<AuthContext> {
    const context = new RequestContext(this.#server, HttpMethod.GET);
    await this.#kubeConfig.applySecurityAuthentication(context);
    return {
      headers: context.getHeaders(),
      dispatcher: context.getDispatcher() as Dispatcher | undefined,
      expiresAt: Date.now() + AUTH_TTL_MS,
    };
  }
}

function requireIdentity(object: KubernetesObject): { namespace: string; name: string } {
  const namespace = object.metadata?.namespace;
  const name = object.metadata?.name;
  if (!namespace || !name) {
    throw new Error(`Object of kind ${object.kind} needs metadata.namespace and metadata.name`);
  }
  return { namespace, name };
}

function statusToApiError(code: number, body: string, request: string): ApiError {
  let reason = 'Unknown';
  let message = `${request} failed with HTTP ${code}`;
  try {
    const status = JSON.parse(body) as { reason?: string; message?: string };
    if (status.reason) reason = status.reason;
    if (status.message) message = `${request} failed with HTTP ${code}: ${status.message}`;
  } catch {
    // A non-JSON body (a proxy page, a truncated response) keeps the generic message.
  }
  return new ApiError(message, { code, reason });
}

/** Converts anything thrown by a request or a watch into an ApiError. */
export function toApiError(err: unknown, request: string): ApiError {
  if (err instanceof ApiError) return err;

  const fields = err as { statusCode?: number; code?: unknown; name?: string; message?: string };
  if (typeof fields.statusCode === 'number') {
    return new ApiError(`${request} failed with HTTP ${fields.statusCode}`, {
      code: fields.statusCode,
      reason: fields.statusCode === 410 ? 'Expired' : 'Unknown',
    }, { cause: err });
  }

  const reason = fields.name === 'TimeoutError' ? 'Timeout' : 'ConnectionFailed';
  const detail = fields.message ?? String(err);
  return new ApiError(`${request} failed: ${detail}`, { code: 0, reason }, { cause: err });
}
