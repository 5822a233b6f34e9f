/** `scorer train`: trains a churn model bundle from a CSV file. */
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../errors.ts';
import { initBackend } from '../model/backend.ts';
import type { BundleMetadata } from '../model/metadata.ts';
import { writeBundle } from './bundle-writer.ts';
import { checkClassSizes, identifierColumnWarnings, smallHoldOutWarning } from './data-checks.ts';
import { readDataset } from './dataset.ts';
import type { Metrics } from './metrics.ts';
import { DEFAULT_TRAINING_OPTIONS, trainModel, type TrainingProgress } from './train.ts';

export const TRAIN_USAGE = `Usage: scorer train --data FILE.csv --target COLUMN --positive VALUE --out DIR
                    [--id COLUMN] [--drop COL1,COL2] [--seed N] [--name NAME] [--model-version VERSION]

  --data            CSV file with a header row; blank cells are missing values
  --target          column to predict
  --positive        target value that counts as churn (the positive class)
  --id              identifier column, excluded from the features
  --drop            comma-separated columns excluded from the features
  --out             bundle folder to write (created when absent)
  --seed            integer seed of the split, initial weights and shuffling (default ${DEFAULT_TRAINING_OPTIONS.seed})
  --name            model name recorded in metadata.json (default: the data file name)
  --model-version   model version recorded in metadata.json (default 0.1.0)`;

export interface TrainCommandOptions {
  data: string;
  target: string;
  positive: string;
  idColumn: string | undefined;
  dropColumns: string[];
  out: string;
  seed: number;
  name: string;
  version: string;
}

export function parseTrainArgs(args: string[]): TrainCommandOptions {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      data: { type: 'string' },
      target: { type: 'string' },
      positive: { type: 'string' },
      id: { type: 'string' },
      drop: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string' },
      name: { type: 'string' },
      'model-version': { type: 'string' },
    },
  });

  const required = (name: 'data' | 'target' | 'positive' | 'out'): string => {
    const value = values[name];
    if (value === undefined || value === '') {
      throw new ConfigError(`Missing required option --${name}.`, name);
    }
    return value;
  };

  const seedText = values.seed ?? String(DEFAULT_TRAINING_OPTIONS.seed);
  const seed = Number(seedText);
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new ConfigError(`Invalid --seed ${JSON.stringify(seedText)}; expected a non-negative integer.`, 'seed');
  }

  const data = required('data');
  return {
    data,
    target: required('target'),
    positive: required('positive'),
    idColumn: values.id,
    dropColumns: (values.drop ?? '').split(',').map((column) => column.trim()).filter((column) => column !== ''),
    out: required('out'),
    seed,
    name: values.name ?? basename(data).replace(/\.csv$/i, ''),
    version: values['model-version'] ?? '0.1.0',
  };
}

/**
 * Runs `scorer train`: progress and metrics go to `write` (standard output), warnings about
 * the data to `warn` (standard error).
 */
export async function runTrain(
  args: string[],
  write: (text: string) => void = (text) => process.stdout.write(text),
  warn: (text: string) => void = (text) => process.stderr.write(text),
): Promise<BundleMetadata> {
  const options = parseTrainArgs(args);
  const backend = await initBackend();
  const started = performance.now();

  const dataset = await readDataset(options.data, {
    target: options.target,
    positive: options.positive,
    idColumn: options.idColumn,
    dropColumns: options.dropColumns,
  });
  const trainingOptions = { ...DEFAULT_TRAINING_OPTIONS, seed: options.seed };
  checkClassSizes(dataset.labels, trainingOptions.testFraction, trainingOptions.members);
  for (const warning of identifierColumnWarnings(dataset)) {
    warn(`Warning: ${warning}\n`);
  }
  write(`Training on ${dataset.rows.length} rows, ${dataset.columns.length} feature columns, backend ${backend}.\n`);

  const result = await trainModel(dataset, trainingOptions, (progress) => write(formatProgress(progress)));

  const metadata: BundleMetadata = {
    name: options.name,
    version: options.version,
    target: { column: options.target, positive: options.positive },
    data: { file: basename(options.data), sha256: dataset.sha256 },
    rows: result.rows,
    seed: options.seed,
    command: ['scorer', 'train', ...args].map(quoteArgument).join(' '),
    training: {
      backend,
      members: trainingOptions.members,
      hiddenUnitsPerMember: trainingOptions.hiddenUnits,
      bestEpochs: result.memberEpochs,
    },
    exampleInstance: result.exampleInstance as Record<string, number | string | null>,
    testMetrics: result.metrics,
  };
  const digest = await writeBundle(options.out, result.model, result.spec, metadata);
  result.model.dispose();

  const seconds = (performance.now() - started) / 1000;
  write(formatMetrics(result.metrics, result.rows.test));
  const holdOutWarning = smallHoldOutWarning(result.testClasses);
  if (holdOutWarning !== undefined) {
    warn(`Warning: ${holdOutWarning}\n`);
  }
  write(`Wrote bundle ${options.out} (sha256 ${digest}) in ${seconds.toFixed(1)} s.\n`);
  return metadata;
}

function formatProgress(progress: TrainingProgress): string {
  return (
    `member ${progress.member}/${progress.members} epoch ${String(progress.epoch).padStart(2)}` +
    `  loss ${progress.loss.toFixed(4)}  val_loss ${progress.validationLoss.toFixed(4)}  val_auc ${progress.validationAuc.toFixed(4)}\n`
  );
}

function formatMetrics(metrics: Metrics, testRows: number): string {
  const lines = [
    `Test split (${testRows} rows): ROC AUC ${metrics.rocAuc.toFixed(4)}  PR AUC ${metrics.prAuc.toFixed(4)}  ` +
      `Brier ${metrics.brier.toFixed(4)}  log loss ${metrics.logLoss.toFixed(4)}`,
    'Calibration (predicted range: rows, mean predicted, observed rate):',
    ...metrics.calibration.map(
      (bin) =>
        `  ${bin.lower.toFixed(1)}-${bin.upper.toFixed(1)}: ${String(bin.count).padStart(4)}  ` +
        `${bin.meanPredicted?.toFixed(3) ?? '-'}  ${bin.observedRate?.toFixed(3) ?? '-'}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

function quoteArgument(argument: string): string {
  return /^[\w./:=,@-]+$/.test(argument) ? argument : `'${argument.replaceAll("'", "'\\''")}'`;
}
