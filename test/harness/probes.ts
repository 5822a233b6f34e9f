import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readFile } from 'node:fs/promises';

import type { CertificateFiles } from './certs.ts';

/** TLS material for probing a component: the CA to verify it and a client certificate. */
export interface ProbeTls {
  ca: string;
  cert: string;
  key: string;
}

export async function loadProbeTls(ca: CertificateFiles, client: CertificateFiles): Promise<ProbeTls> {
  const [caPem, cert, key] = await Promise.all([
    readFile(ca.certPath, 'utf8'),
    readFile(client.certPath, 'utf8'),
    readFile(client.keyPath, 'utf8'),
  ]);
  return { ca: caPem, cert, key };
}

/**
 * Sends a GET request and returns true for a 200 response. Health endpoints
 * (/health of etcd, /readyz and /healthz of the Kubernetes components) return 200
 * only when the component is ready.
 */
export function isHealthy(url: string, tls?: ProbeTls): Promise<boolean> {
  const timeoutMs = 2_000;

  return new Promise((resolve, reject) => {
    const onResponse = (response: IncomingMessage) => {
      response.resume();
      resolve(response.statusCode === 200);
    };
    const request = tls
      ? httpsRequest(url, { ...tls, timeout: timeoutMs }, onResponse)
      : httpRequest(url, { timeout: timeoutMs }, onResponse);

    request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out after ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end();
  });
}
