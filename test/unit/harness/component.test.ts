import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  ComponentStartError,
  readLastLines,
  startComponent,
  stopComponent,
  waitUntilReady,
} from '../../harness/component.ts';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'engagetrack-component-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function shell(name: string, script: string) {
  return startComponent({ name, binary: '/bin/sh', args: ['-c', script], logPath: join(dir, `${name}.log`) });
}

async function startFailure(promise: Promise<unknown>): Promise<ComponentStartError> {
  const error = await promise.then(
    () => undefined,
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(ComponentStartError);
  return error as ComponentStartError;
}

describe('waitUntilReady', () => {
  it('reports a binary that exits at once', async () => {
    const component = shell('fake-apiserver', 'for i in $(seq 1 30); do echo "line $i"; done; echo "bind: address already in use" >&2; exit 3');

    const error = await startFailure(waitUntilReady(component, async () => false, { timeoutMs: 10_000 }));

    expect(error.component).toBe('fake-apiserver');
    expect(error.message).toContain('fake-apiserver failed to start: it exited with code 3');
    expect(error.message).toContain('bind: address already in use');
    expect(error.message).toContain(`Last 20 lines of ${component.logPath}`);
    expect(error.message).toContain('line 30');
    expect(error.message).not.toContain('line 10\n');
  });

  it('reports a missing binary', async () => {
    const component = startComponent({
      name: 'fake-etcd',
      binary: join(dir, 'no-such-binary'),
      args: [],
      logPath: join(dir, 'fake-etcd.log'),
    });

    const error = await startFailure(waitUntilReady(component, async () => false, { timeoutMs: 10_000 }));

    expect(error.message).toContain('fake-etcd failed to start: it could not be started');
    expect(error.message).toContain('ENOENT');
    expect(error.message).toContain('(the log is empty)');
  });

  it('reports a timeout with the last probe error', async () => {
    const component = shell('fake-scheduler', 'echo starting; sleep 30');
    try {
      const probe = async (): Promise<boolean> => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:1');
      };

      const error = await startFailure(
        waitUntilReady(component, probe, { timeoutMs: 300, what: 'GET /healthz did not return 200' }),
      );

      expect(error.message).toContain('GET /healthz did not return 200 within 0.3 s');
      expect(error.message).toContain('connect ECONNREFUSED 127.0.0.1:1');
      expect(error.message).toContain('starting');
    } finally {
      await stopComponent(component);
    }
  });

  it('returns once the probe succeeds', async () => {
    const component = shell('fake-kwok', 'sleep 30');
    let calls = 0;
    try {
      await waitUntilReady(component, async () => ++calls >= 3, { timeoutMs: 10_000, intervalMs: 10 });

      expect(calls).toBe(3);
    } finally {
      await stopComponent(component);
    }
  });
});

/**
 * Returns whether `pid` still runs after up to a second. A killed process whose parent
 * has exited stays a zombie until init reaps it, so a zombie counts as stopped.
 */
async function isRunningAfterWait(pid: number): Promise<boolean> {
  const isRunning = async () => {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
    } catch {
      return false;
    }
  };
  for (let attempt = 0; attempt < 50 && (await isRunning()); attempt++) {
    await sleep(20);
  }
  return isRunning();
}

describe('stopComponent', () => {
  it('stops the whole process group', async () => {
    const pidFile = join(dir, 'child.pid');
    const component = shell('parent', `sleep 60 & echo $! > ${pidFile}; wait`);
    await waitUntilReady(
      component,
      async () => (await readLastLines(pidFile, 1)).trim() !== '',
      { timeoutMs: 5_000, intervalMs: 20 },
    );
    const childPid = Number((await readLastLines(pidFile, 1)).trim());

    await stopComponent(component, 1_000);

    expect(component.exitStatus()?.signal).toBe('SIGTERM');
    expect(await isRunningAfterWait(childPid)).toBe(false);
  });

  it('kills a process that ignores SIGTERM', async () => {
    const component = shell('stubborn', "trap '' TERM; echo ready; while true; do sleep 1; done");
    await waitUntilReady(component, async () => (await readLastLines(component.logPath)).includes('ready'), {
      timeoutMs: 5_000,
      intervalMs: 20,
    });

    await stopComponent(component, 200);

    expect(component.exitStatus()?.signal).toBe('SIGKILL');
  });
});

describe('readLastLines', () => {
  it('returns the last lines of a file', async () => {
    const path = join(dir, 'log');
    await writeFile(path, Array.from({ length: 30 }, (_, index) => `line ${index + 1}`).join('\n') + '\n');

    expect(await readLastLines(path, 3)).toBe('line 28\nline 29\nline 30');
  });

  it('returns an empty string for a missing file', async () => {
    expect(await readLastLines(join(dir, 'missing.log'))).toBe('');
  });
});
