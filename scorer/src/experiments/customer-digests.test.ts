import { describe, expect, it } from 'vitest';

import { customerDigestOf } from '../testing/customer-digest.ts';
import { CustomerDigests, type DigestTarget } from './customer-digests.ts';

const KEY = Buffer.from('0123456789abcdef0123456789abcdef');

function digestOf(customerId: string): string {
  return customerDigestOf(KEY, customerId);
}

describe('CustomerDigests', () => {
  it('fills queued digests before the checkpoint ends', async () => {
    const digests = new CustomerDigests(KEY);
    const ids = ['7590-VHVEG', '5575-GNVDE', 'klient-ä-€'];
    const targets: DigestTarget[] = ids.map(() => ({ customer: '' }));

    ids.forEach((id, index) => digests.queue(id, targets[index]!));
    expect(targets.map((target) => target.customer)).toEqual(['', '', '']);
    await Promise.resolve();

    expect(targets.map((target) => target.customer)).toEqual(ids.map(digestOf));
  });

  it('computes queued digests on settle', () => {
    const digests = new CustomerDigests(KEY);
    const target = { customer: '' };

    digests.queue('7590-VHVEG', target);
    digests.settle();

    expect(target.customer).toBe(digestOf('7590-VHVEG'));
  });

  it('starts a new batch after each checkpoint', async () => {
    const digests = new CustomerDigests(KEY);
    const first = { customer: '' };
    const second = { customer: '' };

    digests.queue('first-customer', first);
    await Promise.resolve();
    digests.queue('second-customer', second);
    await Promise.resolve();

    expect(first.customer).toBe(digestOf('first-customer'));
    expect(second.customer).toBe(digestOf('second-customer'));
  });
});
