/** `scorer customer-digest`: prints the audit log digests of customer ids, to find their lines. */
import { parseArgs } from 'node:util';

import { ConfigError } from '../errors.ts';
import { readAuditKeyFile } from './audit-key.ts';
import { deriveDigestKey, KeyedDigest } from './keyed-digest.ts';
import { customerIdProblemOf } from './request.ts';

export const CUSTOMER_DIGEST_USAGE = `Usage: scorer customer-digest --audit-key-file FILE CUSTOMER_ID...

  --audit-key-file  file with the audit key of the scorer (its auth.auditKeyFile)
  -h, --help        print this help

Prints, for each customer id, the digest that the experiment audit log writes in the
"customer" field of its lines, one per line in the order of the ids.`;

export async function runCustomerDigest(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: { 'audit-key-file': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help === true) {
    process.stdout.write(`${CUSTOMER_DIGEST_USAGE}\n`);
    return;
  }

  const keyFile = values['audit-key-file'];
  if (keyFile === undefined) {
    throw new ConfigError(`Missing required option --audit-key-file: the digests depend on the key.\n\n${CUSTOMER_DIGEST_USAGE}`, '--audit-key-file');
  }
  if (positionals.length === 0) {
    throw new ConfigError(`Missing customer id: give at least one after the options.\n\n${CUSTOMER_DIGEST_USAGE}`, 'CUSTOMER_ID');
  }
  positionals.forEach(checkCustomerId);

  const digest = new KeyedDigest(deriveDigestKey(await readAuditKeyFile(keyFile, '--audit-key-file')));
  process.stdout.write(positionals.map((customerId) => `${digest.hex(customerId)}\n`).join(''));
}

/** Throws ConfigError for an id that the scorer rejects, because no audit line can carry its digest. */
function checkCustomerId(customerId: string, index: number): void {
  const problem = customerIdProblemOf(customerId);
  if (problem !== undefined) {
    throw new ConfigError(
      `Invalid customer id ${index + 1} (${JSON.stringify(customerId)}): it ${problem.message}. ` +
        'The scorer rejects such ids, so no audit line contains their digest.',
      'CUSTOMER_ID',
    );
  }
}
