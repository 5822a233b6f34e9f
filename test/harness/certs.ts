import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** A PEM certificate and its PEM private key, both as files. */
export interface CertificateFiles {
  certPath: string;
  keyPath: string;
}

/** Every certificate and key the control plane and its clients need. */
export interface ControlPlaneCertificates {
  ca: CertificateFiles;
  /** Serving certificate for kube-apiserver, kube-controller-manager and kube-scheduler. */
  serving: CertificateFiles;
  /** Client certificate in group system:masters, for tests and people. */
  admin: CertificateFiles;
  controllerManager: CertificateFiles;
  scheduler: CertificateFiles;
  kwok: CertificateFiles;
  /** Separate authority for the aggregation layer, as kubeadm sets it up. */
  frontProxyCa: CertificateFiles;
  /** Client certificate kube-apiserver presents to aggregated API servers. */
  frontProxyClient: CertificateFiles;
  /** Key pair that signs and verifies service account tokens. */
  serviceAccount: { privateKeyPath: string; publicKeyPath: string };
}

/** A client identity as Kubernetes reads it from a certificate: CN is the user, O the groups. */
export interface ClientIdentity {
  user: string;
  groups: string[];
}

export const adminIdentity: ClientIdentity = { user: 'engagetrack-admin', groups: ['system:masters'] };

// The bootstrap RBAC policy of kube-apiserver binds its cluster roles to these user names.
const controllerManagerIdentity: ClientIdentity = { user: 'system:kube-controller-manager', groups: [] };
const schedulerIdentity: ClientIdentity = { user: 'system:kube-scheduler', groups: [] };
const kwokIdentity: ClientIdentity = { user: 'kwok-controller', groups: ['system:masters'] };
export const frontProxyClientIdentity: ClientIdentity = { user: 'front-proxy-client', groups: [] };

const validityDays = '365';

/**
 * A minimal OpenSSL configuration, so that the machine's openssl.cnf (which may add
 * its own extensions) does not change the certificates.
 */
const opensslConfig = '[req]\ndistinguished_name = dn\nprompt = no\n[dn]\n';

/**
 * Generates a certificate authority, the serving certificate (IP SAN 127.0.0.1, DNS
 * localhost and the in-cluster names of the kubernetes Service), one client
 * certificate per component and the service account signing key, all in `dir`.
 * Keys are ECDSA P-256. Requires the openssl command (OpenSSL 3.0 or newer).
 */
export async function generateControlPlaneCertificates(dir: string): Promise<ControlPlaneCertificates> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const configPath = join(dir, 'openssl.cnf');
  await writeFile(configPath, opensslConfig);

  const ca = await generateCertificateAuthority(dir, configPath, 'ca', 'engagetrack-test-ca');
  const frontProxyCa = await generateCertificateAuthority(dir, configPath, 'front-proxy-ca', 'engagetrack-test-front-proxy-ca');
  const serving = await generateSignedCertificate(dir, configPath, ca, {
    name: 'serving',
    subject: '/CN=kube-apiserver',
    extendedKeyUsage: 'serverAuth',
    subjectAltNames: [
      'IP:127.0.0.1',
      'DNS:localhost',
      'IP:10.96.0.1',
      'DNS:kubernetes',
      'DNS:kubernetes.default',
      'DNS:kubernetes.default.svc',
      'DNS:kubernetes.default.svc.cluster.local',
    ],
  });

  const client = (name: string, identity: ClientIdentity, authority = ca) =>
    generateSignedCertificate(dir, configPath, authority, {
      name,
      subject: subjectFor(identity),
      extendedKeyUsage: 'clientAuth',
      subjectAltNames: [],
    });

  return {
    ca,
    serving,
    admin: await client('admin', adminIdentity),
    controllerManager: await client('kube-controller-manager', controllerManagerIdentity),
    scheduler: await client('kube-scheduler', schedulerIdentity),
    kwok: await client('kwok', kwokIdentity),
    frontProxyCa,
    frontProxyClient: await client('front-proxy-client', frontProxyClientIdentity, frontProxyCa),
    serviceAccount: await writeServiceAccountKeyPair(dir),
  };
}

/** Generates a client certificate for another identity, signed by the same authority. */
export async function generateClientCertificate(
  dir: string,
  ca: CertificateFiles,
  name: string,
  identity: ClientIdentity,
): Promise<CertificateFiles> {
  const configPath = join(dir, 'openssl.cnf');
  await writeFile(configPath, opensslConfig);
  return generateSignedCertificate(dir, configPath, ca, {
    name,
    subject: subjectFor(identity),
    extendedKeyUsage: 'clientAuth',
    subjectAltNames: [],
  });
}

/** Builds an OpenSSL subject: one O= per group, then CN= for the user name. */
export function subjectFor(identity: ClientIdentity): string {
  const escape = (value: string) => value.replace(/[/\\+,=]/g, (character) => `\\${character}`);
  const organizations = identity.groups.map((group) => `/O=${escape(group)}`).join('');
  return `${organizations}/CN=${escape(identity.user)}`;
}

async function generateCertificateAuthority(
  dir: string,
  configPath: string,
  name: string,
  commonName: string,
): Promise<CertificateFiles> {
  const files = filesFor(dir, name);
  await runOpenssl(configPath, [
    ...newKeyArgs(files),
    '-subj', `/CN=${commonName}`,
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
  ]);
  return files;
}

interface SignedCertificateRequest {
  name: string;
  subject: string;
  extendedKeyUsage: 'serverAuth' | 'clientAuth';
  subjectAltNames: string[];
}

async function generateSignedCertificate(
  dir: string,
  configPath: string,
  ca: CertificateFiles,
  request: SignedCertificateRequest,
): Promise<CertificateFiles> {
  const files = filesFor(dir, request.name);
  const subjectAltName =
    request.subjectAltNames.length > 0 ? ['-addext', `subjectAltName=${request.subjectAltNames.join(',')}`] : [];

  await runOpenssl(configPath, [
    ...newKeyArgs(files),
    '-subj', request.subject,
    '-CA', ca.certPath,
    '-CAkey', ca.keyPath,
    '-addext', 'basicConstraints=critical,CA:FALSE',
    '-addext', 'keyUsage=critical,digitalSignature',
    '-addext', `extendedKeyUsage=${request.extendedKeyUsage}`,
    ...subjectAltName,
  ]);
  return files;
}

function filesFor(dir: string, name: string): CertificateFiles {
  return { certPath: join(dir, `${name}.crt`), keyPath: join(dir, `${name}.key`) };
}

function newKeyArgs(files: CertificateFiles): string[] {
  return [
    'req', '-x509', '-new', '-nodes',
    '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-days', validityDays,
    '-keyout', files.keyPath,
    '-out', files.certPath,
  ];
}

async function runOpenssl(configPath: string, args: string[]): Promise<void> {
  try {
    await execFileAsync('openssl', args, { env: { ...process.env, OPENSSL_CONF: configPath } });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('the openssl command was not found; install OpenSSL 3 (Debian package openssl)', {
        cause: error,
      });
    }
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`openssl ${args[0]} failed: ${stderr.trim()}`, { cause: error });
  }
}

async function writeServiceAccountKeyPair(dir: string): Promise<ControlPlaneCertificates['serviceAccount']> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', {
    namedCurve: 'prime256v1',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const privateKeyPath = join(dir, 'service-account.key');
  const publicKeyPath = join(dir, 'service-account.pub');
  await writeFile(privateKeyPath, privateKey, { mode: 0o600 });
  await writeFile(publicKeyPath, publicKey);
  return { privateKeyPath, publicKeyPath };
}
