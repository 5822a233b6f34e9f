/**
 * Two endpoints of one server loaded in alternating phases on the same connections, so
 * that both see the machine at the same speed. On 2-vCPU VMs the speed changed by 20% or
 * more from one second to the next, which made runs of several seconds, one endpoint after
 * the other, disagree by up to 30% per round. Here a phase lasts PHASE_MS, and phases 2j
 * and 2j+1 form pair j, which gives one ratio. The phases run in the order A B B A, so the
 * endpoint that comes first alternates from one pair to the next, and a steady change of
 * speed favours neither endpoint.
 */
import autocannon from 'autocannon';

/** Length of one phase. On a 2-vCPU VM, phases of 100 ms and 250 ms gave ratios of the same spread. */
export const PHASE_MS = 100;

/** Phases at the start that count towards no pair, while the connections open. */
const SKIPPED_PHASES = 4;

/** Endpoint of each phase by its index modulo 4: 0 is the base endpoint, 1 the other. */
const PHASE_ORDER = [0, 1, 1, 0] as const;

export interface InterleavedEndpoint {
  path: string;
  /** Request bodies, sent in turn. */
  bodies: readonly string[];
}

export interface InterleavedOptions {
  /** Origin of the server, such as http://127.0.0.1:8080. */
  origin: string;
  base: InterleavedEndpoint;
  other: InterleavedEndpoint;
  seconds: number;
  connections: number;
}

export interface InterleavedResult {
  /** Requests/s of `other` over requests/s of `base`, one per pair of phases. */
  ratios: number[];
  baseRequestsPerSecond: number;
  otherRequestsPerSecond: number;
  errors: number;
  non2xx: number;
}

/**
 * Loads `base` and `other` in alternating phases for `seconds` and returns the ratio of
 * each pair of phases. A phase counts the 2xx responses to requests that were sent and
 * completed within it. The requests still in flight when a phase ends count for neither
 * phase, and both endpoints lose such requests at their phase ends.
 */
export async function measureInterleaved(options: InterleavedOptions): Promise<InterleavedResult> {
  const headers = { 'content-type': 'application/json' };
  const requestsOf = (endpoint: InterleavedEndpoint) => endpoint.bodies.map((body) => ({ method: 'POST' as const, path: endpoint.path, headers, body }));
  const endpoints = [requestsOf(options.base), requestsOf(options.other)] as const;

  const start = performance.now();
  const phaseAt = (time: number) => Math.floor((time - start) / PHASE_MS);
  const turns = [0, 0];
  // autocannon calls this before each request with its defaults, the host among them.
  const setupRequest = (defaults: autocannon.Request): autocannon.Request => {
    const endpoint = PHASE_ORDER[phaseAt(performance.now()) % PHASE_ORDER.length]!;
    const requests = endpoints[endpoint];
    const turn = turns[endpoint]!;
    turns[endpoint] = turn + 1;
    return { ...defaults, ...requests[turn % requests.length]! };
  };

  const counts: number[] = [];
  const countResponse = (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
    const now = performance.now();
    const phase = phaseAt(now);
    // A request prepared up to 1 ms before its phase began could belong to the previous one.
    if (statusCode < 300 && phaseAt(now - responseTimeMs - 1) === phase) {
      counts[phase] = (counts[phase] ?? 0) + 1;
    }
  };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      { url: options.origin, connections: options.connections, duration: options.seconds, requests: [{ setupRequest }] },
      (error, finished) => (error ? reject(error) : resolve(finished)),
    );
    instance.on('response', countResponse);
  });

  return { ...pairRatios(counts), errors: result.errors, non2xx: result.non2xx };
}

/**
 * Returns the ratio of each pair of phases 2j and 2j+1 from the response counts by phase,
 * and each endpoint's mean req/s. The skipped phases and the last phase, which the end
 * of the run cuts short, count towards no pair.
 */
export function pairRatios(counts: readonly number[]): Pick<InterleavedResult, 'ratios' | 'baseRequestsPerSecond' | 'otherRequestsPerSecond'> {
  const ratios: number[] = [];
  const totals = [0, 0];
  let pairs = 0;
  for (let phase = SKIPPED_PHASES; phase + 1 < counts.length - 1; phase += 2) {
    const first = counts[phase] ?? 0;
    const second = counts[phase + 1] ?? 0;
    const [base, other] = PHASE_ORDER[phase % PHASE_ORDER.length] === 0 ? [first, second] : [second, first];
    ratios.push(other / Math.max(1, base));
    totals[0]! += base;
    totals[1]! += other;
    pairs++;
  }

  const perSecond = (total: number) => (total * 1000) / PHASE_MS / Math.max(1, pairs);
  return { ratios, baseRequestsPerSecond: perSecond(totals[0]!), otherRequestsPerSecond: perSecond(totals[1]!) };
}
