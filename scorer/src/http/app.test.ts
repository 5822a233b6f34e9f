import { mkdtemp, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TELCO_ROW, postJson, startTestScorer, testConfig, type TestScorer } from '../testing/scorer-fixture.ts';
import { customerDigestOf } from '../testing/customer-digest.ts';

const EXPERIMENT = {
  name: 'retention-q1',
  salt: '2026-q1',
  variants: [
    { name: 'control', weight: 50, control: true },
    { name: 'discount', weight: 50, nudges: { high: { action: 'offer-discount-20', channel: 'email', message: 'Take 20% off.' } } },
  ],
};

describe('scorer HTTP API', () => {
  let scorer: TestScorer;
  const predictUrl = () => `${scorer.url}/v1/models/telco-churn:predict`;

  beforeAll(async () => {
    scorer = await startTestScorer(testConfig({ server: { maxBatchSize: 100, bodyLimitBytes: 4096 }, experiment: EXPERIMENT }));
  });
  afterAll(async () => {
    await scorer.stop();
  });

  it('predict returns a probability and band per instance', async () => {
    const response = await postJson(predictUrl(), { instances: [TELCO_ROW, { ...TELCO_ROW, Contract: 'Two year', tenure: 70 }] });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { predictions: { churnProbability: number; riskBand: string }[] };
    expect(body.predictions).toHaveLength(2);
    for (const prediction of body.predictions) {
      expect(prediction.churnProbability).toBeGreaterThan(0);
      expect(prediction.churnProbability).toBeLessThan(1);
      expect(['low', 'medium', 'high']).toContain(prediction.riskBand);
    }
    expect(body.predictions[1]!.churnProbability).toBeLessThan(body.predictions[0]!.churnProbability);
  });

  it('predict sends JSON headers as res.json does', async () => {
    const response = await postJson(predictUrl(), { instances: [TELCO_ROW] });
    const text = await response.text();

    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    expect(JSON.parse(text)).toEqual({ predictions: [{ churnProbability: expect.any(Number), riskBand: expect.any(String) }] });
  });

  it('predict accepts null as a missing numeric value', async () => {
    const response = await postJson(predictUrl(), { instances: [{ ...TELCO_ROW, TotalCharges: null }] });
    expect(response.status).toBe(200);
  });

  it('validation lists every problem with its field', async () => {
    const { gender: _gender, ...withoutGender } = TELCO_ROW;
    const response = await postJson(predictUrl(), {
      instances: [TELCO_ROW, withoutGender, { ...TELCO_ROW, tenure: '12', Contract: 7 }, 'row'],
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        code: 'InvalidRequest',
        message: 'The request has 4 invalid fields.',
        problems: [
          { field: 'instances[1].gender', message: 'is missing; send null if the value is unknown' },
          { field: 'instances[2].tenure', message: 'must be a number or null, got a string' },
          { field: 'instances[2].Contract', message: 'must be a string or null, got a number' },
          { field: 'instances[3]', message: 'must be an object of feature names to values' },
        ],
      },
    });
  });

  it.each(['null', '42', '"customer-1"', '[1]'])('rejects JSON %s as body', async (body) => {
    const predict = await fetch(predictUrl(), { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const nudge = await fetch(`${scorer.url}/v1/experiments/retention-q1/nudge`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

    expect(predict.status).toBe(400);
    expect(await predict.json()).toEqual({
      error: { code: 'InvalidRequest', message: 'The request body must be a JSON object.', problems: [{ field: '(body)', message: 'must be a JSON object' }] },
    });
    expect(nudge.status).toBe(400);
    expect(await nudge.json()).toEqual({
      error: {
        code: 'InvalidRequest',
        message: 'The request body must be a JSON object with customerId and features.',
        problems: [{ field: '(body)', message: 'must be a JSON object with customerId and features' }],
      },
    });
  });

  it.each(['/v1/models/telco-churn:predict', '/v1/experiments/retention-q1/nudge'])('treats no body as empty on %s', async (path) => {
    const emptyBody = await fetch(`${scorer.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '' });
    const noBody = await postWithoutBody(`${scorer.url}${path}`);

    expect(noBody.status).toBe(400);
    expect(noBody.body).toEqual(await emptyBody.json());
  });

  it('malformed JSON is a 400 with an exact body', async () => {
    const response = await postJson(predictUrl(), '{"instances": [');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        code: 'InvalidRequest',
        message: expect.stringMatching(/^The request body is not valid JSON \(.+\); send a JSON object\.$/),
        problems: [{ field: '(body)', message: 'must be valid JSON' }],
      },
    });
  });

  it('body over the limit is a 413', async () => {
    const response = await postJson(predictUrl(), { instances: Array.from({ length: 40 }, () => TELCO_ROW) });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      error: {
        code: 'PayloadTooLarge',
        message:
          'The request body exceeds the limit of 4096 bytes; split the batch into smaller requests, or raise server.bodyLimitBytes in the scorer configuration.',
      },
    });
  });

  it('more instances than maxBatchSize names the limit', async () => {
    const response = await postJson(predictUrl(), { instances: Array.from({ length: 101 }, () => ({})) });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        code: 'InvalidRequest',
        message: 'instances has 101 rows; the limit is 100 per request (server.maxBatchSize).',
        problems: [{ field: 'instances', message: 'must have at most 100 rows' }],
      },
    });
  });

  it('unknown model is a 404', async () => {
    const response = await postJson(`${scorer.url}/v1/models/other:predict`, { instances: [TELCO_ROW] });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: { code: 'NotFound', message: 'Model "other" is not served here; this scorer serves model "telco-churn".' },
    });
  });

  it('served routes match loose spellings', async () => {
    const paths = [
      '/V1/MODELS/telco-churn:PREDICT',
      '/v1/models/telco%2Dchurn:predict/',
      '/v1/experiments/retention-q1/nudge/',
      '/v1/experiments/retention%2Dq1/NUDGE',
      '/v2/models/telco-churn/infer/',
    ];
    const predict = { instances: [TELCO_ROW] };
    const nudge = { customerId: 'c-1', features: TELCO_ROW };
    const infer = { inputs: [{ name: 'features', datatype: 'BYTES', shape: [1], data: [TELCO_ROW] }] };
    const bodies = [predict, predict, nudge, nudge, infer];
    const statuses = await Promise.all(paths.map(async (path, index) => (await postJson(`${scorer.url}${path}`, bodies[index])).status));
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
  });

  it('slashed or misencoded names fail', async () => {
    const slashed = await postJson(`${scorer.url}/v1/models/telco/churn:predict`, { instances: [TELCO_ROW] });
    expect(slashed.status).toBe(404);
    const badlyEncoded = await postJson(`${scorer.url}/v1/experiments/retention%E0q1/nudge`, { customerId: 'c-1', features: TELCO_ROW });
    expect(badlyEncoded.status).toBe(400);
  });

  it('GET on predict is a 405', async () => {
    const response = await fetch(predictUrl());
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(await response.json()).toEqual({
      error: { code: 'MethodNotAllowed', message: 'GET is not allowed on /v1/models/telco-churn:predict; use POST.' },
    });
  });

  it('non-JSON content type is a 415', async () => {
    const response = await postJson(predictUrl(), 'instances=1', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(response.status).toBe(415);
    expect(await response.json()).toEqual({
      error: { code: 'UnsupportedMediaType', message: 'Unsupported Content-Type "application/x-www-form-urlencoded"; send application/json.' },
    });
  });

  it('v2 infer accepts named tensors', async () => {
    const inputs = Object.entries(TELCO_ROW).map(([name, value]) => ({
      name,
      datatype: typeof value === 'number' ? 'FP64' : 'BYTES',
      shape: [2, 1],
      data: [[value], [value]],
    }));
    const response = await postJson(`${scorer.url}/v2/models/telco-churn/infer`, { id: 'r1', inputs });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { id: string; outputs: { name: string; shape: number[]; data: unknown[] }[] };
    expect(body.id).toBe('r1');
    expect(body.outputs.map((output) => output.name)).toEqual(['churn_probability', 'risk_band']);
    expect(body.outputs[0]!.shape).toEqual([2]);
    expect(body.outputs[0]!.data[0]).toBe(body.outputs[0]!.data[1]);
  });

  it('v2 infer accepts one row-object input', async () => {
    const response = await postJson(`${scorer.url}/v2/models/telco-churn/infer`, {
      inputs: [{ name: 'instances', datatype: 'BYTES', shape: [1], data: [TELCO_ROW] }],
    });
    expect(response.status).toBe(200);
  });

  it('v2 infer names tensor fields in problems', async () => {
    const inputs = Object.entries(TELCO_ROW)
      .filter(([name]) => name !== 'gender')
      .map(([name, value]) => ({ name, datatype: 'BYTES', shape: [1], data: [name === 'tenure' ? 'x' : value] }));
    const response = await postJson(`${scorer.url}/v2/models/telco-churn/infer`, { inputs });
    expect(response.status).toBe(400);
    const tenureIndex = inputs.findIndex((input) => input.name === 'tenure');
    expect(await response.json()).toEqual({
      error: {
        code: 'InvalidRequest',
        message: 'The request has 2 invalid fields.',
        problems: [
          { field: 'inputs[name=gender]', message: 'is missing; send null if the value is unknown' },
          { field: `inputs[${tenureIndex}].data[0]`, message: 'must be a number or null, got a string' },
        ],
      },
    });
  });

  it('health and readiness routes answer', async () => {
    expect((await fetch(`${scorer.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${scorer.url}/v2/health/live`)).status).toBe(200);
    expect((await fetch(`${scorer.url}/v2/health/ready`)).status).toBe(200);
    expect(await (await fetch(`${scorer.url}/readyz`)).json()).toEqual({ status: 'ready', model: 'telco-churn', version: '1.0.0' });
    expect(await (await fetch(`${scorer.url}/v2/models/telco-churn/ready`)).json()).toEqual({ name: 'telco-churn', ready: true });
    expect((await fetch(`${scorer.url}/v2/models/other/ready`)).status).toBe(404);
  });

  it('model metadata routes describe the model', async () => {
    expect(await (await fetch(`${scorer.url}/v1/models/telco-churn`)).json()).toEqual({ name: 'telco-churn', ready: true });
    const metadata = (await (await fetch(`${scorer.url}/v2/models/telco-churn`)).json()) as {
      name: string;
      versions: string[];
      inputs: { name: string; datatype: string; shape: number[] }[];
      outputs: { name: string }[];
    };
    expect(metadata.name).toBe('telco-churn');
    expect(metadata.versions).toEqual(['1.0.0']);
    expect(metadata.inputs.map((input) => input.name)).toEqual(Object.keys(TELCO_ROW));
    expect(metadata.inputs.find((input) => input.name === 'tenure')).toEqual({ name: 'tenure', datatype: 'FP64', shape: [-1] });
    expect(metadata.outputs.map((output) => output.name)).toEqual(['churn_probability', 'risk_band']);
  });

  it('nudge endpoint of the experiment works', async () => {
    const response = await postJson(`${scorer.url}/v1/experiments/retention-q1/nudge`, { customerId: '7590-VHVEG', features: TELCO_ROW });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { experiment: string; variant: string };
    expect(body.experiment).toBe('retention-q1');
    expect(['control', 'discount']).toContain(body.variant);
  });

  it('nudge lists body and feature problems', async () => {
    const response = await postJson(`${scorer.url}/v1/experiments/retention-q1/nudge`, { customerId: '', features: { ...TELCO_ROW, tenure: 'long' } });
    const body = (await response.json()) as { error: { problems: { field: string }[] } };

    expect(response.status).toBe(400);
    expect(body.error.problems.map((problem) => problem.field)).toEqual(['customerId', 'features.tenure']);
  });

  it('metrics expose the contract names', async () => {
    const text = await (await fetch(`${scorer.url}/metrics`)).text();
    expect(text).toContain('engagetrack_scorer_requests_total{route="/v1/models/:name:predict",method="POST",status="200",model="telco-churn",model_version="1.0.0"}');
    expect(text).toMatch(/engagetrack_scorer_request_duration_seconds_bucket\{[^}]*route="\/v1\/models\/:name:predict"/);
    expect(text).toMatch(/engagetrack_scorer_predictions_total\{risk_band="(low|medium|high)"/);
    expect(text).toContain(`engagetrack_scorer_model_info{backend="${scorer.backend}",model="telco-churn",model_version="1.0.0"} 1`);
    expect(text).toContain('engagetrack_experiment_exposures_total');
  });

  it('log lines carry route and status, never feature values', async () => {
    await postJson(predictUrl(), { instances: [{ ...TELCO_ROW, PaymentMethod: 'Secret-Marker-Value' }] });
    await postJson(`${scorer.url}/v1/experiments/retention-q1/nudge`, { customerId: 'CUSTOMER-MARKER-42', features: TELCO_ROW });
    const lines = scorer.logLines();
    const serialized = JSON.stringify(lines);
    expect(serialized).not.toContain('Secret-Marker-Value');
    expect(serialized).not.toContain('CUSTOMER-MARKER-42');

    const requestLine = lines.find((line) => line['msg'] === 'request completed' && line['route'] === '/v1/models/:name:predict');
    expect(requestLine).toMatchObject({ level: 30, res: { statusCode: 200 }, req: { method: 'POST', path: '/v1/models/telco-churn:predict' } });
    expect((requestLine?.['req'] as { id: unknown }).id).toEqual(expect.any(String));
    expect(requestLine?.['responseTime']).toEqual(expect.any(Number));
    const clientError = lines.find((line) => line['errorCode'] === 'NotFound');
    expect(clientError?.['level']).toBe(30);
  });
});

describe('request log', () => {
  let scorer: TestScorer;

  beforeAll(async () => {
    scorer = await startTestScorer(testConfig());
  });
  afterAll(async () => {
    await scorer.stop();
  });

  it('echoes a plain request id and logs it', async () => {
    const response = await postJson(`${scorer.url}/v1/models/telco-churn:predict`, { instances: [TELCO_ROW] }, { 'x-request-id': 'trace-42.a:b' });

    expect(response.headers.get('x-request-id')).toBe('trace-42.a:b');
    const line = scorer.logLines().find((entry) => (entry['req'] as { id?: unknown } | undefined)?.id === 'trace-42.a:b');
    expect(line).toMatchObject({ msg: 'request completed', route: '/v1/models/:name:predict', res: { statusCode: 200 } });
  });

  it('replaces a request id that is not a plain token', async () => {
    const response = await postJson(`${scorer.url}/v1/models/telco-churn:predict`, { instances: [TELCO_ROW] }, { 'x-request-id': 'two words' });

    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('logs a request the client abandons', async () => {
    const body = JSON.stringify({ instances: [TELCO_ROW] });
    const req = request(`${scorer.url}/v1/models/telco-churn:predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-request-id': 'abandoned-1' },
    });
    req.on('error', () => {});
    req.write(body.slice(0, 10));
    await new Promise((resolve) => setTimeout(resolve, 100));
    req.destroy();

    const line = await eventuallyFind(scorer, (entry) => (entry['req'] as { id?: unknown } | undefined)?.id === 'abandoned-1');
    expect(line).toMatchObject({ level: 30, msg: 'request aborted', aborted: true, route: '/v1/models/:name:predict' });
  });
});

/**
 * Posts a request with neither Content-Length nor Transfer-Encoding, as `curl -X POST`
 * without data sends it. Node's HTTP client and fetch always add one of the two.
 */
async function postWithoutBody(url: string): Promise<{ status: number; body: unknown }> {
  const { hostname, port, pathname } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.end(`POST ${pathname} HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n`);

  let response = '';
  for await (const chunk of socket) {
    response += String(chunk);
  }
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1]);
  return { status, body: JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) };
}

