import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.ts';
import { readDataset } from './dataset.ts';

async function csvFile(text: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'dataset-')), 'data.csv');
  await writeFile(path, text);
  return path;
}

const options = { target: 'churned', positive: 'yes', idColumn: 'id', dropColumns: [] as string[] };

describe('readDataset', () => {
  it('infers column types and reads blank numeric cells as missing', async () => {
    const path = await csvFile('id,plan,tenure,charges,churned\r\nc1,basic,1, ,yes\r\nc2,premium,30,120.5,no\r\nc3,basic,12,,no\r\n');
    const dataset = await readDataset(path, options);
    expect(dataset.columns).toEqual([
      { name: 'plan', type: 'categorical' },
      { name: 'tenure', type: 'numeric' },
      { name: 'charges', type: 'numeric' },
    ]);
    expect(dataset.rows).toEqual([
      { plan: 'basic', tenure: 1, charges: null },
      { plan: 'premium', tenure: 30, charges: 120.5 },
      { plan: 'basic', tenure: 12, charges: null },
    ]);
    expect(Array.from(dataset.labels)).toEqual([1, 0, 0]);
    expect(dataset.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('drops the listed columns', async () => {
    const path = await csvFile('id,plan,tenure,churned\nc1,basic,1,yes\nc2,premium,30,no\n');
    const dataset = await readDataset(path, { ...options, dropColumns: ['plan'] });
    expect(dataset.columns.map((column) => column.name)).toEqual(['tenure']);
  });

  it.each([
    [{ ...options, target: 'missing' }, /Column "missing" given by --target is not in the CSV header/],
    [{ ...options, idColumn: 'customer' }, /Column "customer" given by --id is not in the CSV header/],
    [{ ...options, dropColumns: ['nope'] }, /Column "nope" given by --drop/],
    [{ ...options, positive: 'Yes' }, /must contain both classes, but 0 of 2 rows equal --positive "Yes"/],
  ])('rejects bad options', async (badOptions, message) => {
    const path = await csvFile('id,plan,churned\nc1,basic,yes\nc2,premium,no\n');
    await expect(readDataset(path, badOptions)).rejects.toThrow(message);
    await expect(readDataset(path, badOptions)).rejects.toBeInstanceOf(ConfigError);
  });

  it('rejects a file with rows of different lengths', async () => {
    const path = await csvFile('id,plan,churned\nc1,basic,yes\nc2,premium\n');
    await expect(readDataset(path, options)).rejects.toThrow(/^Invalid CSV in /);
  });

  it('rejects a missing file', async () => {
    await expect(readDataset('/nonexistent/data.csv', options)).rejects.toThrow(/^Cannot read the training data file \/nonexistent\/data\.csv/);
  });

  it('rejects a file without data rows', async () => {
    await expect(readDataset(await csvFile('id,plan,churned\n'), options)).rejects.toThrow(/has no header or no data rows/);
  });
});
