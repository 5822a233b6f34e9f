import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { NotReadyError } from '../errors.ts';
import { SAMPLE_BUNDLE, TELCO_ROW } from '../testing/scorer-fixture.ts';
import { initBackend, tf } from './backend.ts';
import { loadBundle } from './bundle-loader.ts';
import { openBundleSource } from './bundle-source.ts';
import { ModelService } from './model-service.ts';
import { parseModelUri } from './uri.ts';

/** Returns a service of the sample model's name with no bundle loaded. */
function idleService(configuredVersion?: string): ModelService {
  return new ModelService({
    modelName: 'telco-churn',
    configuredVersion,
    unknownCategory: 'ignore',
    riskBands: { medium: 0.3, high: 0.6 },
    batcher: { maxRows: 64, maxDelayMs: 1 },
  });
}

async function readyService(): Promise<ModelService> {
  const service = idleService();
  const source = await openBundleSource(parseModelUri(SAMPLE_BUNDLE), { allowLoopback: false, timeoutMs: 5000 });
  service.activate(await loadBundle(source, undefined));
  return service;
}

describe('ModelService', () => {
  let service: ModelService | undefined;

  beforeAll(async () => {
    await initBackend();
  });
  afterEach(() => {
    service?.dispose();
    vi.restoreAllMocks();
  });

  it('answers NotReadyError before a bundle is active', async () => {
    const idle = idleService('2.0.0');
    idle.markFailed('weights.bin: missing');
    await expect(idle.predict([TELCO_ROW])).rejects.toThrow(NotReadyError);
    expect(idle.readiness()).toEqual({ ready: false, reason: 'weights.bin: missing' });
    expect(idle.modelVersion).toBe('2.0.0');
  });

  it('lists row problems without scoring', async () => {
    service = await readyService();
    const predict = vi.spyOn(service, 'predict');

    expect(service.rowProblems(TELCO_ROW)).toEqual([]);
    expect(service.rowProblems({ ...TELCO_ROW, tenure: 'long' })).toEqual([{ field: 'instances[0].tenure', message: expect.any(String) }]);
    expect(predict).not.toHaveBeenCalled();
  });

  it('lists no row problems before loading', () => {
    const idle = idleService();

    expect(idle.rowProblems({ tenure: 'long' })).toEqual([]);
  });

  it('takes the version from the bundle metadata', async () => {
    service = await readyService();
    expect(service.modelVersion).toBe('1.0.0');
    expect(service.readiness()).toEqual({ ready: true });
  });

  it('coalesces concurrent single-row calls into few model calls', async () => {
    service = await readyService();
    const runSpy = vi.spyOn(service.inference!, 'run');
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => service!.predict([{ ...TELCO_ROW, tenure: i % 72 }])));

    expect(results).toHaveLength(200);
    expect(runSpy.mock.calls.length).toBeGreaterThanOrEqual(1);
    expect(runSpy.mock.calls.length).toBeLessThanOrEqual(5);
    const single = await service.predict([{ ...TELCO_ROW, tenure: 5 }]);
    expect(results[5]![0]!.churnProbability).toBeCloseTo(single[0]!.churnProbability, 6);
  });

  it('scores large requests independently of earlier ones', async () => {
    service = await readyService();
    const first = Array.from({ length: 300 }, (_, i) => ({ ...TELCO_ROW, Contract: 'Two year', PaymentMethod: 'Credit card (automatic)', tenure: i % 72 }));
    const second = Array.from({ length: 100 }, (_, i) => ({ ...TELCO_ROW, tenure: (i * 7) % 72 }));

    await service.predict(first);
    const afterLarger = await service.predict(second);

    // Rows scored one by one go through the micro-batcher with a matrix of their own.
    const alone = await Promise.all(second.slice(0, 10).map(async (row) => (await service!.predict([row]))[0]!));
    alone.forEach((prediction, i) => {
      expect(afterLarger[i]!.churnProbability).toBeCloseTo(prediction.churnProbability, 6);
    });
  });

  it('keeps the tensor count flat over 100,000 rows', async () => {
    service = await readyService();
    const batch = Array.from({ length: 5000 }, (_, i) => ({ ...TELCO_ROW, tenure: i % 72 }));
    const before = tf.memory().numTensors;

    for (let call = 0; call < 18; call++) {
      expect(await service.predict(batch)).toHaveLength(5000);
    }
    for (let round = 0; round < 10; round++) {
      await Promise.all(Array.from({ length: 1000 }, () => service!.predict([TELCO_ROW])));
    }
    await expect(service.predict([{ tenure: 'bad' }])).rejects.toThrow();

    expect(tf.memory().numTensors).toBe(before);
  });
});
