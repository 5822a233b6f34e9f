import { KubeConfig } from '@kubernetes/client-node';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { generateControlPlaneCertificates } from '../../harness/certs.ts';
import { renderKubeconfig, writeKubeconfig } from '../../harness/kubeconfig.ts';

const pems = {
  caCertPem: '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n',
  clientCertPem: '-----BEGIN CERTIFICATE-----\nCLIENT\n-----END CERTIFICATE-----\n',
  clientKeyPem: '-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n',
};

describe('renderKubeconfig', () => {
  it('loads into client-node with embedded certificates', () => {
    const content = renderKubeconfig({
      clusterName: 'test',
      server: 'https://127.0.0.1:6443',
      userName: 'admin',
      ...pems,
    });

    const kc = new KubeConfig();
    kc.loadFromString(content);

    expect(kc.getCurrentContext()).toBe('admin@test');
    expect(kc.getCurrentCluster()?.server).toBe('https://127.0.0.1:6443');
    expect(Buffer.from(kc.getCurrentCluster()?.caData ?? '', 'base64').toString()).toBe(pems.caCertPem);
    expect(Buffer.from(kc.getCurrentUser()?.certData ?? '', 'base64').toString()).toBe(pems.clientCertPem);
    expect(Buffer.from(kc.getCurrentUser()?.keyData ?? '', 'base64').toString()).toBe(pems.clientKeyPem);
  });
});

describe('writeKubeconfig', () => {
  it('writes a file only its owner can read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'engagetrack-kubeconfig-'));
    try {
      const certs = await generateControlPlaneCertificates(join(dir, 'pki'));
      const path = join(dir, 'kubeconfig');

      await writeKubeconfig(path, { server: 'https://127.0.0.1:1', ca: certs.ca, client: certs.admin, userName: 'admin' });

      expect((await stat(path)).mode & 0o777).toBe(0o600);
      const kc = new KubeConfig();
      kc.loadFromFile(path);
      const certData = Buffer.from(kc.getCurrentUser()?.certData ?? '', 'base64').toString();
      expect(certData).toBe(await readFile(certs.admin.certPath, 'utf8'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
