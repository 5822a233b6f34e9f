#!/usr/bin/env node
/**
 * The `scorer` command: `scorer train ...` builds a model bundle, `scorer serve ...` serves
 * one, and `scorer customer-digest ...` prints the audit log digests of customer ids.
 */
import { ConfigError, StartupError } from './errors.ts';
import { CUSTOMER_DIGEST_USAGE, runCustomerDigest } from './experiments/digest-command.ts';
import { runServe, SERVE_USAGE } from './server.ts';
import { runTrain, TRAIN_USAGE } from './training/command.ts';

const USAGE = `Usage: scorer <train|serve|customer-digest> [options]\n\n${TRAIN_USAGE}\n\n${SERVE_USAGE}\n\n${CUSTOMER_DIGEST_USAGE}\n`;

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'train':
      await runTrain(args);
      return 0;
    case 'serve':
      await runServe(args);
      return 0;
    case 'customer-digest':
      await runCustomerDigest(args);
      return 0;
    case undefined:
    case '-h':
    case '--help':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`Unknown command ${JSON.stringify(command)}.\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) {
      process.exitCode = code;
    }
  },
  (error: unknown) => {
    if (error instanceof ConfigError || (error instanceof Error && error.name === 'TypeError' && 'code' in error)) {
      // The message of an invalid option or input names what to fix, so no stack trace is printed.
      console.error(`Error: ${error.message}`);
      process.exitCode = 2;
      return;
    }
    if (error instanceof StartupError) {
      console.error(`Error: ${error.message}`);
      process.exitCode = 1;
      return;
    }
    console.error(error);
    process.exitCode = 1;
  },
);
