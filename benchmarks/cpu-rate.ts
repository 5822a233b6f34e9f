/** Loop measurements of the micro-benchmarks, timed in CPU seconds of this process. */
import os from 'node:os';

export interface LoopPlan {
  /** Items per pass, such as the number of customer ids. */
  items: number;
  /** Passes over the items in one round. */
  passes: number;
  /** Rounds measured; the median rate is returned. */
  rounds: number;
}

/**
 * Runs `operation` on every item index `plan.passes` times per round and returns the
 * median rate in operations per CPU second of this process, which other load on the
 * machine skews less than wall-clock time. `operation` returns a number that is folded
 * into a checksum, so that the optimizer cannot drop the work.
 */
export function medianRatePerCpuSecond(plan: LoopPlan, operation: (index: number) => number): number {
  let checksum = 0;
  const rates: number[] = [];

  for (let round = 0; round < plan.rounds; round++) {
    const started = process.cpuUsage();
    for (let pass = 0; pass < plan.passes; pass++) {
      for (let i = 0; i < plan.items; i++) {
        checksum ^= operation(i);
      }
    }
    const used = process.cpuUsage(started);
    const seconds = (used.user + used.system) / 1e6;
    rates.push((plan.passes * plan.items) / seconds);
  }

  if (checksum === 0.5) {
    console.log('unreachable');
  }
  return rates.sort((a, b) => a - b)[Math.floor(plan.rounds / 2)]!;
}

/** Returns the Node.js version, CPU model and core count, for the first line of a benchmark's output. */
export function describeMachine(): string {
  return `node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores`;
}
