// Entry point of the EngageTrack operator: `node operator/src/main.ts [flags]`.
//
// The client-node module hook has to be in place before any module that imports
// client-node is loaded, so the rest of the operator is imported only after it.
import { installClientNodeSubset } from './runtime/client-node-subset.ts';

installClientNodeSubset();
const { runOperator } = await import('./run.ts');
const { createLogger } = await import('./runtime/logger.ts');

runOperator().catch((err: unknown) => {
  createLogger().fatal({ err }, 'Operator failed to start');
  process.exit(1);
});
