import { describe, expect, it } from 'vitest';

import { RISK_BANDS } from '../prediction.ts';
import { parseExperimentConfig } from './config.ts';
import type { ExperimentConfig, Variant } from './config.ts';
import { NudgeResponseWriter } from './nudge-response.ts';
import type { NudgeOutcome, NudgeResponse } from './nudge-response.ts';
import { renderMessage } from './template.ts';

function experimentOf(paused: boolean): ExperimentConfig {
  const raw = {
    name: 'retention-q1',
    salt: '2026-q1',
    paused,
    variants: [
      { name: 'control', weight: 40, control: true },
      {
        name: 'discount',
        weight: 60,
        nudges: {
          high: { action: 'offer-discount-20', channel: 'email', message: '{{probabilityPercent}}% risk, "{{band}}" band\nin {{experiment}}' },
          medium: { action: 'tips', channel: 'in-app', message: 'Tips for {{variant}} \u00e9 \u2603' },
        },
      },
    ],
  };
  return parseExperimentConfig(raw, { riskBands: { medium: 0.3, high: 0.6 } });
}

/** Returns the body as one object through JSON.stringify, the text the writer must match. */
function expectedText(experiment: ExperimentConfig, outcome: NudgeOutcome): string {
  const { variant, riskBand, churnProbability } = outcome;
  const rule = variant?.nudges[riskBand];
  const probabilityPercent = String(Math.round(churnProbability * 100));
  const body: NudgeResponse = {
    experiment: experiment.name,
    variant: variant?.name ?? null,
    nudge:
      variant === undefined || rule === undefined
        ? null
        : {
            action: rule.action,
            channel: rule.channel,
            message: renderMessage(rule.message, { experiment: experiment.name, variant: variant.name, band: riskBand, probabilityPercent }),
          },
    churnProbability,
    riskBand,
    modelVersion: outcome.modelVersion,
    paused: experiment.paused,
  };
  return JSON.stringify(body);
}

describe('NudgeResponseWriter', () => {
  it('matches JSON.stringify in every case', () => {
    for (const paused of [false, true]) {
      const experiment = experimentOf(paused);
      const writer = new NudgeResponseWriter(experiment);
      const variants: (Variant | undefined)[] = [...experiment.variants, undefined];
      for (const variant of variants) {
        for (const riskBand of RISK_BANDS) {
          for (const churnProbability of [0, 0.123456789, 0.655, 1e-7, 1]) {
            const outcome = { variant, riskBand, churnProbability, modelVersion: '1.2.0' };
            expect(writer.write(outcome)).toBe(expectedText(experiment, outcome));
          }
        }
      }
    }
  });

  it('follows a change of model version', () => {
    const experiment = experimentOf(false);
    const writer = new NudgeResponseWriter(experiment);
    const control = experiment.variants[0];

    for (const modelVersion of ['1.2.0', '1.3.0 "rc"', '1.2.0']) {
      const outcome = { variant: control, riskBand: 'low' as const, churnProbability: 0.1, modelVersion };
      expect(JSON.parse(writer.write(outcome))).toMatchObject({ modelVersion });
    }
  });

  it('writes null for a NaN probability', () => {
    const experiment = experimentOf(false);
    const writer = new NudgeResponseWriter(experiment);

    const text = writer.write({ variant: experiment.variants[0], riskBand: 'low', churnProbability: Number.NaN, modelVersion: '1' });

    expect(JSON.parse(text)).toMatchObject({ churnProbability: null });
  });
});
