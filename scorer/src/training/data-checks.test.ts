import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.ts';
import { runTrain } from './command.ts';
import { checkClassSizes, identifierColumnWarnings, minRowsPerClass, smallHoldOutWarning } from './data-checks.ts';
import { stratifiedFolds, stratifiedHoldOut } from './split.ts';
import { DEFAULT_TRAINING_OPTIONS } from './train.ts';
import type { Dataset } from './dataset.ts';

/** Builds a CSV of `rows` customers, alternating churned and not, with a unique id in column `id`. */
function customersCsv(rows: number): string {
  const lines = ['id,plan,tenure,churned'];
  for (let i = 0; i < rows; i++) {
    const churned = i % 2 === 0;
    lines.push(`c${i},${churned ? 'basic' : i % 4 === 1 ? 'premium' : 'basic'},${churned ? 1 + (i % 5) : 20 + i},${churned ? 'yes' : 'no'}`);
  }
  return `${lines.join('\n')}\n`;
}

async function csvFile(text: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'data-checks-')), 'customers.csv');
  await writeFile(path, text);
  return path;
}

async function train(path: string, extra: string[] = []): Promise<{ output: string; warnings: string }> {
  const out = join(await mkdtemp(join(tmpdir(), 'data-checks-out-')), 'bundle');
  let output = '';
  let warnings = '';
  await runTrain(
    ['--data', path, '--target', 'churned', '--positive', 'yes', '--out', out, ...extra],
    (text) => (output += text),
    (text) => (warnings += text),
  );
  return { output, warnings };
}

beforeAll(() => {
  // The WASM backend loads fastest here and is the one training is reproducible on.
  process.env['SCORER_TF_BACKEND'] = 'wasm';
});

describe('minRowsPerClass', () => {
  it('is 5 with the default split', () => {
    expect(minRowsPerClass(DEFAULT_TRAINING_OPTIONS.testFraction, DEFAULT_TRAINING_OPTIONS.members)).toBe(5);
  });

  it('gives every fold and the held-out split a row of each class', () => {
    const minimum = minRowsPerClass(0.2, 4);
    const labels = Uint8Array.from({ length: 2 * minimum }, (_, i) => i % 2);
    const split = stratifiedHoldOut(labels, 0.2, 0);
    for (const rows of [split.test, ...stratifiedFolds(labels, split.rest, 4, 1)]) {
      expect(rows.filter((row) => labels[row] === 1).length).toBeGreaterThanOrEqual(1);
      expect(rows.filter((row) => labels[row] === 0).length).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('checkClassSizes', () => {
  it('accepts the minimum', () => {
    expect(() => checkClassSizes(Uint8Array.from([1, 1, 1, 1, 1, 0, 0, 0, 0, 0]), 0.2, 4)).not.toThrow();
  });

  it('names both counts and the minimum', () => {
    expect(() => checkClassSizes(Uint8Array.from([1, 0, 0, 0, 0, 0, 0]), 0.2, 4)).toThrow(
      'Training needs at least 5 rows of each class, but the data has 1 positive row (equal to --positive) and 6 negative rows. ' +
        'The held-out 20% needs one row of each class, and so does each of the 4 cross-validation folds. ' +
        'Add rows of the smaller class, or check --target and --positive.',
    );
  });
});

describe('smallHoldOutWarning', () => {
  it('warns below 50 rows of a class', () => {
    expect(smallHoldOutWarning({ positive: 2, negative: 2 })).toMatch(/^the held-out split has 4 rows \(2 positive, 2 negative\), fewer than 50 of each class/);
  });

  it('stays quiet for the Telco split', () => {
    expect(smallHoldOutWarning({ positive: 374, negative: 1035 })).toBeUndefined();
  });
});

describe('identifierColumnWarnings', () => {
  const dataset = (rows: number, value: (i: number) => string | null): Dataset => ({
    sha256: '',
    columns: [{ name: 'customerID', type: 'categorical' }],
    rows: Array.from({ length: rows }, (_, i) => ({ customerID: value(i) })),
    labels: new Uint8Array(rows),
  });

  it('names a column of unique values', () => {
    expect(identifierColumnWarnings(dataset(100, (i) => `c${i}`))).toEqual([
      'column "customerID" looks like an identifier: 100 distinct values in 100 rows. ' +
        'It is used as a feature, but cannot help predict new customers; pass --id "customerID" or --drop "customerID" to exclude it.',
    ]);
  });

  it('ignores a column with repeated values', () => {
    expect(identifierColumnWarnings(dataset(100, (i) => `plan-${i % 3}`))).toEqual([]);
  });

  it('ignores a file too small to tell', () => {
    expect(identifierColumnWarnings(dataset(10, (i) => `c${i}`))).toEqual([]);
  });
});

describe('scorer train on small data', () => {
  it.each([2, 3, 9])('rejects %i rows with a clear message', async (rows) => {
    const path = await csvFile(customersCsv(rows));
    const training = train(path, ['--id', 'id']);
    await expect(training).rejects.toBeInstanceOf(ConfigError);
    await expect(training).rejects.toThrow(/^Training needs at least 5 rows of each class, but the data has \d positive rows?/);
  });

  it('trains on 20 rows and warns about the split and the id column', async () => {
    const path = await csvFile(customersCsv(20));
    const { output, warnings } = await train(path);

    expect(output).toMatch(/Test split \(4 rows\): ROC AUC/);
    expect(output).not.toContain('NaN');
    expect(warnings).toContain('Warning: column "id" looks like an identifier: 20 distinct values in 20 rows.');
    expect(warnings).toContain('Warning: the held-out split has 4 rows (2 positive, 2 negative), fewer than 50 of each class');
  }, 60_000);
});
