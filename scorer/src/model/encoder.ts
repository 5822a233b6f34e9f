/**
 * Validation and encoding of input rows into the model's Float32 input matrix, in one
 * pass over the rows. Used by the server for every request and by training for every row.
 */
import { closestName } from '../closest-name.ts';
import { InvalidRequestError, type FieldProblem } from '../errors.ts';
import { describeJsonType } from '../json-type.ts';
import type { FeatureRow } from '../prediction.ts';
import { encodedWidth, type CategoricalFeature, type FeatureSpec, type NumericFeature } from './features.ts';

export type UnknownCategoryPolicy = 'ignore' | 'reject';

/** Scaled inputs are clipped to this magnitude so that a huge but finite number cannot
 * overflow float32 and turn the prediction into NaN. */
const MAX_SCALED_MAGNITUDE = 1e4;

/**
 * Largest vocabulary looked up with a generated switch of string comparisons instead of a
 * Map. Strings parsed from a request are new objects whose hash V8 computes on the first
 * Map lookup, while a comparison with a literal mostly stops at the length.
 */
const MAX_SWITCH_VOCABULARY = 16;

/** Problems listed in one response, so a huge invalid batch cannot make a huge error body. */
const MAX_PROBLEMS = 100;

interface CompiledNumeric {
  kind: 'numeric';
  feature: NumericFeature;
  offset: number;
}

interface CompiledCategorical {
  kind: 'categorical';
  feature: CategoricalFeature;
  offset: number;
  index: Map<string, number>;
}

type CompiledFeature = CompiledNumeric | CompiledCategorical;

export interface EncodeOptions {
  unknownCategory: UnknownCategoryPolicy;
  /** Prefix of field paths in problems, such as `instances`. */
  fieldPrefix: string;
}

/** Encodes one valid row at `base`; returns false, possibly after partial writes, when the row has a problem. */
type FastRowEncoder = (row: FeatureRow, matrix: Float32Array, base: number) => boolean;

export class RowEncoder {
  readonly inputSize: number;
  private readonly compiled: CompiledFeature[];
  private readonly fastIgnore: FastRowEncoder;
  private readonly fastReject: FastRowEncoder;

  constructor(spec: FeatureSpec) {
    this.compiled = [];
    let offset = 0;
    for (const feature of spec.features) {
      if (feature.type === 'numeric') {
        this.compiled.push({ kind: 'numeric', feature, offset });
      } else {
        const index = new Map(feature.vocabulary.map((category, position) => [category, position]));
        this.compiled.push({ kind: 'categorical', feature, offset, index });
      }
      offset += encodedWidth(feature);
    }
    this.inputSize = offset;
    this.fastIgnore = compileFastEncoder(this.compiled, 'ignore');
    this.fastReject = compileFastEncoder(this.compiled, 'reject');
  }

  /**
   * Validates every row and encodes them into a row-major matrix of rows.length x inputSize.
   * The matrix is a new array, or the start of `scratch` when given, which must have room
   * for every row. Throws InvalidRequestError listing every problem found (up to MAX_PROBLEMS).
   */
  encode(rows: readonly unknown[], options: EncodeOptions, scratch?: Float32Array): Float32Array {
    const size = rows.length * this.inputSize;
    const matrix = scratch === undefined ? new Float32Array(size) : scratch.subarray(0, size).fill(0);
    const problems: FieldProblem[] = [];

    const fast = options.unknownCategory === 'reject' ? this.fastReject : this.fastIgnore;

    for (let rowIndex = 0; rowIndex < rows.length && problems.length < MAX_PROBLEMS; rowIndex++) {
      const row = rows[rowIndex];
      const base = rowIndex * this.inputSize;
      if (isPlainRow(row) && fast(row, matrix, base)) {
        continue;
      }

      // Slow path: find every problem of the row, which the fast encoder only detects.
      matrix.fill(0, base, base + this.inputSize);
      const rowPath = `${options.fieldPrefix}[${rowIndex}]`;
      if (!isPlainRow(row)) {
        problems.push({ field: rowPath, message: 'must be an object of feature names to values' });
        continue;
      }
      this.encodeRow(row, matrix, base, rowPath, options, problems);
    }

    if (problems.length > 0) {
      const note = problems.length >= MAX_PROBLEMS ? ` (first ${MAX_PROBLEMS} shown)` : '';
      throw InvalidRequestError.forProblems(problems, note);
    }
    return matrix;
  }

  private encodeRow(
    row: FeatureRow,
    matrix: Float32Array,
    base: number,
    rowPath: string,
    options: EncodeOptions,
    problems: FieldProblem[],
  ): void {
    const missing: string[] = [];
    for (const compiled of this.compiled) {
      const name = compiled.feature.name;
      if (!Object.hasOwn(row, name)) {
        // Null is a valid value of every feature: the median fill or the unknown bucket.
        problems.push({ field: `${rowPath}.${name}`, message: 'is missing; send null if the value is unknown' });
        missing.push(name);
        continue;
      }

      const value = row[name];
      const problem =
        compiled.kind === 'numeric'
          ? encodeNumeric(compiled, value, matrix, base)
          : encodeCategorical(compiled, value, matrix, base, options.unknownCategory);
      if (problem !== undefined) {
        problems.push({ field: `${rowPath}.${name}`, message: problem });
      }
    }
    if (missing.length > 0) {
      const isFeature = (key: string) => this.compiled.some((entry) => entry.feature.name === key);
      problems.push(...misspelledKeyProblems(row, missing, rowPath, isFeature));
    }
  }
}

/**
 * Reports the keys of a row that are not features but are close to a missing feature's
 * name, such as `Contrct` for `Contract`. Other extra keys stay ignored. Runs only for a
 * row that already has a missing feature, so valid rows never pay for it.
 */
