import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { measureInterleaved, pairRatios, PHASE_MS } from '../../../benchmarks/interleaved.ts';

describe('pairRatios', () => {
  it('divides other by base in both phase orders', () => {
    // Phases 0 to 3 are skipped. Phase 4 is base and 5 other, then 6 other and 7 base.
    const counts = [9, 9, 9, 9, 100, 90, 80, 100, 100, 95, 7];

    const result = pairRatios(counts);

    expect(result.ratios).toEqual([0.9, 0.8, 0.95]);
  });

  it('averages each endpoint over the pairs', () => {
    const counts = [0, 0, 0, 0, 100, 90, 80, 100, 100, 95, 7];

    const result = pairRatios(counts);

    expect(result.baseRequestsPerSecond).toBeCloseTo((300 / 3) * (1000 / PHASE_MS), 9);
    expect(result.otherRequestsPerSecond).toBeCloseTo((265 / 3) * (1000 / PHASE_MS), 9);
  });

  it('leaves out the last phase', () => {
    expect(pairRatios([0, 0, 0, 0, 100, 90, 5]).ratios).toEqual([0.9]);
    expect(pairRatios([0, 0, 0, 0, 100, 90]).ratios).toEqual([]);
  });
});

describe('measureInterleaved', () => {
  const bodiesByPath = new Map<string, string[]>();
  let server: Server;
  let origin: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        bodiesByPath.set(req.url ?? '', [...(bodiesByPath.get(req.url ?? '') ?? []), body]);
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends both endpoints their own bodies', async () => {
    const result = await measureInterleaved({
      origin,
      base: { path: '/base', bodies: ['{"b":1}'] },
      other: { path: '/other', bodies: ['{"o":1}', '{"o":2}'] },
      seconds: 1,
      connections: 2,
    });

    expect(result.errors).toBe(0);
    expect(result.non2xx).toBe(0);
    expect(result.ratios.length).toBeGreaterThan(0);
    expect(new Set(bodiesByPath.get('/base'))).toEqual(new Set(['{"b":1}']));
    expect(new Set(bodiesByPath.get('/other'))).toEqual(new Set(['{"o":1}', '{"o":2}']));
  });
});
