import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ComponentStartError } from '../../harness/component.ts';
import { startControlPlane } from '../../harness/controlplane.ts';
import { readProcessRecord } from '../../harness/process-record.ts';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'engagetrack-controlplane-test-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes a folder of fake control-plane binaries; `etcd` runs `etcdScript`, the others sleep. */
async function fakeBinDir(etcdScript: string): Promise<string> {
  const binDir = join(dir, 'bin');
  await mkdir(binDir);
  for (const name of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl', 'kwok']) {
    await writeFile(join(binDir, name), '#!/bin/sh\nexec sleep 60\n');
    await chmod(join(binDir, name), 0o755);
  }
  await writeFile(join(binDir, 'etcd'), `#!/bin/sh\n${etcdScript}\n`);
  await chmod(join(binDir, 'etcd'), 0o755);
  return binDir;
}

describe('startControlPlane', () => {
  it('names a component that exits at once', async () => {
    const binDir = await fakeBinDir('echo "listen tcp 127.0.0.1:2379: bind: address already in use" >&2\nexit 1');
    const stateDir = join(dir, 'state');

    const error = await startControlPlane({ binDir, stateDir }).catch((rejection: unknown) => rejection);

    expect(error).toBeInstanceOf(ComponentStartError);
    expect((error as ComponentStartError).component).toBe('etcd');
    expect((error as Error).message).toContain('etcd failed to start: it exited with code 1');
    expect((error as Error).message).toContain('bind: address already in use');
  });

  it('reports a component that never becomes ready and stops it', async () => {
    const binDir = await fakeBinDir('echo waiting\nexec sleep 60');
    const stateDir = join(dir, 'state');

    const error = await startControlPlane({ binDir, stateDir, componentTimeoutMs: 500 }).catch(
      (rejection: unknown) => rejection,
    );

    expect((error as Error).message).toMatch(/^etcd failed to start: GET http:\/\/127\.0\.0\.1:\d+\/health did not return 200 within 0\.5 s/);
    expect((error as Error).message).toContain('waiting');
    const record = await readProcessRecord(stateDir);
    for (const { pid } of record?.processes ?? []) {
      expect(() => process.kill(pid, 0)).toThrow();
    }
  });

  it('rejects a state folder that is not empty', async () => {
    const binDir = await fakeBinDir('exit 1');
    const stateDir = join(dir, 'state');
    await mkdir(stateDir);
    await writeFile(join(stateDir, 'etcd'), '');

    await expect(startControlPlane({ binDir, stateDir })).rejects.toThrow(
      `the control plane state folder ${stateDir} is not empty (it contains etcd)`,
    );
  });
});
