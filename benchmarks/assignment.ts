/**
 * Variant assignment throughput: `npm run bench:assignment`.
 *
 * Measures assignVariant on 100,000 UUID-shaped customer ids against two baselines run
 * in the same process. The first is MurmurHash3 alone on ids encoded beforehand, the
 * floor for any assignment built on this hash. The second is node:crypto MD5 of the same
 * hash input, the usual "just hash it" approach. Each figure is the median of five
 * rounds, per CPU second.
 * Target: at least 5 million assignments per second.
 */

import { createHash } from 'node:crypto';

import { assignVariant } from '../scorer/src/experiments/assignment.ts';
import { parseExperimentConfig } from '../scorer/src/experiments/config.ts';
import { murmurHash3x86 } from '../scorer/src/experiments/murmurhash3.ts';
import { describeMachine, medianRatePerCpuSecond } from './cpu-rate.ts';

const ID_COUNT = 100_000;
const ROUNDS = 5;
const TARGET_PER_SECOND = 5_000_000;

const experiment = parseExperimentConfig(
  {
    name: 'retention-q1',
    salt: '2026-q1',
    variants: [
      { name: 'control', weight: 50, control: true },
      { name: 'discount', weight: 30 },
      { name: 'call', weight: 20 },
    ],
  },
  { riskBands: { medium: 0.3, high: 0.6 } },
);

// Parsed from JSON, as the scorer receives them: flat strings rather than slices.
const ids = JSON.parse(
  JSON.stringify(
    Array.from({ length: ID_COUNT }, (_, i) => {
      const hex = createHash('sha256').update(`id-${i}`).digest('hex');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
    }),
  ),
) as string[];
const encodedKeys = ids.map((id) => new TextEncoder().encode(`${experiment.salt}:${id}`));

/** Returns the median rate of `operation` over the ids, `passes` times per round, per CPU second. */
function measure(passes: number, operation: (index: number) => number): number {
  return medianRatePerCpuSecond({ items: ID_COUNT, passes, rounds: ROUNDS }, operation);
}

const assignRate = measure(20, (i) => assignVariant(experiment, ids[i]!).weight);
const hashRate = measure(20, (i) => murmurHash3x86(encodedKeys[i]!, encodedKeys[i]!.length, 0));
const md5Rate = measure(2, (i) => createHash('md5').update(`${experiment.salt}:${ids[i]}`).digest().readUInt32LE(0));

const millions = (rate: number) => `${(rate / 1e6).toFixed(2).padStart(6)} M/s`;

console.log(describeMachine());
console.log(`${ID_COUNT} UUID-shaped ids, median of ${ROUNDS} rounds, rates per CPU second\n`);
console.log(`assignVariant                ${millions(assignRate)}`);
console.log(`MurmurHash3 on encoded keys  ${millions(hashRate)}   assignVariant / this = ${(assignRate / hashRate).toFixed(2)}`);
console.log(`node:crypto MD5              ${millions(md5Rate)}   assignVariant / this = ${(assignRate / md5Rate).toFixed(1)}`);
console.log(
  `\ntarget >= ${TARGET_PER_SECOND / 1e6} M/s: ${assignRate >= TARGET_PER_SECOND ? 'met' : 'NOT met'}`,
);
