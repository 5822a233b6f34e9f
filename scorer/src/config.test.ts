import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { load as parseYaml } from 'js-yaml';
import { renderScorerConfig } from '../../operator/src/workload/scorer-config.ts';
import { loadConfig, parseConfig } from './config.ts';
import { ConfigError } from './errors.ts';

const minimal = { model: { name: 'telco-churn', uri: 'samples/models/telco-churn' } };

function configErrorOf(raw: unknown): ConfigError {
  try {
    parseConfig(raw, 'scorer.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('fills the documented defaults', () => {
    const config = parseConfig(minimal, 'scorer.yaml');
    expect(config.server).toEqual({
      port: 8080,
      host: '0.0.0.0',
      bodyLimitBytes: 8 * 1024 * 1024,
      maxBatchSize: 10_000,
      shutdownGracePeriodSeconds: 25,
      trustedProxyHops: 1,
    });
    expect(config.rateLimit).toEqual({ enabled: true, limit: 250, windowSeconds: 1 });
    expect(config.riskBands).toEqual({ medium: 0.3, high: 0.6 });
    expect(config.model.unknownCategory).toBe('ignore');
    expect(config.model.allowLoopback).toBe(false);
    expect(config.experiment).toBeUndefined();
  });

  it.each([
    [{ ...minimal, server: { port: 70000 } }, 'server.port'],
    [{ ...minimal, rateLimit: { limit: 0 } }, 'rateLimit.limit'],
    [{ model: { name: 'Telco_Churn', uri: 'x' } }, 'model.name'],
    [{ model: { name: 'telco-churn' } }, 'model.uri'],
    [{ model: { ...minimal.model, sha256: 'ABC' } }, 'model.sha256'],
    [{ model: { ...minimal.model, unknownCategory: 'drop' } }, 'model.unknownCategory'],
    [{ ...minimal, riskBands: { medium: 0.7, high: 0.6 } }, 'riskBands.high'],
    [{ ...minimal, servr: {} }, 'servr'],
    [{ ...minimal, experiment: { name: 'retention-q1', salt: 's', variants: [{ name: 'a', weight: 60 }, { name: 'b', weight: 30 }] } }, 'experiment.variants'],
  ])('names the invalid field %#', (raw, field) => {
    const error = configErrorOf(raw);
    expect(error.field).toBe(field);
    expect(error.message).toContain(field);
  });

  it.each([
    [{ server: { maxBatchSzie: 100 } }, 'server.maxBatchSzie: unknown field; remove it or correct its spelling (did you mean "maxBatchSize"?)'],
    [{ server: { port: '8080' } }, 'server.port: must be a number, not the string "8080"; write it without quotes'],
    [{ server: { port: 80.5 } }, 'server.port: must be a whole number, not 80.5'],
    [{ server: { port: 70000 } }, 'server.port: must be at most 65535'],
    [{ server: { bodyLimitBytes: 10 } }, 'server.bodyLimitBytes: must be at least 1024'],
    [{ rateLimit: { enabled: 'true' } }, 'rateLimit.enabled: must be a boolean, not the string "true"; write it without quotes'],
    [{ model: { unknownCategory: 'drop' } }, 'model.unknownCategory: must be one of "ignore", "reject", not "drop"'],
    [{ model: { uri: undefined } }, 'model.uri: is required'],
    [{ riskBands: { medium: 0, high: 0.6 } }, 'riskBands.medium: must be greater than 0'],
    [{ riskBands: { medium: 0.3, high: 1 } }, 'riskBands.high: must be less than 1'],
    [{ riskBands: { medium: 0.6, high: 0.6 } }, 'riskBands.high: must be greater than medium (0.6), not 0.6; raise high or lower medium'],
    [{ modle: {} }, 'modle: unknown field; remove it or correct its spelling (did you mean "model"?)'],
  ])('words problem %# with file, field and fix', (change, expected) => {
    const raw = { ...minimal, ...change, model: { ...minimal.model, ...(change as { model?: object }).model } };
    const error = configErrorOf(raw);
    expect(error.message).toBe(`Invalid scorer configuration in scorer.yaml:\n  - ${expected}`);
  });

  it('lists experiment problems with the file name', () => {
    const error = configErrorOf({
      ...minimal,
      server: { maxBatchSzie: 1 },
      experiment: { name: 'retention-q1', salt: '', variants: [{ name: 'control', weight: 100, control: true }] },
    });
    expect(error.message).toBe(
      'Invalid scorer configuration in scorer.yaml:\n' +
        '  - server.maxBatchSzie: unknown field; remove it or correct its spelling (did you mean "maxBatchSize"?)\n' +
        '  - experiment.salt: must not be empty; set a salt of up to 64 characters, such as "2026-q1"',
    );
    expect(error.problems.map((problem) => problem.field)).toEqual(['server.maxBatchSzie', 'experiment.salt']);
  });

  it('applies one risk band rule at the top level and in the experiment', () => {
    const experiment = { name: 'retention-q1', salt: 's', variants: [{ name: 'control', weight: 100, control: true }] };
    for (const riskBands of [{ medium: 0, high: 0.5 }, { medium: 0.5, high: 1 }]) {
      expect(configErrorOf({ ...minimal, riskBands }).field).toMatch(/^riskBands\./);
      expect(configErrorOf({ ...minimal, experiment: { ...experiment, riskBands } }).field).toMatch(/^experiment\.riskBands\./);
    }
  });

  it('parses the experiment with the top-level risk bands', () => {
    const config = parseConfig(
      { ...minimal, riskBands: { medium: 0.2, high: 0.5 }, experiment: { name: 'retention-q1', salt: 's', variants: [{ name: 'control', weight: 100, control: true }] } },
      'scorer.yaml',
    );
    expect(config.experiment?.name).toBe('retention-q1');
    expect(config.experiment?.riskBands).toEqual({ medium: 0.2, high: 0.5 });
  });
});

