import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

import { parseExperimentConfig } from './config.ts';
import { createExperimentMetrics } from './metrics.ts';

const experiment = parseExperimentConfig(
  {
    name: 'retention-q1',
    salt: 'salt',
    variants: [
      { name: 'control', weight: 50, control: true },
      { name: 'discount', weight: 50, nudges: { high: { action: 'a', channel: 'email', message: 'm' } } },
    ],
  },
  { riskBands: { medium: 0.3, high: 0.6 } },
);

async function valueOf(registry: Registry, name: string, variant: string): Promise<number | undefined> {
  const metric = await registry.getSingleMetric(name)?.get();
  return metric?.values.find((value) => value.labels.variant === variant)?.value;
}

describe('createExperimentMetrics', () => {
  it('adds counts at collection', async () => {
    const registry = new Registry();
    const metrics = createExperimentMetrics(registry, experiment);

    metrics.countExposure('discount');
    metrics.countExposure('discount');
    metrics.countConversion('control');

    expect(await valueOf(registry, 'engagetrack_experiment_exposures_total', 'discount')).toBe(2);
    expect(await valueOf(registry, 'engagetrack_experiment_exposures_total', 'control')).toBe(0);
    expect(await valueOf(registry, 'engagetrack_experiment_conversions_total', 'control')).toBe(1);

    metrics.countExposure('discount');
    expect(await valueOf(registry, 'engagetrack_experiment_exposures_total', 'discount')).toBe(3);
  });

  it('collects every set on a registry', async () => {
    const registry = new Registry();
    const first = createExperimentMetrics(registry, experiment);
    const second = createExperimentMetrics(registry, experiment);

    first.countExposure('discount');
    second.countExposure('discount');

    expect(await valueOf(registry, 'engagetrack_experiment_exposures_total', 'discount')).toBe(2);
  });

  it('names a variant without a series', () => {
    const metrics = createExperimentMetrics(new Registry(), experiment);

    expect(() => metrics.countExposure('email')).toThrow('variant "email" has no metric series');
  });
});
