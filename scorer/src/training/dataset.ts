/** Reading a training CSV file and inferring the type of each column. */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { ConfigError } from '../errors.ts';
import type { FeatureRow } from '../prediction.ts';

export type ColumnType = 'numeric' | 'categorical';

export interface DatasetOptions {
  target: string;
  /** Target value that counts as the positive class (churned). */
  positive: string;
  idColumn?: string | undefined;
  dropColumns: string[];
}

export interface Dataset {
  /** sha256 of the file bytes, hex. */
  sha256: string;
  /** Feature columns in file order with their inferred type. */
  columns: { name: string; type: ColumnType }[];
  /** One row per record: numbers (or null when blank) for numeric columns, strings (or null) otherwise. */
  rows: FeatureRow[];
  /** 1 for the positive class, 0 otherwise. */
  labels: Uint8Array;
}

/** Reads and parses the CSV file; throws ConfigError naming the file or column at fault. */
export async function readDataset(path: string, options: DatasetOptions): Promise<Dataset> {
  const bytes = await readFile(path).catch((error: unknown) => {
    throw new ConfigError(`Cannot read the training data file ${path}: ${(error as Error).message}`, 'data', { cause: error });
  });
  const sha256 = createHash('sha256').update(bytes).digest('hex');

  let records: string[][];
  try {
    records = parse(bytes, { bom: true, skip_empty_lines: true, relax_column_count: false }) as string[][];
  } catch (error) {
    throw new ConfigError(`Invalid CSV in ${path}: ${(error as Error).message}`, 'data', { cause: error });
  }

  const [header, ...body] = records;
  if (header === undefined || body.length === 0) {
    throw new ConfigError(`The training data file ${path} has no header or no data rows.`, 'data');
  }
  return buildDataset(header, body, options, sha256);
}

function buildDataset(header: string[], body: string[][], options: DatasetOptions, sha256: string): Dataset {
  const targetIndex = requireColumn(header, options.target, 'target');
  if (options.idColumn !== undefined) {
    requireColumn(header, options.idColumn, 'id');
  }
  for (const dropped of options.dropColumns) {
    requireColumn(header, dropped, 'drop');
  }

  const excluded = new Set([options.target, options.idColumn, ...options.dropColumns]);
  const featureIndices = header.map((_, index) => index).filter((index) => !excluded.has(header[index] as string));
  if (featureIndices.length === 0) {
    throw new ConfigError('No feature columns are left after removing the target, id and dropped columns.', 'drop');
  }

  const labels = buildLabels(body, targetIndex, options);
  const columns = featureIndices.map((index) => ({
    name: header[index] as string,
    type: inferColumnType(body, index),
  }));
  const rows = body.map((record) => {
    const row: FeatureRow = {};
    featureIndices.forEach((index, position) => {
      const cell = record[index] as string;
      const column = columns[position] as { name: string; type: ColumnType };
      row[column.name] = column.type === 'numeric' ? parseNumericCell(cell) : parseCategoricalCell(cell);
    });
    return row;
  });

  return { sha256, columns, rows, labels };
}

function requireColumn(header: string[], name: string, option: string): number {
  const index = header.indexOf(name);
  if (index === -1) {
    throw new ConfigError(`Column ${JSON.stringify(name)} given by --${option} is not in the CSV header (${header.join(', ')}).`, option);
  }
  return index;
}

function buildLabels(body: string[][], targetIndex: number, options: DatasetOptions): Uint8Array {
  const labels = new Uint8Array(body.length);
  let positives = 0;
  body.forEach((record, rowIndex) => {
    const isPositive = (record[targetIndex] as string).trim() === options.positive;
    labels[rowIndex] = isPositive ? 1 : 0;
    positives += labels[rowIndex] as number;
  });

  if (positives === 0 || positives === body.length) {
    throw new ConfigError(
      `The target column ${JSON.stringify(options.target)} must contain both classes, but ${positives} of ${body.length} rows equal --positive ${JSON.stringify(options.positive)}.`,
      'positive',
    );
  }
  return labels;
}

/** A column is numeric when every non-blank cell is a finite number; blank cells are missing values. */
export function inferColumnType(body: string[][], index: number): ColumnType {
  let sawNumber = false;
  for (const record of body) {
    const cell = (record[index] as string).trim();
    if (cell === '') {
      continue;
    }
    if (!Number.isFinite(Number(cell))) {
      return 'categorical';
    }
    sawNumber = true;
  }
  return sawNumber ? 'numeric' : 'categorical';
}

function parseNumericCell(cell: string): number | null {
  const trimmed = cell.trim();
  return trimmed === '' ? null : Number(trimmed);
}

function parseCategoricalCell(cell: string): string | null {
  const trimmed = cell.trim();
  return trimmed === '' ? null : trimmed;
}
