import { ConfigError } from '../errors.ts';
import type { RequestLogRecord } from '../http/observe.ts';
import type { RiskBand } from '../prediction.ts';
import { Sha256Hmac } from './hmac.ts';

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
 * Audit records of assignments and conversions. Each becomes the request's log line (see
 * setRequestLogRecord) with a constant message, so a request that assigns or converts
 * writes one line, not two. Customers appear only as HMAC-SHA256(auditKey, customerId) in
 * hex: the same customer gets the same value on every replica, but the raw id is never
 * logged.
 */
export class AuditRecords {
  readonly #hmac: Sha256Hmac;

  constructor(auditKey: Buffer) {
    if (auditKey.length < MIN_AUDIT_KEY_BYTES) {
      throw new ConfigError(
        `the audit key has ${auditKey.length} bytes; it needs at least ${MIN_AUDIT_KEY_BYTES} random bytes`,
        'auditKey',
      );
    }
    this.#hmac = new Sha256Hmac(auditKey);
  }

  variantAssigned(record: AssignmentRecord): RequestLogRecord {
    const { experiment, variant, riskBand, modelVersion } = record;
    return {
      message: 'variant assigned',
      fields: { experiment, variant, riskBand, modelVersion, customer: this.#customerDigest(record.customerId) },
    };
  }

  conversionRecorded(record: ConversionRecord): RequestLogRecord {
    const { experiment, variant, event } = record;
    return {
      message: 'conversion recorded',
      fields: { experiment, variant, event, customer: this.#customerDigest(record.customerId) },
    };
  }

  #customerDigest(customerId: string): string {
    return this.#hmac.hex(customerId);
  }
}
