/** Spelling suggestions for unknown names, such as a feature key `Contrct` for `Contract`. */
import { distance } from 'fastest-levenshtein';

/**
 * Returns the candidate nearest to `name` by Levenshtein distance, ignoring case, or
 * undefined when none is close. Close means at most a third of the longer name's
 * characters, rounded up, differ: `Contrct` and `modle` get a suggestion (`Contract`,
 * `model`), `plan` gets none among `tenure`. Ties go to the earlier candidate.
 */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  const lowered = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;

  for (const candidate of candidates) {
    const edits = distance(lowered, candidate.toLowerCase());
    const allowed = Math.ceil(Math.max(name.length, candidate.length) / 3);
    if (edits <= allowed && edits < bestDistance) {
      best = candidate;
      bestDistance = edits;
    }
  }
  return best;
}

/** Formats a suggestion as ` (did you mean "Contract"?)`, or an empty string without one. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const suggestion = closestName(name, candidates);
  return suggestion === undefined ? '' : ` (did you mean ${JSON.stringify(suggestion)}?)`;
}
