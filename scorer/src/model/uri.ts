/**
 * Model URI parsing and the address check that keeps the scorer from fetching a bundle from
 * itself, the node's link-local network or a cloud metadata service.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.ts';

export type ModelLocation = { kind: 'file'; directory: string } | { kind: 'https'; baseUrl: URL };

/** Host names of cloud metadata services, rejected before any lookup. */
const METADATA_HOST_NAMES = new Set(['metadata.google.internal', 'metadata.goog', 'metadata']);

/** Metadata service addresses, named in the error so the reason is clear. */
const METADATA_ADDRESSES = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200']);

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

const FORBIDDEN = new BlockList();
FORBIDDEN.addSubnet('169.254.0.0', 16, 'ipv4'); // IPv4 link-local, includes 169.254.169.254
FORBIDDEN.addSubnet('fe80::', 10, 'ipv6'); // IPv6 link-local
FORBIDDEN.addSubnet('0.0.0.0', 8, 'ipv4'); // "this network", includes the unspecified 0.0.0.0
FORBIDDEN.addAddress('::', 'ipv6'); // unspecified
FORBIDDEN.addAddress('fd00:ec2::254', 'ipv6'); // AWS metadata over IPv6
FORBIDDEN.addAddress('100.100.100.200', 'ipv4'); // Alibaba Cloud metadata

/**
 * Parses `https://host/base/`, `file:///path` or a plain relative or absolute path.
 * Throws ConfigError for any other scheme.
 */
export function parseModelUri(uri: string): ModelLocation {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    return { kind: 'file', directory: resolve(uri) };
  }
  if (scheme === 'file') {
    return { kind: 'file', directory: fileURLToPath(uri) };
  }
  if (scheme === 'https') {
    const baseUrl = new URL(uri);
    if (baseUrl.username !== '' || baseUrl.password !== '') {
      throw new ConfigError('The model URI must not contain credentials; serve the bundle without basic auth in the URL.', 'model.uri');
    }
    if (!baseUrl.pathname.endsWith('/')) {
      baseUrl.pathname += '/';
    }
    baseUrl.search = '';
    baseUrl.hash = '';
    return { kind: 'https', baseUrl };
  }
  throw new ConfigError(`Unsupported model URI scheme ${JSON.stringify(scheme)}; use https:// or file://.`, 'model.uri');
}

export interface AddressPolicy {
  /** Accepts loopback addresses: for tests and local use only. */
  allowLoopback: boolean;
}

/** Returns why the address must not be contacted, or undefined when it may be. */
export function forbiddenAddressReason(address: string, policy: AddressPolicy): string | undefined {
  const normalized = unmapIpv4(address.toLowerCase());
  const family = isIP(normalized);
  if (family === 0) {
    return `${address} is not an IP address`;
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';

  if (METADATA_ADDRESSES.has(normalized)) {
    return `${address} is a cloud metadata address`;
  }
  if (FORBIDDEN.check(normalized, type)) {
    return `${address} is a link-local or unspecified address`;
  }
  if (!policy.allowLoopback && LOOPBACK.check(normalized, type)) {
    return `${address} is a loopback address (set model.allowLoopback only for tests and local use)`;
  }
  return undefined;
}

/**
 * Resolves the host of the URL and throws ConfigError when it is a metadata host or any of
 * its addresses is forbidden. A literal IP address is checked without a DNS query.
 */
export async function checkModelHost(url: URL, policy: AddressPolicy): Promise<void> {
  const host = url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
  if (METADATA_HOST_NAMES.has(host)) {
    throw new ConfigError(`The model URI host ${host} is a cloud metadata service and is not allowed.`, 'model.uri');
  }

  let addresses: string[];
  try {
    addresses = (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);
  } catch (error) {
    throw new ConfigError(`Cannot resolve the model URI host ${host}: ${(error as Error).message}`, 'model.uri', { cause: error });
  }

  for (const address of addresses) {
    const reason = forbiddenAddressReason(address, policy);
    if (reason !== undefined) {
      throw new ConfigError(`The model URI host ${host} is not allowed: ${reason}.`, 'model.uri');
    }
  }
}

/** Turns `::ffff:127.0.0.1` into `127.0.0.1`, so mapped addresses get the IPv4 checks. */
function unmapIpv4(address: string): string {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  return match?.[1] ?? address;
}
