import type { Logger } from 'pino';

import { ConfigError } from '../errors.ts';
import type { RequestLogRecord } from '../http/observe.ts';
import type { RiskBand } from '../prediction.ts';
import { Sha256Hmac } from './hmac.ts';

/** Shortest audit key accepted: 128 bits. */
export const MIN_AUDIT_KEY_BYTES = 16;

/**
 * Child loggers kept for assignment lines. One per variant and risk band of a model
 * version: 10 variants at most, 3 bands, and room for the version before a model reload.
 */
const MAX_ASSIGNMENT_LOGGERS = 60;

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

/**
 * Audit records of assignments and conversions. Each becomes the request's log line (see
 * setRequestLogRecord) with a constant message, so a request that assigns or converts
 * writes one line, not two. Customers appear only as HMAC-SHA256(auditKey, customerId) in
 * hex: the same customer gets the same value on every replica, but the raw id is never
 * logged.
 */
export class AuditRecords {
  readonly #hmac: Sha256Hmac;
  readonly #logger: Logger;
  readonly #assignmentLoggers = new Map<string, Logger>();

  /** `logger` must be the logger of the request log lines; the records write through children of it. */
  constructor(auditKey: Buffer, logger: Logger) {
    if (auditKey.length < MIN_AUDIT_KEY_BYTES) {
      throw new ConfigError(
        `the audit key has ${auditKey.length} bytes; it needs at least ${MIN_AUDIT_KEY_BYTES} random bytes`,
        'auditKey',
      );
    }
    this.#hmac = new Sha256Hmac(auditKey);
    this.#logger = logger;
  }

  variantAssigned(record: AssignmentRecord): RequestLogRecord {
    return {
      message: 'variant assigned',
      fields: { customer: this.#customerDigest(record.customerId) },
      logger: this.#assignmentLogger(record),
    };
  }

  conversionRecorded(record: ConversionRecord): RequestLogRecord {
    const { experiment, variant, event } = record;
    return {
      message: 'conversion recorded',
      fields: { experiment, variant, event, customer: this.#customerDigest(record.customerId) },
    };
  }

  /**
   * Returns a child logger bound to the experiment, variant, risk band and model version of
   * the record. Those four fields repeat on every assignment line, and as bindings they are
   * serialized once per child rather than once per line. The cache starts over when full,
   * which takes model reloads.
   */
  #assignmentLogger(record: AssignmentRecord): Logger {
    const { experiment, variant, riskBand, modelVersion } = record;
    // Variant names are Kubernetes object names, so a space cannot occur inside one.
    const key = `${variant} ${riskBand} ${modelVersion}`;
    let logger = this.#assignmentLoggers.get(key);
    if (logger === undefined) {
      if (this.#assignmentLoggers.size >= MAX_ASSIGNMENT_LOGGERS) {
        this.#assignmentLoggers.clear();
      }
      logger = this.#logger.child({ experiment, variant, riskBand, modelVersion });
      this.#assignmentLoggers.set(key, logger);
    }
    return logger;
  }

  #customerDigest(customerId: string): string {
    return this.#hmac.hex(customerId);
  }
}
