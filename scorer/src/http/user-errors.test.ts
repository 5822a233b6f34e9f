import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { load as parseYaml } from 'js-yaml';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScorer } from '../server.ts';
import { TELCO_ROW, postJson, startTestScorer, testConfig, type TestScorer } from '../testing/scorer-fixture.ts';

/** Returns the first fenced block of `language` after `heading` in a Markdown file. */
function fencedBlockAfter(markdown: string, heading: string, language: string): string {
  const start = markdown.indexOf(heading);
  const fence = markdown.indexOf('```' + language + '\n', start);
  const end = markdown.indexOf('\n```', fence + 1);
  expect(start).toBeGreaterThanOrEqual(0);
  return markdown.slice(fence + language.length + 4, end);
}

describe('documented nudge example', () => {
  it('returns the documented response', async () => {
    const markdown = readFileSync('docs/experiments.md', 'utf8');
    const experiment = (parseYaml(fencedBlockAfter(markdown, '## Configuration', 'yaml')) as { experiment: unknown }).experiment;
    const http = fencedBlockAfter(markdown, '### POST /v1/experiments/{name}/nudge', 'http');
    const requestBody = JSON.parse(http.slice(http.indexOf('{'))) as unknown;
    const documented = JSON.parse(fencedBlockAfter(markdown, 'With the configuration above', 'json')) as { churnProbability: number };

    const scorer = await startTestScorer(testConfig({ experiment }));
    try {
      const response = await postJson(`${scorer.url}/v1/experiments/retention-q1/nudge`, requestBody);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { churnProbability: number };
      expect({ ...body, churnProbability: 0 }).toEqual({ ...documented, churnProbability: 0 });
      expect(body.churnProbability).toBeCloseTo(documented.churnProbability, 4);
    } finally {
      await scorer.stop();
    }
  });
});

describe('scorer without an experiment', () => {
  let scorer: TestScorer;

  beforeAll(async () => {
    scorer = await startTestScorer(testConfig());
  });
  afterAll(async () => {
    await scorer.stop();
  });

  it.each(['nudge', 'conversions'])('answers 404 naming the experiment on %s', async (action) => {
    const response = await postJson(`${scorer.url}/v1/experiments/x/${action}`, { customerId: 'customer-1', event: 'renewed' });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: { code: 'NotFound', message: 'Experiment "x" is not served here; this scorer serves no experiment.' },
    });
  });

  it.each(['nudge', 'conversions'])('answers 405 naming POST for another method on %s', async (action) => {
    const response = await fetch(`${scorer.url}/v1/experiments/x/${action}`);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(await response.json()).toEqual({
      error: { code: 'MethodNotAllowed', message: `GET is not allowed on /v1/experiments/x/${action}; use POST.` },
    });
  });

  it('accepts a full batch under the default body limit', async () => {
    const response = await postJson(`${scorer.url}/v1/models/telco-churn:predict`, { instances: new Array(10_000).fill(TELCO_ROW) });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { predictions: unknown[] }).predictions).toHaveLength(10_000);
  });
});

describe('feature key typos', () => {
  it('names the unknown key and the expected name', async () => {
    const scorer = await startTestScorer(testConfig());
    try {
      const { Contract, ...rest } = TELCO_ROW;
      const response = await postJson(`${scorer.url}/v1/models/telco-churn:predict`, { instances: [{ ...rest, Contrct: Contract }] });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { problems: unknown[] } }).error.problems).toEqual([
        { field: 'instances[0].Contract', message: 'is missing; send null if the value is unknown' },
        { field: 'instances[0].Contrct', message: 'is not a feature of the model; did you mean "Contract"?' },
      ]);

      const scored = await postJson(`${scorer.url}/v1/models/telco-churn:predict`, { instances: [{ ...TELCO_ROW, Contract: 'Month-to-mnth' }] });
      expect(scored.status).toBe(200);
      expect(scorer.logLines().filter((line) => JSON.stringify(line).includes('Month-to-mnth'))).toEqual([]);
    } finally {
      await scorer.stop();
    }
  });
});

describe('request log levels', () => {
  it('logs not-ready answers without an error line', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        for (const line of chunk.toString('utf8').split('\n').filter((text) => text !== '')) {
          lines.push(JSON.parse(line) as Record<string, unknown>);
        }
        callback();
      },
    });
    const directory = join(await mkdtemp(join(tmpdir(), 'scorer-absent-')), 'telco-churn');
    const config = testConfig({ model: { uri: directory } });
    const handle = await startScorer({ config, host: '127.0.0.1', logger: pino({ level: 'debug' }, sink) });
    await handle.modelLoaded;
    try {
      for (const path of ['/readyz', '/v2/health/ready', '/v2/models/telco-churn/ready']) {
        expect((await fetch(`${handle.url}${path}`)).status).toBe(503);
      }
      expect((await postJson(`${handle.url}/v1/models/telco-churn:predict`, { instances: [TELCO_ROW] })).status).toBe(503);
    } finally {
      await handle.shutdown(0);
    }

    const requestLines = lines.filter((line) => line['msg'] === 'request completed' || line['msg'] === 'request failed');
    expect(requestLines.map((line) => [line['route'], line['level'], 'err' in line])).toEqual([
      ['/readyz', 20, false],
      ['/v2/health/ready', 20, false],
      ['/v2/models/:name/ready', 20, false],
      ['/v1/models/:name:predict', 30, false],
    ]);
    const errors = lines.filter((line) => (line['level'] as number) >= 50);
    expect(errors.map((line) => line['msg'])).toEqual(['model load failed; the scorer stays not ready']);
    expect(errors[0]).toMatchObject({
      error: `model bundle folder ${directory} does not exist; check model.uri or --model-uri`,
      field: 'model.uri',
    });
    expect(errors[0]).not.toHaveProperty('err');
  });
});
