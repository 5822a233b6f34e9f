/**
 * Typed errors of the scorer. Each maps to one HTTP status in the error middleware,
 * so a handler throws the error and never writes an error response itself.
 */

/** One problem with one field of a request, such as `instances[3].tenure`. */
export interface FieldProblem {
  field: string;
  message: string;
}

export abstract class ScorerError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;

  /** Returns the JSON body sent to the client. Subclasses add their own fields. */
  toJSON(): Record<string, unknown> {
    return { error: { code: this.code, message: this.message } };
  }
}

/** The request is invalid: 400 with every problem found, each naming its field. */
export class InvalidRequestError extends ScorerError {
  override readonly name = 'InvalidRequestError';
  readonly status = 400;
  readonly code = 'InvalidRequest';

  readonly problems: FieldProblem[];

  constructor(message: string, problems: FieldProblem[] = []) {
    super(message);
    this.problems = problems;
  }

  /** Creates the error of a body that is not `expected`, such as "a JSON object". */
  static forBody(expected: string): InvalidRequestError {
    return new InvalidRequestError(`The request body must be ${expected}.`, [{ field: '(body)', message: `must be ${expected}` }]);
  }

  /** Creates the error of a request whose fields have `problems`, with a message that counts them. */
  static forProblems(problems: FieldProblem[], note = ''): InvalidRequestError {
    const summary = problems.length === 1 ? '1 invalid field' : `${problems.length} invalid fields`;
    return new InvalidRequestError(`The request has ${summary}${note}.`, problems);
  }

  override toJSON(): Record<string, unknown> {
    return { error: { code: this.code, message: this.message, problems: this.problems } };
  }
}

/** A model or experiment named in the URL is not served here: 404. */
export class NotFoundError extends ScorerError {
  override readonly name = 'NotFoundError';
  readonly status = 404;
  readonly code = 'NotFound';
}

/** The request body is larger than the configured limit: 413. */
export class PayloadTooLargeError extends ScorerError {
  override readonly name = 'PayloadTooLargeError';
  readonly status = 413;
  readonly code = 'PayloadTooLarge';
}

/** The client sent no valid API key: 401. */
export class UnauthorizedError extends ScorerError {
  override readonly name = 'UnauthorizedError';
  readonly status = 401;
  readonly code = 'Unauthorized';
}

/** The route exists but not for this HTTP method: 405, with the allowed methods. */
export class MethodNotAllowedError extends ScorerError {
  override readonly name = 'MethodNotAllowedError';
  readonly status = 405;
  readonly code = 'MethodNotAllowed';

  readonly allowed: string[];

  constructor(message: string, allowed: string[]) {
    super(message);
    this.allowed = allowed;
  }
}

/** The request body is not JSON: 415. */
export class UnsupportedMediaTypeError extends ScorerError {
  override readonly name = 'UnsupportedMediaTypeError';
  readonly status = 415;
  readonly code = 'UnsupportedMediaType';
}

/** The client exceeded its request rate limit: 429, with the seconds to wait before retrying. */
export class TooManyRequestsError extends ScorerError {
  override readonly name = 'TooManyRequestsError';
  readonly status = 429;
  readonly code = 'TooManyRequests';

  readonly retryAfterSeconds: number;

  constructor(message: string, retryAfterSeconds: number) {
    super(message);
    this.retryAfterSeconds = retryAfterSeconds;
  }

  override toJSON(): Record<string, unknown> {
    return { error: { code: this.code, message: this.message, retryAfterSeconds: this.retryAfterSeconds } };
  }
}

/** The model is not loaded yet, failed to load, or the scorer is shutting down: 503. */
export class NotReadyError extends ScorerError {
  override readonly name = 'NotReadyError';
  readonly status = 503;
  readonly code = 'NotReady';
}

/** A configuration file or model bundle is invalid. Raised at start-up or load, never per request. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  /** The dotted path of the offending field, such as `experiment.variants[1].weight`. */
  readonly field: string | undefined;

  /** Every problem found, each naming its field; empty when the error is not about fields. */
  readonly problems: FieldProblem[];

  constructor(message: string, field?: string, options?: ErrorOptions & { problems?: FieldProblem[] }) {
    super(message, options);
    this.field = field;
    this.problems = options?.problems ?? [];
  }
}

/**
 * Error raised when the scorer cannot start for a reason the person running it can fix,
 * such as a port that is already in use. The message states what to change. The command
 * prints it without a stack trace and exits with code 1.
 */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}
