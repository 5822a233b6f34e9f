import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { analyzeCanary } from './analysis.ts';
import type { AnalysisInput } from './analysis.ts';

type Handler = (query: string, request: IncomingMessage, response: ServerResponse) => void;

let server: Server;
let baseUrl: string;
let handler: Handler;
const received: { path: string; query: string }[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const query = url.searchParams.get('query') ?? '';
    received.push({ path: url.pathname, query });
    handler(query, request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received.length = 0;
});

function vector(value: string | undefined): unknown {
  return {
    status: 'success',
    data: { resultType: 'vector', result: value === undefined ? [] : [{ metric: {}, value: [1767225600.123, value] }] },
  };
}

function sendJson(response: ServerResponse, body: unknown, status = 200): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/** Builds a handler that returns `errorRate` for the error-rate query and `p99` for the latency query. */
function respondWith(errorRate: string | undefined, p99: string | undefined): Handler {
  return (query, _request, response) => {
    sendJson(response, vector(query.startsWith('histogram_quantile') ? p99 : errorRate));
  };
}

function input(overrides: Partial<AnalysisInput> = {}): AnalysisInput {
  return {
    analysis: { prometheusUrl: baseUrl, maxErrorRate: 0.01, maxP99LatencySeconds: 0.5 },
    series: { model: 'telco', version: '1.1.0', namespace: 'ml' },
    windowSeconds: 95,
    timeoutMs: 2_000,
    ...overrides,
  };
}

describe('analyzeCanary verdicts', () => {
  it.each([
    ['healthy canary', '0.001', '0.12', 'Pass'],
    ['zero errors', '0', '0.12', 'Pass'],
    ['error rate at the bound', '0.01', '0.12', 'Pass'],
    ['latency at the bound', '0', '0.5', 'Pass'],
    ['error rate above the bound', '0.42', '0.12', 'Fail'],
    ['latency above the bound', '0', '1.2', 'Fail'],
    ['every request in the +Inf bucket', '0', '+Inf', 'Fail'],
    ['no series at all', undefined, undefined, 'Inconclusive'],
    ['no requests (0/0)', 'NaN', 'NaN', 'Inconclusive'],
    ['error rate without latency data', '0', undefined, 'Inconclusive'],
    ['failing error rate without latency data', '0.5', undefined, 'Fail'],
  ] as const)('%s', async (_name, errorRate, p99, outcome) => {
    handler = respondWith(errorRate, p99);

    const verdict = await analyzeCanary(input());

    expect(verdict.outcome).toBe(outcome);
  });

  it('names the measured error rate and bound', async () => {
    handler = respondWith('0.4215', '0.1');

    const verdict = await analyzeCanary(input());

    expect(verdict).toEqual({
      outcome: 'Fail',
      reason: 'ErrorRateTooHigh',
      message: 'The error rate 0.4215 of version 1.1.0 over the last 95s is above maxErrorRate 0.01.',
    });
  });

  it('names the measured latency and bound', async () => {
    handler = respondWith('0', '1.25');

    const verdict = await analyzeCanary(input());

    expect(verdict).toEqual({
      outcome: 'Fail',
      reason: 'LatencyTooHigh',
      message: 'The p99 latency 1.25s of version 1.1.0 over the last 95s is above maxP99LatencySeconds 0.5.',
    });
  });

  it('explains an empty result', async () => {
    handler = respondWith(undefined, undefined);

    const verdict = await analyzeCanary(input());

    expect(verdict.message).toContain('no error rate data: the canary got no requests');
  });
});

describe('analyzeCanary queries', () => {
  it('sends both queries to /api/v1/query', async () => {
    handler = respondWith('0', '0.1');

    await analyzeCanary(input());

    expect(received.map((r) => r.path)).toEqual(['/api/v1/query', '/api/v1/query']);
    expect(received.map((r) => r.query).sort()).toEqual([
      '(sum(increase(engagetrack_scorer_requests_total' +
        '{model="telco",model_version="1.1.0",namespace=~"ml|",route!~"/healthz|/readyz|/metrics|/v2/health/.*",status=~"5.."}[95s])) or vector(0)) / ' +
        'sum(increase(engagetrack_scorer_requests_total' +
        '{model="telco",model_version="1.1.0",namespace=~"ml|",route!~"/healthz|/readyz|/metrics|/v2/health/.*"}[95s]))',
      'histogram_quantile(0.99, sum by (le) (rate(engagetrack_scorer_request_duration_seconds_bucket' +
        '{model="telco",model_version="1.1.0",namespace=~"ml|",route!~"/healthz|/readyz|/metrics|/v2/health/.*"}[95s])))',
    ]);
  });

  it('keeps a path prefix of the URL', async () => {
    handler = respondWith('0', '0.1');

    await analyzeCanary(input({ analysis: { prometheusUrl: `${baseUrl}/prometheus`, maxErrorRate: 0.01, maxP99LatencySeconds: 0.5 } }));

    expect(received.map((r) => r.path)).toEqual(['/prometheus/api/v1/query', '/prometheus/api/v1/query']);
  });

  it('omits the namespace matcher without a namespace', async () => {
    handler = respondWith('0', '0.1');

    await analyzeCanary(input({ series: { model: 'telco', version: '1.1.0' } }));

    expect(received.every((r) => !r.query.includes('namespace'))).toBe(true);
  });
});

