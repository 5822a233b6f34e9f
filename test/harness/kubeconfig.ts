import { readFile, writeFile } from 'node:fs/promises';
import { dump } from 'js-yaml';

import type { CertificateFiles } from './certs.ts';

/** What a client-certificate kubeconfig for one user of one cluster contains. */
export interface ClientCertificateKubeconfig {
  clusterName: string;
  server: string;
  caCertPem: string;
  userName: string;
  clientCertPem: string;
  clientKeyPem: string;
}

/**
 * Renders a kubeconfig with one cluster, one user and one current context. The
 * certificates are embedded as base64 data, so the file works wherever it is copied.
 */
export function renderKubeconfig(config: ClientCertificateKubeconfig): string {
  const base64 = (pem: string) => Buffer.from(pem, 'utf8').toString('base64');
  const contextName = `${config.userName}@${config.clusterName}`;

  return dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: config.clusterName,
        cluster: { server: config.server, 'certificate-authority-data': base64(config.caCertPem) },
      },
    ],
    users: [
      {
        name: config.userName,
        user: {
          'client-certificate-data': base64(config.clientCertPem),
          'client-key-data': base64(config.clientKeyPem),
        },
      },
    ],
    contexts: [{ name: contextName, context: { cluster: config.clusterName, user: config.userName } }],
    'current-context': contextName,
    preferences: {},
  });
}

/** Writes a kubeconfig for `client` against `server` to `path`, readable only by its owner. */
export async function writeKubeconfig(
  path: string,
  options: { server: string; ca: CertificateFiles; client: CertificateFiles; userName: string },
): Promise<void> {
  const [caCertPem, clientCertPem, clientKeyPem] = await Promise.all([
    readFile(options.ca.certPath, 'utf8'),
    readFile(options.client.certPath, 'utf8'),
    readFile(options.client.keyPath, 'utf8'),
  ]);

  const content = renderKubeconfig({
    clusterName: 'engagetrack-test',
    server: options.server,
    caCertPem,
    userName: options.userName,
    clientCertPem,
    clientKeyPem,
  });
  await writeFile(path, content, { mode: 0o600 });
}
