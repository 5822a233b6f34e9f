// A minimal client of the Prometheus HTTP API for instant queries (GET /api/v1/query).
// An invalid URL, a failed or timed-out request, a response over MAX_RESPONSE_BYTES and an
// unexpected or error body come back as error results, which the analysis can count as
// inconclusive, as do credentials in the URL with invalid percent-encoding.
import { z } from 'zod';

/** Responses larger than this are rejected; an instant query of one sum is a few hundred bytes. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

export type QueryResult =
  | { kind: 'value'; value: number }
  /** The query matched no series, or its value is NaN (for example 0/0 without requests). */
  | { kind: 'empty' }
  | { kind: 'error'; message: string };

const sampleSchema = z.object({
  metric: z.record(z.string(), z.string()).optional(),
  value: z.tuple([z.number(), z.string()]),
});

const responseSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('success'),
    data: z.discriminatedUnion('resultType', [
      z.object({ resultType: z.literal('vector'), result: z.array(sampleSchema) }),
      z.object({ resultType: z.literal('scalar'), result: z.tuple([z.number(), z.string()]) }),
    ]),
  }),
  z.object({ status: z.literal('error'), errorType: z.string().optional(), error: z.string().optional() }),
]);

/**
 * Runs one instant query and returns the value of its only sample. A result with
 * several series is an error because every analysis query aggregates to one.
 */
export async function queryPrometheus(baseUrl: string, query: string, timeoutMs: number): Promise<QueryResult> {
  const url = queryUrl(baseUrl, query);
  if (url === undefined) {
    return { kind: 'error', message: `analysis.prometheusUrl ${JSON.stringify(baseUrl)} is not a valid http(s) URL` };
  }
  const where = describeUrl(url);
  const headers = requestHeaders(url);
  if (headers === undefined) {
    return { kind: 'error', message: `the credentials in analysis.prometheusUrl for ${where} are not valid percent-encoding` };
  }

  let text: string;
  let status: number;
  try {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
    status = response.status;
    text = await readLimited(response, MAX_RESPONSE_BYTES);
  } catch (err) {
    return { kind: 'error', message: describeFetchError(err, where, timeoutMs) };
  }

  return parseResponse(text, status, where);
}

function queryUrl(baseUrl: string, query: string): URL | undefined {
  let url: URL;
  try {
    // A trailing slash keeps a path prefix such as https://host/prometheus/.
    url = new URL('api/v1/query', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return undefined;
  }
  url.searchParams.set('query', query);
  return url;
}

/**
 * fetch rejects URLs with credentials, so user:password of the URL moves into an
 * Authorization header (HTTP basic authentication, as Prometheus' web config supports).
 * Returns undefined when the credentials are not valid percent-encoding.
 */
function requestHeaders(url: URL): Record<string, string> | undefined {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (url.username !== '' || url.password !== '') {
    let credentials: string;
    try {
      credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    } catch {
      return undefined;
    }
    headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  return headers;
}

/** Formats the address without credentials or query, so it is safe for messages and logs. */
function describeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

function describeFetchError(err: unknown, where: string, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `Prometheus at ${where} did not respond within ${timeoutMs} ms`;
  }
  if (err instanceof ResponseTooLargeError) {
    return `Prometheus at ${where} returned more than ${MAX_RESPONSE_BYTES} bytes`;
  }
  // The cause carries the transport error (ECONNREFUSED, ENOTFOUND, a TLS failure). The
  // outer message of fetch can repeat the full URL with credentials, so it is not used.
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : undefined;
  return `request to Prometheus at ${where} failed: ${cause ?? (err instanceof Error ? err.name : 'unknown error')}`;
}

function parseResponse(text: string, status: number, where: string): QueryResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: 'error', message: `Prometheus at ${where} returned HTTP ${status} without a JSON body` };
  }

  const parsed = responseSchema.safeParse(json);
  if (!parsed.success) {
    return { kind: 'error', message: `Prometheus at ${where} returned HTTP ${status} with an unexpected body` };
  }
  const body = parsed.data;
  if (body.status === 'error') {
    return { kind: 'error', message: `Prometheus at ${where} rejected the query (${body.errorType ?? 'error'}): ${body.error ?? ''}` };
  }

  const data = body.data;
  if (data.resultType === 'scalar') {
    return toValue(data.result[1]);
  }
  if (data.result.length === 0) {
    return { kind: 'empty' };
  }
  if (data.result.length > 1) {
    return { kind: 'error', message: `Prometheus at ${where} returned ${data.result.length} series where one was expected` };
  }
  return toValue((data.result[0] as z.infer<typeof sampleSchema>).value[1]);
}

/** Prometheus sends sample values as strings: "0.5", "NaN", "+Inf". */
function toValue(raw: string): QueryResult {
  if (raw === '+Inf') {
    return { kind: 'value', value: Infinity };
  }
  if (raw === '-Inf') {
    return { kind: 'value', value: -Infinity };
  }
  const value = Number(raw);
  return Number.isNaN(value) ? { kind: 'empty' } : { kind: 'value', value };
}

class ResponseTooLargeError extends Error {
  override readonly name = 'ResponseTooLargeError';
}

async function readLimited(response: Response, maxBytes: number): Promise<string> {
  if (response.body === null) {
    return '';
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      await response.body.cancel().catch(() => undefined);
      throw new ResponseTooLargeError();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
