// Starts the test control plane (etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler and KWOK with 2 fake nodes) in the background for local work, with its
// state in .cluster/, and prints the shell lines that point KUBECONFIG at it and put its
// kubectl first on PATH, so `eval "$(npm run -s cluster:up)"` sets up the current shell.
// Stop it with `npm run cluster:down`.
import { rm } from 'node:fs/promises';

import { findControlPlaneBinaries } from '../test/harness/binaries.ts';
import { startControlPlane } from '../test/harness/controlplane.ts';
import { readProcessRecord, runningRecordedProcesses } from '../test/harness/process-record.ts';
import { clusterKubeconfig, clusterStateDir } from './cluster-state.ts';

async function main(): Promise<void> {
  const record = await readProcessRecord(clusterStateDir);
  const running = record ? runningRecordedProcesses(clusterStateDir, record) : [];
  if (running.length > 0) {
    console.error(`The local cluster is already running (${running.map(({ name }) => name).join(', ')}).`);
    printShellSetup(clusterKubeconfig, await findControlPlaneBinaries());
    return;
  }

  // State left by a cluster whose processes are gone (a reboot, a killed process) is stale.
  await rm(clusterStateDir, { recursive: true, force: true });

  const controlPlane = await startControlPlane({ stateDir: clusterStateDir, background: true });
  console.error(`Local cluster ready at ${controlPlane.server} in ${(controlPlane.startupMs / 1000).toFixed(1)} s.`);
  console.error(`Logs: ${clusterStateDir}/logs. Stop it with: npm run cluster:down`);
  printShellSetup(controlPlane.kubeconfigPath, controlPlane.binDir);
}

function printShellSetup(kubeconfigPath: string, binDir: string): void {
  console.log(`export KUBECONFIG=${kubeconfigPath}`);
  console.log(`export PATH=${binDir}:$PATH`);
}

try {
  await main();
  // The components run on in their own process groups; nothing here needs to wait for them.
  process.exit(0);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
