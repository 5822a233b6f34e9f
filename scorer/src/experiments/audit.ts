import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';

import type { Logger } from 'pino';

import { ConfigError } from '../errors.ts';
import type { RiskBand } from '../prediction.ts';

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

/**
 * Audit log of assignments and conversions, one pino line each with a constant message.
 * Customers appear only as HMAC-SHA256(auditKey, customerId) in hex: the same customer
 * gets the same value on every replica, but the raw id is never logged.
 */
export class AuditLog {
  readonly #logger: Logger;
  /** Imported once: createHmac with a KeyObject skips copying the key on every call. */
  readonly #key: KeyObject;

  constructor(logger: Logger, auditKey: Buffer) {
    if (auditKey.length < MIN_AUDIT_KEY_BYTES) {
      throw new ConfigError(
        `the audit key has ${auditKey.length} bytes; it needs at least ${MIN_AUDIT_KEY_BYTES} random bytes`,
        'auditKey',
      );
    }
    this.#logger = logger;
    this.#key = createSecretKey(auditKey);
  }

  variantAssigned(record: AssignmentRecord): void {
    const { experiment, variant, riskBand, modelVersion } = record;
    this.#logger.info({ experiment, variant, riskBand, modelVersion, customer: this.customerDigest(record.customerId) }, 'variant assigned');
  }

  conversionRecorded(record: ConversionRecord): void {
    const { experiment, variant, event } = record;
    this.#logger.info({ experiment, variant, event, customer: this.customerDigest(record.customerId) }, 'conversion recorded');
  }

  customerDigest(customerId: string): string {
    return createHmac('sha256', this.#key).update(customerId, 'utf8').digest('hex');
  }
}