function misspelledKeyProblems(
  row: FeatureRow,
  missing: readonly string[],
  rowPath: string,
  isFeature: (key: string) => boolean,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const key of Object.keys(row)) {
    const suggestion = isFeature(key) ? undefined : closestName(key, missing);
    if (suggestion !== undefined) {
      problems.push({ field: `${rowPath}.${key}`, message: `is not a feature of the model; did you mean ${JSON.stringify(suggestion)}?` });
    }
  }
  return problems;
}

/**
 * Generates a row encoder with one property read per feature by literal name, which V8
 * compiles to monomorphic loads. A generic loop over the names was about 3 times slower
 * on 10,000-row batches. Names enter the code only as JSON string literals. Values read
 * through the prototype chain (such as `constructor`) fail the type checks, so such rows
 * take the slow path, which reports them as missing.
 */
function compileFastEncoder(compiled: readonly CompiledFeature[], policy: UnknownCategoryPolicy): FastRowEncoder {
  const lines: string[] = ['let v, x, k;'];
  compiled.forEach((entry, i) => {
    const name = JSON.stringify(entry.feature.name);
    if (entry.kind === 'numeric') {
      const feature = entry.feature;
      lines.push(
        `v = row[${name}];`,
        `if (typeof v === 'number') { if (v - v !== 0) return false; x = v; k = 0; }`,
        `else if (v === null) { x = F[${i}].fill; k = 1; } else return false;`,
        `m[base + ${entry.offset}] = clip((x - F[${i}].mean) / F[${i}].std);`,
      );
      let position = entry.offset + 1;
      if (feature.missingIndicator) {
        lines.push(`m[base + ${position}] = k;`);
        position++;
      }
      if (feature.log1p !== null) {
        lines.push(`m[base + ${position}] = clip((Math.log1p(x > 0 ? x : 0) - F[${i}].log1p.mean) / F[${i}].log1p.std);`);
        position++;
      }
      if (feature.binEdges.length > 0) {
        lines.push(`m[base + ${position} + binIndex(F[${i}].binEdges, x)] = 1;`);
      }
    } else {
      const unknownBucket = entry.feature.vocabulary.length;
      const onUnknown = policy === 'reject' ? 'return false;' : `k = ${unknownBucket};`;
      // The cases come from the index Map, so a repeated category maps where the slow path maps it.
      const cases = [...entry.index].map(([category, k]) => `case ${JSON.stringify(category)}: k = ${k}; break;`);
      const lookup =
        entry.index.size <= MAX_SWITCH_VOCABULARY
          ? `switch (v) { ${cases.join(' ')} default: ${onUnknown} }`
          : `k = I[${i}].get(v); if (k === undefined) { ${onUnknown} }`;
      lines.push(
        `v = row[${name}];`,
        `if (typeof v === 'string') { ${lookup} }`,
        `else if (v === null) { k = ${unknownBucket}; } else return false;`,
        `m[base + ${entry.offset} + k] = 1;`,
      );
    }
  });
  lines.push('return true;');

  const features = compiled.map((entry) => entry.feature);
  const indexes = compiled.map((entry) => (entry.kind === 'categorical' ? entry.index : undefined));
  const factory = new Function('F', 'I', 'binIndex', 'clip', `return function encodeRow(row, m, base) {\n${lines.join('\n')}\n};`) as (
    ...args: unknown[]
  ) => FastRowEncoder;
  return factory(features, indexes, binIndex, clip);
}

function isPlainRow(value: unknown): value is FeatureRow {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Writes the inputs of one numeric value; returns a problem message when the value is invalid. */
function encodeNumeric(compiled: CompiledNumeric, value: unknown, matrix: Float32Array, base: number): string | undefined {
  const { feature } = compiled;
  let position = base + compiled.offset;

  let missing = false;
  let number: number;
  if (value === null) {
    missing = true;
    number = feature.fill;
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      return 'must be a finite number';
    }
    number = value;
  } else {
    return `must be a number or null, got ${describeJsonType(value)}`;
  }

  matrix[position++] = clip((number - feature.mean) / feature.std);
  if (feature.missingIndicator) {
    matrix[position++] = missing ? 1 : 0;
  }
  if (feature.log1p !== null) {
    matrix[position++] = clip((Math.log1p(Math.max(number, 0)) - feature.log1p.mean) / feature.log1p.std);
  }
  if (feature.binEdges.length > 0) {
    matrix[position + binIndex(feature.binEdges, number)] = 1;
  }
  return undefined;
}

function encodeCategorical(
  compiled: CompiledCategorical,
  value: unknown,
  matrix: Float32Array,
  base: number,
  policy: UnknownCategoryPolicy,
): string | undefined {
  const unknownBucket = compiled.feature.vocabulary.length;
  let position: number;

  if (value === null) {
    position = unknownBucket;
  } else if (typeof value === 'string') {
    const known = compiled.index.get(value);
    if (known === undefined && policy === 'reject') {
      return `has unknown category ${JSON.stringify(truncate(value))}; expected one of ${JSON.stringify(compiled.feature.vocabulary)}`;
    }
    position = known ?? unknownBucket;
  } else {
    return `must be a string or null, got ${describeJsonType(value)}`;
  }

  matrix[base + compiled.offset + position] = 1;
  return undefined;
}

/** Number of edges <= value, by binary search over the ascending edges. */
export function binIndex(edges: readonly number[], value: number): number {
  let low = 0;
  let high = edges.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((edges[middle] as number) <= value) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}

function clip(value: number): number {
  return Math.max(-MAX_SCALED_MAGNITUDE, Math.min(MAX_SCALED_MAGNITUDE, value));
}

function truncate(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}...` : text;
}
