import { describe, expect, it } from 'vitest';

import { ANCHORS, BUCKET_COUNT, buildBucketLayout, findLayoutProblems } from './layout.ts';
import type { LayoutVariant } from './layout.ts';

type Weights = Record<string, number>;

/** Variants in the given order; a name starting with "control" is the control. */
function variantsOf(weights: Weights): LayoutVariant[] {
  return Object.entries(weights).map(([name, weight]) => ({ name, weight, control: name.startsWith('control') }));
}

/** Variant name for each bucket. */
function ownersOf(weights: Weights): string[] {
  const variants = variantsOf(weights);
  expect(findLayoutProblems(variants)).toEqual([]);
  const layout = buildBucketLayout(variants);
  return [...layout.variantIndexByBucket].map((index) => variants[index]!.name);
}

/** Counts buckets by "before -> after" owner. */
function movesBetween(before: Weights, after: Weights): Map<string, number> {
  const ownersBefore = ownersOf(before);
  const ownersAfter = ownersOf(after);
  const moves = new Map<string, number>();
  ownersBefore.forEach((owner, bucket) => {
    const key = `${owner} -> ${ownersAfter[bucket]}`;
    moves.set(key, (moves.get(key) ?? 0) + 1);
  });
  return moves;
}

function countsOf(owners: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const owner of owners) {
    counts[owner] = (counts[owner] ?? 0) + 1;
  }
  return counts;
}

describe('buildBucketLayout', () => {
  it('gives each variant weight * 100 buckets', () => {
    const owners = ownersOf({ control: 40, a: 10, b: 20, c: 30 });

    expect(owners).toHaveLength(BUCKET_COUNT);
    expect(countsOf(owners)).toEqual({ control: 4000, a: 1000, b: 2000, c: 3000 });
  });

  it('places ranged variants at their anchors', () => {
    const layout = buildBucketLayout(variantsOf({ a: 10, control: 40, b: 20, c: 30, d: 0 }));

    expect(layout.fallbackIndex).toBe(1);
    expect(layout.ranged.map((ranged) => ranged.range)).toEqual([
      { start: 0, end: 1000 },
      { start: 8000, end: 10000 },
      { start: 5000, end: 8000 },
      { start: 5000, end: 5000 },
    ]);
  });

  it('uses the first variant as fallback without control', () => {
    const owners = ownersOf({ a: 70, b: 30 });

    expect(owners.slice(0, 3000).every((owner) => owner === 'b')).toBe(true);
    expect(owners.slice(3000).every((owner) => owner === 'a')).toBe(true);
  });

  it('gives a single variant every bucket', () => {
    expect(countsOf(ownersOf({ only: 100 }))).toEqual({ only: 10000 });
  });

  it('has one anchor per possible ranged variant', () => {
    expect(ANCHORS).toHaveLength(9);
  });
});

