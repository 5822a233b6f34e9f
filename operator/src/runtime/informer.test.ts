import type { KubernetesObject } from '@kubernetes/client-node';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';

import { ApiError } from './errors.ts';
import { Informer } from './informer.ts';
import type { ListWatchSource } from './informer.ts';
import type { ObjectList, WatchEventType } from './kube-client.ts';

interface Session {
  resourceVersion: string;
  emit: (type: WatchEventType, object: unknown) => void;
  end: (err?: unknown) => void;
  aborted: boolean;
}

/** A list-watch source driven by the test: it records each watch session and list call. */
class FakeSource implements ListWatchSource<KubernetesObject> {
  lists: ObjectList<KubernetesObject>[] = [];
  listCalls = 0;
  listFailures = 0;
  listError: unknown = new ApiError('connection refused', { code: 0, reason: 'ConnectionFailed' });
  sessions: Session[] = [];

  async list(): Promise<ObjectList<KubernetesObject>> {
    this.listCalls += 1;
    if (this.listFailures > 0) {
      this.listFailures -= 1;
      throw this.listError;
    }
    return this.lists.shift() ?? { items: [], resourceVersion: '1' };
  }

  async watch(resourceVersion: string, onEvent: Session['emit'], onDone: (err: unknown) => void) {
    const session: Session = { resourceVersion, emit: onEvent, end: (err) => onDone(err), aborted: false };
    this.sessions.push(session);
    return { abort: () => (session.aborted = true) };
  }

  get last(): Session {
    return this.sessions.at(-1)!;
  }
}

function object(name: string, resourceVersion: string): KubernetesObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'ns', name, resourceVersion } };
}

async function flush(): Promise<void> {
  for (let index = 0; index < 10; index += 1) await Promise.resolve();
}

