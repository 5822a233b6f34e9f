import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  generateClientCertificate,
  generateControlPlaneCertificates,
  subjectFor,
  type CertificateFiles,
  type ControlPlaneCertificates,
} from '../../harness/certs.ts';

async function readCertificate(files: CertificateFiles): Promise<X509Certificate> {
  return new X509Certificate(await readFile(files.certPath));
}

describe('generateControlPlaneCertificates', () => {
  let dir: string;
  let certs: ControlPlaneCertificates;
  let ca: X509Certificate;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'engagetrack-certs-'));
    certs = await generateControlPlaneCertificates(dir);
    ca = await readCertificate(certs.ca);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a certificate authority', () => {
    expect(ca.ca).toBe(true);
    expect(ca.subject).toBe('CN=engagetrack-test-ca');
    expect(ca.checkIssued(ca)).toBe(true);
  });

  it('signs the serving certificate for 127.0.0.1 and localhost', async () => {
    const serving = await readCertificate(certs.serving);

    expect(serving.ca).toBe(false);
    expect(serving.verify(ca.publicKey)).toBe(true);
    expect(serving.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(serving.checkHost('localhost')).toBe('localhost');
    expect(serving.checkHost('kubernetes.default.svc')).toBe('kubernetes.default.svc');
    expect(serving.checkIP('10.0.0.1')).toBeUndefined();
  });

  it('puts the admin in group system:masters', async () => {
    const admin = await readCertificate(certs.admin);

    expect(admin.verify(ca.publicKey)).toBe(true);
    expect(admin.subject.split('\n')).toEqual(['O=system:masters', 'CN=engagetrack-admin']);
    expect(admin.keyUsage).toContain('1.3.6.1.5.5.7.3.2');
  });

  it.each([
    ['controllerManager', 'CN=system:kube-controller-manager'],
    ['scheduler', 'CN=system:kube-scheduler'],
  ] as const)('names the %s after its bootstrap RBAC user', async (component, subject) => {
    const certificate = await readCertificate(certs[component]);

    expect(certificate.subject).toBe(subject);
    expect(certificate.verify(ca.publicKey)).toBe(true);
  });

  it('signs the front proxy client with its own authority', async () => {
    const frontProxyCa = await readCertificate(certs.frontProxyCa);
    const client = await readCertificate(certs.frontProxyClient);

    expect(client.verify(frontProxyCa.publicKey)).toBe(true);
    expect(client.verify(ca.publicKey)).toBe(false);
  });

  it('writes a matching service account key pair', async () => {
    const privateKey = createPrivateKey(await readFile(certs.serviceAccount.privateKeyPath));
    const publicKey = createPublicKey(await readFile(certs.serviceAccount.publicKeyPath));

    expect(privateKey.asymmetricKeyType).toBe('ec');
    expect(createPublicKey(privateKey).export({ format: 'jwk' })).toEqual(publicKey.export({ format: 'jwk' }));
  });

  it('keeps private keys readable by the owner only', async () => {
    const { stat } = await import('node:fs/promises');
    const mode = (await stat(certs.serviceAccount.privateKeyPath)).mode & 0o777;

    expect(mode).toBe(0o600);
  });

  it('signs another client identity on request', async () => {
    const files = await generateClientCertificate(dir, certs.ca, 'viewer', { user: 'jane', groups: ['viewers'] });
    const viewer = await readCertificate(files);

    expect(viewer.subject.split('\n')).toEqual(['O=viewers', 'CN=jane']);
    expect(viewer.verify(ca.publicKey)).toBe(true);
  });
});

describe('subjectFor', () => {
  it.each([
    [{ user: 'alice', groups: [] }, '/CN=alice'],
    [{ user: 'bob', groups: ['system:masters', 'dev'] }, '/O=system:masters/O=dev/CN=bob'],
    [{ user: 'a/b=c', groups: [] }, '/CN=a\\/b\\=c'],
  ])('builds the subject of %o', (identity, subject) => {
    expect(subjectFor(identity)).toBe(subject);
  });
});
