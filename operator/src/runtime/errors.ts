// Typed errors of the controller runtime. A reconciler throws TransientError (or any
// other error) to be retried with backoff, and TerminalError when retrying cannot help
// until the object itself changes.

/** A failed Kubernetes API request, reduced to the fields a reconciler acts on. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** HTTP status code, or 0 when no response arrived (connection refused, reset, timeout). */
  readonly code: number;
  /** The `reason` of the returned metav1.Status (NotFound, Conflict, Invalid, ...) or a transport reason. */
  readonly reason: string;

  constructor(message: string, fields: { code: number; reason: string }, options?: { cause?: unknown }) {
    super(message, options);
    this.code = fields.code;
    this.reason = fields.reason;
  }
}

/** A reconcile failure that is expected to clear by itself, so the key is retried with backoff. */
export class TransientError extends Error {
  override readonly name = 'TransientError';
}

/** A reconcile failure that retrying cannot fix; the key waits for the next change of the object. */
export class TerminalError extends Error {
  override readonly name = 'TerminalError';
}

/**
 * Returns the log fields that describe `err`. An ApiError becomes its message, HTTP status
 * and reason, because its stack lists only the client's request functions. Any other error
 * stays in pino's `err` field with its stack, which points to the code that failed.
 */
export function errorLogFields(err: unknown): Record<string, unknown> {
  if (err instanceof ApiError) {
    return { error: err.message, status: err.code, reason: err.reason };
  }
  return { err };
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.code === 404;
}

export function isConflict(err: unknown): boolean {
  return err instanceof ApiError && err.code === 409;
}

/** Status codes that mean the request itself is wrong, so sending it again gives the same answer. */
const TERMINAL_CODES = new Set([400, 422]);

export function isTerminalApiError(err: unknown): boolean {
  return err instanceof ApiError && TERMINAL_CODES.has(err.code);
}
