// Kubernetes Events (events.k8s.io/v1) about the custom resources. Reconcilers record
// them on transitions only (a condition changes, a child is created), never per pass.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';

import { errorLogFields } from './errors.ts';
import type { KubeClient } from './kube-client.ts';
import { EVENT } from './resources.ts';

export const REPORTING_CONTROLLER = 'engagetrack.io/operator';

export type EventType = 'Normal' | 'Warning';

export interface EventDetails {
  type: EventType;
  /** CamelCase reason, for example ScorersReady. */
  reason: string;
  /** Action the operator took or observed, for example Reconcile or Create. */
  action: string;
  note: string;
}

/** Events waiting beyond this many are dropped (and counted in the log), so a burst cannot grow memory without bound. */
const MAX_PENDING_EVENTS = 1000;

/** The events.k8s.io/v1 Event as sent; the fields the sender logs are typed. */
type EventObject = Record<string, unknown> & {
  metadata: { name: string; namespace: string };
  regarding: Record<string, unknown> & { name: string };
  reason: string;
};

/**
 * Posts Events in the background, one request at a time, so a reconcile does not wait
 * for an Event. `record` queues the Event and returns. When MAX_PENDING_EVENTS are already
 * waiting, `record` drops the new Event and the drops are counted in the log. Events are
 * informational, so a failed or dropped Event is logged and never retried.
 */
export class EventRecorder {
  readonly #client: KubeClient;
  readonly #logger: Logger;
  readonly #instance = process.env['POD_NAME'] ?? hostname();
  readonly #pending: EventObject[] = [];
  #sending: Promise<void> | undefined;
  #dropped = 0;

  constructor(client: KubeClient, logger: Logger) {
    this.#client = client;
    this.#logger = logger;
  }

  /** Queues an Event about `regarding`; it is sent after the call returns, and a failure is only logged. */
  async record(regarding: KubernetesObject, details: EventDetails): Promise<void> {
    if (this.#pending.length >= MAX_PENDING_EVENTS) {
      this.#dropped += 1;
      if (this.#dropped === 1) this.#logger.warn({ limit: MAX_PENDING_EVENTS }, 'Too many Events waiting to be sent, dropping new ones');
      return;
    }
    this.#pending.push(this.#build(regarding, details));
    this.#sending ??= this.#sendPending();
  }

  /** Resolves once every queued Event has been sent (or has failed). */
  async flush(): Promise<void> {
    while (this.#sending) await this.#sending;
  }

  async #sendPending(): Promise<void> {
    for (let event = this.#pending.shift(); event !== undefined; event = this.#pending.shift()) {
      const { namespace } = event.metadata;
      try {
        await this.#client.create(EVENT, namespace, event);
      } catch (err) {
        // The Event's reason goes in eventReason, since `reason` is the failed request's.
        this.#logger.warn({ ...errorLogFields(err), namespace, name: event.regarding.name, eventReason: event.reason }, 'Recording an event failed');
      }
    }
    if (this.#dropped > 0) {
      this.#logger.warn({ dropped: this.#dropped }, 'Dropped Events while too many were waiting');
      this.#dropped = 0;
    }
    this.#sending = undefined;
  }

  #build(regarding: KubernetesObject, details: EventDetails): EventObject {
    const namespace = regarding.metadata?.namespace ?? 'default';
    const name = regarding.metadata?.name ?? '';
    return {
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
  }
}

/** Formats a metav1.MicroTime: RFC 3339 with six fractional digits. */
function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
