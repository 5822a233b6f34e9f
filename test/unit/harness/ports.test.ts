import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';

import { allocateFreePort, allocateFreePorts } from '../../harness/ports.ts';

function canListen(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

describe('allocateFreePorts', () => {
  it('returns distinct ports', async () => {
    const ports = await allocateFreePorts(6);

    expect(new Set(ports).size).toBe(6);
    for (const port of ports) {
      expect(port).toBeGreaterThan(0);
      expect(port).toBeLessThan(65_536);
    }
  });

  it('releases the ports for binding', async () => {
    const port = await allocateFreePort();

    expect(await canListen(port)).toBe(true);
  });
});
