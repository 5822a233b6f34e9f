// Kubernetes Events (events.k8s.io/v1) about the custom resources. Reconcilers record
// them on transitions only (a condition changes, a child is created), never per pass.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';

import type { KubeClient } from './kube-client.ts';
import { EVENT } from './resources.ts';

export const REPORTING_CONTROLLER = 'engagetrack.io/operator';

export type EventType = 'Normal' | 'Warning';

export interface EventDetails {
  type: EventType;
  /** CamelCase reason, for example ScorersReady. */
  reason: string;
  /** What the operator did or observed, for example Reconcile or Create. */
  action: string;
  note: string;
}

export class EventRecorder {
  readonly #client: KubeClient;
  readonly #logger: Logger;
  readonly #instance = process.env['POD_NAME'] ?? hostname();

  constructor(client: KubeClient, logger: Logger) {
    this.#client = client;
    this.#logger = logger;
  }

  /** Posts an Event about `regarding`; a failure is logged and never fails the reconcile. */
  async record(regarding: KubernetesObject, details: EventDetails): Promise<void> {
    const namespace = regarding.metadata?.namespace ?? 'default';
    const name = regarding.metadata?.name ?? '';
    const event = {
      apiVersion: EVENT.apiVersion,
      kind: EVENT.kind,
      metadata: { name: `${name}.${randomBytes(8).toString('hex')}`, namespace },
      eventTime: microTime(new Date()),
      reportingController: REPORTING_CONTROLLER,
      reportingInstance: this.#instance,
      action: details.action,
      reason: details.reason,
      note: details.note.slice(0, 1024),
      type: details.type,
      regarding: {
        apiVersion: regarding.apiVersion,
        kind: regarding.kind,
        namespace,
        name,
        uid: regarding.metadata?.uid,
        resourceVersion: regarding.metadata?.resourceVersion,
      },
    };
    try {
      await this.#client.create(EVENT, namespace, event);
    } catch (err) {
      this.#logger.warn({ err, namespace, name, reason: details.reason }, 'Recording an event failed');
    }
  }
}

/** Formats a metav1.MicroTime: RFC 3339 with six fractional digits. */
function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
