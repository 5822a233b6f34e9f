import type { KubernetesObject, V1ConfigMap, V1Deployment, V1Ingress, V1Service } from '@kubernetes/client-node';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';

import type { ApplyResult, Applier } from '../runtime/apply.ts';
import type { Caches } from '../runtime/caches.ts';
import { ApiError } from '../runtime/errors.ts';
import type { EventDetails, EventRecorder } from '../runtime/events.ts';
import type { ResourceType } from '../runtime/resources.ts';
import { Store } from '../runtime/store.ts';
import { applyChildren } from './children.ts';
import type { DesiredChildren } from './children.ts';
import type { NetworkPolicy } from './workload.ts';

const OWNER: KubernetesObject = { apiVersion: 'engagetrack.io/v1alpha1', kind: 'ChurnModel', metadata: { name: 'telco', namespace: 'ml', uid: 'uid-1' } };
const meta = (name: string) => ({ name, namespace: 'ml' });
const DESIRED: DesiredChildren = {
  configMap: { metadata: meta('telco-scorer') } as V1ConfigMap,
  deployment: { metadata: meta('telco-scorer') } as V1Deployment,
  service: { metadata: meta('telco-scorer') } as V1Service,
  ingress: { metadata: meta('telco') } as V1Ingress,
  ingressName: 'telco',
  networkPolicy: { metadata: meta('telco-scorer') } as NetworkPolicy,
};

function caches(): Caches {
  const store = () => new Store<never>();
  return {
    churnModels: store(),
    nudgeExperiments: store(),
    configMaps: store(),
    deployments: store(),
    services: store(),
    ingresses: store(),
    networkPolicies: store(),
  } as unknown as Caches;
}

/** Creates an applier whose applies wait until the test resolves them and that records the order they start in. */
function deferredApplier() {
  const started: string[] = [];
  const pending = new Map<string, { resolve: (result: ApplyResult) => void; reject: (err: unknown) => void }>();
  const apply = vi.fn(
    (type: ResourceType) =>
      new Promise<ApplyResult>((resolve, reject) => {
        started.push(type.kind);
        pending.set(type.kind, { resolve, reject });
      }),
  );
  const settle = async (kind: string, outcome: ApplyResult | Error) => {
    const deferred = pending.get(kind)!;
    if (outcome instanceof Error) deferred.reject(outcome);
    else deferred.resolve(outcome);
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { applier: { apply } as unknown as Applier, started, settle };
}

function eventRecorder() {
  const recorded: EventDetails[] = [];
  const events = { record: vi.fn(async (_object: unknown, details: EventDetails) => void recorded.push(details)) };
  return { events: events as unknown as EventRecorder, recorded };
}

const logger = pino({ level: 'silent' });

describe('applyChildren', () => {
  it('applies the Deployment after its ConfigMap', async () => {
    const { applier, started, settle } = deferredApplier();
    const { events } = eventRecorder();

    const done = applyChildren(OWNER, DESIRED, { applier, caches: caches(), events }, logger);
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['ConfigMap', 'Service', 'NetworkPolicy', 'Ingress']);

    await settle('ConfigMap', 'created');
    expect(started).toContain('Deployment');
    for (const kind of ['Deployment', 'Service', 'NetworkPolicy', 'Ingress']) await settle(kind, 'created');
    await done;
  });

  it('records one Event naming the created children', async () => {
    const { applier, settle } = deferredApplier();
    const { events, recorded } = eventRecorder();

    const done = applyChildren(OWNER, DESIRED, { applier, caches: caches(), events }, logger);
    await new Promise((resolve) => setImmediate(resolve));
    await settle('ConfigMap', 'created');
    await settle('Deployment', 'unchanged');
    await settle('Ingress', 'created');
    await settle('Service', 'created');
    await settle('NetworkPolicy', 'updated');
    await done;

    expect(recorded).toHaveLength(1);
    expect(recorded[0]?.note).toBe('Created ConfigMap, Service, Ingress');
  });

  it('fails after every apply has ended', async () => {
    const { applier, settle } = deferredApplier();
    const { events, recorded } = eventRecorder();
    const failure = new ApiError('Service is invalid', { code: 422, reason: 'Invalid' });

    const done = applyChildren(OWNER, DESIRED, { applier, caches: caches(), events }, logger);
    const outcome = vi.fn();
    done.then(outcome, outcome);
    await new Promise((resolve) => setImmediate(resolve));
    await settle('Service', failure);
    expect(outcome).not.toHaveBeenCalled();

    for (const kind of ['ConfigMap', 'Deployment', 'NetworkPolicy', 'Ingress']) await settle(kind, 'created');
    await expect(done).rejects.toBe(failure);
    expect(recorded).toEqual([]);
  });
});
