/**
 * One wording for the problems of the scorer configuration file and its `experiment`
 * section. Each problem names its field path, states what is wrong and, where the fix is
 * not plain, what to do. Schemas word their own rules (such as `must be a DNS label`), and
 * `configErrorMap` words zod's built-in checks in the same style.
 */
import type { z } from 'zod';
import { didYouMean } from './closest-name.ts';
import type { FieldProblem } from './errors.ts';
import { formatPath } from './field-path.ts';

/** Error map for `safeParse(raw, { error: configErrorMap })`; a message set by the schema takes precedence. */
export const configErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'is required' : typeMessage(issue.expected, issue.input);
    case 'too_small':
      return boundMessage(issue.origin, 'at least', 'greater than', issue.minimum, issue.inclusive);
    case 'too_big':
      return boundMessage(issue.origin, 'at most', 'less than', issue.maximum, issue.inclusive);
    case 'invalid_value': {
      const values = issue.values.map((value) => JSON.stringify(value)).join(', ');
      return issue.input === undefined ? `is required; use one of ${values}` : `must be one of ${values}, not ${JSON.stringify(issue.input)}`;
    }
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    default:
      return undefined;
  }
};

export interface ProblemOptions {
  /** Path of the parsed value in the file, such as `['experiment']`. */
  prefix?: readonly PropertyKey[];
  /** Words an unknown key of the object at `path` itself; undefined keeps the default wording. */
  unknownKeyMessage?: (path: readonly PropertyKey[], key: string) => string | undefined;
}

/**
 * Turns zod issues into one problem per field. An unknown key becomes its own problem,
 * with the nearest known key of its object as a suggestion.
 */
export function configProblems(schema: z.core.$ZodType, issues: readonly z.core.$ZodIssue[], options: ProblemOptions = {}): FieldProblem[] {
  const prefix = options.prefix ?? [];
  return issues.flatMap((issue) => {
    if (issue.code !== 'unrecognized_keys') {
      return [{ field: formatPath([...prefix, ...issue.path]), message: issue.message }];
    }
    const known = objectKeysAt(schema, issue.path);
    return issue.keys.map((key) => ({
      field: formatPath([...prefix, ...issue.path, key]),
      message:
        options.unknownKeyMessage?.(issue.path, key) ?? `unknown field; remove it or correct its spelling${didYouMean(key, known)}`,
    }));
  });
}

/**
 * Formats problems as a list to follow a colon, one per line, such as
 * `\n  - server.port: must be at most 65535\n  - model.uri: is required`. Many messages
 * contain a semicolon before their fix, so problems joined on one line would run together.
 */
export function formatProblemList(problems: readonly FieldProblem[]): string {
  return problems.map((problem) => `\n  - ${problem.field}: ${problem.message}`).join('');
}

function typeMessage(expected: string, input: unknown): string {
  if (expected === 'int') {
    return `must be a whole number, not ${String(input)}`;
  }
  const got = describeValue(input);
  if (expected === 'number' && typeof input === 'string' && input.trim() !== '' && Number.isFinite(Number(input))) {
    return `must be a number, not ${got}; write it without quotes`;
  }
  if (expected === 'boolean' && (input === 'true' || input === 'false')) {
    return `must be a boolean, not ${got}; write it without quotes`;
  }
  return `must be ${expected === 'object' ? 'a mapping' : `a ${expected}`}, not ${got}`;
}

function boundMessage(origin: string, inclusiveWord: string, exclusiveWord: string, bound: number | bigint, inclusive: boolean | undefined): string {
  const limit = String(bound);
  switch (origin) {
    case 'string':
      return inclusiveWord === 'at least' && limit === '1' ? 'must not be empty' : `must be ${inclusiveWord} ${limit} characters long`;
    case 'array':
    case 'set':
      return `must have ${inclusiveWord} ${limit} items`;
    default:
      return `must be ${inclusive === false ? exclusiveWord : inclusiveWord} ${limit}`;
  }
}

function describeValue(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'a list';
  }
  if (typeof value === 'object') {
    return 'a mapping';
  }
  if (typeof value === 'string') {
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  }
  return `the ${typeof value} ${String(value)}`;
}

/** Keys of the object schema at `path`, looking through defaults, optionals and arrays. */
function objectKeysAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  let node: z.core.$ZodType | undefined = unwrap(schema);
  for (const segment of path) {
    const def = node._zod.def as { type: string; shape?: Record<PropertyKey, z.core.$ZodType>; element?: z.core.$ZodType };
    if (def.type === 'object') {
      node = def.shape?.[segment];
    } else if (def.type === 'array') {
      node = def.element;
    } else {
      node = undefined;
    }
    if (node === undefined) {
      return [];
    }
    node = unwrap(node);
  }
  const def = node._zod.def as { type: string; shape?: Record<string, unknown> };
  return def.type === 'object' && def.shape !== undefined ? Object.keys(def.shape) : [];
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let node = schema;
  for (;;) {
    const def = node._zod.def as { type: string; innerType?: z.core.$ZodType; in?: z.core.$ZodType };
    const inner = def.type === 'pipe' ? def.in : def.innerType;
    if (inner === undefined) {
      return node;
    }
    node = inner;
  }
}
