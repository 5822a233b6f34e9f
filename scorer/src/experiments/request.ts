/** Validation of the JSON bodies of the experiment routes. */

import { InvalidRequestError } from '../errors.ts';
import { requireObjectBody } from '../http/json-body.ts';
import { describeJsonType } from '../json-type.ts';
import type { FieldProblem } from '../errors.ts';
import type { FeatureRow } from '../prediction.ts';

/** Maximum customer id length, in UTF-16 code units (JavaScript string length). */
export const MAX_CUSTOMER_ID_LENGTH = 256;

/** Maximum conversion event name length. */
export const MAX_EVENT_LENGTH = 64;

export interface NudgeRequest {
  customerId: string;
  features: FeatureRow;
}

export interface ConversionRequest {
  customerId: string;
  event: string;
}

const CONTROL_CHARACTER = /\p{Cc}/u;
/** One half of a surrogate pair. Without the u flag, the class matches single UTF-16 code units. */
const SURROGATE = /[\uD800-\uDFFF]/;
const EVENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

/** The fix for a customer id that is missing or blank. */
const SEND_CUSTOMER_ID = 'send the customer\'s id, such as "7590-VHVEG"';

/** Check of one field of a body: its problem, or undefined when the value is valid. */
type FieldCheck = (value: unknown) => FieldProblem | undefined;

/** Fields that a body accepts, each with its check, in the order their problems are listed. */
interface BodyShape {
  fields: readonly string[];
  /** Description of a valid body, such as "a JSON object with customerId and event", for the error of a non-object body. */
  expected: string;
  checks: readonly (readonly [field: string, check: FieldCheck])[];
}

const NUDGE_BODY = bodyShape({ customerId: customerIdProblemOf, features: featuresProblemOf });
const CONVERSION_BODY = bodyShape({ customerId: customerIdProblemOf, event: eventProblemOf });

/**
 * Returns the customer id and features of a valid nudge body. For an invalid body, throws
 * InvalidRequestError with the problems of its fields. When `features` is an object, the
 * problems from `featureProblemsOf(features)` follow, so one response lists them all.
 */
export function parseNudgeRequest(body: unknown, featureProblemsOf: (features: FeatureRow) => FieldProblem[]): NudgeRequest {
  let fields: Record<string, unknown>;
  try {
    fields = validateBody(body, NUDGE_BODY);
  } catch (error) {
    throw withFeatureProblems(error, body, featureProblemsOf);
  }
  return { customerId: fields.customerId as string, features: fields.features as FeatureRow };
}

export function parseConversionRequest(body: unknown): ConversionRequest {
  const fields = validateBody(body, CONVERSION_BODY);
  return { customerId: fields.customerId as string, event: fields.event as string };
}

function bodyShape(checks: Record<string, FieldCheck>): BodyShape {
  const fields = Object.keys(checks);
  return { fields, expected: `a JSON object with ${fields.join(' and ')}`, checks: Object.entries(checks) };
}

/**
 * Returns the fields of `body` when every field passes its check and no other field is
 * present, and throws InvalidRequestError naming each problem otherwise. A valid body
 * allocates no problem list, because every nudge pays for this check.
 */
function validateBody(body: unknown, shape: BodyShape): Record<string, unknown> {
  const fields = requireObjectBody(body, shape.expected);
  for (const [field, check] of shape.checks) {
    if (check(fields[field]) !== undefined) {
      throw invalidRequest(fields, shape);
    }
  }
  if (!hasOnlyFields(fields, shape.fields)) {
    throw invalidRequest(fields, shape);
  }
  return fields;
}

/** Returns the problem of a customer id that the scorer does not accept, or undefined for a valid one. */
export function customerIdProblemOf(customerId: unknown): FieldProblem | undefined {
  const problem = (message: string) => ({ field: 'customerId', message });

  if (customerId === undefined) {
    return problem(`is required; ${SEND_CUSTOMER_ID}`);
  }
  if (typeof customerId !== 'string') {
    return problem(`must be a string, not ${describeJsonType(customerId)}; send the id in quotes, such as "7590-VHVEG"`);
  }
  if (customerId.trim() === '') {
    return problem(`${customerId === '' ? 'must not be empty' : 'must not be only white space'}; ${SEND_CUSTOMER_ID}`);
  }
  if (customerId.length > MAX_CUSTOMER_ID_LENGTH) {
    // The limit counts UTF-16 code units, in which an emoji takes two.
    const unitNote = SURROGATE.test(customerId) ? ', where emoji and other characters above U+FFFF count as 2' : '';
    return problem(`must be at most ${MAX_CUSTOMER_ID_LENGTH} characters, not ${customerId.length}${unitNote}`);
  }
  if (CONTROL_CHARACTER.test(customerId)) {
    return problem('must not contain control characters such as newlines or tabs; send the id without them');
  }
  return undefined;
}

function featuresProblemOf(features: unknown): FieldProblem | undefined {
  if (features === undefined) {
    return { field: 'features', message: 'is required; send the feature values as an object' };
  }
  if (!isPlainObject(features)) {
    return { field: 'features', message: 'must be an object of feature name to value' };
  }
  return undefined;
}

function eventProblemOf(event: unknown): FieldProblem | undefined {
  const problem = (message: string) => ({ field: 'event', message });

  if (event === undefined) {
    return problem('is required; send the name of the conversion event, such as "renewed"');
  }
  if (typeof event !== 'string' || event.length > MAX_EVENT_LENGTH || !EVENT_NAME.test(event)) {
    return problem(
      `must be a string of 1 to ${MAX_EVENT_LENGTH} letters, digits, ".", "_", ":" or "-", ` +
        'starting with a letter or digit',
    );
  }
  return undefined;
}

function hasOnlyFields(fields: Record<string, unknown>, known: readonly string[]): boolean {
  for (const key in fields) {
    if (!known.includes(key)) {
      return false;
    }
  }
  return true;
}

/** Builds the error of an invalid request: unknown fields first, then the problems of known ones. */
function invalidRequest(fields: Record<string, unknown>, shape: BodyShape): InvalidRequestError {
  const known = shape.fields;
  const problems: FieldProblem[] = Object.keys(fields)
    .filter((key) => !known.includes(key))
    .map((key) => ({ field: key, message: `unknown field; the request accepts ${known.join(' and ')}` }));
  for (const [field, check] of shape.checks) {
    const problem = check(fields[field]);
    if (problem !== undefined) {
      problems.push(problem);
    }
  }
  return InvalidRequestError.forProblems(problems);
}

function withFeatureProblems(error: unknown, body: unknown, featureProblemsOf: (features: FeatureRow) => FieldProblem[]): unknown {
  const features = isPlainObject(body) ? body.features : undefined;
  if (!(error instanceof InvalidRequestError) || !isPlainObject(features)) {
    return error;
  }

  const featureProblems = featureProblemsOf(features);
  return featureProblems.length === 0 ? error : InvalidRequestError.forProblems([...error.problems, ...featureProblems]);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
