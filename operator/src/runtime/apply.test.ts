import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';

import { APPLIED_HASH_ANNOTATION, containsFields, isUpToDate, stableStringify, withAppliedHash } from './apply.ts';
import { conditionTransitions, mergeConditions } from './conditions.ts';

describe('containsFields', () => {
  it.each([
    ['equal scalars', 1, 1, true],
    ['different scalars', 1, 2, false],
    ['server defaults ignored', { a: 1, defaulted: 'x' }, { a: 1 }, true],
    ['nested difference', { spec: { replicas: 5 } }, { spec: { replicas: 2 } }, false],
    ['missing field', {}, { a: 1 }, false],
    ['array elements with defaults', [{ name: 'a', protocol: 'TCP' }], [{ name: 'a' }], true],
    ['array of other length', [1, 2], [1], false],
    ['string against number', '1', 1, false],
    ['undefined desired field', { a: 1 }, { a: 1, b: undefined }, true],
  ])('%s', (_case, actual, desired, expected) => {
    expect(containsFields(actual, desired)).toBe(expected);
  });
});

describe('applied hash', () => {
  const desired: KubernetesObject & { data: Record<string, string> } = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'a', namespace: 'ns' },
    data: { key: 'value' },
  };

  it('annotates the hash of the content', () => {
    const annotated = withAppliedHash(desired);
    expect(annotated.metadata?.annotations?.[APPLIED_HASH_ANNOTATION]).toMatch(/^[a-f0-9]{64}$/);
  });

  it('ignores key order', () => {
    const reordered = { data: { key: 'value' }, metadata: { namespace: 'ns', name: 'a' }, kind: 'ConfigMap', apiVersion: 'v1' };
    expect(withAppliedHash(reordered as KubernetesObject).metadata?.annotations).toEqual(withAppliedHash(desired).metadata?.annotations);
  });

  it('cached object with server fields is up to date', () => {
    const annotated = withAppliedHash(desired);
    const cached = { ...annotated, metadata: { ...annotated.metadata, uid: 'u', resourceVersion: '5' } };
    expect(isUpToDate(cached, annotated)).toBe(true);
  });

  it('removed desired field is not up to date', () => {
    const previous = withAppliedHash({ ...desired, data: { key: 'value', extra: 'x' } });
    expect(isUpToDate(previous, withAppliedHash(desired))).toBe(false);
  });

  it('missing object is not up to date', () => {
    expect(isUpToDate(undefined, withAppliedHash(desired))).toBe(false);
  });

  it('stableStringify sorts keys', () => {
    expect(stableStringify({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
  });
});

describe('conditions', () => {
  const earlier = new Date('2026-01-01T00:00:00Z');
  const later = new Date('2026-01-01T01:00:00Z');

  it('keeps lastTransitionTime while the status holds', () => {
    const first = mergeConditions(undefined, [{ type: 'Ready', status: 'False', reason: 'RollingOut', message: 'm' }], earlier);
    const second = mergeConditions(first, [{ type: 'Ready', status: 'False', reason: 'Other', message: 'n' }], later);
    expect(second[0]?.lastTransitionTime).toBe('2026-01-01T00:00:00Z');
  });

  it('moves lastTransitionTime when the status changes', () => {
    const first = mergeConditions(undefined, [{ type: 'Ready', status: 'False', reason: 'RollingOut', message: 'm' }], earlier);
    const second = mergeConditions(first, [{ type: 'Ready', status: 'True', reason: 'ScorersReady', message: 'm' }], later);
    expect(second[0]?.lastTransitionTime).toBe('2026-01-01T01:00:00Z');
  });

  it('lists transitions of status or reason only', () => {
    const first = mergeConditions(undefined, [
      { type: 'Ready', status: 'False', reason: 'RollingOut', message: 'a' },
      { type: 'Degraded', status: 'False', reason: 'AsExpected', message: 'a' },
    ], earlier);
    const second = mergeConditions(first, [
      { type: 'Ready', status: 'True', reason: 'ScorersReady', message: 'b' },
      { type: 'Degraded', status: 'False', reason: 'AsExpected', message: 'changed message' },
    ], later);
    expect(conditionTransitions(first, second).map((transition) => transition.type)).toEqual(['Ready']);
  });
});