describe('analyzeCanary failures', () => {
  it('is inconclusive when Prometheus rejects the query', async () => {
    handler = (_query, _request, response) =>
      sendJson(response, { status: 'error', errorType: 'bad_data', error: 'parse error at char 4' }, 400);

    const verdict = await analyzeCanary(input());

    expect(verdict.outcome).toBe('Inconclusive');
    expect(verdict.message).toContain('rejected the query (bad_data): parse error at char 4');
  });

  it('is inconclusive on a body that is not JSON', async () => {
    handler = (_query, _request, response) => {
      response.writeHead(502, { 'content-type': 'text/html' });
      response.end('<html>Bad Gateway</html>');
    };

    const verdict = await analyzeCanary(input());

    expect(verdict.outcome).toBe('Inconclusive');
    expect(verdict.message).toContain('returned HTTP 502 without a JSON body');
  });

  it('is inconclusive on an unexpected JSON shape', async () => {
    handler = (_query, _request, response) => sendJson(response, { status: 'success', data: { resultType: 'matrix' } });

    const verdict = await analyzeCanary(input());

    expect(verdict.outcome).toBe('Inconclusive');
    expect(verdict.message).toContain('unexpected body');
  });

  it('is inconclusive on several series', async () => {
    handler = (_query, _request, response) =>
      sendJson(response, {
        status: 'success',
        data: {
          resultType: 'vector',
          result: [
            { metric: { pod: 'a' }, value: [1, '0'] },
            { metric: { pod: 'b' }, value: [1, '0'] },
          ],
        },
      });

    const verdict = await analyzeCanary(input());

    expect(verdict.outcome).toBe('Inconclusive');
    expect(verdict.message).toContain('returned 2 series where one was expected');
  });

  it('is inconclusive on a response above 1 MiB', async () => {
    handler = (_query, _request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(`{"status":"success","padding":"${'x'.repeat(2 * 1024 * 1024)}"}`);
    };

    const verdict = await analyzeCanary(input());

    expect(verdict.outcome).toBe('Inconclusive');
    expect(verdict.message).toContain('returned more than 1048576 bytes');
  });

  it('is inconclusive when Prometheus does not respond in time', async () => {
    handler = () => undefined;

    const started = Date.now();
    const verdict = await analyzeCanary(input({ timeoutMs: 200 }));

    expect(verdict.outcome).toBe('Inconclusive');
    expect(verdict.message).toContain('did not respond within 200 ms');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('is inconclusive when the connection is refused', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));

    const verdict = await analyzeCanary(
      input({ analysis: { prometheusUrl: `http://127.0.0.1:${port}`, maxErrorRate: 0.01, maxP99LatencySeconds: 0.5 } }),
    );

    expect(verdict.outcome).toBe('Inconclusive');
    expect(verdict.message).toContain(`request to Prometheus at http://127.0.0.1:${port}/api/v1/query failed`);
  });

  it.each([['not a url'], ['ftp://127.0.0.1/prometheus']])('is inconclusive for the URL %s', async (prometheusUrl) => {
    const verdict = await analyzeCanary(input({ analysis: { prometheusUrl, maxErrorRate: 0.01, maxP99LatencySeconds: 0.5 } }));

    expect(verdict.outcome).toBe('Inconclusive');
    expect(verdict.message).toContain('is not a valid http(s) URL');
  });

  it('sends URL credentials as basic authentication', async () => {
    let authorization: string | undefined;
    handler = (query, request, response) => {
      authorization = request.headers.authorization;
      respondWith('0', '0.1')(query, request, response);
    };

    const verdict = await analyzeCanary(
      input({ analysis: { prometheusUrl: baseUrl.replace('http://', 'http://admin:s3cret@'), maxErrorRate: 0.01, maxP99LatencySeconds: 0.5 } }),
    );

    expect(verdict.outcome).toBe('Pass');
    expect(authorization).toBe(`Basic ${Buffer.from('admin:s3cret').toString('base64')}`);
  });

  it('is inconclusive on badly encoded credentials', async () => {
    const badCredentials = baseUrl.replace('http://', 'http://a%zz:b@');

    const verdict = await analyzeCanary(
      input({ analysis: { prometheusUrl: badCredentials, maxErrorRate: 0.01, maxP99LatencySeconds: 0.5 } }),
    );

    expect(verdict.outcome).toBe('Inconclusive');
    expect(verdict.message).toContain('not valid percent-encoding');
  });

  it('keeps credentials out of messages', async () => {
    handler = (_query, _request, response) => sendJson(response, { status: 'error', errorType: 'bad_data', error: 'x' }, 400);
    const withCredentials = baseUrl.replace('http://', 'http://admin:s3cret@');

    const verdict = await analyzeCanary(
      input({ analysis: { prometheusUrl: withCredentials, maxErrorRate: 0.01, maxP99LatencySeconds: 0.5 } }),
    );

    expect(verdict.message).not.toContain('s3cret');
    expect(verdict.message).not.toContain('admin');
  });
});
