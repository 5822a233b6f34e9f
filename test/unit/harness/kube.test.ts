import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { eventually, readCrdManifests, testNamespaceName } from '../../harness/kube.ts';

describe('testNamespaceName', () => {
  it.each([
    ['rollout', /^rollout-[0-9a-f]{6}$/],
    ['Canary_Rollout Test', /^canary-rollout-test-[0-9a-f]{6}$/],
    ['--', /^test-[0-9a-f]{6}$/],
  ])('turns %j into a DNS label', (prefix, pattern) => {
    expect(testNamespaceName(prefix)).toMatch(pattern);
  });

  it('stays within 63 characters', () => {
    const name = testNamespaceName('a'.repeat(100));

    expect(name).toHaveLength(63);
    expect(name).toMatch(/^a+-[0-9a-f]{6}$/);
  });

  it('differs between calls', () => {
    expect(testNamespaceName('same')).not.toBe(testNamespaceName('same'));
  });
});

describe('eventually', () => {
  it('returns the first value that does not throw', async () => {
    let calls = 0;

    const value = await eventually(
      async () => {
        calls++;
        if (calls < 3) {
          throw new Error('not yet');
        }
        return 'ready';
      },
      { intervalMs: 1 },
    );

    expect(value).toBe('ready');
    expect(calls).toBe(3);
  });

  it('times out with the last error', async () => {
    const failing = eventually(
      async () => {
        throw new Error('replicas 1 of 2');
      },
      { timeoutMs: 50, intervalMs: 10, message: 'deployment web did not become ready' },
    );

    await expect(failing).rejects.toThrow('deployment web did not become ready within 50 ms (last error: replicas 1 of 2)');
  });
});

describe('readCrdManifests', () => {
  it('reads definitions from every YAML file in order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'engagetrack-crd-read-'));
    try {
      const crd = (name: string) => `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: ${name}\n`;
      await writeFile(join(dir, 'b.yaml'), crd('b.example.io'));
      await writeFile(join(dir, 'a.yaml'), `${crd('a.example.io')}---\nkind: ConfigMap\napiVersion: v1\n---\n`);
      await writeFile(join(dir, 'notes.txt'), crd('ignored.example.io'));

      const crds = await readCrdManifests(dir);

      expect(crds.map((item) => item.metadata?.name)).toEqual(['a.example.io', 'b.example.io']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
