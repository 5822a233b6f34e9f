import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_BUNDLE } from '../testing/scorer-fixture.ts';
import { initBackend } from './backend.ts';
import { DIGEST_FILE, bundleDigest, digestManifest } from './bundle-format.ts';
import { loadBundle, type LoadedBundle } from './bundle-loader.ts';
import { openBundleSource } from './bundle-source.ts';
import { parseModelUri } from './uri.ts';

const localOptions = { allowLoopback: false, timeoutMs: 5000 };

async function loadFrom(directory: string, sha256?: string): Promise<LoadedBundle> {
  const source = await openBundleSource(parseModelUri(directory), localOptions);
  return loadBundle(source, sha256);
}

async function copyOfSample(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'bundle-'));
  await cp(SAMPLE_BUNDLE, directory, { recursive: true });
  return directory;
}

async function editJson(path: string, edit: (value: Record<string, unknown>) => void): Promise<void> {
  const value = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  edit(value);
  await writeFile(path, JSON.stringify(value));
}

beforeAll(async () => {
  await initBackend();
});

describe('loadBundle from a folder', () => {
  it('loads the sample bundle and verifies its digest', async () => {
    const recorded = (await readFile(join(SAMPLE_BUNDLE, DIGEST_FILE), 'utf8')).trim();
    const bundle = await loadFrom(SAMPLE_BUNDLE, recorded);
    expect(bundle.digest).toBe(recorded);
    expect(bundle.metadata.name).toBe('telco-churn');
    expect(bundle.model.inputs[0]!.shape).toEqual([null, bundle.spec.inputSize]);
    bundle.model.dispose();
  });

  it('rejects a configured digest that does not match', async () => {
    await expect(loadFrom(SAMPLE_BUNDLE, 'a'.repeat(64))).rejects.toThrow(
      /^model\.sha256: bundle digest mismatch at .*: the configured model\.sha256 is a{64}, but the bundle files hash to [0-9a-f]{64}\. Check that model\.uri names the intended bundle, then set model\.sha256 to its digest\.$/,
    );
  });

  it('rejects files changed after the digest was recorded', async () => {
    const directory = await copyOfSample();
    const weights = await readFile(join(directory, 'weights.bin'));
    weights[0] = (weights[0] ?? 0) ^ 0xff;
    await writeFile(join(directory, 'weights.bin'), weights);
    await expect(loadFrom(directory)).rejects.toThrow(/^bundle\.sha256: bundle digest mismatch at .*the bundle records [0-9a-f]{64}\.$/);
    await rm(directory, { recursive: true });
  });

  it.each(['model.json', 'weights.bin', 'features.json', 'metadata.json'])('rejects a bundle without %s', async (file) => {
    const directory = await copyOfSample();
    await rm(join(directory, file));
    await expect(loadFrom(directory)).rejects.toThrow(`${file}: missing from the model bundle at ${directory}.`);
    await rm(directory, { recursive: true });
  });

  it('names a bundle folder that does not exist', async () => {
    const directory = join(await mkdtemp(join(tmpdir(), 'bundle-')), 'telco-churn');
    await expect(loadFrom(directory)).rejects.toThrow(`model bundle folder ${directory} does not exist; check model.uri or --model-uri`);
  });

  it('names a bundle path that is a file', async () => {
    const path = resolve(SAMPLE_BUNDLE, 'model.json');
    await expect(loadFrom(path)).rejects.toThrow(
      `model bundle folder ${path} is not a folder; model.uri must name the folder that contains model.json.`,
    );
  });

  it('rejects malformed JSON naming the file', async () => {
    const directory = await copyOfSample();
    await writeFile(join(directory, 'metadata.json'), '{"name": ');
    await expect(loadFrom(directory)).rejects.toThrow(/^metadata\.json: malformed JSON: /);
    await rm(directory, { recursive: true });
  });

  it('rejects invalid features.json content naming the field', async () => {
    const directory = await copyOfSample();
    await editJson(join(directory, 'features.json'), (spec) => {
      (spec['features'] as Record<string, unknown>[])[0]!['type'] = 'text';
    });
    await expect(loadFrom(directory)).rejects.toThrow(/^features\.json: invalid content: features\[0\]\.type: /);
    await rm(directory, { recursive: true });
  });

  it('rejects features that disagree with the model input shape', async () => {
    const directory = await copyOfSample();
    await rm(join(directory, DIGEST_FILE));
    await editJson(join(directory, 'features.json'), (spec) => {
      const categorical = (spec['features'] as { type: string; vocabulary?: string[] }[]).find((feature) => feature.type === 'categorical');
      categorical!.vocabulary!.pop();
      spec['inputSize'] = (spec['inputSize'] as number) - 1;
    });
    await expect(loadFrom(directory)).rejects.toThrow(
      /^model\.json: the model input shape \[null,93\] does not match features\.json inputSize 92\.$/,
    );
    await rm(directory, { recursive: true });
  });

  it('rejects weight paths outside the bundle folder', async () => {
    const directory = await copyOfSample();
    await rm(join(directory, DIGEST_FILE));
    await editJson(join(directory, 'model.json'), (model) => {
      (model['weightsManifest'] as { paths: string[] }[])[0]!.paths = ['../../etc/passwd'];
    });
    await expect(loadFrom(directory)).rejects.toThrow(/^model\.json: invalid content: weightsManifest\[0\]\.paths\[0\]: must be a plain file name/);
    await rm(directory, { recursive: true });
  });
});

