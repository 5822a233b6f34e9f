import { describe, expect, it } from 'vitest';

import type { NudgeExperiment, VariantSpec } from '../workload/types.ts';
import { invalidLayoutConditions } from './status.ts';
import { variantLayoutProblem } from './variant-layout.ts';

function experiment(variants: VariantSpec[]): NudgeExperiment {
  return {
    apiVersion: 'engagetrack.io/v1alpha1',
    kind: 'NudgeExperiment',
    metadata: { name: 'retention', namespace: 'ml', uid: 'experiment-uid', generation: 4 },
    spec: { modelRef: { name: 'telco' }, assignment: { salt: 's', unit: 'CustomerId' }, variants } as NudgeExperiment['spec'],
  };
}

const nudges = { high: { action: 'offer', channel: 'email', message: 'Take 20% off.' } } as const;

function weights(control: number, ...ranged: number[]): VariantSpec[] {
  return [
    { name: 'control', weight: control, control: true },
    ...ranged.map((weight, index) => ({ name: `v${index + 1}`, weight, nudges })),
  ];
}

describe('variantLayoutProblem', () => {
  it.each([
    ['control 50 / 50', weights(50, 50)],
    ['two ranged variants of any weights', weights(10, 60, 30)],
    ['control 40 / 20 / 20 / 20', weights(40, 20, 20, 20)],
    ['five equal variants', weights(20, 20, 20, 20, 20)],
    ['control 46 and nine variants of 6', weights(46, 6, 6, 6, 6, 6, 6, 6, 6, 6)],
    ['a variant of weight 0', weights(70, 30, 0)],
  ])('accepts %s', (_case, variants) => {
    expect(variantLayoutProblem(experiment(variants))).toBeUndefined();
  });

  it('rejects control 10 / 30 / 30 / 30', () => {
    const problem = variantLayoutProblem(experiment(weights(10, 30, 30, 30)));

    expect(problem).toMatch(/^Invalid variant layout: spec\.variants\[3\]\.weight: /);
    expect(problem).toContain('variant "v3"');
    expect(problem).toContain('overlap those of variant "v2"');
    expect(problem).toContain('"v3" can have a weight of at most 20');
    expect(problem).toContain('no scorer pod is created or changed, and no other change to the spec is applied, until it is fixed');
  });

  it('lists every variant that does not fit', () => {
    const problem = variantLayoutProblem(experiment(weights(4, 30, 30, 30, 3, 3)));

    expect(problem?.match(/spec\.variants\[\d\]\.weight/g)).toEqual(['spec.variants[3].weight', 'spec.variants[5].weight']);
    expect(problem).toContain('"v3" can have a weight of at most 20');
    expect(problem).toContain('"v5" can have a weight of at most 0');
  });

  it('uses the first variant as fallback without a control', () => {
    const variants: VariantSpec[] = [
      { name: 'a', weight: 10, nudges },
      { name: 'b', weight: 30, nudges },
      { name: 'c', weight: 30, nudges },
      { name: 'd', weight: 30, nudges },
    ];

    expect(variantLayoutProblem(experiment(variants))).toContain('variant "d"');
  });
});

describe('invalidLayoutConditions', () => {
  it('marks the experiment not ready and degraded', () => {
    const conditions = invalidLayoutConditions(experiment(weights(10, 30, 30, 30)), 'Invalid variant layout: details');

    expect(conditions).toEqual([
      { type: 'Ready', status: 'False', reason: 'InvalidVariantLayout', message: 'Invalid variant layout: details', observedGeneration: 4 },
      { type: 'Progressing', status: 'False', reason: 'InvalidVariantLayout', message: 'Invalid variant layout: details', observedGeneration: 4 },
      { type: 'Degraded', status: 'True', reason: 'InvalidVariantLayout', message: 'Invalid variant layout: details', observedGeneration: 4 },
    ]);
  });
});
