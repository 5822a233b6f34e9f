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
    expect(config.server).toEqual({ port: 8080, bodyLimitBytes: 1_048_576, maxBatchSize: 10_000, shutdownGracePeriodSeconds: 25, trustedProxyHops: 1 });
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
    [{ ...minimal, riskBands: { medium: 0.7, high: 0.6 } }, 'riskBands.medium'],
    [{ ...minimal, servr: {} }, '(root)'],
    [{ ...minimal, experiment: { name: 'retention-q1', salt: 's', variants: [{ name: 'a', weight: 60 }, { name: 'b', weight: 30 }] } }, 'experiment.variants'],
  ])('names the invalid field %#', (raw, field) => {
    const error = configErrorOf(raw);
    expect(error.field).toBe(field);
    expect(error.message).toContain(field);
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
    expect(config.auth.apiKeysFile).toMatch(/api-keys$/);
    expect(config.experiment?.variants.map((variant) => variant.name)).toEqual(['control', 'discount']);
  });
});
