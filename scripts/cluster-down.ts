// Stops the local cluster that `npm run cluster:up` started and removes its state.
import { rm } from 'node:fs/promises';

import { killRecordedProcesses, readProcessRecord } from '../test/harness/process-record.ts';
import { clusterStateDir } from './cluster-state.ts';

const record = await readProcessRecord(clusterStateDir);
if (!record) {
  console.error(`No local cluster found (${clusterStateDir} has no process record).`);
} else {
  const stopped = killRecordedProcesses(clusterStateDir, record);
  console.error(stopped.length > 0 ? `Stopped ${stopped.join(', ')}.` : 'The local cluster was not running.');
}

await rm(clusterStateDir, { recursive: true, force: true });
