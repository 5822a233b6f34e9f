/**
 * Bucket layout: which variant owns each of the 10,000 buckets.
 *
 * One variant is the fallback: the control, or the first variant listed when no variant
 * is a control. Every other variant is a ranged variant. The k-th ranged variant, in list
 * order, grows from the fixed anchor ANCHORS[k] in the anchor's direction and owns the
 * contiguous range of `weight * 100` buckets next to the anchor. The fallback owns every
 * bucket outside those ranges, which is `weight * 100` buckets because weights sum to 100.
 *
 * Because a ranged variant's range depends only on its own weight and list position, a
 * weight change moves customers only between that variant and the fallback. A layout
 * computed from the weights alone cannot also keep the fallback unchanged. With three
 * variants, the results of "a +1, b -1" and "a +1, c -1" differ by "b +1, c -1", so `a`
 * would own the same buckets in both, yet it took them from `b` in one and from `c` in
 * the other. The price of fixed anchors is that overlapping ranges are rejected, so each
 * pair of neighbouring anchors has a weight budget.
 */

export const BUCKET_COUNT = 10_000;

/** Buckets per percentage point of weight. */
export const BUCKETS_PER_WEIGHT = BUCKET_COUNT / 100;

export interface Anchor {
  /** Bucket boundary the range grows from. */
  readonly at: number;
  readonly direction: 'up' | 'down';
}

/**
 * The two ends of the bucket space first, so that two ranged variants can take any
 * weights, then the midpoint and the quarter points, each hosting one range growing up
 * and one growing down. Nine anchors serve the at most ten variants of an experiment.
 */
export const ANCHORS: readonly Anchor[] = [
  { at: 0, direction: 'up' },
  { at: 10_000, direction: 'down' },
  { at: 5_000, direction: 'up' },
  { at: 5_000, direction: 'down' },
  { at: 2_500, direction: 'up' },
  { at: 2_500, direction: 'down' },
  { at: 7_500, direction: 'up' },
  { at: 7_500, direction: 'down' },
  { at: 1_250, direction: 'up' },
];

/** Buckets `start` (inclusive) to `end` (exclusive). */
export interface BucketRange {
  readonly start: number;
  readonly end: number;
}

export interface LayoutVariant {
  readonly name: string;
  readonly weight: number;
  readonly control: boolean;
}

export interface RangedVariant {
  readonly variantIndex: number;
  readonly anchor: Anchor;
  readonly range: BucketRange;
}

export interface BucketLayout {
  readonly fallbackIndex: number;
  /** Ranged variants in list order, including those of weight 0, whose range is empty. */
  readonly ranged: readonly RangedVariant[];
  /** Index into the experiment's variants for each bucket. */
  readonly variantIndexByBucket: Uint8Array;
}

/** A weight that the layout cannot place, for the variant at `variantIndex`. */
export interface LayoutProblem {
  readonly variantIndex: number;
  readonly message: string;
}

/** Returns the index of the fallback variant: the control, else the first variant. */
export function fallbackIndexOf(variants: readonly LayoutVariant[]): number {
  const controlIndex = variants.findIndex((variant) => variant.control);
  return controlIndex >= 0 ? controlIndex : 0;
}

/** Places every non-fallback variant at its anchor, without checking for overlaps. */
export function placeRangedVariants(variants: readonly LayoutVariant[]): RangedVariant[] {
  const fallbackIndex = fallbackIndexOf(variants);
  const ranged: RangedVariant[] = [];

  variants.forEach((variant, variantIndex) => {
    if (variantIndex === fallbackIndex) {
      return;
    }
    const anchor = ANCHORS[ranged.length];
    if (anchor === undefined) {
      throw new RangeError(`an experiment has at most ${ANCHORS.length + 1} variants`);
    }
    ranged.push({ variantIndex, anchor, range: rangeAt(anchor, variant.weight) });
  });

  return ranged;
}

