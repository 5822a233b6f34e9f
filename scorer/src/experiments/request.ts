/** Validation of the JSON bodies of the experiment routes. */

import { InvalidRequestError } from '../errors.ts';
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
const EVENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

export function parseNudgeRequest(body: unknown): NudgeRequest {
  const fields = requireObject(body, 'nudge', ['customerId', 'features']);
  const problems = unknownFieldProblems(fields, ['customerId', 'features']);

  problems.push(...customerIdProblems(fields.customerId));

  const features = fields.features;
  if (features === undefined) {
    problems.push({ field: 'features', message: 'is required; send the feature values as an object' });
  } else if (!isPlainObject(features)) {
    problems.push({ field: 'features', message: 'must be an object of feature name to value' });
  }

  throwIfAny(problems, 'nudge');
  return { customerId: fields.customerId as string, features: features as FeatureRow };
}

export function parseConversionRequest(body: unknown): ConversionRequest {
  const fields = requireObject(body, 'conversion', ['customerId', 'event']);
  const problems = unknownFieldProblems(fields, ['customerId', 'event']);

  problems.push(...customerIdProblems(fields.customerId));
  problems.push(...eventProblems(fields.event));

  throwIfAny(problems, 'conversion');
  return { customerId: fields.customerId as string, event: fields.event as string };
}

function customerIdProblems(customerId: unknown): FieldProblem[] {
  const problem = (message: string) => [{ field: 'customerId', message }];

  if (customerId === undefined) {
    return problem('is required');
  }
  if (typeof customerId !== 'string') {
    return problem('must be a string');
  }
  if (customerId.trim() === '') {
    return problem(customerId === '' ? 'must not be empty' : 'must not be empty or only white space');
  }
  if (customerId.length > MAX_CUSTOMER_ID_LENGTH) {
    return problem(`must be at most ${MAX_CUSTOMER_ID_LENGTH} characters, not ${customerId.length}`);
  }
  if (CONTROL_CHARACTER.test(customerId)) {
    return problem('must not contain control characters');
  }
  return [];
}

function eventProblems(event: unknown): FieldProblem[] {
  const problem = (message: string) => [{ field: 'event', message }];

  if (event === undefined) {
    return problem('is required');
  }
  if (typeof event !== 'string' || event.length > MAX_EVENT_LENGTH || !EVENT_NAME.test(event)) {
    return problem(
      `must be a string of 1 to ${MAX_EVENT_LENGTH} letters, digits, ".", "_", ":" or "-", ` +
        'starting with a letter or digit',
    );
  }
  return [];
}

function requireObject(body: unknown, kind: string, fields: readonly string[]): Record<string, unknown> {
  if (!isPlainObject(body)) {
    throw new InvalidRequestError(
      `invalid ${kind} request: the body must be a JSON object with ${fields.join(' and ')}, ` +
        'sent with Content-Type: application/json',
    );
  }
  return body;
}

function unknownFieldProblems(fields: Record<string, unknown>, known: readonly string[]): FieldProblem[] {
  return Object.keys(fields)
    .filter((key) => !known.includes(key))
    .map((key) => ({ field: key, message: `unknown field; the request accepts ${known.join(' and ')}` }));
}

function throwIfAny(problems: FieldProblem[], kind: string): void {
  if (problems.length > 0) {
    throw new InvalidRequestError(`invalid ${kind} request`, problems);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
