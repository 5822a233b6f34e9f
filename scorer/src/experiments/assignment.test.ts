import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

import { describe, expect, it } from 'vitest';

import { assignVariant, BucketHasher } from './assignment.ts';
import { parseExperimentConfig } from './config.ts';
import type { ExperimentConfig } from './config.ts';
import { murmurHash3x86 } from './murmurhash3.ts';

// jstat ships no type declarations, so it is loaded through require with the one
// function the tests use.
const require = createRequire(import.meta.url);
const { jStat } = require('jstat') as { jStat: { chisquare: { cdf(x: number, degreesOfFreedom: number): number } } };

const CUSTOMER_COUNT = 100_000;

function experimentOf(weights: Record<string, number>, salt = '2026-q1'): ExperimentConfig {
  const variants = Object.entries(weights).map(([name, weight]) =>
    name === 'control' ? { name, weight, control: true } : { name, weight },
  );
  return parseExperimentConfig({ name: 'retention-q1', salt, variants }, { riskBands: { medium: 0.3, high: 0.6 } });
}

/** Sequential ids, as many CRMs issue them. */
function sequentialIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `customer-${i}`);
}

/** UUID-shaped ids from SHA-256 of a counter: random-looking, yet the same on every run. */
function uuidLikeIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const hex = createHash('sha256').update(`id-${i}`).digest('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  });
}

function countVariants(experiment: ExperimentConfig, ids: readonly string[]): Map<string, number> {
  const counts = new Map(experiment.variants.map((variant) => [variant.name, 0]));
  for (const id of ids) {
    const name = assignVariant(experiment, id).name;
    counts.set(name, counts.get(name)! + 1);
  }
  return counts;
}

/** Pearson's chi-square statistic of the counts against the weights, and its p-value. */
function chiSquareTest(experiment: ExperimentConfig, counts: Map<string, number>, total: number) {
  let statistic = 0;
  for (const variant of experiment.variants) {
    const expected = (total * variant.weight) / 100;
    statistic += (counts.get(variant.name)! - expected) ** 2 / expected;
  }
  const degreesOfFreedom = experiment.variants.length - 1;
  return { statistic, pValue: 1 - jStat.chisquare.cdf(statistic, degreesOfFreedom) };
}

describe('BucketHasher', () => {
  // Expected buckets from the Python package mmh3 5.3.1 (a wrapper of the reference
  // MurmurHash3.cpp): mmh3.hash(f"{salt}:{id}".encode(), 0, signed=False) * 10000 // 2**32.
  it.each([
    ['2026-q1', 'customer-42', 5509],
    ['2026-q1', 'customer-43', 3696],
    ['2026-q1', 'müller-7', 2816],
    ['2026-q2', 'customer-42', 1302],
  ])('maps salt %j and id %j to bucket %d', (salt, customerId, bucket) => {
    expect(new BucketHasher(salt).bucketOf(customerId)).toBe(bucket);
  });

  it('handles ids longer than the scratch buffer', () => {
    const longId = 'ü'.repeat(5000);
    const hasher = new BucketHasher('2026-q1');
    const bytes = new TextEncoder().encode(`2026-q1:${longId}`);
    const expected = Math.floor((murmurHash3x86(bytes, bytes.length, 0) * 10_000) / 2 ** 32);

    expect(hasher.bucketOf(longId)).toBe(expected);
    expect(hasher.bucketOf('customer-42')).toBe(5509);
  });
});

describe('assignVariant', () => {
  it('returns the same variant on every call', () => {
    const experiment = experimentOf({ control: 50, discount: 50 });
    const first = sequentialIds(1000).map((id) => assignVariant(experiment, id).name);
    const again = sequentialIds(1000).map((id) => assignVariant(experiment, id).name);

    expect(again).toEqual(first);
  });

  it('returns the same variant for an equal experiment', () => {
    const replicaA = experimentOf({ control: 40, a: 30, b: 30 });
    const replicaB = experimentOf({ control: 40, a: 30, b: 30 });

    for (const id of uuidLikeIds(1000)) {
      expect(assignVariant(replicaB, id).name).toBe(assignVariant(replicaA, id).name);
    }
  });

  it.each([
    ['sequential ids', sequentialIds],
    ['uuid-like ids', uuidLikeIds],
  ])('splits %s by weight', (idKind, makeIds) => {
    const experiment = experimentOf({ control: 50, a: 30, b: 15, c: 5 });
    const counts = countVariants(experiment, makeIds(CUSTOMER_COUNT));

    const { statistic, pValue } = chiSquareTest(experiment, counts, CUSTOMER_COUNT);
    console.info(`${idKind}: chi-square ${statistic.toFixed(3)}, p = ${pValue.toFixed(4)}`, Object.fromEntries(counts));

    expect(pValue).toBeGreaterThan(0.001);
    for (const variant of experiment.variants) {
      const share = (100 * counts.get(variant.name)!) / CUSTOMER_COUNT;
      expect(Math.abs(share - variant.weight), `share of ${variant.name}`).toBeLessThan(1);
    }
  });
});

describe('ramping with 100,000 customers', () => {
  const ids = uuidLikeIds(CUSTOMER_COUNT);

  function movesBetween(before: ExperimentConfig, after: ExperimentConfig): Record<string, number> {
    const moves: Record<string, number> = {};
    for (const id of ids) {
      const key = `${assignVariant(before, id).name} -> ${assignVariant(after, id).name}`;
      moves[key] = (moves[key] ?? 0) + 1;
    }
    return moves;
  }

  it('keeps customers of raised variants', () => {
    const moves = movesBetween(experimentOf({ control: 80, a: 10, b: 10 }), experimentOf({ control: 50, a: 30, b: 20 }));

    expect(Object.keys(moves).sort()).toEqual(['a -> a', 'b -> b', 'control -> a', 'control -> b', 'control -> control']);
    expect(moves['control -> a']! / CUSTOMER_COUNT).toBeCloseTo(0.2, 1);
    expect(moves['control -> b']! / CUSTOMER_COUNT).toBeCloseTo(0.1, 1);
  });

  it('moves only the removed range when lowering', () => {
    const moves = movesBetween(experimentOf({ control: 40, a: 30, b: 30 }), experimentOf({ control: 60, a: 10, b: 30 }));

    expect(Object.keys(moves).sort()).toEqual(['a -> a', 'a -> control', 'b -> b', 'control -> control']);
    expect(moves['a -> control']! / CUSTOMER_COUNT).toBeCloseTo(0.2, 1);
  });

  it('fills an added variant from the control', () => {
    const moves = movesBetween(
      experimentOf({ control: 50, a: 25, b: 25 }),
      experimentOf({ control: 30, a: 25, b: 25, c: 20 }),
    );

    expect(Object.keys(moves).sort()).toEqual(['a -> a', 'b -> b', 'control -> c', 'control -> control']);
  });

  it('reshuffles customers under a new salt', () => {
    const before = experimentOf({ control: 50, a: 30, b: 20 }, '2026-q1');
    const after = experimentOf({ control: 50, a: 30, b: 20 }, '2026-q2');
    const bucketsChanged = ids.filter((id) => before.bucketHasher.bucketOf(id) !== after.bucketHasher.bucketOf(id));
    const variantsChanged = ids.filter((id) => assignVariant(before, id).name !== assignVariant(after, id).name);

    // Independent assignments keep a variant with probability 0.5² + 0.3² + 0.2² = 0.38.
    expect(bucketsChanged.length / CUSTOMER_COUNT).toBeGreaterThan(0.99);
    expect(variantsChanged.length / CUSTOMER_COUNT).toBeCloseTo(0.62, 1);
  });
});
