import { describe, expect, it } from 'vitest';

import { namedRoutePath } from './route-path.ts';

describe('namedRoutePath', () => {
  const predict = namedRoutePath('/v1/models/:name:predict');

  it('captures the name between the literal parts', () => {
    expect(predict.exec('/v1/models/telco-churn:predict')?.groups).toEqual({ name: 'telco-churn' });
    expect(predict.exec('/v1/models/telco-churn:predict/')?.groups).toEqual({ name: 'telco-churn' });
    expect(predict.test('/V1/Models/telco-churn:Predict')).toBe(true);
  });

  it('rejects empty, slashed or extended names', () => {
    expect(predict.test('/v1/models/:predict')).toBe(false);
    expect(predict.test('/v1/models/a/b:predict')).toBe(false);
    expect(predict.test('/v1/models/telco-churn:predict/extra')).toBe(false);
    expect(predict.test('/v1/models/telco-churn:predictx')).toBe(false);
  });

  it('escapes regular expression characters', () => {
    const path = namedRoutePath('/v1/a.b/:name/c+d');
    expect(path.test('/v1/a.b/x/c+d')).toBe(true);
    expect(path.test('/v1/aXb/x/ccd')).toBe(false);
  });

  it('requires exactly one name parameter', () => {
    expect(() => namedRoutePath('/v1/models')).toThrow('route pattern /v1/models must contain :name exactly once');
    expect(() => namedRoutePath('/v1/:name/:name')).toThrow('must contain :name exactly once');
  });
});
