/**
 * Express paths of the POST routes that carry the traffic and have a `name` parameter.
 *
 * Express compiles a string path such as `/v1/experiments/:name/nudge` with
 * path-to-regexp, whose matcher collects the parameters in an object created without a
 * prototype. Under load, V8 (Node.js 24) then missed the property store cache of that
 * object on every request of one such route: about 0.5 µs per request, measured with perf
 * on a 2-vCPU VM. Which route was hit depended on the order in which the routes warmed
 * up. For a RegExp path, Express collects the named groups into a plain object, whose
 * store stays cached.
 */

const NAME_PARAMETER = ':name';

/**
 * Returns the RegExp path of `pattern`, a route pattern with one `:name` parameter such
 * as `/v1/models/:name:predict`. It matches the paths that Express matches for the
 * string pattern by default: case-insensitive, with an optional trailing slash, and a
 * name of one or more characters other than "/", percent-decoded into `req.params.name`.
 */
export function namedRoutePath(pattern: string): RegExp {
  const parts = pattern.split(NAME_PARAMETER);
  if (parts.length !== 2) {
    throw new Error(`route pattern ${pattern} must contain ${NAME_PARAMETER} exactly once`);
  }

  const [before, after] = parts as [string, string];
  return new RegExp(`^${escapeRegExp(before)}(?<name>[^/]+)${escapeRegExp(after)}/?$`, 'i');
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}
