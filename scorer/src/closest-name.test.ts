import { describe, expect, it } from 'vitest';
import { closestName, didYouMean } from './closest-name.ts';

const telcoNames = ['gender', 'Contract', 'tenure', 'TotalCharges', 'MonthlyCharges'];

describe('closestName', () => {
  it.each([
    ['Contrct', 'Contract'],
    ['contract', 'Contract'],
    ['Tenure', 'tenure'],
    ['TotalCharge', 'TotalCharges'],
    ['MontlyCharges', 'MonthlyCharges'],
  ])('suggests the near name for %s', (name, expected) => {
    expect(closestName(name, telcoNames)).toBe(expected);
  });

  it.each(['plan', 'customerID', 'x'])('suggests nothing for the unrelated %s', (name) => {
    expect(closestName(name, telcoNames)).toBeUndefined();
  });

  it('prefers the nearest of two close names', () => {
    expect(closestName('Contracts', ['Contrast', 'Contract'])).toBe('Contract');
  });
});

describe('didYouMean', () => {
  it('formats a suggestion', () => {
    expect(didYouMean('maxBatchSzie', ['port', 'maxBatchSize'])).toBe(' (did you mean "maxBatchSize"?)');
  });

  it('is empty without one', () => {
    expect(didYouMean('servr2', ['model'])).toBe('');
  });
});