/**
 * Finds ranged variants whose range leaves the bucket space or overlaps the range of a
 * variant listed before it. Each problem states the largest weight that would fit.
 */
export function findLayoutProblems(variants: readonly LayoutVariant[]): LayoutProblem[] {
  const ranged = placeRangedVariants(variants);
  const fallbackName = variants[fallbackIndexOf(variants)]!.name;
  const problems: LayoutProblem[] = [];

  ranged.forEach((current, position) => {
    if (isEmpty(current.range)) {
      return;
    }
    const others = ranged.filter((other, otherPosition) => otherPosition !== position && !isEmpty(other.range));
    const maxWeight = maxWeightAt(current.anchor, others.map((other) => other.range));
    const name = variants[current.variantIndex]!.name;
    const weight = variants[current.variantIndex]!.weight;

    if (current.range.start < 0 || current.range.end > BUCKET_COUNT) {
      problems.push({
        variantIndex: current.variantIndex,
        message:
          `variant "${name}" grows ${current.anchor.direction} from bucket ${current.anchor.at} and has room ` +
          `for a weight of at most ${maxWeight}, not ${weight}; lower its weight and add the difference to ` +
          `"${fallbackName}", or list it in another position`,
      });
      return;
    }

    const earlier = ranged.slice(0, position).find((other) => overlaps(current.range, other.range));
    if (earlier !== undefined) {
      const earlierName = variants[earlier.variantIndex]!.name;
      problems.push({
        variantIndex: current.variantIndex,
        message:
          `the buckets of variant "${name}" (${describeRange(current.range)}) overlap those of variant ` +
          `"${earlierName}" (${describeRange(earlier.range)}); "${name}" can have a weight of at most ${maxWeight}, ` +
          `or lower the weight of "${earlierName}"; add what you take off to "${fallbackName}", which owns every bucket ` +
          'that no other variant owns',
      });
    }
  });

  return problems;
}

/** Builds the bucket table. The caller has checked the variants with findLayoutProblems. */
export function buildBucketLayout(variants: readonly LayoutVariant[]): BucketLayout {
  const fallbackIndex = fallbackIndexOf(variants);
  const ranged = placeRangedVariants(variants);
  const variantIndexByBucket = new Uint8Array(BUCKET_COUNT).fill(fallbackIndex);

  for (const { variantIndex, range } of ranged) {
    variantIndexByBucket.fill(variantIndex, range.start, range.end);
  }

  return { fallbackIndex, ranged, variantIndexByBucket };
}

export function describeRange(range: BucketRange): string {
  return isEmpty(range) ? 'no buckets' : `buckets ${range.start}-${range.end - 1}`;
}

function rangeAt(anchor: Anchor, weight: number): BucketRange {
  const size = weight * BUCKETS_PER_WEIGHT;
  return anchor.direction === 'up' ? { start: anchor.at, end: anchor.at + size } : { start: anchor.at - size, end: anchor.at };
}

/** Largest weight whose range from `anchor` stays inside the space and clear of `taken`. */
function maxWeightAt(anchor: Anchor, taken: readonly BucketRange[]): number {
  let room = anchor.direction === 'up' ? BUCKET_COUNT - anchor.at : anchor.at;

  for (const range of taken) {
    if (anchor.direction === 'up' && range.end > anchor.at) {
      room = Math.min(room, Math.max(0, range.start - anchor.at));
    }
    if (anchor.direction === 'down' && range.start < anchor.at) {
      room = Math.min(room, Math.max(0, anchor.at - range.end));
    }
  }

  return Math.floor(room / BUCKETS_PER_WEIGHT);
}

function overlaps(a: BucketRange, b: BucketRange): boolean {
  return !isEmpty(a) && !isEmpty(b) && a.start < b.end && b.start < a.end;
}

function isEmpty(range: BucketRange): boolean {
  return range.end <= range.start;
}