function startInformer(source: FakeSource) {
  const sleeps: number[] = [];
  const informer = new Informer(source, {
    logger: pino({ level: 'silent' }),
    initialBackoffMs: 100,
    maxBackoffMs: 400,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  const events: string[] = [];
  informer.addEventHandler({
    onAdd: (added) => events.push(`add ${added.metadata?.name}`),
    onUpdate: (_old, updated) => events.push(`update ${updated.metadata?.name}`),
    onDelete: (deleted) => events.push(`delete ${deleted.metadata?.name}`),
  });
  informer.start();
  return { informer, events, sleeps };
}

describe('Informer', () => {
  it('lists then watches from the list resourceVersion', async () => {
    const source = new FakeSource();
    source.lists.push({ items: [object('a', '5')], resourceVersion: '7' });
    const { informer, events } = startInformer(source);
    await flush();

    expect(informer.hasSynced()).toBe(true);
    expect(events).toEqual(['add a']);
    expect(source.last.resourceVersion).toBe('7');
    await informer.stop();
  });

  it('applies watch events to the store', async () => {
    const source = new FakeSource();
    const { informer, events } = startInformer(source);
    await flush();

    source.last.emit('ADDED', object('a', '2'));
    source.last.emit('MODIFIED', object('a', '3'));
    source.last.emit('DELETED', object('a', '4'));
    source.last.emit('ADDED', object('b', '5'));

    expect(events).toEqual(['add a', 'update a', 'delete a', 'add b']);
    expect(informer.store.list().map((item) => item.metadata?.name)).toEqual(['b']);
    await informer.stop();
  });

  it('relists after 410 Gone', async () => {
    const source = new FakeSource();
    source.lists.push({ items: [object('a', '2'), object('b', '2')], resourceVersion: '2' });
    source.lists.push({ items: [object('b', '9')], resourceVersion: '10' });
    const { informer, events, sleeps } = startInformer(source);
    await flush();

    source.last.emit('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' });
    await flush();

    expect(source.listCalls).toBe(2);
    expect(source.last.resourceVersion).toBe('10');
    expect(events).toEqual(['add a', 'add b', 'update b', 'delete a']);
    expect(sleeps).toEqual([]);
    await informer.stop();
  });

  it('relists when the watch request itself returns 410', async () => {
    const source = new FakeSource();
    const { informer } = startInformer(source);
    await flush();

    source.last.end(new ApiError('gone', { code: 410, reason: 'Expired' }));
    await flush();

    expect(source.listCalls).toBe(2);
    await informer.stop();
  });

  it('resumes from the last resourceVersion after an error', async () => {
    const source = new FakeSource();
    const { informer, sleeps } = startInformer(source);
    await flush();
    source.last.emit('ADDED', object('a', '42'));

    source.last.end(new ApiError('reset', { code: 0, reason: 'ConnectionFailed' }));
    await flush();

    expect(source.listCalls).toBe(1);
    expect(source.sessions).toHaveLength(2);
    expect(source.last.resourceVersion).toBe('42');
    expect(sleeps).toEqual([100]);
    await informer.stop();
  });

  it('backs off exponentially while failures repeat', async () => {
    const source = new FakeSource();
    const { informer, sleeps } = startInformer(source);
    await flush();

    for (let attempt = 0; attempt < 4; attempt += 1) {
      source.last.end(new ApiError('refused', { code: 0, reason: 'ConnectionFailed' }));
      await flush();
    }

    expect(sleeps).toEqual([100, 200, 400, 400]);
    await informer.stop();
  });

  it('restarts after a closed watch', async () => {
    const source = new FakeSource();
    const { informer } = startInformer(source);
    await flush();

    source.last.end(undefined);
    await flush();

    expect(source.sessions).toHaveLength(2);
    await informer.stop();
  });

  it('retries a failed first list', async () => {
    const source = new FakeSource();
    source.listFailures = 2;
    const { informer, sleeps } = startInformer(source);
    await flush();

    expect(source.listCalls).toBe(3);
    expect(sleeps).toEqual([100, 200]);
    expect(informer.hasSynced()).toBe(true);
    await informer.stop();
  });

  it('names a missing CustomResourceDefinition once per retry', async () => {
    const source = new FakeSource();
    source.listFailures = 2;
    source.listError = new ApiError('GET /apis/engagetrack.io/v1alpha1/churnmodels failed with HTTP 404', { code: 404, reason: 'NotFound' });
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const informer = new Informer(source, {
      logger,
      initialBackoffMs: 100,
      maxBackoffMs: 400,
      sleep: async () => undefined,
      customResourceDefinition: 'churnmodels.engagetrack.io',
    });

    informer.start();
    await flush();

    expect(lines.map((line) => line['msg'])).toEqual([
      'CustomResourceDefinition churnmodels.engagetrack.io is not installed; install it with kubectl apply --server-side -k crds/',
      'CustomResourceDefinition churnmodels.engagetrack.io is not installed; install it with kubectl apply --server-side -k crds/',
    ]);
    expect(lines[0]).toMatchObject({ level: 40, customResourceDefinition: 'churnmodels.engagetrack.io', failures: 1, retryInMs: 100 });
    expect(lines[1]).toMatchObject({ failures: 2, retryInMs: 200 });
    expect(lines.some((line) => 'err' in line)).toBe(false);
    // The CRD appeared: the third list succeeds and the cache syncs.
    expect(informer.hasSynced()).toBe(true);
    await informer.stop();
  });

  it('logs list failures without a stack', async () => {
    const source = new FakeSource();
    source.listFailures = 1;
    const message = 'GET /api/v1/configmaps failed with HTTP 429: storage is (re)initializing';
    source.listError = new ApiError(message, { code: 429, reason: 'TooManyRequests' });
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const informer = new Informer(source, { logger, initialBackoffMs: 100, sleep: async () => undefined });

    informer.start();
    await flush();

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'List failed, retrying', failures: 1, retryInMs: 100 });
    expect(lines[0]).toMatchObject({ error: message, status: 429, reason: 'TooManyRequests' });
    expect(lines[0]).not.toHaveProperty('err');
    await informer.stop();
  });

  it('stop aborts the watch', async () => {
    const source = new FakeSource();
    const { informer } = startInformer(source);
    await flush();
    const session = source.last;

    await informer.stop();

    expect(session.aborted).toBe(true);
    expect(source.sessions).toHaveLength(1);
  });

  it('ignores bookmarks except for the resourceVersion', async () => {
    const source = new FakeSource();
    const { informer, events } = startInformer(source);
    await flush();

    source.last.emit('BOOKMARK', { metadata: { resourceVersion: '77' } });
    source.last.end(new ApiError('reset', { code: 0, reason: 'ConnectionFailed' }));
    await flush();

    expect(events).toEqual([]);
    expect(source.last.resourceVersion).toBe('77');
    await informer.stop();
  });

  it('waitForSync resolves after the first list', async () => {
    vi.useFakeTimers();
    const source = new FakeSource();
    const { informer } = startInformer(source);
    const synced = informer.waitForSync();
    await vi.advanceTimersByTimeAsync(100);
    await expect(synced).resolves.toBeUndefined();
    vi.useRealTimers();
    await informer.stop();
  });
});
