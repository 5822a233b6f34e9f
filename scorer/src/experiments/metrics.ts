import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';

import type { ExperimentConfig } from './config.ts';

type ExperimentLabel = 'experiment' | 'variant';

export interface ExperimentMetrics {
  readonly exposures: Counter<ExperimentLabel>;
  readonly conversions: Counter<ExperimentLabel>;
}

/**
 * Registers the exposure and conversion counters on `registry`, or reuses them when a
 * router was created on the same registry before. Every variant starts with a zero
 * series, so that rates exist before its first exposure.
 */
export function createExperimentMetrics(registry: Registry, experiment: ExperimentConfig): ExperimentMetrics {
  const exposures = counterOn(
    registry,
    'engagetrack_experiment_exposures_total',
    'Nudge responses served per experiment variant; paused experiments count none.',
  );
  const conversions = counterOn(
    registry,
    'engagetrack_experiment_conversions_total',
    'Conversions reported per experiment variant; paused experiments count none.',
  );

  for (const variant of experiment.variants) {
    const labels = { experiment: experiment.name, variant: variant.name };
    exposures.inc(labels, 0);
    conversions.inc(labels, 0);
  }

  return { exposures, conversions };
}

function counterOn(registry: Registry, name: string, help: string): Counter<ExperimentLabel> {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) {
    return existing as Counter<ExperimentLabel>;
  }
  return new Counter({ name, help, labelNames: ['experiment', 'variant'], registers: [registry] });
}
