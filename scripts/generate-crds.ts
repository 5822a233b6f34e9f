/**
 * Writes crds/*.yaml and docs/api.md from the typebox schemas in operator/src/api.
 * With --check, writes nothing and exits 1 when a file differs from what the
 * schemas generate, naming the file.
 *
 *   node scripts/generate-crds.ts [--check]
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { generatedFiles } from '../operator/src/api/generated-files.ts';

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const stale: string[] = [];

  for (const file of generatedFiles()) {
    const path = join(repositoryRoot, file.path);
    const current = await readIfExists(path);
    if (current === file.content) continue;

    if (check) {
      stale.push(file.path);
    } else {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, file.content);
      console.log(`wrote ${file.path}`);
    }
  }

  if (stale.length > 0) {
    console.error(`out of date with operator/src/api: ${stale.join(', ')}; run npm run generate:crds and commit the result`);
    process.exitCode = 1;
  }
}

await main();
