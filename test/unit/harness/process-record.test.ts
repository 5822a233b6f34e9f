import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { isAlive, readProcessRecord, sweepAbandonedRuns, writeProcessRecord } from '../../harness/process-record.ts';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'engagetrack-sweep-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Starts `sleep 60` as a process group leader whose command line names `stateDir`. */
function startLeftover(stateDir: string): number {
  const child = spawn('/bin/sh', ['-c', 'sleep 60', stateDir], { detached: true, stdio: 'ignore' });
  child.unref();
  return child.pid!;
}

/** Returns the pid of a process that has already exited. */
async function deadPid(): Promise<number> {
  const child = spawn('/bin/true');
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

async function waitUntilGone(pid: number): Promise<boolean> {
  for (let attempt = 0; attempt < 50 && isAlive(pid); attempt++) {
    await sleep(20);
  }
  return !isAlive(pid);
}

describe('sweepAbandonedRuns', () => {
  it('kills the components of a run whose owner is gone', async () => {
    const stateDir = join(root, 'run-abandoned');
    await mkdir(stateDir);
    const pid = startLeftover(stateDir);
    await writeProcessRecord(stateDir, { ownerPid: await deadPid(), processes: [{ name: 'etcd', pid }] });

    await sweepAbandonedRuns(root);

    expect(await waitUntilGone(pid)).toBe(true);
    expect(await readdir(root)).toEqual([]);
  });

  it('leaves a run whose owner is alive', async () => {
    const stateDir = join(root, 'run-active');
    await mkdir(stateDir);
    const pid = startLeftover(stateDir);
    try {
      await writeProcessRecord(stateDir, { ownerPid: process.pid, processes: [{ name: 'etcd', pid }] });

      await sweepAbandonedRuns(root);

      expect(isAlive(pid)).toBe(true);
      expect(await readProcessRecord(stateDir)).toEqual({ ownerPid: process.pid, processes: [{ name: 'etcd', pid }] });
    } finally {
      process.kill(-pid, 'SIGKILL');
    }
  });

  it('spares a recorded pid that now belongs to another program', async () => {
    const stateDir = join(root, 'run-reused');
    await mkdir(stateDir);
    const unrelated = startLeftover(join(root, 'elsewhere'));
    try {
      await writeProcessRecord(stateDir, { ownerPid: await deadPid(), processes: [{ name: 'etcd', pid: unrelated }] });

      await sweepAbandonedRuns(root);

      expect(isAlive(unrelated)).toBe(true);
    } finally {
      process.kill(-unrelated, 'SIGKILL');
    }
  });
});
