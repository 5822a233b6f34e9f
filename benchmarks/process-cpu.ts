// CPU time of the processes on this machine, read from /proc (Linux only), so that the
// operator benchmark can show which processes kept the CPUs busy during a run.
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';

/** USER_HZ of /proc/PID/stat; 100 on Linux for every common architecture. */
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU seconds (user and system) per process id, with the process's command name. */
export type CpuSnapshot = Map<number, { command: string; seconds: number }>;

/** Reads the CPU seconds of every running process. */
export async function takeCpuSnapshot(): Promise<CpuSnapshot> {
  const snapshot: CpuSnapshot = new Map();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    // The process may have exited since the directory was read.
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => undefined);
    if (stat !== undefined) snapshot.set(Number(entry), parseStat(stat));
  }
  return snapshot;
}

/** Reads the CPU seconds (user and system) that process `pid` has used so far. */
export function cpuSecondsOf(pid: number): number {
  return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8')).seconds;
}

function parseStat(stat: string): { command: string; seconds: number } {
  // The command name sits in parentheses and may contain spaces, so the fields are counted after it.
  const close = stat.lastIndexOf(')');
  const command = stat.slice(stat.indexOf('(') + 1, close);
  const fields = stat.slice(close + 2).split(' ');
  // utime and stime are fields 14 and 15 of /proc/PID/stat, at 11 and 12 after the name.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { command, seconds: ticks / CLOCK_TICKS_PER_SECOND };
}

/**
 * Returns the CPU seconds used between two snapshots, summed per name and largest first.
 * `names` renames processes by id (the benchmark itself, the operator); the others keep
 * their command name. Processes that started after `before` count from zero.
 */
export function cpuSecondsByName(before: CpuSnapshot, after: CpuSnapshot, names: ReadonlyMap<number, string>): [string, number][] {
  const totals = new Map<string, number>();
  for (const [pid, { command, seconds }] of after) {
    const used = seconds - (before.get(pid)?.seconds ?? 0);
    if (used <= 0) continue;
    const name = names.get(pid) ?? command;
    totals.set(name, (totals.get(name) ?? 0) + used);
  }
  return [...totals].sort(([, a], [, b]) => b - a);
}

/** Formats the largest entries as `name 1.2 s, ...`. */
export function formatCpuSeconds(entries: [string, number][], limit = 7): string {
  return entries
    .slice(0, limit)
    .map(([name, seconds]) => `${name} ${seconds.toFixed(1)} s`)
    .join(', ');
}
