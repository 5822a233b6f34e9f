import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';

import type { ExperimentConfig } from './config.ts';

type ExperimentLabel = 'experiment' | 'variant';
type Labels = Record<ExperimentLabel, string>;

export interface ExperimentMetrics {
  countExposure(variantName: string): void;
  countConversion(variantName: string): void;
}

/** One series of a counter whose increments are added up here and handed over at collection. */
interface PendingSeries {
  labels: Labels;
  count: number;
}

/** Pending series of each counter, shared by every set of metrics created on its registry. */
const pendingByCounter = new WeakMap<Counter<ExperimentLabel>, PendingSeries[]>();

/**
 * Registers the exposure and conversion counters on `registry`, or reuses them when metrics
 * were created on the same registry before. Every variant starts with a zero series, so
 * that rates exist before its first exposure.
 *
 * A count is one addition to a plain number; the counter receives the sums when it is
 * collected, on each scrape. Counter.inc with labels hashes the label set on every call.
 */
export function createExperimentMetrics(registry: Registry, experiment: ExperimentConfig): ExperimentMetrics {
  const exposures = seriesByVariant(
    counterOn(registry, 'engagetrack_experiment_exposures_total', 'Nudge responses served per experiment variant; paused experiments count none.'),
    experiment,
  );
  const conversions = seriesByVariant(
    counterOn(registry, 'engagetrack_experiment_conversions_total', 'Conversions reported per experiment variant; paused experiments count none.'),
    experiment,
  );

  return {
    countExposure: (variantName) => countIn(exposures, variantName),
    countConversion: (variantName) => countIn(conversions, variantName),
  };
}

function seriesByVariant(counter: Counter<ExperimentLabel>, experiment: ExperimentConfig): Map<string, PendingSeries> {
  const pending = pendingByCounter.get(counter)!;
  const byVariant = new Map<string, PendingSeries>();
  for (const variant of experiment.variants) {
    const series = { labels: { experiment: experiment.name, variant: variant.name }, count: 0 };
    counter.inc(series.labels, 0);
    pending.push(series);
    byVariant.set(variant.name, series);
  }
  return byVariant;
}

function countIn(byVariant: Map<string, PendingSeries>, variantName: string): void {
  const series = byVariant.get(variantName);
  if (series === undefined) {
    throw new Error(`variant "${variantName}" has no metric series`);
  }
  series.count++;
}

function counterOn(registry: Registry, name: string, help: string): Counter<ExperimentLabel> {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) {
    return existing as Counter<ExperimentLabel>;
  }

  const pending: PendingSeries[] = [];
  const counter = new Counter<ExperimentLabel>({
    name,
    help,
    labelNames: ['experiment', 'variant'],
    registers: [registry],
    collect() {
      for (const series of pending) {
        if (series.count > 0) {
          this.inc(series.labels, series.count);
          series.count = 0;
        }
      }
    },
  });
  pendingByCounter.set(counter, pending);
  return counter;
}