describe('audit key file', () => {
  let scorer: TestScorer;
  const key = 'audit-key-of-at-least-16-bytes';

  beforeAll(async () => {
    const directory = await mkdtemp(join(tmpdir(), 'scorer-audit-'));
    const keyFile = join(directory, 'audit-key');
    await writeFile(keyFile, `  ${key}\n`);
    scorer = await startTestScorer(testConfig({ auth: { auditKeyFile: keyFile }, experiment: EXPERIMENT }));
  });
  afterAll(async () => {
    await scorer.stop();
  });

  it('keys the digests with the trimmed file', async () => {
    await postJson(`${scorer.url}/v1/experiments/retention-q1/nudge`, { customerId: '7590-VHVEG', features: TELCO_ROW });

    const line = await eventuallyFind(scorer, (entry) => entry['msg'] === 'variant assigned');
    expect(line?.['customer']).toBe(customerDigestOf(Buffer.from(key), '7590-VHVEG'));
  });
});

/** Polls the captured log until a line matches; the server logs after the socket closes. */
async function eventuallyFind(scorer: TestScorer, matches: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown> | undefined> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const line = scorer.logLines().find(matches);
    if (line !== undefined) {
      return line;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return undefined;
}

describe('malformed request corpus', () => {
  let scorer: TestScorer;

  beforeAll(async () => {
    scorer = await startTestScorer(testConfig({ server: { maxBatchSize: 50, bodyLimitBytes: 65536 }, experiment: EXPERIMENT }));
  });
  afterAll(async () => {
    await scorer.stop();
  });

  const deep = '['.repeat(5000) + ']'.repeat(5000);
  const bodies: [string, string, string][] = [
    ['empty body', '', 'application/json'],
    ['bad JSON', '{"instances":', 'application/json'],
    ['JSON null', 'null', 'application/json'],
    ['JSON number', '42', 'application/json'],
    ['JSON string', '"instances"', 'application/json'],
    ['top-level array', '[{"tenure": 1}]', 'application/json'],
    ['instances object', '{"instances": {"tenure": 1}}', 'application/json'],
    ['instances string', '{"instances": "all"}', 'application/json'],
    ['nested arrays', '{"instances": [[1, 2], [[3]]]}', 'application/json'],
    ['deep nesting', `{"instances": ${deep}}`, 'application/json'],
    ['huge numbers', JSON.stringify({ instances: [{ ...TELCO_ROW, tenure: 1e308, MonthlyCharges: -1e308 }] }), 'application/json'],
    ['overflowing literal', `{"instances": [{"tenure": 1e999}]}`, 'application/json'],
    ['__proto__ key', '{"__proto__": {"polluted": true}, "instances": [{"__proto__": {"tenure": 5}}]}', 'application/json'],
    ['constructor key', '{"instances": [{"constructor": {"prototype": {"x": 1}}}]}', 'application/json'],
    ['text/plain', '{"instances": []}', 'text/plain'],
    ['xml', '<instances/>', 'application/xml'],
    ['form', 'a=1&b=2', 'application/x-www-form-urlencoded'],
    ['bad charset', '{"instances": []}', 'application/json; charset=ebcdic'],
    ['binary', '\u0000\u0001\u0002', 'application/octet-stream'],
    ['nested garbage features', JSON.stringify({ instances: [{ ...TELCO_ROW, tenure: { $gt: 1 }, Contract: ['a'] }] }), 'application/json'],
    ['booleans', JSON.stringify({ instances: [{ ...TELCO_ROW, tenure: true, Contract: false }] }), 'application/json'],
    ['empty instances', '{"instances": []}', 'application/json'],
    ['v2 inputs garbage', '{"inputs": [{"name": 1, "shape": "x", "datatype": "FP99", "data": 4}]}', 'application/json'],
  ];
  const paths = ['/v1/models/telco-churn:predict', '/v2/models/telco-churn/infer', '/v1/experiments/retention-q1/nudge'];

  it.each(bodies)('%s gets no 5xx', async (_name, body, contentType) => {
    for (const path of paths) {
      const response = await fetch(`${scorer.url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });
      expect(response.status, `${path} answered ${response.status}`).toBeLessThan(500);
      const parsed = (await response.json()) as Record<string, unknown>;
      expect(typeof parsed).toBe('object');
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('unexpected errors', () => {
  it('internal failure is a logged 500 with a generic body', async () => {
    const scorer = await startTestScorer(testConfig());
    try {
      scorer.service.predict = () => Promise.reject(new Error('kernel failed'));
      const response = await postJson(`${scorer.url}/v1/models/telco-churn:predict`, { instances: [TELCO_ROW] });
      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({
        error: { code: 'Internal', message: 'The scorer failed to handle the request; see its log.' },
      });

      const line = scorer.logLines().find((entry) => entry['msg'] === 'request failed');
      expect(line?.['level']).toBe(50);
      expect((line?.['err'] as { message: string }).message).toBe('kernel failed');
      expect(line?.['route']).toBe('/v1/models/:name:predict');
    } finally {
      await scorer.stop();
    }
  });
});

describe('model readiness', () => {
  it('not-ready scorer answers 503 with the load failure', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'scorer-missing-'));
    const scorer = await startTestScorer(testConfig({ model: { uri: directory } }));
    try {
      const ready = await fetch(`${scorer.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({
        status: 'not ready',
        reason: `model bundle rejected: model.json: missing from the model bundle at ${directory}.`,
      });

      const predict = await postJson(`${scorer.url}/v1/models/telco-churn:predict`, { instances: [TELCO_ROW] });
      expect(predict.status).toBe(503);
      expect(await predict.json()).toEqual({
        error: {
          code: 'NotReady',
          message: `model telco-churn is not ready: model bundle rejected: model.json: missing from the model bundle at ${directory}.`,
        },
      });
      expect((await fetch(`${scorer.url}/healthz`)).status).toBe(200);
    } finally {
      await scorer.stop();
    }
  });

  it('digest mismatch keeps the scorer not ready', async () => {
    const scorer = await startTestScorer(testConfig({ model: { sha256: '0'.repeat(64) } }));
    try {
      const body = (await (await fetch(`${scorer.url}/readyz`)).json()) as { reason: string };
      expect(body.reason).toMatch(/^model bundle rejected: model\.sha256: bundle digest mismatch/);
    } finally {
      await scorer.stop();
    }
  });
});

describe('API keys', () => {
  let scorer: TestScorer;

  beforeAll(async () => {
    const directory = await mkdtemp(join(tmpdir(), 'scorer-keys-'));
    const keysFile = join(directory, 'api-keys');
    await writeFile(keysFile, '# rotated 2026-01\nkey-one-0123456789\n\nkey-two-abcdefghij\n');
    scorer = await startTestScorer(testConfig({ auth: { apiKeysFile: keysFile }, experiment: EXPERIMENT }));
  });
  afterAll(async () => {
    await scorer.stop();
  });

  const predict = (headers: Record<string, string>) =>
    postJson(`${scorer.url}/v1/models/telco-churn:predict`, { instances: [TELCO_ROW] }, headers);

  it('bearer and X-API-Key headers are accepted', async () => {
    expect((await predict({ authorization: 'Bearer key-one-0123456789' })).status).toBe(200);
    expect((await predict({ 'x-api-key': 'key-two-abcdefghij' })).status).toBe(200);
  });

  it('missing or wrong key is a 401', async () => {
    const missing = await predict({});
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="engagetrack"');
    expect(await missing.json()).toEqual({
      error: { code: 'Unauthorized', message: 'Missing API key; send it as "Authorization: Bearer <key>" or "X-API-Key: <key>".' },
    });

    const wrong = await predict({ authorization: 'Bearer key-one-012345678' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: { code: 'Unauthorized', message: 'Invalid API key.' } });
  });

  it('experiment and v2 routes require a key', async () => {
    expect((await postJson(`${scorer.url}/v1/experiments/retention-q1/nudge`, { customerId: 'c1', features: TELCO_ROW })).status).toBe(401);
    expect((await fetch(`${scorer.url}/v2/models/telco-churn/ready`)).status).toBe(401);
  });

  it('health and metrics stay open', async () => {
    expect((await fetch(`${scorer.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${scorer.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${scorer.url}/metrics`)).status).toBe(200);
  });

  it('keys never reach the log', async () => {
    await predict({ authorization: 'Bearer key-one-0123456789' });
    expect(JSON.stringify(scorer.logLines())).not.toContain('key-one');
  });
});

describe('rate limiting', () => {
  it('429 carries Retry-After, RateLimit headers and a JSON body', async () => {
    const scorer = await startTestScorer(testConfig({ rateLimit: { enabled: true, limit: 3, windowSeconds: 60 } }));
    try {
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 5; i++) {
        last = await postJson(`${scorer.url}/v1/models/telco-churn:predict`, { instances: [TELCO_ROW] });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(last!.headers.get('ratelimit')).toMatch(/^limit=3, remaining=0, reset=\d+$/);
      expect(last!.headers.get('ratelimit-policy')).toBe('3;w=60');
      expect(await last!.json()).toEqual({
        error: {
          code: 'TooManyRequests',
          message: expect.stringMatching(/^Rate limit of 3 requests per 60 s exceeded for this client; retry after \d+ s\.$/),
          retryAfterSeconds: expect.any(Number),
        },
      });
      const metrics = await (await fetch(`${scorer.url}/metrics`)).text();
      expect(metrics).toContain('engagetrack_scorer_rate_limited_total{route="/v1/models/:name:predict",model="telco-churn",model_version="1.0.0"} 2');
      expect((await fetch(`${scorer.url}/healthz`)).status).toBe(200);
    } finally {
      await scorer.stop();
    }
  });

  it('forged X-Forwarded-For cannot escape the limit behind one proxy', async () => {
    const scorer = await startTestScorer(testConfig({ server: { trustedProxyHops: 1 }, rateLimit: { enabled: true, limit: 2, windowSeconds: 60 } }));
    try {
      // The proxy appends the address it saw (10.0.0.7) after whatever the client sent.
      const statuses: number[] = [];
      for (const forged of ['1.1.1.1', '2.2.2.2', '3.3.3.3, 4.4.4.4', '5.5.5.5']) {
        const response = await postJson(`${scorer.url}/v1/models/telco-churn:predict`, { instances: [TELCO_ROW] }, {
          'x-forwarded-for': `${forged}, 10.0.0.7`,
        });
        statuses.push(response.status);
      }
      expect(statuses).toEqual([200, 200, 429, 429]);

      const otherClient = await postJson(`${scorer.url}/v1/models/telco-churn:predict`, { instances: [TELCO_ROW] }, {
        'x-forwarded-for': '10.0.0.8',
      });
      expect(otherClient.status).toBe(200);
    } finally {
      await scorer.stop();
    }
  });

  it('X-Forwarded-For is ignored without trusted proxies', async () => {
    const scorer = await startTestScorer(testConfig({ server: { trustedProxyHops: 0 }, rateLimit: { enabled: true, limit: 1, windowSeconds: 60 } }));
    try {
      const first = await postJson(`${scorer.url}/v1/models/telco-churn:predict`, { instances: [TELCO_ROW] }, { 'x-forwarded-for': '1.1.1.1' });
      const second = await postJson(`${scorer.url}/v1/models/telco-churn:predict`, { instances: [TELCO_ROW] }, { 'x-forwarded-for': '2.2.2.2' });
      expect([first.status, second.status]).toEqual([200, 429]);
    } finally {
      await scorer.stop();
    }
  });
});
