// Small pure helpers: comparing bundle versions and reading and writing status times.
import type { ModelTarget, RolloutModelSpec } from './types.ts';

export function targetOfSpec(spec: RolloutModelSpec): ModelTarget {
  return { version: spec.version, modelUri: spec.modelUri, sha256: emptyToUndefined(spec.sha256) };
}

/** Two targets are the same bundle when version, URI and digest all match. */
export function sameTarget(a: ModelTarget, b: ModelTarget): boolean {
  return a.version === b.version && a.modelUri === b.modelUri && emptyToUndefined(a.sha256) === emptyToUndefined(b.sha256);
}

export function describeTarget(target: ModelTarget): string {
  return `version ${target.version} (${target.modelUri})`;
}

/** Formats a time the way metav1.Time serializes: RFC 3339 in UTC, whole seconds. */
export function formatTime(time: Date): string {
  return new Date(Math.floor(time.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Parses an RFC 3339 status time; a missing or invalid one counts as `fallback`. */
export function parseTime(value: string | undefined, fallback: Date): Date {
  const millis = value === undefined ? Number.NaN : Date.parse(value);
  return Number.isNaN(millis) ? fallback : new Date(millis);
}

/** Whole seconds from `from` to `to`; never negative, so a clock step back only delays. */
export function secondsBetween(from: Date, to: Date): number {
  return Math.max(0, Math.floor((to.getTime() - from.getTime()) / 1000));
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