describe('loadConfig', () => {
  it('reads the sample configuration', async () => {
    const config = await loadConfig('samples/scorer/config.yaml');
    expect(config.model.name).toBe('telco-churn');
    expect(config.experiment?.name).toBe('retention-q1');
  });

  it('keeps the sample configuration on loopback with a body limit that fits a full batch', async () => {
    const config = await loadConfig('samples/scorer/config.yaml');
    expect(config.server.host).toBe('127.0.0.1');
    expect(config.server.bodyLimitBytes).toBe(8 * 1024 * 1024);
    expect(config.server.maxBatchSize).toBe(10_000);
  });

  it('rejects invalid YAML naming the file', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'config-')), 'scorer.yaml');
    await writeFile(path, 'model: [unclosed');
    await expect(loadConfig(path)).rejects.toThrow(`Invalid YAML in the configuration file ${path}`);
  });

  it('rejects a missing file', async () => {
    await expect(loadConfig('/nonexistent/scorer.yaml')).rejects.toThrow('Cannot read the configuration file /nonexistent/scorer.yaml');
  });
});

describe('configuration rendered by the operator', () => {
  it('parses with every optional section', () => {
    const rendered = renderScorerConfig({
      modelName: 'telco-churn',
      release: { uri: 'https://models.example.com/telco/1.2.0/', sha256: 'a'.repeat(64), version: '1.2.0' },
      unknownCategory: 'Reject',
      riskBands: { medium: 0.25, high: 0.7 },
      auth: { apiKeySecretRef: { name: 'scorer-keys', key: 'api-keys' } },
      experiment: {
        name: 'retention-q1',
        salt: '2026-q1',
        paused: false,
        variants: [
          { name: 'control', weight: 50, control: true },
          { name: 'discount', weight: 50, nudges: { high: { action: 'offer-discount-20', channel: 'email', message: 'Take 20% off.' } } },
        ],
      },
    });
    const config = parseConfig(parseYaml(rendered), 'scorer.yaml');
    expect(config.model).toMatchObject({ name: 'telco-churn', version: '1.2.0', unknownCategory: 'reject', sha256: 'a'.repeat(64) });
    expect(config.server.trustedProxyHops).toBe(1);
    expect(config.server.host).toBe('0.0.0.0');
    expect(config.auth.apiKeysFile).toMatch(/api-keys$/);
    expect(config.experiment?.variants.map((variant) => variant.name)).toEqual(['control', 'discount']);
  });
});
