/**
 * Checks of the training data that training itself cannot report well: too few rows of a
 * class for the split (a hard error), and a held-out split or columns that make the result
 * misleading (warnings).
 */
import { ConfigError } from '../errors.ts';
import type { Dataset } from './dataset.ts';

/**
 * Rows of each class in the held-out split below which its metrics are printed with a
 * warning. With 50 rows of each class, the standard error of a ROC AUC of 0.8 is still
 * about 0.045 (Hanley and McNeil, Radiology 143(1), 1982).
 */
export const MIN_STABLE_TEST_ROWS_PER_CLASS = 50;

/** Rows below which no column is called an identifier: in a tiny file every text column is unique. */
const MIN_ROWS_FOR_IDENTIFIER_CHECK = 20;

/** Share of rows with a distinct value from which a categorical column looks like an identifier. */
const IDENTIFIER_DISTINCT_SHARE = 0.95;

export interface ClassCounts {
  positive: number;
  negative: number;
}

export function countClasses(labels: ArrayLike<number>, rows?: readonly number[]): ClassCounts {
  const indices = rows ?? Array.from({ length: labels.length }, (_, i) => i);
  let positive = 0;
  for (const row of indices) {
    positive += labels[row] === 1 ? 1 : 0;
  }
  return { positive, negative: indices.length - positive };
}

/**
 * Returns the smallest number of rows of one class for which the stratified split holds
 * out at least one row of the class and leaves at least one for each cross-validation fold.
 * Then every fold's validation AUC and the test metrics are defined. With the defaults
 * (a 20% held-out split and 4 folds) it is 5.
 */
export function minRowsPerClass(testFraction: number, folds: number): number {
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new RangeError(`testFraction must be between 0 and 1, not ${testFraction}`);
  }
  let rows = 1;
  while (Math.round(rows * testFraction) < 1 || rows - Math.round(rows * testFraction) < folds) {
    rows++;
  }
  return rows;
}

/** Throws ConfigError when a class has too few rows to split, naming both counts and the minimum. */
export function checkClassSizes(labels: ArrayLike<number>, testFraction: number, folds: number): void {
  const counts = countClasses(labels);
  const minimum = minRowsPerClass(testFraction, folds);
  if (counts.positive >= minimum && counts.negative >= minimum) {
    return;
  }
  throw new ConfigError(
    `Training needs at least ${minimum} rows of each class, but the data has ${rowCount(counts.positive, 'positive')} ` +
      `(equal to --positive) and ${rowCount(counts.negative, 'negative')}. The held-out ${Math.round(testFraction * 100)}% ` +
      `needs one row of each class, and so does each of the ${folds} cross-validation folds. Add rows of the smaller class, ` +
      'or check --target and --positive.',
    'data',
  );
}

function rowCount(count: number, kind: string): string {
  return `${count} ${kind} ${count === 1 ? 'row' : 'rows'}`;
}

/** Returns a warning when the held-out split is too small for stable metrics, else undefined. */
export function smallHoldOutWarning(test: ClassCounts): string | undefined {
  const smaller = Math.min(test.positive, test.negative);
  if (smaller >= MIN_STABLE_TEST_ROWS_PER_CLASS) {
    return undefined;
  }
  return (
    `the held-out split has ${test.positive + test.negative} rows (${test.positive} positive, ${test.negative} negative), ` +
    `fewer than ${MIN_STABLE_TEST_ROWS_PER_CLASS} of each class, so its metrics are unstable and may be far from the ` +
    'model\'s real quality. Train on more rows before relying on them.'
  );
}

/**
 * Returns a warning for each categorical feature column with a distinct value in nearly
 * every row, such as a customer id left in the features. Such a column cannot generalise:
 * each category is seen once, and serving puts every new value in the unknown bucket.
 */
export function identifierColumnWarnings(dataset: Dataset): string[] {
  const rows = dataset.rows.length;
  if (rows < MIN_ROWS_FOR_IDENTIFIER_CHECK) {
    return [];
  }

  const warnings: string[] = [];
  for (const column of dataset.columns) {
    if (column.type !== 'categorical') {
      continue;
    }
    const distinct = new Set(dataset.rows.map((row) => row[column.name]).filter((value) => value !== null)).size;
    if (distinct >= IDENTIFIER_DISTINCT_SHARE * rows) {
      const name = JSON.stringify(column.name);
      warnings.push(
        `column ${name} looks like an identifier: ${distinct} distinct values in ${rows} rows. ` +
          `It is used as a feature, but cannot help predict new customers; pass --id ${name} or --drop ${name} to exclude it.`,
      );
    }
  }
  return warnings;
}
