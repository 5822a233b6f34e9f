import { describe, expect, it } from 'vitest';

import { CHURN_MODEL, DEPLOYMENT, NUDGE_EXPERIMENT, customResourceDefinitionName } from './resources.ts';

describe('customResourceDefinitionName', () => {
  it.each([
    [CHURN_MODEL, 'churnmodels.engagetrack.io'],
    [NUDGE_EXPERIMENT, 'nudgeexperiments.engagetrack.io'],
    [DEPLOYMENT, undefined],
  ])('names the CRD of $kind', (type, expected) => {
    expect(customResourceDefinitionName(type)).toBe(expected);
  });
});
