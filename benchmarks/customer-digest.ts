/**
 * Customer digest cost: `npm run bench:digest`.
 *
 * Measures the scorer's audit digest (KeyedDigest: SipHash-2-4 in WebAssembly) on 100,000
 * customer ids in the Telco data set's format. The baseline, in the same process, is
 * HMAC-SHA256: as two one-shot `crypto.hash` calls over precomputed key pads, the
 * cheapest HMAC that node:crypto allows, and with `createHmac`. A second table writes each digest
 * into a JSON text, as a log line does, which flattens a string built in pieces. Each
 * figure is the median of five rounds, per CPU second.
 */
import { createHash, createHmac, hash, randomBytes } from 'node:crypto';

import siphash24 from 'siphash24';

import { deriveDigestKey, KeyedDigest } from '../scorer/src/experiments/keyed-digest.ts';
import { encodeUtf8Into } from '../scorer/src/experiments/utf8.ts';
import { describeMachine, medianRatePerCpuSecond } from './cpu-rate.ts';

const ID_COUNT = 100_000;
const PLAN = { items: ID_COUNT, passes: 5, rounds: 5 };
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Returns id `index` in the data set's format, such as `7590-VHVEG`, derived from a hash of the index. */
function telcoId(index: number): string {
  const bytes = createHash('sha256').update(`customer-${index}`).digest();
  const digits = String(1000 + (bytes.readUInt16LE(0) % 9000));
  const letters = Array.from(bytes.subarray(2, 7), (byte) => LETTERS[byte % LETTERS.length]).join('');
  return `${digits}-${letters}`;
}

/**
 * Returns HMAC-SHA256 under `key` as two one-shot `crypto.hash` calls over buffers that
 * contain the key pads, with the id written into the inner buffer in JavaScript.
 */
function twoCallHmac(key: Buffer): (id: string) => string {
  const inner = Buffer.alloc(64 + 1024, 0x36);
  const outer = Buffer.alloc(64 + 32, 0x5c);
  for (let i = 0; i < key.length; i++) {
    inner[i]! ^= key[i]!;
    outer[i]! ^= key[i]!;
  }

  return (id) => {
    const end = encodeUtf8Into(id, inner, 64);
    hash('sha256', inner.subarray(0, end), 'buffer').copy(outer, 64);
    return hash('sha256', outer, 'hex');
  };
}

/** Returns SipHash-2-4 under `sipHashKey` with the hex appended two digits at a time. */
function pairwiseHexSipHash(sipHashKey: Uint8Array): (id: string) => string {
  const message = new Uint8Array(1024);
  const output = new Uint8Array(8);
  const pairs = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

  return (id) => {
    const end = encodeUtf8Into(id, message, 0);
    siphash24(message.subarray(0, end), sipHashKey, output, true);
    let hex = '';
    for (const byte of output) {
      hex += pairs[byte]!;
    }
    return hex;
  };
}

// Parsed from JSON, as the scorer receives them: flat strings rather than slices.
const ids = JSON.parse(JSON.stringify(Array.from({ length: ID_COUNT }, (_, i) => telcoId(i)))) as string[];
const auditKey = randomBytes(32);
const scorerDigest = new KeyedDigest(deriveDigestKey(auditKey));
const pairwiseDigest = pairwiseHexSipHash(deriveDigestKey(auditKey));
const hmacDigest = twoCallHmac(auditKey);
const CONSTANT = '1bf0d45924c75957';

const nanoseconds = (rate: number) => `${(1e9 / rate).toFixed(0).padStart(6)} ns`;
const perId = (digestOf: (id: string) => string) => medianRatePerCpuSecond(PLAN, (i) => digestOf(ids[i]!).length);
const perLogField = (digestOf: (id: string) => string) =>
  medianRatePerCpuSecond(PLAN, (i) => JSON.stringify({ customer: digestOf(ids[i]!) }).length);

const sipRate = perId((id) => scorerDigest.hex(id));
const hmacRate = perId(hmacDigest);
const createHmacRate = perId((id) => createHmac('sha256', auditKey).update(id).digest('hex'));

const sipFieldRate = perLogField((id) => scorerDigest.hex(id));
const pairwiseFieldRate = perLogField(pairwiseDigest);
const constantFieldRate = perLogField(() => CONSTANT);

console.log(describeMachine());
console.log(`${ID_COUNT} ids such as ${ids[0]}, median of ${PLAN.rounds} rounds of ${PLAN.passes} passes, CPU time per id\n`);
console.log(`scorer digest (SipHash-2-4)            ${nanoseconds(sipRate)}`);
console.log(`HMAC-SHA256, two crypto.hash calls     ${nanoseconds(hmacRate)}   this / scorer digest = ${(sipRate / hmacRate).toFixed(2)}`);
console.log(`HMAC-SHA256, createHmac                ${nanoseconds(createHmacRate)}   this / scorer digest = ${(sipRate / createHmacRate).toFixed(2)}`);
console.log('\nDigest written into a JSON text, as a log line does');
console.log(`scorer digest                          ${nanoseconds(sipFieldRate)}`);
console.log(`SipHash-2-4, hex two digits at a time  ${nanoseconds(pairwiseFieldRate)}   this / scorer digest = ${(sipFieldRate / pairwiseFieldRate).toFixed(2)}`);
console.log(`constant in place of the digest        ${nanoseconds(constantFieldRate)}   this / scorer digest = ${(sipFieldRate / constantFieldRate).toFixed(2)}`);
