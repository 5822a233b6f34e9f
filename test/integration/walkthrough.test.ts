// The walk of docs/operator.md, done automatically. It installs the CRDs and the sample
// volume, runs the operator, applies the samples and waits for Ready. Then the local scorer serves the
// ConfigMaps the operator rendered, and returns a prediction and a nudge for a Telco row.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parse } from 'csv-parse/sync';
import type { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { allocateFreePort } from '../harness/ports.ts';
import { createTestNamespace, deleteTestNamespace, eventually, kubectl, testKubeConfig } from '../harness/kube.ts';
import { startOperator } from '../harness/operator-process.ts';
import type { OperatorProcess } from '../harness/operator-process.ts';
import { clients, waitForReady } from './operator-fixtures.ts';

const repositoryRoot = join(import.meta.dirname, '..', '..');
const telcoCsv = process.env.TELCO_CSV ?? join(repositoryRoot, '..', 'shared', 'data', 'telco-customer-churn.csv');

interface Scorer {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** Starts `scorer serve` with a rendered config and the sample bundle on a free 127.0.0.1 port. */
async function startScorer(configFile: string): Promise<Scorer> {
  const port = await allocateFreePort();
  const child = spawn(
    process.execPath,
    ['scorer/src/cli.ts', 'serve', '--config', configFile, '--model-uri', 'samples/models/telco-churn', '--host', '127.0.0.1'],
    { cwd: repositoryRoot, env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  await eventually(async () => {
    if (child.exitCode !== null) throw new Error(`the scorer exited with code ${child.exitCode}: ${output.slice(-2000)}`);
    const response = await fetch(`${url}/readyz`);
    expect(response.status).toBe(200);
  }, { timeoutMs: 120_000, intervalMs: 500, message: 'the scorer did not become ready' });
  return { child, url, output: () => output };
}

/** Reads the first row of the Telco data set as one instance, with numeric columns parsed. */
async function telcoRow(): Promise<{ customerId: string; features: Record<string, string | number> }> {
  const rows = parse(await readFile(telcoCsv, 'utf8'), { columns: true, to_line: 2 }) as Record<string, string>[];
  const { customerID, Churn: _churn, ...columns } = rows[0]!;
  const features: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(columns)) {
    features[name] = value.trim() !== '' && !Number.isNaN(Number(value)) ? Number(value) : value;
  }
  return { customerId: customerID!, features };
}

async function renderedConfig(namespace: string, configMap: string, dir: string): Promise<string> {
  const result = await kubectl(['get', 'configmap', '-n', namespace, configMap, '-o', 'jsonpath={.data.scorer\\.yaml}']);
  expect(result.code, result.stderr).toBe(0);
  const file = join(dir, `${configMap}.yaml`);
  await writeFile(file, result.stdout);
  return file;
}

describe('walkthrough', () => {
  let kc: KubeConfig;
  let namespace: string;
  let operator: OperatorProcess | undefined;
  let volume: string | undefined;
  const scorers: Scorer[] = [];

  beforeAll(async () => {
    kc = testKubeConfig();
    // The commands of docs/operator.md: the CRDs through their kustomization, then the
    // sample volume and claim.
    const crds = await kubectl(['apply', '--server-side', '-k', 'crds/']);
    expect(crds.code, crds.stderr).toBe(0);
    const established = await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/churnmodels.engagetrack.io', 'crd/nudgeexperiments.engagetrack.io']);
    expect(established.code, established.stderr).toBe(0);
    namespace = await createTestNamespace(kc, 'walkthrough');
    const volumeSample = await kubectl(['apply', '-n', namespace, '-f', 'samples/models-volume.yaml']);
    expect(volumeSample.code, volumeSample.stderr).toBe(0);
    volume = 'engagetrack-models';
    operator = await startOperator({ kubeconfigPath: inject('kubeconfig'), namespace });
  });

  afterAll(async () => {
    for (const scorer of scorers) scorer.child.kill('SIGTERM');
    await operator?.stop();
    if (namespace) await deleteTestNamespace(kc, namespace);
    if (volume) await clients(kc).core.deletePersistentVolume({ name: volume }).catch(() => undefined);
  });

  it('sample claim binds to the sample volume', async () => {
    await eventually(async () => {
      const claim = await clients(kc).core.readNamespacedPersistentVolumeClaim({ namespace, name: 'engagetrack-models' });
      expect(claim.status?.phase).toBe('Bound');
    }, { timeoutMs: 60_000 });
  });

  it('samples serve predictions and nudges', async () => {
    for (const sample of ['samples/churnmodel.yaml', 'samples/nudgeexperiment.yaml']) {
      const result = await kubectl(['apply', '-n', namespace, '-f', sample]);
      expect(result.code, result.stderr).toBe(0);
    }
    await waitForReady(kc, namespace, 'churnmodels', 'telco-churn');
    await waitForReady(kc, namespace, 'nudgeexperiments', 'retention-q1');
    const listed = await kubectl(['get', '-n', namespace, 'churn,nudge']);
    expect(listed.stdout).toContain('telco-churn');
    expect(listed.stdout).toContain('retention-q1');

    const dir = await mkdtemp(join(tmpdir(), 'engagetrack-walkthrough-'));
    const row = await telcoRow();

    const model = await startScorer(await renderedConfig(namespace, 'telco-churn-scorer', dir));
    scorers.push(model);
    const prediction = await fetch(`${model.url}/v1/models/telco-churn:predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances: [row.features] }),
    });
    const predictionBody = (await prediction.json()) as { predictions: { churnProbability: number; riskBand: string }[] };
    expect(prediction.status, JSON.stringify(predictionBody)).toBe(200);
    expect(predictionBody.predictions).toHaveLength(1);
    expect(predictionBody.predictions[0]?.churnProbability).toBeGreaterThanOrEqual(0);
    expect(predictionBody.predictions[0]?.churnProbability).toBeLessThanOrEqual(1);
    expect(['low', 'medium', 'high']).toContain(predictionBody.predictions[0]?.riskBand);

    const experiment = await startScorer(await renderedConfig(namespace, 'retention-q1-nudge', dir));
    scorers.push(experiment);
    const nudge = await fetch(`${experiment.url}/v1/experiments/retention-q1/nudge`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(row),
    });
    const nudgeBody = (await nudge.json()) as { variant?: string };
    expect(nudge.status, JSON.stringify(nudgeBody)).toBe(200);
    expect(['control', 'discount', 'outreach']).toContain(nudgeBody.variant);
  });
});