describe('bundle digest', () => {
  it('hashes sha256sum lines sorted by path, without the digest file', () => {
    const files = new Map<string, Uint8Array>([
      ['b.json', Buffer.from('b')],
      ['a.bin', Buffer.from('a')],
      [DIGEST_FILE, Buffer.from('ignored')],
    ]);
    expect(digestManifest(files)).toBe(
      'ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb  a.bin\n' +
        '3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d  b.json\n',
    );
    expect(bundleDigest(files)).toMatch(/^[0-9a-f]{64}$/);
  });
});

/** Creates a self-signed certificate for 127.0.0.1 with openssl; undefined when openssl is absent. */
function selfSignedCertificate(directory: string): { key: string; cert: string } | undefined {
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(directory, 'key.pem'), '-out', join(directory, 'cert.pem'),
    ], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  return {
    key: readFileSync(join(directory, 'key.pem'), 'utf8'),
    cert: readFileSync(join(directory, 'cert.pem'), 'utf8'),
  };
}

describe('loadBundle over HTTPS', () => {
  let server: Server | undefined;
  let baseUrl = '';
  let ca = '';
  const requested: string[] = [];

  beforeAll(async () => {
    const directory = await mkdtemp(join(tmpdir(), 'bundle-tls-'));
    const certificate = selfSignedCertificate(directory);
    if (certificate === undefined) {
      return;
    }
    ca = certificate.cert;
    server = createServer(certificate, (req, res) => {
      requested.push(req.url ?? '');
      const file = (req.url ?? '').replace(/^\/bundles\/telco\//, '');
      readFile(join(SAMPLE_BUNDLE, file)).then(
        (bytes) => res.writeHead(200).end(bytes),
        () => res.writeHead(404).end(),
      );
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}/bundles/telco`;
  });

  afterAll(async () => {
    await new Promise((resolve) => (server === undefined ? resolve(undefined) : server.close(resolve)));
  });

  it('loads from a loopback server with the opt-in and the CA', async (context) => {
    if (server === undefined) {
      context.skip();
    }
    const source = await openBundleSource(parseModelUri(baseUrl), { allowLoopback: true, timeoutMs: 5000, ca });
    const recorded = (await readFile(join(SAMPLE_BUNDLE, DIGEST_FILE), 'utf8')).trim();
    const bundle = await loadBundle(source, recorded);
    await source.close();
    expect(bundle.digest).toBe(recorded);
    expect(requested).toContain('/bundles/telco/weights.bin');
    bundle.model.dispose();
  });

  it('rejects a loopback server without the opt-in before sending a request', async (context) => {
    if (server === undefined) {
      context.skip();
    }
    const before = requested.length;
    await expect(openBundleSource(parseModelUri(baseUrl), { allowLoopback: false, timeoutMs: 5000, ca })).rejects.toThrow(
      /^The model URI host 127\.0\.0\.1 is not allowed: 127\.0\.0\.1 is a loopback address/,
    );
    expect(requested.length).toBe(before);
  });

  it('rejects a server whose certificate is not trusted', async (context) => {
    if (server === undefined) {
      context.skip();
    }
    const source = await openBundleSource(parseModelUri(baseUrl), { allowLoopback: true, timeoutMs: 5000 });
    await expect(loadBundle(source, undefined)).rejects.toThrow(/^model\.json: fetching https:\/\/127\.0\.0\.1:\d+\/bundles\/telco\/model\.json failed: /);
    await source.close();
  });

  it('names a file the server does not have', async (context) => {
    if (server === undefined) {
      context.skip();
    }
    const source = await openBundleSource(parseModelUri(`${baseUrl}-missing`), { allowLoopback: true, timeoutMs: 5000, ca });
    await expect(loadBundle(source, undefined)).rejects.toThrow(/^model\.json: missing from the model bundle at https:\/\/127\.0\.0\.1:\d+\/bundles\/telco-missing\/\.$/);
    await source.close();
  });
});
