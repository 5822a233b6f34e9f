import type { TestProject } from 'vitest/node';

import { ControlPlaneBinariesError, findControlPlaneBinaries } from './binaries.ts';
import { ComponentStartError } from './component.ts';
import { startControlPlane } from './controlplane.ts';
import './provided-context.ts';

/**
 * Starts one control plane for the integration project, provides its kubeconfig and
 * binary folder to the test files, and stops it when the run ends.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const binDir = await withoutStackTrace(findControlPlaneBinaries);
  const controlPlane = await withoutStackTrace(() => startControlPlane({ binDir }));
  console.error(
    `control plane ready at ${controlPlane.server} in ${(controlPlane.startupMs / 1000).toFixed(1)} s ` +
      `(state in ${controlPlane.stateDir})`,
  );

  project.provide('kubeconfig', controlPlane.kubeconfigPath);
  project.provide('controlPlaneBin', controlPlane.binDir);

  return () => controlPlane.stop();
}

/**
 * Runs `start` and strips the stack trace from the errors whose message already names
 * what failed and what to do, so the test runner prints that message alone.
 */
async function withoutStackTrace<T>(start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    if (error instanceof ControlPlaneBinariesError || error instanceof ComponentStartError) {
      error.stack = `${error.name}: ${error.message}`;
    }
    throw error;
  }
}
