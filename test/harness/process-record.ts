import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { signalProcessGroup } from './component.ts';

/** The file in a state folder that lists the process groups started for it. */
export const processRecordFile = 'processes.json';

/** Contents of processes.json: who owns the control plane and which process groups it started. */
export interface ProcessRecord {
  /** The Node.js process that stops the control plane when it exits; null for a background cluster. */
  ownerPid: number | null;
  processes: Array<{ name: string; pid: number }>;
}

export async function writeProcessRecord(stateDir: string, record: ProcessRecord): Promise<void> {
  await writeFile(join(stateDir, processRecordFile), `${JSON.stringify(record, null, 2)}\n`);
}

export async function readProcessRecord(stateDir: string): Promise<ProcessRecord | undefined> {
  try {
    return JSON.parse(await readFile(join(stateDir, processRecordFile), 'utf8')) as ProcessRecord;
  } catch {
    return undefined;
  }
}

/**
 * Returns the recorded processes of `stateDir` that still run. A pid only counts when
 * its command line mentions `stateDir`: every component gets flags that point into its
 * state folder, and a pid reused by an unrelated process has none.
 */
export function runningRecordedProcesses(stateDir: string, record: ProcessRecord): ProcessRecord['processes'] {
  return record.processes.filter(({ pid }) => commandLineOf(pid)?.includes(stateDir));
}

/** Kills the recorded process groups of `stateDir` that still run; returns their names. */
export function killRecordedProcesses(stateDir: string, record: ProcessRecord): string[] {
  const running = runningRecordedProcesses(stateDir, record);
  for (const { pid } of running) {
    signalProcessGroup(pid, 'SIGKILL');
  }
  return running.map(({ name }) => name);
}

/**
 * Removes the state folders under `rootDir` whose owner process is gone, killing the
 * components such a run left behind (a test run killed with SIGKILL cannot stop them).
 */
export async function sweepAbandonedRuns(rootDir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(rootDir);
  } catch {
    return;
  }

  for (const entry of entries) {
    const stateDir = join(rootDir, entry);
    const record = await readProcessRecord(stateDir);
    if (!record || record.ownerPid === null || isAlive(record.ownerPid)) {
      continue;
    }
    killRecordedProcesses(stateDir, record);
    await rm(stateDir, { recursive: true, force: true });
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM means the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// NOTE: reads /proc, so on systems without it (macOS) abandoned processes are not swept.
function commandLineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return undefined;
  }
}

/**
 * Runs `killAll` (which must be synchronous) when this process exits or receives
 * SIGINT, SIGTERM or SIGHUP, then lets the signal take its usual course. Returns a
 * function that removes the handlers.
 */
export function killOnExit(killAll: () => void): () => void {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

  const onSignal = (signal: NodeJS.Signals) => {
    killAll();
    remove();
    // With no other listener left, the signal is sent again so that it ends the
    // process as it would have without the harness. Another listener (the test
    // runner's) has already received it and decides itself.
    if (process.listenerCount(signal) === 0) {
      process.kill(process.pid, signal);
    }
  };
  const remove = () => {
    process.off('exit', killAll);
    for (const signal of signals) {
      process.off(signal, onSignal);
    }
  };

  process.on('exit', killAll);
  for (const signal of signals) {
    process.on(signal, onSignal);
  }
  return remove;
}
