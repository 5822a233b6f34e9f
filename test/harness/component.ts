import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** How a control-plane binary is started: its name in messages, the binary, its flags and its log file. */
export interface ComponentSpec {
  name: string;
  binary: string;
  args: string[];
  logPath: string;
  /** Leave the process running when this Node.js process exits. */
  detached?: boolean;
}

export interface ComponentExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the binary could not be started at all, for example when it is missing. */
  spawnError?: Error;
}

/** A started control-plane binary in its own process group, with stdout and stderr sent to its log file. */
export interface ComponentProcess {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  /** Resolves when the process has exited; never rejects. */
  readonly exited: Promise<ComponentExit>;
  /** The exit once it has happened, otherwise undefined. */
  exitStatus(): ComponentExit | undefined;
}

/** The number of log lines that a start failure quotes. */
export const logLinesInErrors = 20;

/** Raised when a component exits or is not ready in time; names the component and quotes its log. */
export class ComponentStartError extends Error {
  override name = 'ComponentStartError';
  readonly component: string;
  readonly logPath: string;

  constructor(component: string, reason: string, logPath: string, logTail: string) {
    const quoted = logTail.trim() === '' ? '(the log is empty)' : logTail;
    super(`${component} failed to start: ${reason}. Last ${logLinesInErrors} lines of ${logPath}:\n${quoted}`);
    this.component = component;
    this.logPath = logPath;
  }
}

/**
 * Starts a component as the leader of a new process group, so that stopping it also
 * stops any process it forked. The log file is opened for appending, so a restarted
 * component keeps the earlier lines.
 */
export function startComponent(spec: ComponentSpec): ComponentProcess {
  const logFd = openSync(spec.logPath, 'a');
  let status: ComponentExit | undefined;

  const child = (() => {
    try {
      return spawn(spec.binary, spec.args, { detached: true, stdio: ['ignore', logFd, logFd] });
    } finally {
      closeSync(logFd);
    }
  })();

  const exited = new Promise<ComponentExit>((resolve) => {
    child.once('error', (error) => {
      status = { code: null, signal: null, spawnError: error };
      resolve(status);
    });
    child.once('exit', (code, signal) => {
      status = { code, signal };
      resolve(status);
    });
  });

  if (spec.detached) {
    child.unref();
  }

  return {
    name: spec.name,
    // A failed spawn has no pid; -1 never matches a live process group.
    pid: child.pid ?? -1,
    logPath: spec.logPath,
    exited,
    exitStatus: () => status,
  };
}

/** Describes an exit for an error message: "it exited with code 1", "it was killed by SIGKILL". */
export function describeExit(exit: ComponentExit): string {
  if (exit.spawnError) {
    return `it could not be started (${exit.spawnError.message})`;
  }
  if (exit.signal) {
    return `it was killed by ${exit.signal}`;
  }
  return `it exited with code ${exit.code}`;
}

/**
 * Polls `probe` until it returns true. Throws ComponentStartError when the component
 * exits first or when `timeoutMs` passes, quoting the last lines of its log.
 */
export async function waitUntilReady(
  component: ComponentProcess,
  probe: () => Promise<boolean>,
  options: { timeoutMs: number; intervalMs?: number; what?: string },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  const intervalMs = options.intervalMs ?? 100;
  let lastProbeError: unknown;

  while (Date.now() < deadline) {
    const exit = component.exitStatus();
    if (exit) {
      throw await startError(component, describeExit(exit));
    }

    try {
      if (await probe()) {
        return;
      }
    } catch (error) {
      lastProbeError = error;
    }
    await sleep(intervalMs);
  }

  const exit = component.exitStatus();
  const probeDetail = lastProbeError instanceof Error ? ` (last check: ${lastProbeError.message})` : '';
  const reason = exit
    ? describeExit(exit)
    : `${options.what ?? 'it was not ready'} within ${options.timeoutMs / 1000} s${probeDetail}`;
  throw await startError(component, reason);
}

/** Builds the ComponentStartError for `component`, reading the tail of its log. */
export async function startError(component: ComponentProcess, reason: string): Promise<ComponentStartError> {
  return new ComponentStartError(component.name, reason, component.logPath, await readLastLines(component.logPath));
}

/**
 * Stops a component: SIGTERM to its process group, then SIGKILL when it has not
 * exited after `graceMs`.
 */
export async function stopComponent(component: ComponentProcess, graceMs = 5_000): Promise<void> {
  if (component.exitStatus()) {
    return;
  }

  signalProcessGroup(component.pid, 'SIGTERM');
  const exitedInTime = await Promise.race([component.exited.then(() => true), sleep(graceMs).then(() => false)]);
  if (!exitedInTime) {
    signalProcessGroup(component.pid, 'SIGKILL');
    await component.exited;
  }
}

/** Sends `signal` to the process group led by `pid`; a group that is already gone is ignored. */
export function signalProcessGroup(pid: number, signal: NodeJS.Signals): void {
  if (pid <= 0) {
    return;
  }
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') {
      throw error;
    }
  }
}

/** Reads the last `count` lines of a log file; returns '' when the file is missing. */
export async function readLastLines(path: string, count = logLinesInErrors): Promise<string> {
  // Logs of a long run reach megabytes, so only the end of the file is read.
  const maxBytes = 64 * 1024;
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return '';
  }

  try {
    const { size } = await handle.stat();
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split('\n');
    if (lines.at(-1) === '') {
      lines.pop();
    }
    return lines.slice(-count).join('\n');
  } finally {
    await handle.close();
  }
}
