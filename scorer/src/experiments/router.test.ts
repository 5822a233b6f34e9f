import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';

import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';

import { ConfigError, InvalidRequestError, ScorerError, type FieldProblem } from '../errors.ts';
import { createScorerMetrics } from '../http/metrics.ts';
import { observeRequests } from '../http/observe.ts';
import type { FeatureRow, Prediction, Predictor } from '../prediction.ts';
import { customerDigestOf } from '../testing/customer-digest.ts';
import { assignVariant } from './assignment.ts';
import { parseExperimentConfig } from './config.ts';
import type { ExperimentConfig } from './config.ts';
import { CONVERSIONS_ROUTE, createExperimentHandlers, NUDGE_ROUTE } from './router.ts';

const AUDIT_KEY = Buffer.from('0123456789abcdef0123456789abcdef');

/** Predictor stand-in: the churn probability is the `score` feature; a missing score is invalid. */
class FakePredictor implements Predictor {
  readonly modelName = 'telco-churn';
  modelVersion = '1.2.0';
  calls = 0;

  async predict(rows: FeatureRow[]): Promise<Prediction[]> {
    this.calls++;
    return rows.map((row) => {
      if (typeof row.score !== 'number') {
        throw new InvalidRequestError('invalid instances', [{ field: 'instances[0].score', message: 'is required' }]);
      }
      return { churnProbability: row.score, riskBand: 'low' };
    });
  }

  rowProblems(row: FeatureRow): FieldProblem[] {
    return typeof row.score === 'number' ? [] : [{ field: 'instances[0].score', message: 'is required' }];
  }
}

function experimentOf(overrides: Record<string, unknown> = {}): ExperimentConfig {
  const raw = {
    name: 'retention-q1',
    salt: '2026-q1',
    variants: [
      { name: 'control', weight: 50, control: true },
      {
        name: 'discount',
        weight: 50,
        nudges: {
          high: {
            action: 'offer-discount-20',
            channel: 'email',
            message: '{{variant}}: {{probabilityPercent}}% churn risk ({{band}}) in {{experiment}}',
          },
          medium: { action: 'tips-newsletter', channel: 'in-app', message: 'Tips for you' },
        },
      },
    ],
    ...overrides,
  };
  return parseExperimentConfig(raw, { riskBands: { medium: 0.3, high: 0.6 } });
}

/** Returns the first id of the form customer-N that the experiment assigns to `variantName`. */
function customerIn(experiment: ExperimentConfig, variantName: string): string {
  for (let i = 0; i < 1000; i++) {
    const id = `customer-${i}`;
    if (assignVariant(experiment, id).name === variantName) {
      return id;
    }
  }
  throw new Error(`no customer in variant ${variantName}`);
}

interface Harness {
  baseUrl: string;
  registry: Registry;
  /** Every log line, parsed. */
  logLines: () => Record<string, unknown>[];
  /** The log lines that are audit records. */
  auditLines: () => Record<string, unknown>[];
  rawAuditText: () => string;
  predictor: FakePredictor;
}

const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

const AUDIT_MESSAGES = ['variant assigned', 'conversion recorded'];

/** Mounts the handlers on a small app with the scorer's request log and error body shape. */
async function startApp(experiment: ExperimentConfig, logLevel = 'info'): Promise<Harness> {
  const metrics = createScorerMetrics('telco-churn', '1.2.0');
  const registry = metrics.registry;
  const chunks: string[] = [];
  const logger = pino({ level: logLevel }, { write: (chunk: string) => chunks.push(chunk) });
  const predictor = new FakePredictor();

  const app = express();
  app.use(observeRequests(logger, metrics));
  app.use(express.json());
  const handlers = createExperimentHandlers({ experiment, predictor, registry, auditKey: AUDIT_KEY, logger });
  app.post(NUDGE_ROUTE, handlers.nudge);
  app.post(CONVERSIONS_ROUTE, handlers.conversions);
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof ScorerError) {
      res.status(error.status).json(error.toJSON());
      return;
    }
    res.status(500).json({ error: { code: 'Internal', message: String(error) } });
  });

  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    registry,
    logLines: () => chunks.map((chunk) => JSON.parse(chunk) as Record<string, unknown>),
    auditLines: () =>
      chunks.map((chunk) => JSON.parse(chunk) as Record<string, unknown>).filter((line) => AUDIT_MESSAGES.includes(line['msg'] as string)),
    rawAuditText: () => chunks.join(''),
    predictor,
  };
}

