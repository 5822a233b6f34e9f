import { describe, expect, it } from 'vitest';

import { errorRateQuery, escapeLabelValue, p99LatencyQuery } from './promql.ts';

describe('promql', () => {
  it('builds the error rate query', () => {
    expect(errorRateQuery({ model: 'telco', version: '2.0.0' }, 60)).toBe(
      '(sum(increase(engagetrack_scorer_requests_total{model="telco",model_version="2.0.0",route!~"/healthz|/readyz|/metrics|/v2/health/.*",status=~"5.."}[60s])) or vector(0)) / ' +
        'sum(increase(engagetrack_scorer_requests_total{model="telco",model_version="2.0.0",route!~"/healthz|/readyz|/metrics|/v2/health/.*"}[60s]))',
    );
  });

  it('builds the p99 latency query', () => {
    expect(p99LatencyQuery({ model: 'telco', version: '2.0.0', namespace: 'ml-prod' }, 30)).toBe(
      'histogram_quantile(0.99, sum by (le) (rate(engagetrack_scorer_request_duration_seconds_bucket' +
        '{model="telco",model_version="2.0.0",namespace=~"ml-prod|",route!~"/healthz|/readyz|/metrics|/v2/health/.*"}[30s])))',
    );
  });

  it('escapes quotes and backslashes', () => {
    expect(escapeLabelValue('a"b\\c')).toBe('a\\"b\\\\c');
  });

  it('escapes regex characters of the namespace', () => {
    expect(errorRateQuery({ model: 'm', version: '1', namespace: 'a.b' }, 10)).toContain('namespace=~"a\\\\.b|"');
  });
});
