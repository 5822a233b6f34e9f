import { describe, expect, it } from 'vitest';

import { ConfigError } from '../errors.ts';
import { parseExperimentConfig } from './config.ts';

const defaults = { riskBands: { medium: 0.3, high: 0.6 } };

// Fixtures edit nested values of a parsed YAML document, which has no static type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Raw = any;

function validRaw(): Record<string, unknown> {
  return {
    name: 'retention-q1',
    salt: '2026-q1',
    paused: false,
    variants: [
      { name: 'control', weight: 50, control: true },
      {
        name: 'discount',
        weight: 50,
        nudges: {
          high: { action: 'offer-discount-20', channel: 'email', message: 'A {{probabilityPercent}}% risk: 20% off' },
          medium: { action: 'tips-newsletter', channel: 'in-app', message: 'Tips for you' },
        },
      },
    ],
  };
}

/** Returns the ConfigError that parsing `raw` throws. */
function configErrorOf(raw: unknown): ConfigError {
  try {
    parseExperimentConfig(raw, defaults);
  } catch (error) {
    if (error instanceof ConfigError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected a ConfigError');
}

/** Returns a copy of the valid experiment with `change` applied. */
function withChange(change: (raw: Raw) => void): Raw {
  const raw = structuredClone(validRaw());
  change(raw);
  return raw;
}

describe('parseExperimentConfig', () => {
  it('parses a valid experiment', () => {
    const experiment = parseExperimentConfig(validRaw(), defaults);

    expect(experiment.name).toBe('retention-q1');
    expect(experiment.salt).toBe('2026-q1');
    expect(experiment.paused).toBe(false);
    expect(experiment.riskBands).toEqual({ medium: 0.3, high: 0.6 });
    expect(experiment.variants.map((variant) => [variant.name, variant.weight, variant.control])).toEqual([
      ['control', 50, true],
      ['discount', 50, false],
    ]);
    expect(experiment.control?.name).toBe('control');
    expect(experiment.variants[1]!.nudges.high?.channel).toBe('email');
    expect(experiment.variants[1]!.nudges.low).toBeUndefined();
    expect(experiment.bucketHasher.bucketOf('customer-42')).toBe(5509);
    expect(experiment.layout.variantIndexByBucket).toHaveLength(10_000);
  });

  it('applies defaults for paused and control', () => {
    const experiment = parseExperimentConfig(
      withChange((raw) => {
        delete raw.paused;
      }),
      defaults,
    );

    expect(experiment.paused).toBe(false);
    expect(experiment.variants[1]!.control).toBe(false);
  });

  it('uses its own risk bands over the defaults', () => {
    const experiment = parseExperimentConfig(
      withChange((raw) => {
        raw.riskBands = { medium: 0.2, high: 0.5 };
      }),
      defaults,
    );

    expect(experiment.riskBands).toEqual({ medium: 0.2, high: 0.5 });
  });

  it('accepts an experiment without control', () => {
    const experiment = parseExperimentConfig(
      withChange((raw) => {
        raw.variants[0].control = false;
      }),
      defaults,
    );

    expect(experiment.control).toBeUndefined();
    expect(experiment.layout.fallbackIndex).toBe(0);
  });

  it('reports every problem in the message', () => {
    const error = configErrorOf(
      withChange((raw) => {
        raw.salt = '';
        raw.variants[1].weight = 40;
      }),
    );

    expect(error.field).toBe('experiment.salt');
    expect(error.message).toBe(
      'Invalid experiment configuration:\n' +
        '  - experiment.salt: must not be empty; set a salt of up to 64 characters, such as "2026-q1"\n' +
        '  - experiment.variants: variant weights add up to 90 (control 50, discount 40), not 100; ' +
        'change them so that they add up to 100',
    );
  });

  it('rejects missing experiment', () => {
    const error = configErrorOf(undefined);

    expect(error.field).toBe('experiment');
    expect(error.message).toBe('Invalid experiment configuration:\n  - experiment: is required');
  });

  it.each([
    ['missing name', (raw: Raw) => delete raw.name, 'experiment.name', 'is required'],
    ['name with capitals', (raw: Raw) => (raw.name = 'Retention'), 'experiment.name', 'must be a Kubernetes object name: lowercase letters, digits, "-" and "."'],
    ['missing salt', (raw: Raw) => delete raw.salt, 'experiment.salt', 'is required; set a salt of up to 64 characters, such as "2026-q1"'],
    ['numeric salt', (raw: Raw) => (raw.salt = 2026), 'experiment.salt', 'must be a string, not the number 2026'],
    ['long salt', (raw: Raw) => (raw.salt = 'x'.repeat(65)), 'experiment.salt', 'must be at most 64 characters'],
    ['salt with newline', (raw: Raw) => (raw.salt = 'a\nb'), 'experiment.salt', 'must not contain control characters'],
    ['paused as string', (raw: Raw) => (raw.paused = 'yes'), 'experiment.paused', 'must be a boolean, not the string "yes"'],
    ['unknown key', (raw: Raw) => (raw.traffic = 50), 'experiment.traffic', 'unknown field; remove it or correct its spelling'],
    ['no variants', (raw: Raw) => (raw.variants = []), 'experiment.variants', 'must list at least one variant'],
    [
      'eleven variants',
      (raw: Raw) => (raw.variants = Array.from({ length: 11 }, (_, i) => ({ name: `v${i}`, weight: i === 0 ? 100 : 0 }))),
      'experiment.variants',
      'must list at most 10 variants',
    ],
    [
      'weights not adding up',
      (raw: Raw) => (raw.variants[1].weight = 60),
      'experiment.variants',
      'variant weights add up to 110 (control 50, discount 60), not 100; change them so that they add up to 100',
    ],
    ['fractional weight', (raw: Raw) => (raw.variants[1].weight = 49.5), 'experiment.variants[1].weight', 'must be a whole number from 0 to 100, not 49.5'],
    ['negative weight', (raw: Raw) => (raw.variants[1].weight = -1), 'experiment.variants[1].weight', 'must be a whole number from 0 to 100, not -1'],
    ['weight over 100', (raw: Raw) => (raw.variants[1].weight = 101), 'experiment.variants[1].weight', 'must be a whole number from 0 to 100, not 101'],
    ['missing weight', (raw: Raw) => delete raw.variants[1].weight, 'experiment.variants[1].weight', 'is required'],
    [
      'weight as string',
      (raw: Raw) => (raw.variants[1].weight = '50'),
      'experiment.variants[1].weight',
      'must be a number, not the string "50"; write it without quotes',
    ],
    [
      'repeated variant name',
      (raw: Raw) => (raw.variants[1].name = 'control'),
      'experiment.variants[1].name',
      'duplicate variant name "control", also used by variants[0]; give each variant its own name',
    ],
    [
      'variant name not a DNS label',
      (raw: Raw) => (raw.variants[1].name = 'Discount_20'),
      'experiment.variants[1].name',
      'must be a DNS label: lowercase letters, digits and "-", starting and ending with a letter or digit',
    ],
    [
      'two controls',
      (raw: Raw) => {
        delete raw.variants[1].nudges;
        raw.variants[1].control = true;
      },
      'experiment.variants[1].control',
      'only one variant can be the control, and variants[0] already is',
    ],
    [
      'control with nudges',
      (raw: Raw) => (raw.variants[0].nudges = { high: { action: 'call', channel: 'call', message: 'Hi' } }),
      'experiment.variants[0].nudges',
      'a control variant has no nudges; remove nudges or remove control: true',
    ],
    [
      'unknown risk band',
      (raw: Raw) => (raw.variants[1].nudges.critical = { action: 'call', channel: 'call', message: 'Hi' }),
      'experiment.variants[1].nudges.critical',
      'unknown risk band "critical"; use low, medium or high',
    ],
    [
      'unknown channel',
      (raw: Raw) => (raw.variants[1].nudges.high.channel = 'fax'),
      'experiment.variants[1].nudges.high.channel',
      'must be one of "email", "in-app", "sms", "push", "call", not "fax"',
    ],
    [
      'missing channel',
      (raw: Raw) => delete raw.variants[1].nudges.high.channel,
      'experiment.variants[1].nudges.high.channel',
      'is required; use one of "email", "in-app", "sms", "push", "call"',
    ],
    [
      'missing action',
      (raw: Raw) => delete raw.variants[1].nudges.high.action,
      'experiment.variants[1].nudges.high.action',
      'is required; set the id of the retention action, such as "offer-discount-20"',
    ],
    [
      'unknown placeholder',
      (raw: Raw) => (raw.variants[1].nudges.high.message = 'Hi {{firstName}}'),
      'experiment.variants[1].nudges.high.message',
      'unknown placeholder "{{firstName}}"; use one of {{experiment}}, {{variant}}, {{band}}, {{probabilityPercent}}',
    ],
    ['empty message', (raw: Raw) => (raw.variants[1].nudges.high.message = ''), 'experiment.variants[1].nudges.high.message', 'must not be empty'],
    [
      'unknown nudge key',
      (raw: Raw) => (raw.variants[1].nudges.high.priority = 1),
      'experiment.variants[1].nudges.high.priority',
      'unknown field; remove it or correct its spelling',
    ],
    [
      'equal thresholds',
      (raw: Raw) => (raw.riskBands = { medium: 0.5, high: 0.5 }),
      'experiment.riskBands.high',
      'must be greater than medium (0.5), not 0.5; raise high or lower medium',
    ],
    [
      'decreasing thresholds',
      (raw: Raw) => (raw.riskBands = { medium: 0.7, high: 0.4 }),
      'experiment.riskBands.high',
      'must be greater than medium (0.7), not 0.4; raise high or lower medium',
    ],
    ['threshold at 1', (raw: Raw) => (raw.riskBands = { medium: 0.3, high: 1 }), 'experiment.riskBands.high', 'must be less than 1'],
    ['threshold at 0', (raw: Raw) => (raw.riskBands = { medium: 0, high: 0.6 }), 'experiment.riskBands.medium', 'must be greater than 0'],
    ['missing threshold', (raw: Raw) => (raw.riskBands = { medium: 0.3 }), 'experiment.riskBands.high', 'is required'],
    [
      'overlapping ranges',
      (raw: Raw) =>
        (raw.variants = [
          { name: 'control', weight: 10, control: true },
          { name: 'a', weight: 30 },
          { name: 'b', weight: 30 },
          { name: 'c', weight: 30 },
        ]),
      'experiment.variants[3].weight',
      'the buckets of variant "c" (buckets 5000-7999) overlap those of variant "b" (buckets 7000-9999); ' +
        '"c" can have a weight of at most 20, or lower the weight of "b"; add what you take off to "control", ' +
        'which owns every bucket that no other variant owns',
    ],
  ])('rejects %s', (_case, change, field, message) => {
    const error = configErrorOf(withChange(change));

    expect(error.field).toBe(field);
    expect(error.message).toBe(`Invalid experiment configuration:\n  - ${field}: ${message}`);
  });

  it('reports variant and rule problems together', () => {
    const error = configErrorOf(
      withChange((raw) => {
        raw.riskBands = { medium: 0.6, high: 0.6 };
        raw.variants[1].nudges.severe = raw.variants[1].nudges.high;
        raw.variants[1].weight = 40;
        raw.variants.push({ name: 'discount', weight: 0 });
      }),
    );

    expect(error.problems.map((problem) => problem.field)).toEqual([
      'experiment.riskBands.high',
      'experiment.variants[1].nudges.severe',
      'experiment.variants',
      'experiment.variants[2].name',
    ]);
  });
});
