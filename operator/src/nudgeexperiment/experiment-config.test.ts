import { describe, expect, it } from 'vitest';

import type { NudgeExperiment, VariantSpec } from '../workload/types.ts';
import { experimentConfigProblem, specProblem } from './experiment-config.ts';
import { invalidConfigConditions } from './status.ts';

function experiment(variants: VariantSpec[], spec: Partial<NudgeExperiment['spec']> = {}): NudgeExperiment {
  return {
    apiVersion: 'engagetrack.io/v1alpha1',
    kind: 'NudgeExperiment',
    metadata: { name: 'retention', namespace: 'ml', uid: 'experiment-uid', generation: 3 },
    spec: { modelRef: { name: 'telco' }, assignment: { salt: 's', unit: 'CustomerId' }, variants, ...spec } as NudgeExperiment['spec'],
  };
}

const control: VariantSpec = { name: 'control', weight: 50, control: true };

function discount(message: string): VariantSpec {
  return { name: 'discount', weight: 50, nudges: { high: { action: 'offer-discount-20', channel: 'email', message } } };
}

describe('experimentConfigProblem', () => {
  it.each([
    ['plain text', 'Take 20% off your next bill.'],
    ['every placeholder', 'Hi from {{experiment}}/{{variant}}: {{band}} risk, {{probabilityPercent}}%'],
    ['spaces inside the braces', 'Your risk is {{ band }}.'],
    ['single braces', 'Use code {SAVE20} or }{.'],
  ])('accepts a message with %s', (_case, message) => {
    expect(experimentConfigProblem(experiment([control, discount(message)]))).toBeUndefined();
  });

  it('rejects an unknown placeholder with its spec field', () => {
    const problem = experimentConfigProblem(experiment([control, discount('Hello {{ name }}')]));

    expect(problem).toMatch(/^Invalid experiment configuration: spec\.variants\[1\]\.nudges\.high\.message: /);
    expect(problem).toContain('unknown placeholder "{{name}}"');
    expect(problem).toContain('{{probabilityPercent}}');
    expect(problem).toContain('no scorer pod is created or changed, and no other change to the spec is applied, until it is fixed');
    expect(problem).not.toContain('experiment.variants');
  });

  it('rejects unbalanced braces', () => {
    const problem = experimentConfigProblem(experiment([control, discount('Save {{band now')]));

    expect(problem).toContain('spec.variants[1].nudges.high.message: unbalanced "{{" or "}}"');
  });

  it('rejects a message longer than the scorer allows', () => {
    const problem = experimentConfigProblem(experiment([control, discount('x'.repeat(1001))]));

    expect(problem).toContain('spec.variants[1].nudges.high.message: must be at most 1000 characters');
  });

  it('rejects risk bands at the bounds with the spec field', () => {
    const problem = experimentConfigProblem(experiment([control, discount('hi')], { riskBands: { medium: 0, high: 0.6 } }));

    expect(problem).toContain('spec.riskBands.medium: must be greater than 0');
  });

  it('names every problem, each by its spec field', () => {
    const variants = [control, { ...discount('{{nope}}'), name: 'discount' }, { name: 'extra', weight: 0, nudges: { low: { action: 'a', channel: 'sms', message: '{{x}}' } } }];
    const problem = experimentConfigProblem(experiment(variants as VariantSpec[]));

    expect(problem).toContain('spec.variants[1].nudges.high.message');
    expect(problem).toContain('spec.variants[2].nudges.low.message');
  });
});

describe('specProblem', () => {
  it.each([
    ['experiment.variants[1].weight', 'spec.variants[1].weight'],
    ['experiment.salt', 'spec.assignment.salt'],
    ['experiment.name', 'metadata.name'],
    ['experiment.paused', 'spec.paused'],
    ['experiment.riskBands.high', 'spec.riskBands.high'],
  ])('maps %s', (field, expected) => {
    expect(specProblem({ field, message: 'bad' })).toBe(`${expected}: bad`);
  });

  it('leaves a field path inside the message as written', () => {
    const problem = { field: 'experiment.variants[0].nudges.high.message', message: 'unknown placeholder "{{experiment.salt}}"' };

    expect(specProblem(problem)).toBe('spec.variants[0].nudges.high.message: unknown placeholder "{{experiment.salt}}"');
  });
});

describe('invalidConfigConditions', () => {
  it('halts with InvalidExperimentConfig', () => {
    const conditions = invalidConfigConditions(experiment([control, discount('hi')]), 'Invalid experiment configuration: x');

    expect(conditions.map((condition) => `${condition.type}=${condition.status}/${condition.reason}`)).toEqual([
      'Ready=False/InvalidExperimentConfig',
      'Progressing=False/InvalidExperimentConfig',
      'Degraded=True/InvalidExperimentConfig',
    ]);
    expect(conditions.every((condition) => condition.observedGeneration === 3)).toBe(true);
  });
});
