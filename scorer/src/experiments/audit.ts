import type { Logger } from 'pino';

import { ConfigError } from '../errors.ts';
import type { RequestLogRecord } from '../http/observe.ts';
import type { RiskBand } from '../prediction.ts';
import { CustomerDigests, type DigestTarget } from './customer-digests.ts';

/** Shortest audit key accepted: 128 bits. */
export const MIN_AUDIT_KEY_BYTES = 16;

export interface AssignmentRecord {
  experiment: string;
  variant: string;
  riskBand: RiskBand;
  modelVersion: string;
  customerId: string;
}

export interface ConversionRecord {
  experiment: string;
  variant: string;
  event: string;
  customerId: string;
}

/** Level of the audit records, which LOG_LEVEL does not change. */
const AUDIT_LEVEL = 'info';

/**
 * Audit records of assignments and conversions. Each becomes the request's log line (see
 * setRequestLogRecord) with a constant message, so a request that assigns or converts
 * writes one line, not two. Customers appear only as keyed digests (see keyed-digest.ts) in
 * hex: the same customer gets the same value on every replica, but the raw id is never
 * logged. The digests are computed in batches (see CustomerDigests). The records are
 * written at info whatever the level of the request logger, so that a quieter log level
 * never drops an audit record.
 */
export class AuditRecords {
  readonly #digests: CustomerDigests;
  /** Child of the request logger with the audit level. */
  readonly #logger: Logger;
  /** Child loggers of assignment lines by variant, then risk band, for #loggersModelVersion. */
  readonly #assignmentLoggers = new Map<string, Map<RiskBand, Logger>>();
  #loggersModelVersion: string | undefined;

  /** `logger` must be the logger of the request log lines; the records are written through children of it. */
  constructor(auditKey: Buffer, logger: Logger) {
    if (auditKey.length < MIN_AUDIT_KEY_BYTES) {
      throw new ConfigError(
        `the audit key has ${auditKey.length} bytes; it needs at least ${MIN_AUDIT_KEY_BYTES} random bytes`,
        'auditKey',
      );
    }
    this.#digests = new CustomerDigests(auditKey);
    this.#logger = logger.child({}, { level: AUDIT_LEVEL });
  }

  variantAssigned(record: AssignmentRecord): RequestLogRecord {
    const fields = { customer: '' };
    this.#digests.queue(record.customerId, fields);
    return new AuditLogRecord('variant assigned', fields, this.#assignmentLogger(record), this.#digests);
  }

  conversionRecorded(record: ConversionRecord): RequestLogRecord {
    const { experiment, variant, event } = record;
    const fields = { experiment, variant, event, customer: '' };
    this.#digests.queue(record.customerId, fields);
    return new AuditLogRecord('conversion recorded', fields, this.#logger, this.#digests);
  }

  /**
   * Returns a child logger bound to the experiment, variant, risk band and model version of
   * the record. Those four fields repeat on every assignment line, and as bindings they are
   * serialized once per child rather than once per line. The loggers are looked up by
   * variant and band without building a key string, and start over when the model version
   * changes, so they stay at most three per variant.
   */
  #assignmentLogger(record: AssignmentRecord): Logger {
    const { experiment, variant, riskBand, modelVersion } = record;
    if (modelVersion !== this.#loggersModelVersion) {
      this.#assignmentLoggers.clear();
      this.#loggersModelVersion = modelVersion;
    }

    let byBand = this.#assignmentLoggers.get(variant);
    if (byBand === undefined) {
      byBand = new Map();
      this.#assignmentLoggers.set(variant, byBand);
    }
    let logger = byBand.get(riskBand);
    if (logger === undefined) {
      logger = this.#logger.child({ experiment, variant, riskBand, modelVersion });
      byBand.set(riskBand, logger);
    }
    return logger;
  }
}

/** A record whose fields contain a queued customer digest, computed at the latest when the fields are read. */
class AuditLogRecord implements RequestLogRecord {
  readonly message: string;
  readonly logger: Logger;
  readonly #fields: DigestTarget & Record<string, unknown>;
  readonly #digests: CustomerDigests;

  constructor(message: string, fields: DigestTarget & Record<string, unknown>, logger: Logger, digests: CustomerDigests) {
    this.message = message;
    this.#fields = fields;
    this.logger = logger;
    this.#digests = digests;
  }

  get fields(): Record<string, unknown> {
    this.#digests.settle();
    return this.#fields;
  }
}