describe('ramping', () => {
  it('raising a weight takes buckets from the fallback only', () => {
    const moves = movesBetween({ control: 80, a: 10, b: 10 }, { control: 50, a: 30, b: 20 });

    expect(Object.fromEntries(moves)).toEqual({
      'control -> control': 5000,
      'control -> a': 2000,
      'control -> b': 1000,
      'a -> a': 1000,
      'b -> b': 1000,
    });
  });

  it('lowering a weight releases buckets to the fallback only', () => {
    const moves = movesBetween({ control: 40, a: 30, b: 30 }, { control: 60, a: 10, b: 30 });

    expect(Object.fromEntries(moves)).toEqual({
      'control -> control': 4000,
      'a -> control': 2000,
      'a -> a': 1000,
      'b -> b': 3000,
    });
  });

  it('adding a variant takes buckets from the fallback only', () => {
    const moves = movesBetween({ control: 50, a: 25, b: 25 }, { control: 30, a: 25, b: 25, c: 20 });

    expect(Object.fromEntries(moves)).toEqual({
      'control -> control': 3000,
      'control -> c': 2000,
      'a -> a': 2500,
      'b -> b': 2500,
    });
  });

  it('setting a weight to 0 keeps the other ranges', () => {
    const moves = movesBetween({ control: 25, a: 25, b: 25, c: 25 }, { control: 50, a: 25, b: 0, c: 25 });

    expect(Object.fromEntries(moves)).toEqual({
      'control -> control': 2500,
      'a -> a': 2500,
      'b -> control': 2500,
      'c -> c': 2500,
    });
  });

  it('trading weight between two ranged variants passes through the fallback', () => {
    const moves = movesBetween({ control: 50, a: 30, b: 20 }, { control: 50, a: 20, b: 30 });

    expect(Object.fromEntries(moves)).toEqual({
      'control -> control': 4000,
      'control -> b': 1000,
      'a -> control': 1000,
      'a -> a': 2000,
      'b -> b': 2000,
    });
  });

  it('every ramp of two ranged variants keeps their customers', () => {
    // All weight pairs in steps of 5: a variant never loses buckets unless its weight drops.
    const steps = [0, 5, 10, 25, 40, 50, 60, 75, 90, 95, 100];
    for (const a of steps) {
      for (const b of steps.filter((weight) => a + weight <= 100)) {
        const before = ownersOf({ control: 100 - a - b, a, b });
        const raised = Math.min(100 - b, a + 5);
        const after = ownersOf({ control: 100 - raised - b, a: raised, b });
        const kept = before.every((owner, bucket) => owner !== 'a' || after[bucket] === 'a');
        const bKept = before.every((owner, bucket) => owner !== 'b' || after[bucket] === 'b');

        expect(kept, `a ${a} -> ${raised}, b ${b}`).toBe(true);
        expect(bKept, `b ${b} with a ramped from ${a}`).toBe(true);
      }
    }
  });
});

describe('findLayoutProblems', () => {
  it('accepts equal splits of up to five variants', () => {
    expect(findLayoutProblems(variantsOf({ control: 50, a: 50 }))).toEqual([]);
    expect(findLayoutProblems(variantsOf({ control: 34, a: 33, b: 33 }))).toEqual([]);
    expect(findLayoutProblems(variantsOf({ control: 25, a: 25, b: 25, c: 25 }))).toEqual([]);
    expect(findLayoutProblems(variantsOf({ control: 20, a: 20, b: 20, c: 20, d: 20 }))).toEqual([]);
  });

  it('accepts any weights for two ranged variants', () => {
    expect(findLayoutProblems(variantsOf({ control: 0, a: 99, b: 1 }))).toEqual([]);
    expect(findLayoutProblems(variantsOf({ control: 0, a: 1, b: 99 }))).toEqual([]);
  });

  it('accepts nine small ranged variants', () => {
    const weights: Weights = { control: 46 };
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']) {
      weights[name] = 6;
    }

    expect(findLayoutProblems(variantsOf(weights))).toEqual([]);
  });

  it('reports overlapping ranges with the largest weight that fits', () => {
    const problems = findLayoutProblems(variantsOf({ control: 10, a: 30, b: 30, c: 30 }));

    expect(problems).toEqual([
      {
        variantIndex: 3,
        message:
          'the buckets of variant "c" (buckets 5000-7999) overlap those of variant "b" (buckets 7000-9999); ' +
          '"c" can have a weight of at most 20, or lower the weight of "b"; add what you take off to "control", ' +
          'which owns every bucket that no other variant owns',
      },
    ]);
  });

  it('reports ranges leaving the bucket space', () => {
    const problems = findLayoutProblems(variantsOf({ control: 0, a: 0, b: 0, c: 100 }));

    expect(problems).toEqual([
      {
        variantIndex: 3,
        message:
          'variant "c" grows up from bucket 5000 and has room for a weight of at most 50, not 100; ' +
          'lower its weight and add the difference to "control", or list it in another position',
      },
    ]);
  });
});
