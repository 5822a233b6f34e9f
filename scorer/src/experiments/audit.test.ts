import { pino } from 'pino';
import { describe, expect, it } from 'vitest';

import { customerDigestOf } from '../testing/customer-digest.ts';
import { AuditRecords } from './audit.ts';

const KEY = Buffer.from('0123456789abcdef0123456789abcdef');

function digestOf(customerId: string): string {
  return customerDigestOf(KEY, customerId);
}

describe('AuditRecords', () => {
  it('fills the digest when read at once', () => {
    const audit = new AuditRecords(KEY, pino({ enabled: false }));

    const assignment = audit.variantAssigned({ experiment: 'retention-q1', variant: 'discount', riskBand: 'high', modelVersion: '1', customerId: '7590-VHVEG' });
    const conversion = audit.conversionRecorded({ experiment: 'retention-q1', variant: 'discount', event: 'renewed', customerId: '5575-GNVDE' });

    expect(assignment.fields).toEqual({ customer: digestOf('7590-VHVEG') });
    expect(conversion.fields).toEqual({ experiment: 'retention-q1', variant: 'discount', event: 'renewed', customer: digestOf('5575-GNVDE') });
  });

  it('never puts the raw id in a record', async () => {
    const audit = new AuditRecords(KEY, pino({ enabled: false }));

    const record = audit.variantAssigned({ experiment: 'retention-q1', variant: 'control', riskBand: 'low', modelVersion: '1', customerId: '7590-VHVEG' });
    await Promise.resolve();

    expect(JSON.stringify(record.fields)).not.toContain('7590-VHVEG');
    expect(record.message).toBe('variant assigned');
  });
});