async function post(harness: Harness, path: string, body: unknown) {
  const response = await fetch(`${harness.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function counterValue(registry: Registry, name: string, variant: string): Promise<number | undefined> {
  const metric = await registry.getSingleMetric(name)?.get();
  return metric?.values.find((value) => value.labels.variant === variant)?.value;
}

/** Returns the message of a 400 with `count` field problems. */
function invalidFieldsMessage(count: number): string {
  return count === 1 ? 'The request has 1 invalid field.' : `The request has ${count} invalid fields.`;
}

function digestOf(customerId: string): string {
  return customerDigestOf(AUDIT_KEY, customerId);
}

describe('POST /v1/experiments/:name/nudge', () => {
  it('returns the nudge of the assigned variant', async () => {
    const experiment = experimentOf();
    const harness = await startApp(experiment);
    const customerId = customerIn(experiment, 'discount');

    const response = await post(harness, '/v1/experiments/retention-q1/nudge', { customerId, features: { score: 0.82 } });

    expect(response).toEqual({
      status: 200,
      body: {
        experiment: 'retention-q1',
        variant: 'discount',
        nudge: {
          action: 'offer-discount-20',
          channel: 'email',
          message: 'discount: 82% churn risk (high) in retention-q1',
        },
        churnProbability: 0.82,
        riskBand: 'high',
        modelVersion: '1.2.0',
        paused: false,
      },
    });
  });

  it('returns no nudge for the control', async () => {
    const experiment = experimentOf();
    const harness = await startApp(experiment);
    const customerId = customerIn(experiment, 'control');

    const response = await post(harness, '/v1/experiments/retention-q1/nudge', { customerId, features: { score: 0.9 } });

    expect(response.body.variant).toBe('control');
    expect(response.body.nudge).toBeNull();
  });

  it('returns no nudge for a band without rule', async () => {
    const experiment = experimentOf();
    const harness = await startApp(experiment);
    const customerId = customerIn(experiment, 'discount');

    const response = await post(harness, '/v1/experiments/retention-q1/nudge', { customerId, features: { score: 0.1 } });

    expect(response.body.riskBand).toBe('low');
    expect(response.body.nudge).toBeNull();
  });

  it('uses the risk bands of the experiment', async () => {
    const experiment = experimentOf({ riskBands: { medium: 0.2, high: 0.5 } });
    const harness = await startApp(experiment);
    const customerId = customerIn(experiment, 'discount');

    const response = await post(harness, '/v1/experiments/retention-q1/nudge', { customerId, features: { score: 0.55 } });

    expect(response.body.riskBand).toBe('high');
    expect((response.body.nudge as { action: string }).action).toBe('offer-discount-20');
  });

  it('counts one exposure per response', async () => {
    const experiment = experimentOf();
    const harness = await startApp(experiment);
    const customerId = customerIn(experiment, 'discount');

    await post(harness, '/v1/experiments/retention-q1/nudge', { customerId, features: { score: 0.5 } });
    await post(harness, '/v1/experiments/retention-q1/nudge', { customerId, features: { score: 0.5 } });

    expect(await counterValue(harness.registry, 'engagetrack_experiment_exposures_total', 'discount')).toBe(2);
    expect(await counterValue(harness.registry, 'engagetrack_experiment_exposures_total', 'control')).toBe(0);
    expect(await harness.registry.metrics()).toMatch(
      /^engagetrack_experiment_exposures_total\{experiment="retention-q1",variant="discount"[^}]*\} 2$/m,
    );
  });

  it('writes one audit line without the raw id', async () => {
    const experiment = experimentOf();
    const harness = await startApp(experiment);
    const customerId = customerIn(experiment, 'discount');

    await post(harness, '/v1/experiments/retention-q1/nudge', { customerId, features: { score: 0.82 } });

    // The audit record is the request's only log line.
    expect(harness.logLines()).toHaveLength(1);
    expect(harness.auditLines()[0]).toMatchObject({
      level: 30,
      msg: 'variant assigned',
      experiment: 'retention-q1',
      variant: 'discount',
      riskBand: 'high',
      modelVersion: '1.2.0',
      customer: digestOf(customerId),
      route: '/v1/experiments/:name/nudge',
      res: { statusCode: 200 },
    });
    expect(harness.rawAuditText()).not.toContain(customerId);
  });

  it('writes audit lines at level warn', async () => {
    const experiment = experimentOf();
    const harness = await startApp(experiment, 'warn');
    const customerId = customerIn(experiment, 'discount');

    await post(harness, '/v1/experiments/retention-q1/nudge', { customerId, features: { score: 0.82 } });
    await post(harness, '/v1/experiments/retention-q1/conversions', { customerId, event: 'renewed' });
    await post(harness, '/v1/experiments/other/nudge', { customerId, features: { score: 0.82 } });

    // The 404 of the unknown experiment is an info line, which level warn drops.
    const lines = harness.logLines();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 30, msg: 'variant assigned', customer: digestOf(customerId) });
    expect(lines[1]).toMatchObject({ level: 30, msg: 'conversion recorded', customer: digestOf(customerId) });
  });

  it('names the model version and band of each assignment', async () => {
    const experiment = experimentOf();
    const harness = await startApp(experiment);
    const customerId = customerIn(experiment, 'discount');

    await post(harness, '/v1/experiments/retention-q1/nudge', { customerId, features: { score: 0.82 } });
    await post(harness, '/v1/experiments/retention-q1/nudge', { customerId, features: { score: 0.1 } });
    harness.predictor.modelVersion = '1.3.0';
    await post(harness, '/v1/experiments/retention-q1/nudge', { customerId, features: { score: 0.82 } });

    const lines = harness.auditLines().map(({ variant, riskBand, modelVersion }) => ({ variant, riskBand, modelVersion }));
    expect(lines).toEqual([
      { variant: 'discount', riskBand: 'high', modelVersion: '1.2.0' },
      { variant: 'discount', riskBand: 'low', modelVersion: '1.2.0' },
      { variant: 'discount', riskBand: 'high', modelVersion: '1.3.0' },
    ]);
  });

  it('assigns the same variant on every replica', async () => {
    const replicas = [await startApp(experimentOf()), await startApp(experimentOf())];

    for (const customerId of ['customer-1', 'customer-2', 'customer-3', 'müller-7']) {
      const responses = await Promise.all(
        replicas.map((harness) =>
          post(harness, '/v1/experiments/retention-q1/nudge', { customerId, features: { score: 0.5 } }),
        ),
      );
      expect(responses[1]!.body.variant).toBe(responses[0]!.body.variant);
    }
  });

  it('serves the control while paused', async () => {
    const experiment = experimentOf({ paused: true });
    const harness = await startApp(experiment);
    const customerId = customerIn(experimentOf(), 'discount');

    const response = await post(harness, '/v1/experiments/retention-q1/nudge', { customerId, features: { score: 0.82 } });

    expect(response.body).toEqual({
      experiment: 'retention-q1',
      variant: 'control',
      nudge: null,
      churnProbability: 0.82,
      riskBand: 'high',
      modelVersion: '1.2.0',
      paused: true,
    });
    expect(await counterValue(harness.registry, 'engagetrack_experiment_exposures_total', 'discount')).toBe(0);
    expect(await counterValue(harness.registry, 'engagetrack_experiment_exposures_total', 'control')).toBe(0);
    expect(harness.auditLines()).toEqual([]);
  });

  it('serves no variant while paused without control', async () => {
    const experiment = experimentOf({
      paused: true,
      variants: [
        { name: 'email', weight: 50, nudges: { high: { action: 'a', channel: 'email', message: 'm' } } },
        { name: 'sms', weight: 50, nudges: { high: { action: 'b', channel: 'sms', message: 'm' } } },
      ],
    });
    const harness = await startApp(experiment);

    const response = await post(harness, '/v1/experiments/retention-q1/nudge', {
      customerId: 'customer-1',
      features: { score: 0.9 },
    });

    expect(response.body.variant).toBeNull();
    expect(response.body.nudge).toBeNull();
    expect(response.body.paused).toBe(true);
    expect(harness.auditLines()).toEqual([]);
  });
});

describe('POST /v1/experiments/:name/conversions', () => {
  it('counts the conversion under the variant', async () => {
    const experiment = experimentOf();
    const harness = await startApp(experiment);
    const customerId = customerIn(experiment, 'discount');

    const response = await post(harness, '/v1/experiments/retention-q1/conversions', { customerId, event: 'renewed' });

    expect(response).toEqual({
      status: 202,
      body: { experiment: 'retention-q1', variant: 'discount', event: 'renewed', counted: true, paused: false },
    });
    expect(await counterValue(harness.registry, 'engagetrack_experiment_conversions_total', 'discount')).toBe(1);
    expect(harness.auditLines()[0]).toMatchObject({
      msg: 'conversion recorded',
      experiment: 'retention-q1',
      variant: 'discount',
      event: 'renewed',
      customer: digestOf(customerId),
    });
    expect(harness.rawAuditText()).not.toContain(customerId);
  });

  it('counts nothing while paused', async () => {
    const harness = await startApp(experimentOf({ paused: true }));

    const response = await post(harness, '/v1/experiments/retention-q1/conversions', {
      customerId: 'customer-1',
      event: 'renewed',
    });

    expect(response).toEqual({
      status: 202,
      body: { experiment: 'retention-q1', variant: 'control', event: 'renewed', counted: false, paused: true },
    });
    expect(await counterValue(harness.registry, 'engagetrack_experiment_conversions_total', 'control')).toBe(0);
    expect(harness.auditLines()).toEqual([]);
  });
});

describe('bad input', () => {
  const sendCustomerId = 'send the customer\'s id, such as "7590-VHVEG"';
  const missingCustomerId = `is required; ${sendCustomerId}`;
  const emptyCustomerId = `must not be empty; ${sendCustomerId}`;
  const blankCustomerId = `must not be only white space; ${sendCustomerId}`;
  const nudgePath = '/v1/experiments/retention-q1/nudge';
  const conversionsPath = '/v1/experiments/retention-q1/conversions';
  const features = { score: 0.5 };

  it.each([
    ['missing customerId', nudgePath, { features }, [{ field: 'customerId', message: missingCustomerId }]],
    ['empty customerId', nudgePath, { customerId: '', features }, [{ field: 'customerId', message: emptyCustomerId }]],
    [
      'blank customerId',
      nudgePath,
      { customerId: '  ', features },
      [{ field: 'customerId', message: blankCustomerId }],
    ],
    [
      'customerId of a no-break space',
      nudgePath,
      { customerId: '\u00a0', features },
      [{ field: 'customerId', message: blankCustomerId }],
    ],
    [
      'over-long customerId',
      nudgePath,
      { customerId: 'c'.repeat(257), features },
      [{ field: 'customerId', message: 'must be at most 256 characters, not 257' }],
    ],
    [
      'over-long customerId of emoji',
      nudgePath,
      { customerId: '\u{1F600}'.repeat(129), features },
      [{ field: 'customerId', message: 'must be at most 256 characters, not 258, where emoji and other characters above U+FFFF count as 2' }],
    ],
    [
      'customerId with newline',
      nudgePath,
      { customerId: 'customer\n42', features },
      [{ field: 'customerId', message: 'must not contain control characters such as newlines or tabs; send the id without them' }],
    ],
    [
      'customerId with NUL',
      nudgePath,
      { customerId: 'customer\u000042', features },
      [{ field: 'customerId', message: 'must not contain control characters such as newlines or tabs; send the id without them' }],
    ],
    [
      'numeric customerId',
      nudgePath,
      { customerId: 42, features },
      [{ field: 'customerId', message: 'must be a string, not a number; send the id in quotes, such as "7590-VHVEG"' }],
    ],
    [
      'object customerId',
      nudgePath,
      { customerId: { id: 'customer-1' }, features },
      [{ field: 'customerId', message: 'must be a string, not an object; send the id in quotes, such as "7590-VHVEG"' }],
    ],
    [
      'null customerId',
      nudgePath,
      { customerId: null, features },
      [{ field: 'customerId', message: 'must be a string, not null; send the id in quotes, such as "7590-VHVEG"' }],
    ],
    [
      'missing features',
      nudgePath,
      { customerId: 'customer-1' },
      [{ field: 'features', message: 'is required; send the feature values as an object' }],
    ],
    [
      'features as array',
      nudgePath,
      { customerId: 'customer-1', features: [0.5] },
      [{ field: 'features', message: 'must be an object of feature name to value' }],
    ],
    [
      'features as string',
      nudgePath,
      { customerId: 'customer-1', features: 'score=0.5' },
      [{ field: 'features', message: 'must be an object of feature name to value' }],
    ],
    [
      'unknown field',
      nudgePath,
      { customerId: 'customer-1', features, customerID: 'x' },
      [{ field: 'customerID', message: 'unknown field; the request accepts customerId and features' }],
    ],
    [
      'every problem at once',
      nudgePath,
      { customerId: '', features: null },
      [
        { field: 'customerId', message: emptyCustomerId },
        { field: 'features', message: 'must be an object of feature name to value' },
      ],
    ],
  ])('rejects nudge with %s', async (_case, path, body, problems) => {
    const harness = await startApp(experimentOf());

    const response = await post(harness, path, body);

    expect(response).toEqual({
      status: 400,
      body: { error: { code: 'InvalidRequest', message: invalidFieldsMessage(problems.length), problems } },
    });
    expect(harness.predictor.calls).toBe(0);
  });

  it.each([
    ['missing event', { customerId: 'customer-1' }, [{ field: 'event', message: 'is required; send the name of the conversion event, such as "renewed"' }]],
    [
      'event with spaces',
      { customerId: 'customer-1', event: 'bought plan' },
      [
        {
          field: 'event',
          message: 'must be a string of 1 to 64 letters, digits, ".", "_", ":" or "-", starting with a letter or digit',
        },
      ],
    ],
    [
      'empty event',
      { customerId: 'customer-1', event: '' },
      [
        {
          field: 'event',
          message: 'must be a string of 1 to 64 letters, digits, ".", "_", ":" or "-", starting with a letter or digit',
        },
      ],
    ],
    [
      'over-long event',
      { customerId: 'customer-1', event: 'e'.repeat(65) },
      [
        {
          field: 'event',
          message: 'must be a string of 1 to 64 letters, digits, ".", "_", ":" or "-", starting with a letter or digit',
        },
      ],
    ],
    ['missing customerId', { event: 'renewed' }, [{ field: 'customerId', message: missingCustomerId }]],
    ['blank customerId', { customerId: ' ', event: 'renewed' }, [{ field: 'customerId', message: blankCustomerId }]],
  ])('rejects conversion with %s', async (_case, body, problems) => {
    const harness = await startApp(experimentOf());

    const response = await post(harness, conversionsPath, body);

    expect(response).toEqual({
      status: 400,
      body: { error: { code: 'InvalidRequest', message: invalidFieldsMessage(problems.length), problems } },
    });
    expect(await counterValue(harness.registry, 'engagetrack_experiment_conversions_total', 'control')).toBe(0);
  });

  it('accepts ids at the length limit', async () => {
    const harness = await startApp(experimentOf());

    for (const customerId of ['c'.repeat(256), '\u{1F600}'.repeat(128)]) {
      const response = await post(harness, nudgePath, { customerId, features: { score: 0.5 } });

      expect(response.status).toBe(200);
    }
  });

  it('rejects a body that is not an object', async () => {
    const harness = await startApp(experimentOf());

    const response = await post(harness, nudgePath, ['customer-1']);

    expect(response).toEqual({
      status: 400,
      body: {
        error: {
          code: 'InvalidRequest',
          message: 'The request body must be a JSON object with customerId and features.',
          problems: [{ field: '(body)', message: 'must be a JSON object with customerId and features' }],
        },
      },
    });
  });

  it('rejects an array as body', async () => {
    const harness = await startApp(experimentOf());

    const response = await post(harness, conversionsPath, [{ customerId: 'customer-1' }]);

    expect(response.status).toBe(400);
    expect((response.body.error as { message: string }).message).toBe('The request body must be a JSON object with customerId and event.');
  });

  it('lists body and feature problems together', async () => {
    const harness = await startApp(experimentOf());

    const response = await post(harness, nudgePath, { customerId: '', features: { tenure: 3 }, extra: 1 });

    expect(response.status).toBe(400);
    expect((response.body.error as { message: string }).message).toBe('The request has 3 invalid fields.');
    expect((response.body.error as { problems: unknown[] }).problems).toEqual([
      { field: 'extra', message: 'unknown field; the request accepts customerId and features' },
      { field: 'customerId', message: emptyCustomerId },
      { field: 'features.score', message: 'is required' },
    ]);
    expect(harness.predictor.calls).toBe(0);
  });

  it('renames feature problems of the model', async () => {
    const harness = await startApp(experimentOf());

    const response = await post(harness, nudgePath, { customerId: 'customer-1', features: { tenure: 3 } });

    expect(response).toEqual({
      status: 400,
      body: {
        error: {
          code: 'InvalidRequest',
          message: 'invalid instances',
          problems: [{ field: 'features.score', message: 'is required' }],
        },
      },
    });
    expect(harness.auditLines()).toEqual([]);
  });

  it.each([nudgePath, conversionsPath].map((path) => path.replace('retention-q1', 'retention-q2')))(
    'returns 404 for unknown experiment at %s',
    async (path) => {
      const harness = await startApp(experimentOf());

      const response = await post(harness, path, { customerId: 'customer-1', features, event: 'renewed' });

      expect(response).toEqual({
        status: 404,
        body: {
          error: {
            code: 'NotFound',
            message: 'Experiment "retention-q2" is not served here; this scorer serves experiment "retention-q1".',
          },
        },
      });
    },
  );
});

describe('createExperimentHandlers', () => {
  it('reuses counters of the same registry', () => {
    const registry = new Registry();
    const deps = { experiment: experimentOf(), predictor: new FakePredictor(), registry, auditKey: AUDIT_KEY, logger: pino({ enabled: false }) };

    createExperimentHandlers(deps);

    expect(() => createExperimentHandlers(deps)).not.toThrow();
  });

  it('rejects a short audit key', () => {
    const deps = {
      experiment: experimentOf(),
      predictor: new FakePredictor(),
      registry: new Registry(),
      auditKey: Buffer.from('short'),
      logger: pino({ enabled: false }),
    };

    expect(() => createExperimentHandlers(deps)).toThrow(ConfigError);
    expect(() => createExperimentHandlers(deps)).toThrow('the audit key has 5 bytes; it needs at least 16 random bytes');
  });
});
