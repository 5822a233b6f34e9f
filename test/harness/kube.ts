import {
  ApiextensionsV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  loadYaml,
  PatchStrategy,
  type KubernetesObject,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { dump, loadAll } from 'js-yaml';
import { inject } from 'vitest';

import './provided-context.ts';

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Field manager of the harness's server-side apply requests. */
const harnessFieldManager = 'engagetrack-test-harness';

/** Path of the admin kubeconfig (group system:masters) of the test control plane. */
export function kubeconfigPath(): string {
  return inject('kubeconfig');
}

/** Loads a KubeConfig from the test control plane's admin kubeconfig. */
export function testKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath());
  return kc;
}

/**
 * Creates a namespace named `<prefix>-<random suffix>` and waits until its `default`
 * ServiceAccount exists, because the API server rejects pods in a namespace until the
 * serviceaccount controller has created it. The namespace enforces the restricted Pod
 * Security profile unless `restricted` is false.
 */
export async function createTestNamespace(
  kc: KubeConfig,
  prefix: string,
  opts: { restricted?: boolean } = {},
): Promise<string> {
  const name = testNamespaceName(prefix);
  const labels: Record<string, string> = { 'app.kubernetes.io/part-of': 'engagetrack-tests' };
  if (opts.restricted !== false) {
    labels['pod-security.kubernetes.io/enforce'] = 'restricted';
  }

  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name, labels } } });
  await eventually(() => core.readNamespacedServiceAccount({ name: 'default', namespace: name }), {
    timeoutMs: 30_000,
    message: `the default ServiceAccount of namespace ${name} was not created`,
  });
  return name;
}

/**
 * Builds a namespace name from `prefix` and 6 random hex digits, kept a valid DNS label
 * (lowercase letters, digits and '-', at most 63 characters).
 */
export function testNamespaceName(prefix: string): string {
  const suffix = randomBytes(3).toString('hex');
  const cleaned = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63 - suffix.length - 1)
    .replace(/-+$/, '');
  return cleaned === '' ? `test-${suffix}` : `${cleaned}-${suffix}`;
}

/**
 * Deletes a namespace without waiting for the namespace controller to finish removing
 * its contents. A namespace that is already gone is not an error.
 */
export async function deleteTestNamespace(kc: KubeConfig, name: string): Promise<void> {
  try {
    await kc.makeApiClient(CoreV1Api).deleteNamespace({ name, propagationPolicy: 'Background' });
  } catch (error) {
    if ((error as { code?: number }).code !== 404) {
      throw error;
    }
  }
}

/**
 * Calls `probe` until it resolves, then returns its value. A probe signals "not yet" by
 * throwing (an `expect` that fails, for example). When `timeoutMs` (default 30 000) has
 * passed, throws an error with `message` and the probe's last error as its cause.
 */
export async function eventually<T>(
  probe: () => Promise<T>,
  opts: { timeoutMs?: number; intervalMs?: number; message?: string } = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const intervalMs = opts.intervalMs ?? 250;
  const deadline = Date.now() + timeoutMs;

  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() + intervalMs > deadline) {
        const detail = error instanceof Error ? error.message : String(error);
        const summary = opts.message ?? 'the condition was not met';
        throw new Error(`${summary} within ${timeoutMs} ms (last error: ${detail})`, { cause: error });
      }
    }
    await sleep(intervalMs);
  }
}

/**
 * Runs the built kubectl against the test control plane. A non-zero exit is returned
 * in `code`, not thrown, so tests can assert on rejections.
 */
export function kubectl(
  args: string[],
  opts: { input?: string } = {},
): Promise<{ stdout: string; stderr: string; code: number }> {
  const binary = join(inject('controlPlaneBin'), 'kubectl');

  return new Promise((resolve, reject) => {
    const child = spawn(binary, [`--kubeconfig=${kubeconfigPath()}`, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';

    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ stdout, stderr, code: code ?? -1 }));
    child.stdin.end(opts.input ?? '');
  });
}

/**
 * Applies every CustomResourceDefinition in crds/*.yaml (or in `dir`) with server-side
 * apply and waits until each one is Established, so that custom resources can be
 * created right after.
 */
export async function applyCrds(kc: KubeConfig, dir = join(repositoryRoot, 'crds')): Promise<void> {
  const crds = await readCrdManifests(dir);
  const objects = KubernetesObjectApi.makeApiClient(kc);

  for (const crd of crds) {
    try {
      await objects.patch(crd, undefined, undefined, harnessFieldManager, true, PatchStrategy.ServerSideApply);
    } catch (error) {
      throw new Error(`applying CustomResourceDefinition ${crd.metadata?.name} failed: ${statusMessage(error)}`, {
        cause: error,
      });
    }
  }

  const extensions = kc.makeApiClient(ApiextensionsV1Api);
  await Promise.all(
    crds.map((crd) => {
      const name = crd.metadata?.name ?? '';
      return eventually(
        async () => {
          const current = await extensions.readCustomResourceDefinition({ name });
          if (!isEstablished(current)) {
            throw new Error(`CustomResourceDefinition ${name} is not Established yet`);
          }
        },
        { message: `CustomResourceDefinition ${name} did not become Established` },
      );
    }),
  );
}

/** Reads the CustomResourceDefinitions from every .yaml file in `dir`, in file name order. */
export async function readCrdManifests(dir: string): Promise<KubernetesObject[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.yaml') || file.endsWith('.yml')).sort();
  const crds: KubernetesObject[] = [];

  for (const file of files) {
    // Empty documents (a trailing `---`) load as null, which client-node's loadAllYaml
    // cannot take, so js-yaml splits the file first.
    const documents = loadAll(await readFile(join(dir, file), 'utf8')) as Array<KubernetesObject | null>;
    for (const document of documents) {
      if (document?.kind === 'CustomResourceDefinition') {
        // client-node's loader returns typed models. Its serializer writes only the fields
        // of those models, so a plain js-yaml object would lose every x-kubernetes-* key on apply.
        crds.push(loadYaml<KubernetesObject>(dump(document)));
      }
    }
  }

  if (crds.length === 0) {
    throw new Error(`no CustomResourceDefinition found in ${dir}/*.yaml. Generate the CRD manifests first.`);
  }
  return crds;
}

function isEstablished(crd: V1CustomResourceDefinition): boolean {
  return crd.status?.conditions?.some((condition) => condition.type === 'Established' && condition.status === 'True') ?? false;
}

/** Returns the message of the Kubernetes Status in an API error's body, or the error's own message. */
function statusMessage(error: unknown): string {
  const body = (error as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      const status = JSON.parse(body) as { message?: string };
      if (status.message) {
        return status.message;
      }
    } catch {
      // The body is not a Status object, so the error's own message is used below.
    }
  }
  return error instanceof Error ? error.message : String(error);
}
